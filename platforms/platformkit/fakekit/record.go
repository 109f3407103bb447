package fakekit

import (
	"maps"
	"net/url"
	"slices"
	"sync"
)

// Log is a list that a fake appends to as it serves (the status updates it
// was sent, the requests it received) and a test reads. The zero value is
// ready; a Log is safe for concurrent use.
type Log[T any] struct {
	mu    sync.Mutex
	items []T
}

// Add appends v.
func (l *Log[T]) Add(v T) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.items = append(l.items, v)
}

// All returns a copy of the list, in order (nil when empty).
func (l *Log[T]) All() []T {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.items)
}

// Recorder keeps what a fake server received: a count of calls per key (an
// endpoint template, a function name) and the requests, in order, as the
// fake describes them (R). The zero value is ready; a Recorder is safe for
// concurrent use.
type Recorder[R any] struct {
	// Copy, when set, copies a request for Requests, so that a test
	// cannot change the recorded one (a request holding maps or slices).
	Copy func(R) R

	reqs  Log[R]
	mu    sync.Mutex
	calls map[string]int
}

// Count counts one call of key.
func (rc *Recorder[R]) Count(key string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.calls == nil {
		rc.calls = map[string]int{}
	}
	rc.calls[key]++
}

// Add keeps req, after the requests kept so far.
func (rc *Recorder[R]) Add(req R) { rc.reqs.Add(req) }

// Record counts one call of key and keeps req.
func (rc *Recorder[R]) Record(key string, req R) {
	rc.Count(key)
	rc.Add(req)
}

// Calls returns the calls counted so far, per key.
func (rc *Recorder[R]) Calls() map[string]int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := maps.Clone(rc.calls)
	if out == nil {
		out = map[string]int{}
	}
	return out
}

// Requests returns the requests kept so far, in order (copied by Copy
// when it is set; nil when none).
func (rc *Recorder[R]) Requests() []R {
	out := rc.reqs.All()
	if rc.Copy != nil {
		for i := range out {
			out[i] = rc.Copy(out[i])
		}
	}
	return out
}

// CloneValues returns a deep copy of v (url.Values has no Clone), for a
// request that keeps its query.
func CloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
