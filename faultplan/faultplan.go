// Package faultplan is a seeded, replayable plan of HTTP faults for the fake
// servers of tests and replays (the RO App emulator, the fake platforms): a
// share Rate of requests fails, with a kind drawn from Kinds by a
// math/rand source seeded with Seed, so that a failing run can be played
// again with the same seed. Plans count what they injected, per kind. A
// fake server takes a plan through fakekit.Faults
// (platforms/platformkit/fakekit), which also holds the faults a test
// queues for the next requests.
//
// Kinds that answer before the request is served (ServerError, RateLimited,
// RateLimitedNoRetryAfter, Slow, Drop) leave the server's state unchanged.
// The "executed" kinds (ExecutedThenError, ExecutedThenTimeout,
// ExecutedThenDrop) serve the request first and then fail the answer: the
// dangerous case of a create that the client cannot know succeeded. They are
// only given to requests for which the middleware's isCreate says so; other
// requests get a kind that leaves the state unchanged instead.
//
// ExecutedLate is the fault that duplicates orders in integrations with a
// service that has no idempotency key, as RO App has none: the server
// answers nothing (it holds the request until the client gives up) or 504
// at once, and executes the request later, after a delay drawn from
// [Plan.LateMin, Plan.LateMax] on the server's own clock, so that a
// replay's simulated clock can carry it minutes past the client's timeout
// and settle wait. A server takes it through ApplyLater with a Later (a
// LateQueue on its clock); through Apply or Wrap, which have no clock, it
// is answered 504 and never executed.
//
// Why late: a gateway that times out answers 504 while the backend behind it
// goes on and may complete the write (for example
// https://www.smplogs.com/patterns/apigateway/integration-timeout, "the
// backend often continues processing after API Gateway has already
// returned a 504"). How long RO App's own backend may run after its
// gateway gave up is UNVERIFIED: the fault draws delays up to minutes, and
// the engine's quarantine (rosync.Options.Quarantine) must outlast them.
package faultplan

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
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
	// ExecutedLate answers nothing (holds the request until the client
	// gives up, or Plan.Delay) or 504 at once, by the draw, and executes
	// the request Fault.Late later on the server's clock (ApplyLater).
	// Only creates get it; other requests get Slow or a 504 instead.
	ExecutedLate
)

// AllKinds lists every kind of fault, the default of Plan.Kinds.
var AllKinds = []Kind{ServerError, RateLimited, RateLimitedNoRetryAfter, Slow, Drop,
	ExecutedThenError, ExecutedThenTimeout, ExecutedThenDrop, ExecutedLate}

var kindNames = map[Kind]string{
	None: "none", ServerError: "5xx", RateLimited: "429+retry-after", RateLimitedNoRetryAfter: "429",
	Slow: "slow", Drop: "drop", ExecutedThenError: "executed+5xx",
	ExecutedThenTimeout: "executed+timeout", ExecutedThenDrop: "executed+drop",
	ExecutedLate: "executed-late",
}

// String names the kind as the counters print it.
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Executed reports whether the kind serves the request, before failing or
// (ExecutedLate) after.
func (k Kind) Executed() bool {
	return k == ExecutedThenError || k == ExecutedThenTimeout || k == ExecutedThenDrop || k == ExecutedLate
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

// DefaultLateMax is the default of Plan.LateMax: past any client timeout
// plus settle wait, and past RO App's own gateway timeout.
const DefaultLateMax = 2 * time.Minute

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
	// LateMin and LateMax bound the delay of ExecutedLate (on the
	// server's clock), drawn evenly; defaults 0 and DefaultLateMax.
	LateMin, LateMax time.Duration
	// CreatesOnly spares the requests that are not creates: they are
	// served as they are (the draws are made all the same).
	CreatesOnly bool

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
	// Late is how long after the request ExecutedLate executes it; Hold
	// says whether it answers nothing until the client gives up (else
	// 504 at once).
	Late time.Duration
	Hold bool
}

// Decide draws the fault of one request to endpoint (a name such as
// "POST /orders", kept for the counters). A request that must not be
// executed twice by surprise, and so is not a create, passes create false:
// an "executed" kind is then replaced by its unexecuted sibling (Slow,
// Drop, ServerError), drawn the same way so that the sequence of draws
// does not depend on it.
func (p *Plan) Decide(endpoint string, create bool) Fault {
	return p.DecideFor(endpoint, create, create)
}

// DecideFor is Decide for a server that executes more than creates under
// the "executed" kinds (an update executed, then its answer lost): execute
// allows ExecutedThenError, ExecutedThenTimeout and ExecutedThenDrop, and
// create allows ExecutedLate too. CreatesOnly spares the requests that are
// not creates.
func (p *Plan) DecideFor(endpoint string, create, execute bool) Fault {
	create = create && execute
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
	var (
		late time.Duration
		hold bool
	)
	if k == ExecutedLate {
		// Drawn for this kind only, so that plans without it draw as
		// they did before it existed.
		lo, hi := p.lateRange()
		late = lo + time.Duration(p.rng.Int64N(int64(hi-lo)+1))
		hold = p.rng.IntN(2) == 0
	}
	if roll >= p.Rate || (p.CreatesOnly && !create) {
		return Fault{}
	}
	if k == ExecutedLate && !create && execute {
		// Executed, but not late: only creates are.
		if k = ExecutedThenError; hold {
			k = ExecutedThenTimeout
		}
		late, hold = 0, false
	}
	if !execute {
		switch k {
		case ExecutedThenError:
			k = ServerError
		case ExecutedThenTimeout:
			k = Slow
		case ExecutedThenDrop:
			k = Drop
		case ExecutedLate:
			if k = ServerError; hold {
				k = Slow
			}
			late, hold = 0, false
		}
	}
	switch k {
	case ExecutedThenError:
		code = http.StatusInternalServerError
	case ExecutedLate:
		code = http.StatusGatewayTimeout
	}
	p.counts[k]++
	p.byEP[endpoint]++
	return Fault{Kind: k, Status: code, Late: late, Hold: hold}
}

// Counts returns the faults injected so far, per kind.
func (p *Plan) Counts() map[Kind]int {
	if p == nil {
		return map[Kind]int{}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return cloneCounts(p.counts)
}

// ByEndpoint returns the faults injected so far, per endpoint.
func (p *Plan) ByEndpoint() map[string]int {
	if p == nil {
		return map[string]int{}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return cloneCounts(p.byEP)
}

// cloneCounts copies a count map, never returning nil.
func cloneCounts[K comparable](m map[K]int) map[K]int {
	out := make(map[K]int, len(m))
	maps.Copy(out, m)
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

// lateRange returns the bounds of ExecutedLate's delay; p.mu is held.
func (p *Plan) lateRange() (lo, hi time.Duration) {
	lo, hi = max(0, p.LateMin), p.LateMax
	if hi <= 0 {
		hi = DefaultLateMax
	}
	return lo, max(lo, hi)
}

func (p *Plan) retryAfter() string {
	if p == nil || p.RetryAfter == "" {
		return "1"
	}
	return p.RetryAfter
}

// Later executes requests late, on a server's clock: Later runs run once
// the clock has moved d past its time now. LateQueue is one.
type Later interface {
	Later(d time.Duration, run func())
}

// Apply answers a request under fault f: next serves the request (for
// None, Slow when the client still waits, and the executed kinds). It
// returns whether next ran, i.e. whether the server's state may have
// changed. ExecutedLate, which needs a clock, is answered 504 and not
// executed: see ApplyLater.
func (p *Plan) Apply(f Fault, w http.ResponseWriter, r *http.Request, next http.Handler) (served bool) {
	return p.ApplyLater(f, w, r, next, nil)
}

// ApplyLater is Apply for a server with a clock: an ExecutedLate fault
// hands the request (its body read now) to later, to be served by next
// f.Late from now, and answers nothing until the client gives up (f.Hold)
// or 504 at once. With a nil later it is answered 504, unexecuted. served
// then reports whether the request was handed over.
func (p *Plan) ApplyLater(f Fault, w http.ResponseWriter, r *http.Request, next http.Handler, later Later) (served bool) {
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
	case ExecutedLate:
		if later == nil {
			writeError(w, http.StatusGatewayTimeout)
			return false
		}
		var body []byte
		if r.Body != nil {
			var err error
			if body, err = io.ReadAll(r.Body); err != nil {
				// Not all of it arrived: nothing to execute.
				return false
			}
		}
		// The late request outlives the client's: it gets a context
		// of its own.
		late := r.Clone(context.WithoutCancel(r.Context()))
		late.Body = io.NopCloser(bytes.NewReader(body))
		later.Later(f.Late, func() { next.ServeHTTP(httptest.NewRecorder(), late) })
		if f.Hold {
			wait(r, p.delay())
			hijackWrite(w, nil)
		} else {
			writeError(w, f.Status)
		}
		return true
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

// LateQueue is a Later on a clock: requests handed to it are executed by
// RunDue once Now has passed their due time, in the order of their due
// times. A server calls RunDue before it serves each request and before it
// shows its state, so that a late create lands before anything that comes
// after its due time. It is safe for concurrent use.
type LateQueue struct {
	// Now is the server's clock (time.Now when nil).
	Now func() time.Time

	run      sync.Mutex // held while due requests execute
	mu       sync.Mutex
	queue    []lateRequest
	seq      int
	executed int
}

type lateRequest struct {
	due time.Time
	seq int
	run func()
}

func (q *LateQueue) now() time.Time {
	if q.Now == nil {
		return time.Now()
	}
	return q.Now()
}

// Later queues run to be executed d from now.
func (q *LateQueue) Later(d time.Duration, run func()) {
	due := q.now().Add(d)
	q.mu.Lock()
	defer q.mu.Unlock()
	q.seq++
	q.queue = append(q.queue, lateRequest{due: due, seq: q.seq, run: run})
}

// RunDue executes the queued requests that are due, oldest due time first,
// and returns how many it executed. A call made while another executes
// waits for it, so that no caller goes ahead of a request already due.
func (q *LateQueue) RunDue() int {
	q.run.Lock()
	defer q.run.Unlock()
	now := q.now()
	q.mu.Lock()
	var due, rest []lateRequest
	for _, l := range q.queue {
		if l.due.After(now) {
			rest = append(rest, l)
		} else {
			due = append(due, l)
		}
	}
	q.queue = rest
	q.mu.Unlock()
	sort.Slice(due, func(i, j int) bool {
		if !due[i].due.Equal(due[j].due) {
			return due[i].due.Before(due[j].due)
		}
		return due[i].seq < due[j].seq
	})
	for _, l := range due {
		l.run()
	}
	q.mu.Lock()
	q.executed += len(due)
	q.mu.Unlock()
	return len(due)
}

// Pending returns how many requests wait for their due time, and the
// latest due time among them (zero when none).
func (q *LateQueue) Pending() (n int, last time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, l := range q.queue {
		if l.due.After(last) {
			last = l.due
		}
	}
	return len(q.queue), last
}

// Executed returns how many late requests RunDue executed.
func (q *LateQueue) Executed() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.executed
}
