package rosync

import "log/slog"

// LoggerTaker is an optional capability of a Platform or an ROClient: taking
// the host's logger when it was built without one of its own. New offers
// Options.Logger to both, so that one logger receives the lines of the
// Syncer, the adapter and the RO App client: the Platform gets it with the
// Syncer's shop attribute (adapters add their platform's name), the
// ROClient, which several Syncers may share, without it.
//
// A component given its own logger (its Options.Logger) keeps it; one
// without takes the first logger offered and ignores later offers, so an
// ROClient shared by several Syncers logs through the first one's. The
// adapters of this module and package roapp implement it (see
// platformkit.LoggerSlot).
type LoggerTaker interface {
	// TakeLogger makes l the component's logger unless it has one (its
	// own, or one taken before); it reports whether it took l. It must be
	// safe to call while the component is in use.
	TakeLogger(l *slog.Logger) bool
}

// offerLogger gives the Syncer's logger to the Platform and the ROClient
// that take one (LoggerTaker). It does nothing when Options.Logger is nil.
func (s *Syncer) offerLogger(base *slog.Logger) {
	if base == nil {
		return
	}
	if lt, ok := s.p.(LoggerTaker); ok && lt.TakeLogger(base.With("shop", s.shop)) {
		s.log.Debug("platform adapter logs through the Syncer's logger")
	}
	if lt, ok := s.ro.(LoggerTaker); ok && lt.TakeLogger(base) {
		base.Debug("RO App client logs through the Syncer's logger")
	}
}
