package storagetest

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
)

// liveness bounds how long the suite waits for something that must happen
// (a lock granted after its holder let go). It is a guard against a hung
// test, not a timing assertion: a correct Store meets it by orders of
// magnitude even on a loaded machine.
const liveness = time.Minute

// blockedFor is how long the suite lets a Lock call wait on a held key
// before its context ends. Any value shows the call blocks, since the key
// stays held throughout.
const blockedFor = 20 * time.Millisecond

// lockResult is what a Lock call in a goroutine returns.
type lockResult struct {
	unlock func()
	err    error
}

// lockAsync calls s.Lock in a goroutine and delivers the result on the
// returned channel.
func lockAsync(ctx context.Context, s rosync.Store, key string) <-chan lockResult {
	ch := make(chan lockResult, 1)
	go func() {
		u, err := s.Lock(ctx, key)
		ch <- lockResult{u, err}
	}()
	return ch
}

// await returns the result of a Lock call that must complete.
func await(t *testing.T, ch <-chan lockResult, what string) lockResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(liveness):
		t.Fatalf("%s: Lock did not return within %s", what, liveness)
		return lockResult{}
	}
}

// requireBlocked shows that key is held: a Lock call on it waits until its
// context ends and returns the context's error.
func requireBlocked(t *testing.T, s rosync.Store, key string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), blockedFor)
	defer cancel()
	unlock, err := s.Lock(ctx, key)
	if err == nil {
		unlock()
		t.Fatalf("Lock(%q) was granted while another holder has it", key)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Lock(%q) with an expiring context: error = %v, want one wrapping context.DeadlineExceeded", key, err)
	}
}

func testLockExclusive(t *testing.T, s rosync.Store) {
	ctx := t.Context()
	const key = "order/shop-a/1001"
	unlock, err := s.Lock(ctx, key)
	require.NoError(t, err)

	// ENG-1: the per-order lock is what keeps two deliveries of one order
	// (a webhook retry, a poll overlapping a webhook) from creating two RO
	// App orders: while the first holds it, the second waits.
	second := lockAsync(ctx, s, key)
	requireBlocked(t, s, key)
	select {
	case r := <-second:
		if r.err == nil {
			r.unlock()
		}
		t.Fatalf("a second Lock on a held key returned (err = %v) before the holder unlocked", r.err)
	default:
	}

	// A context that is already done fails at once on a held key.
	done, cancel := context.WithCancel(ctx)
	cancel()
	if u, err := s.Lock(done, key); err == nil {
		u()
		t.Fatal("Lock with a canceled context was granted on a held key")
	} else if !errors.Is(err, context.Canceled) {
		t.Fatalf("Lock with a canceled context: error = %v, want one wrapping context.Canceled", err)
	}

	// Unlocking hands the key to the waiter, which then holds it alone.
	unlock()
	r := await(t, second, "the waiting Lock after unlock")
	require.NoError(t, r.err)
	requireBlocked(t, s, key)
	r.unlock()

	unlock, err = s.Lock(ctx, key)
	require.NoError(t, err)
	unlock()
}

func testLockCanceled(t *testing.T, s rosync.Store) {
	ctx := t.Context()
	const key = "order/shop-a/1002"
	unlock, err := s.Lock(ctx, key)
	require.NoError(t, err)

	// Waiters whose context ends give up with its error and leave no trace;
	// the others get the key in turn.
	const waiters = 8
	var results []<-chan lockResult
	for i := range waiters {
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		results = append(results, lockAsync(wctx, s, key))
		if i%2 == 0 {
			cancel()
		}
	}
	for i := 0; i < waiters; i += 2 {
		r := await(t, results[i], "a canceled waiter")
		if r.err == nil {
			r.unlock()
			t.Fatalf("canceled waiter %d was granted the lock while it is held", i)
		}
		if !errors.Is(r.err, context.Canceled) {
			t.Errorf("canceled waiter %d: error = %v, want one wrapping context.Canceled", i, r.err)
		}
	}
	// The others are granted the key one after the other, in any order;
	// each lets go as soon as it has it.
	granted := make(chan lockResult, waiters)
	for i := 1; i < waiters; i += 2 {
		go func() {
			r := <-results[i]
			if r.err == nil {
				r.unlock()
			}
			granted <- r
		}()
	}
	unlock()
	for range waiters / 2 {
		r := await(t, granted, "a waiter after unlock")
		require.NoError(t, r.err, "a waiter after unlock")
	}

	unlock, err = s.Lock(ctx, key)
	require.NoError(t, err)
	unlock()
}

func testLockKeysIndependent(t *testing.T, s rosync.Store) {
	ctx := t.Context()
	unlockA, err := s.Lock(ctx, "order/shop-a/1001")
	require.NoError(t, err)

	// Holding one key does not hold another, nor the same key of another
	// shop, nor a prefix of it.
	var unlocks []func()
	for _, key := range []string{"order/shop-b/1001", "order/shop-a/1002", "order/shop-a/100", "contact/phone/+380501112233"} {
		r := await(t, lockAsync(ctx, s, key), "Lock("+key+") while another key is held")
		require.NoError(t, r.err, "Lock("+key+")")
		unlocks = append(unlocks, r.unlock)
	}
	requireBlocked(t, s, "order/shop-a/1001")
	unlockA()
	for _, u := range unlocks {
		u()
	}
}

func testLockRelock(t *testing.T, s rosync.Store) {
	ctx := t.Context()
	for i := range 100 {
		key := "order/shop-a/" + strconv.Itoa(i%3)
		r := await(t, lockAsync(ctx, s, key), fmt.Sprintf("relock %d", i))
		require.NoError(t, r.err)
		r.unlock()
	}
}

func testLockCounter(t *testing.T, s rosync.Store) {
	ctx := t.Context()
	const (
		workers = 16
		rounds  = 40
		key     = "counter"
	)
	var (
		wg      sync.WaitGroup
		counter int // guarded by the Store's lock alone; -race checks it
		inside  atomic.Int32
		overlap atomic.Int32
	)
	for range workers {
		wg.Go(func() {
			for range rounds {
				unlock, err := s.Lock(ctx, key)
				if err != nil {
					t.Errorf("Lock: %v", err)
					return
				}
				if inside.Add(1) > 1 {
					overlap.Add(1)
				}
				v := counter
				runtime.Gosched()
				counter = v + 1
				inside.Add(-1)
				unlock()
			}
		})
	}
	wg.Wait()
	if n := overlap.Load(); n > 0 {
		t.Errorf("%d times two goroutines held the lock together", n)
	}
	if counter != workers*rounds {
		t.Errorf("counter = %d, want %d", counter, workers*rounds)
	}
}

func testConcurrentRecords(t *testing.T, s rosync.Store) {
	ctx := t.Context()
	const (
		writers   = 8
		perWriter = 25
		hotReads  = 50
		hot       = "hot"
	)
	setHot := func(r *rosync.Record, n int) {
		r.Attempts, r.Number = n, strconv.Itoa(n)
		r.Lines = map[string]rosync.LineLink{"n": {Quantity: int64(n)}}
	}
	first := SampleRecord("shop-a", hot)
	setHot(&first, 0)
	require.NoError(t, s.PutRecord(ctx, &first))

	var (
		wg        sync.WaitGroup
		conflicts atomic.Int64
	)
	for w := range writers {
		// Each writer has its own orders and also increments the hot one,
		// read-modify-write with the version read, again on a conflict:
		// no increment may be lost (PutRecord is a compare-and-swap).
		wg.Go(func() {
			for i := range perWriter {
				want := SampleRecord("shop-a", fmt.Sprintf("w%02d-%03d", w, i))
				want.Attempts = i
				if err := s.PutRecord(ctx, &want); err != nil {
					t.Errorf("PutRecord: %v", err)
					return
				}
				got, err := s.Record(ctx, want.Shop, want.OrderID)
				if err != nil {
					t.Errorf("Record: %v", err)
					return
				}
				if d := diff(want, got); d != "" {
					t.Errorf("Record(%s) after PutRecord (-want +got):\n%s", want.OrderID, d)
					return
				}
				for {
					r, err := s.Record(ctx, "shop-a", hot)
					if err != nil {
						t.Errorf("Record(hot): %v", err)
						return
					}
					setHot(&r, r.Attempts+1)
					err = s.PutRecord(ctx, &r)
					if errors.Is(err, rosync.ErrConflict) {
						conflicts.Add(1)
						continue
					}
					if err != nil {
						t.Errorf("PutRecord(hot): %v", err)
						return
					}
					break
				}
			}
		})
		// Readers of the hot record never see a torn one.
		wg.Go(func() {
			for range hotReads {
				got, err := s.Record(ctx, "shop-a", hot)
				if err != nil {
					t.Errorf("Record(hot): %v", err)
					return
				}
				if got.Number != strconv.Itoa(got.Attempts) || got.Lines["n"].Quantity != int64(got.Attempts) ||
					got.Version != int64(got.Attempts)+1 {
					t.Errorf("Record(hot) is torn: Number %q, Attempts %d, Lines %v, Version %d",
						got.Number, got.Attempts, got.Lines, got.Version)
					return
				}
			}
		})
	}
	wg.Wait()

	all, err := s.Records(ctx, "shop-a", rosync.RecordFilter{})
	require.NoError(t, err)
	if len(all) != writers*perWriter+1 {
		t.Errorf("Records after concurrent writes: %d, want %d", len(all), writers*perWriter+1)
	}
	got, err := s.Record(ctx, "shop-a", hot)
	require.NoError(t, err)
	if want := writers * perWriter; got.Attempts != want || got.Version != int64(want)+1 {
		t.Errorf("hot record after %d compare-and-swap increments (%d conflicts retried): Attempts %d, Version %d; want %d, %d",
			want, conflicts.Load(), got.Attempts, got.Version, want, want+1)
	}
}

// testLockFenced checks a Store with the rosync.FencedLocker capability
// (skipped for others): a fenced lock is the same lock as Lock's, its
// context stays live and Check passes while it is held, and Unlock frees
// the key and ends the context.
func testLockFenced(t *testing.T, s rosync.Store) {
	fl, ok := s.(rosync.FencedLocker)
	if !ok {
		t.Skip("the Store has no FencedLocker capability")
	}
	ctx := t.Context()
	const key = "order/shop-a/1003"
	hl, err := fl.LockFenced(ctx, key)
	require.NoError(t, err)
	requireBlocked(t, s, key)
	if err := hl.Context().Err(); err != nil {
		t.Fatalf("the context of a held lock is done: %v", err)
	}
	require.NoError(t, hl.Check(ctx), "Check of a held lock")
	type ctxKey struct{}
	vctx := context.WithValue(ctx, ctxKey{}, "v")
	other, err := fl.LockFenced(vctx, "order/shop-a/1004")
	require.NoError(t, err)
	if other.Context().Value(ctxKey{}) != "v" {
		t.Error("the lock's context does not carry the values of the context given to LockFenced")
	}
	other.Unlock()

	// A plain Lock waiting on the key gets it on Unlock.
	second := lockAsync(ctx, s, key)
	hl.Unlock()
	hl.Unlock() // a second call does nothing
	r := await(t, second, "the waiting Lock after a fenced lock's Unlock")
	require.NoError(t, r.err)
	if hl.Context().Err() == nil {
		t.Error("the context of an unlocked lock is not done")
	}
	if err := hl.Check(ctx); err == nil {
		t.Error("Check of an unlocked lock returned nil")
	}
	// And a fenced lock waits for a plain one.
	wctx, cancel := context.WithTimeout(ctx, blockedFor)
	defer cancel()
	if h, err := fl.LockFenced(wctx, key); err == nil {
		h.Unlock()
		t.Fatal("LockFenced was granted on a key that Lock holds")
	} else if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("LockFenced with an expiring context: error = %v, want context.DeadlineExceeded", err)
	}
	r.unlock()
}
