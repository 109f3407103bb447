package rosync_test

// Helpers of the engine rule tests (engine_*_test.go): a Syncer wired to the
// fake platform, the RO App emulator over httptest with the real roapp
// client, the memory Store and a fixed clock.

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp"
	"github.com/rosync/rosync/roapp/roapptest"
	"github.com/rosync/rosync/storage/memory"
)

// t0 is the fixed time at which every test environment connects.
var t0 = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

const (
	roKey       = "ro-test-key"
	roHookToken = "ro-webhook-secret"
	shopName    = "fake"
)

// RO App status ids of the default seed.
const (
	stNew        int64 = 1
	stInProgress int64 = 2
	stClosed     int64 = 3
)

// testClock is a fixed clock that only moves when a test advances it.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// env is one wired test environment.
type env struct {
	syncer *rosync.Syncer
	emu    *roapptest.Emulator
	plat   *fakePlatform
	store  *memory.Store
	clock  *testClock

	client   *roapp.Client // the real roapp client
	hookURL  string        // the RO App webhook endpoint (roapp.WebhookHandler)
	roHooks  *atomic.Bool  // false: RO App webhooks are lost on the way
	down     *atomic.Bool  // true: RO App answers 503 to everything (ENG-2)
	bodies   *bodyRecorder // request bodies by endpoint
	settings rosync.Settings
}

// envConfig tunes newEnv.
type envConfig struct {
	seed      roapptest.Seed
	settings  rosync.Settings
	currency  string // the platform's currency
	wrap      func(rosync.ROClient) rosync.ROClient
	noConnect bool
	opts      rosync.Options
	now       time.Time // the clock's start; t0 when zero
	// platform, when set, wraps the fake platform as the Syncer sees it
	// (to add an optional capability such as rosync.PlatformClock).
	platform func(*fakePlatform) rosync.Platform
	// roOffset is RO App's clock minus the host's (the test clock): the
	// emulator's timestamps and Date headers are on RO App's clock.
	roOffset time.Duration
}

type envOption func(*envConfig)

func withSeed(f func(*roapptest.Seed)) envOption { return func(c *envConfig) { f(&c.seed) } }
func withSettings(f func(*rosync.Settings)) envOption {
	return func(c *envConfig) { f(&c.settings) }
}
func withPlatformCurrency(cur string) envOption { return func(c *envConfig) { c.currency = cur } }
func withROClient(wrap func(rosync.ROClient) rosync.ROClient) envOption {
	return func(c *envConfig) { c.wrap = wrap }
}
func withoutConnect() envOption                     { return func(c *envConfig) { c.noConnect = true } }
func withOptions(f func(*rosync.Options)) envOption { return func(c *envConfig) { f(&c.opts) } }
func withNow(at time.Time) envOption                { return func(c *envConfig) { c.now = at } }

// withROClockOffset puts RO App's clock d after the host's (before, for a
// negative d).
func withROClockOffset(d time.Duration) envOption { return func(c *envConfig) { c.roOffset = d } }

func withPlatform(wrap func(*fakePlatform) rosync.Platform) envOption {
	return func(c *envConfig) { c.platform = wrap }
}

// defaultSeed is an RO App account in UAH whose API key has the right of
// ORD-2, with three statuses and one order type that starts orders in New.
func defaultSeed() roapptest.Seed {
	return roapptest.Seed{
		Currency: "UAH",
		Rights:   []string{roapptest.RightAddWithoutDeduction},
		Statuses: []roapptest.Status{
			{ID: stNew, Name: "New"}, {ID: stInProgress, Name: "In progress"}, {ID: stClosed, Name: "Closed"},
		},
		OrderTypes: []roapptest.OrderType{{ID: 1, Name: "Online store", InitialStatusID: stNew}},
	}
}

// basePolicy is a platform policy with every identify-by key, one delivery
// comment on create, and no status sync.
func basePolicy() rosync.Policy {
	return rosync.Policy{
		WindowRule:   "WOO-1",
		ImportMonths: 2,
		IdentifyBy:   []rosync.IdentifyBy{rosync.IdentifyBySKU, rosync.IdentifyByName, rosync.IdentifyByID},
		Delivery:     rosync.DeliveryOnCreate,
		MatchEmail:   true,
	}
}

// newEnv wires a Syncer for the fake platform with policy to the RO App
// emulator (over HTTP, through the real roapp client) and a memory Store,
// on a fixed clock at t0, and connects it unless told not to.
func newEnv(t *testing.T, policy rosync.Policy, options ...envOption) *env {
	t.Helper()
	cfg := envConfig{
		seed:     defaultSeed(),
		currency: "UAH",
		settings: rosync.Settings{
			IdentifyProductsBy: rosync.IdentifyBySKU,
			DefaultRegion:      "UA",
			BranchID:           1,
			OrderTypeID:        1,
			AssigneeID:         roapptest.DefaultEmployee.ID, // RO App requires an item's assignee
		},
		// One attempt per Sync, so that tests see each failure recorded;
		// TestEngine_InlineRetry covers the retries in place.
		opts: rosync.Options{InlineRetries: -1},
	}
	for _, o := range options {
		o(&cfg)
	}
	if cfg.now.IsZero() {
		cfg.now = t0
	}
	e := &env{
		clock:    &testClock{now: cfg.now},
		plat:     newFakePlatform(policy),
		store:    memory.New(),
		roHooks:  new(atomic.Bool),
		down:     new(atomic.Bool),
		bodies:   &bodyRecorder{by: map[string][]string{}},
		settings: cfg.settings,
	}
	e.plat.currency = cfg.currency
	e.roHooks.Store(true)

	// RO App webhooks go to roapp.WebhookHandler in front of the Syncer.
	var syncer atomic.Pointer[rosync.Syncer]
	hook := roapp.WebhookHandler(roHookToken, func(ctx context.Context, ev rosync.ROEvent) error {
		if !e.roHooks.Load() {
			return nil // lost on the way: only a poll can catch it
		}
		return syncer.Load().HandleROEvent(ctx, ev)
	})
	hookSrv := httptest.NewServer(hook)
	t.Cleanup(hookSrv.Close)
	e.hookURL = hookSrv.URL

	e.emu = roapptest.New(cfg.seed, &roapptest.Options{
		APIKey:        roKey,
		Now:           func() time.Time { return e.clock.Now().Add(cfg.roOffset) },
		WebhookURL:    hookSrv.URL,
		WebhookSecret: roHookToken,
		// Items show whether they are written off, read by the client
		// below: the engine's ORD-5 signal until it reads the others.
		DeductionField: "deducted",
		Intercept: func(endpoint string, w http.ResponseWriter, r *http.Request) bool {
			e.bodies.record(endpoint, r)
			if e.down.Load() {
				http.Error(w, `{"message":"Service Unavailable"}`, http.StatusServiceUnavailable)
				return true
			}
			return false
		},
	})
	srv := httptest.NewServer(e.emu)
	t.Cleanup(srv.Close)
	e.client = roapp.New(roKey, &roapp.Options{
		BaseURL:           srv.URL,
		RequestsPerSecond: 1000,
		RetryMax:          2,
		RetryWaitMin:      time.Millisecond,
		RetryWaitMax:      2 * time.Millisecond,
		DeductionFields:   []string{"deducted"},
	})
	var ro rosync.ROClient = e.client
	if cfg.wrap != nil {
		ro = cfg.wrap(ro)
	}
	opts := cfg.opts
	opts.Shop = shopName
	opts.Settings = cfg.settings
	opts.Now = e.clock.Now
	var plat rosync.Platform = e.plat
	if cfg.platform != nil {
		plat = cfg.platform(e.plat)
	}
	s, err := rosync.New(plat, ro, e.store, &opts)
	require.NoError(t, err)
	e.syncer = s
	syncer.Store(s)
	if !cfg.noConnect {
		require.NoError(t, s.Connect(context.Background()))
	}
	return e
}

// bodyRecorder keeps the request bodies the emulator received, by endpoint.
type bodyRecorder struct {
	mu sync.Mutex
	by map[string][]string
}

func (b *bodyRecorder) record(endpoint string, r *http.Request) {
	if r.Body == nil || r.Method == http.MethodGet {
		return
	}
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(r.Body)
	r.Body.Close()
	r.Body = readCloser{bytes.NewReader(buf.Bytes())}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.by[endpoint] = append(b.by[endpoint], buf.String())
}

func (b *bodyRecorder) get(endpoint string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.by[endpoint]...)
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// ---------------------------------------------------------------- orders

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// newOrder is a valid platform order created at `at`: one customer with a
// Ukrainian phone written without country code, one line, a delivery.
func newOrder(id string, at time.Time) rosync.Order {
	return rosync.Order{
		ID:        id,
		Number:    "N-" + id,
		Status:    "processing",
		Currency:  "UAH",
		CreatedAt: at,
		UpdatedAt: at,
		Customer: &rosync.Customer{
			FirstName: "Olena", LastName: "Kovalenko", Phone: "050 111 22 33", Email: "Olena.K@Example.com",
		},
		Lines: []rosync.LineItem{{
			ID:       id + "-1",
			Product:  rosync.Product{ID: "501", SKU: "PH-1", Name: "Phone X", Description: "A phone", Category: []string{"Phones"}},
			Quantity: 2,
			Price:    dec("499.50"),
		}},
		Total:    dec("1049.00"),
		Delivery: &rosync.Delivery{Service: "Nova Poshta", Fee: dec("50.00"), Address: "Kyiv, Khreshchatyk 1"},
	}
}

// line returns an order line for a product identified by sku.
func line(id, sku string, qty int64, price string) rosync.LineItem {
	return rosync.LineItem{ID: id, Quantity: qty, Price: dec(price),
		Product: rosync.Product{ID: "p-" + sku, SKU: sku, Name: "Product " + sku}}
}

// addOrder puts o on the platform, a minute after the current time when
// o.CreatedAt is zero, and returns it as stored.
func (e *env) addOrder(o rosync.Order) rosync.Order {
	if o.CreatedAt.IsZero() {
		o.CreatedAt = e.clock.Now().Add(time.Minute)
		o.UpdatedAt = o.CreatedAt
	}
	e.plat.put(o)
	return o
}

// change edits a platform order and marks it updated at the current time.
func (e *env) change(id string, f func(*rosync.Order)) {
	e.plat.mu.Lock()
	o := e.plat.orders[id]
	e.plat.mu.Unlock()
	f(&o)
	o.UpdatedAt = e.clock.Now()
	e.plat.put(o)
}

// sync applies one order now and requires it to succeed.
func (e *env) sync(t *testing.T, id string) {
	t.Helper()
	require.NoError(t, e.syncer.Sync(context.Background(), id))
}

// webhook delivers a platform webhook for order id, signed (or not, with
// sig "-"; or with the given signature), and returns the HTTP status.
func (e *env) webhook(t *testing.T, id, eventID, sig string) int {
	t.Helper()
	body := []byte(`{"id":"` + id + `"}`)
	return e.postWebhook(t, body, eventID, sig)
}

func (e *env) postWebhook(t *testing.T, body []byte, eventID, sig string) int {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/webhooks/fake", bytes.NewReader(body))
	switch sig {
	case "":
		req.Header.Set("X-Test-Signature", e.plat.sign(body))
	case "-":
	default:
		req.Header.Set("X-Test-Signature", sig)
	}
	if eventID != "" {
		req.Header.Set("X-Test-Event", eventID)
	}
	rec := httptest.NewRecorder()
	e.syncer.Webhook().ServeHTTP(rec, req)
	return rec.Code
}

// record returns the Store's record of a platform order.
func (e *env) record(t *testing.T, id string) rosync.Record {
	t.Helper()
	r, err := e.store.Record(context.Background(), shopName, id)
	require.NoError(t, err)
	return r
}

// roOrderID returns the RO App order id of a platform order number.
func (e *env) roOrderID(t *testing.T, number string) int64 {
	t.Helper()
	id, ok := e.emu.OrderIDByNumber(number)
	require.True(t, ok, "no RO App order for platform number %s", number)
	return id
}

// calls returns the emulator's request count of an endpoint.
func (e *env) calls(endpoint string) int { return e.emu.Calls().ByEndpoint[endpoint] }

// writes returns the emulator's counts of every write endpoint (creates,
// updates, deletes, status changes): what must not move when a rule says
// nothing is to be written.
func (e *env) writes() map[string]int {
	out := map[string]int{}
	for ep, n := range e.emu.Calls().ByEndpoint {
		if len(ep) > 4 && ep[:4] != "GET " {
			out[ep] = n
		}
	}
	return out
}

// ---------------------------------------------------------------- faults

// ambiguousRO is an ROClient whose chosen create calls reach RO App and
// then report an unknown outcome, as a connection lost after the request
// was written does (ENG-1).
type ambiguousRO struct {
	rosync.ROClient
	createOrder, addItem, addComment, createContact atomic.Int32 // how many more calls to blur
}

var errLost = errors.New("connection reset after the request was written")

func (a *ambiguousRO) CreateOrder(ctx context.Context, o rosync.NewOrder) (int64, error) {
	id, err := a.ROClient.CreateOrder(ctx, o)
	if err == nil && a.createOrder.Add(-1) >= 0 {
		return 0, &rosync.AmbiguousError{Err: errLost}
	}
	return id, err
}

func (a *ambiguousRO) AddItem(ctx context.Context, orderID int64, it rosync.ROItem) (int64, error) {
	id, err := a.ROClient.AddItem(ctx, orderID, it)
	if err == nil && a.addItem.Add(-1) >= 0 {
		return 0, &rosync.AmbiguousError{Err: errLost}
	}
	return id, err
}

func (a *ambiguousRO) AddComment(ctx context.Context, orderID int64, text string) error {
	err := a.ROClient.AddComment(ctx, orderID, text)
	if err == nil && a.addComment.Add(-1) >= 0 {
		return &rosync.AmbiguousError{Err: errLost}
	}
	return err
}

func (a *ambiguousRO) CreateContact(ctx context.Context, c rosync.Contact) (int64, error) {
	id, err := a.ROClient.CreateContact(ctx, c)
	if err == nil && a.createContact.Add(-1) >= 0 {
		return 0, &rosync.AmbiguousError{Err: errLost}
	}
	return id, err
}

// FindContactsByName passes the optional capability through the wrapper.
func (a *ambiguousRO) FindContactsByName(ctx context.Context, first, last string) ([]rosync.Contact, error) {
	return a.ROClient.(rosync.ContactNameFinder).FindContactsByName(ctx, first, last)
}
