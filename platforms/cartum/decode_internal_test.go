package cartum

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rosync/rosync"
)

const benchOrder = `{"order_id": 1042, "delivery_name": "Ivan Franko", "delivery_email": "ivan@example.com",
 "delivery_phone": "+380671234567", "delivery_city": "Lviv", "delivery_address": "Svobody Ave 1",
 "delivery_type": {"id": 2, "title": "Nova Poshta"}, "delivery_price": "85.50",
 "stat_status": 2, "stat_created": "2026-11-28 00:10:00",
 "products": [{"article": "PHX-128", "title": {"ua": "Телефон X", "en": "Phone X"}, "quantity": 1, "price": 12999},
  {"article": "CBL-USBC", "title": "USB-C cable", "quantity": 2, "price": "199.00"}]}`

func testDecoder(t testing.TB) decoder {
	loc, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		t.Fatal(err)
	}
	return decoder{loc: loc, currency: "UAH"}
}

// TestDecodeOrder_BadInput: malformed, truncated and mistyped orders are
// typed errors naming the field, with the order id when it can be read
// (ORD-3, ENG-5).
func TestDecodeOrder_BadInput(t *testing.T) {
	d := testDecoder(t)
	line := func(fields string) string {
		return `{"order_id": 9, "stat_status": 1, "stat_created": "2026-11-01 10:00:00", "products": [{` + fields + `}]}`
	}
	tests := []struct {
		name, in, id, field string
	}{
		{"malformed", `{"order_id": 9, "stat_status": }`, "9", ""},
		{"truncated", benchOrder[:120], "1042", ""},
		{"not an object", `[1, 2]`, "", ""},
		{"order_id string", `{"order_id": "9", "stat_status": 1, "stat_created": "2026-11-01 10:00:00"}`, "9", "order_id"},
		{"order_id missing", `{"stat_status": 1, "stat_created": "2026-11-01 10:00:00"}`, "", "order_id"},
		{"order_id fraction", `{"order_id": 9.5, "stat_status": 1, "stat_created": "2026-11-01 10:00:00"}`, "", "order_id"},
		{"stat_status string", `{"order_id": 9, "stat_status": "new", "stat_created": "2026-11-01 10:00:00"}`, "9", "stat_status"},
		{"stat_status missing", `{"order_id": 9, "stat_created": "2026-11-01 10:00:00"}`, "9", "stat_status"},
		{"stat_created number", `{"order_id": 9, "stat_status": 1, "stat_created": 1700000000}`, "9", "stat_created"},
		{"stat_created bad", `{"order_id": 9, "stat_status": 1, "stat_created": "01.11.2026"}`, "9", "stat_created"},
		{"stat_created missing", `{"order_id": 9, "stat_status": 1}`, "9", "stat_created"},
		{"delivery_name number", `{"order_id": 9, "stat_status": 1, "stat_created": "2026-11-01 10:00:00", "delivery_name": 5}`, "9", "delivery_name"},
		{"delivery_phone number", `{"order_id": 9, "stat_status": 1, "stat_created": "2026-11-01 10:00:00", "delivery_phone": 380501112233}`, "9", "delivery_phone"},
		{"delivery_type string", `{"order_id": 9, "stat_status": 1, "stat_created": "2026-11-01 10:00:00", "delivery_type": "NP"}`, "9", "delivery_type"},
		{"delivery_price bool", `{"order_id": 9, "stat_status": 1, "stat_created": "2026-11-01 10:00:00", "delivery_price": true}`, "9", "delivery_price"},
		{"delivery_price negative", `{"order_id": 9, "stat_status": 1, "stat_created": "2026-11-01 10:00:00", "delivery_price": -5}`, "9", "delivery_price"},
		{"products object", `{"order_id": 9, "stat_status": 1, "stat_created": "2026-11-01 10:00:00", "products": {}}`, "9", "products"},
		{"product not object", `{"order_id": 9, "stat_status": 1, "stat_created": "2026-11-01 10:00:00", "products": ["x"]}`, "9", "products[0]"},
		{"article number", line(`"article": 123, "title": "A", "quantity": 1, "price": 1`), "9", "products[0].article"},
		{"title number", line(`"article": "A", "title": 5, "quantity": 1, "price": 1`), "9", "products[0].title"},
		{"quantity string", line(`"article": "A", "title": "A", "quantity": "2", "price": 1`), "9", "products[0].quantity"},
		{"quantity fraction", line(`"article": "A", "title": "A", "quantity": 1.5, "price": 1`), "9", "products[0].quantity"},
		{"quantity zero", line(`"article": "A", "title": "A", "quantity": 0, "price": 1`), "9", "products[0].quantity"},
		{"quantity negative", line(`"article": "A", "title": "A", "quantity": -2, "price": 1`), "9", "products[0].quantity"},
		{"quantity huge", line(`"article": "A", "title": "A", "quantity": 1000001, "price": 1`), "9", "products[0].quantity"},
		{"quantity overflow", line(`"article": "A", "title": "A", "quantity": 99999999999999999999, "price": 1`), "9", "products[0].quantity"},
		{"price missing", line(`"article": "A", "title": "A", "quantity": 1`), "9", "products[0].price"},
		{"price bool", line(`"article": "A", "title": "A", "quantity": 1, "price": false`), "9", "products[0].price"},
		{"price words", line(`"article": "A", "title": "A", "quantity": 1, "price": "ten"`), "9", "products[0].price"},
		{"price 3 decimals", line(`"article": "A", "title": "A", "quantity": 1, "price": 12.345`), "9", "products[0].price"},
		{"price 3 decimals string", line(`"article": "A", "title": "A", "quantity": 1, "price": "12.345"`), "9", "products[0].price"},
		{"price negative", line(`"article": "A", "title": "A", "quantity": 1, "price": "-1.00"`), "9", "products[0].price"},
		{"price too large", line(`"article": "A", "title": "A", "quantity": 1, "price": 10000000000000`), "9", "lines[0].price"},
		{"currency unknown", `{"order_id": 9, "stat_status": 1, "stat_created": "2026-11-01 10:00:00", "currency": "XXX"}`, "9", "currency"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := d.decode([]byte(tc.in))
			var inv *rosync.InvalidOrderError
			if !errors.As(err, &inv) {
				t.Fatalf("decode = %v, want *rosync.InvalidOrderError", err)
			}
			if inv.OrderID != tc.id {
				t.Errorf("OrderID = %q, want %q", inv.OrderID, tc.id)
			}
			if inv.Field != tc.field {
				t.Errorf("Field = %q, want %q (%v)", inv.Field, tc.field, err)
			}
			// ENG-2: bytes that are not JSON are a transport fault (a cut
			// answer), retried; JSON that states a wrong order is permanent.
			if notJSON := tc.name == "malformed" || tc.name == "truncated"; rosync.Retryable(err) != notJSON {
				t.Errorf("Retryable = %v, want %v", rosync.Retryable(err), notJSON)
			}
		})
	}
}

func TestDecodeOrder_NullsAreEmpty(t *testing.T) {
	d := testDecoder(t)
	o, err := d.decode([]byte(`{"order_id": 9, "stat_status": 1, "stat_created": "2026-11-01 10:00:00",
		"delivery_name": null, "delivery_phone": null, "delivery_email": "a@b.c", "delivery_type": null,
		"delivery_price": null, "delivery_city": null, "delivery_address": null, "products": null}`))
	if err != nil {
		t.Fatal(err)
	}
	if o.Customer == nil || o.Customer.Email != "a@b.c" || o.Customer.FirstName != "" {
		t.Errorf("customer = %+v", o.Customer)
	}
	if o.Delivery != nil {
		t.Errorf("delivery = %+v, want nil", o.Delivery)
	}
}

func TestBounds(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Kyiv")
	// 2026-09-27 22:30 UTC is 2026-09-28 01:30 in Kyiv (EEST, UTC+3).
	at := time.Date(2026, 9, 27, 22, 30, 0, 0, time.UTC)
	if got := lowerBound(at, loc); got != "2026-09-28 01:29:59" {
		t.Errorf("lowerBound = %q", got)
	}
	if got := upperBound(at.Add(500*time.Millisecond), loc); got != "2026-09-28 01:30:01" {
		t.Errorf("upperBound = %q", got)
	}
	// 2026-10-25 03:30 happens twice in Kyiv (clocks go back at 04:00
	// EEST): the second one (01:30 UTC) must not be sent as 03:30, which
	// may be read as the first one (00:30 UTC), an hour later than asked.
	second := time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC)
	got := lowerBound(second, loc)
	back, _ := time.ParseInLocation(TimeLayout, got, loc)
	if back.After(second) {
		t.Errorf("lowerBound(%s) = %q, read back as %s, after the bound", second, got, back.UTC())
	}
	if !strings.HasPrefix(got, "2026-10-25 0") {
		t.Errorf("lowerBound = %q", got)
	}
}

func BenchmarkDecodeOrder(b *testing.B) {
	d := testDecoder(b)
	raw := []byte(benchOrder)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.decode(raw); err != nil {
			b.Fatal(err)
		}
	}
}
