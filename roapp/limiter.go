package roapp

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/rosync/rosync"
)

// Limiter is what the client waits on before every attempt (retries
// included). Wait returns nil when the request may be sent, or an error
// (the context's, or the limiter's own) when it may not. A Limiter reads the
// request's class from ctx with rosync.PriorityOf if it serves priorities.
//
// *PriorityLimiter is the one the client builds; *rate.Limiter also
// satisfies Limiter, and Options.Limiter wraps one in a PriorityLimiter
// (see Options.Limiter).
type Limiter interface {
	Wait(ctx context.Context) error
}

// SlotSource hands out the times at which requests may be sent, for a
// PriorityLimiter. RateSlots is the in-process one (x/time/rate);
// storage/postgres's Store.AccountSlots shares one account's slots between
// replicas through the database.
type SlotSource interface {
	// Slots reserves up to n (n >= 1) slots for this process and returns
	// their times in increasing order, at least one when the error is nil.
	// A slot is used at or after its time, at most once; a slot not used
	// is lost (the account sends less, never more). It may block (a
	// shared source's round trip).
	Slots(ctx context.Context, n int) ([]time.Time, error)
}

// RateSlots is a SlotSource over an x/time/rate limiter: each slot is one
// reservation (Limiter.Reserve), one at a time, so that a slot reserved for
// a waiter that gave up is the only one lost. Several RateSlots (several
// clients) may share one *rate.Limiter.
func RateSlots(l *rate.Limiter) SlotSource { return rateSlots{l} }

type rateSlots struct{ l *rate.Limiter }

func (s rateSlots) Slots(ctx context.Context, n int) ([]time.Time, error) {
	now := time.Now()
	r := s.l.ReserveN(now, 1)
	if !r.OK() {
		return nil, fmt.Errorf("roapp: rate limiter with burst %d grants no request", s.l.Burst())
	}
	return []time.Time{now.Add(r.DelayFrom(now))}, nil
}

// PriorityLimiter serves the requests waiting on it live first: whenever a
// slot of its SlotSource comes due, it goes to the oldest waiting
// rosync.PriorityLive request, or else to the oldest waiting
// rosync.PriorityBackfill one (first come, first served within a class).
// Back-fill thus gets what live work leaves; a live request waits at most
// for the slots already reserved when it arrived (one, for RateSlots).
// When several slots of a batch are already due (the process could not run
// in time), only the last is used and the earlier ones are lost, so that a
// late process does not send a burst.
//
// It runs one goroutine while requests wait and none when idle; a request
// whose context ends leaves the queue at once (Wait returns the context's
// error). A PriorityLimiter is safe for concurrent use; share one among the
// clients of one RO App account.
type PriorityLimiter struct {
	src SlotSource
	// maxBatch bounds how many slots one Slots call asks for.
	maxBatch int

	mu      sync.Mutex
	queues  [2]list.List // of *waiter, by rosync.Priority
	running bool         // the pump goroutine runs
}

type waiter struct {
	ready chan struct{} // closed when granted or failed
	done  bool          // granted or failed (under mu)
	err   error
}

// NewPriorityLimiter returns a PriorityLimiter that hands out src's slots.
func NewPriorityLimiter(src SlotSource) *PriorityLimiter {
	return &PriorityLimiter{src: src, maxBatch: 64}
}

// NewRateLimiter returns a PriorityLimiter of its own x/time/rate limiter of
// r requests per second and burst: RateSlots(rate.NewLimiter(r, burst)).
func NewRateLimiter(r float64, burst int) *PriorityLimiter {
	return NewPriorityLimiter(RateSlots(rate.NewLimiter(rate.Limit(r), max(burst, 1))))
}

// Waiting returns how many requests wait, live and back-fill.
func (l *PriorityLimiter) Waiting() (live, backfill int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.queues[rosync.PriorityLive].Len(), l.queues[rosync.PriorityBackfill].Len()
}

// Wait blocks until a slot is granted to this request, in the order above,
// or ctx ends. The class is rosync.PriorityOf(ctx).
func (l *PriorityLimiter) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	class := rosync.PriorityOf(ctx)
	if class != rosync.PriorityBackfill {
		class = rosync.PriorityLive
	}
	w := &waiter{ready: make(chan struct{})}
	l.mu.Lock()
	e := l.queues[class].PushBack(w)
	if !l.running {
		l.running = true
		go l.pump()
	}
	l.mu.Unlock()
	select {
	case <-w.ready:
		return w.err
	case <-ctx.Done():
		l.mu.Lock()
		defer l.mu.Unlock()
		if w.done {
			// Granted (or failed) as the context ended: the slot is
			// this request's; the caller sees its context and stops.
			return w.err
		}
		l.queues[class].Remove(e)
		return ctx.Err()
	}
}

// waitingLocked is the number of waiting requests.
func (l *PriorityLimiter) waitingLocked() int {
	return l.queues[0].Len() + l.queues[1].Len()
}

// popLocked takes the next waiter: the oldest live one, else the oldest
// back-fill one; nil when none waits.
func (l *PriorityLimiter) popLocked() *waiter {
	for i := range l.queues {
		if e := l.queues[i].Front(); e != nil {
			return l.queues[i].Remove(e).(*waiter)
		}
	}
	return nil
}

// pump hands slots to waiters until none waits. It asks the source for as
// many slots as requests wait (up to maxBatch), and for the next batch
// while the last slot of the current one is still ahead, so that a shared
// source's round trip does not leave the account's time unused.
func (l *PriorityLimiter) pump() {
	var buf []time.Time
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		l.mu.Lock()
		n := l.waitingLocked()
		if n == 0 {
			l.running = false
			l.mu.Unlock()
			return
		}
		l.mu.Unlock()
		if len(buf) == 0 || (len(buf) == 1 && n > 1 && time.Until(buf[0]) > 0) {
			got, err := l.src.Slots(context.Background(), min(max(n-len(buf), 1), l.maxBatch))
			if err == nil && len(got) == 0 {
				err = errors.New("roapp: slot source returned no slot")
			}
			if err != nil && len(buf) == 0 {
				l.failAll(err)
				continue
			}
			buf = append(buf, got...)
		}
		at := buf[0]
		buf = buf[1:]
		// Of several slots already due (the pump woke late: a loaded
		// machine), only the last is used: sending them all at once
		// would be a burst the account's own bucket may refuse (429).
		for now := time.Now(); len(buf) > 0 && !buf[0].After(now); {
			at, buf = buf[0], buf[1:]
		}
		if d := time.Until(at); d > 0 {
			timer.Reset(d)
			<-timer.C
		}
		l.mu.Lock()
		if w := l.popLocked(); w != nil {
			w.done = true
			close(w.ready)
		}
		l.mu.Unlock()
	}
}

// failAll ends the wait of every waiting request with err: the source is
// broken, and a request not sent is safe to fail (it is retried later).
func (l *PriorityLimiter) failAll(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	err = fmt.Errorf("roapp: rate limiter: %w", err)
	for w := l.popLocked(); w != nil; w = l.popLocked() {
		w.done, w.err = true, err
		close(w.ready)
	}
}
