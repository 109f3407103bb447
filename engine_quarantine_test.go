package rosync_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
)

// lateRO is an ROClient whose chosen creates reach RO App only later: the
// client gives up waiting (an unknown outcome) and RO App executes the
// request when the test says, as a gateway timeout followed by a late
// execution does. RO App has no idempotency key, so this is the case that
// duplicates orders (ENG-1).
type lateRO struct {
	rosync.ROClient
	createOrder, createContact, addItem, addComment atomic.Int32 // how many more calls to defer

	mu    sync.Mutex
	queue []func()
}

func (l *lateRO) later(f func()) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.queue = append(l.queue, f)
	return &rosync.AmbiguousError{Err: fmt.Errorf("504 gateway timeout: %w", errLost)}
}

// land executes the deferred creates, as RO App finally does.
func (l *lateRO) land() int {
	l.mu.Lock()
	q := l.queue
	l.queue = nil
	l.mu.Unlock()
	for _, f := range q {
		f()
	}
	return len(q)
}

func (l *lateRO) CreateOrder(ctx context.Context, o rosync.NewOrder) (int64, error) {
	if l.createOrder.Add(-1) >= 0 {
		return 0, l.later(func() { _, _ = l.ROClient.CreateOrder(context.Background(), o) })
	}
	return l.ROClient.CreateOrder(ctx, o)
}

func (l *lateRO) CreateContact(ctx context.Context, c rosync.Contact) (int64, error) {
	if l.createContact.Add(-1) >= 0 {
		return 0, l.later(func() { _, _ = l.ROClient.CreateContact(context.Background(), c) })
	}
	return l.ROClient.CreateContact(ctx, c)
}

func (l *lateRO) AddItem(ctx context.Context, orderID int64, it rosync.ROItem) (int64, error) {
	if l.addItem.Add(-1) >= 0 {
		return 0, l.later(func() { _, _ = l.ROClient.AddItem(context.Background(), orderID, it) })
	}
	return l.ROClient.AddItem(ctx, orderID, it)
}

func (l *lateRO) AddComment(ctx context.Context, orderID int64, text string) error {
	if l.addComment.Add(-1) >= 0 {
		return l.later(func() { _ = l.ROClient.AddComment(context.Background(), orderID, text) })
	}
	return l.ROClient.AddComment(ctx, orderID, text)
}

// TestEngine_LateCreatesWaitForQuarantine: ENG-1, a create that RO App
// executes after the client stopped waiting is not repeated by any caller
// (a second webhook, a retry, a poll) before the quarantine ends; the
// order waits, reported as in doubt, and ends with one RO App order, one
// contact, its items and its comment, whichever create was late.
func TestEngine_LateCreatesWaitForQuarantine(t *testing.T) { // ENG-1
	for _, which := range []string{"order", "contact", "item", "comment"} {
		t.Run(which, func(t *testing.T) {
			ctx := context.Background()
			e, late := newLateEnv(t, which)
			e.addOrder(newOrder("3101", time.Time{}))

			var dbt *rosync.InDoubtError
			err := e.syncer.Sync(ctx, "3101")
			var amb *rosync.AmbiguousError
			require.ErrorAs(t, err, &amb, "precondition: the %s create was left in doubt", which)

			// Everyone else who comes before the quarantine ends: a second
			// webhook, a Sync, a Retry. Nothing is created again.
			for i := 0; i < 3; i++ {
				e.clock.Advance(time.Minute)
				require.Equal(t, 200, e.webhook(t, "3101", fmt.Sprint("again-", i), ""))
				require.ErrorAs(t, e.syncer.Sync(ctx, "3101"), &dbt, "ENG-1: an order in doubt was not held")
			}
			failed, err := e.syncer.Failed(ctx)
			require.NoError(t, err)
			require.Len(t, failed, 1, "ENG-1: the order in doubt is not reported")

			// RO App finally executes the late request, within the quarantine.
			require.Equal(t, 1, late.land())
			e.clock.Advance(3 * time.Minute)
			require.NoError(t, e.syncer.Sync(ctx, "3101"))

			snap := e.emu.Snapshot()
			require.Len(t, snap.Orders, 1, "ENG-1: duplicate RO App orders")
			require.Len(t, snap.Contacts, 1, "ENG-1: duplicate contacts")
			require.Len(t, snap.Orders[0].Items, 1, "ENG-1: items duplicated or lost")
			require.Len(t, snap.Orders[0].Comments, 1, "ENG-1: comments duplicated or lost")
			require.Empty(t, e.record(t, "3101").LastError)
		})
	}
}

// TestEngine_LateCreateNeverLands: ENG-1, ENG-2, a create in doubt that RO
// App never executes is made again once the quarantine has passed and a
// lookup after it finds nothing: nothing is lost.
func TestEngine_LateCreateNeverLands(t *testing.T) { // ENG-1, ENG-2
	ctx := context.Background()
	late := &lateRO{}
	late.createOrder.Store(1)
	e := newEnv(t, basePolicy(),
		withROClient(func(c rosync.ROClient) rosync.ROClient { late.ROClient = c; return late }),
		withOptions(func(o *rosync.Options) { o.InlineRetries = -1 }))
	e.addOrder(newOrder("3201", time.Time{}))
	require.Error(t, e.syncer.Sync(ctx, "3201"))
	e.clock.Advance(4 * time.Minute)
	var dbt *rosync.InDoubtError
	require.ErrorAs(t, e.syncer.Sync(ctx, "3201"), &dbt, "ENG-1: created again inside the default quarantine")
	e.clock.Advance(2 * time.Minute)
	require.NoError(t, e.syncer.Poll(ctx), "ENG-2: the poll retries the order after the quarantine")
	require.Len(t, e.emu.Snapshot().Orders, 1, "ENG-2: the order was lost")
}

// TestEngine_QuarantineDoesNotRestart: ENG-2, an item or comment in doubt
// that RO App never executes, retried again and again inside its
// quarantine, is added once the quarantine counted from the create in
// doubt has passed: an attempt that only waited (an *InDoubtError, nothing
// sent) does not start the quarantine over, or the order would wait
// forever.
func TestEngine_QuarantineDoesNotRestart(t *testing.T) { // ENG-1, ENG-2
	for _, which := range []string{"item", "comment"} {
		t.Run(which, func(t *testing.T) {
			ctx := context.Background()
			late := &lateRO{}
			if which == "item" {
				late.addItem.Store(1)
			} else {
				late.addComment.Store(1)
			}
			e := newEnv(t, basePolicy(),
				withROClient(func(c rosync.ROClient) rosync.ROClient { late.ROClient = c; return late }),
				withOptions(func(o *rosync.Options) { o.InlineRetries = -1; o.Quarantine = 5 * time.Minute }))
			e.addOrder(newOrder("3301", time.Time{}))
			var amb *rosync.AmbiguousError
			require.ErrorAs(t, e.syncer.Sync(ctx, "3301"), &amb, "precondition: the %s create was left in doubt", which)
			late.mu.Lock()
			late.queue = nil // RO App never executes it
			late.mu.Unlock()
			var dbt *rosync.InDoubtError
			for range 4 {
				e.clock.Advance(time.Minute)
				require.ErrorAs(t, e.syncer.Sync(ctx, "3301"), &dbt, "ENG-1: repeated inside the quarantine")
			}
			e.clock.Advance(time.Minute + time.Second)
			require.NoError(t, e.syncer.Sync(ctx, "3301"), "ENG-2: the quarantine restarted with each attempt that waited")
			snap := e.emu.Snapshot()
			require.Len(t, snap.Orders, 1)
			require.Len(t, snap.Orders[0].Items, 1, "ENG-1, ENG-2: items duplicated or lost")
			require.Len(t, snap.Orders[0].Comments, 1, "ENG-1, ENG-2: comments duplicated or lost")
		})
	}
}

// TestEngine_QuarantineSurvivesFailedReads: ENG-1, ENG-2, a create in doubt
// that RO App never executes, followed by attempts that fail on a read (RO
// App answers 503 to everything: the contact or product lookup, the order
// read), is made once the quarantine counted from the create in doubt has
// passed: a failed read does not start the quarantine over, so the order
// waits the quarantine, not the quarantine after the last failure.
func TestEngine_QuarantineSurvivesFailedReads(t *testing.T) { // ENG-1, ENG-2
	for _, which := range []string{"order", "contact", "item", "comment"} {
		t.Run(which, func(t *testing.T) {
			ctx := context.Background()
			e, late := newLateEnv(t, which)
			e.addOrder(newOrder("3501", time.Time{}))
			var amb *rosync.AmbiguousError
			require.ErrorAs(t, e.syncer.Sync(ctx, "3501"), &amb, "precondition: the %s create was left in doubt", which)
			late.mu.Lock()
			late.queue = nil // RO App never executes it
			late.mu.Unlock()
			e.down.Store(true)
			for range 4 {
				e.clock.Advance(time.Minute)
				require.Error(t, e.syncer.Sync(ctx, "3501"), "precondition: the attempt fails on a read")
			}
			e.down.Store(false)
			e.clock.Advance(time.Minute + time.Second)
			require.NoError(t, e.syncer.Sync(ctx, "3501"), "ENG-2: a failed read restarted the quarantine")
			snap := e.emu.Snapshot()
			require.Len(t, snap.Orders, 1, "ENG-1, ENG-2: orders duplicated or lost")
			require.Len(t, snap.Contacts, 1, "ENG-1, ENG-2: contacts duplicated or lost")
			require.Len(t, snap.Orders[0].Items, 1, "ENG-1, ENG-2: items duplicated or lost")
			require.Len(t, snap.Orders[0].Comments, 1, "ENG-1, ENG-2: comments duplicated or lost")
		})
	}
}

// newLateEnv returns an env whose RO App executes the first create of
// which ("order", "contact", "item" or "comment") late, with no inline
// retry and a 5-minute quarantine.
func newLateEnv(t *testing.T, which string) (*env, *lateRO) {
	t.Helper()
	late := &lateRO{}
	switch which {
	case "order":
		late.createOrder.Store(1)
	case "contact":
		late.createContact.Store(1)
	case "item":
		late.addItem.Store(1)
	case "comment":
		late.addComment.Store(1)
	default:
		t.Fatalf("no late create of %q", which)
	}
	e := newEnv(t, basePolicy(),
		withROClient(func(c rosync.ROClient) rosync.ROClient { late.ROClient = c; return late }),
		withOptions(func(o *rosync.Options) { o.InlineRetries = -1; o.Quarantine = 5 * time.Minute }))
	return e, late
}
