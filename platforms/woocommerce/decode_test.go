package woocommerce

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rosync/rosync"
)

func readFixture(t testing.TB) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/woocommerce-5.8-order-webhook.json")
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// fixtureOrder is the mapping of the public WooCommerce 5.8 fixture, before
// the product API calls (description, category).
func fixtureOrder() rosync.Order {
	return rosync.Order{
		Platform:  "woocommerce",
		ID:        "205",
		Number:    "205",
		Status:    "on-hold",
		Currency:  "INR",
		CreatedAt: time.Date(2021, 11, 30, 7, 32, 10, 0, time.UTC), // date_created_gmt, not the IST 13:02:10
		UpdatedAt: time.Date(2021, 11, 30, 7, 32, 11, 0, time.UTC),
		// WOO-C1: the shipping block is empty, so the phone comes from
		// billing, kept as given (it is not a valid Indian number; the
		// engine keeps it raw and matches by email).
		Customer: &rosync.Customer{
			FirstName: "doctor", LastName: "strange",
			Phone: "1234567890", Email: "strange@erpnext.com", Country: "IN",
		},
		Lines: []rosync.LineItem{{
			ID:       "424",
			Quantity: 1,
			Price:    dec("15"), // "price": 15, a JSON number
			// WOO-P1: product_id 30 -> Product.ID (RO App Code), sku -> SKU.
			Product: rosync.Product{ID: "30", SKU: "woo-album", Name: "Album"},
		}},
		Total: dec("15.00"),
		// No shipping lines; the empty shipping block falls back to billing.
		Delivery: &rosync.Delivery{
			Fee:     dec("0"),
			Address: "Street address1, Street address2, Mumbai, MH, 400103, IN",
		},
	}
}

func TestDecodeOrder_PublicFixture(t *testing.T) {
	got, err := decodeValidate(readFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fixtureOrder(), got, decimalEqual); diff != "" {
		t.Errorf("mapped order (-want +got):\n%s", diff)
	}
}

// The same fixture served by the fake shop, through Order(): the product's
// description and category are fetched (WOO-P2: the deepest of the chain).
func TestOrder_PublicFixtureThroughAPI(t *testing.T) {
	s := newShop(t, nil)
	if err := s.srv.AddOrder(readFixture(t)); err != nil {
		t.Fatal(err)
	}
	s.addJSON(t, s.srv.AddProduct, map[string]any{
		"id": 30, "name": "Album", "type": "simple", "sku": "woo-album",
		"description": "<p>Lorem ipsum dolor sit amet.</p>\n",
		"categories":  []any{map[string]any{"id": 16, "name": "Music", "slug": "music"}, map[string]any{"id": 17, "name": "Albums", "slug": "albums"}},
	})
	s.addJSON(t, s.srv.AddCategory, map[string]any{"id": 16, "name": "Music", "slug": "music", "parent": 0})
	s.addJSON(t, s.srv.AddCategory, map[string]any{"id": 17, "name": "Albums", "slug": "albums", "parent": 16})

	got, err := s.p.Order(context.Background(), "205")
	if err != nil {
		t.Fatal(err)
	}
	want := fixtureOrder()
	want.Lines[0].Product.Description = "<p>Lorem ipsum dolor sit amet.</p>\n"
	want.Lines[0].Product.Category = []string{"Music", "Albums"}
	if diff := cmp.Diff(want, got, decimalEqual); diff != "" {
		t.Errorf("mapped order (-want +got):\n%s", diff)
	}
	if n := s.srv.Calls()["GET /orders/{id}/refunds"]; n != 0 {
		t.Errorf("refunds fetched %d times for an order without refunds", n)
	}
}

func TestDecodeOrder_TestOrder(t *testing.T) {
	got, err := decodeValidate(mustJSON(t, testOrder(7)))
	if err != nil {
		t.Fatal(err)
	}
	want := rosync.Order{
		Platform: "woocommerce", ID: "7", Number: "7", Status: "processing", Currency: "UAH",
		CreatedAt: time.Date(2026, 11, 1, 10, 7, 0, 0, time.UTC),
		UpdatedAt: time.Date(2026, 11, 1, 10, 8, 0, 0, time.UTC),
		Customer:  &rosync.Customer{FirstName: "Olena", LastName: "Koval", Phone: "050 123 45 67", Email: "olena@example.com", Country: "UA"},
		Lines: []rosync.LineItem{{
			ID: "1007", Quantity: 2, Price: dec("100"),
			Product: rosync.Product{ID: "30", SKU: "case-30", Name: "Phone case"},
		}},
		Total:    dec("200.00"),
		Delivery: &rosync.Delivery{Service: "Nova Poshta", Fee: dec("50"), Address: "vul. Khreshchatyk 1, Kyiv, 01001, UA"},
	}
	if diff := cmp.Diff(want, got, decimalEqual); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// WOO-P1: the SKU goes to Product.SKU and the product id to Product.ID,
// which the engine writes to the RO App Code field; a variation line uses
// the variation's id; a deleted product has no id and keeps SKU and name.
func TestDecodeOrder_ProductIdentity_WOO_P1(t *testing.T) {
	tests := []struct {
		name               string
		productID, varID   any
		wantID             string
		wantSKU, wantNames string
	}{
		{"simple product", 30, 0, "30", "case-30", "Phone case"},
		{"variation", 40, 41, "41", "case-30", "Phone case"},
		{"deleted product", 0, 0, "", "case-30", "Phone case"},
		{"deleted product, empty string", "", nil, "", "case-30", "Phone case"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := testOrder(1)
			set(o, "line_items.0.product_id", tt.productID)
			set(o, "line_items.0.variation_id", tt.varID)
			got, err := decodeValidate(mustJSON(t, o))
			if err != nil {
				t.Fatal(err)
			}
			p := got.Lines[0].Product
			if p.ID != tt.wantID || p.SKU != tt.wantSKU || p.Name != tt.wantNames {
				t.Errorf("product = %+v, want ID %q SKU %q Name %q", p, tt.wantID, tt.wantSKU, tt.wantNames)
			}
		})
	}
}

// WOO-C1: the phone comes from the order's shipping details when set, else
// from billing; names from billing, else shipping; email from billing.
func TestDecodeOrder_Customer_WOO_C1(t *testing.T) {
	tests := []struct {
		name string
		mod  func(o map[string]any)
		want *rosync.Customer
	}{
		{
			name: "shipping phone wins",
			mod: func(o map[string]any) {
				set(o, "shipping.phone", "+380 67 765 43 21")
				set(o, "shipping.country", "UA")
			},
			want: &rosync.Customer{FirstName: "Olena", LastName: "Koval", Phone: "+380 67 765 43 21", Email: "olena@example.com", Country: "UA"},
		},
		{
			name: "billing phone when shipping has none",
			mod:  func(o map[string]any) {},
			want: &rosync.Customer{FirstName: "Olena", LastName: "Koval", Phone: "050 123 45 67", Email: "olena@example.com", Country: "UA"},
		},
		{
			name: "country follows the phone's block",
			mod: func(o map[string]any) {
				set(o, "shipping.country", "PL")
				set(o, "shipping.address_1", "ul. Długa 5")
			},
			want: &rosync.Customer{FirstName: "Olena", LastName: "Koval", Phone: "050 123 45 67", Email: "olena@example.com", Country: "UA"},
		},
		{
			name: "names from shipping when billing has none",
			mod: func(o map[string]any) {
				set(o, "billing.first_name", "")
				set(o, "billing.last_name", "")
				set(o, "shipping.first_name", "Taras")
				set(o, "shipping.last_name", "Bondar")
			},
			want: &rosync.Customer{FirstName: "Taras", LastName: "Bondar", Phone: "050 123 45 67", Email: "olena@example.com", Country: "UA"},
		},
		{
			name: "email only",
			mod: func(o map[string]any) {
				set(o, "billing", map[string]any{"email": "only@example.com"})
			},
			want: &rosync.Customer{Email: "only@example.com"},
		},
		{
			name: "nobody named and no way to reach them: nil (WOO-2 rejects it)",
			mod: func(o map[string]any) {
				set(o, "billing", map[string]any{"first_name": "", "email": "", "phone": "", "country": "UA"})
			},
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := testOrder(1)
			tt.mod(o)
			got, err := decodeValidate(mustJSON(t, o))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got.Customer); diff != "" {
				t.Errorf("customer (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeOrder_Delivery(t *testing.T) {
	o := testOrder(1)
	set(o, "shipping_lines", []any{
		map[string]any{"id": 1, "method_title": "Nova Poshta", "total": "50.00"},
		map[string]any{"id": 2, "method_title": "Lift to floor", "total": "25.50"},
	})
	set(o, "shipping", map[string]any{"first_name": "Taras", "address_1": "vul. Sadova 3", "city": "Lviv", "postcode": "79000", "country": "UA", "phone": ""})
	got, err := decodeValidate(mustJSON(t, o))
	if err != nil {
		t.Fatal(err)
	}
	want := &rosync.Delivery{Service: "Nova Poshta, Lift to floor", Fee: dec("75.50"), Address: "vul. Sadova 3, Lviv, 79000, UA"}
	if diff := cmp.Diff(want, got.Delivery, decimalEqual); diff != "" {
		t.Errorf("delivery (-want +got):\n%s", diff)
	}

	// No shipping line and no address at all: nil.
	o = testOrder(1)
	set(o, "shipping_lines", []any{})
	set(o, "billing", map[string]any{"first_name": "Olena", "email": "olena@example.com"})
	got, err = decodeValidate(mustJSON(t, o))
	if err != nil {
		t.Fatal(err)
	}
	if got.Delivery != nil {
		t.Errorf("delivery = %+v, want nil", got.Delivery)
	}
}

func TestDecodeOrder_Dates(t *testing.T) {
	// Without _gmt, a site-time date with an offset is usable...
	o := testOrder(1)
	del(o, "date_created_gmt")
	set(o, "date_created", "2026-11-01T12:01:00+02:00")
	got, err := decodeValidate(mustJSON(t, o))
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 1, 10, 1, 0, 0, time.UTC); !got.CreatedAt.Equal(want) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt = %v, want %v UTC", got.CreatedAt, want)
	}
	// ...one without an offset is not taken for UTC.
	o = testOrder(1)
	set(o, "date_created_gmt", nil)
	_, err = decodeValidate(mustJSON(t, o))
	assertInvalid(t, err, "1", "date_created_gmt")
}

func assertInvalid(t *testing.T, err error, wantID, wantField string) {
	t.Helper()
	var inv *rosync.InvalidOrderError
	if !errors.As(err, &inv) {
		t.Fatalf("error = %v (%T), want *rosync.InvalidOrderError", err, err)
	}
	if inv.OrderID != wantID || inv.Field != wantField {
		t.Errorf("InvalidOrderError{OrderID: %q, Field: %q} (%v), want OrderID %q Field %q", inv.OrderID, inv.Field, err, wantID, wantField)
	}
	if rosync.Retryable(err) {
		t.Errorf("Retryable(%v) = true, want a permanent error", err)
	}
}

// Bad input is an *rosync.InvalidOrderError naming the field, with the
// order id when it can be read (ORD-3, ENG-5).
func TestDecodeOrder_BadInput(t *testing.T) {
	fixture := readFixture(t)
	tests := []struct {
		name      string
		raw       func() []byte
		wantID    string
		wantField string
	}{
		{"malformed JSON", func() []byte { return []byte(`{"id": 7, "number": "7", "status": }`) }, "7", ""},
		{"truncated JSON", func() []byte { return fixture[:len(fixture)/2] }, "205", ""},
		{"not an object", func() []byte { return []byte(`[1,2]`) }, "", ""},
		{"string quantity", mod(func(o map[string]any) { set(o, "line_items.0.quantity", "2") }), "1", "line_items[0].quantity"},
		{"fractional quantity", mod(func(o map[string]any) { set(o, "line_items.0.quantity", json.Number("1.5")) }), "1", "line_items[0].quantity"},
		{"number total", mod(func(o map[string]any) { set(o, "total", json.Number("17.7")) }), "1", "total"},
		{"string price", mod(func(o map[string]any) { set(o, "line_items.0.price", "100") }), "1", "line_items[0].price"},
		{"null price", mod(func(o map[string]any) { set(o, "line_items.0.price", nil) }), "1", "line_items[0].price"},
		{"zero quantity", mod(func(o map[string]any) { set(o, "line_items.0.quantity", 0) }), "1", "line_items[0].quantity"},
		{"negative quantity", mod(func(o map[string]any) { set(o, "line_items.0.quantity", -1) }), "1", "line_items[0].quantity"},
		{"huge quantity", mod(func(o map[string]any) { set(o, "line_items.0.quantity", 5_000_000) }), "1", "line_items[0].quantity"},
		{"quantity beyond int64", mod(func(o map[string]any) { set(o, "line_items.0.quantity", json.Number("1e30")) }), "1", "line_items[0].quantity"},
		{"price with 3 decimals on a UAH order", mod(func(o map[string]any) { set(o, "line_items.0.price", json.Number("12.345")) }), "1", "lines[0].price"},
		{"negative price", mod(func(o map[string]any) { set(o, "line_items.0.price", -5) }), "1", "lines[0].price"},
		{"unknown currency", mod(func(o map[string]any) { set(o, "currency", "XYZ") }), "1", "currency"},
		{"missing id", mod(func(o map[string]any) { del(o, "id") }), "", "id"},
		{"string id", mod(func(o map[string]any) { set(o, "id", "1") }), "1", "id"},
		{"string product_id", mod(func(o map[string]any) { set(o, "line_items.0.product_id", "30") }), "1", "line_items[0].product_id"},
		{"missing line id", mod(func(o map[string]any) { del(o, "line_items.0.id") }), "1", "line_items[0].id"},
		{"line_items not an array", mod(func(o map[string]any) { set(o, "line_items", map[string]any{}) }), "1", "line_items"},
		{"number shipping total", mod(func(o map[string]any) { set(o, "shipping_lines.0.total", 50) }), "1", "shipping_lines[0].total"},
		{"malformed total", mod(func(o map[string]any) { set(o, "total", "12,50") }), "1", "total"},
		{"missing status", mod(func(o map[string]any) { del(o, "status") }), "1", "status"},
		{"bad date", mod(func(o map[string]any) { set(o, "date_created_gmt", "yesterday") }), "1", "date_created_gmt"},
		{"number phone", mod(func(o map[string]any) { set(o, "billing.phone", 501234567) }), "1", "billing.phone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeValidate(tt.raw())
			assertInvalid(t, err, tt.wantID, tt.wantField)
		})
	}
}

// WooCommerce's price is total/quantity in PHP floats: float noise is
// rounded to the currency's decimals, a real extra decimal is not.
func TestDecodeOrder_PriceFloatNoise(t *testing.T) {
	tests := []struct {
		price string
		want  string // "" for an InvalidOrderError
	}{
		{"10.099999999999998", "10.10"}, // 30.30 / 3
		{"0.30000000000000004", "0.30"},
		{"123456789.01000001", "123456789.01"},
		{"15", "15"},
		{"12.345", ""},
		{"33.333333333333336", ""}, // 100.00 / 3 after a discount: see the package doc
	}
	for _, tt := range tests {
		t.Run(tt.price, func(t *testing.T) {
			got, err := decodeValidate(mod(func(o map[string]any) { set(o, "line_items.0.price", json.Number(tt.price)) })())
			if tt.want == "" {
				assertInvalid(t, err, "1", "lines[0].price")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p := got.Lines[0].Price; !p.Equal(dec(tt.want)) {
				t.Errorf("price %s, want %s", p, tt.want)
			}
		})
	}
}

func mod(f func(o map[string]any)) func() []byte {
	return func() []byte {
		o := testOrder(1)
		f(o)
		b, err := json.Marshal(o)
		if err != nil {
			panic(err)
		}
		return b
	}
}

// A bad order's error message names the field but carries no secret and
// no body dump.
func TestDecodeOrder_ErrorText(t *testing.T) {
	_, err := decodeValidate(mod(func(o map[string]any) { set(o, "line_items.0.quantity", "2") })())
	if err == nil || !strings.Contains(err.Error(), "line_items[0].quantity") {
		t.Fatalf("error %v does not name line_items[0].quantity", err)
	}
}
