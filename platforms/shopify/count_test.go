package shopify

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/shopify/shopifytest"
)

// TestCountOrders: the initial import's count is ordersCount with the
// search query Orders uses, uncapped (limit: null), and equals what the
// bulk import yields; the fake validates the query against the schema.
func TestCountOrders(t *testing.T) {
	e := newEnv(t, shopifytest.Options{}, nil)
	base := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	for i := 1; i <= 5; i++ {
		require.NoError(t, e.srv.AddOrder(node(t, 1000+i, base.Add(time.Duration(i)*time.Hour).Format(time.RFC3339), nil)))
	}
	require.NoError(t, e.srv.AddOrder(node(t, 1000, "2026-09-01T00:00:00Z", nil))) // before the window

	q := rosync.Query{CreatedSince: base}
	n, err := e.p.CountOrders(context.Background(), q)
	require.NoError(t, err)
	require.Equal(t, 5, n)
	reqs := e.srv.Requests()
	require.Len(t, reqs, 1)
	require.Equal(t, []string{"ordersCount"}, reqs[0].Fields)
	require.Equal(t, "created_at:>='2026-10-01T00:00:00Z'", reqs[0].Variables["query"])
	require.Equal(t, ordersCountCost, reqs[0].RequestedCost, "the adapter's cost estimate matches the fake's computation")

	orders, errs := collect(t, e.p, q)
	require.Empty(t, errs)
	require.Len(t, orders, n, "the count is what Orders yields")
}

// TestOrdersCountLimit: the fake caps a count at the documented default
// limit of 10000 with precision AT_LEAST unless limit: null is given, as
// Shopify does since 2025-07.
func TestOrdersCountLimit(t *testing.T) {
	e := newEnv(t, shopifytest.Options{}, nil)
	for i := 1; i <= 3; i++ {
		require.NoError(t, e.srv.AddOrder(node(t, i, "2026-10-01T00:00:00Z", nil)))
	}
	for _, tc := range []struct{ query, want string }{
		{`{ ordersCount { count precision } }`, `{"ordersCount":{"count":3,"precision":"EXACT"}}`},
		{`{ ordersCount(limit: 2) { count precision } }`, `{"ordersCount":{"count":2,"precision":"AT_LEAST"}}`},
		{`{ ordersCount(limit: null) { count precision } }`, `{"ordersCount":{"count":3,"precision":"EXACT"}}`},
	} {
		raw, err := e.p.c.queryRaw(context.Background(), tc.query)
		require.NoError(t, err, tc.query)
		require.JSONEq(t, tc.want, string(raw), tc.query)
	}
}
