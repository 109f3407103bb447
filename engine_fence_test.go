package rosync_test

// Fenced replicas (issue 12): a replica whose order lock is lost stops, and
// its stale writes never overwrite the record of the replica that took the
// order over (Store.PutRecord is a compare-and-swap, FencedLocker).

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
)

// heldCreate is an ROClient whose first CreateOrder is executed by RO App
// and then held in flight (the answer not read yet) until release is
// closed or the caller's context ends, as a slow answer is.
type heldCreate struct {
	rosync.ROClient
	once     sync.Once
	inFlight chan struct{} // closed once the held create was executed
	release  chan struct{}
}

func newHeldCreate(ro rosync.ROClient) *heldCreate {
	return &heldCreate{ROClient: ro, inFlight: make(chan struct{}), release: make(chan struct{})}
}

func (h *heldCreate) CreateOrder(ctx context.Context, o rosync.NewOrder) (int64, error) {
	id, err := h.ROClient.CreateOrder(ctx, o)
	held := false
	h.once.Do(func() { held = true })
	if !held || err != nil {
		return id, err
	}
	close(h.inFlight)
	select {
	case <-h.release:
		return id, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// lostLockStore is a replica's view of a shared Store whose order locks
// were lost without the replica knowing: Lock takes nothing.
type lostLockStore struct{ rosync.Store }

func (lostLockStore) Lock(context.Context, string) (func(), error) { return func() {}, nil }

// fencedStore gives a shared Store's locks the FencedLocker capability, with
// loss under the test's control: lose ends every held lock (the Store
// learns it, as a dead lock connection is learned), and checkFails makes
// every Check find its lock lost (a loss only the server knows yet).
type fencedStore struct {
	rosync.Store
	mu         sync.Mutex
	held       []*fakeHeld
	checkFails bool
}

type fakeHeld struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	unlock func()
	once   sync.Once
	s      *fencedStore
}

func (f *fencedStore) LockFenced(ctx context.Context, key string) (rosync.HeldLock, error) {
	unlock, err := f.Store.Lock(ctx, key)
	if err != nil {
		return nil, err
	}
	h := &fakeHeld{unlock: unlock, s: f}
	h.ctx, h.cancel = context.WithCancelCause(ctx)
	f.mu.Lock()
	f.held = append(f.held, h)
	f.mu.Unlock()
	return h, nil
}

// lose ends every held lock: contexts cancelled with ErrLockLost and the
// keys free for others, as the server frees a dead session's locks.
func (f *fencedStore) lose() {
	f.mu.Lock()
	held := f.held
	f.held = nil
	f.mu.Unlock()
	for _, h := range held {
		h.cancel(rosync.ErrLockLost)
		h.once.Do(h.unlock)
	}
}

func (h *fakeHeld) Context() context.Context { return h.ctx }

func (h *fakeHeld) Check(context.Context) error {
	h.s.mu.Lock()
	fails := h.s.checkFails
	h.s.mu.Unlock()
	if fails {
		h.cancel(rosync.ErrLockLost)
	}
	if err := context.Cause(h.ctx); errors.Is(err, rosync.ErrLockLost) {
		return err
	}
	return nil
}

func (h *fakeHeld) Unlock() {
	h.cancel(context.Canceled)
	h.once.Do(h.unlock)
}

// replica returns a second Syncer of the env's shop (another process) on
// store and ro.
func (e *env) replica(t *testing.T, store rosync.Store, ro rosync.ROClient) *rosync.Syncer {
	t.Helper()
	s, err := rosync.New(e.plat, ro, store, &rosync.Options{
		Shop: shopName, Settings: e.settings, Now: e.clock.Now, InlineRetries: -1, Replica: "stale",
	})
	require.NoError(t, err)
	return s
}

// requireFencedOrder checks ENG-1 after the replicas are done: one RO App
// order for the platform order, with its line once, and the record imported
// without an error.
func requireFencedOrder(t *testing.T, e *env, id string) {
	t.Helper()
	snap := e.emu.Snapshot()
	var n int
	for _, o := range snap.Orders {
		if o.PlatformOrderID != id {
			continue
		}
		n++
		if len(o.Items) != 1 || o.Items[0].Quantity != 2 {
			t.Errorf("RO App order %d has items %+v, want one item of 2 pieces", o.ID, o.Items)
		}
		if len(o.Comments) != 1 {
			t.Errorf("RO App order %d has comments %q, want the delivery comment once", o.ID, o.Comments)
		}
	}
	if n != 1 {
		t.Errorf("ENG-1: platform order %s has %d RO App orders, want 1", id, n)
	}
	rec := e.record(t, id)
	if rec.State != rosync.StateImported || rec.Failed() || rec.ROOrderID == 0 {
		t.Errorf("record: state %s, RO order %d, last error %q; want imported without error", rec.State, rec.ROOrderID, rec.LastError)
	}
}

// TestFence_StaleWriteConflicts: a replica whose lock was lost unnoticed
// while its create was in flight finds, when the answer comes, that another
// replica took the order over and wrote its record: its save conflicts and
// it stops without writing anything more, to the Store or to RO App.
func TestFence_StaleWriteConflicts(t *testing.T) {
	e := newEnv(t, basePolicy())
	o := e.addOrder(newOrder("1501", time.Time{}))
	held := newHeldCreate(e.client)
	stale := e.replica(t, lostLockStore{e.store}, held)

	done := make(chan error, 1)
	go func() { done <- stale.Sync(context.Background(), o.ID) }()
	select {
	case <-held.inFlight:
	case err := <-done:
		t.Fatalf("the stale replica's Sync returned (%v) before its create", err)
	}
	// The other replica takes the order over: it finds the created order
	// by its reference and completes it.
	e.sync(t, o.ID)
	before := e.record(t, o.ID)
	writes := e.writes()

	close(held.release)
	err := <-done
	if !errors.Is(err, rosync.ErrConflict) || !rosync.Retryable(err) {
		t.Errorf("stale replica's Sync: error = %v, want a transient one wrapping ErrConflict", err)
	}
	if d := cmp.Diff(writes, e.writes()); d != "" {
		t.Errorf("the stale replica wrote to RO App after its lock was lost (-before +after):\n%s", d)
	}
	if got := e.record(t, o.ID); got.Version != before.Version {
		t.Errorf("the stale replica wrote the record: version %d, was %d", got.Version, before.Version)
	}
	requireFencedOrder(t, e, o.ID)
}

// TestFence_LockLostInFlight: a replica whose lock connection dies while
// its create is in flight stops at once (the order's context is the lock's)
// and records a transient failure; the replica that takes over finds the
// created order instead of creating another.
func TestFence_LockLostInFlight(t *testing.T) {
	e := newEnv(t, basePolicy())
	o := e.addOrder(newOrder("1502", time.Time{}))
	held := newHeldCreate(e.client)
	fenced := &fencedStore{Store: e.store}
	first := e.replica(t, fenced, held)

	done := make(chan error, 1)
	go func() { done <- first.Sync(context.Background(), o.ID) }()
	select {
	case <-held.inFlight:
	case err := <-done:
		t.Fatalf("Sync returned (%v) before its create", err)
	}
	fenced.lose()
	err := <-done
	if !errors.Is(err, rosync.ErrLockLost) || !rosync.Retryable(err) {
		t.Errorf("Sync whose lock was lost: error = %v, want a transient one wrapping ErrLockLost", err)
	}
	rec := e.record(t, o.ID)
	if rec.State != rosync.StatePending || !rec.Failed() || rec.Permanent {
		t.Errorf("record after the loss: state %s, last error %q, permanent %v; want pending, a transient failure",
			rec.State, rec.LastError, rec.Permanent)
	}
	require.Equal(t, 0, e.calls("POST /orders/{id}/items"), "items added after the lock was lost")

	e.sync(t, o.ID) // the replica that takes over
	requireFencedOrder(t, e, o.ID)
	require.Equal(t, 1, e.calls("POST /orders"))
}

// TestFence_CheckedBeforeCreate: a replica checks its lock right before
// each create; one whose lock is lost creates nothing (no product, no
// contact, no order) and records a transient failure.
func TestFence_CheckedBeforeCreate(t *testing.T) {
	e := newEnv(t, basePolicy())
	o := e.addOrder(newOrder("1503", time.Time{}))
	fenced := &fencedStore{Store: e.store, checkFails: true}
	first := e.replica(t, fenced, e.client)

	err := first.Sync(context.Background(), o.ID)
	if !errors.Is(err, rosync.ErrLockLost) || !rosync.Retryable(err) {
		t.Errorf("Sync whose lock is lost: error = %v, want a transient one wrapping ErrLockLost", err)
	}
	for ep, n := range e.writes() {
		t.Errorf("%s called %d times by a replica whose lock was lost", ep, n)
	}
	rec := e.record(t, o.ID)
	if !rec.Failed() || rec.Permanent {
		t.Errorf("record: last error %q, permanent %v; want a transient failure", rec.LastError, rec.Permanent)
	}

	// With its lock held, the same replica imports the order.
	fenced.mu.Lock()
	fenced.checkFails = false
	fenced.mu.Unlock()
	require.NoError(t, first.Sync(context.Background(), o.ID))
	requireFencedOrder(t, e, o.ID)
}

// TestFence_SingleProcessNeverConflicts: one process applying one order
// again and again, from webhooks, polls and retries at once, never trips
// over its own record versions.
func TestFence_SingleProcessNeverConflicts(t *testing.T) {
	e := newEnv(t, basePolicy(), withOptions(func(o *rosync.Options) { o.Concurrency = 4 }))
	o := e.addOrder(newOrder("1504", time.Time{}))
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 8 {
		wg.Go(func() { errs <- e.syncer.Sync(context.Background(), o.ID) })
		wg.Go(func() { errs <- e.syncer.Retry(context.Background(), o.ID) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Sync/Retry: %v", err)
		}
	}
	requireFencedOrder(t, e, o.ID)
}
