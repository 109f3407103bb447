package rosync_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
)

// countingPlatform is the fake platform counting its orders
// (rosync.OrderCounter) as a real adapter asks its API.
type countingPlatform struct {
	*fakePlatform
	mu      sync.Mutex
	queries []rosync.Query
	n       int
	err     error
}

func (c *countingPlatform) CountOrders(_ context.Context, q rosync.Query) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.queries = append(c.queries, q)
	return c.n, c.err
}

// TestEngine_ProgressTotal: the initial import asks the platform once how
// many orders its query selects and reports it as Progress.Total in every
// report of the run, so that a bar shows a percentage; a count that fails
// leaves it 0 (indeterminate) and the import goes on; a poll has none.
func TestEngine_ProgressTotal(t *testing.T) {
	tests := []struct {
		name      string
		n         int
		err       error
		wantTotal int
	}{
		{"counted", 3, nil, 3},
		{"count failed", 0, errors.New("count: HTTP 500"), 0},
		{"negative count", -1, nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var (
				mu       sync.Mutex
				progress []rosync.Progress
			)
			var cp *countingPlatform
			e := newEnv(t, basePolicy(), withoutConnect(),
				withPlatform(func(fp *fakePlatform) rosync.Platform {
					cp = &countingPlatform{fakePlatform: fp, n: tc.n, err: tc.err}
					return cp
				}),
				withOptions(func(o *rosync.Options) {
					o.Progress = func(p rosync.Progress) { mu.Lock(); progress = append(progress, p); mu.Unlock() }
				}))
			before := e.clock.Now().Add(-24 * time.Hour)
			for i, id := range []string{"981", "982", "983"} {
				e.addOrder(newOrder(id, before.Add(time.Duration(i)*time.Minute)))
			}
			require.NoError(t, e.syncer.Connect(context.Background()), "a count is never a reason to stop the import")

			cp.mu.Lock()
			require.Len(t, cp.queries, 1, "the platform is asked once")
			require.False(t, cp.queries[0].CreatedSince.IsZero(), "the count asks the import's own query")
			cp.mu.Unlock()
			mu.Lock()
			require.Len(t, progress, 4, "one report per order and one at the end")
			for _, p := range progress {
				require.Equal(t, tc.wantTotal, p.Total, "every report of the import carries the total")
			}
			last := progress[len(progress)-1]
			require.True(t, last.Done)
			require.Equal(t, 3, last.Orders)
			progress = nil
			mu.Unlock()

			e.clock.Advance(time.Hour)
			require.NoError(t, e.syncer.Poll(context.Background()))
			mu.Lock()
			defer mu.Unlock()
			require.NotEmpty(t, progress)
			for _, p := range progress {
				require.Equal(t, "poll", p.Phase)
				require.Zero(t, p.Total, "a poll reports no total")
			}
			cp.mu.Lock()
			defer cp.mu.Unlock()
			require.Len(t, cp.queries, 1, "a poll does not count")
		})
	}
}
