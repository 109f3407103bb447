// Package faultplan is a seeded, replayable plan of HTTP faults for the fake
// servers of tests and replays (the RO App emulator, the fake platforms): a
// share Rate of requests fails, with a kind drawn from Kinds by a
// math/rand source seeded with Seed, so that a failing run can be played
// again with the same seed. Plans count what they injected, per kind.
//
// Kinds that answer before the request is served (ServerError, RateLimited,
// RateLimitedNoRetryAfter, Slow, Drop) leave the server's state unchanged.
// The "executed" kinds (ExecutedThenError, ExecutedThenTimeout,
// ExecutedThenDrop) serve the request first and then fail the answer: the
// dangerous case of a create that the client cannot know succeeded. They are
// only given to requests for which the middleware's isCreate says so; other
// requests get a kind that leaves the state unchanged instead.
package faultplan

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"time"
)

// Kind is a kind of fault.
type Kind int

// The kinds of fault.
const (
	// None is no fault: the request is served.
	None Kind = iota
	// ServerError answers 500 without serving the request (a 502/503/504
	// in turn, by the draw).
	ServerError
	// RateLimited answers 429 with a Retry-After header (Plan.RetryAfter).
	RateLimited
	// RateLimitedNoRetryAfter answers 429 without Retry-After.
	RateLimitedNoRetryAfter
	// Slow holds the answer for Plan.Delay (past the client's timeout);
	// if the client still waits, a read is then served and a write is
	// refused with 503 without being executed.
	Slow
	// Drop closes the connection after writing part of a status line,
	// without serving the request.
	Drop
	// ExecutedThenError serves the request, then answers 500.
	ExecutedThenError
	// ExecutedThenTimeout serves the request, then holds the answer until
	// the client gives up (or Plan.Delay) and closes the connection.
	ExecutedThenTimeout
	// ExecutedThenDrop serves the request, then closes the connection
	// after writing part of the answer's headers.
	ExecutedThenDrop
)

// AllKinds lists every kind of fault, the default of Plan.Kinds.
var AllKinds = []Kind{ServerError, RateLimited, RateLimitedNoRetryAfter, Slow, Drop,
	ExecutedThenError, ExecutedThenTimeout, ExecutedThenDrop}

var kindNames = map[Kind]string{
	None: "none", ServerError: "5xx", RateLimited: "429+retry-after", RateLimitedNoRetryAfter: "429",
	Slow: "slow", Drop: "drop", ExecutedThenError: "executed+5xx",
	ExecutedThenTimeout: "executed+timeout", ExecutedThenDrop: "executed+drop",
}

// String names the kind as the counters print it.
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Executed reports whether the kind serves the request before failing.
func (k Kind) Executed() bool {
	return k == ExecutedThenError || k == ExecutedThenTimeout || k == ExecutedThenDrop
}

// ParseKind reads a kind by its String name.
func ParseKind(s string) (Kind, error) {
	for k, n := range kindNames {
		if strings.EqualFold(n, strings.TrimSpace(s)) {
			return k, nil
		}
	}
	return None, fmt.Errorf("faultplan: unknown kind %q", s)
}

// DefaultDelay is the default of Plan.Delay.
const DefaultDelay = 2 * time.Second

// Plan is a seeded fault plan. Set its fields before first use; a Plan is
// then safe for concurrent use and may be shared by several servers (one
// sequence of draws for all of them). A nil *Plan injects nothing.
type Plan struct {
	// Rate is the share of requests that fail, in [0, 1].
	Rate float64
	// Seed seeds the draws.
	Seed int64
	// Kinds are the kinds drawn from, evenly; nil means AllKinds.
	Kinds []Kind
	// Delay is how long Slow and ExecutedThenTimeout hold the answer; it
	// should exceed the clients' timeout. Default DefaultDelay.
	Delay time.Duration
	// RetryAfter is the Retry-After header of RateLimited; default "1".
	RetryAfter string

	mu     sync.Mutex
	rng    *rand.Rand
	counts map[Kind]int
	byEP   map[string]int
}

// Fault is one decision of a Plan.
type Fault struct {
	Kind Kind
	// Status is the status of ServerError and ExecutedThenError answers.
	Status int
}

// Decide draws the fault of one request to endpoint (a name such as
// "POST /orders", kept for the counters). A request that must not be
// executed twice by surprise, and so is not a create, passes create false:
// an "executed" kind is then replaced by its unexecuted sibling (Slow,
// Drop, ServerError), drawn the same way so that the sequence of draws
// does not depend on it.
func (p *Plan) Decide(endpoint string, create bool) Fault {
	if p == nil || p.Rate <= 0 {
		return Fault{}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rng == nil {
		s := uint64(p.Seed)
		p.rng = rand.New(rand.NewPCG(s, s^0x9e3779b97f4a7c15))
		p.counts = map[Kind]int{}
		p.byEP = map[string]int{}
	}
	roll := p.rng.Float64()
	kinds := p.Kinds
	if len(kinds) == 0 {
		kinds = AllKinds
	}
	k := kinds[p.rng.IntN(len(kinds))]
	code := []int{500, 502, 503, 504}[p.rng.IntN(4)]
	if roll >= p.Rate {
		return Fault{}
	}
	if !create {
		switch k {
		case ExecutedThenError:
			k = ServerError
		case ExecutedThenTimeout:
			k = Slow
		case ExecutedThenDrop:
			k = Drop
		}
	}
	if k == ExecutedThenError {
		code = http.StatusInternalServerError
	}
	p.counts[k]++
	p.byEP[endpoint]++
	return Fault{Kind: k, Status: code}
}

// Counts returns the faults injected so far, per kind.
func (p *Plan) Counts() map[Kind]int {
	out := map[Kind]int{}
	if p == nil {
		return out
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, n := range p.counts {
		out[k] = n
	}
	return out
}

// ByEndpoint returns the faults injected so far, per endpoint.
func (p *Plan) ByEndpoint() map[string]int {
	out := map[string]int{}
	if p == nil {
		return out
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, n := range p.byEP {
		out[k] = n
	}
	return out
}

// Total returns the number of faults injected so far.
func (p *Plan) Total() int {
	n := 0
	for _, c := range p.Counts() {
		n += c
	}
	return n
}

// Summary renders the counters as "5xx: 3, slow: 1" (kinds in order).
func (p *Plan) Summary() string {
	counts := p.Counts()
	kinds := make([]Kind, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool { return kinds[i] < kinds[j] })
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s: %d", k, counts[k])
	}
	return strings.Join(parts, ", ")
}

func (p *Plan) delay() time.Duration {
	if p == nil || p.Delay <= 0 {
		return DefaultDelay
	}
	return p.Delay
}

func (p *Plan) retryAfter() string {
	if p == nil || p.RetryAfter == "" {
		return "1"
	}
	return p.RetryAfter
}

// Apply answers a request under fault f: next serves the request (for
// None, Slow when the client still waits, and the executed kinds). It
// returns whether next ran, i.e. whether the server's state may have
// changed.
func (p *Plan) Apply(f Fault, w http.ResponseWriter, r *http.Request, next http.Handler) (served bool) {
	switch f.Kind {
	case None:
		next.ServeHTTP(w, r)
		return true
	case ServerError:
		writeError(w, f.Status)
	case RateLimited:
		w.Header().Set("Retry-After", p.retryAfter())
		writeError(w, http.StatusTooManyRequests)
	case RateLimitedNoRetryAfter:
		writeError(w, http.StatusTooManyRequests)
	case Slow:
		// Read the body first: the server notices that the client left
		// only once the body is consumed, and a request served after its
		// client gave up would land late, out of order.
		if r.Body != nil {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				return false
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		if !wait(r, p.delay()) {
			return false
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			// A write is never executed late: a client whose timeout
			// fired at about the same moment would already be looking
			// for it, and could miss it and create it again. It is
			// refused instead, which changes nothing.
			writeError(w, http.StatusServiceUnavailable)
			return false
		}
		next.ServeHTTP(w, r)
		return true
	case Drop:
		hijackWrite(w, []byte("HTTP/1.1 20"))
	case ExecutedThenError, ExecutedThenTimeout, ExecutedThenDrop:
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		switch f.Kind {
		case ExecutedThenError:
			writeError(w, f.Status)
		case ExecutedThenTimeout:
			wait(r, p.delay())
			hijackWrite(w, nil)
		default:
			var buf bytes.Buffer
			_ = rec.Result().Write(&buf)
			hijackWrite(w, buf.Bytes()[:buf.Len()/3])
		}
		return true
	}
	return false
}

// Wrap returns next behind the plan: every request draws a fault by its
// endpoint (endpoint(r); "METHOD /path" when nil) and isCreate(r) (nil:
// POST requests are creates).
func Wrap(next http.Handler, p *Plan, endpoint func(*http.Request) string, isCreate func(*http.Request) bool) http.Handler {
	if p == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ep := r.Method + " " + r.URL.Path
		if endpoint != nil {
			ep = endpoint(r)
		}
		create := r.Method == http.MethodPost
		if isCreate != nil {
			create = isCreate(r)
		}
		p.Apply(p.Decide(ep, create), w, r, next)
	})
}

// wait waits d or until the client gives up; true when d passed.
func wait(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

func writeError(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, "{\"code\":\"faultplan_injected\",\"message\":%q}\n", http.StatusText(status))
}

// hijackWrite takes the connection over, writes part (a truncated answer)
// and closes it. Without a Hijacker (HTTP/2, a recorder) it panics with
// http.ErrAbortHandler, which makes the server reset the stream.
func hijackWrite(w http.ResponseWriter, part []byte) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, bw, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	defer conn.Close()
	if len(part) > 0 {
		writeAll(bw, part)
	}
}

func writeAll(bw *bufio.ReadWriter, b []byte) {
	_, _ = bw.Write(b)
	_ = bw.Flush()
}
