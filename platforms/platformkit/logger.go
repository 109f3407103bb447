package platformkit

import (
	"context"
	"log/slog"
	"sync/atomic"
)

// LoggerSlot is the logger of a component (an adapter, an API client) that
// may be given the host's logger after it was built: the Syncer offers its
// own to the Platform and the ROClient (rosync.LoggerTaker) when they have
// none. Logger returns one *slog.Logger for the component's lifetime, to
// hand to its parts at construction; a logger taken later reaches every
// line they write from then on, attributes and groups added with With and
// WithGroup included.
//
// A slot built with a logger of the component's own (its Options.Logger)
// keeps it and takes no other; one built with nil discards lines until it
// takes a logger, and takes only the first one offered.
type LoggerSlot struct {
	own    bool
	logger *slog.Logger
	taken  atomic.Bool
	target atomic.Pointer[slog.Handler]
}

// NewLoggerSlot returns a slot holding own, or, when own is nil, an empty
// slot that discards lines until Take.
func NewLoggerSlot(own *slog.Logger) *LoggerSlot {
	s := &LoggerSlot{own: own != nil}
	if own != nil {
		s.logger = own
		return s
	}
	h := slog.Handler(slog.DiscardHandler)
	s.target.Store(&h)
	s.logger = slog.New(&swapHandler{slot: s})
	return s
}

// Logger returns the component's logger.
func (s *LoggerSlot) Logger() *slog.Logger { return s.logger }

// Take makes l the destination of the slot's lines and reports whether it
// did: not when the slot holds its component's own logger, when it took
// one before, or when l is nil.
func (s *LoggerSlot) Take(l *slog.Logger) bool {
	if s.own || l == nil || !s.taken.CompareAndSwap(false, true) {
		return false
	}
	h := l.Handler()
	s.target.Store(&h)
	return true
}

// swapHandler forwards to the slot's current handler, replaying the
// attributes and groups added to it on the way.
type swapHandler struct {
	slot *LoggerSlot
	ops  []func(slog.Handler) slog.Handler
}

func (h *swapHandler) current() slog.Handler {
	t := *h.slot.target.Load()
	for _, op := range h.ops {
		t = op(t)
	}
	return t
}

// Enabled reports whether the current handler takes records of level l.
func (h *swapHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return (*h.slot.target.Load()).Enabled(ctx, l)
}

// Handle passes r to the current handler, with the attributes and groups
// added to h.
func (h *swapHandler) Handle(ctx context.Context, r slog.Record) error {
	return h.current().Handle(ctx, r)
}

// WithAttrs returns a handler that adds attrs to the current handler.
func (h *swapHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return h.with(func(t slog.Handler) slog.Handler { return t.WithAttrs(attrs) })
}

// WithGroup returns a handler that opens group on the current handler.
func (h *swapHandler) WithGroup(name string) slog.Handler {
	return h.with(func(t slog.Handler) slog.Handler { return t.WithGroup(name) })
}

func (h *swapHandler) with(op func(slog.Handler) slog.Handler) slog.Handler {
	ops := make([]func(slog.Handler) slog.Handler, len(h.ops), len(h.ops)+1)
	copy(ops, h.ops)
	return &swapHandler{slot: h.slot, ops: append(ops, op)}
}
