package woocommerce_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/platformtest"
	"github.com/rosync/rosync/platforms/woocommerce"
	"github.com/rosync/rosync/platforms/woocommerce/woocommercetest"
)

const (
	confKey    = "ck_conformance"
	confSecret = "cs_conformance"
	confHook   = "whsec-conformance"
	confPage   = 7
)

type harness struct {
	srv *woocommercetest.Server
	p   *woocommerce.Platform
}

func newConformanceHarness(t *testing.T) platformtest.Harness {
	srv := woocommercetest.New(woocommercetest.Options{Key: confKey, Secret: confSecret, Currency: "UAH"})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	p, err := woocommerce.New(ts.URL, woocommerce.Credentials{Key: confKey, Secret: confSecret},
		&woocommerce.Options{HTTPClient: ts.Client(), WebhookSecret: confHook, PerPage: confPage})
	if err != nil {
		t.Fatal(err)
	}
	return &harness{srv: srv, p: p}
}

func (h *harness) Platform() rosync.Platform { return h.p }
func (h *harness) PageSize() int             { return confPage }

// native builds a WooCommerce REST v3 order for s.
func native(s platformtest.Spec) map[string]any {
	const layout = "2006-01-02T15:04:05"
	status := "processing"
	if s.Excluded {
		status = "completed"
	}
	var lines []map[string]any
	for i, l := range s.Lines {
		// WooCommerce states line totals as strings to the cent and the
		// unit price as a JSON number that may be uneven (100.00 over 3
		// units is 33.333…).
		lines = append(lines, map[string]any{
			"id": 100 + i, "name": l.Name, "product_id": 0, "variation_id": 0, "quantity": l.Quantity,
			"subtotal": l.Amount().StringFixed(2), "total": l.Amount().StringFixed(2),
			"sku": l.SKU, "price": json.Number(l.Price.String()), "meta_data": []any{},
		})
	}
	addr := map[string]any{"first_name": s.Customer.FirstName, "last_name": s.Customer.LastName, "company": "",
		"address_1": "", "address_2": "", "city": "", "state": "", "postcode": "", "country": "UA", "phone": s.Customer.Phone}
	billing := map[string]any{"email": s.Customer.Email}
	for k, v := range addr {
		billing[k] = v
	}
	return map[string]any{
		"id": json.Number(s.ID), "number": s.Number, "status": status, "currency": "UAH",
		"date_created": s.CreatedAt.Format(layout), "date_created_gmt": s.CreatedAt.UTC().Format(layout),
		"date_modified": s.UpdatedAt.Format(layout), "date_modified_gmt": s.UpdatedAt.UTC().Format(layout),
		"total": s.Total().StringFixed(2), "billing": billing, "shipping": addr, "line_items": lines,
		"shipping_lines": []any{}, "refunds": []any{},
	}
}

func (h *harness) add(t *testing.T, obj map[string]any) {
	t.Helper()
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.srv.AddOrder(raw); err != nil {
		t.Fatal(err)
	}
}

func (h *harness) AddOrder(t *testing.T, s platformtest.Spec) { h.add(t, native(s)) }

func (h *harness) AddCorruptOrder(t *testing.T, s platformtest.Spec) {
	obj := native(s)
	obj["line_items"].([]map[string]any)[0]["quantity"] = "2" // a string where WooCommerce sends a number
	h.add(t, obj)
}

func (h *harness) Webhook(t *testing.T, url, orderID string) *http.Request {
	t.Helper()
	var id int64
	if err := json.Unmarshal([]byte(orderID), &id); err != nil {
		t.Fatal(err)
	}
	body, ok := h.srv.Order(id)
	if !ok {
		t.Fatalf("order %s not served", orderID)
	}
	return h.SignedBody(t, url, body)
}

// WebhookWithID builds an order.updated webhook whose body is a whole
// order with id in its "id" field, where WooCommerce puts the order id.
func (h *harness) WebhookWithID(t *testing.T, url string, id json.RawMessage) *http.Request {
	t.Helper()
	obj := native(platformtest.Spec{ID: "1", Number: "1"})
	obj["id"] = id
	body, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return h.SignedBody(t, url, body)
}

// StatusChanges reports the status writes the fake received through PUT
// orders/<id>.
func (h *harness) StatusChanges() []platformtest.StatusChange {
	var out []platformtest.StatusChange
	for _, u := range h.srv.StatusUpdates() {
		out = append(out, platformtest.StatusChange{OrderID: u.OrderID, Status: u.Status})
	}
	return out
}

func (h *harness) SignedBody(t *testing.T, url string, body []byte) *http.Request {
	t.Helper()
	r, err := woocommercetest.SignedWebhook(url, confHook, "order.updated", body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (h *harness) Unsigned(r *http.Request) *http.Request {
	r.Header.Del("X-WC-Webhook-Signature")
	return r
}

func (h *harness) WrongSignature(r *http.Request) *http.Request {
	r.Header.Set("X-WC-Webhook-Signature", woocommercetest.Signature("another secret", []byte("{}")))
	return r
}

// TestConformance runs the platform conformance suite (ENG-4 among it).
func TestConformance(t *testing.T) {
	platformtest.Run(t, newConformanceHarness, platformtest.Features{StatusSync: true, UnevenUnitPrices: true})
}
