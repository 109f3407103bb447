package postgres_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rosync/rosync/storage/postgres"
)

// TestLease checks the poll lease that keeps replicas from polling a shop
// together (rosync.Leaser): taken when free, renewed by its holder, refused
// to others until it expires, then taken over; released only by its holder.
func TestLease(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	clk := &clock{t: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)}
	a, dsn, schema := openNew(t, &postgres.Options{Now: clk.Now})
	b := open(t, dsn, schema, &postgres.Options{Now: clk.Now}) // another replica
	const name, ttl = "poll/shop-a", 10 * time.Minute

	steps := []struct {
		what    string
		s       *postgres.Store
		holder  string
		advance time.Duration
		want    bool
	}{
		{"a takes the free lease", a, "a", 0, true},
		{"b is refused while a holds it", b, "b", 0, false},
		{"a renews it", a, "a", 9 * time.Minute, true},
		{"b is refused within the renewed term", b, "b", 9 * time.Minute, false},
		{"b takes it over once it expired", b, "b", 2 * time.Minute, true},
		{"a is refused now", a, "a", 0, false},
		{"another name is independent", a, "a", 0, true},
	}
	for _, st := range steps {
		clk.Add(st.advance)
		n := name
		if st.what == "another name is independent" {
			n = "poll/shop-b"
		}
		got, err := st.s.Lease(ctx, n, st.holder, ttl)
		if err != nil {
			t.Fatalf("%s: %v", st.what, err)
		}
		if got != st.want {
			t.Fatalf("%s: Lease = %v, want %v", st.what, got, st.want)
		}
	}

	// Release by a non-holder does nothing; by the holder frees it at once.
	if err := a.Release(ctx, name, "a"); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.Lease(ctx, name, "a", ttl); got {
		t.Fatal("a took the lease after its own no-op Release while b holds it")
	}
	if err := b.Release(ctx, name, "b"); err != nil {
		t.Fatal(err)
	}
	if got, err := a.Lease(ctx, name, "a", ttl); err != nil || !got {
		t.Fatalf("Lease after the holder released it = %v, %v; want true", got, err)
	}
	if _, err := a.Lease(ctx, name, "a", 0); err == nil {
		t.Error("Lease with a zero ttl succeeded")
	}
}

// TestLeaseRace: of replicas racing for a free lease, exactly one gets it.
func TestLeaseRace(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	first, dsn, schema := openNew(t, nil)
	stores := []*postgres.Store{first}
	for range 3 {
		stores = append(stores, open(t, dsn, schema, nil))
	}
	for round := range 5 {
		name := fmt.Sprintf("poll/race-%d", round)
		var (
			wg     sync.WaitGroup
			mu     sync.Mutex
			owners []string
		)
		for i, s := range stores {
			for g := range 4 {
				holder := fmt.Sprintf("replica-%d-%d", i, g)
				wg.Go(func() {
					ok, err := s.Lease(ctx, name, holder, time.Minute)
					if err != nil {
						t.Error(err)
					}
					if ok {
						mu.Lock()
						owners = append(owners, holder)
						mu.Unlock()
					}
				})
			}
		}
		wg.Wait()
		if len(owners) != 1 {
			t.Errorf("round %d: %d holders got the lease (%v), want exactly 1", round, len(owners), owners)
		}
	}
}

// TestLeaseServerClock: without Options.Now, expiry follows the database
// server's clock: a's lease refuses b while it runs, then lapses by itself.
// Nothing here measures time: a's term is long enough (10 s) that b's first
// try, one statement later, falls inside it even on a loaded machine, and b
// then tries again until the lease lapsed, with a deadline that only ends a
// test that would otherwise hang (a lease that never expires).
func TestLeaseServerClock(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	a, dsn, schema := openNew(t, nil)
	b := open(t, dsn, schema, nil)
	if ok, err := a.Lease(ctx, "poll/s", "a", 10*time.Second); err != nil || !ok {
		t.Fatalf("a: Lease = %v, %v", ok, err)
	}
	if ok, err := b.Lease(ctx, "poll/s", "b", time.Minute); err != nil || ok {
		t.Fatalf("b while a's lease runs: Lease = %v, %v; want false", ok, err)
	}
	guard := time.After(2 * time.Minute) // a hang guard, not a speed bound
	for {
		ok, err := b.Lease(ctx, "poll/s", "b", time.Minute)
		if err != nil {
			t.Fatalf("b waiting for a's lease to expire: %v", err)
		}
		if ok {
			break
		}
		select {
		case <-guard:
			t.Fatal("a's 10 s lease never expired on the server's clock (2 minutes)")
		case <-time.After(250 * time.Millisecond):
		}
	}
	if ok, err := a.Lease(ctx, "poll/s", "a", time.Minute); err != nil || ok {
		t.Fatalf("a after b took over the lapsed lease: Lease = %v, %v; want false", ok, err)
	}
}
