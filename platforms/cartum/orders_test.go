package cartum_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/cartum"
)

func collect(t *testing.T, p *cartum.Platform, q rosync.Query) (ids []string, errs []error) {
	t.Helper()
	for o, err := range p.Orders(context.Background(), q) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, o.ID)
	}
	return ids, errs
}

func pageParams(t *testing.T, e *env) [][2]int {
	t.Helper()
	var out [][2]int
	for _, r := range e.srv.Requests() {
		if r.Function != "orders/get" {
			continue
		}
		var off, lim int
		require.NoError(t, json.Unmarshal(r.Body["offset"], &off))
		require.NoError(t, json.Unmarshal(r.Body["limit"], &lim))
		out = append(out, [2]int{off, lim})
	}
	return out
}

func TestOrders_Pagination(t *testing.T) {
	for _, n := range []int{7, 9} { // a short last page; a full last page then an empty one
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			e := setup(t, func(o *cartum.Options) { o.PageSize = 3 })
			var want []string
			for i := 1; i <= n; i++ {
				e.addOrders(t, orderJSON(100+i, 1, fmt.Sprintf("2026-11-%02d 10:00:00", i)))
				want = append(want, fmt.Sprint(100+i))
			}
			ids, errs := collect(t, e.p, rosync.Query{})
			require.Empty(t, errs)
			require.Equal(t, want, ids)
			wantPages := [][2]int{{0, 3}, {3, 3}, {6, 3}}
			if n == 9 {
				wantPages = append(wantPages, [2]int{9, 3})
			}
			require.Equal(t, wantPages, pageParams(t, e))
		})
	}
}

func TestOrders_DefaultPageSize500(t *testing.T) {
	e := setup(t, func(o *cartum.Options) { o.PageSize = 10000 })
	for i := 1; i <= 501; i++ {
		e.addOrders(t, orderJSON(i, 1, "2026-11-20 10:00:00"))
	}
	ids, errs := collect(t, e.p, rosync.Query{})
	require.Empty(t, errs)
	require.Len(t, ids, 501)
	require.Equal(t, [][2]int{{0, 500}, {500, 500}}, pageParams(t, e))
}

func TestOrders_StopsWhenConsumerStops(t *testing.T) {
	e := setup(t, func(o *cartum.Options) { o.PageSize = 2 })
	for i := 1; i <= 5; i++ {
		e.addOrders(t, orderJSON(i, 1, "2026-11-20 10:00:00"))
	}
	for range e.p.Orders(context.Background(), rosync.Query{}) {
		break
	}
	require.Equal(t, 1, e.srv.Calls()["orders/get"])
}

// TestOrders_BadOrderDoesNotStopTheStream: one undecodable order is an
// *rosync.InvalidOrderError and the others still come.
func TestOrders_BadOrderDoesNotStopTheStream(t *testing.T) {
	e := setup(t, func(o *cartum.Options) { o.PageSize = 2 })
	e.addOrders(t,
		orderJSON(1, 1, "2026-11-20 10:00:00"),
		`{"order_id": 2, "stat_status": 1, "stat_created": "2026-11-20 11:00:00", "products": [{"article": "A", "title": "A", "quantity": "two", "price": 1}]}`,
		orderJSON(3, 1, "2026-11-20 12:00:00"),
	)
	ids, errs := collect(t, e.p, rosync.Query{})
	require.Equal(t, []string{"1", "3"}, ids)
	require.Len(t, errs, 1)
	var inv *rosync.InvalidOrderError
	require.True(t, errors.As(errs[0], &inv))
	require.Equal(t, "2", inv.OrderID)
	require.Equal(t, "products[0].quantity", inv.Field)
}

// TestOrders_WindowInShopTime: the import window is sent and applied in the
// shop's local time (CAR-1): an order at 01:00 Kyiv time on Sept 28 is
// 22:00 UTC on Sept 27, before a window that starts at 22:30 UTC.
func TestOrders_WindowInShopTime(t *testing.T) {
	e := setup(t, nil)
	e.addOrders(t,
		orderJSON(1, 1, "2026-09-28 01:00:00"), // 2026-09-27T22:00Z: before
		orderJSON(2, 1, "2026-09-28 02:00:00"), // 2026-09-27T23:00Z: inside
		orderJSON(3, 1, "2026-11-28 00:10:00"), // 2026-11-27T22:10Z
	)
	start := time.Date(2026, 9, 27, 22, 30, 0, 0, time.UTC)
	ids, errs := collect(t, e.p, rosync.Query{CreatedSince: start})
	require.Empty(t, errs)
	require.Equal(t, []string{"2", "3"}, ids) // CAR-1: window in shop time
	var from string
	require.NoError(t, json.Unmarshal(e.srv.Requests()[len(e.srv.Requests())-1].Body["from"], &from))
	require.Equal(t, "2026-09-28 01:29:59", from)

	ids, _ = collect(t, e.p, rosync.Query{CreatedSince: start, Until: time.Date(2026, 11, 27, 22, 0, 0, 0, time.UTC)})
	require.Equal(t, []string{"2"}, ids)
}

// TestOrders_PollLooksBack: orders/get filters on creation only, so a poll
// reads the orders created in the look-back before UpdatedSince.
func TestOrders_PollLooksBack(t *testing.T) {
	since := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		lookBack time.Duration
		from     string
	}{
		{"default two months", 0, "2026-09-27 14:59:59"}, // 12:00 UTC is 15:00 EEST
		{"a week", 7 * 24 * time.Hour, "2026-11-20 13:59:59"},
		{"none", -1, "2026-11-27 13:59:59"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := setup(t, func(o *cartum.Options) { o.PollLookBack = tc.lookBack })
			collect(t, e.p, rosync.Query{UpdatedSince: since})
			reqs := e.srv.Requests()
			var from string
			require.NoError(t, json.Unmarshal(reqs[len(reqs)-1].Body["from"], &from))
			require.Equal(t, tc.from, from)
			require.NotContains(t, reqs[len(reqs)-1].Body, "to")
		})
	}
}
