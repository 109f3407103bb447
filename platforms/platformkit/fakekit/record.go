package fakekit

import (
	"maps"
	"net/url"
	"sync"
)

// Recorder keeps what a fake server received: a count of calls per key (an
// endpoint template, a function name) and the requests, in order, as the
// fake describes them (R). The zero value is ready; a Recorder is safe for
// concurrent use.
type Recorder[R any] struct {
	// Copy, when set, copies a request for Requests, so that a test
	// cannot change the recorded one (a request holding maps or slices).
	Copy func(R) R

	mu    sync.Mutex
	calls map[string]int
	total int
	reqs  []R
}

// Count counts one call of key.
func (rc *Recorder[R]) Count(key string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.count(key)
}

func (rc *Recorder[R]) count(key string) {
	if rc.calls == nil {
		rc.calls = map[string]int{}
	}
	rc.calls[key]++
	rc.total++
}

// Add keeps req, after the requests kept so far.
func (rc *Recorder[R]) Add(req R) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.reqs = append(rc.reqs, req)
}

// Record counts one call of key and keeps req.
func (rc *Recorder[R]) Record(key string, req R) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.count(key)
	rc.reqs = append(rc.reqs, req)
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

// Total returns the number of calls counted so far, all keys together.
func (rc *Recorder[R]) Total() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.total
}

// Requests returns the requests kept so far, in order (copied by Copy
// when it is set).
func (rc *Recorder[R]) Requests() []R {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := make([]R, len(rc.reqs))
	for i, r := range rc.reqs {
		if rc.Copy != nil {
			r = rc.Copy(r)
		}
		out[i] = r
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
