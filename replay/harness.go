package replay

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp/roapptest"
)

// Harness is a platform's side of a replay: its fake server loaded with the
// fixture's native objects, the real adapter connected to it, and the
// platform's way of sending webhooks. The built-in platforms
// (woocommerce, shopify, cartum) register theirs with Register; a platform
// written outside this module registers its own the same way (see
// examples/externaladapter).
//
// Run and Sandbox call a Harness from one goroutine at a time, except
// Handler's handler, which serves the adapter concurrently.
type Harness interface {
	// Handler is the fake platform server.
	Handler() http.Handler
	// Connect returns the real adapter pointed at the fake server's URL,
	// sending its requests with client and logging to log (never nil).
	Connect(baseURL string, client *http.Client, log *slog.Logger) (rosync.Platform, error)
	// PutOrder creates or replaces a native order (the platform's own
	// JSON, as in the fixture's shop.orders and events[].order) on the
	// fake server and reports whether it was new.
	PutOrder(raw json.RawMessage) (created bool, err error)
	// Webhook builds the signed webhook the platform sends to target for
	// the order just put. A platform that sends no webhooks (it is
	// polled) returns an error wrapping ErrNoWebhooks: the replay then
	// polls after the event, as the host application's poll loop would.
	Webhook(target string, raw json.RawMessage, created bool) (*http.Request, error)
	// StatusUpdates lists the statuses rosync pushed to the platform, in
	// order (the snapshot's platform_status_updates).
	StatusUpdates() []roapptest.StatusUpdate
	// Credentials are the credentials the fake server accepts, handed out
	// by a Sandbox to the service that connects to it. They are test
	// values, but the replay checks that they never reach a log.
	Credentials() SandboxCredentials
}

// NewHarness builds a platform's Harness from a fixture (its shop, with
// shop.extra for the platform's own resources, and its settings); now is
// the replay's clock, which the fake server must use for the dates it
// sets. A bad fixture is a *FixtureError naming the field.
type NewHarness func(fx *Fixture, now func() time.Time) (Harness, error)

// ErrNoWebhooks is wrapped by Harness.Webhook of a platform that sends no
// webhooks.
var ErrNoWebhooks = errors.New("the platform sends no webhooks")

var (
	harnessMu sync.RWMutex
	harnesses = map[string]NewHarness{}
)

// Register makes a platform playable under name, the fixture's "platform"
// value. It panics when name is empty or already registered or h is nil,
// as registering twice is a programming error; call it from an init
// function or before the first Load.
func Register(name string, h NewHarness) {
	if name == "" || h == nil {
		panic("replay: Register needs a name and a NewHarness")
	}
	harnessMu.Lock()
	defer harnessMu.Unlock()
	if _, dup := harnesses[name]; dup {
		panic(fmt.Sprintf("replay: Register called twice for platform %q", name))
	}
	harnesses[name] = h
}

// Platforms lists the registered platform names, sorted.
func Platforms() []string {
	harnessMu.RLock()
	defer harnessMu.RUnlock()
	names := make([]string, 0, len(harnesses))
	for n := range harnesses {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// harnessFor returns the registered constructor of a platform.
func harnessFor(name string) (NewHarness, bool) {
	harnessMu.RLock()
	defer harnessMu.RUnlock()
	h, ok := harnesses[name]
	return h, ok
}
