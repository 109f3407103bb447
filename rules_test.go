package rosync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

func TestNormalizePhone(t *testing.T) { // CUS-3: phones compared in E.164
	tests := []struct {
		raw     string
		regions []string
		want    string
		wantErr bool
	}{
		{"+380 50 111 22 33", nil, "+380501112233", false},
		{"050 111 22 33", []string{"UA"}, "+380501112233", false},
		{"(050) 111-22-33", []string{"", "UA"}, "+380501112233", false},
		{"0501112233", []string{"PL", "UA"}, "+380501112233", false}, // not valid in PL, valid in UA
		{"+1(502)-459-2181", []string{"UA"}, "+15024592181", false},
		{"00380501112233", []string{"UA"}, "+380501112233", false},
		{"1234567890", []string{"UA"}, "", true},               // the public WooCommerce fixture's phone, read in the default region
		{"1234567890", []string{"IN"}, "+911234567890", false}, // libphonenumber deems it an Indian fixed line
		{"", []string{"UA"}, "", true},
		{"not a phone", []string{"UA"}, "", true},
		{strings.Repeat("9", 100), []string{"UA"}, "", true},
	}
	for _, tt := range tests {
		got, err := NormalizePhone(tt.raw, tt.regions...)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("NormalizePhone(%q, %v) = %q, %v; want %q, err %v", tt.raw, tt.regions, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !errors.Is(err, ErrInvalidPhone) {
			t.Errorf("NormalizePhone(%q): error %v is not ErrInvalidPhone", tt.raw, err)
		}
	}
}

func TestNormalizeEmail(t *testing.T) { // CUS-3: emails compared case-insensitively
	for in, want := range map[string]string{
		" Olena.K@Example.COM ": "olena.k@example.com",
		"o@x.ua":                "o@x.ua",
		"no-at-sign":            "",
		"@x.ua":                 "",
		"a@":                    "",
		"a b@x.ua":              "",
	} {
		if got := NormalizeEmail(in); got != want {
			t.Errorf("NormalizeEmail(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestContactFor(t *testing.T) { // CUS-2, CUS-3, WOO-C2
	tests := []struct {
		name  string
		in    Customer
		want  Contact
		phone string
		email string
	}{
		{
			name:  "CUS-2: first name, last name, phone, email",
			in:    Customer{FirstName: " Olena ", LastName: "K", Phone: "050 111 22 33", Email: "O@X.UA", Address: "Kyiv"},
			want:  Contact{FirstName: "Olena", LastName: "K", Email: "o@x.ua", Phones: []string{"+380501112233"}, Address: "Kyiv"},
			phone: "+380501112233", email: "o@x.ua",
		},
		{
			name:  "CUS-3: a number without country code is read in the address's country first",
			in:    Customer{FirstName: "Jan", Phone: "501 112 233", Country: "PL"},
			want:  Contact{FirstName: "Jan", Phones: []string{"+48501112233"}},
			phone: "+48501112233",
		},
		{
			name:  "CUS-3: then in the default region",
			in:    Customer{FirstName: "Olena", Phone: "501 112 233"},
			want:  Contact{FirstName: "Olena", Phones: []string{"+380501112233"}},
			phone: "+380501112233",
		},
		{
			name:  "CUS-3: then in the default region when invalid in the address's country",
			in:    Customer{FirstName: "Olena", Phone: "050 111 22 33", Country: "US"},
			want:  Contact{FirstName: "Olena", Phones: []string{"+380501112233"}},
			phone: "+380501112233",
		},
		{
			name:  "CUS-3: a number with a country code is what it says",
			in:    Customer{FirstName: "doctor", Phone: "1234567890", Country: "IN", Email: "strange@erpnext.com"},
			want:  Contact{FirstName: "doctor", Phones: []string{"+911234567890"}, Email: "strange@erpnext.com"},
			phone: "+911234567890", email: "strange@erpnext.com",
		},
		{
			name:  "CUS-3: a phone that cannot be normalised is no phone, kept in the notes",
			in:    Customer{FirstName: "Bob", Phone: "(555) 555-5555", Email: "bob@example.com"},
			want:  Contact{FirstName: "Bob", Email: "bob@example.com", Notes: PhoneNote + "(555) 555-5555"},
			email: "bob@example.com",
		},
		{
			name: "WOO-C2: placeholders are no phone or email",
			in:   Customer{FirstName: "Bob", Phone: "n/a", Email: "-"},
			want: Contact{FirstName: "Bob"},
		},
		{
			name: "CUS-3: no name is invented from the email",
			in:   Customer{Email: "a@b.co"},
			want: Contact{Email: "a@b.co"}, email: "a@b.co",
		},
		{
			name: "CUS-3: nor from the phone; a last name stays the last name",
			in:   Customer{LastName: "Kovalenko", Phone: "+380501112233"},
			want: Contact{LastName: "Kovalenko", Phones: []string{"+380501112233"}}, phone: "+380501112233",
		},
	}
	for _, tt := range tests {
		ct, phone, email := contactFor(&tt.in, "UA")
		if diff := cmp.Diff(tt.want, ct); diff != "" {
			t.Errorf("%s: contact (-want +got):\n%s", tt.name, diff)
		}
		if phone != tt.phone || email != tt.email {
			t.Errorf("%s: keys = %q, %q; want %q, %q", tt.name, phone, email, tt.phone, tt.email)
		}
	}
}

func TestUnnamed(t *testing.T) { // CUS-2: a contact created without a first name gets a recognisable placeholder
	o := Order{ID: "55", Number: "#1042"}
	got := unnamed(Contact{LastName: "Kovalenko", Email: "k@x.ua"}, o)
	if want := (Contact{FirstName: "Customer #1042", LastName: "Kovalenko", Email: "k@x.ua"}); !cmp.Equal(want, got) {
		t.Errorf("unnamed = %+v, want %+v", got, want)
	}
	if got := unnamed(Contact{}, Order{ID: "55"}); got.FirstName != "Customer #55" {
		t.Errorf("unnamed without a number: %q", got.FirstName)
	}
	if got := unnamed(Contact{FirstName: "Olena"}, o); got.FirstName != "Olena" {
		t.Errorf("unnamed overwrote a real name: %q", got.FirstName)
	}
}

func TestHasContact(t *testing.T) { // WOO-C2, WOO-2: placeholders are no contact data
	tests := []struct {
		c    *Customer
		want bool
	}{
		{&Customer{Email: "o@x.ua"}, true},
		{&Customer{Phone: "050 111 22 33"}, true},
		{&Customer{Phone: "(555) 555-5555"}, true}, // a number, even if not a valid one
		{&Customer{Phone: "-", Email: "n/a"}, false},
		{&Customer{Phone: "none", Email: "none"}, false},
		{&Customer{Phone: "0", Email: " "}, false},
		{&Customer{FirstName: "Bob"}, false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := tt.c.HasContact(); got != tt.want {
			t.Errorf("HasContact(%+v) = %v, want %v", tt.c, got, tt.want)
		}
	}
}

func validOrder() Order {
	return Order{
		ID: "1", Number: "1", Currency: "UAH", CreatedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC),
		Lines: []LineItem{{ID: "a", Quantity: 2, Price: decimal.RequireFromString("10.50"), Product: Product{Name: "Cup"}}},
		Total: decimal.RequireFromString("21.00"),
	}
}

func TestLinePrice(t *testing.T) { // ORD-3: an uneven unit price is a rounded price plus a value discount
	d := decimal.RequireFromString
	tests := []struct {
		subtotal, total string
		qty             int64
		digits          int32
		price, discount string
	}{
		{"100.00", "100.00", 3, 2, "33.34", "0.02"}, // WooCommerce: 100.00 over 3 units
		{"17.65", "17.65", 1, 2, "17.65", "0"},
		{"199.00", "179.10", 1, 2, "199.00", "19.90"}, // a 10 % coupon
		{"20.00", "0", 2, 2, "10.00", "20.00"},        // a free line
		{"1000", "999", 7, 0, "143", "2"},             // JPY
		{"10.000", "9.999", 3, 3, "3.334", "0.003"},   // KWD
	}
	for _, tt := range tests {
		price, discount, err := LinePrice(d(tt.subtotal), d(tt.total), tt.qty, tt.digits)
		if err != nil {
			t.Fatalf("LinePrice(%s, %s, %d): %v", tt.subtotal, tt.total, tt.qty, err)
		}
		if !price.Equal(d(tt.price)) || !discount.Equal(d(tt.discount)) {
			t.Errorf("LinePrice(%s, %s, %d) = %s, %s; want %s, %s", tt.subtotal, tt.total, tt.qty, price, discount, tt.price, tt.discount)
		}
		l := LineItem{Quantity: tt.qty, Price: price, Discount: discount}
		if !l.Amount().Equal(d(tt.total)) {
			t.Errorf("line amount %s, want the platform's total %s to the cent", l.Amount(), tt.total)
		}
	}
	for _, bad := range [][2]string{{"10", "11"}, {"-1", "-1"}, {"10", "-1"}} {
		if _, _, err := LinePrice(d(bad[0]), d(bad[1]), 1, 2); err == nil {
			t.Errorf("LinePrice(%s, %s) = nil error", bad[0], bad[1])
		}
	}
	if _, _, err := LinePrice(d("1"), d("1"), 0, 2); err == nil {
		t.Error("LinePrice with quantity 0 = nil error")
	}
}

func TestSpreadDiscount(t *testing.T) { // ORD-3: an order discount lands on the lines to the cent
	d := decimal.RequireFromString
	lines := []LineItem{
		{ID: "a", Quantity: 1, Price: d("799.00")},
		{ID: "b", Quantity: 3, Price: d("33.33")},
		{ID: "c", Quantity: 1, Price: d("0.01")},
	}
	before := decimal.Zero
	for _, l := range lines {
		before = before.Add(l.Amount())
	}
	if err := SpreadDiscount(lines, d("200.00"), 2); err != nil {
		t.Fatal(err)
	}
	after := decimal.Zero
	for _, l := range lines {
		if l.Discount.IsNegative() || l.Amount().IsNegative() || !l.Discount.Equal(l.Discount.Truncate(2)) {
			t.Errorf("line %s: discount %s, amount %s", l.ID, l.Discount, l.Amount())
		}
		after = after.Add(l.Amount())
	}
	if want := before.Sub(d("200.00")); !after.Equal(want) {
		t.Errorf("lines amount to %s after the discount, want %s", after, want)
	}
	if !lines[0].Discount.GreaterThan(lines[1].Discount) {
		t.Errorf("discounts %s, %s: not in proportion to the lines", lines[0].Discount, lines[1].Discount)
	}
	if err := SpreadDiscount(lines, d("10000"), 2); err == nil {
		t.Error("a discount over the order's amount: nil error")
	}
	if err := SpreadDiscount(lines, d("-1"), 2); err == nil {
		t.Error("a negative discount: nil error")
	}
}

func TestOrderValidate(t *testing.T) { // ORD-3, ENG-5: exact money, sane quantities
	tests := []struct {
		name  string
		edit  func(*Order)
		field string // "" = valid
	}{
		{"valid", func(*Order) {}, ""},
		{"no id", func(o *Order) { o.ID = "" }, "id"},
		{"no date", func(o *Order) { o.CreatedAt = time.Time{} }, "created_at"},
		{"unknown currency", func(o *Order) { o.Currency = "XYZ" }, "currency"},
		{"zero quantity", func(o *Order) { o.Lines[0].Quantity = 0 }, "lines[0].quantity"},
		{"negative quantity", func(o *Order) { o.Lines[0].Quantity = -3 }, "lines[0].quantity"},
		{"huge quantity", func(o *Order) { o.Lines[0].Quantity = MaxQuantity + 1 }, "lines[0].quantity"},
		{"three decimals", func(o *Order) { o.Lines[0].Price = decimal.RequireFromString("10.505") }, "lines[0].price"},
		{"negative price", func(o *Order) { o.Lines[0].Price = decimal.RequireFromString("-1") }, "lines[0].price"},
		{"huge price", func(o *Order) { o.Lines[0].Price = decimal.New(1, 15) }, "lines[0].price"},
		{"decimals on JPY", func(o *Order) { o.Currency = "JPY"; o.Lines[0].Price = decimal.RequireFromString("10.5") }, "lines[0].price"},
		{"three decimals on KWD", func(o *Order) { o.Currency = "KWD"; o.Lines[0].Price = decimal.RequireFromString("10.505") }, ""},
		{"trailing zeros are fine", func(o *Order) { o.Lines[0].Price = decimal.RequireFromString("10.5000") }, ""},
		{"duplicate line", func(o *Order) { o.Lines = append(o.Lines, o.Lines[0]) }, "lines[1].id"},
		{"line without product", func(o *Order) { o.Lines[0].Product = Product{} }, "lines[0].product"},
		{"bad delivery fee", func(o *Order) { o.Delivery = &Delivery{Fee: decimal.RequireFromString("0.001")} }, "delivery.fee"},
		// ORD-3: a line discount carries an exact line total below price×quantity.
		{"line discount", func(o *Order) { o.Lines[0].Discount = decimal.RequireFromString("0.01") }, ""},
		{"discount over the line", func(o *Order) { o.Lines[0].Discount = decimal.RequireFromString("21.01") }, "lines[0].discount"},
		{"negative discount", func(o *Order) { o.Lines[0].Discount = decimal.RequireFromString("-1") }, "lines[0].discount"},
		{"discount with three decimals", func(o *Order) { o.Lines[0].Discount = decimal.RequireFromString("0.005") }, "lines[0].discount"},
		// ORD-3: an amount the platform states wrongly is refused.
		{"total not the lines' amount", func(o *Order) { o.Total = decimal.RequireFromString("21.01") }, "total"},
		{"total not stated", func(o *Order) { o.Total = decimal.Zero }, "total"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := validOrder()
			tt.edit(&o)
			if tt.field != "total" {
				o.Total = o.LinesTotal()
			}
			err := o.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var inv *InvalidOrderError
			if !errors.As(err, &inv) || inv.Field != tt.field {
				t.Fatalf("Validate() = %v, want *InvalidOrderError on %s", err, tt.field)
			}
		})
	}
}

func TestDeliveryComment(t *testing.T) { // DEL-1: service, fee and address in the comment
	d := &Delivery{Service: "Nova Poshta", Fee: decimal.RequireFromString("55"), Address: "Kyiv, Khreshchatyk 1"}
	c := d.Comment()
	for _, want := range []string{"Nova Poshta", "55.00", "Kyiv, Khreshchatyk 1"} {
		if !strings.Contains(c, want) {
			t.Errorf("comment %q lacks %q", c, want)
		}
	}
	// DEL-2: the hash changes with any of the three, and only then.
	same := &Delivery{Service: "Nova Poshta", Fee: decimal.RequireFromString("55.00"), Address: "Kyiv, Khreshchatyk 1"}
	if d.Hash() != same.Hash() {
		t.Error("equal deliveries hash differently")
	}
	for _, other := range []*Delivery{
		{Service: "Ukrposhta", Fee: d.Fee, Address: d.Address},
		{Service: d.Service, Fee: decimal.RequireFromString("60"), Address: d.Address},
		{Service: d.Service, Fee: d.Fee, Address: "Lviv"},
	} {
		if other.Hash() == d.Hash() {
			t.Errorf("changed delivery %+v hashes the same", other)
		}
	}
	var none *Delivery
	if !none.IsZero() || none.Hash() != "" || !(&Delivery{}).IsZero() {
		t.Error("empty delivery is not zero")
	}
}

func TestExternalRefNotes(t *testing.T) {
	ref := ExternalRef{Platform: "woocommerce", Shop: "shop.example", OrderID: "205", Number: "205",
		CreatedAt: time.Date(2021, 11, 30, 7, 32, 10, 0, time.UTC)}
	got, ok := ParseNotes(ref.Notes())
	if !ok {
		t.Fatal("ParseNotes found no reference")
	}
	if diff := cmp.Diff(ref, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if _, ok := ParseNotes("a note a human wrote: nothing else"); ok {
		t.Error("ParseNotes found a reference in a plain note")
	}
}

// TestExternalRefNotesZone: the human line shows the order's date in the
// shop's timezone, as its staff know it; the machine lines stay in UTC and
// read back the same instant.
func TestExternalRefNotesZone(t *testing.T) {
	kyiv, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		t.Skip("no timezone database:", err)
	}
	at := time.Date(2021, 11, 30, 7, 32, 10, 0, time.UTC)
	ref := ExternalRef{Platform: "cartum", Shop: "s", OrderID: "7", Number: "7", CreatedAt: at, Zone: kyiv}
	notes := ref.Notes()
	if first, _, _ := strings.Cut(notes, "\n"); first != "cartum order #7 of 2021-11-30 09:32 +02:00 EET" {
		t.Errorf("human line = %q, want the date in Europe/Kyiv", first)
	}
	got, ok := ParseNotes(notes)
	if !ok || !got.CreatedAt.Equal(at) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("ParseNotes = %+v, %v; want CreatedAt %v in UTC", got, ok, at)
	}
}

func TestProductKey(t *testing.T) { // PRD-2: identify by name, SKU or id
	p := Product{ID: "30", SKU: "woo-album", Name: "Album"}
	for by, want := range map[IdentifyBy]string{IdentifyBySKU: "woo-album", IdentifyByID: "30", IdentifyByName: "Album"} {
		gotBy, got, err := p.Key(by)
		if err != nil || got != want || gotBy != by {
			t.Errorf("Key(%s) = %s %q %v, want %q", by, gotBy, got, err, want)
		}
	}
	// Without a SKU, identify-by-SKU falls back to the id, consistently.
	by, got, _ := Product{ID: "31", Name: "Poster"}.Key(IdentifyBySKU)
	if by != IdentifyByID || got != "31" {
		t.Errorf("fallback = %s %q", by, got)
	}
	if _, _, err := (Product{}).Key(IdentifyBySKU); err == nil {
		t.Error("empty product has a key")
	}
	// PRD-3, PRD-4: name, description, SKU, Code (platform id), unit piece.
	rp := roProductFor(Product{ID: "30", SKU: "woo-album", Name: "Album", Description: "d"}, 7)
	if diff := cmp.Diff(ROProduct{Title: "Album", Description: "d", SKU: "woo-album", Code: "30", CategoryID: 7, UOM: "piece"}, rp); diff != "" {
		t.Errorf("RO product (-want +got):\n%s", diff)
	}
}

// jsonErr is what encoding/json says of raw decoded into an order-like struct.
func jsonErr(raw string) error {
	var v struct{ Total float64 }
	return json.Unmarshal([]byte(raw), &v)
}

func TestRetryable(t *testing.T) { // ENG-2: transient retried, permanent kept
	tests := []struct {
		err  error
		want bool
	}{
		{nil, false},
		{&RateLimitError{Service: "roapp"}, true},
		{&APIError{Service: "roapp", Status: 503}, true},
		{&APIError{Service: "roapp", Status: 422}, false},
		{&APIError{Service: "roapp", Status: 404, Err: ErrNotFound}, false},
		{&AmbiguousError{Err: errors.New("timeout")}, true},
		{&PermissionError{Right: RightAddWithoutDeduction}, false},
		{Reject("WOO-2", "no products"), false},
		{&InvalidOrderError{OrderID: "1"}, false},
		{fmt.Errorf("wrapped: %w", context.DeadlineExceeded), true},
		{context.Canceled, false},
		{fmt.Errorf("connect: %w", ErrCurrencyMismatch), false},
		{errors.New("unexpected EOF"), true},
		// A 2xx answer that is not JSON is transient, even as an
		// *InvalidOrderError; a well-formed order of the wrong shape stays
		// invalid data (ORD-3).
		{fmt.Errorf("roapp: GET /orders: unexpected answer: %w", jsonErr(`{"data":[{"id":1`)), true},
		{fmt.Errorf("woocommerce: GET /orders page 2: %w", jsonErr(`<html>502 Bad Gateway</html>`)), true},
		{&InvalidOrderError{OrderID: "7", Err: fmt.Errorf("malformed JSON at byte 12: %w", jsonErr(`{"id":7,"total":`))}, true},
		{&InvalidOrderError{OrderID: "7", Err: fmt.Errorf("reading: %w", io.ErrUnexpectedEOF)}, true},
		{&InvalidOrderError{OrderID: "7", Field: "total", Err: jsonErr(`{"total":true}`)}, false},
	}
	for _, tt := range tests {
		if got := Retryable(tt.err); got != tt.want {
			t.Errorf("ENG-2: Retryable(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
	_ = http.StatusOK
}

func TestPhoneLikeEmailLike(t *testing.T) { // CUS-3, WOO-C1, WOO-C2: junk is no contact data
	for _, p := range []string{"-", "n/a", "none", "0", "12345", "+", "call me", "N/A", "000"} {
		if PhoneLike(p) {
			t.Errorf("PhoneLike(%q) = true, want false", p)
		}
	}
	for _, p := range []string{"050 111 22 33", "+380 (50) 111-22-33", "(555) 555-5555", "555.555.5555 ext. 12", "+44 20 7946 0958"} {
		if !PhoneLike(p) {
			t.Errorf("PhoneLike(%q) = false, want true", p)
		}
	}
	for _, e := range []string{"-", "n/a", "none", "a@b", "@x.ua", "a@.ua", "a@x.", "a b@x.ua", "a@b@x.ua"} {
		if EmailLike(e) {
			t.Errorf("EmailLike(%q) = true, want false", e)
		}
	}
	for _, e := range []string{"o@x.ua", " Olena.K@Example.com ", "a+tag@sub.example.org"} {
		if !EmailLike(e) {
			t.Errorf("EmailLike(%q) = false, want true", e)
		}
	}
}

func TestWindowStart(t *testing.T) { // WOO-1, CAR-1, SHO-1: two calendar months, clamped, same time of day
	at := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, time.UTC) }
	tests := []struct {
		t      time.Time
		months int
		want   time.Time
	}{
		{at(2026, 4, 30, 12), 2, at(2026, 2, 28, 12)},
		{at(2028, 4, 30, 12), 2, at(2028, 2, 29, 12)},
		{at(2026, 5, 31, 12), 2, at(2026, 3, 31, 12)},
		{at(2026, 3, 31, 12), 2, at(2026, 1, 31, 12)},
		{at(2026, 7, 31, 12), 2, at(2026, 5, 31, 12)},
		{at(2026, 12, 31, 12), 2, at(2026, 10, 31, 12)},
		{at(2026, 1, 15, 0), 2, at(2025, 11, 15, 0)},
		{at(2026, 2, 28, 9), 2, at(2025, 12, 28, 9)},
		{at(2026, 3, 31, 12), 1, at(2026, 2, 28, 12)},
	}
	for _, tt := range tests {
		if got := windowStart(tt.t, tt.months); !got.Equal(tt.want) {
			t.Errorf("windowStart(%s, %d) = %s, want %s", tt.t, tt.months, got, tt.want)
		}
	}
}
