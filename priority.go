package rosync

import "context"

// Priority is the class of the work a context carries, for the RO App rate
// limit: the limit is per account and a live order (a webhook, an operator's
// Sync) must not queue behind an initial import of thousands of orders.
// Limiters that know priorities (roapp.PriorityLimiter) serve waiting live
// requests before waiting back-fill ones.
type Priority int

// The priorities. The zero value is PriorityLive: work nobody classified is
// treated as live, so that only the engine's bulk paths give way.
const (
	// PriorityLive is work someone is waiting for: webhooks (HandleHint,
	// HandleROEvent) and Sync called on its own.
	PriorityLive Priority = iota
	// PriorityBackfill is bulk work: Connect's initial import and Poll's
	// reconciliation. It is served with what live work leaves.
	PriorityBackfill
)

// String returns "live" or "backfill".
func (p Priority) String() string {
	if p == PriorityBackfill {
		return "backfill"
	}
	return "live"
}

type priorityKey struct{}

// WithPriority returns a context that carries p. The Syncer sets it on its
// paths (Connect and Poll: PriorityBackfill; HandleHint and HandleROEvent:
// PriorityLive); an embedder may set it around its own calls, e.g. a Sync of
// many orders in a loop as PriorityBackfill.
func WithPriority(ctx context.Context, p Priority) context.Context {
	return context.WithValue(ctx, priorityKey{}, p)
}

// PriorityOf returns the priority ctx carries, PriorityLive when none.
func PriorityOf(ctx context.Context) Priority {
	p, _ := ctx.Value(priorityKey{}).(Priority)
	return p
}
