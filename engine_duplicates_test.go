package rosync_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp/roapptest"
)

// findingLateRO is lateRO that also lists orders by reference
// (rosync.ROOrderFinder) through the real client, counting the listings.
type findingLateRO struct {
	*lateRO
	finder rosync.ROOrderFinder
	finds  atomic.Int32
}

func (f *findingLateRO) FindOrders(ctx context.Context, l rosync.OrderLookup) ([]rosync.ROOrder, error) {
	f.finds.Add(1)
	return f.finder.FindOrders(ctx, l)
}

// events collects the Syncer's events of one kind.
type eventLog struct {
	mu  sync.Mutex
	all []rosync.Event
}

func (l *eventLog) add(ev rosync.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, ev)
}

func (l *eventLog) of(kind rosync.EventKind) []rosync.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []rosync.Event
	for _, ev := range l.all {
		if ev.Kind == kind {
			out = append(out, ev)
		}
	}
	return out
}

// TestEngine_DuplicateRepair: ENG-1, what slipped through the quarantine.
// RO App executes an order create later than the quarantine: the retry
// after the quarantine found nothing and created the order, then the late
// request lands and a second RO App order carries the same reference. The
// next poll lists the order's RO App orders by client and creation window,
// reports the second one (Syncer.Duplicates, EventDuplicate), comments on
// it naming the order kept, moves it to Settings.DuplicateStatus and
// deletes nothing; later polls report and comment nothing again; an order
// whose create was never in doubt costs no listing, nor does a watch that
// has ended.
func TestEngine_DuplicateRepair(t *testing.T) { // ENG-1
	ctx := context.Background()
	const quarantine = 5 * time.Minute
	late := &findingLateRO{lateRO: &lateRO{}}
	var events eventLog
	e := newEnv(t, basePolicy(),
		withROClient(func(c rosync.ROClient) rosync.ROClient {
			late.ROClient, late.finder = c, c.(rosync.ROOrderFinder)
			return late
		}),
		withSettings(func(s *rosync.Settings) { s.DuplicateStatus = "Closed" }),
		withOptions(func(o *rosync.Options) {
			o.InlineRetries, o.Quarantine, o.DuplicateWatch = -1, quarantine, time.Hour
			o.OnEvent = events.add
		}))

	// A clean order first: never in doubt, never listed by reference.
	e.addOrder(newOrder("3300", time.Time{}))
	e.sync(t, "3300")
	require.NoError(t, e.syncer.Poll(ctx))
	require.Zero(t, late.finds.Load(), "ENG-1 cost: a poll listed orders by reference with nothing in doubt")

	late.createOrder.Store(1)
	e.addOrder(newOrder("3301", time.Time{}))
	var amb *rosync.AmbiguousError
	require.ErrorAs(t, e.syncer.Sync(ctx, "3301"), &amb, "precondition: the order create is in doubt")
	e.clock.Advance(quarantine + time.Minute)
	require.NoError(t, e.syncer.Sync(ctx, "3301"), "after the quarantine the order is created again")
	kept := e.record(t, "3301").ROOrderID
	require.NotZero(t, kept)

	// RO App executes the first request only now, past the quarantine.
	require.Equal(t, 1, late.land())
	e.clock.Advance(time.Minute)
	require.NoError(t, e.syncer.Poll(ctx))

	dups, err := e.syncer.Duplicates(ctx)
	require.NoError(t, err)
	require.Len(t, dups, 1, "ENG-1: the duplicate RO App order is not reported")
	d := dups[0]
	require.Equal(t, "3301", d.OrderID)
	require.Equal(t, kept, d.ROOrderID, "the linked order is the one kept")
	require.NotEqual(t, kept, d.DuplicateID)
	require.True(t, d.Commented)
	require.True(t, d.Moved)
	require.Len(t, events.of(rosync.EventDuplicate), 1, "ENG-1: EventDuplicate")
	require.Equal(t, d.DuplicateID, events.of(rosync.EventDuplicate)[0].ROOrderID)

	check := func() {
		t.Helper()
		snap := e.emu.Snapshot()
		var mine []roapptest.Order
		for _, o := range snap.Orders {
			if o.PlatformOrderID == "3301" {
				mine = append(mine, o)
			}
		}
		require.Len(t, mine, 2, "ENG-1: a duplicate was deleted (never delete)")
		for _, o := range mine {
			switch o.ID {
			case d.DuplicateID:
				require.Equal(t, []string{rosync.DuplicateComment(d)}, o.Comments, "the duplicate's comment, once")
				require.Equal(t, "Closed", o.Status, "the duplicate is moved to Settings.DuplicateStatus")
			case kept:
				require.NotContains(t, o.Comments, rosync.DuplicateComment(d))
				require.Equal(t, "New", o.Status)
			default:
				t.Fatalf("unexpected RO App order %d", o.ID)
			}
		}
	}
	check()

	// Idempotent: later polls, while the watch lasts, report nothing again.
	finds := late.finds.Load()
	e.clock.Advance(10 * time.Minute)
	require.NoError(t, e.syncer.Poll(ctx))
	require.Equal(t, finds+1, late.finds.Load(), "a watched order is listed at each poll")
	require.Len(t, events.of(rosync.EventDuplicate), 1, "ENG-1: a duplicate reported twice")
	dups, err = e.syncer.Duplicates(ctx)
	require.NoError(t, err)
	require.Len(t, dups, 1)
	check()

	// The watch ends with the first poll after it; then no more listings.
	e.clock.Advance(quarantine + 2*time.Hour)
	require.NoError(t, e.syncer.Poll(ctx))
	finds = late.finds.Load()
	e.clock.Advance(10 * time.Minute)
	require.NoError(t, e.syncer.Poll(ctx))
	require.Equal(t, finds, late.finds.Load(), "ENG-1 cost: an ended watch is still listed")
	check()
}

// TestEngine_DuplicateStatusChecked: a DuplicateStatus that RO App does
// not have fails Connect, once and clearly, instead of every repair.
func TestEngine_DuplicateStatusChecked(t *testing.T) {
	e := newEnv(t, basePolicy(), withoutConnect(),
		withSettings(func(s *rosync.Settings) { s.DuplicateStatus = "Duplicates" }))
	err := e.syncer.Connect(context.Background())
	require.ErrorContains(t, err, `DuplicateStatus: RO App has no status "Duplicates"`)
}
