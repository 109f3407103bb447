package shopify_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/platformtest"
	"github.com/rosync/rosync/platforms/shopify"
	"github.com/rosync/rosync/platforms/shopify/shopifytest"
)

const (
	confToken = "shpat_conformance"
	confHook  = "shpss_conformance"
	confPage  = 7
)

type harness struct {
	srv *shopifytest.Server
	p   *shopify.Platform
}

func newConformanceHarness(t *testing.T) platformtest.Harness {
	srv := shopifytest.New(shopifytest.Options{AccessToken: confToken, Currency: "UAH", APIVersion: shopify.DefaultAPIVersion})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	p, err := shopify.New(ts.URL, shopify.Credentials{AccessToken: confToken},
		&shopify.Options{HTTPClient: ts.Client(), WebhookSecret: confHook, OrdersPerPage: confPage})
	if err != nil {
		t.Fatal(err)
	}
	return &harness{srv: srv, p: p}
}

func (h *harness) Platform() rosync.Platform { return h.p }
func (h *harness) PageSize() int             { return confPage }

func money(d decimal.Decimal) map[string]any {
	return map[string]any{"shopMoney": map[string]any{"amount": d.StringFixed(2), "currencyCode": "UAH"}}
}

// native builds a GraphQL order node for s.
func native(s platformtest.Spec) map[string]any {
	fulfillment := "UNFULFILLED"
	if s.Excluded {
		fulfillment = "FULFILLED"
	}
	var lines []any
	for i, l := range s.Lines {
		lines = append(lines, map[string]any{
			"id": fmt.Sprintf("gid://shopify/LineItem/%s%02d", s.ID, i), "sku": l.SKU, "name": l.Name, "title": l.Name,
			"quantity": l.Quantity, "currentQuantity": l.Quantity, "variant": nil, "product": nil,
			"originalUnitPriceSet": money(l.Price), "discountAllocations": []any{},
		})
	}
	return map[string]any{
		"id": "gid://shopify/Order/" + s.ID, "legacyResourceId": s.ID, "name": "#" + s.Number,
		"createdAt": s.CreatedAt.Format(time.RFC3339), "updatedAt": s.UpdatedAt.Format(time.RFC3339),
		"cancelledAt": nil, "currencyCode": "UAH",
		"displayFinancialStatus": "PAID", "displayFulfillmentStatus": fulfillment,
		"customer": map[string]any{"firstName": s.Customer.FirstName, "lastName": s.Customer.LastName,
			"defaultEmailAddress": map[string]any{"emailAddress": s.Customer.Email},
			"defaultPhoneNumber":  map[string]any{"phoneNumber": s.Customer.Phone}, "defaultAddress": nil},
		"shippingAddress": nil, "shippingLine": nil,
		"currentSubtotalPriceSet": money(s.Total()),
		"lineItems":               map[string]any{"nodes": lines},
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
	obj["lineItems"].(map[string]any)["nodes"].([]any)[0].(map[string]any)["currentQuantity"] = "2" // Int sent as a string
	h.add(t, obj)
}

func (h *harness) Webhook(t *testing.T, url, orderID string) *http.Request {
	t.Helper()
	body, err := h.srv.WebhookBody(orderID)
	if err != nil {
		t.Fatal(err)
	}
	return h.SignedBody(t, url, body)
}

// WebhookWithID builds an orders/updated webhook whose REST-shaped body
// carries id in "id", where Shopify puts the order's numeric id.
func (h *harness) WebhookWithID(t *testing.T, url string, id json.RawMessage) *http.Request {
	t.Helper()
	body, err := json.Marshal(map[string]any{"id": id, "admin_graphql_api_id": "gid://shopify/Order/1", "name": "#1001"})
	if err != nil {
		t.Fatal(err)
	}
	return h.SignedBody(t, url, body)
}

// StatusChanges is nil: Shopify has no status sync (SHO-2) and its fake no
// status write.
func (h *harness) StatusChanges() []platformtest.StatusChange { return nil }

func (h *harness) SignedBody(t *testing.T, url string, body []byte) *http.Request {
	t.Helper()
	r, err := shopifytest.SignedWebhook(url, confHook, shopify.TopicOrdersUpdated, body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (h *harness) Unsigned(r *http.Request) *http.Request {
	r.Header.Del(shopify.HeaderHmac)
	return r
}

func (h *harness) WrongSignature(r *http.Request) *http.Request {
	r.Header.Set(shopify.HeaderHmac, shopifytest.Signature("another secret", []byte("{}")))
	return r
}

// TestConformance runs the platform conformance suite (ENG-4 and SHO-2
// among it: SetStatus is unsupported).
func TestConformance(t *testing.T) {
	platformtest.Run(t, newConformanceHarness, platformtest.Features{StatusSync: false})
}

// TestConformance_PagedImport runs the suite with the initial import read
// page by page (Options.PagedImport) instead of through a bulk operation.
func TestConformance_PagedImport(t *testing.T) {
	platformtest.Run(t, func(t *testing.T) platformtest.Harness {
		srv := shopifytest.New(shopifytest.Options{AccessToken: confToken, Currency: "UAH", APIVersion: shopify.DefaultAPIVersion})
		ts := httptest.NewServer(srv)
		t.Cleanup(ts.Close)
		p, err := shopify.New(ts.URL, shopify.Credentials{AccessToken: confToken},
			&shopify.Options{HTTPClient: ts.Client(), WebhookSecret: confHook, OrdersPerPage: confPage, PagedImport: true})
		if err != nil {
			t.Fatal(err)
		}
		return &harness{srv: srv, p: p}
	}, platformtest.Features{StatusSync: false})
}
