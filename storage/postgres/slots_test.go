package postgres

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp"
	"github.com/rosync/rosync/storage/postgres/postgrestest"
)

// AccountSlots is what roapp.NewPriorityLimiter takes, without the package
// importing roapp.
var _ roapp.SlotSource = (*AccountSlots)(nil)

// TestAccountSlotsShared runs 4 replicas (4 Stores on one schema, each with
// its own live-first limiter) that ask for slots of one account as fast as
// they can, and checks ENG-3's one limit per account on the slots the
// database handed out (the server's times, not sleeps): over any window of
// one second the account has at most R + 1 slots, no slot is given
// twice, no replica uses more slots than it claimed nor any before its
// time, and the database sees fewer round trips than requests.
func TestAccountSlotsShared(t *testing.T) {
	t.Parallel()
	const (
		replicas = 4
		perRep   = 6 // requests waiting at once in each replica
		grants   = 240
		R        = 200.0
	)
	ctx := t.Context()
	dsn := postgrestest.DSN(t)
	schema := postgrestest.NewSchema(t, dsn)
	var (
		mu     sync.Mutex
		server []time.Time // every slot handed out, server time
		claims int
	)
	type replica struct {
		lim    *roapp.PriorityLimiter
		mu     sync.Mutex
		local  []time.Time // the slots it claimed, local time
		grants []time.Time // when its requests were let through
	}
	reps := make([]*replica, replicas)
	for i := range reps {
		s, err := Open(ctx, dsn, &Options{Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		slots, err := s.AccountSlots("account-1", R, nil)
		if err != nil {
			t.Fatal(err)
		}
		r := &replica{lim: roapp.NewPriorityLimiter(slots)}
		slots.onClaim = func(first time.Time, local []time.Time) {
			mu.Lock()
			claims++
			for k := range local {
				server = append(server, first.Add(time.Duration(k)*slots.interval))
			}
			mu.Unlock()
			r.mu.Lock()
			r.local = append(r.local, local...)
			r.mu.Unlock()
		}
		reps[i] = r
	}
	var left atomic.Int64
	left.Store(grants)
	var wg sync.WaitGroup
	errs := make(chan error, replicas*perRep)
	for _, r := range reps {
		for k := range perRep {
			p := rosync.PriorityBackfill
			if k%3 == 0 {
				p = rosync.PriorityLive
			}
			wg.Go(func() {
				for left.Add(-1) >= 0 {
					if err := r.lim.Wait(rosync.WithPriority(ctx, p)); err != nil {
						errs <- err
						return
					}
					now := time.Now()
					r.mu.Lock()
					r.grants = append(r.grants, now)
					r.mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("Wait: %v", err)
	}

	slices.SortFunc(server, func(a, b time.Time) int { return a.Compare(b) })
	iv := time.Duration(1e6/R) * time.Microsecond
	for i := 1; i < len(server); i++ {
		if gap := server[i].Sub(server[i-1]); gap < iv {
			t.Fatalf("ENG-3: slots %d and %d are %v apart, less than 1/R = %v", i-1, i, gap, iv)
		}
	}
	most := 0
	for i := range server {
		j, _ := slices.BinarySearchFunc(server, server[i].Add(time.Second), func(a, b time.Time) int { return a.Compare(b) })
		most = max(most, j-i)
	}
	if most > int(R)+1 {
		t.Errorf("ENG-3: %d slots in one second, more than R + 1 = %d", most, int(R)+1)
	}
	total := 0
	for i, r := range reps {
		total += len(r.grants)
		if len(r.grants) > len(r.local) {
			t.Errorf("replica %d let %d requests through on %d slots", i, len(r.grants), len(r.local))
		}
		slices.SortFunc(r.local, func(a, b time.Time) int { return a.Compare(b) })
		slices.SortFunc(r.grants, func(a, b time.Time) int { return a.Compare(b) })
		for k := range min(len(r.grants), len(r.local)) {
			if r.grants[k].Before(r.local[k]) {
				t.Fatalf("replica %d: request %d let through %v before its slot", i, k, r.local[k].Sub(r.grants[k]))
			}
		}
	}
	if total != grants {
		t.Errorf("requests let through = %d, want %d", total, grants)
	}
	if claims >= total {
		t.Errorf("round trips = %d for %d requests: slots are not claimed in batches", claims, total)
	}
	t.Logf("account_slots: replicas=%d requests=%d slots=%d round_trips=%d max_per_second=%d R=%v",
		replicas, total, len(server), claims, most, R)
}
