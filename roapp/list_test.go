package roapp_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync/roapp"
)

// pagedContacts serves n contacts (ids 1..n) 50 a page, each answer after
// delay, and records how many requests were in flight at most; failPage,
// when not 0, answers 400 for that page.
type pagedContacts struct {
	n, failPage int
	delay       time.Duration
	inFlight    atomic.Int32
	maxInFlight atomic.Int32
	mu          sync.Mutex
	pages       []int
}

func (p *pagedContacts) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cur := p.inFlight.Add(1)
	defer p.inFlight.Add(-1)
	for {
		m := p.maxInFlight.Load()
		if cur <= m || p.maxInFlight.CompareAndSwap(m, cur) {
			break
		}
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	p.mu.Lock()
	p.pages = append(p.pages, page)
	p.mu.Unlock()
	time.Sleep(p.delay)
	if page == p.failPage {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"message":"no such page"}`)
		return
	}
	total := (p.n + 49) / 50
	fmt.Fprint(w, `{"data":[`)
	for id := (page-1)*50 + 1; id <= min(page*50, p.n); id++ {
		if id > (page-1)*50+1 {
			fmt.Fprint(w, ",")
		}
		fmt.Fprintf(w, `{"id":%d,"first_name":"C%d","phone":["+38050%07d"]}`, id, id, id)
	}
	fmt.Fprintf(w, `],"paging":{"page":%d,"total_pages":%d,"count":%d,"limit":50}}`, page, total, p.n)
}

func listClient(t *testing.T, h http.Handler, ahead int) *roapp.Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	o := fastOptions(srv.URL)
	o.ListReadAhead = ahead
	o.RetryMax = -1
	return roapp.New(testKey, o)
}

// Lists read pages ahead (ListReadAhead at once, never more) and still
// yield every item once, in page order.
func TestList_ReadAhead(t *testing.T) {
	for _, ahead := range []int{1, 3} {
		t.Run(fmt.Sprint("ahead=", ahead), func(t *testing.T) {
			srv := &pagedContacts{n: 523, delay: 5 * time.Millisecond}
			c := listClient(t, srv, ahead)
			var ids []int64
			for ct, err := range c.ListContacts(context.Background(), time.Time{}, "UA") {
				require.NoError(t, err)
				ids = append(ids, ct.ID)
			}
			require.Len(t, ids, 523)
			for i, id := range ids {
				require.EqualValues(t, i+1, id, "items out of order")
			}
			require.Len(t, srv.pages, 11, "each page read once")
			require.LessOrEqual(t, int(srv.maxInFlight.Load()), ahead)
			if ahead > 1 {
				require.Greater(t, int(srv.maxInFlight.Load()), 1, "no page was read ahead")
			}
		})
	}
}

// A failing page ends the list with its error after the items before it;
// a consumer that stops early stops the reading ahead.
func TestList_ReadAheadErrorAndEarlyStop(t *testing.T) {
	srv := &pagedContacts{n: 400, failPage: 4}
	c := listClient(t, srv, 4)
	var n int
	var last error
	for _, err := range c.ListContacts(context.Background(), time.Time{}, "UA") {
		if err != nil {
			last = err
			break
		}
		n++
	}
	require.Error(t, last)
	require.Equal(t, 150, n, "the items of pages 1-3 come before page 4's error")

	srv2 := &pagedContacts{n: 1000, delay: 5 * time.Millisecond}
	c2 := listClient(t, srv2, 4)
	seen := 0
	for range c2.ListContacts(context.Background(), time.Time{}, "UA") {
		seen++
		if seen == 60 { // within page 2, with pages 3-6 in flight
			break
		}
	}
	// Stopping cancels the pages in flight and starts no other: page 1,
	// the four read ahead, and the one started when page 2 was taken.
	srv2.mu.Lock()
	defer srv2.mu.Unlock()
	require.LessOrEqual(t, len(srv2.pages), 6)
}
