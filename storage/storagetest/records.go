package storagetest

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
)

// requireAllSet fails when a field of the struct v is zero: the suite's
// samples must set every field so that a field added to rosync's types is
// round-tripped too (or the suite is updated).
func requireAllSet(t *testing.T, v any) {
	t.Helper()
	rv := reflect.ValueOf(v)
	for i := range rv.NumField() {
		if rv.Field(i).IsZero() {
			t.Fatalf("storagetest: the sample %T leaves field %s zero; set it so that the round trip covers it",
				v, rv.Type().Field(i).Name)
		}
	}
}

// requireUTC fails unless every non-zero time of r is in UTC.
func requireUTC(t *testing.T, r rosync.Record) {
	t.Helper()
	for name, tm := range map[string]time.Time{
		"PlatformCreatedAt": r.PlatformCreatedAt,
		"IntentAt":          r.IntentAt,
		"DoubtAt":           r.DoubtAt,
		"NextRetry":         r.NextRetry,
		"UpdatedAt":         r.UpdatedAt,
	} {
		if tm.Location() != time.UTC {
			t.Errorf("record %s/%s: %s = %v is not in UTC", r.Shop, r.OrderID, name, tm)
		}
	}
}

// putNew inserts r (whose Version must be 0) and returns it as stored,
// with its new Version.
func putNew(t *testing.T, s rosync.Store, r rosync.Record) rosync.Record {
	t.Helper()
	require.NoError(t, s.PutRecord(t.Context(), &r))
	return r
}

// diff reports the difference between want and got under CmpOptions.
func diff(want, got any) string { return cmp.Diff(want, got, CmpOptions()) }

func testRecordRoundTrip(t *testing.T, s rosync.Store) {
	ctx := t.Context()
	want := SampleRecord("shop-a", "1001")
	require.NoError(t, s.PutRecord(ctx, &want))
	requireAllSet(t, want) // Version too, now that it is stored
	for _, l := range want.Lines {
		if l.ROItemID == 0 {
			continue // one line is pending on purpose
		}
		requireAllSet(t, l)
	}

	got, err := s.Record(ctx, "shop-a", "1001")
	require.NoError(t, err)
	if d := diff(want, got); d != "" {
		t.Errorf("Record after PutRecord (-want +got):\n%s", d)
	}
	requireUTC(t, got)
	for id, l := range got.Lines {
		if !l.Price.Equal(want.Lines[id].Price) {
			t.Errorf("line %s: price %s, want %s", id, l.Price, want.Lines[id].Price)
		}
	}

	// A sparse record keeps its zero values zero.
	sparse := rosync.Record{Shop: "shop-a", OrderID: "1002", State: rosync.StateNew, UpdatedAt: want.UpdatedAt}
	require.NoError(t, s.PutRecord(ctx, &sparse))
	got, err = s.Record(ctx, "shop-a", "1002")
	require.NoError(t, err)
	if d := diff(sparse, got); d != "" {
		t.Errorf("sparse record (-want +got):\n%s", d)
	}
	for name, tm := range map[string]time.Time{"PlatformCreatedAt": got.PlatformCreatedAt, "IntentAt": got.IntentAt, "NextRetry": got.NextRetry} {
		if !tm.IsZero() {
			t.Errorf("sparse record: %s = %v, want the zero time", name, tm)
		}
	}
	requireUTC(t, got)
}

func testRecordReplace(t *testing.T, s rosync.Store) {
	ctx := t.Context()
	full := SampleRecord("shop-a", "1001")
	other := SampleRecord("shop-b", "1001")
	other.ROOrderID = 7100
	require.NoError(t, s.PutRecord(ctx, &full))
	require.NoError(t, s.PutRecord(ctx, &other))

	// PutRecord replaces the whole record: fields the new value leaves zero
	// do not survive from the old one.
	repl := rosync.Record{
		Shop:      "shop-a",
		OrderID:   "1001",
		Number:    "1001",
		State:     rosync.StateImported,
		ROOrderID: 7002,
		Lines:     map[string]rosync.LineLink{"line-9": {ROItemID: 9009, ProductID: 509, Quantity: 3, Price: decimal.RequireFromString("5.00")}},
		UpdatedAt: full.UpdatedAt.Add(time.Hour),
		Version:   full.Version,
	}
	require.NoError(t, s.PutRecord(ctx, &repl))

	got, err := s.Record(ctx, "shop-a", "1001")
	require.NoError(t, err)
	if d := diff(repl, got); d != "" {
		t.Errorf("Record after replacing PutRecord (-want +got):\n%s", d)
	}
	if _, err := s.RecordByRO(ctx, full.ROOrderID); !errors.Is(err, rosync.ErrNotFound) {
		t.Errorf("RecordByRO(%d) of the replaced link: error = %v, want ErrNotFound", full.ROOrderID, err)
	}
	got, err = s.RecordByRO(ctx, 7002)
	require.NoError(t, err)
	if d := diff(repl, got); d != "" {
		t.Errorf("RecordByRO after replace (-want +got):\n%s", d)
	}

	// The same order id in another shop is untouched.
	got, err = s.Record(ctx, "shop-b", "1001")
	require.NoError(t, err)
	if d := diff(other, got); d != "" {
		t.Errorf("other shop's record changed (-want +got):\n%s", d)
	}

	all, err := s.Records(ctx, "shop-a", rosync.RecordFilter{})
	require.NoError(t, err)
	if len(all) != 1 {
		t.Errorf("Records after replace: %d records, want 1", len(all))
	}
}

func testRecordUpdatedAt(t *testing.T, s rosync.Store) {
	ctx := t.Context()
	// The Store's clock is its own (a database server's, a fake one), so
	// the suite checks only that it set a time, not which.
	r := rosync.Record{Shop: "shop-a", OrderID: "1001", State: rosync.StateNew}
	require.NoError(t, s.PutRecord(ctx, &r))
	got, err := s.Record(ctx, "shop-a", "1001")
	require.NoError(t, err)
	if got.UpdatedAt.IsZero() {
		t.Fatal("PutRecord with a zero UpdatedAt stored a zero UpdatedAt; it must set it")
	}
	if got.UpdatedAt.Location() != time.UTC {
		t.Errorf("UpdatedAt = %v, not in UTC", got.UpdatedAt)
	}

	// A non-zero UpdatedAt is kept as given.
	at := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	r.UpdatedAt = at
	require.NoError(t, s.PutRecord(ctx, &r))
	got, err = s.Record(ctx, "shop-a", "1001")
	require.NoError(t, err)
	if d := diff(at, got.UpdatedAt); d != "" {
		t.Errorf("UpdatedAt given explicitly was not kept (-want +got):\n%s", d)
	}
}

func testRecordNotFound(t *testing.T, s rosync.Store) {
	ctx := t.Context()
	putNew(t, s, SampleRecord("shop-a", "1001"))

	tests := []struct {
		name string
		call func() error
	}{
		{"Record unknown order", func() error { _, err := s.Record(ctx, "shop-a", "404"); return err }},
		{"Record known order in another shop", func() error { _, err := s.Record(ctx, "shop-b", "1001"); return err }},
		{"RecordByRO unknown id", func() error { _, err := s.RecordByRO(ctx, 404); return err }},
		{"RecordByRO zero id", func() error { _, err := s.RecordByRO(ctx, 0); return err }},
		{"Identity", func() error { _, err := s.Identity(ctx, "contact/phone/+380501112233"); return err }},
		{"ShopState", func() error { _, err := s.ShopState(ctx, "shop-a"); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, rosync.ErrNotFound) {
				t.Errorf("error = %v, want one wrapping rosync.ErrNotFound", err)
			}
		})
	}
}

func testRecordByRO(t *testing.T, s rosync.Store) {
	ctx := t.Context()
	r := rosync.Record{Shop: "shop-b", OrderID: "1001", State: rosync.StatePending, UpdatedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	require.NoError(t, s.PutRecord(ctx, &r))
	putNew(t, s, rosync.Record{Shop: "shop-a", OrderID: "1001", State: rosync.StateImported, ROOrderID: 41})

	if _, err := s.RecordByRO(ctx, 42); !errors.Is(err, rosync.ErrNotFound) {
		t.Fatalf("RecordByRO before the link: error = %v, want ErrNotFound", err)
	}

	// The create succeeded: the record gets its RO App order id.
	r.State, r.ROOrderID, r.ClientID = rosync.StateImported, 42, 8001
	require.NoError(t, s.PutRecord(ctx, &r))

	got, err := s.RecordByRO(ctx, 42)
	require.NoError(t, err)
	if d := diff(r, got); d != "" {
		t.Errorf("RecordByRO(42) (-want +got):\n%s", d)
	}
	requireUTC(t, got)

	got, err = s.RecordByRO(ctx, 41)
	require.NoError(t, err)
	if got.Shop != "shop-a" || got.OrderID != "1001" {
		t.Errorf("RecordByRO(41) = %s/%s, want shop-a/1001", got.Shop, got.OrderID)
	}
}

func testRecordLines(t *testing.T, s rosync.Store) {
	ctx := t.Context()
	tests := []struct {
		name  string
		lines map[string]rosync.LineLink
	}{
		{"nil", nil},
		{"empty", map[string]rosync.LineLink{}},
		{"one pending", map[string]rosync.LineLink{"a": {ProductID: 1, Quantity: 1, Price: decimal.RequireFromString("0")}}},
		{"several", map[string]rosync.LineLink{
			"101":           {ROItemID: 1, ProductID: 11, Quantity: 1, Price: decimal.RequireFromString("10.50")},
			"102":           {ROItemID: 2, ProductID: 12, Quantity: 5, Price: decimal.RequireFromString("0.01")},
			"103":           {ROItemID: 3, ProductID: 13, Quantity: 2, Price: decimal.RequireFromString("123456789.123456")},
			"gid://x/7?y=1": {ROItemID: 4, ProductID: 14, Quantity: 7, Price: decimal.RequireFromString("-3.20")},
			"":              {ROItemID: 5, ProductID: 15, Quantity: 1, Price: decimal.RequireFromString("1e3")},
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rosync.Record{Shop: "shop-a", OrderID: string(rune('a' + i)), State: rosync.StateImported,
				Lines: tt.lines, UpdatedAt: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
			require.NoError(t, s.PutRecord(ctx, &r))
			got, err := s.Record(ctx, r.Shop, r.OrderID)
			require.NoError(t, err)
			if d := diff(r.Lines, got.Lines); d != "" {
				t.Errorf("Lines (-want +got):\n%s", d)
			}
		})
	}
}

func testRecordIsolation(t *testing.T, s rosync.Store) {
	ctx := t.Context()
	in := SampleRecord("shop-a", "1001")
	want := SampleRecord("shop-a", "1001")
	require.NoError(t, s.PutRecord(ctx, &in))
	want.Version = in.Version

	// Changing the caller's map after PutRecord does not change the store.
	in.Lines["line-1"] = rosync.LineLink{ROItemID: -1}
	in.Lines["line-new"] = rosync.LineLink{ROItemID: -2}
	got, err := s.Record(ctx, "shop-a", "1001")
	require.NoError(t, err)
	if d := diff(want, got); d != "" {
		t.Fatalf("stored record changed with the caller's map (-want +got):\n%s", d)
	}

	// Nor does changing a map the store returned.
	got.Lines["line-2"] = rosync.LineLink{ROItemID: -3}
	delete(got.Lines, "line-3")
	got, err = s.Record(ctx, "shop-a", "1001")
	require.NoError(t, err)
	if d := diff(want, got); d != "" {
		t.Errorf("stored record changed with a returned map (-want +got):\n%s", d)
	}
}

func testRecordsFilters(t *testing.T, s rosync.Store) {
	ctx := t.Context()
	due := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	at := due.Add(-24 * time.Hour)
	recs := []rosync.Record{
		{OrderID: "1001", State: rosync.StateNew},
		{OrderID: "1002", State: rosync.StateImported, ROOrderID: 10},
		{OrderID: "1003", State: rosync.StateNew, LastError: "timeout", Attempts: 1, NextRetry: due.Add(-time.Hour)},
		{OrderID: "1004", State: rosync.StateNew, LastError: "HTTP 503", Attempts: 2, NextRetry: due.Add(time.Nanosecond * 1000)},
		{OrderID: "1005", State: rosync.StateNew, LastError: "no right", Permanent: true, Attempts: 1, NextRetry: due.Add(-time.Hour)},
		{OrderID: "1006", State: rosync.StateImported, ROOrderID: 11, HeldStatus: "completed"},
		{OrderID: "1007", State: rosync.StatePending, LastError: "ambiguous", Attempts: 3, NextRetry: due},
		{OrderID: "1008", State: rosync.StateImported, ROOrderID: 12, LastError: "HTTP 500", Attempts: 1},
		{OrderID: "1009", State: rosync.StateImported, ROOrderID: 13, HeldStatus: "completed", LastError: "HTTP 502", Attempts: 1, NextRetry: due.Add(time.Hour)},
		{OrderID: "999", State: rosync.StateRejected, Rule: "WOO-2", Reason: "no products"},
	}
	// Put them out of order, so that the order of the result is the Store's.
	for _, i := range []int{9, 4, 0, 7, 2, 5, 1, 8, 3, 6} {
		r := recs[i]
		r.Shop, r.UpdatedAt = "shop-a", at
		require.NoError(t, s.PutRecord(ctx, &r))
		recs[i] = r
	}
	// Another shop's records match the same filters and must not show up.
	for _, r := range recs {
		r.Shop, r.UpdatedAt = "shop-b", at
		r.OrderID, r.Version = "b-"+r.OrderID, 0
		require.NoError(t, s.PutRecord(ctx, &r))
	}

	tests := []struct {
		name string
		f    rosync.RecordFilter
		want []string
	}{
		// Ordered by OrderID as strings: "999" sorts after "1009".
		{"all", rosync.RecordFilter{}, []string{"1001", "1002", "1003", "1004", "1005", "1006", "1007", "1008", "1009", "999"}},
		{"state imported", rosync.RecordFilter{State: rosync.StateImported}, []string{"1002", "1006", "1008", "1009"}},
		{"state rejected", rosync.RecordFilter{State: rosync.StateRejected}, []string{"999"}},
		{"failed", rosync.RecordFilter{Failed: true}, []string{"1003", "1004", "1005", "1007", "1008", "1009"}},
		{"held", rosync.RecordFilter{Held: true}, []string{"1006", "1009"}},
		// ENG-2: back-off retries pick only transient failures that are due
		// (NextRetry at or before DueBefore; a zero NextRetry is due).
		{"failed due", rosync.RecordFilter{Failed: true, DueBefore: due}, []string{"1003", "1007", "1008"}},
		{"failed due later", rosync.RecordFilter{Failed: true, DueBefore: due.Add(2 * time.Hour)}, []string{"1003", "1004", "1007", "1008", "1009"}},
		{"failed due earlier", rosync.RecordFilter{Failed: true, DueBefore: due.Add(-2 * time.Hour)}, []string{"1008"}},
		{"state and failed", rosync.RecordFilter{State: rosync.StateImported, Failed: true}, []string{"1008", "1009"}},
		{"held and failed", rosync.RecordFilter{Held: true, Failed: true}, []string{"1009"}},
		{"state pending", rosync.RecordFilter{State: rosync.StatePending}, []string{"1007"}},
		{"no match", rosync.RecordFilter{State: rosync.StatePending, Held: true}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Records(ctx, "shop-a", tt.f)
			require.NoError(t, err)
			var ids []string
			for _, r := range got {
				ids = append(ids, r.OrderID)
			}
			if d := diff(tt.want, ids); d != "" {
				t.Errorf("Records(%+v) order ids (-want +got):\n%s", tt.f, d)
			}
		})
	}

	// The records come back whole.
	got, err := s.Records(ctx, "shop-a", rosync.RecordFilter{})
	require.NoError(t, err)
	want := slices.Clone(recs)
	slices.SortFunc(want, func(a, b rosync.Record) int { return strings.Compare(a.OrderID, b.OrderID) })
	if d := diff(want, got); d != "" {
		t.Errorf("Records (-want +got):\n%s", d)
	}
	for _, r := range got {
		requireUTC(t, r)
	}

	got, err = s.Records(ctx, "shop-none", rosync.RecordFilter{})
	require.NoError(t, err)
	if len(got) != 0 {
		t.Errorf("Records of an unknown shop: %d records, want none", len(got))
	}
}

func testRecordsShopsApart(t *testing.T, s rosync.Store) {
	ctx := t.Context()
	a := SampleRecord("shop-a", "1001")
	b := SampleRecord("shop-b", "1001")
	b.Number, b.ROOrderID, b.LastError = "B-1001", 7777, ""
	require.NoError(t, s.PutRecord(ctx, &a))
	require.NoError(t, s.PutRecord(ctx, &b))
	b2 := SampleRecord("shop-b", "1002")
	b2.ROOrderID = 7002
	require.NoError(t, s.PutRecord(ctx, &b2))

	for _, want := range []rosync.Record{a, b} {
		got, err := s.Record(ctx, want.Shop, want.OrderID)
		require.NoError(t, err)
		if d := diff(want, got); d != "" {
			t.Errorf("Record(%s, %s) (-want +got):\n%s", want.Shop, want.OrderID, d)
		}
	}
	for shop, n := range map[string]int{"shop-a": 1, "shop-b": 2} {
		got, err := s.Records(ctx, shop, rosync.RecordFilter{})
		require.NoError(t, err)
		if len(got) != n {
			t.Errorf("Records(%s): %d records, want %d", shop, len(got), n)
		}
		for _, r := range got {
			if r.Shop != shop {
				t.Errorf("Records(%s) returned a record of %s", shop, r.Shop)
			}
		}
	}
	got, err := s.Records(ctx, "shop-a", rosync.RecordFilter{Failed: true})
	require.NoError(t, err)
	if len(got) != 1 || got[0].Shop != "shop-a" {
		t.Errorf("Records(shop-a, Failed) = %d records, want shop-a's one", len(got))
	}
}
