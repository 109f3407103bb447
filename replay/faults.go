package replay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rosync/rosync/faultplan"
)

// DefaultFaultTimeout is how long the replay's HTTP clients wait for an
// answer's headers when Options.Faults is set, so that answers held by a
// fault time out fast.
const DefaultFaultTimeout = 200 * time.Millisecond

// maxFaultRounds bounds the extra polls of a replay under faults.
const maxFaultRounds = 50

// faultable is a harness whose fake platform server takes a fault plan.
// Harnesses without it get faults on the RO App side only.
type faultable interface {
	// SetFaults applies p to the fake platform server (nil: none), and
	// makes Connect return an adapter that retries quickly and often.
	SetFaults(p *faultplan.Plan)
}

// Retry log lines counted as retries, by message.
var retryMessages = map[string]bool{
	"retrying order in place":              true, // the engine, in place
	"roapp retrying":                       true, // roapp, idempotent calls
	"roapp retrying after a network error": true,
	"roapp rate limited, waiting":          true, // roapp, creates refused with 429
	"http: retrying request":               true, // platform adapters on retryablehttp
}

// countingHandler counts retry lines and passes records on to next at
// next's level.
type countingHandler struct {
	next    slog.Handler
	retries *atomic.Int64
}

func (h countingHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h countingHandler) Handle(ctx context.Context, r slog.Record) error {
	if retryMessages[r.Message] {
		h.retries.Add(1)
	}
	if h.next.Enabled(ctx, r.Level) {
		return h.next.Handle(ctx, r)
	}
	return nil
}

func (h countingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return countingHandler{next: h.next.WithAttrs(as), retries: h.retries}
}

func (h countingHandler) WithGroup(name string) slog.Handler {
	return countingHandler{next: h.next.WithGroup(name), retries: h.retries}
}

// countingLogger wraps l (nil: discard) so that retries are counted.
func countingLogger(l *slog.Logger, retries *atomic.Int64) *slog.Logger {
	next := slog.DiscardHandler
	if l != nil {
		next = l.Handler()
	}
	return slog.New(countingHandler{next: next, retries: retries})
}

// deliverer sends webhooks Dup times each, concurrently and shuffled by a
// seeded source; copies after the first may be held back and delivered
// with the next event's, out of order.
type deliverer struct {
	dup    int
	rng    *rand.Rand
	client *http.Client
	late   []*http.Request
}

func newDeliverer(dup int, seed int64, client *http.Client) *deliverer {
	s := uint64(seed)
	return &deliverer{dup: max(1, dup), rng: rand.New(rand.NewPCG(s, ^s)), client: client}
}

// deliver sends the webhook that build makes (dup copies, some held back)
// together with the copies held back before. It fails when a copy sent on
// time is not answered 200.
func (d *deliverer) deliver(ctx context.Context, build func() (*http.Request, error)) error {
	// All copies are built now, with the order as it is now.
	first, err := build()
	if err != nil {
		return err
	}
	batch := append([]*http.Request{first}, d.late...)
	d.late = nil
	for i := 1; i < d.dup; i++ {
		req, err := build()
		if err != nil {
			return err
		}
		if d.rng.IntN(2) == 0 {
			d.late = append(d.late, req)
		} else {
			batch = append(batch, req)
		}
	}
	return d.send(ctx, batch)
}

// flush sends the copies still held back.
func (d *deliverer) flush(ctx context.Context) error {
	batch := d.late
	d.late = nil
	return d.send(ctx, batch)
}

func (d *deliverer) send(ctx context.Context, batch []*http.Request) error {
	d.rng.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
	errs := make([]error, len(batch))
	var wg sync.WaitGroup
	for i, req := range batch {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := d.client.Do(req.WithContext(ctx))
			if err != nil {
				errs[i] = err
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				errs[i] = fmt.Errorf("webhook answered %s", resp.Status)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// fanOut serves each request n times, concurrently, to next (RO App's
// webhooks delivered more than once); the answer is the first non-2xx
// one, else 200.
func fanOut(next func() http.Handler, n int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "read", http.StatusBadRequest)
			return
		}
		codes := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r2 := r.Clone(r.Context())
				r2.Body = io.NopCloser(bytes.NewReader(body))
				rec := httptest.NewRecorder()
				next().ServeHTTP(rec, r2)
				codes[i] = rec.Code
			}()
		}
		wg.Wait()
		for _, c := range codes {
			if c < 200 || c > 299 {
				w.WriteHeader(c)
				return
			}
		}
		w.WriteHeader(http.StatusOK)
	})
}

// faultLine renders the fault counters for the summary.
func faultLine(m map[string]int) string {
	var parts []string
	for _, k := range faultplan.AllKinds {
		if n := m[k.String()]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s: %d", k, n))
		}
	}
	return strings.Join(parts, ", ")
}
