package storagetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
)

// requireConflict fails unless err wraps rosync.ErrConflict.
func requireConflict(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, rosync.ErrConflict) {
		t.Errorf("%s: error = %v, want one wrapping rosync.ErrConflict", what, err)
	}
}

// testVersionIncrements: an insert stores version 1, each replace adds one,
// and every read returns the stored version.
func testVersionIncrements(t *testing.T, s rosync.Store) {
	ctx := t.Context()
	r := rosync.Record{Shop: "shop-a", OrderID: "1001", State: rosync.StateNew}
	for want := int64(1); want <= 3; want++ {
		r.Attempts = int(want)
		require.NoError(t, s.PutRecord(ctx, &r))
		if r.Version != want {
			t.Fatalf("after write %d: r.Version = %d, want %d", want, r.Version, want)
		}
		got, err := s.Record(ctx, "shop-a", "1001")
		require.NoError(t, err)
		if got.Version != want || got.Attempts != int(want) {
			t.Errorf("Record after write %d: Version %d, Attempts %d; want %d, %d", want, got.Version, got.Attempts, want, want)
		}
	}
	r.State, r.ROOrderID = rosync.StateImported, 42
	require.NoError(t, s.PutRecord(ctx, &r))
	got, err := s.RecordByRO(ctx, 42)
	require.NoError(t, err)
	if got.Version != 4 {
		t.Errorf("RecordByRO: Version %d, want 4", got.Version)
	}
	all, err := s.Records(ctx, "shop-a", rosync.RecordFilter{})
	require.NoError(t, err)
	if len(all) != 1 || all[0].Version != 4 {
		t.Errorf("Records = %+v, want the one record at version 4", all)
	}
	// Another order's versions are its own.
	other := putNew(t, s, rosync.Record{Shop: "shop-a", OrderID: "1002"})
	if other.Version != 1 {
		t.Errorf("another order's first version = %d, want 1", other.Version)
	}
}

// testVersionConflict: a write carrying a version other than the stored
// one (a stale read, an insert over an existing record, a made-up version)
// writes nothing, wraps rosync.ErrConflict and leaves the caller's record
// as it was.
func testVersionConflict(t *testing.T, s rosync.Store) {
	ctx := t.Context()
	at := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	putNew(t, s, rosync.Record{Shop: "shop-a", OrderID: "1001", State: rosync.StatePending, UpdatedAt: at})

	// Two replicas read version 1; the first to write wins.
	a, err := s.Record(ctx, "shop-a", "1001")
	require.NoError(t, err)
	b := a
	a.State, a.ROOrderID, a.UpdatedAt = rosync.StateImported, 7001, at.Add(time.Minute)
	require.NoError(t, s.PutRecord(ctx, &a))
	b.State, b.LastError, b.UpdatedAt = rosync.StateNew, "lost its lock", time.Time{}
	stale := b
	requireConflict(t, "PutRecord with the version read before another write", s.PutRecord(ctx, &b))
	if d := diff(stale, b); d != "" {
		t.Errorf("PutRecord that failed changed the caller's record (-want +got):\n%s", d)
	}
	got, err := s.Record(ctx, "shop-a", "1001")
	require.NoError(t, err)
	if d := diff(a, got); d != "" {
		t.Errorf("the stale write changed the stored record (-want +got):\n%s", d)
	}

	tests := []struct {
		name string
		r    rosync.Record
	}{
		{"insert over an existing record", rosync.Record{Shop: "shop-a", OrderID: "1001", State: rosync.StateNew}},
		{"a version ahead of the stored one", rosync.Record{Shop: "shop-a", OrderID: "1001", Version: a.Version + 1}},
		{"a version of a record that does not exist", rosync.Record{Shop: "shop-a", OrderID: "404", Version: 1}},
		{"the same order of another shop", rosync.Record{Shop: "shop-b", OrderID: "1001", Version: a.Version}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.r
			requireConflict(t, "PutRecord", s.PutRecord(ctx, &r))
			if r.Version != tt.r.Version {
				t.Errorf("PutRecord that failed set r.Version to %d (was %d)", r.Version, tt.r.Version)
			}
		})
	}
	got, err = s.Record(ctx, "shop-a", "1001")
	require.NoError(t, err)
	if d := diff(a, got); d != "" {
		t.Errorf("conflicting writes changed the stored record (-want +got):\n%s", d)
	}
	for _, k := range [][2]string{{"shop-a", "404"}, {"shop-b", "1001"}} {
		if _, err := s.Record(ctx, k[0], k[1]); !errors.Is(err, rosync.ErrNotFound) {
			t.Errorf("Record(%s, %s) after a conflicting write: error = %v, want ErrNotFound", k[0], k[1], err)
		}
	}
}

// testVersionInsertRace: replicas that all found no record insert it at
// once; exactly one insert wins and the others get rosync.ErrConflict.
func testVersionInsertRace(t *testing.T, s rosync.Store) {
	ctx := t.Context()
	const racers = 8
	for round := range 5 {
		orderID := fmt.Sprintf("race-%d", round)
		errs := make([]error, racers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range racers {
			wg.Go(func() {
				r := rosync.Record{Shop: "shop-a", OrderID: orderID, Number: fmt.Sprint(i), State: rosync.StatePending}
				<-start
				errs[i] = s.PutRecord(ctx, &r)
			})
		}
		close(start)
		wg.Wait()
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner >= 0:
				t.Errorf("%s: inserts %d and %d both succeeded", orderID, winner, i)
			case err == nil:
				winner = i
			default:
				requireConflict(t, "the losing insert", err)
			}
		}
		if winner < 0 {
			t.Fatalf("%s: no insert succeeded", orderID)
		}
		got, err := s.Record(ctx, "shop-a", orderID)
		require.NoError(t, err)
		if got.Number != fmt.Sprint(winner) || got.Version != 1 {
			t.Errorf("%s: stored Number %q, Version %d; want the winner's %q, 1", orderID, got.Number, got.Version, fmt.Sprint(winner))
		}
	}
}
