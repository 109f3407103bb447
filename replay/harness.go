package replay

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp/roapptest"
)

// harness is a platform's side of a replay: its fake server loaded with the
// fixture's native objects, the real adapter connected to it, and the
// platform's way of sending webhooks.
type harness interface {
	// Handler is the fake platform server.
	Handler() http.Handler
	// Connect returns the real adapter pointed at the fake server's URL,
	// logging to log (nil: discard).
	Connect(baseURL string, client *http.Client, log *slog.Logger) (rosync.Platform, error)
	// PutOrder creates or replaces a native order on the fake server and
	// reports whether it was new.
	PutOrder(raw json.RawMessage) (created bool, err error)
	// Webhook builds the signed webhook the platform sends for the order.
	Webhook(target string, raw json.RawMessage, created bool) (*http.Request, error)
	// StatusUpdates lists the statuses rosync pushed to the platform.
	StatusUpdates() []roapptest.StatusUpdate
}

// newHarness builds a platform's harness from a fixture; now is the
// replay's clock.
type newHarness func(fx *Fixture, now func() time.Time) (harness, error)

var harnesses = map[string]newHarness{
	"woocommerce": newWooCommerce,
}

func platformNames() []string {
	var names []string
	for n := range harnesses {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
