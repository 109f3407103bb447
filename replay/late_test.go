package replay

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync/faultplan"
)

// lateOrders is the size of the generated shop of TestLateCreates.
const lateOrders = 40

// TestLateCreates is issue 12's test of creates that RO App executes after
// the client stopped waiting (faultplan.ExecutedLate: no answer until the
// client's timeout, or 504 at once, then the create executed 500 ms, 3 s or
// 10 s later on the replay's clock): a third of the creates of orders,
// contacts, products, categories, items and comments, with each webhook
// delivered once and twice, and no retry in place (InlineRetries negative:
// every later attempt is a second webhook, a Retry or a Poll). It finds no
// duplicate (ENG-1) and nothing lost (ENG-2), and the snapshot equal to the
// fault-free one except api_calls and the sequence of RO App ids (an order
// in doubt waits out its quarantine while others go ahead).
//
// The replay waits out the quarantines after each event before it plays
// the next (Options.Faults): the strong comparison with the fault-free run
// stays, and an RO App event never names an order RO App does not have yet.
// It prints one line with the figures (scripts/test.sh shows it).
func TestLateCreates(t *testing.T) {
	fx := soakShop(t, 7, lateOrders)
	want := run(t, fx, &Options{Memory: true})
	require.Len(t, want.Orders, lateOrders, "precondition: the fault-free run imports every order")
	var (
		mu                               sync.Mutex
		creates, executed, inDoubt, runs int
		dupsTotal, lostTotal             int
		waits                            []time.Duration
	)
	for _, late := range []time.Duration{500 * time.Millisecond, 3 * time.Second, 10 * time.Second} {
		for _, dup := range []int{1, 2} {
			t.Run(fmt.Sprintf("late=%v/dup=%d", late, dup), func(t *testing.T) {
				t.Parallel()
				plan := &faultplan.Plan{Rate: 0.3, Seed: int64(late / time.Millisecond), CreatesOnly: true,
					Kinds: []faultplan.Kind{faultplan.ExecutedLate}, LateMin: late, LateMax: late}
				res, err := Run(t.Context(), fx, &Options{Memory: true, Faults: plan, Timeout: testTimeout, Dup: dup,
					InlineRetries: -1, Warnf: func(format string, args ...any) { t.Errorf("replay warning: "+format, args...) }})
				require.NoError(t, err)
				got := snapshotJSON(t, res.Snapshot)
				dups, lost := duplicatesAndLost(want, got)
				require.Zero(t, dups, "ENG-1: duplicates under creates executed late")
				require.Zero(t, lost, "ENG-2: orders lost under creates executed late")
				require.Empty(t, got.Failed, "ENG-2: orders left failed")
				if diff := cmp.Diff(canonicalIDs(want), canonicalIDs(got), ignoreCalls); diff != "" {
					t.Errorf("ENG-1: snapshot under late creates differs from the fault-free one (-want +got):\n%s", diff)
				}
				n := plan.Counts()[faultplan.ExecutedLate]
				require.Positive(t, n, "no create was executed late")
				require.Equal(t, n, res.Summary.LateCreates, "a late create was never executed")
				if late > time.Second {
					// A create executed 500 ms late usually lands before
					// its lookup; whether one of a run is seen in doubt
					// depends on the seeded draws, which every request of
					// the run shifts. The 500 ms runs count in the total
					// checked below instead.
					require.Positive(t, res.Summary.InDoubt, "ENG-1: no order waited out a quarantine")
				}
				mu.Lock()
				defer mu.Unlock()
				runs++
				creates += n
				executed += res.Summary.LateCreates
				inDoubt += res.Summary.InDoubt
				waits = append(waits, res.Summary.QuarantineWaits...)
				dupsTotal += dups
				lostTotal += lost
			})
		}
	}
	t.Cleanup(func() {
		if runs == 0 {
			return
		}
		if inDoubt == 0 {
			t.Error("ENG-1: no order of any run waited out a quarantine")
		}
		p50, p99 := percentiles(waits)
		fmt.Printf("late: runs=%d creates=%d executed_late=%d in_doubt=%d quarantine_p50=%v p99=%v duplicates=%d lost=%d\n",
			runs, creates, executed, inDoubt, p50, p99, dupsTotal, lostTotal)
	})
}
