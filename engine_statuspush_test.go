package rosync_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestEngine_StatusPushInDoubt: WOO-3, ENG-1, a status push whose answer
// is lost (a timeout under load) is not pushed twice: the retry (the next
// poll) reads the platform's order first and, when the platform set the
// status, records it pushed; when the platform did not, it pushes once.
func TestEngine_StatusPushInDoubt(t *testing.T) { // WOO-3, ENG-1
	for _, lands := range []bool{true, false} {
		name := "push executed, answer lost"
		if !lands {
			name = "push not executed"
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, wooStatusPolicy(), withStatusMap(map[string]string{"completed": "Closed"}))
			e.addOrder(newOrder("3601", time.Time{}))
			e.sync(t, "3601")
			roID := e.roOrderID(t, "N-3601")
			e.plat.mu.Lock()
			e.plat.lostPushes, e.plat.pushLands = 1, lands
			e.plat.mu.Unlock()

			e.clock.Advance(time.Minute)
			require.NoError(t, e.emu.Deduct(roID))
			require.NoError(t, e.emu.SetStatus(ctx, roID, "Closed")) // the webhook's push loses its answer
			rec := e.record(t, "3601")
			require.Equal(t, "completed", rec.HeldStatus, "precondition: the push is not confirmed")
			require.Equal(t, "completed", rec.StatusPushSent, "the push's intent is recorded")

			e.clock.Advance(10 * time.Minute)
			require.NoError(t, e.syncer.Poll(ctx))
			require.Equal(t, []string{"3601=completed"}, e.plat.pushed(), "WOO-3, ENG-1: the status is set on the platform exactly once")
			rec = e.record(t, "3601")
			require.Empty(t, rec.HeldStatus)
			require.Empty(t, rec.StatusPushSent)
			require.Equal(t, "completed", rec.PlatformStatus)

			e.clock.Advance(10 * time.Minute)
			require.NoError(t, e.syncer.Poll(ctx))
			require.Equal(t, []string{"3601=completed"}, e.plat.pushed(), "pushed once")
		})
	}
}
