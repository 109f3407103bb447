package postgres_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/storage/postgres"
	"github.com/rosync/rosync/storage/postgres/postgrestest"
	"github.com/rosync/rosync/storage/storagetest"
)

// open opens a Store on schema, closed when the test ends.
func open(t testing.TB, dsn, schema string, opts *postgres.Options) *postgres.Store {
	t.Helper()
	var o postgres.Options
	if opts != nil {
		o = *opts
	}
	o.Schema = schema
	s, err := postgres.Open(context.Background(), dsn, &o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// openNew opens a Store on a new schema of its own.
func openNew(t testing.TB, opts *postgres.Options) (s *postgres.Store, dsn, schema string) {
	t.Helper()
	dsn = postgrestest.DSN(t)
	schema = postgrestest.NewSchema(t, dsn)
	return open(t, dsn, schema, opts), dsn, schema
}

// TestConformance runs the Store contract's suite on a schema per subtest;
// its Lock/Exclusive and SeenEvent/Concurrent subtests are this Store's share
// of ENG-1 within one process (TestLockAcrossStores covers several).
func TestConformance(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T) rosync.Store {
		s, _, _ := openNew(t, nil)
		return s
	})
}

// TestConformanceSecondStore runs the suite's reads and writes through a
// second Store on the same schema as the one that migrated it: a replica
// that starts later works on the first one's tables.
func TestConformanceSecondStore(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T) rosync.Store {
		_, dsn, schema := openNew(t, nil)
		return open(t, dsn, schema, nil)
	})
}

func TestReopen(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dsn := postgrestest.DSN(t)
	schema := postgrestest.NewSchema(t, dsn)
	s, err := postgres.Open(ctx, dsn, &postgres.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	rec := storagetest.SampleRecord("shop-a", "1001")
	if err := s.PutRecord(ctx, &rec); err != nil {
		t.Fatal(err)
	}
	if seen, err := s.SeenEvent(ctx, "shop-a", "evt-1"); err != nil || seen {
		t.Fatalf("SeenEvent = %v, %v; want false, nil", seen, err)
	}
	s.Close()
	s.Close() // a second Close does nothing

	s = open(t, dsn, schema, nil)
	got, err := s.Record(ctx, "shop-a", "1001")
	if err != nil {
		t.Fatal(err)
	}
	if !got.PlatformCreatedAt.Equal(rec.PlatformCreatedAt) || !got.IntentAt.Equal(rec.IntentAt) {
		t.Errorf("times in data lost precision: %v, %v; want %v, %v", got.PlatformCreatedAt, got.IntentAt,
			rec.PlatformCreatedAt, rec.IntentAt)
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
	t.Parallel()
	ctx := t.Context()
	clk := &clock{t: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
	s, _, _ := openNew(t, &postgres.Options{Now: clk.Now})
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
	clk.Add(24*time.Hour + 2*time.Hour)
	if seen("old") {
		t.Error("SeenEvent(old) after 7 days and a prune = true, want it forgotten")
	}
	if !seen("recent") {
		t.Error("SeenEvent(recent) one day later = false, want true")
	}
}

func TestUpdatedAtFromClock(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	now := time.Date(2026, 11, 27, 12, 0, 0, 123456000, time.UTC)
	s, _, _ := openNew(t, &postgres.Options{Now: func() time.Time { return now }})
	if err := s.PutRecord(ctx, &rosync.Record{Shop: "shop-a", OrderID: "1"}); err != nil {
		t.Fatal(err)
	}
	r, err := s.Record(ctx, "shop-a", "1")
	if err != nil {
		t.Fatal(err)
	}
	if !r.UpdatedAt.Equal(now) || r.UpdatedAt.Location() != time.UTC {
		t.Errorf("UpdatedAt = %v, want the Store's clock %v in UTC", r.UpdatedAt, now)
	}
}

func TestOpenRejects(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, err := postgres.Open(ctx, "postgres://rosync:s3cr3t-pw@[::1:5432/db", nil)
	if err == nil {
		t.Fatal("Open with a malformed DSN succeeded")
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("Open error shows the password: %v", err)
	}
	for _, o := range []postgres.Options{{MaxConns: -1}, {LockPoll: -time.Second}} {
		if s, err := postgres.Open(ctx, "postgres://127.0.0.1:1/db", &o); err == nil {
			s.Close()
			t.Errorf("Open with %+v succeeded", o)
		}
	}
}

func TestClosed(t *testing.T) {
	t.Parallel()
	s, _, _ := openNew(t, nil)
	s.Close()
	ctx := t.Context()
	if _, err := s.Record(ctx, "shop-a", "1"); err == nil || errors.Is(err, rosync.ErrNotFound) {
		t.Errorf("Record on a closed Store: error = %v, want a non-ErrNotFound error", err)
	}
	if u, err := s.Lock(ctx, "k"); err == nil {
		u()
		t.Error("Lock on a closed Store succeeded")
	}
	if _, err := s.Lease(ctx, "poll/x", "a", time.Minute); err == nil {
		t.Error("Lease on a closed Store succeeded")
	}
}

// openPoolNew opens a Store with OpenPool on a caller's pgxpool.Pool (of
// at most maxConns connections) and a new schema of its own.
func openPoolNew(t *testing.T, maxConns int32) (*postgres.Store, *pgxpool.Pool) {
	s, pool, _ := openPoolPath(t, maxConns)
	return s, pool
}

// openPoolPath is openPoolNew that also returns the search_path of the
// pool's connections before the Store used them.
func openPoolPath(t *testing.T, maxConns int32) (*postgres.Store, *pgxpool.Pool, string) {
	t.Helper()
	dsn := postgrestest.DSN(t)
	schema := postgrestest.NewSchema(t, dsn)
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = maxConns
	pool, err := pgxpool.NewWithConfig(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	var path string
	if err := pool.QueryRow(t.Context(), "SHOW search_path").Scan(&path); err != nil {
		t.Fatal(err)
	}
	s, err := postgres.OpenPool(t.Context(), pool, &postgres.Options{Schema: schema})
	if err != nil {
		t.Fatalf("OpenPool: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, pool, path
}

// TestConformanceOpenPool runs the Store contract's suite on a Store that
// works on the caller's pool.
func TestConformanceOpenPool(t *testing.T) {
	t.Parallel()
	storagetest.Run(t, func(t *testing.T) rosync.Store {
		s, _ := openPoolNew(t, 4)
		return s
	})
}

// TestOpenPoolLeavesPoolAlone: the Store's statements leave the caller's
// connections on their own search_path, and Close leaves the pool open.
func TestOpenPoolLeavesPoolAlone(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, pool, before := openPoolPath(t, 1) // one connection: the Store's and the caller's are the same
	rec := rosync.Record{Shop: "main", OrderID: "1", State: rosync.StateNew}
	if err := s.PutRecord(ctx, &rec); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Record(ctx, "main", "1"); err != nil {
		t.Fatal(err)
	}
	var after string
	if err := pool.QueryRow(ctx, "SHOW search_path").Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("search_path of the caller's connection = %q after the Store's statements, want %q", after, before)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := pool.Ping(ctx); err != nil {
		t.Errorf("the caller's pool after Store.Close: %v", err)
	}
	if _, err := s.Record(ctx, "main", "1"); err == nil {
		t.Error("Record on a closed Store succeeded")
	}
}
