package woocommerce

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rosync/rosync"
)

// TestCountOrders: the count of the initial import's query is the fake's
// X-WP-Total, as WooCommerce sends it: the orders of the window, the trash
// included (Orders reads it too), and equals what Orders yields.
func TestCountOrders(t *testing.T) {
	s := newShop(t, nil)
	for id := 1; id <= 10; id++ {
		o := testOrder(id) // created 10:01 .. 10:10 UTC
		if id == 9 {
			o = set(o, "status", "trash")
		}
		s.addOrder(t, o)
	}
	ctx := context.Background()
	q := rosync.Query{CreatedSince: time.Date(2026, 11, 1, 10, 3, 0, 0, time.UTC)}
	n, err := s.p.CountOrders(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	orders, errs := collect(t, s.p, q)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if n != 8 || len(orders) != n {
		t.Errorf("count %d, Orders yields %d, want 8 and 8 (orders 3..10, the trashed 9 included)", n, len(orders))
	}
	// A poll's query counts without the trash, as Orders reads it.
	poll := rosync.Query{UpdatedSince: time.Date(2026, 11, 1, 10, 9, 0, 0, time.UTC)}
	n, err = s.p.CountOrders(ctx, poll)
	orders, _ = collect(t, s.p, poll)
	if err != nil || n != 2 || len(orders) != n {
		t.Errorf("poll count = %d (%v), Orders yields %d; want 2 (orders 8 and 10, modified 10:09 and 10:11; 9 is trashed)", n, err, len(orders))
	}
}

// TestCountOrdersNoHeader: an answer without X-WP-Total is an error (the
// total is then unknown), never a made-up count.
func TestCountOrdersNoHeader(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`[]`))
	}))
	t.Cleanup(srv.Close)
	p, err := New(srv.URL, Credentials{Key: testKey, Secret: testSecret}, &Options{HTTPClient: srv.Client(), RetryMax: -1})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := p.CountOrders(context.Background(), rosync.Query{UpdatedSince: testNow}); err == nil {
		t.Errorf("count = %d without X-WP-Total, want an error", n)
	}
}
