package rosync

import (
	"context"
	"time"
)

// roNow returns RO App's time now when the ROClient can tell it
// (ROClock), else fallback. A difference from the host's clock over
// maxSkew is logged at warn level: RO App poll cursors follow RO App's
// timestamps, so it costs nothing but is worth knowing.
func (s *Syncer) roNow(ctx context.Context, fallback time.Time) time.Time {
	c, ok := s.ro.(ROClock)
	if !ok {
		return fallback
	}
	rt, err := c.Now(ctx)
	if err != nil || rt.IsZero() {
		s.log.WarnContext(ctx, "RO App's clock not read; the first RO App poll reaches back to the connection time", "err", err)
		return fallback
	}
	host := s.clock()
	if skew := host.Sub(rt); skew > maxSkew || skew < -maxSkew {
		s.log.WarnContext(ctx, "host and RO App clocks differ; RO App poll cursors follow RO App's clock",
			"skew", skew.Round(time.Second).String(), "host", host.Format(time.RFC3339), "roapp", rt.UTC().Format(time.RFC3339))
	}
	return rt.UTC()
}
