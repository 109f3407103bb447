package woocommerce

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/platformkit/fakekit"
	"github.com/rosync/rosync/platforms/woocommerce/woocommercetest"
)

const (
	testKey           = "ck_0123456789abcdef0123456789abcdef01234567"
	testSecret        = "cs_fedcba9876543210fedcba9876543210fedcba98"
	testWebhookSecret = "whsec-6f2c1d&amp;b7"
)

// decimalEqual lets cmp compare decimals by value.
var decimalEqual = cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// shop is a fake WooCommerce server and an adapter connected to it.
type shop struct {
	srv *woocommercetest.Server
	p   *Platform
	url string
	log *fakekit.LogBuffer
}

var testNow = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func newShop(t *testing.T, opts *Options) *shop {
	t.Helper()
	srv := woocommercetest.New(woocommercetest.Options{
		Key: testKey, Secret: testSecret, Currency: "UAH",
		Now: func() time.Time { return testNow },
	})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	if opts == nil {
		opts = &Options{}
	}
	logs := &fakekit.LogBuffer{}
	o := *opts
	o.HTTPClient = ts.Client()
	if o.RetryWaitMin == 0 {
		o.RetryWaitMin = time.Millisecond
	}
	if o.RetryWaitMax == 0 {
		o.RetryWaitMax = 5 * time.Millisecond
	}
	if o.WebhookSecret == "" {
		o.WebhookSecret = testWebhookSecret
	}
	o.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p, err := New(ts.URL, Credentials{Key: testKey, Secret: testSecret}, &o)
	if err != nil {
		t.Fatal(err)
	}
	return &shop{srv: srv, p: p, url: ts.URL, log: logs}
}

func (s *shop) addOrder(t *testing.T, o map[string]any) {
	t.Helper()
	if err := s.srv.AddOrder(mustJSON(t, o)); err != nil {
		t.Fatal(err)
	}
}

func (s *shop) addJSON(t *testing.T, add func(json.RawMessage) error, v any) {
	t.Helper()
	if err := add(mustJSON(t, v)); err != nil {
		t.Fatal(err)
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testOrder is a native UAH order as WooCommerce REST v3 returns it, with
// one line (product 30, 2 × 100) and one shipping line. Test data.
func testOrder(id int) map[string]any {
	created := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC).Add(time.Duration(id) * time.Minute)
	return map[string]any{
		"id":                id,
		"parent_id":         0,
		"number":            strconv.Itoa(id),
		"status":            "processing",
		"currency":          "UAH",
		"date_created":      created.Add(2 * time.Hour).Format(wcTimeLayout),
		"date_created_gmt":  created.Format(wcTimeLayout),
		"date_modified":     created.Add(2*time.Hour + time.Minute).Format(wcTimeLayout),
		"date_modified_gmt": created.Add(time.Minute).Format(wcTimeLayout),
		"discount_total":    "0.00",
		"shipping_total":    "50.00",
		"total":             "250.00",
		"total_tax":         "0.00",
		"customer_id":       0,
		"billing": map[string]any{
			"first_name": "Olena", "last_name": "Koval", "company": "",
			"address_1": "vul. Khreshchatyk 1", "address_2": "", "city": "Kyiv", "state": "",
			"postcode": "01001", "country": "UA", "email": "olena@example.com", "phone": "050 123 45 67",
		},
		"shipping": map[string]any{
			"first_name": "", "last_name": "", "company": "", "address_1": "", "address_2": "",
			"city": "", "state": "", "postcode": "", "country": "", "phone": "",
		},
		"line_items": []any{
			map[string]any{
				"id": 1000 + id, "name": "Phone case", "product_id": 30, "variation_id": 0,
				"quantity": 2, "tax_class": "", "subtotal": "200.00", "subtotal_tax": "0.00",
				"total": "200.00", "total_tax": "0.00", "taxes": []any{}, "meta_data": []any{},
				"sku": "case-30", "price": 100, "parent_name": nil,
			},
		},
		"shipping_lines": []any{
			map[string]any{"id": 2000 + id, "method_title": "Nova Poshta", "method_id": "flat_rate", "total": "50.00", "total_tax": "0.00", "taxes": []any{}, "meta_data": []any{}},
		},
		"fee_lines":    []any{},
		"coupon_lines": []any{},
		"refunds":      []any{},
	}
}

// set changes a value at a dotted path ("line_items.0.quantity") of a
// native order built from maps and slices; a nil value with del deletes.
func set(o map[string]any, path string, v any) map[string]any {
	parts := strings.Split(path, ".")
	var cur any = o
	for i, p := range parts {
		last := i == len(parts)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				c[p] = v
				return o
			}
			cur = c[p]
		case []any:
			n, err := strconv.Atoi(p)
			if err != nil {
				panic(fmt.Sprintf("set %s: %q is not an index", path, p))
			}
			if last {
				c[n] = v
				return o
			}
			cur = c[n]
		default:
			panic(fmt.Sprintf("set %s: cannot descend into %T", path, cur))
		}
	}
	return o
}

// del removes a key at a dotted path.
func del(o map[string]any, path string) map[string]any {
	i := strings.LastIndexByte(path, '.')
	if i < 0 {
		delete(o, path)
		return o
	}
	parent := path[:i]
	var cur any = o
	for _, p := range strings.Split(parent, ".") {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[p]
		case []any:
			n, _ := strconv.Atoi(p)
			cur = c[n]
		}
	}
	delete(cur.(map[string]any), path[i+1:])
	return o
}

// decodeValidate is the pure part of the mapping: decode and validate,
// without the API calls.
func decodeValidate(raw []byte) (rosync.Order, error) {
	d, err := decodeOrder(raw)
	if err != nil {
		return rosync.Order{}, err
	}
	if err := d.order.Validate(); err != nil {
		return rosync.Order{}, err
	}
	return d.order, nil
}
