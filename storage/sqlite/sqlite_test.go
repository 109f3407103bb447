package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/storage/sqlite"
	"github.com/rosync/rosync/storage/storagetest"
)

// open opens a Store on a new file in a temporary directory.
func open(t testing.TB, opts *sqlite.Options) (*sqlite.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "rosync.db")
	s, err := sqlite.Open(context.Background(), path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, path
}

// TestConformance runs the Store contract's suite on a file per subtest; its
// Lock/Exclusive and SeenEvent/Concurrent subtests are this Store's share of
// ENG-1 (one RO App order per platform order, however often it arrives).
func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) rosync.Store {
		s, _ := open(t, nil)
		return s
	})
}

// TestReopen checks durability: what one Store wrote, a Store opened later
// on the same file reads (a restart, or a second process after a crash).
func TestReopen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "rosync.db")
	s, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := storagetest.SampleRecord("shop-a", "1001")
	id := rosync.Identity{ID: 501, Hash: "h"}
	st := rosync.ShopState{Shop: "shop-a", ConnectedAt: time.Date(2026, 9, 27, 8, 0, 0, 1, time.UTC)}
	for _, err := range []error{
		s.PutRecord(ctx, &rec),
		s.PutIdentity(ctx, "product/sku/A-1", id),
		s.PutShopState(ctx, st),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if seen, err := s.SeenEvent(ctx, "shop-a", "evt-1"); err != nil || seen {
		t.Fatalf("SeenEvent = %v, %v; want false, nil", seen, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}

	s, err = sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	gotRec, err := s.Record(ctx, "shop-a", "1001")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(rec, gotRec, storagetest.CmpOptions()); d != "" {
		t.Errorf("record after reopen (-want +got):\n%s", d)
	}
	if byRO, err := s.RecordByRO(ctx, rec.ROOrderID); err != nil || byRO.OrderID != "1001" {
		t.Errorf("RecordByRO after reopen = %q, %v", byRO.OrderID, err)
	}
	gotID, err := s.Identity(ctx, "product/sku/A-1")
	if err != nil || gotID != id {
		t.Errorf("Identity after reopen = %+v, %v; want %+v", gotID, err, id)
	}
	gotSt, err := s.ShopState(ctx, "shop-a")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(st, gotSt, storagetest.CmpOptions()); d != "" {
		t.Errorf("shop state after reopen (-want +got):\n%s", d)
	}
	if seen, err := s.SeenEvent(ctx, "shop-a", "evt-1"); err != nil || !seen {
		t.Errorf("SeenEvent after reopen = %v, %v; want true, nil", seen, err)
	}
}

// clock is a settable Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

func TestSeenEventPruned(t *testing.T) {
	ctx := t.Context()
	clk := &clock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	s, _ := open(t, &sqlite.Options{Now: clk.Now})

	seen := func(event string) bool {
		t.Helper()
		ok, err := s.SeenEvent(ctx, "shop-a", event)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if seen("old") {
		t.Fatal("first SeenEvent(old) = true")
	}
	clk.Add(6 * 24 * time.Hour)
	if !seen("old") {
		t.Fatal("SeenEvent(old) after 6 days = false: ids must be kept at least 7 days")
	}
	if seen("recent") {
		t.Fatal("first SeenEvent(recent) = true")
	}
	clk.Add(24*time.Hour + 2*time.Hour) // past the 7 days, and past the hourly prune interval
	// More than 7 days after "old" was first seen: pruned, so new again.
	if seen("old") {
		t.Error("SeenEvent(old) after 7 days and a prune = true, want it forgotten")
	}
	if !seen("recent") {
		t.Error("SeenEvent(recent) one day later = false, want true")
	}
}

func TestUpdatedAtFromClock(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2026, 11, 27, 12, 0, 0, 123456789, time.UTC)
	s, _ := open(t, &sqlite.Options{Now: func() time.Time { return now }})
	if err := s.PutRecord(ctx, &rosync.Record{Shop: "shop-a", OrderID: "1"}); err != nil {
		t.Fatal(err)
	}
	r, err := s.Record(ctx, "shop-a", "1")
	if err != nil {
		t.Fatal(err)
	}
	if !r.UpdatedAt.Equal(now) {
		t.Errorf("UpdatedAt = %v, want the Store's clock %v", r.UpdatedAt, now)
	}
}

func TestOpenRejects(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	for _, path := range []string{"", ":memory:", filepath.Join(dir, "a?b.db"), filepath.Join(dir, "missing", "x.db")} {
		if s, err := sqlite.Open(ctx, path, nil); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded, want an error", path)
		}
	}
	if s, err := sqlite.Open(ctx, filepath.Join(dir, "x.db"), &sqlite.Options{BusyTimeout: -1}); err == nil {
		s.Close()
		t.Error("Open with a negative BusyTimeout succeeded")
	}
}

func TestClosed(t *testing.T) {
	s, _ := open(t, nil)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Record(t.Context(), "shop-a", "1"); err == nil || errors.Is(err, rosync.ErrNotFound) {
		t.Errorf("Record on a closed Store: error = %v, want a non-ErrNotFound error", err)
	}
}
