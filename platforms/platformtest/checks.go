package platformtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
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

// connect returns the harness's adapter after calling Shop, as the Syncer
// does before anything else (the Platform doc: Policy may depend on Shop).
func connect(t *testing.T, h Harness) rosync.Platform {
	t.Helper()
	p := h.Platform()
	if _, err := p.Shop(ctxFor(t)); err != nil {
		t.Fatalf("Shop (called first, as the Syncer does): %v", err)
	}
	return p
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

// checkLines compares an order's lines and total with the spec it was
// served from, exactly (ENG-5, ORD-3).
func checkLines(t *testing.T, o rosync.Order, s Spec) {
	t.Helper()
	if len(o.Lines) != len(s.Lines) {
		t.Fatalf("%d lines, want %d", len(o.Lines), len(s.Lines))
	}
	digits, _ := rosync.CurrencyDigits(o.Currency)
	for _, want := range s.Lines {
		i := slices.IndexFunc(o.Lines, func(l rosync.LineItem) bool { return l.Product.SKU == want.SKU })
		if i < 0 {
			t.Errorf("no line with SKU %q", want.SKU)
			continue
		}
		got := o.Lines[i]
		if got.Quantity != want.Quantity {
			t.Errorf("line %s: quantity %d, want %d", want.SKU, got.Quantity, want.Quantity)
		}
		// ENG-5: exact money. A price with the currency's decimals comes
		// back as it was served, with no discount; an uneven one
		// (Features.UnevenUnitPrices) as a price and a discount whose
		// amount is the line's total to the cent.
		if even := want.Price.Equal(want.Price.Truncate(digits)); even && (!got.Price.Equal(want.Price) || !got.Discount.IsZero()) {
			t.Errorf("ENG-5: line %s: price %s, discount %s; want exactly %s served, no discount", want.SKU, got.Price, got.Discount, want.Price)
		}
		if !got.Amount().Equal(want.Amount()) {
			t.Errorf("ENG-5: line %s amounts to %s (%d × %s − %s), want exactly %s as served", want.SKU, got.Amount(), got.Quantity, got.Price, got.Discount, want.Amount())
		}
	}
	if !o.Total.Equal(s.Total()) { // ORD-3: the platform's own figure
		t.Errorf("ORD-3: Total = %s, want %s, the total the fake stated", o.Total, s.Total())
	}
}

func testDecode(t *testing.T, h Harness) {
	s := spec("5001", base)
	h.AddOrder(t, s)
	p := connect(t, h)
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
	checkLines(t, o, s)
	for _, l := range o.Lines {
		if l.ID == "" {
			t.Errorf("line %s has no id", l.Product.SKU)
		}
	}
}

// floatPrices are unit prices and quantities that float arithmetic gets
// wrong: 0.1+0.2 is 0.30000000000000004 in float64, 4.35×100 is
// 434.99999999999994 (4.34 once truncated), 1.15×3 is 3.4499999999999997,
// and float32 holds 999999999.99 as 1e9 and 0.07 as 0.0700000003.
var floatPrices = []SpecLine{
	{SKU: "F-1", Name: "Tenth", Quantity: 1, Price: decimal.RequireFromString("0.10")},
	{SKU: "F-2", Name: "Fifth", Quantity: 1, Price: decimal.RequireFromString("0.20")},
	{SKU: "F-3", Name: "Four thirty-five", Quantity: 1, Price: decimal.RequireFromString("4.35")},
	{SKU: "F-4", Name: "One fifteen", Quantity: 3, Price: decimal.RequireFromString("1.15")},
	{SKU: "F-5", Name: "Seven cents", Quantity: 13, Price: decimal.RequireFromString("0.07")},
	{SKU: "F-6", Name: "Big", Quantity: 7, Price: decimal.RequireFromString("999999999.99")},
}

// unevenPrices are line totals over quantities that do not divide them:
// 100.00 over 3 units (33.333…) and 2.01 over 2 (1.005, which float64
// holds as 1.00499999999999989 and rounds down).
var unevenPrices = []SpecLine{
	{SKU: "U-1", Name: "Third", Quantity: 3, Price: decimal.NewFromInt(100).DivRound(decimal.NewFromInt(3), 16)},
	{SKU: "U-2", Name: "Half cent", Quantity: 2, Price: decimal.RequireFromString("1.005")},
}

func testPrices(t *testing.T, h Harness, f Features) {
	s := spec("5101", base)
	s.Lines = slices.Clone(floatPrices)
	if f.UnevenUnitPrices {
		s.Lines = append(s.Lines, unevenPrices...)
	}
	h.AddOrder(t, s)
	p := connect(t, h)
	o, err := p.Order(ctxFor(t), s.ID)
	if err != nil {
		t.Fatalf("Order: %v", err)
	}
	if err := o.Validate(); err != nil {
		t.Errorf("ORD-3: the order does not validate: %v", err)
	}
	checkLines(t, o, s)
	// The same order through the stream, which some adapters decode apart.
	streamed := collect(t, p, rosync.Query{CreatedSince: base.Add(-time.Hour)})
	if len(streamed) != 1 {
		t.Fatalf("stream gave %v, want [%s]", ids(streamed), s.ID)
	}
	checkLines(t, streamed[0], s)
}

func testNotFound(t *testing.T, h Harness) {
	_, err := connect(t, h).Order(ctxFor(t), "987654")
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
	p := connect(t, h)
	got := ids(collect(t, p, rosync.Query{CreatedSince: base.Add(-time.Hour)}))
	if !slices.Equal(got, want) {
		t.Errorf("streamed %d orders across pages of %d, want %d, each once", len(got), h.PageSize(), n)
	}
	// An adapter that counts (rosync.OrderCounter, the import's progress
	// total) counts what it streams.
	if c, ok := p.(rosync.OrderCounter); ok {
		if cnt, err := c.CountOrders(ctxFor(t), rosync.Query{CreatedSince: base.Add(-time.Hour)}); err != nil || cnt != n {
			t.Errorf("CountOrders = %d (err %v), want %d: the orders the same query streams", cnt, err, n)
		}
	}
	// A consumer that stops early, within the first page or the second,
	// stops the stream (an iterator that yielded again would panic), and
	// leaves the adapter able to stream everything again.
	for _, stop := range []int{3, h.PageSize() + 1} {
		count := 0
		for _, err := range p.Orders(ctxFor(t), rosync.Query{CreatedSince: base.Add(-time.Hour)}) {
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
		again := ids(collect(t, p, rosync.Query{CreatedSince: base.Add(-time.Hour)}))
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
	got := ids(collect(t, connect(t, h), rosync.Query{CreatedSince: since}))
	if !slices.Equal(got, []string{"7002", "7003"}) {
		t.Errorf("CreatedSince %s selected %v, want [7002 7003] (the edge included, a second before excluded)", since, got)
	}
}

func testUpdatedSince(t *testing.T, h Harness, f Features) {
	mark := base.Add(time.Hour)
	old := spec("7101", base) // created and last modified an hour before the mark
	h.AddOrder(t, old)
	changed := spec("7102", base)
	changed.UpdatedAt = mark.Add(time.Minute)
	h.AddOrder(t, changed)
	ancient := spec("7103", mark.AddDate(-1, 0, 0)) // created and last modified a year before
	h.AddOrder(t, ancient)
	got := ids(collect(t, connect(t, h), rosync.Query{UpdatedSince: mark}))
	if !slices.Contains(got, "7102") {
		t.Errorf("UpdatedSince %s selected %v, which lacks the order modified after it", mark, got)
	}
	// A poll reads what changed, not the whole shop: an adapter that
	// ignores UpdatedSince yields every order.
	if slices.Contains(got, "7103") {
		t.Errorf("UpdatedSince %s selected %v, with order 7103 created and last modified a year before it: is UpdatedSince ignored?", mark, got)
	}
	if !f.NoModifiedDate && slices.Contains(got, "7101") {
		t.Errorf("UpdatedSince %s selected %v, with order 7101 last modified an hour before it (Features.NoModifiedDate is false)", mark, got)
	}
}

func testUntil(t *testing.T, h Harness, f Features) {
	until := base
	before := spec("7701", until.Add(-time.Minute))
	after := spec("7702", until.Add(time.Minute))
	late := spec("7703", until.Add(-30*time.Minute)) // created before Until, modified after it
	late.UpdatedAt = until.Add(time.Minute)
	for _, s := range []Spec{before, after, late} {
		h.AddOrder(t, s)
	}
	p := connect(t, h)
	// The initial import: Until bounds the creation date.
	got := ids(collect(t, p, rosync.Query{CreatedSince: until.Add(-time.Hour), Until: until}))
	if want := []string{"7701", "7703"}; !slices.Equal(got, want) {
		t.Errorf("CreatedSince %s, Until %s selected %v, want %v (created a minute after Until is excluded)", until.Add(-time.Hour), until, got, want)
	}
	// A poll: Until bounds the modification date, so neither an order
	// created after it nor (with a modification date) one modified after
	// it is yielded.
	got = ids(collect(t, p, rosync.Query{UpdatedSince: until.Add(-time.Hour), Until: until}))
	if !slices.Contains(got, "7701") || slices.Contains(got, "7702") {
		t.Errorf("UpdatedSince %s, Until %s selected %v, want 7701 and not 7702 (created after Until)", until.Add(-time.Hour), until, got)
	}
	if !f.NoModifiedDate && slices.Contains(got, "7703") {
		t.Errorf("UpdatedSince %s, Until %s selected %v, with order 7703 modified after Until", until.Add(-time.Hour), until, got)
	}
}

func testExcluded(t *testing.T, h Harness) {
	in, out := spec("7201", base), spec("7202", base)
	out.Excluded = true
	h.AddOrder(t, in)
	h.AddOrder(t, out)
	p := connect(t, h)
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

var ruleID = regexp.MustCompile(RuleIDPattern)

func testPolicy(t *testing.T, h Harness, f Features) {
	p := h.Platform()
	info, err := p.Shop(ctxFor(t))
	if err != nil {
		t.Fatalf("Shop: %v", err)
	}
	if _, ok := rosync.CurrencyDigits(info.Currency); !ok {
		t.Errorf("ShopInfo.Currency = %q, not an ISO 4217 code", info.Currency)
	}
	if info.Timezone != "" { // information for dates shown to people: a name they can be converted with
		if _, err := time.LoadLocation(info.Timezone); err != nil {
			t.Errorf("ShopInfo.Timezone = %q, not an IANA timezone name: %v", info.Timezone, err)
		}
	}
	pol := p.Policy() // after Shop, as the Syncer calls it
	if pol.ImportMonths != ImportMonths {
		t.Errorf("ImportMonths = %d, want %d (the last two calendar months)", pol.ImportMonths, ImportMonths)
	}
	if pol.StatusSync.ToPlatform() != f.StatusSync {
		t.Errorf("Policy.StatusSync %d pushes to the platform: %v, but Features.StatusSync is %v", pol.StatusSync, pol.StatusSync.ToPlatform(), f.StatusSync)
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
	hint, err := connect(t, h).VerifyWebhook(h.Webhook(t, "https://host.example/webhooks", "7301"))
	if err != nil {
		t.Fatalf("VerifyWebhook(signed) = %v", err)
	}
	if hint.OrderID != "7301" {
		t.Errorf("hint order = %q, want 7301", hint.OrderID)
	}
}

func testWebhookRefused(t *testing.T, h Harness) { // ENG-4
	h.AddOrder(t, spec("7401", base))
	p := connect(t, h)
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
	p := connect(t, h)
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
	p := connect(t, h)
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

// hostileIDs are order ids a signed webhook may carry that name no order,
// or not the one a careless parser reads: a fraction a float conversion
// truncates, an id float64 cannot hold (2^53+1) or that overflows uint64,
// zero and negative numbers, injections, objects, arrays, digits that are
// not ASCII, and padding.
var hostileIDs = []string{
	`12.5`, `-7`, `0`, `9007199254740993`, `18446744073709551616`, `1e400`,
	`"1; DROP TABLE orders"`, `"7 OR 1=1"`, `{"$gt": 0}`, `[7]`, `true`, `null`, `""`,
	`"0x1F"`, `" 7"`, `"7\u0000"`, `"\uff17"`, `"../7"`,
}

// exactID is the order id raw states, when it states exactly one: a JSON
// number or string of ASCII digits without a leading zero, within uint64
// (a string may be padded with spaces: it names the same order).
func exactID(raw string) (string, bool) {
	var v any
	d := json.NewDecoder(strings.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return "", false
	}
	var s string
	switch v := v.(type) {
	case json.Number:
		s = v.String()
	case string:
		s = strings.TrimSpace(v)
	default:
		return "", false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == 0 || strconv.FormatUint(n, 10) != s {
		return "", false
	}
	return s, true
}

func testWebhookHostileID(t *testing.T, h Harness) { // ENG-4
	p := connect(t, h)
	const url = "https://host.example/webhooks"
	// The harness puts the id where the adapter reads it: a plain id
	// comes back, or every hostile case below would pass vacuously.
	hint, err := p.VerifyWebhook(h.WebhookWithID(t, url, json.RawMessage(`7301`)))
	if err != nil || hint.OrderID != "7301" {
		t.Fatalf("WebhookWithID(7301): hint %+v, err %v; want order 7301 (does the harness use the key the adapter reads?)", hint, err)
	}
	for _, raw := range hostileIDs {
		hint, err := p.VerifyWebhook(h.WebhookWithID(t, url, json.RawMessage(raw)))
		if errors.Is(err, rosync.ErrSignature) {
			t.Errorf("hostile id %s: %v; the harness signed it, so it must pass authentication", raw, err)
			continue
		}
		if err != nil || hint.OrderID == "" {
			continue // refused, or nothing to apply
		}
		if want, ok := exactID(raw); !ok || hint.OrderID != want {
			t.Errorf("hostile id %s gave order id %q; want an error or no order id (the engine would fetch and apply another order)", raw, hint.OrderID)
		}
	}
}

func testSetStatus(t *testing.T, h Harness, f Features) {
	open, done := spec("7601", base), spec("7602", base)
	done.Excluded = true
	h.AddOrder(t, open)
	h.AddOrder(t, done)
	p := connect(t, h)
	pol := p.Policy()
	o, err := p.Order(ctxFor(t), open.ID)
	if err != nil {
		t.Fatalf("Order(%s): %v", open.ID, err)
	}
	d, err := p.Order(ctxFor(t), done.ID)
	if err != nil {
		t.Fatalf("Order(%s): %v", done.ID, err)
	}
	if o.Status == d.Status {
		t.Fatalf("orders %s and %s are both in status %q; the harness must serve Spec.Excluded in another status", o.ID, d.ID, o.Status)
	}
	before := len(h.StatusChanges())
	err = p.SetStatus(ctxFor(t), open.ID, d.Status)
	got := h.StatusChanges()[before:]
	if !pol.StatusSync.ToPlatform() || !f.StatusSync {
		if !errors.Is(err, rosync.ErrUnsupported) {
			t.Errorf("SetStatus = %v, want rosync.ErrUnsupported (the policy pushes no status to the platform)", err)
		}
		if len(got) != 0 {
			t.Errorf("an unsupported SetStatus reached the fake server: %+v", got)
		}
		return
	}
	if err != nil {
		t.Fatalf("SetStatus(%s, %q) = %v", open.ID, d.Status, err)
	}
	if want := (StatusChange{OrderID: open.ID, Status: d.Status}); len(got) != 1 || got[0] != want {
		t.Errorf("the fake server received status writes %+v, want exactly %+v", got, want)
	}
	again, err := p.Order(ctxFor(t), open.ID)
	if err != nil {
		t.Fatalf("Order(%s) after SetStatus: %v", open.ID, err)
	}
	if again.Status != d.Status {
		t.Errorf("after SetStatus(%s, %q) the order reads back in status %q", open.ID, d.Status, again.Status)
	}
}
