package roapp_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp"
	"github.com/rosync/rosync/roapp/roapptest"
)

// handSlots is a SlotSource the test drives: each Slots call blocks until
// the test releases one slot (already due) or an error.
type handSlots struct {
	release chan error
	mu      sync.Mutex
	calls   int
}

func newHandSlots() *handSlots { return &handSlots{release: make(chan error)} }

func (h *handSlots) Slots(ctx context.Context, n int) ([]time.Time, error) {
	h.mu.Lock()
	h.calls++
	h.mu.Unlock()
	select {
	case err := <-h.release:
		if err != nil {
			return nil, err
		}
		return []time.Time{{}}, nil // the zero time: due at once
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// waitFor polls cond until it holds; the deadline only bounds a broken
// test, nothing is timed.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// enqueue starts a Wait of the given class and waits until it is queued,
// so that the queue order is the call order.
func enqueue(t *testing.T, l *roapp.PriorityLimiter, ctx context.Context, p rosync.Priority, name string, got chan<- string) {
	t.Helper()
	live0, back0 := l.Waiting()
	go func() {
		if err := l.Wait(rosync.WithPriority(ctx, p)); err != nil {
			got <- name + ": " + err.Error()
			return
		}
		got <- name
	}()
	waitFor(t, name+" queued", func() bool { live, back := l.Waiting(); return live+back == live0+back0+1 })
}

// TestPriorityLimiterLiveFirst checks ENG-3's priority: slots go to waiting
// live requests before waiting back-fill ones, first come first served
// within a class, whatever the arrival order.
func TestPriorityLimiterLiveFirst(t *testing.T) {
	src := newHandSlots()
	l := roapp.NewPriorityLimiter(src)
	got := make(chan string, 8)
	ctx := t.Context()
	enqueue(t, l, ctx, rosync.PriorityBackfill, "b1", got)
	enqueue(t, l, ctx, rosync.PriorityBackfill, "b2", got)
	enqueue(t, l, ctx, rosync.PriorityLive, "l1", got)
	enqueue(t, l, ctx, rosync.PriorityBackfill, "b3", got)
	enqueue(t, l, ctx, rosync.PriorityLive, "l2", got)
	var order []string
	for range 5 {
		src.release <- nil
		order = append(order, <-got)
	}
	// ENG-3: live before back-fill; FIFO within each class.
	require.Equal(t, []string{"l1", "l2", "b1", "b2", "b3"}, order)
	// A live request arriving while back-fill waits is served next.
	enqueue(t, l, ctx, rosync.PriorityBackfill, "b4", got)
	enqueue(t, l, ctx, rosync.PriorityLive, "l3", got)
	src.release <- nil
	require.Equal(t, "l3", <-got, "ENG-3: the live request overtakes the waiting back-fill")
	src.release <- nil
	require.Equal(t, "b4", <-got)
	// Unclassified work counts as live (rosync.PriorityOf's default).
	require.Equal(t, rosync.PriorityLive, rosync.PriorityOf(context.Background()))
}

// TestPriorityLimiterCancel checks that a request whose context ends leaves
// the queue with the context's error, and that the slot it would have had
// goes to the next one.
func TestPriorityLimiterCancel(t *testing.T) {
	src := newHandSlots()
	l := roapp.NewPriorityLimiter(src)
	got := make(chan string, 8)
	cctx, cancel := context.WithCancel(t.Context())
	enqueue(t, l, cctx, rosync.PriorityLive, "gone", got)
	enqueue(t, l, t.Context(), rosync.PriorityBackfill, "b1", got)
	cancel()
	require.Equal(t, "gone: "+context.Canceled.Error(), <-got)
	live, back := l.Waiting()
	require.Equal(t, [2]int{0, 1}, [2]int{live, back}, "the cancelled request left the queue")
	src.release <- nil
	require.Equal(t, "b1", <-got)
	// A context already ended never queues.
	require.ErrorIs(t, l.Wait(cctx), context.Canceled)
}

// TestPriorityLimiterSourceError checks that a broken slot source fails
// the waiting requests (they were not sent: safe to retry) and that the
// limiter serves again once the source does.
func TestPriorityLimiterSourceError(t *testing.T) {
	src := newHandSlots()
	l := roapp.NewPriorityLimiter(src)
	got := make(chan string, 8)
	broken := errors.New("database down")
	enqueue(t, l, t.Context(), rosync.PriorityLive, "a", got)
	enqueue(t, l, t.Context(), rosync.PriorityBackfill, "b", got)
	src.release <- broken
	require.ElementsMatch(t, []string{"a: roapp: rate limiter: database down", "b: roapp: rate limiter: database down"},
		[]string{<-got, <-got})
	enqueue(t, l, t.Context(), rosync.PriorityBackfill, "c", got)
	src.release <- nil
	require.Equal(t, "c", <-got)
}

// TestClientServesLiveFirst checks the priority end to end through the
// client: of a back-fill request and a live one both held by the limiter,
// the live one reaches RO App first (ENG-3), and the request's context
// carries its class to the limiter through retryablehttp.
func TestClientServesLiveFirst(t *testing.T) {
	src := newHandSlots()
	l := roapp.NewPriorityLimiter(src)
	var mu sync.Mutex
	var seen []string
	emu := roapptest.New(baseSeed(), nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.Path)
		mu.Unlock()
		emu.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	c := roapp.New(testKey, &roapp.Options{BaseURL: srv.URL, Limiter: l})
	done := make(chan error, 2)
	go func() {
		_, err := c.Statuses(rosync.WithPriority(t.Context(), rosync.PriorityBackfill))
		done <- err
	}()
	waitFor(t, "back-fill queued", func() bool { _, b := l.Waiting(); return b == 1 })
	go func() {
		_, err := c.Company(t.Context()) // unclassified: live
		done <- err
	}()
	waitFor(t, "live queued", func() bool { lv, _ := l.Waiting(); return lv == 1 })
	src.release <- nil
	require.NoError(t, <-done) // one slot: one request done, before the next slot
	src.release <- nil
	require.NoError(t, <-done)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seen, 2)
	require.Contains(t, seen[0], "company", "ENG-3: the live request was sent first: %v", seen)
	require.Contains(t, seen[1], "statuses")
}

// BenchmarkPriorityLimiter measures the limiter's own cost per request
// (queue, hand-over to the waiting goroutine) with slots always due, from
// 16 goroutines at once, as the engine's workers call it.
func BenchmarkPriorityLimiter(b *testing.B) {
	l := roapp.NewRateLimiter(1e12, 1)
	ctx := rosync.WithPriority(context.Background(), rosync.PriorityBackfill)
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := l.Wait(ctx); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
