package woocommerce

import (
	"context"
	"encoding/json"
	"errors"
	"io"
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
			// ORD-3: what the customer pays for the line, tax included:
			// total "15.00" + total_tax "2.70" (prices_include_tax false,
			// so the 18 % tax came on top; the order's total is 17.70).
			Price: dec("17.70"),
			// WOO-P1: product_id 30 -> Product.ID (RO App Code), sku -> SKU.
			Product: rosync.Product{ID: "30", SKU: "woo-album", Name: "Album"},
		}},
		Total: dec("17.70"), // ORD-3: order total 17.70 less shipping 0.00
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
			name: "a shipping phone that is no number falls back to billing",
			mod: func(o map[string]any) {
				set(o, "shipping.phone", "-") // WooCommerce's is_phone accepts "-"
				set(o, "shipping.country", "PL")
			},
			want: &rosync.Customer{FirstName: "Olena", LastName: "Koval", Phone: "050 123 45 67", Email: "olena@example.com", Country: "UA"},
		},
		{
			name: "too few digits in shipping: billing",
			mod:  func(o map[string]any) { set(o, "shipping.phone", "12-34") },
			want: &rosync.Customer{FirstName: "Olena", LastName: "Koval", Phone: "050 123 45 67", Email: "olena@example.com", Country: "UA"},
		},
		{
			name: "junk in both phones and the email: no contact data (WOO-C2 rejects it)",
			mod: func(o map[string]any) {
				set(o, "shipping.phone", "n/a")
				set(o, "billing.phone", "-")
				set(o, "billing.email", "none")
			},
			want: &rosync.Customer{FirstName: "Olena", LastName: "Koval", Country: "UA"},
		},
		{
			name: "junk phones and no name, a real email",
			mod: func(o map[string]any) {
				set(o, "billing", map[string]any{"email": "only@example.com", "phone": "0"})
				set(o, "shipping.phone", "-")
			},
			want: &rosync.Customer{Email: "only@example.com"},
		},
		{
			name: "junk contacts and no name: nil",
			mod: func(o map[string]any) {
				set(o, "billing", map[string]any{"email": "-", "phone": "n/a"})
			},
			want: nil,
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
	// ENG-2: bytes that are not JSON are a transport fault (a cut answer),
	// retried; JSON that states a wrong order is permanent.
	var syn *json.SyntaxError
	notJSON := errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF)
	if rosync.Retryable(err) != notJSON {
		t.Errorf("Retryable(%v) = %v, want %v", err, rosync.Retryable(err), notJSON)
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
		{"zero quantity", mod(func(o map[string]any) { set(o, "line_items.0.quantity", 0) }), "1", "line_items[0].quantity"},
		{"negative quantity", mod(func(o map[string]any) { set(o, "line_items.0.quantity", -1) }), "1", "line_items[0].quantity"},
		{"huge quantity", mod(func(o map[string]any) { set(o, "line_items.0.quantity", 5_000_000) }), "1", "line_items[0].quantity"},
		{"quantity beyond int64", mod(func(o map[string]any) { set(o, "line_items.0.quantity", json.Number("1e30")) }), "1", "line_items[0].quantity"},
		// ORD-3: only what WooCommerce itself states wrongly.
		{"line total above its subtotal", mod(func(o map[string]any) { set(o, "line_items.0.total", "250.00") }), "1", "line_items[0].total"},
		{"line total with tax above its subtotal with tax", mod(func(o map[string]any) { set(o, "line_items.0.total_tax", "5.00") }), "1", "line_items[0].total_tax"},
		{"negative line total", mod(func(o map[string]any) { set(o, "line_items.0.total", "-200.00") }), "1", "line_items[0].total"},
		{"negative line tax", mod(func(o map[string]any) { set(o, "line_items.0.subtotal_tax", "-1.00") }), "1", "line_items[0].subtotal_tax"},
		{"non-numeric subtotal", mod(func(o map[string]any) { set(o, "line_items.0.subtotal", "two hundred") }), "1", "line_items[0].subtotal"},
		{"number line total", mod(func(o map[string]any) { set(o, "line_items.0.total", 200) }), "1", "line_items[0].total"},
		{"missing line total", mod(func(o map[string]any) { del(o, "line_items.0.total") }), "1", "line_items[0].total"},
		{"null total_tax", mod(func(o map[string]any) { set(o, "line_items.0.total_tax", nil) }), "1", "line_items[0].total_tax"},
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

// ORD-3: a line's uneven price (total / quantity in PHP floats) is never a
// reason to refuse an order. The line carries a unit price rounded up to
// the currency and a value discount, so that it amounts to exactly what
// the customer pays for it, tax included; price itself is not read.
func TestDecodeOrder_LineAmounts_ORD3(t *testing.T) {
	tests := []struct {
		name     string
		currency string
		qty      int
		price    any
		// subtotal, subtotal_tax, total, total_tax as WooCommerce sends them
		amounts         [4]string
		wantPrice       string
		wantDiscount    string
		wantOrderAmount string
	}{
		{"100.00 over 3 units", "UAH", 3, json.Number("33.333333333333336"),
			[4]string{"100.00", "0.00", "100.00", "0.00"}, "33.34", "0.02", "100.00"},
		{"float noise: 3 x 10.10", "UAH", 3, json.Number("10.099999999999998"),
			[4]string{"30.30", "0.00", "30.30", "0.00"}, "10.10", "0", "30.30"},
		{"percentage coupon: 10 % off 2 x 50.00", "UAH", 2, json.Number("45"),
			[4]string{"100.00", "0.00", "90.00", "0.00"}, "50.00", "10.00", "90.00"},
		{"percentage coupon over 3 units", "UAH", 3, json.Number("30"),
			[4]string{"100.00", "0.00", "90.00", "0.00"}, "33.34", "10.02", "90.00"},
		{"prices include tax: 21.00 with 19 % VAT", "EUR", 1, json.Number("17.647059"),
			[4]string{"17.65", "3.35", "17.65", "3.35"}, "21.00", "0", "21.00"},
		{"prices include tax, 3 units and a coupon", "EUR", 3, json.Number("15.882353"),
			[4]string{"52.94", "10.06", "47.65", "9.05"}, "21.00", "6.30", "56.70"},
		{"prices exclude tax: 20 % on top after a coupon", "GBP", 2, json.Number("9"),
			[4]string{"20.00", "4.00", "18.00", "3.60"}, "12.00", "2.40", "21.60"},
		{"no decimals in the currency", "JPY", 3, json.Number("333.3333333333333"),
			[4]string{"1000", "0", "1000", "0"}, "334", "2", "1000"},
		{"shop with more price decimals than the currency", "UAH", 1, json.Number("12.345"),
			[4]string{"12.345", "0.000", "12.345", "0.000"}, "12.35", "0", "12.35"},
		{"a price WooCommerce did not compute is not read", "UAH", 1, "whatever",
			[4]string{"100.00", "0.00", "100.00", "0.00"}, "100.00", "0", "100.00"},
		{"free line", "UAH", 2, json.Number("0"),
			[4]string{"0.00", "0.00", "0.00", "0.00"}, "0", "0", "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := mod(func(o map[string]any) {
				set(o, "currency", tt.currency)
				set(o, "line_items.0.quantity", tt.qty)
				set(o, "line_items.0.price", tt.price)
				for i, k := range []string{"subtotal", "subtotal_tax", "total", "total_tax"} {
					set(o, "line_items.0."+k, tt.amounts[i])
				}
			})()
			got, err := decodeValidate(raw)
			if err != nil {
				t.Fatalf("ORD-3: a real order was refused: %v", err)
			}
			l := got.Lines[0]
			if !l.Price.Equal(dec(tt.wantPrice)) || !l.Discount.Equal(dec(tt.wantDiscount)) {
				t.Errorf("price %s discount %s, want %s and %s", l.Price, l.Discount, tt.wantPrice, tt.wantDiscount)
			}
			if !got.Total.Equal(dec(tt.wantOrderAmount)) || !l.Amount().Equal(got.Total) {
				t.Errorf("ORD-3: line amount %s, order Total %s, want both %s", l.Amount(), got.Total, tt.wantOrderAmount)
			}
		})
	}
}

// ORD-3: Total is the sum of the lines as WooCommerce states them, with
// their tax: for an order without fees it is the order total less
// shipping and its tax.
func TestDecodeOrder_TotalFromLines_ORD3(t *testing.T) {
	o := testOrder(1)
	set(o, "prices_include_tax", true)
	set(o, "total", "113.10") // 42.00 + 63.00 + shipping 6.75 + its tax 1.35
	set(o, "shipping_total", "6.75")
	set(o, "shipping_tax", "1.35")
	set(o, "line_items", []any{
		map[string]any{"id": 1, "name": "Mug", "product_id": 1, "variation_id": 0, "quantity": 2, "sku": "mug",
			"subtotal": "35.29", "subtotal_tax": "6.71", "total": "35.29", "total_tax": "6.71", "price": 17.647059},
		map[string]any{"id": 2, "name": "Plate", "product_id": 2, "variation_id": 0, "quantity": 3, "sku": "plate",
			"subtotal": "52.94", "subtotal_tax": "10.06", "total": "52.94", "total_tax": "10.06", "price": 17.647059},
	})
	got, err := decodeValidate(mustJSON(t, o))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Total.Equal(dec("105.00")) || !got.LinesTotal().Equal(dec("105.00")) {
		t.Errorf("ORD-3: Total %s, lines %s, want 105.00 (113.10 - 6.75 - 1.35)", got.Total, got.LinesTotal())
	}
	for _, l := range got.Lines {
		if !l.Price.Equal(dec("21.00")) || !l.Discount.IsZero() {
			t.Errorf("line %s: price %s discount %s, want 21.00 and 0", l.ID, l.Price, l.Discount)
		}
	}
}

// Product and variation names come HTML-unescaped, as WordPress stores
// them with entities.
func TestDecodeOrder_NamesUnescaped(t *testing.T) {
	tests := map[string]string{
		"Hoodie &ndash; Blue, M":       "Hoodie – Blue, M",
		"Salt &amp; Pepper":            "Salt & Pepper",
		"&quot;Mini&quot; cable&nbsp;": `"Mini" cable`,
		"Plain name":                   "Plain name",
	}
	for in, want := range tests {
		got, err := decodeValidate(mod(func(o map[string]any) { set(o, "line_items.0.name", in) })())
		if err != nil {
			t.Fatal(err)
		}
		if n := got.Lines[0].Product.Name; n != want {
			t.Errorf("name %q -> %q, want %q", in, n, want)
		}
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
