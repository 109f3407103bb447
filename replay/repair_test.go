package replay

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync/faultplan"
)

// TestDuplicateRepair is the repair half of issue 12: RO App executes
// creates 10 minutes late on the replay's clock while the engine's
// quarantine is 2 minutes, so some orders are created twice (the case the
// quarantine cannot rule out when RO App outlasts it). The engine's
// duplicate check must find every second RO App order carrying an order's
// reference (Summary.RepairFound, rosync.Syncer.Duplicates), comment on it
// naming the order kept, move it to the status named for duplicates, and
// delete nothing: every platform order keeps an RO App order that is not
// marked (ENG-1, ENG-2). It prints one line with the figures.
func TestDuplicateRepair(t *testing.T) {
	fx := soakShop(t, 9, 40)
	// The platform's orders only: an RO App event names an order by its
	// number, which a duplicate shares.
	var events []Event
	for _, ev := range fx.Events {
		if ev.Type == EventPlatformOrder {
			events = append(events, ev)
		}
	}
	fx.Events = events
	want := run(t, fx, &Options{Memory: true})
	require.Len(t, want.Orders, 40, "precondition: the fault-free run imports every order")

	const late, quarantine = 10 * time.Minute, 2 * time.Minute
	plan := &faultplan.Plan{Rate: 0.3, Seed: 9, CreatesOnly: true,
		Kinds: []faultplan.Kind{faultplan.ExecutedLate}, LateMin: late, LateMax: late}
	res, err := Run(t.Context(), fx, &Options{Memory: true, Faults: plan, Timeout: testTimeout, InlineRetries: -1,
		Quarantine: quarantine, DuplicateStatus: "Cancelled"})
	require.NoError(t, err)
	got := snapshotJSON(t, res.Snapshot)

	perOrder := map[string]int{}
	for _, o := range got.Orders {
		if o.PlatformOrderID != "" {
			perOrder[o.PlatformOrderID]++
		}
	}
	dups, lost, marked := 0, 0, 0
	for _, o := range want.Orders {
		n := perOrder[o.PlatformOrderID]
		if n == 0 {
			lost++
		}
		dups += max(n-1, 0)
	}
	for _, o := range got.Orders {
		isMarked := false
		for _, c := range o.Comments {
			isMarked = isMarked || strings.HasPrefix(c, "rosync: this order duplicates RO App order ")
		}
		if isMarked {
			marked++
			require.Equal(t, "Cancelled", o.Status, "ENG-1: duplicate %d not moved to the duplicates' status", o.ID)
			require.Greater(t, perOrder[o.PlatformOrderID], 1, "ENG-1: order %d marked as a duplicate but is the only one", o.ID)
		}
	}
	fmt.Printf("repair: orders=%d late_creates=%d quarantine=%v duplicates=%d repair_found=%d marked=%d lost=%d\n",
		len(want.Orders), res.Summary.LateCreates, quarantine, dups, res.Summary.RepairFound, marked, lost)
	require.Positive(t, dups, "precondition: no order create outlasted the quarantine")
	require.Zero(t, lost, "ENG-2: an order lost (a duplicate deleted?)")
	require.Equal(t, dups, res.Summary.RepairFound, "ENG-1: duplicates found by the repair")
	require.Equal(t, dups, marked, "ENG-1: duplicates commented on and moved")
}
