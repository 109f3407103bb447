package replicas_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/woocommerce"
	"github.com/rosync/rosync/platforms/woocommerce/woocommercetest"
	"github.com/rosync/rosync/roapp"
	"github.com/rosync/rosync/roapp/roapptest"
	"github.com/rosync/rosync/storage/postgres"
	"github.com/rosync/rosync/storage/postgres/postgrestest"
)

const (
	replicas      = 4
	initialOrders = 24 // in the shop before Connect: the initial import
	laterOrders   = 16 // created after Connect: arrive by webhook
	customers     = 12 // shared between orders
	skus          = 8  // shared between orders
	pollRounds    = 3

	shop          = "woo"
	wooKey        = "ck_replicas"
	wooSecret     = "cs_replicas"
	webhookSecret = "whsec-replicas"
	roKey         = "ro-replicas-key"
	wcTime        = "2006-01-02T15:04:05"
)

// clock is the shared clock of the shop, RO App and the replicas.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// pollGate holds back a replica's reconciliation poll (the platform read
// that follows taking the poll lease) until the other replicas' Poll calls
// of the round have returned, so that a round shows how many replicas
// polled whatever the timing.
type pollGate struct {
	entered atomic.Int32
	release chan struct{}
}

// gatedPlatform is a replica's adapter, with polls counted and held at the
// current round's gate.
type gatedPlatform struct {
	rosync.Platform
	gate *atomic.Pointer[pollGate]
}

func (p gatedPlatform) Orders(ctx context.Context, q rosync.Query) iter.Seq2[rosync.Order, error] {
	if !q.UpdatedSince.IsZero() { // a poll, not the initial import
		if g := p.gate.Load(); g != nil {
			g.entered.Add(1)
			select {
			case <-g.release:
			case <-time.After(20 * time.Second):
			case <-ctx.Done():
			}
		}
	}
	return p.Platform.Orders(ctx, q)
}

// replica is one process of the host application.
type replica struct {
	store  *postgres.Store
	syncer *rosync.Syncer
	hook   string // URL of its webhook endpoint
}

// world is the shared outside: the shop, RO App and the database.
type world struct {
	clk    *clock
	woo    *woocommercetest.Server
	emu    *roapptest.Emulator
	gate   atomic.Pointer[pollGate]
	reps   []*replica
	client *http.Client
	// label, printed after "replicas=N" in the figures line, names the
	// case.
	label string
	// afterCreate, when set, is the RO App emulator's AfterCreate hook.
	afterCreate atomic.Pointer[func(endpoint string, id int64)]
	// lines is the expected quantity per platform order and line id.
	lines map[string]map[string]int64
}

func TestReplicas(t *testing.T) {
	for _, connectAll := range []bool{false, true} {
		name := "ConnectOneFirst"
		if connectAll {
			name = "ConnectAllAtOnce"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testReplicas(t, connectAll)
		})
	}
}

// testReplicas runs four replicas through the initial import, concurrent
// webhooks and concurrent polls (ENG-1 across processes).
func testReplicas(t *testing.T, connectAll bool) {
	dsn := postgrestest.DSN(t)
	schema := postgrestest.NewSchema(t, dsn)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	w := newWorld(t, dsn, schema)

	// The initial import: one replica first and then the others (a rolling
	// start), or all at once (replicas that start together).
	if connectAll {
		w.parallel(t, func(r *replica) error { return r.syncer.Connect(ctx) })
	} else {
		if err := w.reps[0].syncer.Connect(ctx); err != nil {
			t.Fatalf("Connect: %v", err)
		}
		w.parallel(t, func(r *replica) error { return r.syncer.Connect(ctx) })
	}

	// New orders arrive by webhook; each webhook reaches all four replicas
	// at once, all webhooks together.
	w.clk.Add(time.Minute)
	var created []int
	for i := range laterOrders {
		id := 1001 + initialOrders + i
		w.putOrder(t, w.order(id, w.clk.Now().Add(time.Duration(i)*time.Second)))
		created = append(created, id)
	}
	w.clk.Add(time.Minute)
	w.deliver(t, ctx, created, "order.created")

	// Changed quantities arrive by webhook while the replicas poll, in
	// rounds: only the replica that holds the poll lease polls.
	var changed []int
	for id := 1001; id < 1001+initialOrders+laterOrders; id += 4 {
		w.changeQuantity(t, id)
		changed = append(changed, id)
	}
	var polled []int
	for round := range pollRounds {
		w.clk.Add(time.Minute)
		var hooks sync.WaitGroup
		if round == 0 {
			hooks.Go(func() { w.deliver(t, ctx, changed, "order.updated") })
		}
		polled = append(polled, w.pollRound(t, ctx))
		hooks.Wait()
	}

	w.check(t, ctx, polled)
}

// storeConfig adjusts replica i's store: its options, and the DSN it
// connects with (returned).
type storeConfig func(i int, dsn string, o *postgres.Options) string

func newWorld(t *testing.T, dsn, schema string, configs ...storeConfig) *world {
	t.Helper()
	clk := &clock{t: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)}
	w := &world{clk: clk, lines: map[string]map[string]int64{}}

	w.woo = woocommercetest.New(woocommercetest.Options{Key: wooKey, Secret: wooSecret, Currency: "UAH", Now: clk.Now})
	wooSrv := httptest.NewServer(w.woo)
	t.Cleanup(wooSrv.Close)
	mustAdd(t, w.woo.AddCategory, map[string]any{"id": 1, "name": "Accessories", "slug": "accessories", "parent": 0})
	mustAdd(t, w.woo.AddCategory, map[string]any{"id": 2, "name": "Cables", "slug": "cables", "parent": 1})
	for k := range skus {
		mustAdd(t, w.woo.AddProduct, map[string]any{
			"id": 100 + k, "name": fmt.Sprintf("Product %d", k), "type": "simple", "sku": sku(k),
			"description": "", "categories": []any{map[string]any{"id": 1 + k%2, "name": "c", "slug": "c"}},
		})
	}
	for i := range initialOrders {
		w.putOrder(t, w.order(1001+i, clk.Now().AddDate(0, 0, -initialOrders+i)))
	}

	w.emu = roapptest.New(roapptest.Seed{
		Currency:   "UAH",
		Rights:     []string{roapptest.RightAddWithoutDeduction},
		Statuses:   []roapptest.Status{{ID: 1, Name: "New"}, {ID: 2, Name: "Closed"}},
		OrderTypes: []roapptest.OrderType{{ID: 1, Name: "Online store", InitialStatusID: 1}},
	}, &roapptest.Options{APIKey: roKey, Now: clk.Now, AfterCreate: func(endpoint string, id int64) {
		if f := w.afterCreate.Load(); f != nil {
			(*f)(endpoint, id)
		}
	}})
	roSrv := httptest.NewServer(w.emu)
	t.Cleanup(roSrv.Close)

	for i := range replicas {
		opts, rdsn := &postgres.Options{Schema: schema}, dsn
		for _, c := range configs {
			rdsn = c(i, rdsn, opts)
		}
		store, err := postgres.Open(t.Context(), rdsn, opts)
		if err != nil {
			t.Fatalf("replica %d: open the store: %v", i, err)
		}
		t.Cleanup(func() { store.Close() })
		ro := roapp.New(roKey, &roapp.Options{BaseURL: roSrv.URL, HTTPClient: roSrv.Client(),
			RequestsPerSecond: 100000, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond})
		plat, err := woocommerce.New(wooSrv.URL, woocommerce.Credentials{Key: wooKey, Secret: wooSecret},
			&woocommerce.Options{HTTPClient: wooSrv.Client(), WebhookSecret: webhookSecret,
				RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		syncer, err := rosync.New(gatedPlatform{plat, &w.gate}, ro, store, &rosync.Options{
			Shop: shop,
			Settings: rosync.Settings{IdentifyProductsBy: rosync.IdentifyBy("sku"), DefaultRegion: "UA", BranchID: 1, OrderTypeID: 1,
				AssigneeID: roapptest.DefaultEmployee.ID},
			Now:     clk.Now,
			Replica: "replica-" + strconv.Itoa(i),
			Sleep:   func(context.Context, time.Duration) error { return nil },
		})
		if err != nil {
			t.Fatal(err)
		}
		hook := httptest.NewServer(syncer.Webhook())
		t.Cleanup(hook.Close)
		w.reps = append(w.reps, &replica{store: store, syncer: syncer, hook: hook.URL})
	}
	w.client = &http.Client{Timeout: time.Minute}
	return w
}

// parallel runs fn on every replica at once and fails on an error.
func (w *world) parallel(t *testing.T, fn func(*replica) error) {
	t.Helper()
	errs := make([]error, len(w.reps))
	var wg sync.WaitGroup
	for i, r := range w.reps {
		wg.Go(func() { errs[i] = fn(r) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
	}
}

// deliver sends the webhook of each order, as the shop now serves it, to
// every replica at once (each delivery signed as WooCommerce signs it).
func (w *world) deliver(t *testing.T, ctx context.Context, ids []int, topic string) {
	var wg sync.WaitGroup
	for _, id := range ids {
		body, ok := w.woo.Order(int64(id))
		if !ok {
			t.Errorf("order %d is not in the shop", id)
			continue
		}
		for i, r := range w.reps {
			wg.Go(func() {
				req, err := woocommercetest.SignedWebhook(r.hook, webhookSecret, topic, body)
				if err != nil {
					t.Error(err)
					return
				}
				resp, err := w.client.Do(req.WithContext(ctx))
				if err != nil {
					t.Errorf("replica %d: webhook %s of order %d: %v", i, topic, id, err)
					return
				}
				msg, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("replica %d: webhook %s of order %d: HTTP %d %s", i, topic, id, resp.StatusCode, msg)
				}
			})
		}
	}
	wg.Wait()
}

// pollRound runs Poll on every replica at once and returns how many of
// them polled the shop.
func (w *world) pollRound(t *testing.T, ctx context.Context) int {
	t.Helper()
	g := &pollGate{release: make(chan struct{})}
	w.gate.Store(g)
	defer w.gate.Store(nil)
	var returned atomic.Int32
	w.parallel(t, func(r *replica) error {
		err := r.syncer.Poll(ctx)
		if returned.Add(1) == replicas-1 {
			close(g.release)
		}
		return err
	})
	return int(g.entered.Load())
}

// check asserts ENG-1 across the replicas and prints the figures.
func (w *world) check(t *testing.T, ctx context.Context, polled []int) {
	t.Helper()
	snap := w.emu.Snapshot()
	platformOrders := len(w.lines)

	// ENG-1: exactly one RO App order per platform order, whichever
	// replica received its webhooks or polled it.
	perOrder := map[string]int{}
	for _, o := range snap.Orders {
		perOrder[o.PlatformOrderID]++
	}
	duplicates := len(snap.Orders) - len(perOrder)
	fmt.Printf("replicas=%d%s orders=%d ro_orders=%d duplicates=%d\n", replicas, w.label, platformOrders, len(snap.Orders), duplicates)
	for id := range w.lines {
		if n := perOrder[id]; n != 1 {
			t.Errorf("ENG-1: platform order %s has %d RO App orders, want 1", id, n)
		}
	}
	if len(snap.Orders) != platformOrders || duplicates != 0 {
		t.Errorf("ENG-1: %d RO App orders (%d duplicates) for %d platform orders", len(snap.Orders), duplicates, platformOrders)
	}

	// ENG-1 for items: each order has its lines once, with the quantities
	// the shop has now (the changes arrived once each).
	for _, o := range snap.Orders {
		want := w.lines[o.PlatformOrderID]
		var total, wantTotal int64
		for _, it := range o.Items {
			total += it.Quantity
		}
		for _, q := range want {
			wantTotal += q
		}
		if len(o.Items) != len(want) || total != wantTotal {
			t.Errorf("ENG-1: RO App order of %s has %d items, %d pieces; want %d items, %d pieces",
				o.PlatformOrderID, len(o.Items), total, len(want), wantTotal)
		}
	}

	// ENG-1 for contacts and products: one per customer phone, one per SKU.
	perPhone := map[string]int{}
	for _, c := range snap.Contacts {
		for _, p := range c.Phones {
			perPhone[p]++
		}
	}
	for c := range customers {
		if n := perPhone[e164(c)]; n != 1 {
			t.Errorf("ENG-1: customer phone %s is on %d RO App contacts, want 1", e164(c), n)
		}
	}
	if len(snap.Contacts) != customers {
		t.Errorf("ENG-1: %d RO App contacts for %d customers", len(snap.Contacts), customers)
	}
	perSKU := map[string]int{}
	for _, p := range snap.Products {
		perSKU[p.SKU]++
	}
	for k := range skus {
		if n := perSKU[sku(k)]; n != 1 {
			t.Errorf("ENG-1: SKU %s has %d RO App products, want 1", sku(k), n)
		}
	}
	if len(snap.Products) != skus {
		t.Errorf("ENG-1: %d RO App products for %d SKUs", len(snap.Products), skus)
	}

	// Nothing failed or was rejected, and every order is imported.
	store := w.reps[0].store
	for _, f := range []rosync.RecordFilter{{Failed: true}, {State: rosync.StateRejected}, {State: rosync.StatePending}} {
		recs, err := store.Records(ctx, shop, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			t.Errorf("order %s: state %s, rule %q, last error %q", r.OrderID, r.State, r.Rule, r.LastError)
		}
	}
	imported, err := store.Records(ctx, shop, rosync.RecordFilter{State: rosync.StateImported})
	if err != nil {
		t.Fatal(err)
	}
	if len(imported) != platformOrders {
		t.Errorf("%d records imported, want %d", len(imported), platformOrders)
	}

	// The poll lease: in each round exactly one replica polled.
	for round, n := range polled {
		if n != 1 {
			t.Errorf("poll round %d: %d replicas polled the shop, want 1 (the poll lease holder)", round, n)
		}
	}
}

// order is a native WooCommerce order: customer id%customers, one to three
// lines of the shared SKUs.
func (w *world) order(id int, created time.Time) map[string]any {
	c := id % customers
	var lines []any
	total := decimal.Zero
	want := map[string]int64{}
	for j := range 1 + id%3 {
		k := (id + j*3) % skus
		qty := int64(1 + j)
		price := decimal.NewFromInt(int64(100 * (k + 1)))
		sum := price.Mul(decimal.NewFromInt(qty))
		total = total.Add(sum)
		lineID := id*10 + j
		want[strconv.Itoa(lineID)] = qty
		lines = append(lines, map[string]any{
			"id": lineID, "name": fmt.Sprintf("Product %d", k), "product_id": 100 + k, "variation_id": 0,
			"quantity": qty, "tax_class": "", "subtotal": sum.StringFixed(2), "subtotal_tax": "0.00",
			"total": sum.StringFixed(2), "total_tax": "0.00", "taxes": []any{}, "meta_data": []any{},
			"sku": sku(k), "price": price.IntPart(), "parent_name": nil,
		})
	}
	w.lines[strconv.Itoa(id)] = want
	ts := created.UTC().Format(wcTime)
	return map[string]any{
		"id": id, "parent_id": 0, "number": strconv.Itoa(id), "status": "processing", "currency": "UAH",
		"date_created": ts, "date_created_gmt": ts, "date_modified": ts, "date_modified_gmt": ts,
		"discount_total": "0.00", "shipping_total": "0.00", "total": total.StringFixed(2), "total_tax": "0.00",
		"customer_id": 0,
		"billing": map[string]any{
			"first_name": fmt.Sprintf("Customer%d", c), "last_name": "Test", "company": "",
			"address_1": "vul. Khreshchatyk 1", "address_2": "", "city": "Kyiv", "state": "",
			"postcode": "01001", "country": "UA", "email": fmt.Sprintf("customer%d@example.com", c),
			"phone": fmt.Sprintf("067 555 %02d %02d", c, c),
		},
		"shipping": map[string]any{
			"first_name": "", "last_name": "", "company": "", "address_1": "", "address_2": "",
			"city": "", "state": "", "postcode": "", "country": "", "phone": "",
		},
		"line_items": lines, "shipping_lines": []any{}, "fee_lines": []any{}, "coupon_lines": []any{}, "refunds": []any{},
	}
}

// changeQuantity adds one piece to the first line of an order in the shop
// and marks it modified now.
func (w *world) changeQuantity(t *testing.T, id int) {
	t.Helper()
	raw, ok := w.woo.Order(int64(id))
	if !ok {
		t.Fatalf("order %d is not in the shop", id)
	}
	var o map[string]any
	if err := json.Unmarshal(raw, &o); err != nil {
		t.Fatal(err)
	}
	line := o["line_items"].([]any)[0].(map[string]any)
	qty := int64(line["quantity"].(float64)) + 1
	price := decimal.NewFromFloat(line["price"].(float64))
	old, _ := decimal.NewFromString(line["total"].(string))
	sum := price.Mul(decimal.NewFromInt(qty))
	total, _ := decimal.NewFromString(o["total"].(string))
	line["quantity"], line["subtotal"], line["total"] = qty, sum.StringFixed(2), sum.StringFixed(2)
	o["total"] = total.Sub(old).Add(sum).StringFixed(2)
	ts := w.clk.Now().UTC().Format(wcTime)
	o["date_modified"], o["date_modified_gmt"] = ts, ts
	w.lines[strconv.Itoa(id)][strconv.FormatInt(int64(line["id"].(float64)), 10)] = qty
	w.putOrder(t, o)
}

func (w *world) putOrder(t *testing.T, o map[string]any) {
	t.Helper()
	mustAdd(t, w.woo.AddOrder, o)
}

func mustAdd(t *testing.T, add func(json.RawMessage) error, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := add(b); err != nil {
		t.Fatal(err)
	}
}

func sku(k int) string { return fmt.Sprintf("SKU-%02d", k) }

// e164 is customer c's phone as RO App stores it.
func e164(c int) string { return fmt.Sprintf("+38067555%02d%02d", c, c) }
