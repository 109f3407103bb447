package platformtest

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/rosync/rosync"
)

// base is the suite's reference time: orders are created around it.
var base = time.Date(2026, 11, 20, 8, 30, 0, 0, time.UTC)

func spec(id string, created time.Time) Spec {
	return Spec{
		ID: id, Number: id, CreatedAt: created, UpdatedAt: created,
		Customer: SpecCustomer{FirstName: "Olena", LastName: "Kovalenko", Email: "olena@example.com", Phone: "+380501112233"},
		Lines: []SpecLine{
			{SKU: "A-1", Name: "Cup", Quantity: 2, Price: decimal.RequireFromString("10.50")},
			{SKU: "B-2", Name: "Saucer", Quantity: 1, Price: decimal.RequireFromString("0.99")},
		},
	}
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// collect drains an order stream, failing on a stream error.
func collect(t *testing.T, p rosync.Platform, q rosync.Query) []rosync.Order {
	t.Helper()
	var out []rosync.Order
	for o, err := range p.Orders(ctxFor(t), q) {
		if err != nil {
			t.Fatalf("Orders(%+v): %v", q, err)
		}
		out = append(out, o)
	}
	return out
}

func ids(orders []rosync.Order) []string {
	out := make([]string, len(orders))
	for i, o := range orders {
		out[i] = o.ID
	}
	slices.Sort(out)
	return out
}

func testDecode(t *testing.T, h Harness) {
	s := spec("5001", base)
	h.AddOrder(t, s)
	p := h.Platform()
	o, err := p.Order(ctxFor(t), "5001")
	if err != nil {
		t.Fatalf("Order: %v", err)
	}
	if o.ID != s.ID || o.Number != s.Number {
		t.Errorf("id, number = %q, %q; want %q, %q", o.ID, o.Number, s.ID, s.Number)
	}
	if o.Platform != p.Name() {
		t.Errorf("Platform = %q, want %q", o.Platform, p.Name())
	}
	if !o.CreatedAt.Equal(s.CreatedAt) || o.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt = %v, want %v in UTC", o.CreatedAt, s.CreatedAt)
	}
	if _, ok := rosync.CurrencyDigits(o.Currency); !ok {
		t.Errorf("Currency = %q, not an ISO 4217 code", o.Currency)
	}
	if err := o.Validate(); err != nil {
		t.Errorf("decoded order does not validate: %v", err)
	}
	c := o.Customer
	if c == nil {
		t.Fatal("Customer is nil")
	}
	if rosync.NormalizeEmail(c.Email) != s.Customer.Email {
		t.Errorf("email = %q, want %q", c.Email, s.Customer.Email)
	}
	if got, _ := rosync.NormalizePhone(c.Phone, "UA"); got != s.Customer.Phone {
		t.Errorf("phone = %q, want %q", c.Phone, s.Customer.Phone)
	}
	if c.FirstName != s.Customer.FirstName || c.LastName != s.Customer.LastName {
		t.Errorf("name = %q %q, want %q %q", c.FirstName, c.LastName, s.Customer.FirstName, s.Customer.LastName)
	}
	if len(o.Lines) != len(s.Lines) {
		t.Fatalf("%d lines, want %d", len(o.Lines), len(s.Lines))
	}
	for _, want := range s.Lines {
		i := slices.IndexFunc(o.Lines, func(l rosync.LineItem) bool { return l.Product.SKU == want.SKU })
		if i < 0 {
			t.Errorf("no line with SKU %q", want.SKU)
			continue
		}
		got := o.Lines[i]
		if got.Quantity != want.Quantity || !got.Price.Equal(want.Price) { // ENG-5: exact money
			t.Errorf("line %s: %d × %s, want %d × %s", want.SKU, got.Quantity, got.Price, want.Quantity, want.Price)
		}
		if got.ID == "" {
			t.Errorf("line %s has no id", want.SKU)
		}
	}
}

func testNotFound(t *testing.T, h Harness) {
	_, err := h.Platform().Order(ctxFor(t), "987654")
	if !errors.Is(err, rosync.ErrNotFound) {
		t.Errorf("Order(unknown) = %v, want an error wrapping rosync.ErrNotFound", err)
	}
}

func testPagination(t *testing.T, h Harness) {
	n := 2*h.PageSize() + 3
	var want []string
	for i := range n {
		id := strconv.Itoa(6000 + i)
		h.AddOrder(t, spec(id, base.Add(time.Duration(i)*time.Minute)))
		want = append(want, id)
	}
	got := ids(collect(t, h.Platform(), rosync.Query{CreatedSince: base.Add(-time.Hour)}))
	if !slices.Equal(got, want) {
		t.Errorf("streamed %d orders across pages of %d, want %d, each once", len(got), h.PageSize(), n)
	}
	// A consumer that stops early, within the first page or the second,
	// stops the stream (an iterator that yielded again would panic), and
	// leaves the adapter able to stream everything again.
	for _, stop := range []int{3, h.PageSize() + 1} {
		count := 0
		for _, err := range h.Platform().Orders(ctxFor(t), rosync.Query{CreatedSince: base.Add(-time.Hour)}) {
			if err != nil {
				t.Fatalf("stream stopped after %d: %v", count, err)
			}
			count++
			if count == stop {
				break
			}
		}
		if count != stop {
			t.Errorf("a consumer stopping after %d orders got %d", stop, count)
		}
		again := ids(collect(t, h.Platform(), rosync.Query{CreatedSince: base.Add(-time.Hour)}))
		if !slices.Equal(again, want) {
			t.Errorf("after a consumer stopped at %d, a new stream gave %d orders, want %d, each once", stop, len(again), n)
		}
	}
}

func testWindow(t *testing.T, h Harness) {
	since := time.Date(2026, 9, 27, 12, 0, 0, 0, time.UTC)
	h.AddOrder(t, spec("7001", since.Add(-time.Second)))
	h.AddOrder(t, spec("7002", since))
	h.AddOrder(t, spec("7003", since.Add(time.Second)))
	got := ids(collect(t, h.Platform(), rosync.Query{CreatedSince: since}))
	if !slices.Equal(got, []string{"7002", "7003"}) {
		t.Errorf("CreatedSince %s selected %v, want [7002 7003] (the edge included, a second before excluded)", since, got)
	}
}

func testUpdatedSince(t *testing.T, h Harness) {
	mark := base.Add(time.Hour)
	old := spec("7101", base)
	h.AddOrder(t, old)
	changed := spec("7102", base)
	changed.UpdatedAt = mark.Add(time.Minute)
	h.AddOrder(t, changed)
	got := ids(collect(t, h.Platform(), rosync.Query{UpdatedSince: mark}))
	if !slices.Contains(got, "7102") {
		t.Errorf("UpdatedSince %s selected %v, which lacks the order modified after it", mark, got)
	}
}

func testExcluded(t *testing.T, h Harness) {
	p := h.Platform()
	if _, err := p.Shop(ctxFor(t)); err != nil {
		t.Fatalf("Shop: %v", err)
	}
	in, out := spec("7201", base), spec("7202", base)
	out.Excluded = true
	h.AddOrder(t, in)
	h.AddOrder(t, out)
	pol := p.Policy()
	for _, s := range []Spec{in, out} {
		o, err := p.Order(ctxFor(t), s.ID)
		if err != nil {
			t.Fatalf("Order(%s): %v", s.ID, err)
		}
		if pol.Excluded(o.Status) != s.Excluded {
			t.Errorf("order %s in status %q: Policy.Excluded = %v, want %v", s.ID, o.Status, !s.Excluded, s.Excluded)
		}
	}
}

var ruleID = regexp.MustCompile(`^[A-Z]{3}-[A-Z]?[0-9]+$`)

func testPolicy(t *testing.T, h Harness) {
	p := h.Platform()
	if _, err := p.Shop(ctxFor(t)); err != nil {
		t.Fatalf("Shop: %v", err)
	}
	pol := p.Policy()
	if pol.ImportMonths != 2 {
		t.Errorf("ImportMonths = %d, want 2 (the last two months)", pol.ImportMonths)
	}
	if !ruleID.MatchString(pol.WindowRule) {
		t.Errorf("WindowRule = %q, not a rule ID", pol.WindowRule)
	}
	if (pol.RequireLines || pol.RequireCustomer) && !ruleID.MatchString(pol.RequireRule) {
		t.Errorf("RequireRule = %q, not a rule ID", pol.RequireRule)
	}
	if len(pol.IdentifyBy) == 0 || len(pol.ExcludedStatuses) == 0 {
		t.Errorf("policy offers no identify-by key or excludes no status: %+v", pol)
	}
	if p.Name() == "" {
		t.Error("Name is empty")
	}
}

func testWebhookSigned(t *testing.T, h Harness) {
	h.AddOrder(t, spec("7301", base))
	hint, err := h.Platform().VerifyWebhook(h.Webhook(t, "https://host.example/webhooks", "7301"))
	if err != nil {
		t.Fatalf("VerifyWebhook(signed) = %v", err)
	}
	if hint.OrderID != "7301" {
		t.Errorf("hint order = %q, want 7301", hint.OrderID)
	}
}

func testWebhookRefused(t *testing.T, h Harness) { // ENG-4
	h.AddOrder(t, spec("7401", base))
	p := h.Platform()
	for name, r := range map[string]func() error{
		"unsigned": func() error {
			_, err := p.VerifyWebhook(h.Unsigned(h.Webhook(t, "https://host.example/webhooks", "7401")))
			return err
		},
		"wrong signature": func() error {
			_, err := p.VerifyWebhook(h.WrongSignature(h.Webhook(t, "https://host.example/webhooks", "7401")))
			return err
		},
	} {
		if err := r(); !errors.Is(err, rosync.ErrSignature) { // ENG-4: refused, nothing to apply
			t.Errorf("%s webhook: err = %v, want rosync.ErrSignature", name, err)
		}
	}
}

func testWebhookHostile(t *testing.T, h Harness) {
	p := h.Platform()
	big := bytes.Repeat([]byte("a"), 2<<20)
	if _, err := p.VerifyWebhook(h.SignedBody(t, "https://host.example/webhooks", big)); !errors.Is(err, rosync.ErrBodyTooLarge) {
		t.Errorf("2 MiB webhook: err = %v, want rosync.ErrBodyTooLarge", err)
	}
	for _, body := range []string{`{"id": 12`, `[]`, `null`, `{"id": {"$gt": 0}}`, "\x00\xff", `{"id": "1; DROP TABLE orders"}`, `{"id": 1e400}`} {
		hint, err := p.VerifyWebhook(h.SignedBody(t, "https://host.example/webhooks", []byte(body)))
		if err == nil && hint.OrderID != "" {
			if _, perr := strconv.ParseUint(hint.OrderID, 10, 64); perr != nil {
				t.Errorf("hostile body %q gave order id %q", body, hint.OrderID)
			}
		}
	}
}

func testHostileOrder(t *testing.T, h Harness) {
	h.AddCorruptOrder(t, spec("7501", base))
	h.AddOrder(t, spec("7502", base.Add(time.Minute)))
	p := h.Platform()
	var inv *rosync.InvalidOrderError
	if _, err := p.Order(ctxFor(t), "7501"); !errors.As(err, &inv) {
		t.Errorf("Order(corrupt) = %v, want *rosync.InvalidOrderError", err)
	}
	var good, bad []string
	for o, err := range p.Orders(ctxFor(t), rosync.Query{CreatedSince: base.Add(-time.Hour)}) {
		switch {
		case errors.As(err, &inv):
			bad = append(bad, inv.OrderID)
		case err != nil:
			t.Fatalf("stream ended on %v; one bad order must not end it", err)
		default:
			good = append(good, o.ID)
		}
	}
	if !slices.Equal(bad, []string{"7501"}) || !slices.Equal(good, []string{"7502"}) {
		t.Errorf("stream gave good %v, invalid %v; want [7502] and [7501]", good, bad)
	}
}

func testSetStatus(t *testing.T, h Harness, f Features) {
	h.AddOrder(t, spec("7601", base))
	p := h.Platform()
	o, err := p.Order(ctxFor(t), "7601")
	if err != nil {
		t.Fatalf("Order: %v", err)
	}
	err = p.SetStatus(ctxFor(t), "7601", o.Status)
	if f.StatusSync {
		if err != nil {
			t.Errorf("SetStatus = %v", err)
		}
		return
	}
	if !errors.Is(err, rosync.ErrUnsupported) {
		t.Errorf("SetStatus = %v, want rosync.ErrUnsupported", err)
	}
}
