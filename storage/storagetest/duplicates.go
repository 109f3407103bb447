package storagetest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
)

func dupsOf(t *testing.T, s rosync.Store) rosync.DuplicateStore {
	t.Helper()
	d, ok := s.(rosync.DuplicateStore)
	if !ok {
		t.Skip("the Store does not implement rosync.DuplicateStore")
	}
	return d
}

// testDuplicateWatches checks the watches of the optional
// rosync.DuplicateStore: inserted, one per (Shop, OrderID, ClientID),
// widened (the earlier Since, the later Until), listed per shop by OrderID
// then ClientID in UTC, and ended only while Until is the one the caller
// read (a watch widened meanwhile stays).
func testDuplicateWatches(t *testing.T, s rosync.Store) {
	ds := dupsOf(t, s)
	ctx := t.Context()
	kyiv := time.FixedZone("UTC+2", 2*60*60)
	base := time.Date(2026, 11, 20, 9, 30, 15, 123456789, kyiv)
	watch := func(shop, order string, client int64, since, until time.Time) rosync.DuplicateWatch {
		return rosync.DuplicateWatch{Shop: shop, OrderID: order, ClientID: client, Since: since, Until: until}
	}

	got, err := ds.DuplicateWatches(ctx, "shop-a")
	require.NoError(t, err)
	require.NotNil(t, got)
	require.Empty(t, got)
	require.NoError(t, ds.EndDuplicateWatch(ctx, watch("shop-a", "none", 1, base, base)), "ending a watch that is not there")

	w2 := watch("shop-a", "2", 8, base, base.Add(time.Hour))
	requireAllSet(t, w2)
	require.NoError(t, ds.WatchDuplicates(ctx, w2))
	require.NoError(t, ds.WatchDuplicates(ctx, watch("shop-a", "1", 9, base, base.Add(time.Hour))))
	require.NoError(t, ds.WatchDuplicates(ctx, watch("shop-a", "1", 7, base, base.Add(time.Hour))))
	require.NoError(t, ds.WatchDuplicates(ctx, watch("shop-b", "1", 9, base, base.Add(time.Hour))))
	// Widened: an earlier since, a later until; then a narrower call
	// changes nothing.
	require.NoError(t, ds.WatchDuplicates(ctx, watch("shop-a", "2", 8, base.Add(-time.Minute), base.Add(2*time.Hour))))
	require.NoError(t, ds.WatchDuplicates(ctx, watch("shop-a", "2", 8, base.Add(time.Minute), base.Add(time.Minute))))

	got, err = ds.DuplicateWatches(ctx, "shop-a")
	require.NoError(t, err)
	want := []rosync.DuplicateWatch{
		watch("shop-a", "1", 7, base, base.Add(time.Hour)),
		watch("shop-a", "1", 9, base, base.Add(time.Hour)),
		watch("shop-a", "2", 8, base.Add(-time.Minute), base.Add(2*time.Hour)),
	}
	if d := diff(want, got); d != "" {
		t.Fatalf("DuplicateWatches (-want +got):\n%s", d)
	}
	for _, w := range got {
		require.Equal(t, time.UTC, w.Since.Location())
		require.Equal(t, time.UTC, w.Until.Location())
	}

	// Ended with a stale Until: stays; with the stored one: gone, and
	// only for its client.
	require.NoError(t, ds.EndDuplicateWatch(ctx, watch("shop-a", "2", 8, base, base.Add(time.Hour))))
	require.NoError(t, ds.EndDuplicateWatch(ctx, got[0]))
	got, err = ds.DuplicateWatches(ctx, "shop-a")
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, []int64{9, 8}, []int64{got[0].ClientID, got[1].ClientID})
	other, err := ds.DuplicateWatches(ctx, "shop-b")
	require.NoError(t, err)
	require.Len(t, other, 1, "shops are kept apart")
}

// testDuplicates checks the duplicates of the optional
// rosync.DuplicateStore: inserted, replaced by (Shop, DuplicateID), listed
// per shop by DuplicateID with every field kept.
func testDuplicates(t *testing.T, s rosync.Store) {
	ds := dupsOf(t, s)
	ctx := t.Context()
	at := time.Date(2026, 11, 20, 9, 30, 15, 123456789, time.FixedZone("UTC+2", 2*60*60))
	got, err := ds.Duplicates(ctx, "shop-a")
	require.NoError(t, err)
	require.NotNil(t, got)
	require.Empty(t, got)

	d := rosync.Duplicate{Shop: "shop-a", OrderID: "1001", Number: "#1001", ROOrderID: 7001, DuplicateID: 7005,
		FoundAt: at, CommentSentAt: at.Add(time.Second), Commented: true, Moved: true}
	requireAllSet(t, d)
	first := d
	first.Commented, first.Moved, first.CommentSentAt = false, false, time.Time{}
	require.NoError(t, ds.PutDuplicate(ctx, first))
	require.NoError(t, ds.PutDuplicate(ctx, rosync.Duplicate{Shop: "shop-a", OrderID: "1000", ROOrderID: 7000, DuplicateID: 7002, FoundAt: at}))
	require.NoError(t, ds.PutDuplicate(ctx, rosync.Duplicate{Shop: "shop-b", OrderID: "1", ROOrderID: 1, DuplicateID: 7005, FoundAt: at}))
	require.NoError(t, ds.PutDuplicate(ctx, d), "replaced by (Shop, DuplicateID)")

	got, err = ds.Duplicates(ctx, "shop-a")
	require.NoError(t, err)
	want := []rosync.Duplicate{
		{Shop: "shop-a", OrderID: "1000", ROOrderID: 7000, DuplicateID: 7002, FoundAt: at},
		d,
	}
	if df := diff(want, got); df != "" {
		t.Fatalf("Duplicates (-want +got):\n%s", df)
	}
	require.Equal(t, time.UTC, got[1].FoundAt.Location())
	require.Equal(t, time.UTC, got[1].CommentSentAt.Location())
	require.True(t, got[0].CommentSentAt.IsZero(), "a zero CommentSentAt stays zero")
	other, err := ds.Duplicates(ctx, "shop-b")
	require.NoError(t, err)
	require.Len(t, other, 1, "shops are kept apart")
}
