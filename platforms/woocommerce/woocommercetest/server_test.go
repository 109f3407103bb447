package woocommercetest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rosync/rosync/platforms/woocommerce/woocommercetest"
)

func order(id int, status, createdGMT string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"id":%d,"number":"%d","status":%q,"currency":"UAH","date_created":%q,"date_created_gmt":%q,"date_modified":%q,"date_modified_gmt":%q,"total":"1.00","refunds":[]}`,
		id, id, status, createdGMT, createdGMT, createdGMT, createdGMT))
}

type client struct {
	t   *testing.T
	url string
	c   *http.Client
}

func (c client) do(method, path string, body string) (int, http.Header, string) {
	c.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.url+woocommercetest.APIPrefix+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	req.SetBasicAuth("ck", "cs")
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func ids(t *testing.T, body string) []int {
	t.Helper()
	var items []struct {
		ID int `json:"id"`
	}
	if err := json.Unmarshal([]byte(body), &items); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	out := []int{}
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}

func setup(t *testing.T) (*woocommercetest.Server, client) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	srv := woocommercetest.New(woocommercetest.Options{Key: "ck", Secret: "cs", Currency: "UAH", Now: func() time.Time { return now }})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return srv, client{t, ts.URL, ts.Client()}
}

func TestServer_OrdersList(t *testing.T) {
	srv, c := setup(t)
	for i, st := range []string{"processing", "completed", "trash", "on-hold", "pending"} {
		if err := srv.AddOrder(order(i+1, st, fmt.Sprintf("2026-11-0%dT10:00:00", i+1))); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		query     string
		wantIDs   []int
		wantTotal string
		wantPages string
	}{
		{"", []int{5, 4, 2, 1}, "4", "1"}, // default: desc by date, any without trash
		{"?order=asc&orderby=date&status=any", []int{1, 2, 4, 5}, "4", "1"},
		{"?order=asc&per_page=3&page=2", []int{5}, "4", "2"},
		{"?order=asc&status=trash", []int{3}, "1", "1"},
		{"?order=asc&status=processing,on-hold", []int{1, 4}, "2", "1"},
		{"?order=asc&after=2026-11-02T10:00:00&dates_are_gmt=true", []int{4, 5}, "2", "1"},
		{"?order=asc&before=2026-11-02T10:00:00&dates_are_gmt=true", []int{1}, "1", "1"},
		{"?order=asc&modified_after=2026-11-03T00:00:00&modified_before=2026-11-05T00:00:00&dates_are_gmt=true", []int{4}, "1", "1"},
		{"?order=asc&page=9", []int{}, "4", "1"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			status, hdr, body := c.do("GET", "/orders"+tt.query, "")
			if status != 200 {
				t.Fatalf("status %d: %s", status, body)
			}
			if diff := cmp.Diff(tt.wantIDs, ids(t, body)); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			if hdr.Get("X-WP-Total") != tt.wantTotal || hdr.Get("X-WP-TotalPages") != tt.wantPages {
				t.Errorf("X-WP-Total %s X-WP-TotalPages %s", hdr.Get("X-WP-Total"), hdr.Get("X-WP-TotalPages"))
			}
		})
	}
	if got := srv.Calls()["GET /orders"]; got != len(tests) {
		t.Errorf("calls %d", got)
	}
}

func TestServer_Errors(t *testing.T) {
	srv, c := setup(t)
	if err := srv.AddOrder(order(1, "processing", "2026-11-01T10:00:00")); err != nil {
		t.Fatal(err)
	}
	status, _, body := c.do("GET", "/orders?per_page=101", "")
	if status != 400 || !strings.Contains(body, `"rest_invalid_param"`) {
		t.Errorf("per_page=101: %d %s", status, body)
	}
	status, _, body = c.do("GET", "/orders/2", "")
	if status != 404 || body != `{"code":"woocommerce_rest_shop_order_invalid_id","data":{"status":404},"message":"Invalid ID."}` {
		t.Errorf("missing order: %d %s", status, body)
	}
	status, _, body = c.do("GET", "/nope", "")
	if status != 404 || !strings.Contains(body, "rest_no_route") {
		t.Errorf("no route: %d %s", status, body)
	}
	// Wrong credentials.
	req, _ := http.NewRequest("GET", c.url+woocommercetest.APIPrefix+"/orders", nil)
	req.SetBasicAuth("ck", "wrong")
	resp, err := c.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("wrong secret: %d", resp.StatusCode)
	}
	// Faults.
	srv.Fail("GET /orders/{id}", woocommercetest.Fault{Status: 503, Times: 2, RetryAfter: "3"})
	for i := range 3 {
		status, hdr, _ := c.do("GET", "/orders/1", "")
		want := 503
		if i == 2 {
			want = 200
		}
		if status != want || (want == 503 && hdr.Get("Retry-After") != "3") {
			t.Errorf("attempt %d: %d %v", i, status, hdr)
		}
	}
}

func TestServer_PutStatus(t *testing.T) {
	srv, c := setup(t)
	if err := srv.AddOrder(order(1, "processing", "2026-11-01T10:00:00")); err != nil {
		t.Fatal(err)
	}
	status, _, body := c.do("PUT", "/orders/1", `{"status":"completed"}`)
	if status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	var o struct {
		Status          string `json:"status"`
		DateModifiedGMT string `json:"date_modified_gmt"`
	}
	if err := json.Unmarshal([]byte(body), &o); err != nil {
		t.Fatal(err)
	}
	if o.Status != "completed" || o.DateModifiedGMT != "2026-11-27T12:00:00" {
		t.Errorf("%+v", o)
	}
	if diff := cmp.Diff([]woocommercetest.StatusUpdate{{OrderID: "1", Status: "completed"}}, srv.StatusUpdates()); diff != "" {
		t.Error(diff)
	}
	// The same status again (a retry after a lost answer) is no transition.
	if status, _, body := c.do("PUT", "/orders/1", `{"status":"completed"}`); status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	if n := len(srv.StatusUpdates()); n != 1 {
		t.Errorf("a repeated PUT of the order's status is recorded as a change: %d updates", n)
	}
	if status, _, _ := c.do("PUT", "/orders/1", `{"status":"bogus"}`); status != 400 {
		t.Errorf("bogus status: %d", status)
	}
	if status, _, _ := c.do("PUT", "/orders/9", `{"status":"completed"}`); status != 404 {
		t.Errorf("missing order: %d", status)
	}
}

func TestServer_Refunds(t *testing.T) {
	srv, c := setup(t)
	raw := `{"id":5,"status":"processing","date_created_gmt":"2026-11-01T10:00:00","refunds":[],` +
		`"x_refunds":[{"id":9,"amount":"10.00","reason":"r","line_items":[{"id":1,"quantity":-1,"meta_data":[{"key":"_refunded_item_id","value":"3"}]}]}]}`
	if err := srv.AddOrder(json.RawMessage(raw)); err != nil {
		t.Fatal(err)
	}
	_, _, body := c.do("GET", "/orders/5", "")
	if strings.Contains(body, woocommercetest.RefundsKey) || !strings.Contains(body, `"refunds":[{"id":9,"reason":"r","total":"-10.00"}]`) {
		t.Errorf("order served as %s", body)
	}
	if err := srv.AddRefund(5, json.RawMessage(`{"id":10,"amount":"5.00","reason":"","line_items":[]}`)); err != nil {
		t.Fatal(err)
	}
	_, hdr, body := c.do("GET", "/orders/5/refunds", "")
	if diff := cmp.Diff([]int{9, 10}, ids(t, body)); diff != "" || hdr.Get("X-WP-Total") != "2" {
		t.Errorf("refunds %s (%s)", body, diff)
	}
	if status, _, _ := c.do("GET", "/orders/6/refunds", ""); status != 404 {
		t.Errorf("refunds of a missing order: %d", status)
	}
	// Original bytes are kept when there is no fixture key.
	plain := `{"id":6,  "status":"pending","date_created_gmt":"2026-11-01T10:00:00"}`
	if err := srv.AddOrder(json.RawMessage(plain)); err != nil {
		t.Fatal(err)
	}
	if got, _ := srv.Order(6); string(got) != `{"id":6,"status":"pending","date_created_gmt":"2026-11-01T10:00:00"}` {
		t.Errorf("stored %s", got)
	}
	if err := srv.AddOrder(json.RawMessage(`{"number":"1"}`)); err == nil {
		t.Error("an order without id was accepted")
	}
}

func TestServer_CatalogAndSettings(t *testing.T) {
	srv, c := setup(t)
	for i := 1; i <= 150; i++ {
		if err := srv.AddCategory(json.RawMessage(fmt.Sprintf(`{"id":%d,"name":"c%03d","parent":0}`, i, i))); err != nil {
			t.Fatal(err)
		}
	}
	_, hdr, body := c.do("GET", "/products/categories?per_page=100&page=2", "")
	if got := ids(t, body); len(got) != 50 || got[0] != 101 || hdr.Get("X-WP-TotalPages") != "2" {
		t.Errorf("page 2: %v %v", got, hdr)
	}
	if err := srv.AddProduct(json.RawMessage(`{"id":30,"name":"Album"}`)); err != nil {
		t.Fatal(err)
	}
	if err := srv.AddVariation(30, json.RawMessage(`{"id":31,"description":"red"}`)); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]int{"/products/30": 200, "/products/31": 404, "/products/30/variations/31": 200, "/products/30/variations/32": 404} {
		if status, _, _ := c.do("GET", path, ""); status != want {
			t.Errorf("%s: %d, want %d", path, status, want)
		}
	}
	_, _, body = c.do("GET", "/settings/general", "")
	if !strings.Contains(body, `"id":"woocommerce_currency"`) || !strings.Contains(body, `"value":"UAH"`) {
		t.Errorf("settings %s", body)
	}
}

func TestWebhookRequests(t *testing.T) {
	body := []byte(`{"id":1}`)
	r, err := woocommercetest.SignedWebhook("https://h.example/hook", "a&amp;b", "order.updated", body)
	if err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"X-WC-Webhook-Topic":     "order.updated",
		"X-WC-Webhook-Resource":  "order",
		"X-WC-Webhook-Event":     "updated",
		"X-WC-Webhook-Signature": woocommercetest.Signature("a&b", body),
		"Content-Type":           "application/json",
	} {
		if got := r.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if len(r.Header.Get("X-WC-Webhook-Delivery-ID")) != 32 {
		t.Errorf("delivery id %q", r.Header.Get("X-WC-Webhook-Delivery-ID"))
	}
	p, err := woocommercetest.Ping("https://h.example/hook")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(p.Body)
	if string(b) != "webhook_id=1" || p.Header.Get("X-WC-Webhook-Topic") != "" {
		t.Errorf("ping %s %v", b, p.Header)
	}
}

// The fake serves line items as WooCommerce's REST API does: price is
// total / quantity as a float, unrounded; the amounts are strings; fields
// WooCommerce always sends are there, parent_name null. A price
// WooCommerce could not have computed is refused.
func TestLineItemsAsWooCommerceSendsThem(t *testing.T) {
	srv := woocommercetest.New(woocommercetest.Options{})
	line := func(extra string) json.RawMessage {
		return json.RawMessage(`{"id":1,"number":"1","status":"processing","currency":"UAH","date_created_gmt":"2026-11-01T10:00:00","total":"100.00","refunds":[],
			"line_items":[{"id":11,"name":"Mug","product_id":1,"variation_id":0,"sku":"mug"` + extra + `}]}`)
	}
	served := func() map[string]any {
		t.Helper()
		raw, ok := srv.Order(1)
		if !ok {
			t.Fatal("order not stored")
		}
		var o struct {
			LineItems []map[string]any `json:"line_items"`
		}
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		dec.UseNumber()
		if err := dec.Decode(&o); err != nil {
			t.Fatal(err)
		}
		return o.LineItems[0]
	}

	if err := srv.AddOrder(line(`,"quantity":3,"subtotal":"100.00","total":"100.00"`)); err != nil {
		t.Fatal(err)
	}
	got := served()
	want := map[string]any{
		"id": json.Number("11"), "name": "Mug", "product_id": json.Number("1"), "variation_id": json.Number("0"),
		"quantity": json.Number("3"), "sku": "mug", "subtotal": "100.00", "total": "100.00",
		"subtotal_tax": "0.00", "total_tax": "0.00", "taxes": []any{}, "meta_data": []any{}, "parent_name": nil,
		"price": json.Number("33.333333333333336"), // PHP: 100.00 / 3
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("line (-want +got):\n%s", diff)
	}

	// A fixture giving only the unit price gets the totals that follow.
	if err := srv.AddOrder(line(`,"quantity":3,"price":12.5`)); err != nil {
		t.Fatal(err)
	}
	if got := served(); got["total"] != "37.50" || got["subtotal"] != "37.50" || got["price"] != json.Number("12.5") {
		t.Errorf("line from a price: %v", got)
	}

	// An unrounded stored total (17.647059 served as "17.65") is fine...
	if err := srv.AddOrder(line(`,"quantity":1,"subtotal":"17.65","total":"17.65","subtotal_tax":"3.35","total_tax":"3.35","price":17.647059`)); err != nil {
		t.Errorf("price of an unrounded stored total refused: %v", err)
	}
	// ...a price that is not total / quantity is not.
	if err := srv.AddOrder(line(`,"quantity":3,"subtotal":"100.00","total":"100.00","price":30`)); err == nil {
		t.Error("a price WooCommerce could not have computed was accepted")
	}
	// A line of the wrong shape is served as given, for the adapter to refuse.
	if err := srv.AddOrder(line(`,"quantity":"3","total":"100.00"`)); err != nil {
		t.Fatal(err)
	}
	if got := served(); got["quantity"] != "3" {
		t.Errorf("quantity = %#v, want the string as given", got["quantity"])
	}
}
