package replay

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync/faultplan"
	"github.com/rosync/rosync/roapp/roapptest"
)

// soakOrders is the size of the generated shop of the soak test.
const soakOrders = 500

// soakShop generates a WooCommerce shop: n orders, a fifth of
// them there at the connection and the rest arriving as events, ~60% from
// repeat customers, over a shared catalogue; then quantity edits,
// cancellations, deductions and RO App status changes as events.
func soakShop(t *testing.T, seed uint64, n int) *Fixture {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed+1))
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	mustJSON := func(v any) json.RawMessage {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		return b
	}
	fx := &Fixture{
		Platform: "woocommerce", Now: now,
		Settings: Settings{IdentifyProductsBy: "sku", DefaultRegion: "UA", OrderTypeID: 1,
			StatusMap: map[string]string{"completed": "Closed", "cancelled": "Cancelled"}},
		Shop: Shop{Currency: "UAH"},
		ROApp: roapptest.Seed{Currency: "UAH", Rights: []string{roapptest.RightAddWithoutDeduction},
			Statuses:   []roapptest.Status{{ID: 1, Name: "New"}, {ID: 2, Name: "In progress"}, {ID: 3, Name: "Closed"}, {ID: 4, Name: "Cancelled"}},
			OrderTypes: []roapptest.OrderType{{ID: 1, Name: "Online store", InitialStatusID: 1}}},
	}
	cats := []map[string]any{
		{"id": 1, "name": "Electronics", "slug": "electronics", "parent": 0},
		{"id": 2, "name": "Phones", "slug": "phones", "parent": 1},
		{"id": 3, "name": "Accessories", "slug": "accessories", "parent": 0},
		{"id": 4, "name": "Cables", "slug": "cables", "parent": 3},
	}
	for _, c := range cats {
		fx.Shop.Categories = append(fx.Shop.Categories, mustJSON(c))
	}
	type product struct {
		id    int64
		name  string
		sku   string
		price int
	}
	var products []product
	for i := range 40 {
		p := product{id: int64(100 + i), name: fmt.Sprintf("Product %d", i), sku: fmt.Sprintf("SKU-%03d", i), price: 100 + 25*i}
		products = append(products, p)
		c := cats[i%len(cats)]
		fx.Shop.Products = append(fx.Shop.Products, mustJSON(map[string]any{
			"id": p.id, "name": p.name, "slug": fmt.Sprintf("product-%d", i), "type": "simple", "status": "publish",
			"parent_id": 0, "description": "", "short_description": "", "sku": p.sku,
			"price": fmt.Sprintf("%d.00", p.price), "regular_price": fmt.Sprintf("%d.00", p.price), "sale_price": "",
			"categories": []any{map[string]any{"id": c["id"], "name": c["name"], "slug": c["slug"]}},
			"attributes": []any{}, "variations": []any{},
		}))
	}
	type customer struct{ first, last, phone, email string }
	var customers []customer
	orders := map[int64]map[string]any{}
	order := func(id int64, created time.Time) map[string]any {
		var c customer
		if len(customers) > 0 && rng.Float64() < 0.6 {
			c = customers[rng.IntN(len(customers))]
		} else {
			n := len(customers)
			c = customer{first: fmt.Sprintf("First%d", n), last: fmt.Sprintf("Last%d", n),
				phone: fmt.Sprintf("050 %03d %02d %02d", n/10000, (n/100)%100, n%100)}
			if n%3 == 0 {
				c.email = fmt.Sprintf("customer%d@example.com", n)
			}
			customers = append(customers, c)
		}
		var lines []any
		var total int
		for l := range 1 + rng.IntN(3) {
			p := products[rng.IntN(len(products))]
			q := 1 + rng.IntN(3)
			total += q * p.price
			lines = append(lines, map[string]any{
				"id": id*10 + int64(l), "name": p.name, "product_id": p.id, "variation_id": 0, "quantity": q,
				"tax_class": "", "subtotal": fmt.Sprintf("%d.00", q*p.price), "subtotal_tax": "0.00",
				"total": fmt.Sprintf("%d.00", q*p.price), "total_tax": "0.00", "taxes": []any{}, "meta_data": []any{},
				"sku": p.sku, "price": p.price, "parent_name": nil,
			})
		}
		date := created.Format("2006-01-02T15:04:05")
		o := map[string]any{
			"id": id, "parent_id": 0, "number": fmt.Sprint(id), "order_key": fmt.Sprintf("wc_order_%d", id),
			"created_via": "checkout", "version": "8.9.1", "status": "processing", "currency": "UAH",
			"date_created": date, "date_created_gmt": date, "date_modified": date, "date_modified_gmt": date,
			"discount_total": "0.00", "discount_tax": "0.00", "shipping_total": "0.00", "shipping_tax": "0.00",
			"cart_tax": "0.00", "total": fmt.Sprintf("%d.00", total), "total_tax": "0.00", "prices_include_tax": false,
			"customer_id": 0, "customer_note": "",
			"billing": map[string]any{"first_name": c.first, "last_name": c.last, "company": "", "address_1": "Street 1",
				"address_2": "", "city": "Kyiv", "state": "", "postcode": "01001", "country": "UA", "phone": c.phone, "email": c.email},
			"shipping": map[string]any{"first_name": "", "last_name": "", "company": "", "address_1": "", "address_2": "",
				"city": "", "state": "", "postcode": "", "country": "", "phone": ""},
			"payment_method": "cod", "payment_method_title": "Cash on delivery", "date_paid": nil, "date_completed": nil,
			"meta_data": []any{}, "line_items": lines, "tax_lines": []any{}, "shipping_lines": []any{},
			"fee_lines": []any{}, "coupon_lines": []any{}, "refunds": []any{},
		}
		orders[id] = o
		return o
	}
	initial := n / 5
	for i := range initial {
		fx.Shop.Orders = append(fx.Shop.Orders, mustJSON(order(int64(5000+i), now.Add(-time.Duration(initial-i)*time.Hour))))
	}
	clock := now
	var imported []int64
	for i := initial; i < n; i++ {
		clock = clock.Add(time.Minute)
		id := int64(5000 + i)
		fx.Events = append(fx.Events, Event{Type: EventPlatformOrder, Order: mustJSON(order(id, clock))})
		imported = append(imported, id)
		if i%10 != 0 || len(imported) < 5 {
			continue
		}
		// Every tenth order, one change to an earlier one.
		prev := imported[rng.IntN(len(imported)-1)]
		o := orders[prev]
		clock = clock.Add(time.Minute)
		date := clock.Format("2006-01-02T15:04:05")
		switch (i / 10) % 4 {
		case 0: // PRD-7: a quantity edit before deduction
			lines := o["line_items"].([]any)
			l := lines[0].(map[string]any)
			l["quantity"] = l["quantity"].(int) + 1
			// WooCommerce recalculates the line's totals with the quantity.
			amount := fmt.Sprintf("%d.00", l["quantity"].(int)*l["price"].(int))
			l["subtotal"], l["total"] = amount, amount
		case 1: // a cancellation on the platform
			o["status"] = "cancelled"
		case 2: // ORD-5: deducted in RO App
			fx.Events = append(fx.Events, Event{Type: EventRODeduct, OrderNumber: fmt.Sprint(prev)})
			continue
		case 3: // WOO-3: closed in RO App, pushed once deducted
			fx.Events = append(fx.Events,
				Event{Type: EventROStatus, OrderNumber: fmt.Sprint(prev), Status: "Closed"},
				Event{Type: EventRODeduct, OrderNumber: fmt.Sprint(prev)})
			continue
		}
		o["date_modified"], o["date_modified_gmt"] = date, date
		fx.Events = append(fx.Events, Event{Type: EventPlatformOrder, Order: mustJSON(o)})
	}
	require.NoError(t, fx.Validate())
	return fx
}

// TestSoak imports a generated shop of 500 orders without faults and at a
// fault rate of 0.3 with every webhook delivered three times, creates
// executed late among the faults (faultplan.ExecutedLate, up to 2 minutes
// on the replay's clock, met by a 3-minute quarantine), and finds no
// duplicate (RO App orders per platform order, contacts per phone,
// products per SKU, categories per title: ENG-1) and nothing lost (ENG-2);
// the snapshots are equal except api_calls and the sequence of RO App ids
// (an order in doubt waits out its quarantine while the initial import
// goes on; the replay waits out the quarantines after each event, so the
// events find RO App as without faults). It prints how many creates were
// late, how many orders waited in doubt and how long (p50, p99, on the
// replay's clock: each doubt, and the spans of doubts in a row), and the
// duplicates the repair found (0).
func TestSoak(t *testing.T) {
	fx := soakShop(t, 42, soakOrders)
	want := run(t, fx, &Options{Memory: true})
	// Every kind, the ones that cost a client timeout each drawn half as
	// often, so that the soak stays within a minute under -race.
	plan := &faultplan.Plan{Rate: 0.3, Seed: 42, Kinds: []faultplan.Kind{
		faultplan.ServerError, faultplan.ServerError, faultplan.RateLimited, faultplan.RateLimitedNoRetryAfter,
		faultplan.Drop, faultplan.Drop, faultplan.ExecutedThenError, faultplan.ExecutedThenError,
		faultplan.ExecutedThenDrop, faultplan.ExecutedThenDrop, faultplan.Slow, faultplan.ExecutedThenTimeout,
		faultplan.ExecutedLate, faultplan.ExecutedLate, faultplan.ExecutedLate,
	}}
	res, err := Run(t.Context(), fx, &Options{Memory: true, Faults: plan, Timeout: 60 * time.Millisecond, Dup: 3,
		Warnf: func(format string, args ...any) { t.Errorf("replay warning: "+format, args...) }})
	require.NoError(t, err)
	got := res.Snapshot

	dups, lost := duplicatesAndLost(want, got)
	t.Logf("soak faults: %s", plan.Summary())
	p50, p99 := percentiles(res.Summary.QuarantineWaits)
	_, spanP99 := percentiles(res.Summary.DoubtSpans)
	fmt.Printf("soak: orders=%d faults=%d retries=%d late_creates=%d in_doubt=%d quarantine=%v quarantine_p50=%v p99=%v doubt_span_p99=%v duplicates=%d lost=%d repair_found=%d\n",
		len(want.Orders), plan.Total(), res.Summary.Retries, plan.Counts()[faultplan.ExecutedLate], res.Summary.InDoubt,
		faultplan.DefaultLateMax+time.Minute, p50, p99, spanP99, dups, lost, res.Summary.RepairFound)
	require.Equal(t, soakOrders, len(want.Orders), "the fault-free run did not import every order")
	require.Zero(t, dups, "duplicates")
	require.Zero(t, lost, "lost orders")
	require.Zero(t, res.Summary.RepairFound, "ENG-1: the duplicate check found a duplicate the quarantine let through")
	require.Empty(t, got.Failed, "orders left failed")
	require.Positive(t, res.Summary.InDoubt, "ENG-1: no order waited out a quarantine")
	// On the replay's clock, not the wall clock: a doubt waits its
	// quarantine, counted from the create in doubt, and no more (a restart
	// would double it).
	require.Less(t, p99, 2*(faultplan.DefaultLateMax+time.Minute), "ENG-2: a doubt's quarantine restarted")
	if diff := cmp.Diff(canonicalIDs(want), canonicalIDs(snapshotJSON(t, got)), ignoreCalls); diff != "" {
		t.Errorf("snapshot under faults differs from the fault-free one (-want +got):\n%s", diff)
	}
}

// duplicatesAndLost checks got against the fault-free want: duplicates
// are RO App orders per platform order, contacts per phone, products per
// SKU and categories per title and parent beyond the first (ENG-1); lost
// are the platform orders of want without an RO App order in got (ENG-2).
func duplicatesAndLost(want, got roapptest.Snapshot) (dups, lost int) {
	perOrder, perPhone, perSKU, perCat := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	for _, o := range got.Orders {
		if perOrder[o.PlatformOrderID]++; o.PlatformOrderID != "" && perOrder[o.PlatformOrderID] > 1 {
			dups++
		}
	}
	for _, c := range got.Contacts {
		for _, p := range c.Phones {
			if perPhone[p]++; perPhone[p] > 1 {
				dups++
			}
		}
	}
	for _, p := range got.Products {
		if perSKU[p.SKU]++; p.SKU != "" && perSKU[p.SKU] > 1 {
			dups++
		}
	}
	for _, c := range got.Categories {
		k := fmt.Sprint(c.Title, "/", c.ParentID != nil)
		if c.ParentID != nil {
			k = fmt.Sprint(c.Title, "/", *c.ParentID)
		}
		if perCat[k]++; perCat[k] > 1 {
			dups++
		}
	}
	for _, o := range want.Orders {
		if perOrder[o.PlatformOrderID] == 0 {
			lost++
		}
	}
	return dups, lost
}

// snapshotJSON passes a snapshot through JSON, as run does.
func snapshotJSON(t *testing.T, s roapptest.Snapshot) roapptest.Snapshot {
	t.Helper()
	data, err := json.Marshal(s)
	require.NoError(t, err)
	var out roapptest.Snapshot
	require.NoError(t, json.Unmarshal(data, &out))
	return out
}
