package faultplan

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestDecide_Deterministic: the same seed draws the same faults, so that a
// failing run can be played again.
func TestDecide_Deterministic(t *testing.T) {
	draw := func(seed int64) []Fault {
		p := &Plan{Rate: 0.3, Seed: seed}
		var out []Fault
		for i := range 1000 {
			out = append(out, p.Decide("GET /x", i%2 == 0))
		}
		return out
	}
	a, b, c := draw(7), draw(7), draw(8)
	same := func(x, y []Fault) bool {
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	if !same(a, b) {
		t.Fatal("same seed, different faults")
	}
	if same(a, c) {
		t.Fatal("different seeds, same faults")
	}
	n := 0
	for i, f := range a {
		if f.Kind != None {
			n++
		}
		if i%2 == 1 && f.Kind.Executed() {
			t.Fatalf("an executed kind for a request that is not a create: %v", f.Kind)
		}
	}
	if n < 250 || n > 350 {
		t.Fatalf("%d faults in 1000 draws at rate 0.3", n)
	}
	var nilPlan *Plan
	if nilPlan.Decide("x", true).Kind != None || nilPlan.Total() != 0 {
		t.Fatal("a nil plan injects faults")
	}
}

// TestApply serves each kind over a real connection: the unexecuted kinds
// leave the handler unrun, the executed ones run it and still fail.
func TestApply(t *testing.T) {
	for _, k := range AllKinds {
		t.Run(k.String(), func(t *testing.T) {
			var ran atomic.Int32
			next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.ReadAll(r.Body)
				ran.Add(1)
				_, _ = w.Write([]byte(`{"id":1}`))
			})
			p := &Plan{Rate: 1, Kinds: []Kind{k}, Delay: 500 * time.Millisecond}
			srv := httptest.NewServer(Wrap(next, p, nil, nil))
			defer srv.Close()
			c := srv.Client()
			c.Timeout = 100 * time.Millisecond
			resp, err := c.Post(srv.URL+"/orders", "application/json", strings.NewReader(`{}`))
			ok := err == nil && resp.StatusCode == http.StatusOK
			if resp != nil {
				resp.Body.Close()
			}
			if ok {
				t.Fatalf("%v: the request succeeded", k)
			}
			if k.Executed() && k != ExecutedLate {
				// The request is served before the fault: wait for it
				// (the server may reach the handler after the client gave
				// up on a loaded machine), with a guard that only ends a
				// hang.
				guard := time.After(time.Minute)
				for ran.Load() == 0 {
					select {
					case <-guard:
						t.Fatalf("%v: the handler never ran (a minute)", k)
					case <-time.After(10 * time.Millisecond):
					}
				}
			}
			// A Slow handler would run by now; the others must not have
			// (a negative check: load can only make it pass vacuously,
			// never fail).
			time.Sleep(700 * time.Millisecond)
			if want := int32(0); k == ExecutedLate {
				// Wrap has no clock: a late execution is refused.
				if ran.Load() != 0 {
					t.Fatalf("%v: handler ran %d times without a clock, want 0", k, ran.Load())
				}
			} else if k.Executed() {
				if ran.Load() != 1 {
					t.Fatalf("%v: handler ran %d times, want 1", k, ran.Load())
				}
			} else if ran.Load() != want {
				t.Fatalf("%v: handler ran %d times, want 0", k, ran.Load())
			}
			if p.Counts()[k] != 1 || p.Total() != 1 {
				t.Fatalf("counts %v", p.Counts())
			}
		})
	}
}

// TestExecutedLate: a create under ExecutedLate fails for the client (no
// answer, or 504) and is executed once, only when the server's clock has
// passed its due time, drawn within [LateMin, LateMax]; a request that is
// not a create is never executed late.
func TestExecutedLate(t *testing.T) {
	var (
		now = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		ran atomic.Int32
	)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	q := &LateQueue{Now: clock}
	p := &Plan{Rate: 1, Kinds: []Kind{ExecutedLate}, Delay: 300 * time.Millisecond,
		LateMin: 10 * time.Second, LateMax: 20 * time.Second}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b, _ := io.ReadAll(r.Body); string(b) != `{"n":1}` {
			t.Errorf("late body %q", b)
		}
		ran.Add(1)
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q.RunDue()
		p.ApplyLater(p.Decide(r.Method+" "+r.URL.Path, r.Method == http.MethodPost), w, r, next, q)
	}))
	defer srv.Close()
	c := srv.Client()
	c.Timeout = 100 * time.Millisecond
	holds := 0
	for range 6 {
		resp, err := c.Post(srv.URL+"/orders", "application/json", strings.NewReader(`{"n":1}`))
		if err == nil {
			if resp.StatusCode != http.StatusGatewayTimeout {
				t.Fatalf("late create answered %d, want 504 or nothing", resp.StatusCode)
			}
			resp.Body.Close()
		} else {
			holds++
		}
	}
	if holds == 0 || holds == 6 {
		t.Logf("holds: %d of 6 (both answers expected now and then)", holds)
	}
	if n, _ := q.Pending(); n != 6 || ran.Load() != 0 {
		t.Fatalf("pending %d, ran %d: want 6 queued and none executed before the clock moves", n, ran.Load())
	}
	advance(10*time.Second - time.Nanosecond)
	if q.RunDue() != 0 || ran.Load() != 0 {
		t.Fatal("executed before LateMin")
	}
	advance(10*time.Second + time.Nanosecond)
	if q.RunDue() != 6 || ran.Load() != 6 || q.Executed() != 6 {
		t.Fatalf("ran %d after LateMax, want 6", ran.Load())
	}
	// A read never executes late.
	resp, err := c.Get(srv.URL + "/orders")
	if err == nil {
		resp.Body.Close()
	}
	advance(time.Hour)
	if q.RunDue() != 0 {
		t.Fatal("a read was executed late")
	}
	if got := p.Counts()[ExecutedLate]; got != 6 {
		t.Fatalf("counted %d late creates, want 6", got)
	}
}

// TestCreatesOnly: a plan with CreatesOnly leaves every other request
// alone, and draws the same faults for creates as without it.
func TestCreatesOnly(t *testing.T) {
	a, b := &Plan{Rate: 0.5, Seed: 3}, &Plan{Rate: 0.5, Seed: 3, CreatesOnly: true}
	for i := range 200 {
		create := i%3 == 0
		fa, fb := a.Decide("x", create), b.Decide("x", create)
		if !create && fb.Kind != None {
			t.Fatalf("CreatesOnly: a fault for a request that is not a create: %v", fb.Kind)
		}
		if create && fa != fb {
			t.Fatalf("CreatesOnly changed a create's draw: %v vs %v", fa, fb)
		}
	}
}
