package rosync_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/platformkit/fakekit"
)

// TestEngine_ROClock: the host's clock is 30 minutes ahead of RO App's, or
// behind it. An RO App user changes an imported order's status twice, once
// before the first poll and once between polls, and both RO App webhooks
// are lost: each next poll must still push the change to the platform
// (WOO-3's direction; ENG-2: a missed webhook is caught by the
// reconciliation poll). The RO App poll cursor follows RO App's clock:
// first its Date header at Connect (rosync.ROClock), then the newest
// modified_at each poll listed, never the host's time.
func TestEngine_ROClock(t *testing.T) { // ENG-2, WOO-3
	for _, skew := range []time.Duration{30 * time.Minute, -30 * time.Minute} {
		name := "host ahead"
		if skew < 0 {
			name = "host behind"
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			var logs fakekit.LogBuffer
			e := newEnv(t, wooStatusPolicy(), withROClockOffset(-skew),
				withStatusMap(map[string]string{"on-hold": "In progress", "cancelled": "New"}),
				withOptions(func(o *rosync.Options) {
					o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
				}))
			require.Contains(t, logs.String(), "host and RO App clocks differ", "the skew measured at Connect is logged")
			e.addOrder(newOrder("3401", time.Time{}))
			e.sync(t, "3401")
			roID := e.roOrderID(t, "N-3401")
			e.roHooks.Store(false) // RO App's webhooks are lost: only the poll sees the changes

			e.clock.Advance(time.Minute)
			require.NoError(t, e.emu.SetStatus(ctx, roID, "In progress"))
			e.clock.Advance(time.Minute)
			require.NoError(t, e.syncer.Poll(ctx))
			require.Equal(t, []string{"3401=on-hold"}, e.plat.pushed(), "ENG-2: the change before the first poll is missed")

			// The cursor is RO App's time, not the host's.
			st, err := e.store.ShopState(ctx, shopName)
			require.NoError(t, err)
			roNow := e.clock.Now().Add(-skew)
			require.False(t, st.ROCursor.After(roNow), "ROCursor %v is past RO App's time %v", st.ROCursor, roNow)
			require.Less(t, roNow.Sub(st.ROCursor), 5*time.Minute, "ROCursor %v far behind RO App's time %v", st.ROCursor, roNow)

			e.clock.Advance(2 * time.Minute)
			require.NoError(t, e.emu.SetStatus(ctx, roID, "New"))
			e.clock.Advance(time.Minute)
			require.NoError(t, e.syncer.Poll(ctx))
			require.Equal(t, []string{"3401=on-hold", "3401=cancelled"}, e.plat.pushed(), "ENG-2: the change between polls is missed")
			require.False(t, strings.Contains(logs.String(), "level=ERROR"), logs.String())
		})
	}
}
