package postgres

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/storage/postgres/postgrestest"
)

func openTest(t *testing.T, dsn, schema string) *Store {
	t.Helper()
	s, err := Open(t.Context(), dsn, &Options{Schema: schema})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func versions(t *testing.T, s *Store) (rows, distinct int) {
	t.Helper()
	err := s.pool.with(t.Context(), func(c *pgx.Conn) error {
		return c.QueryRow(t.Context(), "SELECT count(*), count(DISTINCT version) FROM schema_migrations").Scan(&rows, &distinct)
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows, distinct
}

// TestMigrateTwice: migrating a migrated schema applies nothing, and a
// schema newer than the code is refused.
func TestMigrateTwice(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dsn := postgrestest.DSN(t)
	schema := postgrestest.NewSchema(t, dsn)
	s := openTest(t, dsn, schema)
	openTest(t, dsn, schema) // a second Open: nothing to do
	migs, err := embeddedMigrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(migs) == 0 || migs[0].Version != 1 {
		t.Fatalf("embedded migrations = %+v, want 001 first", migs)
	}
	run := func(m []migration) (int, error) {
		var n int
		err := s.pool.with(ctx, func(c *pgx.Conn) error {
			var err error
			n, err = migrate(ctx, c, schema, m)
			return err
		})
		return n, err
	}
	for range 2 {
		if n, err := run(migs); err != nil || n != 0 {
			t.Fatalf("migrate again = %d, %v; want 0, nil", n, err)
		}
	}
	if rows, distinct := versions(t, s); rows != len(migs) || distinct != len(migs) {
		t.Errorf("schema_migrations has %d rows (%d versions), want %d", rows, distinct, len(migs))
	}

	next := migration{Version: migs[len(migs)-1].Version + 1, Name: "999_test", SQL: "CREATE TABLE test_extra (x int); CREATE INDEX ON test_extra (x);"}
	more := append(migs[:len(migs):len(migs)], next)
	if n, err := run(more); err != nil || n != 1 {
		t.Fatalf("migrate with one new migration = %d, %v; want 1, nil", n, err)
	}
	if _, err := run(migs); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("migrate with an older set: error = %v, want a schema-too-new error", err)
	}
	bad := append(more[:len(more):len(more)],
		migration{Version: next.Version + 1, Name: "bad", SQL: "CREATE TABLE test_bad (x int); SELECT * FROM no_such_table;"})
	if _, err := run(bad); err == nil {
		t.Fatal("migrate with a failing migration succeeded")
	}
	if rows, _ := versions(t, s); rows != len(more) {
		t.Errorf("after a failed migration: %d versions, want %d", rows, len(more))
	}
}

// TestMigrateConcurrently: replicas that start together on a new schema all
// open it, and the migrations are applied once.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	dsn := postgrestest.DSN(t)
	schema := postgrestest.NewSchema(t, dsn)
	const replicas = 6
	stores := make([]*Store, replicas)
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range replicas {
		wg.Go(func() {
			<-start
			stores[i], errs[i] = Open(t.Context(), dsn, &Options{Schema: schema})
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	migs, _ := embeddedMigrations()
	if rows, distinct := versions(t, stores[0]); rows != len(migs) || distinct != len(migs) {
		t.Errorf("schema_migrations has %d rows (%d versions), want %d", rows, distinct, len(migs))
	}
}

// TestLockDeadConnection: when the connection that holds a process's locks
// dies (the process crashed, the network broke), the server releases the
// locks and another replica gets them; the first Store's late unlock is
// harmless and it locks again on a new connection.
func TestLockDeadConnection(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dsn := postgrestest.DSN(t)
	schema := postgrestest.NewSchema(t, dsn)
	a := openTest(t, dsn, schema)
	b := openTest(t, dsn, schema)
	const key = "order/shop-a/1001"
	unlockA, err := a.Lock(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	a.session.mu.Lock()
	pid := a.session.conn.PgConn().PID()
	a.session.mu.Unlock()

	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	var killed bool
	if err := admin.QueryRow(ctx, "SELECT pg_terminate_backend($1)", pid).Scan(&killed); err != nil || !killed {
		t.Fatalf("pg_terminate_backend = %v, %v", killed, err)
	}

	lctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	unlockB, err := b.Lock(lctx, key)
	if err != nil {
		t.Fatalf("b's Lock after a's lock connection died: %v", err)
	}
	unlockA() // a's lock is gone already: nothing to release on the server
	wctx, wcancel := context.WithTimeout(ctx, 50*time.Millisecond)
	if u, err := a.Lock(wctx, key); err == nil {
		u()
		t.Error("a got the lock that b holds, on its new lock connection")
	}
	wcancel()
	unlockB()
	u, err := a.Lock(lctx, key)
	if err != nil {
		t.Fatalf("a's Lock on a new lock connection: %v", err)
	}
	u()
}

// lockPID returns the server pid of s's lock connection.
func lockPID(t *testing.T, s *Store) uint32 {
	t.Helper()
	s.session.mu.Lock()
	defer s.session.mu.Unlock()
	if s.session.conn == nil {
		t.Fatal("no lock connection")
	}
	return s.session.conn.PgConn().PID()
}

// terminate ends the server session pid, as a failover or a network blip
// ends the lock connection.
func terminate(t *testing.T, dsn string, pid uint32) {
	t.Helper()
	admin, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	var killed bool
	if err := admin.QueryRow(t.Context(), "SELECT pg_terminate_backend($1)", pid).Scan(&killed); err != nil || !killed {
		t.Fatalf("pg_terminate_backend = %v, %v", killed, err)
	}
}

// TestLockFencedLost: once the lock connection is terminated, Check finds
// every fenced lock lost (an error wrapping rosync.ErrLockLost) and ends
// their contexts with that cause, while another replica takes the key.
func TestLockFencedLost(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dsn := postgrestest.DSN(t)
	schema := postgrestest.NewSchema(t, dsn)
	a, err := Open(ctx, dsn, &Options{Schema: schema, LockCheck: -1}) // no pings: Check alone
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	b := openTest(t, dsn, schema)
	const key = "order/shop-a/1001"
	h1, err := a.LockFenced(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	defer h1.Unlock()
	h2, err := a.LockFenced(ctx, "contact/phone/+380501112233")
	if err != nil {
		t.Fatal(err)
	}
	defer h2.Unlock()
	if err := h1.Check(ctx); err != nil {
		t.Fatalf("Check before the loss: %v", err)
	}
	terminate(t, dsn, lockPID(t, a))

	if err := h1.Check(ctx); !errors.Is(err, rosync.ErrLockLost) {
		t.Fatalf("Check after the lock connection was terminated: error = %v, want one wrapping rosync.ErrLockLost", err)
	}
	for i, h := range []rosync.HeldLock{h1, h2} {
		if cause := context.Cause(h.Context()); !errors.Is(cause, rosync.ErrLockLost) {
			t.Errorf("lock %d: context cause = %v, want one wrapping rosync.ErrLockLost", i, cause)
		}
		if err := h.Check(ctx); !errors.Is(err, rosync.ErrLockLost) {
			t.Errorf("lock %d: Check = %v, want one wrapping rosync.ErrLockLost", i, err)
		}
	}
	lctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	u, err := b.Lock(lctx, key)
	if err != nil {
		t.Fatalf("b's Lock after a's lock connection died: %v", err)
	}
	u()
	// Once its holder lets go (a lost lock still excludes the process's
	// other goroutines until then), a locks again, on a new connection,
	// and its new lock is held.
	h1.Unlock()
	h3, err := a.LockFenced(lctx, key)
	if err != nil {
		t.Fatalf("a's LockFenced on a new lock connection: %v", err)
	}
	if err := h3.Check(ctx); err != nil {
		t.Errorf("Check of a lock on the new connection: %v", err)
	}
	h3.Unlock()
}

// TestLockFencedWatch: while a fenced lock is held, the Store pings its
// lock connection (Options.LockCheck), so the holder's context ends when
// the connection is terminated, without a Check.
func TestLockFencedWatch(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dsn := postgrestest.DSN(t)
	schema := postgrestest.NewSchema(t, dsn)
	a, err := Open(ctx, dsn, &Options{Schema: schema, LockCheck: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	h, err := a.LockFenced(ctx, "order/shop-a/1001")
	if err != nil {
		t.Fatal(err)
	}
	defer h.Unlock()
	terminate(t, dsn, lockPID(t, a))
	select {
	case <-h.Context().Done():
	case <-time.After(time.Minute): // a liveness guard, not a timing assertion
		t.Fatal("the lock's context did not end within a minute of the lock connection's loss")
	}
	if cause := context.Cause(h.Context()); !errors.Is(cause, rosync.ErrLockLost) {
		t.Errorf("context cause = %v, want one wrapping rosync.ErrLockLost", cause)
	}
}
