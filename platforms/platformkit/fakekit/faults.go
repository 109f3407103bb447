package fakekit

import (
	"net/http"
	"slices"
	"sync"

	"github.com/rosync/rosync/faultplan"
)

// Faults holds the faults of a fake server: the ones a test queues for the
// next requests of a key (an endpoint, a function name: the fake chooses),
// each used a number of times, and a seeded faultplan.Plan that fails a
// share of the requests. F is the fake's own description of a queued fault
// (the status and error body its platform answers). The zero value holds
// no fault and no plan; a Faults is safe for concurrent use.
//
// A fake takes the queued fault first and answers it itself; when there is
// none it serves the request through Serve, under the plan:
//
//	if f, ok := s.faults.Next(endpoint); ok {
//		writeFault(w, f)
//		return
//	}
//	s.faults.Serve(w, r, endpoint, false, handler)
type Faults[F any] struct {
	mu    sync.Mutex
	plan  *faultplan.Plan
	queue map[string][]queued[F]
}

type queued[F any] struct {
	fault F
	left  int
}

// NewFaults returns a Faults under plan p (nil: none).
func NewFaults[F any](p *faultplan.Plan) *Faults[F] {
	return &Faults[F]{plan: p}
}

// SetPlan replaces the plan (nil: no more drawn faults).
func (fs *Faults[F]) SetPlan(p *faultplan.Plan) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.plan = p
}

// Plan returns the plan (nil when none).
func (fs *Faults[F]) Plan() *faultplan.Plan {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.plan
}

// Queue queues fault f for the next times requests of key (times <= 0
// means once), after the faults already queued for key.
func (fs *Faults[F]) Queue(key string, f F, times int) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if fs.queue == nil {
		fs.queue = map[string][]queued[F]{}
	}
	fs.queue[key] = append(fs.queue[key], queued[F]{fault: f, left: max(1, times)})
}

// Next takes one use of the oldest fault queued for key; ok is false when
// none is queued.
func (fs *Faults[F]) Next(key string) (f F, ok bool) {
	return fs.NextMatch(key, nil)
}

// NextMatch is Next for the oldest fault queued for key that match accepts
// (nil accepts every fault): a fault may wait for a request of a kind (a
// mutation, a download) while others pass it by.
func (fs *Faults[F]) NextMatch(key string, match func(F) bool) (f F, ok bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	q := fs.queue[key]
	i := slices.IndexFunc(q, func(e queued[F]) bool { return match == nil || match(e.fault) })
	if i < 0 {
		return f, false
	}
	f = q[i].fault
	if q[i].left--; q[i].left <= 0 {
		fs.queue[key] = slices.Delete(q, i, i+1)
	}
	return f, true
}

// Serve serves the request through next under the plan: it draws the
// request's fault by endpoint (the name the plan counts it under) and
// create (whether the request creates something a retry could duplicate:
// only then may it be executed and its answer lost), and answers as
// faultplan.Plan.Apply does. served reports whether next ran, i.e. whether
// the fake's state may have changed. Without a plan next serves every
// request.
func (fs *Faults[F]) Serve(w http.ResponseWriter, r *http.Request, endpoint string, create bool, next http.Handler) (served bool) {
	p := fs.Plan()
	return p.Apply(p.Decide(endpoint, create), w, r, next)
}
