package faultplan

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
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
			time.Sleep(700 * time.Millisecond) // a Slow handler would run by now
			if want := int32(0); k.Executed() {
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
