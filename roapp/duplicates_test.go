package roapp_test

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp/roapptest"
)

// TestFindOrders: every order carrying a reference among one client's
// orders created since a time, listed with the documented filters only
// (clients_ids[], created_at[]: list-orders), by id; another client's
// order, an order created before the window and an order of another
// reference are left out (ENG-1: the duplicate check's listing).
func TestFindOrders(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	now := t0
	var queries []url.Values
	_, c := newEmulator(t, baseSeed(), &roapptest.Options{
		Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now },
		Intercept: func(endpoint string, _ http.ResponseWriter, r *http.Request) bool {
			if endpoint == "GET /orders" {
				mu.Lock()
				queries = append(queries, r.URL.Query())
				mu.Unlock()
			}
			return false
		},
	}, nil)
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	r, other := ref("1001"), ref("1002")
	create := func(client int64, ref rosync.ExternalRef) int64 {
		t.Helper()
		id, err := c.CreateOrder(ctx, rosync.NewOrder{BranchID: 1, OrderTypeID: 1, ClientID: client, Ref: ref})
		require.NoError(t, err)
		return id
	}
	old := create(10, r) // before the window (less FindOrderSkew)
	advance(time.Hour)
	since := now
	first := create(10, r)
	create(11, r) // another client
	create(10, other)
	advance(time.Minute)
	second := create(10, r) // the duplicate

	got, err := c.FindOrders(ctx, rosync.OrderLookup{Ref: r, ClientID: 10, Since: since})
	require.NoError(t, err)
	var ids []int64
	for _, o := range got {
		require.True(t, o.HasRef)
		require.Equal(t, r.Key(), o.Ref.Key())
		require.Equal(t, int64(10), o.ClientID)
		ids = append(ids, o.ID)
	}
	require.Equal(t, []int64{first, second}, ids, "ENG-1: both orders carrying the reference, by id")
	require.NotContains(t, ids, old)
	require.Len(t, queries, 1)
	for k := range queries[0] {
		require.Contains(t, []string{"clients_ids[]", "created_at[]", "page"}, k, "an undocumented filter")
	}

	none, err := c.FindOrders(ctx, rosync.OrderLookup{Ref: ref("404"), ClientID: 10, Since: since})
	require.NoError(t, err)
	require.NotNil(t, none)
	require.Empty(t, none)
}

// TestClientNow: RO App's clock is read from the Date header of its
// answers (rosync.ROClock), whatever the host's clock says; before any
// answer the client reads one.
func TestClientNow(t *testing.T) {
	roTime := t0.Add(-30 * time.Minute) // RO App 30 minutes behind the host
	_, c := newEmulator(t, baseSeed(), &roapptest.Options{Now: func() time.Time { return roTime }}, nil)
	got, err := c.Now(context.Background())
	require.NoError(t, err)
	require.False(t, got.Before(roTime), "Now %v before RO App's time %v", got, roTime)
	require.Less(t, got.Sub(roTime), time.Minute, "Now %v far from RO App's time %v", got, roTime)
}
