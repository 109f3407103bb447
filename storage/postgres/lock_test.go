package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/storage/postgres"
)

// blocked reports whether s.Lock(key) waits: it gives the call a short
// context and checks that the call gave up with the context's error.
func blocked(t *testing.T, s *postgres.Store, key string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	unlock, err := s.Lock(ctx, key)
	if err == nil {
		unlock()
		return false
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Lock(%q) with an expiring context: error = %v, want context.DeadlineExceeded", key, err)
	}
	return true
}

// TestLockAcrossStores checks the lock between two Stores on separate
// pools, as two replicas have them (ENG-1: two processes never apply one
// order at once): exclusive, handed over on unlock, and per key.
func TestLockAcrossStores(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	a, dsn, schema := openNew(t, nil)
	b := open(t, dsn, schema, nil)
	const key = "order/shop-a/1001"

	unlock, err := a.Lock(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if !blocked(t, b, key) {
		t.Fatal("b got the lock that a holds")
	}
	// Other keys are free, and so is the same key in another schema.
	t.Cleanup(func() { _ = dropSchema(dsn, schema+"_other") })
	other := open(t, dsn, schema+"_other", nil)
	for _, s := range []*postgres.Store{b, other} {
		k := "order/shop-a/1002"
		if s == other {
			k = key
		}
		u, err := s.Lock(ctx, k)
		if err != nil {
			t.Fatalf("Lock(%s) while a holds %s: %v", k, key, err)
		}
		u()
	}

	got := make(chan error, 1)
	go func() {
		u, err := b.Lock(ctx, key)
		if err == nil {
			u()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("b's waiting Lock returned (%v) while a holds the key", err)
	case <-time.After(100 * time.Millisecond):
	}
	unlock()
	unlock() // a second call does nothing
	select {
	case err := <-got:
		if err != nil {
			t.Fatalf("b's waiting Lock after a unlocked: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("b's waiting Lock was not granted within a minute of a's unlock")
	}
}

// TestLockCounterAcrossStores increments a counter in the database by a
// read then a write, under the lock, from goroutines of four Stores: any
// overlap would lose increments.
func TestLockCounterAcrossStores(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	first, dsn, schema := openNew(t, &postgres.Options{LockPoll: 5 * time.Millisecond})
	stores := []*postgres.Store{first}
	for range 3 {
		stores = append(stores, open(t, dsn, schema, &postgres.Options{LockPoll: 5 * time.Millisecond}))
	}
	conn := connect(t, dsn)
	tbl := pgx.Identifier{schema, "counter"}.Sanitize()
	if _, err := conn.Exec(ctx, "CREATE TABLE "+tbl+" (n int NOT NULL); INSERT INTO "+tbl+" VALUES (0)"); err != nil {
		t.Fatal(err)
	}
	const perWorker = 15
	var (
		wg      sync.WaitGroup
		inside  atomic.Int32
		overlap atomic.Int32
	)
	for _, s := range stores {
		for range 3 {
			wg.Go(func() {
				c := connect(t, dsn)
				for range perWorker {
					unlock, err := s.Lock(ctx, "counter")
					if err != nil {
						t.Error(err)
						return
					}
					if inside.Add(1) > 1 {
						overlap.Add(1)
					}
					var n int
					if err := c.QueryRow(ctx, "SELECT n FROM "+tbl).Scan(&n); err != nil {
						t.Error(err)
					}
					if _, err := c.Exec(ctx, "UPDATE "+tbl+" SET n = $1", n+1); err != nil {
						t.Error(err)
					}
					inside.Add(-1)
					unlock()
				}
			})
		}
	}
	wg.Wait()
	var n int
	if err := conn.QueryRow(ctx, "SELECT n FROM "+tbl).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if want := len(stores) * 3 * perWorker; n != want || overlap.Load() != 0 {
		t.Errorf("counter = %d (want %d), %d overlaps (want 0)", n, want, overlap.Load())
	}
}

// TestLockDoesNotPinPool: locks do not hold pooled connections, so a Store
// with one pooled connection holds many locks and still reads and writes
// (with a connection per lock, a burst of orders could exhaust the pool
// and wait forever).
func TestLockDoesNotPinPool(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	s, _, _ := openNew(t, &postgres.Options{MaxConns: 1})
	var unlocks []func()
	for i := range 20 {
		u, err := s.Lock(ctx, fmt.Sprintf("order/shop-a/%d", i))
		if err != nil {
			t.Fatal(err)
		}
		unlocks = append(unlocks, u)
	}
	if err := s.PutIdentity(ctx, "contact/phone/+380501112233", rosync.Identity{ID: 1}); err != nil {
		t.Fatalf("PutIdentity while 20 locks are held with MaxConns 1: %v", err)
	}
	for _, u := range unlocks {
		u()
	}
}

// TestLockCanceledLeavesNothing: waiters of another process whose context
// ends give up and leave no lock behind, so the key is free once its holder
// lets go.
func TestLockCanceledLeavesNothing(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	a, dsn, schema := openNew(t, nil)
	b := open(t, dsn, schema, nil)
	c := open(t, dsn, schema, nil)
	const key = "order/shop-a/7"
	unlock, err := a.Lock(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			wctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
			defer cancel()
			if u, err := b.Lock(wctx, key); err == nil {
				u()
				t.Error("b got the lock that a holds")
			}
		})
	}
	wg.Wait()
	unlock()
	lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	u, err := c.Lock(lctx, key)
	if err != nil {
		t.Fatalf("Lock after a's unlock and b's canceled waits: %v", err)
	}
	u()
}

// connect opens a plain connection, closed when the test ends.
func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func dropSchema(dsn, schema string) error {
	c, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		return err
	}
	defer c.Close(context.Background())
	_, err = c.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
	return err
}
