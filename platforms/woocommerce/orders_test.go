package woocommerce

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/woocommerce/woocommercetest"
)

func collect(t *testing.T, p *Platform, q rosync.Query) (orders []rosync.Order, errs []error) {
	t.Helper()
	for o, err := range p.Orders(context.Background(), q) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		orders = append(orders, o)
	}
	return orders, errs
}

func addProduct30(t *testing.T, s *shop) {
	t.Helper()
	s.addJSON(t, s.srv.AddProduct, map[string]any{
		"id": 30, "name": "Phone case", "description": "Silicone case",
		"categories": []any{map[string]any{"id": 3, "name": "Cases", "slug": "cases"}},
	})
	s.addJSON(t, s.srv.AddCategory, map[string]any{"id": 1, "name": "Phones &amp; Tablets", "slug": "phones", "parent": 0})
	s.addJSON(t, s.srv.AddCategory, map[string]any{"id": 3, "name": "Cases", "slug": "cases", "parent": 1})
}

// 250 orders come in three pages of at most 100, oldest first, and the
// product and category calls are cached across orders.
func TestOrders_Pagination(t *testing.T) {
	s := newShop(t, nil)
	addProduct30(t, s)
	for id := 250; id >= 1; id-- { // inserted newest first: the server sorts
		s.addOrder(t, testOrder(id))
	}
	orders, errs := collect(t, s.p, rosync.Query{})
	if len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	if len(orders) != 250 {
		t.Fatalf("got %d orders, want 250", len(orders))
	}
	for i, o := range orders {
		if o.ID != strconv.Itoa(i+1) {
			t.Fatalf("order %d has id %s: not oldest first", i, o.ID)
		}
	}
	if diff := cmp.Diff([]string{"Phones & Tablets", "Cases"}, orders[0].Lines[0].Product.Category); diff != "" {
		t.Errorf("category (-want +got):\n%s", diff)
	}
	calls := s.srv.Calls()
	want := map[string]int{"GET /orders": 3, "GET /products/{id}": 1, "GET /products/categories": 1}
	if diff := cmp.Diff(want, calls); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	var pages []string
	for _, r := range s.srv.Requests() {
		if r.Endpoint == "GET /orders" {
			if r.Query.Get("per_page") != "100" {
				t.Errorf("per_page = %q", r.Query.Get("per_page"))
			}
			pages = append(pages, r.Query.Get("page"))
		}
	}
	if diff := cmp.Diff([]string{"1", "2", "3"}, pages); diff != "" {
		t.Errorf("pages (-want +got):\n%s", diff)
	}
}

// The consumer stops after the first order: no second page is fetched.
func TestOrders_EarlyBreak(t *testing.T) {
	s := newShop(t, &Options{PerPage: 10})
	for id := 1; id <= 35; id++ {
		s.addOrder(t, testOrder(id))
	}
	n := 0
	for _, err := range s.p.Orders(context.Background(), rosync.Query{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 12 {
			break
		}
	}
	if got := s.srv.Calls()["GET /orders"]; got != 2 {
		t.Errorf("GET /orders called %d times, want 2", got)
	}
}

// Query times go out in GMT with dates_are_gmt=true; the lower bounds one
// second early because WooCommerce compares strictly.
func TestOrders_QueryInGMT(t *testing.T) {
	kyiv := time.FixedZone("EET", 2*3600)
	tests := []struct {
		name string
		q    rosync.Query
		want url.Values
	}{
		{
			name: "initial import",
			q: rosync.Query{
				CreatedSince: time.Date(2026, 9, 27, 14, 0, 0, 0, kyiv),
				Until:        time.Date(2026, 11, 27, 14, 0, 0, 0, kyiv),
			},
			want: url.Values{"after": {"2026-09-27T11:59:59"}, "before": {"2026-11-27T12:00:00"}},
		},
		{
			name: "reconciliation poll",
			q: rosync.Query{
				UpdatedSince: time.Date(2026, 11, 27, 13, 55, 30, 500, kyiv),
				Until:        time.Date(2026, 11, 27, 14, 0, 0, 1, kyiv),
			},
			want: url.Values{"modified_after": {"2026-11-27T11:55:29"}, "modified_before": {"2026-11-27T12:00:01"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newShop(t, nil)
			_, errs := collect(t, s.p, tt.q)
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			reqs := s.srv.Requests()
			wantReqs := 1
			if !tt.q.CreatedSince.IsZero() {
				wantReqs = 2 // the initial import reads the trash too (WOO-1)
			}
			if len(reqs) != wantReqs {
				t.Fatalf("%d requests, want %d", len(reqs), wantReqs)
			}
			if wantReqs == 2 && reqs[1].Query.Get("status") != "trash" {
				t.Errorf("second request status = %q, want trash", reqs[1].Query.Get("status"))
			}
			got := reqs[0].Query
			want := url.Values{
				"per_page": {"100"}, "page": {"1"}, "orderby": {"date"}, "order": {"asc"},
				"status": {"any"}, "dates_are_gmt": {"true"},
			}
			for k, v := range tt.want {
				want[k] = v
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("query (-want +got):\n%s", diff)
			}
		})
	}
}

// The fake server applies the GMT bounds to date_created_gmt and
// date_modified_gmt, so only the orders in the window come back.
func TestOrders_Window(t *testing.T) {
	s := newShop(t, nil)
	for id := 1; id <= 10; id++ {
		s.addOrder(t, testOrder(id)) // created 10:01 .. 10:10 UTC
	}
	since := time.Date(2026, 11, 1, 10, 3, 0, 0, time.UTC)
	until := time.Date(2026, 11, 1, 10, 6, 0, 0, time.UTC)
	orders, errs := collect(t, s.p, rosync.Query{CreatedSince: since, Until: until})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	var ids []string
	for _, o := range orders {
		ids = append(ids, o.ID)
	}
	// CreatedSince is inclusive, Until exclusive.
	if diff := cmp.Diff([]string{"3", "4", "5"}, ids); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
}

// One bad order in a page is yielded as an InvalidOrderError and the
// stream goes on.
func TestOrders_BadOrderDoesNotStopStream(t *testing.T) {
	s := newShop(t, &Options{PerPage: 2})
	for id := 1; id <= 5; id++ {
		o := testOrder(id)
		if id == 3 {
			set(o, "line_items.0.quantity", "2")
		}
		s.addOrder(t, o)
	}
	var ids []string
	var bad []string
	for o, err := range s.p.Orders(context.Background(), rosync.Query{}) {
		var inv *rosync.InvalidOrderError
		switch {
		case errors.As(err, &inv):
			bad = append(bad, inv.OrderID+" "+inv.Field)
		case err != nil:
			t.Fatal(err)
		default:
			ids = append(ids, o.ID)
		}
	}
	if diff := cmp.Diff([]string{"1", "2", "4", "5"}, ids); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"3 line_items[0].quantity"}, bad); diff != "" {
		t.Errorf("invalid (-want +got):\n%s", diff)
	}
}

// A transport error ends the stream with that error.
func TestOrders_TransportErrorEndsStream(t *testing.T) {
	s := newShop(t, &Options{PerPage: 2, RetryMax: -1})
	for id := 1; id <= 5; id++ {
		s.addOrder(t, testOrder(id))
	}
	s.srv.Fail("GET /orders", woocommercetest.Fault{Status: 500, Times: 1})
	var n int
	var last error
	for _, err := range s.p.Orders(context.Background(), rosync.Query{}) {
		n++
		last = err
	}
	var api *rosync.APIError
	if n != 1 || !errors.As(last, &api) || api.Status != 500 || !rosync.Retryable(last) {
		t.Errorf("got %d yields, last %v; want one retryable HTTP 500 error", n, last)
	}
}

// Refunds lower the line quantities; a fully refunded line disappears.
func TestOrder_RefundsSubtracted(t *testing.T) {
	s := newShop(t, nil)
	o := testOrder(9)
	set(o, "line_items", []any{
		map[string]any{"id": 11, "name": "Phone case", "product_id": 0, "variation_id": 0, "quantity": 3, "sku": "case", "price": 100},
		map[string]any{"id": 12, "name": "Cable", "product_id": 0, "variation_id": 0, "quantity": 1, "sku": "cable", "price": 50},
		map[string]any{"id": 13, "name": "Charger", "product_id": 0, "variation_id": 0, "quantity": 2, "sku": "charger", "price": 300},
	})
	// The first refund comes with the fixture (under the non-standard key).
	o[woocommercetest.RefundsKey] = []any{map[string]any{
		"id": 501, "amount": "150.00", "reason": "damaged",
		"line_items": []any{
			map[string]any{"id": 601, "quantity": -1, "total": "-100.00", "meta_data": []any{map[string]any{"id": 1, "key": "_refunded_item_id", "value": "11"}}},
			map[string]any{"id": 602, "quantity": -1, "total": "-50.00", "meta_data": []any{map[string]any{"id": 2, "key": "_refunded_item_id", "value": "12"}}},
		},
	}}
	s.addOrder(t, o)
	// The second is added later, its meta value a number.
	s.addJSON(t, func(raw json.RawMessage) error { return s.srv.AddRefund(9, raw) }, map[string]any{
		"id": 502, "amount": "100.00", "reason": "",
		"line_items": []any{
			map[string]any{"id": 603, "quantity": -1, "meta_data": []any{map[string]any{"id": 3, "key": "_refunded_item_id", "value": 11}}},
		},
	})
	got, err := s.p.Order(context.Background(), "9")
	if err != nil {
		t.Fatal(err)
	}
	type line struct {
		ID  string
		Qty int64
	}
	var lines []line
	for _, l := range got.Lines {
		lines = append(lines, line{l.ID, l.Quantity})
	}
	want := []line{{"11", 1}, {"13", 2}} // 3-1-1, cable 1-1 dropped, charger untouched
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	if n := s.srv.Calls()["GET /orders/{id}/refunds"]; n != 1 {
		t.Errorf("refunds fetched %d times", n)
	}
	if !got.UpdatedAt.Equal(testNow) {
		t.Errorf("UpdatedAt = %v, want the refund time %v", got.UpdatedAt, testNow)
	}
}

// ORD-3: a refunded unit takes its share of the line's amounts with it,
// rounded to the currency, and the order's Total follows: 100.00 for 3
// units with one refunded is 66.67 for 2 (a unit price of 33.34 and a
// discount of 0.01); a coupon line keeps its discount in proportion.
func TestOrder_RefundKeepsAmountsExact_ORD3(t *testing.T) {
	s := newShop(t, nil)
	o := testOrder(9)
	refundOf := func(id, item, qty int) map[string]any {
		return map[string]any{"id": id, "quantity": -qty, "meta_data": []any{map[string]any{"id": id, "key": "_refunded_item_id", "value": strconv.Itoa(item)}}}
	}
	set(o, "line_items", []any{
		map[string]any{"id": 11, "name": "Phone case", "product_id": 0, "variation_id": 0, "quantity": 3, "sku": "case",
			"subtotal": "100.00", "subtotal_tax": "0.00", "total": "100.00", "total_tax": "0.00", "price": 33.333333333333336},
		map[string]any{"id": 12, "name": "Cable", "product_id": 0, "variation_id": 0, "quantity": 4, "sku": "cable",
			"subtotal": "200.00", "subtotal_tax": "0.00", "total": "180.00", "total_tax": "0.00", "price": 45},
	})
	o[woocommercetest.RefundsKey] = []any{map[string]any{
		"id": 501, "amount": "123.33", "reason": "",
		"line_items": []any{refundOf(601, 11, 1), refundOf(602, 12, 2)},
	}}
	s.addOrder(t, o)
	got, err := s.p.Order(context.Background(), "9")
	if err != nil {
		t.Fatal(err)
	}
	type line struct {
		ID              string
		Qty             int64
		Price, Discount string
	}
	var lines []line
	for _, l := range got.Lines {
		lines = append(lines, line{l.ID, l.Quantity, l.Price.StringFixed(2), l.Discount.StringFixed(2)})
	}
	want := []line{
		{"11", 2, "33.34", "0.01"},  // 66.67 = 100.00 x 2/3
		{"12", 2, "50.00", "10.00"}, // 90.00 = 180.00 x 2/4, before the coupon 100.00
	}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("ORD-3: lines (-want +got):\n%s", diff)
	}
	if !got.Total.Equal(dec("156.67")) || !got.LinesTotal().Equal(got.Total) {
		t.Errorf("ORD-3: Total %s, lines %s, want 156.67", got.Total, got.LinesTotal())
	}
}

// A variation line: Product.ID is the variation id, the description is
// the variation's (the parent's when empty), the category the parent's.
func TestOrder_Variation(t *testing.T) {
	s := newShop(t, nil)
	s.addJSON(t, s.srv.AddCategory, map[string]any{"id": 1, "name": "Clothing", "parent": 0})
	s.addJSON(t, s.srv.AddCategory, map[string]any{"id": 2, "name": "T-shirts", "parent": 1})
	s.addJSON(t, s.srv.AddProduct, map[string]any{
		"id": 40, "name": "T-shirt", "type": "variable", "description": "Cotton T-shirt",
		"categories": []any{map[string]any{"id": 1, "name": "Clothing"}, map[string]any{"id": 2, "name": "T-shirts"}},
	})
	s.addJSON(t, func(raw json.RawMessage) error { return s.srv.AddVariation(40, raw) }, map[string]any{"id": 41, "description": "Red, size M", "sku": "tee-red-m"})
	s.addJSON(t, func(raw json.RawMessage) error { return s.srv.AddVariation(40, raw) }, map[string]any{"id": 42, "description": "", "sku": "tee-blue-m"})
	o := testOrder(5)
	set(o, "line_items", []any{
		map[string]any{"id": 1, "name": "T-shirt - Red, M", "product_id": 40, "variation_id": 41, "quantity": 1, "sku": "tee-red-m", "price": 300},
		map[string]any{"id": 2, "name": "T-shirt - Blue, M", "product_id": 40, "variation_id": 42, "quantity": 1, "sku": "tee-blue-m", "price": 300},
		map[string]any{"id": 3, "name": "T-shirt - Green, M", "product_id": 40, "variation_id": 43, "quantity": 1, "sku": "tee-green-m", "price": 300},
	})
	s.addOrder(t, o)
	got, err := s.p.Order(context.Background(), "5")
	if err != nil {
		t.Fatal(err)
	}
	cat := []string{"Clothing", "T-shirts"}
	want := []rosync.Product{
		{ID: "41", SKU: "tee-red-m", Name: "T-shirt - Red, M", Description: "Red, size M", Category: cat},
		{ID: "42", SKU: "tee-blue-m", Name: "T-shirt - Blue, M", Description: "Cotton T-shirt", Category: cat},
		{ID: "43", SKU: "tee-green-m", Name: "T-shirt - Green, M", Description: "Cotton T-shirt", Category: cat}, // variation gone: 404
	}
	var products []rosync.Product
	for _, l := range got.Lines {
		products = append(products, l.Product)
	}
	if diff := cmp.Diff(want, products); diff != "" {
		t.Errorf("products (-want +got):\n%s", diff)
	}
	if n := s.srv.Calls()["GET /products/{id}"]; n != 1 {
		t.Errorf("parent fetched %d times", n)
	}
}

// A product deleted from the shop (404, or product_id 0) leaves its line
// with SKU and name, no error.
func TestOrder_DeletedProduct(t *testing.T) {
	s := newShop(t, nil)
	o := testOrder(6)
	set(o, "line_items.0.product_id", 77)
	s.addOrder(t, o)
	got, err := s.p.Order(context.Background(), "6")
	if err != nil {
		t.Fatal(err)
	}
	if p := got.Lines[0].Product; p.ID != "77" || p.Description != "" || p.Category != nil {
		t.Errorf("product = %+v", p)
	}
	if _, err := s.p.Order(context.Background(), "6"); err != nil {
		t.Fatal(err)
	}
	if n := s.srv.Calls()["GET /products/{id}"]; n != 1 {
		t.Errorf("a missing product fetched %d times; the 404 should be cached", n)
	}
}

// The category tree is fetched once, again once for an unknown id, and not
// again for the same unknown id; an id still unknown counts as top level.
func TestOrder_CategoryRefetch(t *testing.T) {
	s := newShop(t, nil)
	addProduct30(t, s)
	product := func(id, cat int, name string) {
		s.addJSON(t, s.srv.AddProduct, map[string]any{"id": id, "name": name, "categories": []any{map[string]any{"id": cat, "name": name + " cat"}}})
	}
	order := func(id, product int) rosync.Order {
		o := testOrder(id)
		set(o, "line_items.0.product_id", product)
		s.addOrder(t, o)
		got, err := s.p.Order(context.Background(), strconv.Itoa(id))
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	order(1, 30)
	if n := s.srv.Calls()["GET /products/categories"]; n != 1 {
		t.Fatalf("categories fetched %d times", n)
	}
	// A category created after the first load.
	s.addJSON(t, s.srv.AddCategory, map[string]any{"id": 50, "name": "Chargers", "parent": 1})
	product(31, 50, "Charger")
	if got := order(2, 31).Lines[0].Product.Category; !cmp.Equal(got, []string{"Phones & Tablets", "Chargers"}) {
		t.Errorf("category = %v", got)
	}
	if n := s.srv.Calls()["GET /products/categories"]; n != 2 {
		t.Errorf("categories fetched %d times, want 2", n)
	}
	// A category that never shows up: one more load, then none.
	product(32, 99, "Ghost")
	product(33, 99, "Ghost2")
	if got := order(3, 32).Lines[0].Product.Category; !cmp.Equal(got, []string{"Ghost cat"}) {
		t.Errorf("category = %v", got)
	}
	order(4, 33)
	if n := s.srv.Calls()["GET /products/categories"]; n != 3 {
		t.Errorf("categories fetched %d times, want 3", n)
	}
}

func TestOrder_NotFound(t *testing.T) {
	s := newShop(t, nil)
	for _, id := range []string{"999", "abc", "", "-1", "1/../2"} {
		_, err := s.p.Order(context.Background(), id)
		if !errors.Is(err, rosync.ErrNotFound) {
			t.Errorf("Order(%q) = %v, want ErrNotFound", id, err)
		}
	}
	if n := s.srv.Calls()["GET /orders/{id}"]; n != 1 {
		t.Errorf("GET /orders/{id} called %d times, want 1 (invalid ids are not sent)", n)
	}
}

// WOO-3 is the engine's; the adapter's SetStatus does the PUT.
func TestSetStatus(t *testing.T) {
	s := newShop(t, nil)
	s.addOrder(t, testOrder(3))
	if err := s.p.SetStatus(context.Background(), "3", "completed"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]woocommercetest.StatusUpdate{{OrderID: "3", Status: "completed"}}, s.srv.StatusUpdates()); diff != "" {
		t.Errorf("updates (-want +got):\n%s", diff)
	}
	got, err := s.p.Order(context.Background(), "3")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "completed" || !got.UpdatedAt.Equal(testNow) {
		t.Errorf("status %q updated %v", got.Status, got.UpdatedAt)
	}
	if err := s.p.SetStatus(context.Background(), "404", "completed"); !errors.Is(err, rosync.ErrNotFound) {
		t.Errorf("SetStatus on a missing order = %v, want ErrNotFound", err)
	}
	var api *rosync.APIError
	if err := s.p.SetStatus(context.Background(), "3", "shipped"); !errors.As(err, &api) || api.Status != 400 {
		t.Errorf("SetStatus with an unknown status = %v, want HTTP 400", err)
	}
}

func TestShop(t *testing.T) {
	s := newShop(t, nil)
	info, err := s.p.Shop(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rosync.ShopInfo{Currency: "UAH"}, info); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
