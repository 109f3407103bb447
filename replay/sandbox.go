package replay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/rosync/rosync/roapp/roapptest"
)

// SandboxOptions configure NewSandbox. A nil *SandboxOptions is all
// defaults.
type SandboxOptions struct {
	// ROAppWebhookURL receives the emulator's RO App webhooks
	// (Order.Status.Changed, signed with Sandbox.ROAppWebhookSecret) when
	// SetStatus moves an order; "" sends none.
	ROAppWebhookURL string
	// Now is the clock of the emulator and the fake shop; default a clock
	// that starts at the fixture's now and runs with the wall clock, so
	// that the fixture's orders fall in the import window.
	Now func() time.Time
	// Client sends the platform webhooks; default a client with a 30 s
	// timeout.
	Client *http.Client
}

// SandboxCredentials are the credentials the sandbox's fake shop accepts
// (Harness.Credentials). Which fields are set depends on the platform.
type SandboxCredentials struct {
	Key, Secret     string // WooCommerce consumer key and secret; PrestaShop webservice key (Key)
	AccessToken     string // Shopify Admin API access token
	Login, Password string // Cartum API user
	// WebhookSecret signs the platform's webhooks (Cartum: the target
	// URL's secret query parameter).
	WebhookSecret string
}

// Sandbox is a fixture's world running on loopback: the RO App emulator
// seeded with the fixture's roapp state and the platform's fake server
// loaded with its shop, for a real service (or a test) to connect to with
// the real adapter and the real roapp client. Unlike Run it connects
// nothing itself: it hands out URLs and credentials, and acts as the
// platform and as an RO App user on request. It is safe for concurrent use.
type Sandbox struct {
	// Fixture is the fixture the sandbox was started from; its events are
	// not played (see Play).
	Fixture *Fixture
	// Platform is the fixture's platform name ("woocommerce").
	Platform string
	// ShopURL is the fake shop's base URL and Shop its credentials.
	ShopURL string
	Shop    SandboxCredentials
	// Currency and Timezone are the shop's (Cartum's adapter needs them in
	// its options).
	Currency string
	Timezone string
	// ROAppURL is the emulator's API root; ROAppKey the API key it
	// requires; ROAppWebhookSecret signs its webhooks.
	ROAppURL           string
	ROAppKey           string
	ROAppWebhookSecret string
	// AssigneeID is the RO App employee items are assigned to
	// (Settings.assignee_id, or the first seeded employee).
	AssigneeID int64
	// DeductionFields are the item fields the emulator shows deduction
	// in, for roapp.Options.DeductionFields: the engine's ORD-5 signal
	// today (a real account shows none, see roapp).
	DeductionFields []string
	// Emulator is the RO App emulator, for direct inspection.
	Emulator *roapptest.Emulator
	// Now is the sandbox's clock (SandboxOptions.Now).
	Now func() time.Time

	h      Harness
	ro     *httptest.Server
	plat   *httptest.Server
	client *http.Client
	mu     sync.Mutex // serialises platform changes and their webhooks
	once   sync.Once
}

// NewSandbox validates the fixture and starts its RO App emulator and fake
// shop on loopback. Close stops them.
func NewSandbox(fx *Fixture, opts *SandboxOptions) (*Sandbox, error) {
	if err := fx.Validate(); err != nil {
		return nil, err
	}
	var o SandboxOptions
	if opts != nil {
		o = *opts
	}
	if o.Now == nil {
		start, base := time.Now(), fx.Now.UTC()
		o.Now = func() time.Time { return base.Add(time.Since(start)) }
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 30 * time.Second}
	}
	newH, _ := harnessFor(fx.Platform) // Validate checked it
	h, err := newH(fx, o.Now)
	if err != nil {
		return nil, err
	}
	emu := roapptest.New(fx.ROApp, &roapptest.Options{
		APIKey: roKey, WebhookURL: o.ROAppWebhookURL, WebhookSecret: roWebhookSecret,
		WebhookClient: o.Client, Now: o.Now, DeductionField: replayDeductionField,
	})
	sb := &Sandbox{
		Fixture: fx, Platform: fx.Platform, Currency: fx.Shop.Currency, Timezone: fx.Settings.Timezone,
		ROAppKey: roKey, ROAppWebhookSecret: roWebhookSecret, AssigneeID: fx.assignee(), Emulator: emu, Now: o.Now,
		DeductionFields: []string{replayDeductionField},
		Shop:            h.Credentials(), h: h, client: o.Client,
	}
	sb.ro = httptest.NewServer(emu)
	sb.plat = httptest.NewServer(h.Handler())
	sb.ROAppURL, sb.ShopURL = sb.ro.URL, sb.plat.URL
	return sb, nil
}

// Close stops the emulator and the fake shop. It may be called more than
// once.
func (sb *Sandbox) Close() {
	sb.once.Do(func() {
		sb.plat.Close()
		sb.ro.Close()
	})
}

// PutOrder creates or replaces a native order (the platform's own JSON,
// as in a fixture's shop.orders) on the fake shop, then delivers the
// platform's signed webhook for it to webhookURL and waits for the answer,
// which must be 200. It reports whether the order was new. A platform that
// sends no webhooks (ErrNoWebhooks) delivers nothing: the service's poll
// finds the change.
func (sb *Sandbox) PutOrder(ctx context.Context, raw json.RawMessage, webhookURL string) (created bool, err error) {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	created, err = sb.h.PutOrder(raw)
	if err != nil {
		return false, &FixtureError{Field: "order", Err: err}
	}
	dl := newDeliverer(1, 0, sb.client)
	err = dl.deliver(ctx, func() (*http.Request, error) { return sb.h.Webhook(webhookURL, raw, created) })
	if errors.Is(err, ErrNoWebhooks) {
		err = nil
	}
	return created, err
}

// Play performs one fixture event: a platform_order as PutOrder does, an
// ro_deduct or ro_status as an RO App user would (the emulator then sends
// its webhook to SandboxOptions.ROAppWebhookURL).
func (sb *Sandbox) Play(ctx context.Context, ev Event, webhookURL string) error {
	fx := Fixture{Platform: sb.Platform, Now: sb.Fixture.Now, Events: []Event{ev}}
	if err := fx.Validate(); err != nil {
		return err
	}
	sb.mu.Lock()
	defer sb.mu.Unlock()
	err := play(ctx, sb.h, sb.Emulator, webhookURL, newDeliverer(1, 0, sb.client), ev)
	if errors.Is(err, ErrNoWebhooks) {
		return nil // the service's poll finds the change
	}
	return err
}

// Deduct writes off the products of the RO App order imported from the
// platform order number (ORD-5), as an RO App user would.
func (sb *Sandbox) Deduct(number string) error {
	id, ok := sb.Emulator.OrderIDByNumber(number)
	if !ok {
		return fmt.Errorf("replay: sandbox: RO App has no order for platform order number %q: %w", number, ErrNoOrder)
	}
	return sb.Emulator.Deduct(id)
}

// SetStatus moves the RO App order imported from the platform order number
// to the RO App status named status, as an RO App user would; the emulator
// sends its webhook.
func (sb *Sandbox) SetStatus(ctx context.Context, number, status string) error {
	id, ok := sb.Emulator.OrderIDByNumber(number)
	if !ok {
		return fmt.Errorf("replay: sandbox: RO App has no order for platform order number %q: %w", number, ErrNoOrder)
	}
	return sb.Emulator.SetStatus(ctx, id, status)
}

// ErrNoOrder is wrapped by the errors of Deduct and SetStatus for a
// platform order number that RO App has no order for.
var ErrNoOrder = errors.New("no such order")

// Snapshot is what RO App holds now, with the statuses rosync pushed to
// the fake shop. Rejected and failed orders are the Store's business and
// stay empty.
func (sb *Sandbox) Snapshot() roapptest.Snapshot {
	snap := sb.Emulator.Snapshot()
	snap.PlatformStatusUpdates = sb.h.StatusUpdates()
	return snap
}
