package rosync_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
)

// TestEngine_ROEventIsAHint: ENG-4, an RO App event is a hint. Its body is
// not signed, so the order is read back and acted on as RO App shows it: a
// stale event naming a status the order no longer has pushes nothing, and a
// redelivered event id changes nothing.
func TestEngine_ROEventIsAHint(t *testing.T) { // ENG-4, CAR-2
	ctx := context.Background()
	pol := basePolicy()
	pol.StatusSync = rosync.StatusSyncToPlatform
	e := newEnv(t, pol, withStatusMap(map[string]string{"on-hold": "In progress", "cancelled": "Closed"}))
	e.addOrder(newOrder("2101", time.Time{}))
	e.sync(t, "2101")
	roID := e.roOrderID(t, "N-2101")

	// A forged or stale event says Closed; RO App still shows New.
	require.NoError(t, e.syncer.HandleROEvent(ctx, rosync.ROEvent{ID: "stale-1", Name: "Order.Status.Changed", OrderID: roID, StatusID: stClosed}))
	require.Empty(t, e.plat.pushed(), "ENG-4: a status the RO App order does not have was pushed")

	// The order really moves; its event (with a wrong status in the body)
	// pushes what RO App shows.
	require.NoError(t, e.emu.SetStatus(ctx, roID, "In progress"))
	require.NoError(t, e.syncer.HandleROEvent(ctx, rosync.ROEvent{ID: "real-1", Name: "Order.Status.Changed", OrderID: roID, StatusID: stClosed}))
	require.Equal(t, []string{"2101=on-hold"}, e.plat.pushed(), "CAR-2: the status RO App shows is pushed, not the event's")

	// The same delivery again, after the platform moved on: ignored, not
	// even read back.
	reads := e.calls("GET /orders/{id}")
	require.NoError(t, e.syncer.HandleROEvent(ctx, rosync.ROEvent{ID: "real-1", Name: "Order.Status.Changed", OrderID: roID, StatusID: stInProgress}))
	require.Equal(t, []string{"2101=on-hold"}, e.plat.pushed(), "ENG-4: a redelivered event acted twice")
	require.Equal(t, reads, e.calls("GET /orders/{id}"), "ENG-4: a redelivered event was not deduplicated")
}

// TestEngine_DeductionByStatus: ORD-5, WOO-3, an RO App status the settings
// name as deduction (DeductionSignal.Statuses) counts as written off, with
// no item field: Completed is pushed then, and later platform changes no
// longer reach RO App.
func TestEngine_DeductionByStatus(t *testing.T) { // ORD-5, WOO-3
	ctx := context.Background()
	e := newEnv(t, wooStatusPolicy(), withStatusMap(map[string]string{"completed": "Closed"}),
		withSettings(func(s *rosync.Settings) { s.Deduction.Statuses = []string{"closed"} }))
	e.addOrder(newOrder("2201", time.Time{}))
	e.sync(t, "2201")
	roID := e.roOrderID(t, "N-2201")

	require.NoError(t, e.emu.SetStatus(ctx, roID, "Closed"))
	require.NoError(t, e.syncer.HandleROEvent(ctx, rosync.ROEvent{ID: "d-1", Name: "Order.Status.Changed", OrderID: roID}))
	require.Equal(t, []string{"2201=completed"}, e.plat.pushed(), "WOO-3: Completed waits for deduction, and a deduction status is one")

	e.clock.Advance(time.Minute)
	e.change("2201", func(o *rosync.Order) { o.Lines[0].Quantity = 9 })
	e.sync(t, "2201")
	require.EqualValues(t, 2, e.emu.Snapshot().Orders[0].Items[0].Quantity, "ORD-5: a change after deduction reached RO App")
	require.True(t, e.record(t, "2201").Deducted, "ORD-5")
}

// TestEngine_DeductionStatusMustExist: a deduction status that RO App does
// not have is a settings error at Connect, not a silent never-deducted.
func TestEngine_DeductionStatusMustExist(t *testing.T) { // ORD-5
	e := newEnv(t, wooStatusPolicy(), withoutConnect(),
		withSettings(func(s *rosync.Settings) { s.Deduction.Statuses = []string{"Written off"} }))
	err := e.syncer.Connect(context.Background())
	require.ErrorContains(t, err, `no status "Written off"`)
}

// lockedItems is an ROClient whose item writes are refused as a written-off
// item answers.
type lockedItems struct{ rosync.ROClient }

func (lockedItems) UpdateItem(context.Context, int64, rosync.ROItem) error {
	return &rosync.APIError{Service: "roapp", Status: 422, Message: "item is written off", Err: rosync.ErrItemLocked}
}

func (lockedItems) DeleteItem(context.Context, int64, int64) error {
	return fmt.Errorf("roapp: %w", rosync.ErrItemLocked)
}

// TestEngine_RefusedItemWriteFreezes: ORD-5, PRD-7, RO App refusing an item
// write as locked (not the ORD-2 permission error) is a deduction signal:
// the order is frozen, not failed and retried, and nothing more is written.
func TestEngine_RefusedItemWriteFreezes(t *testing.T) { // ORD-5, PRD-7
	ctx := context.Background()
	e := newEnv(t, basePolicy(), withROClient(func(c rosync.ROClient) rosync.ROClient { return lockedItems{c} }))
	e.addOrder(newOrder("2301", time.Time{}))
	e.sync(t, "2301")

	e.clock.Advance(time.Minute)
	e.change("2301", func(o *rosync.Order) { o.Lines[0].Quantity = 5 })
	require.NoError(t, e.syncer.Sync(ctx, "2301"), "ORD-5: a locked item is no failure")
	rec := e.record(t, "2301")
	require.True(t, rec.Deducted, "ORD-5: the refused write did not freeze the order")
	require.Empty(t, rec.LastError)

	e.clock.Advance(time.Minute)
	writes := e.writes()
	e.change("2301", func(o *rosync.Order) { o.Lines[0].Quantity = 7 })
	require.NoError(t, e.syncer.Sync(ctx, "2301"))
	require.Equal(t, writes, e.writes(), "ORD-5: a frozen order was written to again")
}

// TestEngine_AssigneeChecked: RO App requires an assignee on every order
// item (PRD-6), so Connect refuses an unset or unknown one once, naming the
// employees, instead of failing every order.
func TestEngine_AssigneeChecked(t *testing.T) { // PRD-6
	for _, id := range []int64{0, 999} {
		e := newEnv(t, basePolicy(), withoutConnect(), withSettings(func(s *rosync.Settings) { s.AssigneeID = id }))
		err := e.syncer.Connect(context.Background())
		require.ErrorContains(t, err, "AssigneeID", "PRD-6: assignee %d accepted", id)
		require.ErrorContains(t, err, "employees: 1 (")
	}
}
