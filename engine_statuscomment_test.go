package rosync_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
)

// A status comment is not lost to an attempt that fails before writing it:
// the platform status is recorded as seen only once the attempt's writes
// went through, so the retry still finds the status new and comments on
// it (SHO-2; nothing dropped, ENG-2).
func TestEngine_StatusCommentSurvivesFailure(t *testing.T) { // SHO-2, ENG-2
	e := statusCommentEnv(t, "913")

	e.clock.Advance(time.Minute)
	e.change("913", func(o *rosync.Order) { o.Status = "cancelled" })
	e.down.Store(true) // the read before writing (ORD-5) fails
	require.Error(t, e.syncer.Sync(context.Background(), "913"))
	require.NotEqual(t, "cancelled", e.record(t, "913").PlatformStatus,
		"SHO-2: the status was recorded as seen although its comment was not written")

	e.down.Store(false)
	e.clock.Advance(time.Hour)
	e.sync(t, "913")
	snap := e.emu.Snapshot()
	require.Len(t, snap.Orders, 1)
	require.Equal(t, []string{"Cancelled on the platform"}, snap.Orders[0].Comments,
		"SHO-2: the comment of a status reached during a failed attempt is written by the retry")
	require.Equal(t, "cancelled", e.record(t, "913").PlatformStatus)

	e.clock.Advance(time.Minute)
	e.sync(t, "913") // once
	require.Equal(t, 1, e.calls("POST /orders/{id}/comments"))
}

// statusCommentEnv is a shop whose policy comments on a cancellation
// instead of syncing statuses (Shopify's, SHO-2), with order id imported.
func statusCommentEnv(t *testing.T, id string) *env {
	t.Helper()
	pol := basePolicy()
	pol.StatusSync = rosync.StatusSyncNone
	pol.StatusComments = map[string]string{"cancelled": "Cancelled on the platform"}
	pol.Delivery = rosync.DeliveryNone
	e := newEnv(t, pol)
	e.addOrder(newOrder(id, time.Time{}))
	e.sync(t, id)
	return e
}
