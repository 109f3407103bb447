package shopify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync/platforms/shopify/shopifytest"
)

// Test secrets. They must never show up in an error or a log line (ENG-6).
const (
	testToken         = "shpat_test_0123456789abcdef0123456789"
	testWebhookSecret = "shpss_webhook_secret_fedcba9876543210"
)

// exampleNode is Shopify's documented example order 450789469, #1001
// (the REST Order resource's example, as Shopify/shopify-api-ruby's
// generated tests hold it) in the shape of a GraphQL order node: the code
// TENOFF took 10.00 off, allocated 3.34, 3.33 and 3.33 to the three 199.00
// lines; two of them were refunded (currentQuantity 0), so the customer
// pays 199.00 - 3.33 = 195.67 for the products (current_subtotal_price),
// plus 3.98 tax (current_total_price 199.65), shipping free.
const exampleNode = `{
  "id": "gid://shopify/Order/450789469",
  "legacyResourceId": "450789469",
  "name": "#1001",
  "createdAt": "2008-01-10T11:00:00-05:00",
  "updatedAt": "2008-01-10T11:00:00-05:00",
  "cancelledAt": null,
  "closedAt": null,
  "currencyCode": "USD",
  "displayFinancialStatus": "PARTIALLY_REFUNDED",
  "displayFulfillmentStatus": "UNFULFILLED",
  "email": "bob.norman@mail.example.com",
  "phone": "+557734881234",
  "customer": {"firstName": "Bob", "lastName": "Norman",
    "defaultEmailAddress": {"emailAddress": "bob.norman@mail.example.com"},
    "defaultPhoneNumber": {"phoneNumber": "+16136120707"}, "defaultAddress": null},
  "shippingAddress": {"firstName": "Bob", "lastName": "Norman", "address1": "Chestnut Street 92",
    "address2": "", "city": "Louisville", "province": "Kentucky", "zip": "40202",
    "country": "United States", "countryCodeV2": "US", "phone": "+1(502)-459-2181"},
  "shippingLine": {"title": "Free Shipping", "originalPriceSet": {"shopMoney": {"amount": "0.00", "currencyCode": "USD"}},
    "currentDiscountedPriceSet": {"shopMoney": {"amount": "0.00", "currencyCode": "USD"}}},
  "totalPriceSet": {"shopMoney": {"amount": "598.94", "currencyCode": "USD"}},
  "currentTotalPriceSet": {"shopMoney": {"amount": "199.65", "currencyCode": "USD"}},
  "currentSubtotalPriceSet": {"shopMoney": {"amount": "195.67", "currencyCode": "USD"}},
  "taxesIncluded": false,
  "lineItems": {"nodes": [
    {"id": "gid://shopify/LineItem/466157049", "sku": "IPOD2008GREEN", "name": "IPod Nano - 8gb - green",
     "title": "IPod Nano - 8gb", "quantity": 1, "currentQuantity": 0,
     "variant": {"id": "gid://shopify/ProductVariant/39072856", "legacyResourceId": "39072856"},
     "product": {"id": "gid://shopify/Product/632910392", "legacyResourceId": "632910392",
       "description": "It's the small iPod with one very big idea: Video.", "hasOnlyDefaultVariant": false,
       "category": {"name": "MP3 Players", "fullName": "Electronics > Audio > Audio Players & Recorders > MP3 Players"}},
     "originalUnitPriceSet": {"shopMoney": {"amount": "199.00", "currencyCode": "USD"}},
     "discountAllocations": [{"allocatedAmountSet": {"shopMoney": {"amount": "3.34", "currencyCode": "USD"}}}]},
    {"id": "gid://shopify/LineItem/518995019", "sku": "IPOD2008RED", "name": "IPod Nano - 8gb - red",
     "title": "IPod Nano - 8gb", "quantity": 1, "currentQuantity": 1,
     "variant": {"id": "gid://shopify/ProductVariant/49148385", "legacyResourceId": "49148385"},
     "product": {"id": "gid://shopify/Product/632910392", "legacyResourceId": "632910392",
       "description": "It's the small iPod with one very big idea: Video.", "hasOnlyDefaultVariant": false,
       "category": {"name": "MP3 Players", "fullName": "Electronics > Audio > Audio Players & Recorders > MP3 Players"}},
     "originalUnitPriceSet": {"shopMoney": {"amount": "199.00", "currencyCode": "USD"}},
     "discountAllocations": [{"allocatedAmountSet": {"shopMoney": {"amount": "3.33", "currencyCode": "USD"}}}]},
    {"id": "gid://shopify/LineItem/703073504", "sku": "IPOD2008BLACK", "name": "IPod Nano - 8gb - black",
     "title": "IPod Nano - 8gb", "quantity": 1, "currentQuantity": 0,
     "variant": {"id": "gid://shopify/ProductVariant/457924702", "legacyResourceId": "457924702"},
     "product": {"id": "gid://shopify/Product/632910392", "legacyResourceId": "632910392",
       "description": "It's the small iPod with one very big idea: Video.", "hasOnlyDefaultVariant": false,
       "category": {"name": "MP3 Players", "fullName": "Electronics > Audio > Audio Players & Recorders > MP3 Players"}},
     "originalUnitPriceSet": {"shopMoney": {"amount": "199.00", "currencyCode": "USD"}},
     "discountAllocations": [{"allocatedAmountSet": {"shopMoney": {"amount": "3.33", "currencyCode": "USD"}}}]}
  ]}
}`

// node builds a small valid order node; edit changes the decoded object
// before it is encoded again.
func node(t testing.TB, id int, created string, edit func(map[string]any)) json.RawMessage {
	t.Helper()
	raw := fmt.Sprintf(`{
  "id": "gid://shopify/Order/%[1]d", "legacyResourceId": "%[1]d", "name": "#%[1]d",
  "createdAt": %[2]q, "updatedAt": %[2]q, "cancelledAt": null, "currencyCode": "USD",
  "displayFinancialStatus": "PAID", "displayFulfillmentStatus": "UNFULFILLED",
  "email": null, "phone": null,
  "customer": {"firstName": "Ann", "lastName": "Lee", "defaultEmailAddress": {"emailAddress": "ann@example.com"},
    "defaultPhoneNumber": {"phoneNumber": "+16135550101"}, "defaultAddress": null},
  "shippingAddress": {"firstName": "Ann", "lastName": "Lee", "address1": "1 Main St", "address2": null,
    "city": "Ottawa", "province": "Ontario", "zip": "K1A 0B1", "country": "Canada", "countryCodeV2": "CA", "phone": null},
  "shippingLine": {"title": "Standard", "currentDiscountedPriceSet": {"shopMoney": {"amount": "5.00", "currencyCode": "USD"}}},
  "currentSubtotalPriceSet": {"shopMoney": {"amount": "20.00", "currencyCode": "USD"}},
  "lineItems": {"nodes": [
    {"id": "gid://shopify/LineItem/%[1]d01", "sku": "MUG-1", "name": "Mug", "title": "Mug",
     "quantity": 2, "currentQuantity": 2,
     "variant": {"id": "gid://shopify/ProductVariant/7001", "legacyResourceId": "7001"},
     "product": {"id": "gid://shopify/Product/9001", "legacyResourceId": "9001", "description": "A mug.",
       "hasOnlyDefaultVariant": true, "category": null},
     "originalUnitPriceSet": {"shopMoney": {"amount": "10.00", "currencyCode": "USD"}},
     "discountAllocations": []}
  ]}
}`, id, created)
	if edit == nil {
		return json.RawMessage(raw)
	}
	var obj map[string]any
	require.NoError(t, json.Unmarshal([]byte(raw), &obj))
	edit(obj)
	if sub, ok := obj["currentSubtotalPriceSet"].(map[string]any); ok && amountOf(sub) == "20.00" {
		// The edit kept the subtotal: state what its lines come to, as
		// Shopify would.
		obj["currentSubtotalPriceSet"] = map[string]any{"shopMoney": map[string]any{"amount": linesSubtotal(obj)}}
	}
	data, err := json.Marshal(obj)
	require.NoError(t, err)
	return data
}

func amountOf(bag any) string {
	m, _ := bag.(map[string]any)
	sm, _ := m["shopMoney"].(map[string]any)
	a, _ := sm["amount"].(string)
	return a
}

// linesSubtotal is what the lines of a node object come to: price ×
// currentQuantity less the discount allocations (prorated to the current
// units), read leniently (a line a test has broken counts as nothing).
func linesSubtotal(obj map[string]any) string {
	sum := decimal.Zero
	li, _ := obj["lineItems"].(map[string]any)
	nodes, _ := li["nodes"].([]any)
	for _, n := range nodes {
		l, _ := n.(map[string]any)
		price, err := decimal.NewFromString(amountOf(l["originalUnitPriceSet"]))
		if err != nil {
			continue
		}
		cq, ok := number(l["currentQuantity"])
		if !ok {
			continue
		}
		q, ok := number(l["quantity"])
		if !ok || q < cq {
			q = cq
		}
		disc := decimal.Zero
		allocs, _ := l["discountAllocations"].([]any)
		for _, a := range allocs {
			am, _ := a.(map[string]any)
			if d, err := decimal.NewFromString(amountOf(am["allocatedAmountSet"])); err == nil {
				disc = disc.Add(d)
			}
		}
		if q > 0 && cq < q {
			disc = disc.Mul(decimal.NewFromFloat(cq)).Div(decimal.NewFromFloat(q)).Round(2)
		}
		sum = sum.Add(price.Mul(decimal.NewFromFloat(cq))).Sub(disc)
	}
	return sum.StringFixed(2)
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

// lines returns the first line of a node object, for edits.
func line0(obj map[string]any) map[string]any {
	return obj["lineItems"].(map[string]any)["nodes"].([]any)[0].(map[string]any)
}

// fakeClock is a clock that only moves when the adapter sleeps (or the
// test advances it); the fake server and the adapter share it.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.t = c.t.Add(d)
	return nil
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// env is a fake shop with the adapter connected to it.
type env struct {
	srv   *shopifytest.Server
	p     *Platform
	clock *fakeClock
	url   string
	hc    *http.Client
}

func newEnv(t testing.TB, sopts shopifytest.Options, popts *Options) *env {
	t.Helper()
	clock := newFakeClock()
	if sopts.AccessToken == "" {
		sopts.AccessToken = testToken
	}
	if sopts.APIVersion == "" {
		sopts.APIVersion = DefaultAPIVersion
	}
	sopts.Now = clock.Now
	srv := shopifytest.New(sopts)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	var o Options
	if popts != nil {
		o = *popts
	}
	e := &env{srv: srv, clock: clock, url: hs.URL, hc: hs.Client()}
	e.p = e.with(t, &o)
	return e
}

// with connects another adapter to the env's shop: opts as given, with the
// env's clock (Sleep unless set), HTTP client (unless set) and secrets.
func (e *env) with(t testing.TB, opts *Options) *Platform {
	t.Helper()
	o := *opts
	if o.HTTPClient == nil {
		o.HTTPClient = e.hc
	}
	o.WebhookSecret = testWebhookSecret
	o.Now = e.clock.Now
	if o.Sleep == nil {
		o.Sleep = e.clock.Sleep
	}
	if o.RetryWaitMin == 0 {
		o.RetryWaitMin = time.Millisecond
	}
	p, err := New(e.url, Credentials{AccessToken: testToken}, &o)
	require.NoError(t, err)
	return p
}

func requireNoSecret(t *testing.T, s string) {
	t.Helper()
	for _, secret := range []string{testToken, testWebhookSecret} {
		if strings.Contains(s, secret) {
			t.Fatalf("secret leaked (ENG-6): %s", s)
		}
	}
}

// queryRaw runs a query and returns its data, for tests of error paths.
func (c *client) queryRaw(ctx context.Context, q string) (json.RawMessage, error) {
	var out json.RawMessage
	err := c.query(ctx, "raw", q, nil, 1, &out)
	return out, err
}

// echoServer answers every request with a 400 whose body echoes the
// request's headers, as a misbehaving proxy might.
func echoServer(t testing.TB) string {
	t.Helper()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		data, _ := json.Marshal(map[string]any{"errors": fmt.Sprintf("bad request with headers %v", r.Header)})
		_, _ = w.Write(data)
	}))
	t.Cleanup(hs.Close)
	return hs.URL
}
