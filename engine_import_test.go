package rosync_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp/roapptest"
)

// TestEngine_NewOrderAfterConnect: ORD-1, every new order after Connect is
// transferred, whichever way it arrives.
func TestEngine_NewOrderAfterConnect(t *testing.T) { // ORD-1
	ctx := context.Background()
	tests := []struct {
		name    string
		deliver func(t *testing.T, e *env, id string)
	}{
		{"webhook", func(t *testing.T, e *env, id string) {
			require.Equal(t, 200, e.webhook(t, id, "ev-"+id, ""))
		}},
		{"sync", func(t *testing.T, e *env, id string) { e.sync(t, id) }},
		{"poll", func(t *testing.T, e *env, id string) {
			e.clock.Advance(10 * time.Minute)
			require.NoError(t, e.syncer.Poll(ctx))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, basePolicy())
			require.Empty(t, e.emu.Snapshot().Orders, "precondition: nothing imported at Connect")
			o := e.addOrder(newOrder("101", time.Time{}))
			tt.deliver(t, e, "101")

			snap := e.emu.Snapshot()
			require.Len(t, snap.Orders, 1)
			got := snap.Orders[0]
			want := roapptest.Order{
				ID: got.ID, Platform: "fake", PlatformOrderID: "101", PlatformNumber: "N-101",
				PlatformCreatedAt: o.CreatedAt.Format(time.RFC3339), ClientID: got.ClientID, OrderTypeID: 1, Status: "New",
				Items:    []roapptest.Item{{ProductID: got.Items[0].ProductID, Quantity: 2, Price: "499.50", Discount: "0.00"}},
				Comments: []string{o.Delivery.Comment()},
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ORD-1: RO App order (-want +got):\n%s", diff)
			}
			rec := e.record(t, "101")
			require.Equal(t, rosync.StateImported, rec.State, "ORD-1: the Store links the order")
			require.Equal(t, got.ID, rec.ROOrderID)
			require.False(t, rec.Failed())
		})
	}
}

// TestEngine_PermissionRight: ORD-2, a refused right is a permanent
// *PermissionError naming the right; the order is kept, not retried by Poll,
// and Retry completes it once the right is granted.
func TestEngine_PermissionRight(t *testing.T) { // ORD-2
	ctx := context.Background()
	e := newEnv(t, basePolicy())
	e.emu.Revoke(roapptest.RightAddWithoutDeduction)
	o := e.addOrder(newOrder("201", time.Time{}))

	// The order arrives with a poll (so that later polls' platform window
	// no longer covers it and only the retry back-off could pick it up).
	e.clock.Advance(10 * time.Minute)
	require.NoError(t, e.syncer.Poll(ctx))
	err := e.syncer.Sync(ctx, "201")
	var perm *rosync.PermissionError
	require.ErrorAs(t, err, &perm, "ORD-2: a refused right is a *PermissionError")
	require.Equal(t, rosync.RightAddWithoutDeduction, perm.Right, "ORD-2: the error names the right")
	require.False(t, rosync.Retryable(err), "ORD-2: permanent")

	rec := e.record(t, "201")
	require.True(t, rec.Failed(), "ORD-2: the order is kept as failed, not dropped")
	require.True(t, rec.Permanent, "ORD-2: permanent")
	require.Contains(t, rec.LastError, rosync.RightAddWithoutDeduction)
	require.True(t, rec.NextRetry.IsZero())
	attempts := rec.Attempts
	failed, err := e.syncer.Failed(ctx)
	require.NoError(t, err)
	require.Len(t, failed, 1)

	// Polls long after do not retry it (ORD-2: not retried forever).
	itemsBefore := e.calls("POST /orders/{id}/items")
	for range 3 {
		e.clock.Advance(6 * time.Hour)
		require.NoError(t, e.syncer.Poll(ctx))
	}
	require.Equal(t, itemsBefore, e.calls("POST /orders/{id}/items"), "ORD-2: Poll retried a permanent failure")
	require.Equal(t, attempts, e.record(t, "201").Attempts)

	// After the right is granted, Retry completes it: one order, its items.
	e.emu.Grant(roapptest.RightAddWithoutDeduction)
	require.NoError(t, e.syncer.Retry(ctx))
	snap := e.emu.Snapshot()
	require.Len(t, snap.Orders, 1, "ORD-2: exactly one RO App order after Retry")
	want := []roapptest.Item{{ProductID: snap.Products[0].ID, Quantity: 2, Price: "499.50", Discount: "0.00"}}
	if diff := cmp.Diff(want, snap.Orders[0].Items); diff != "" {
		t.Errorf("ORD-2: items after Retry (-want +got):\n%s", diff)
	}
	require.Equal(t, []string{o.Delivery.Comment()}, snap.Orders[0].Comments)
	require.Equal(t, 1, e.calls("POST /orders"))
	rec = e.record(t, "201")
	require.False(t, rec.Failed())
	require.Equal(t, rosync.StateImported, rec.State)
}

// TestEngine_TransferredFields: ORD-3, number, creation date, customer,
// products, quantity and price reach RO App.
func TestEngine_TransferredFields(t *testing.T) { // ORD-3, CUS-2, PRD-3, PRD-4, PRD-6
	e := newEnv(t, basePolicy())
	o := newOrder("301", t0.Add(3*time.Minute))
	o.Number = "1001"
	o.Lines = append(o.Lines, rosync.LineItem{ID: "301-2", Quantity: 1, Price: dec("120.00"),
		Product: rosync.Product{ID: "777", SKU: "CS-9", Name: "Case", Description: "Leather case"}})
	e.addOrder(o)
	e.sync(t, "301")

	snap := e.emu.Snapshot()
	wantContacts := []roapptest.Contact{{ID: 1, FirstName: "Olena", LastName: "Kovalenko",
		Phones: []string{"+380501112233"}, Email: "olena.k@example.com"}}
	if diff := cmp.Diff(wantContacts, snap.Contacts); diff != "" {
		t.Errorf("ORD-3/CUS-2: contacts (-want +got):\n%s", diff)
	}
	cat := int64(1)
	wantProducts := []roapptest.Product{
		{ID: 1, Title: "Phone X", Description: "A phone", SKU: "PH-1", Code: "501", CategoryID: &cat, UOM: "piece"},
		{ID: 2, Title: "Case", Description: "Leather case", SKU: "CS-9", Code: "777", UOM: "piece"},
	}
	if diff := cmp.Diff(wantProducts, snap.Products); diff != "" {
		t.Errorf("ORD-3/PRD-3/PRD-4: products (-want +got):\n%s", diff)
	}
	wantOrders := []roapptest.Order{{
		ID: 1, Platform: "fake", PlatformOrderID: "301", PlatformNumber: "1001",
		PlatformCreatedAt: "2026-11-27T12:03:00Z", ClientID: 1, OrderTypeID: 1, Status: "New",
		Items: []roapptest.Item{
			{ProductID: 1, Quantity: 2, Price: "499.50", Discount: "0.00"}, // PRD-6: without deduction
			{ProductID: 2, Quantity: 1, Price: "120.00", Discount: "0.00"},
		},
		Comments: []string{o.Delivery.Comment()},
	}}
	if diff := cmp.Diff(wantOrders, snap.Orders); diff != "" {
		t.Errorf("ORD-3: orders (-want +got):\n%s", diff)
	}
}

// TestEngine_InvalidOrderRejected: ORD-3, an order with invalid data is
// rejected under ORD-3, recorded, and nothing reaches RO App.
func TestEngine_InvalidOrderRejected(t *testing.T) { // ORD-3
	ctx := context.Background()
	tests := []struct {
		name  string
		edit  func(*rosync.Order)
		fetch error // what the platform's Order returns instead
	}{
		{name: "negative quantity", edit: func(o *rosync.Order) { o.Lines[0].Quantity = -1 }},
		{name: "zero quantity", edit: func(o *rosync.Order) { o.Lines[0].Quantity = 0 }},
		{name: "price beyond the currency's decimals", edit: func(o *rosync.Order) { o.Lines[0].Price = dec("1.005") }},
		{name: "negative price", edit: func(o *rosync.Order) { o.Lines[0].Price = dec("-1.00") }},
		{name: "no creation date", edit: func(o *rosync.Order) { o.CreatedAt = time.Time{} }},
		{name: "line without product", edit: func(o *rosync.Order) { o.Lines[0].Product = rosync.Product{} }},
		{name: "undecodable", fetch: &rosync.InvalidOrderError{OrderID: "302", Number: "N-302", Field: "total", Err: errors.New("not a number")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, basePolicy())
			o := newOrder("302", t0.Add(time.Minute))
			if tt.edit != nil {
				tt.edit(&o)
			}
			e.plat.put(o)
			if tt.fetch != nil {
				e.plat.broken = map[string]error{"302": tt.fetch}
			}
			before := e.emu.Calls().Total
			err := e.syncer.Sync(ctx, "302")
			var rej *rosync.RejectedError
			var inv *rosync.InvalidOrderError
			require.True(t, errors.As(err, &rej) || errors.As(err, &inv), "got %v", err)

			rec := e.record(t, "302")
			require.Equal(t, rosync.StateRejected, rec.State, "ORD-3: rejected and recorded")
			require.Equal(t, "ORD-3", rec.Rule, "ORD-3: the rule is named")
			require.NotEmpty(t, rec.Reason)
			require.Equal(t, "N-302", rec.Number)
			require.Equal(t, before, e.emu.Calls().Total, "ORD-3: nothing is sent to RO App")
			rejected, err := e.syncer.Rejected(ctx)
			require.NoError(t, err)
			require.Len(t, rejected, 1)
		})
	}
}

// TestEngine_CurrencyMismatch: ORD-4, Connect refuses a shop in another
// currency, and an order in another currency is rejected, not converted.
func TestEngine_CurrencyMismatch(t *testing.T) { // ORD-4
	ctx := context.Background()
	t.Run("connect", func(t *testing.T) {
		e := newEnv(t, basePolicy(), withPlatformCurrency("USD"), withoutConnect())
		e.addOrder(newOrder("401", t0.Add(-24*time.Hour)))
		err := e.syncer.Connect(ctx)
		require.ErrorIs(t, err, rosync.ErrCurrencyMismatch, "ORD-4")
		require.Contains(t, err.Error(), "USD")
		_, err = e.store.ShopState(ctx, shopName)
		require.ErrorIs(t, err, rosync.ErrNotFound, "ORD-4: a refused shop is not connected")
		require.Empty(t, e.writes(), "ORD-4: nothing written to RO App")
		require.Empty(t, e.emu.Snapshot().Orders)
	})
	t.Run("order", func(t *testing.T) {
		e := newEnv(t, basePolicy())
		o := newOrder("402", time.Time{})
		o.Currency = "EUR"
		e.addOrder(o)
		err := e.syncer.Sync(ctx, "402")
		var rej *rosync.RejectedError
		require.ErrorAs(t, err, &rej)
		require.Equal(t, "ORD-4", rej.Rule)
		rec := e.record(t, "402")
		require.Equal(t, rosync.StateRejected, rec.State)
		require.Equal(t, "ORD-4", rec.Rule, "ORD-4: rejected under its rule")
		require.Empty(t, e.writes(), "ORD-4: not converted and sent")
		require.Empty(t, e.emu.Snapshot().Orders)
	})
}

// TestEngine_ExactMoney: ENG-5, prices arrive in RO App as exact decimals.
func TestEngine_ExactMoney(t *testing.T) { // ENG-5
	e := newEnv(t, basePolicy())
	o := newOrder("501", time.Time{})
	o.Lines = []rosync.LineItem{
		line("a", "DIME", 3, "0.10"),
		line("b", "TWENTY", 1, "19.99"),
		line("c", "THIRD", 7, "0.30"),
		line("d", "BIG", 2, "999999999.99"),
	}
	o.Total = dec("2000000020.59")
	e.addOrder(o)
	e.sync(t, "501")

	snap := e.emu.Snapshot()
	require.Len(t, snap.Orders, 1)
	var got []string
	for _, it := range snap.Orders[0].Items {
		got = append(got, it.Price)
	}
	if diff := cmp.Diff([]string{"0.10", "19.99", "0.30", "999999999.99"}, got); diff != "" {
		t.Errorf("ENG-5: prices in RO App (-want +got):\n%s", diff)
	}
	// What went over the wire are exact JSON numbers, not float renderings.
	bodies := strings.Join(e.bodies.get("POST /orders/{id}/items"), "\n")
	for _, want := range []string{`"price":0.1,`, `"price":19.99,`, `"price":0.3,`, `"price":999999999.99,`} {
		require.Contains(t, bodies, want, "ENG-5")
	}
	rec := e.record(t, "501")
	for id, want := range map[string]string{"a": "0.1", "b": "19.99", "c": "0.3", "d": "999999999.99"} {
		require.True(t, rec.Lines[id].Price.Equal(dec(want)), "ENG-5: stored price of %s = %s", id, rec.Lines[id].Price)
	}
}

// TestEngine_MalformedAnswerRetried: a platform answer for one order that is
// not JSON at all (cut short, a proxy's page) is the transport's fault, not
// the order's: the order is kept as failed with a back-off and imported
// once the platform answers well (ENG-2), never rejected under ORD-3.
func TestEngine_MalformedAnswerRetried(t *testing.T) { // ENG-2, ORD-3
	ctx := context.Background()
	e := newEnv(t, basePolicy())
	o := newOrder("303", t0.Add(time.Minute))
	e.plat.put(o)
	var v struct{ ID int64 }
	syntax := json.Unmarshal([]byte(`{"id":303,"number":"N-3`), &v)
	require.Error(t, syntax)
	e.plat.broken = map[string]error{"303": &rosync.InvalidOrderError{OrderID: "303", Err: fmt.Errorf("malformed JSON: %w", syntax)}}

	err := e.syncer.Sync(ctx, "303")
	require.Error(t, err)
	require.True(t, rosync.Retryable(err), "ENG-2: a malformed answer is transient: %v", err)
	rec := e.record(t, "303")
	require.NotEqual(t, rosync.StateRejected, rec.State, "ORD-3 applies to invalid data, not to an answer cut short")
	require.True(t, rec.Failed(), "ENG-2: kept as failed")
	require.False(t, rec.Permanent, "ENG-2: retried with back-off")
	require.False(t, rec.NextRetry.IsZero(), "ENG-2: a retry is scheduled")
	require.Empty(t, e.emu.Snapshot().Orders)

	// The platform answers well again: the poll's retry imports it.
	e.plat.mu.Lock()
	e.plat.broken = nil
	e.plat.mu.Unlock()
	e.clock.Advance(time.Hour)
	require.NoError(t, e.syncer.Poll(ctx))
	require.Equal(t, rosync.StateImported, e.record(t, "303").State, "ENG-2: imported once the answer is well-formed")
	require.Len(t, e.emu.Snapshot().Orders, 1, "ORD-1")
}

// TestEngine_ImportWindow: "the last two months" (WOO-1, CAR-1, SHO-1) is
// two calendar months back from the connection, clamped to the month's
// last day, the same time of day: connected 30 April 12:00, an order of 28
// February 12:00 is imported and one a second earlier is not. Both the
// platform query and the engine's own check use it.
func TestEngine_ImportWindow(t *testing.T) { // WOO-1, CAR-1, SHO-1
	tests := []struct {
		name      string
		connected time.Time
		start     time.Time // the first instant in the window
	}{
		{"30 April", time.Date(2026, 4, 30, 12, 0, 0, 0, time.UTC), time.Date(2026, 2, 28, 12, 0, 0, 0, time.UTC)},
		{"30 April, leap year", time.Date(2028, 4, 30, 12, 0, 0, 0, time.UTC), time.Date(2028, 2, 29, 12, 0, 0, 0, time.UTC)},
		{"31 May", time.Date(2026, 5, 31, 8, 30, 0, 0, time.UTC), time.Date(2026, 3, 31, 8, 30, 0, 0, time.UTC)},
		{"31 March", time.Date(2026, 3, 31, 23, 59, 59, 0, time.UTC), time.Date(2026, 1, 31, 23, 59, 59, 0, time.UTC)},
		{"1 January", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, basePolicy(), withNow(tt.connected), withoutConnect())
			in := newOrder("in", tt.start)
			out := newOrder("out", tt.start.Add(-time.Second))
			e.addOrder(in)
			e.addOrder(out)
			require.NoError(t, e.syncer.Connect(context.Background()))

			require.Equal(t, rosync.StateImported, e.record(t, "in").State,
				"WOO-1: an order of %s is in the window of a connection on %s", tt.start, tt.connected)
			_, err := e.store.Record(context.Background(), shopName, "out")
			require.ErrorIs(t, err, rosync.ErrNotFound, "WOO-1: the platform query starts at the window")

			// The engine's own check, for an order a webhook brings in.
			require.ErrorAs(t, e.syncer.Sync(context.Background(), "out"), new(*rosync.RejectedError))
			rec := e.record(t, "out")
			require.Equal(t, rosync.StateRejected, rec.State, "WOO-1: before the window")
			require.Equal(t, "WOO-1", rec.Rule)
		})
	}
}

// TestEngine_NotesInShopTimezone: the shop's timezone (ShopInfo.Timezone)
// dates the human line of the RO App order's manager notes; a name that
// does not load leaves it in UTC.
func TestEngine_NotesInShopTimezone(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no timezone database:", err)
	}
	for zone, loc := range map[string]*time.Location{"America/New_York": ny, "Not/AZone": time.UTC} {
		t.Run(zone, func(t *testing.T) {
			e := newEnv(t, basePolicy(), withoutConnect())
			e.plat.timezone = zone
			require.NoError(t, e.syncer.Connect(context.Background()))
			o := newOrder("301", time.Time{})
			o.CreatedAt = e.clock.Now().Add(-time.Hour).Truncate(time.Minute).UTC()
			e.addOrder(o)
			require.NoError(t, e.syncer.Sync(context.Background(), o.ID))
			bodies := strings.Join(e.bodies.get("POST /orders"), "\n")
			local := o.CreatedAt.In(loc)
			_, offset := local.Zone()
			require.NotEqual(t, loc == time.UTC, offset != 0, "the test needs an offset to tell the zones apart")
			require.Contains(t, bodies, "fake order #"+o.Number+" of "+local.Format("2006-01-02 15:04 -07:00"), "the human line of the manager notes")
			require.Contains(t, bodies, "rosync-created: "+o.CreatedAt.Format(time.RFC3339), "the machine line stays in UTC")
		})
	}
}

// TestEngine_ImportUntilConnection: the initial import reads the shop as it
// was at the connection (Query.Until = ConnectedAt), and the first poll
// reaches back to the connection even when the import saw an older order
// modified later: an order created during a long import, whose webhook was
// lost, is imported by that poll (ENG-2).
func TestEngine_ImportUntilConnection(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, basePolicy(), withoutConnect())
	t0 := e.clock.Now().UTC()
	old := newOrder("401", t0.Add(-24*time.Hour))
	old.UpdatedAt = t0.Add(40 * time.Minute) // modified while the import runs
	e.addOrder(old)
	late := e.addOrder(newOrder("402", t0.Add(10*time.Minute))) // created while the import runs
	e.plat.during = func() { e.clock.Advance(50 * time.Minute) }

	require.NoError(t, e.syncer.Connect(ctx))
	st, err := e.store.ShopState(ctx, shopName)
	require.NoError(t, err)
	require.Equal(t, st.ConnectedAt, e.plat.queries[0].Until, "ENG-2: the import stops at the connection")
	_, ok := e.emu.OrderIDByNumber(late.Number)
	require.False(t, ok, "an order created after the connection is not back-fill")
	require.False(t, st.PollCursor.After(st.ConnectedAt), "ENG-2: the first poll reaches back to the connection, cursor %v", st.PollCursor)

	require.NoError(t, e.syncer.Poll(ctx))
	e.roOrderID(t, late.Number) // ENG-2: the first poll imports it
	e.roOrderID(t, old.Number)
}
