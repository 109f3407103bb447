package rosync

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// EventKind says what happened to an order.
type EventKind string

// The event kinds.
const (
	// EventImported: an RO App order was created for the platform order.
	EventImported EventKind = "imported"
	// EventUpdated: an imported order was applied again; its changes, if
	// any, were written (or it was left alone after deduction, ORD-5).
	EventUpdated EventKind = "updated"
	// EventRejected: a rule kept the order out (Event.Rule says which).
	EventRejected EventKind = "rejected"
	// EventFailed: the attempt failed (Event.Err); the order is kept and
	// retried.
	EventFailed EventKind = "failed"
	// EventStatusPushed: a status was set on the platform (CAR-2, WOO-3).
	EventStatusPushed EventKind = "status_pushed"
	// EventWebhookRefused: a webhook failed authentication (ENG-4) or was
	// too large; nothing was applied.
	EventWebhookRefused EventKind = "webhook_refused"
	// EventDuplicate: a poll found a second RO App order carrying the
	// order's reference (Event.ROOrderID is the duplicate's id; see
	// Duplicate). It is reported once per duplicate.
	EventDuplicate EventKind = "duplicate"
)

// Event is something the Syncer did, for metrics and logs. Options.OnEvent
// receives them.
type Event struct {
	Kind    EventKind
	Shop    string
	OrderID string // "" for webhook events
	Rule    string // for EventRejected
	Err     error  // for EventFailed and EventWebhookRefused
	// ROOrderID is the order's RO App id, when it has one (imported,
	// updated and failed orders).
	ROOrderID int64
	// Duration is how long the attempt took (wall clock: lock, reads and
	// writes), for the order events of an attempt; zero for the others.
	Duration time.Duration
}

// Progress reports a long run (the initial import or a poll) as it goes.
type Progress struct {
	// Phase is "import" or "poll".
	Phase string
	Shop  string
	// Orders is how many orders were applied so far; Imported, Updated,
	// Rejected and Failed split them.
	Orders, Imported, Updated, Rejected, Failed int
	// Total is how many orders the platform reported for the run before it
	// began (OrderCounter), for a bar with a percentage and an ETA; 0 when
	// unknown (a platform that does not count, a count that failed, a
	// poll). It is the platform's figure at that moment: orders created
	// during the run may take Orders past it.
	Total int
	// Started is when the run began (the Syncer's clock); Done is true on
	// the last report of the run.
	Started time.Time
	Done    bool
}

// OrderCounter is an optional capability of a Platform: counting the orders
// a Query selects, in one cheap call (WooCommerce's X-WP-Total header,
// Shopify's ordersCount). The initial import calls it once, before it
// streams the orders, and reports the figure as Progress.Total. A count
// that fails is logged and leaves the total unknown: it never stops the
// import.
type OrderCounter interface {
	// CountOrders returns how many orders Orders(ctx, q) would yield, as
	// the platform reports it (a lower bound where the platform caps its
	// count).
	CountOrders(ctx context.Context, q Query) (int, error)
}

// countOrders asks the platform how many orders q selects, when it can
// tell (OrderCounter); 0 when unknown.
func (s *Syncer) countOrders(ctx context.Context, q Query) int {
	c, ok := s.p.(OrderCounter)
	if !ok {
		return 0
	}
	n, err := c.CountOrders(ctx, q)
	if err != nil || n < 0 {
		s.log.WarnContext(ctx, "platform order count not read; progress shows no total", "err", err)
		return 0
	}
	return n
}

// tracker counts the orders of one run; it travels in the context so that
// concurrent webhooks do not count into an import.
type tracker struct {
	phase    string
	total    int
	started  time.Time
	mu       sync.Mutex // serialises Progress callbacks
	imported atomic.Int64
	updated  atomic.Int64
	rejected atomic.Int64
	failed   atomic.Int64
}

type trackerKey struct{}

func (s *Syncer) track(ctx context.Context, phase string, total int) (context.Context, *tracker) {
	t := &tracker{phase: phase, total: total, started: s.clock()}
	return context.WithValue(ctx, trackerKey{}, t), t
}

// emit reports an event to Options.OnEvent and to the run in ctx, if any.
func (s *Syncer) emit(ctx context.Context, ev Event) {
	ev.Shop = s.shop
	if s.onEvent != nil {
		s.onEvent(ev)
	}
	t, _ := ctx.Value(trackerKey{}).(*tracker)
	if t == nil {
		return
	}
	switch ev.Kind {
	case EventImported:
		t.imported.Add(1)
	case EventUpdated:
		t.updated.Add(1)
	case EventRejected:
		t.rejected.Add(1)
	case EventFailed:
		t.failed.Add(1)
	default:
		return
	}
	s.report(t, false)
}

// report sends the run's progress to Options.Progress.
func (s *Syncer) report(t *tracker, done bool) {
	if s.progress == nil {
		return
	}
	p := Progress{
		Phase: t.phase, Shop: s.shop, Started: t.started, Done: done, Total: t.total,
		Imported: int(t.imported.Load()), Updated: int(t.updated.Load()),
		Rejected: int(t.rejected.Load()), Failed: int(t.failed.Load()),
	}
	p.Orders = p.Imported + p.Updated + p.Rejected + p.Failed
	t.mu.Lock()
	defer t.mu.Unlock()
	s.progress(p)
}

// timed sets ev.Duration to the wall-clock time since start.
func timed(ev Event, start time.Time) Event {
	ev.Duration = time.Since(start)
	return ev
}

// attemptEvent is the event of an import attempt on rec, whose RO App
// order id was before the attempt began.
func attemptEvent(rec *Record, before int64, err error) Event {
	var se *storeError
	switch {
	case err == nil && before == 0 && rec.ROOrderID != 0:
		return Event{Kind: EventImported, OrderID: rec.OrderID, ROOrderID: rec.ROOrderID}
	case err == nil:
		return Event{Kind: EventUpdated, OrderID: rec.OrderID, ROOrderID: rec.ROOrderID}
	case rec.State == StateRejected && rec.LastError == "" && !errors.As(err, &se):
		return Event{Kind: EventRejected, OrderID: rec.OrderID, Rule: rec.Rule}
	}
	return Event{Kind: EventFailed, OrderID: rec.OrderID, ROOrderID: rec.ROOrderID, Err: err}
}
