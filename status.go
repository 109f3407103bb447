package rosync

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// HandleROEvent applies an RO App webhook event (package roapp verifies and
// decodes them). Events about orders of other shops, orders rosync did not
// import, and events that are not about orders are ignored, but for
// Client.Created, which refreshes the mirror of the account's contacts
// (handleROObjectEvent, index.go).
//
// RO App signs only the delivery id, not the body (ENG-4), and may deliver
// an event late or again, so an event is a hint: a redelivered event id is
// ignored, and otherwise the order is read back from the API and acted on
// as RO App shows it now, never as the event says. A status change is
// pushed to the platform where the policy syncs statuses that way, through
// the status map read in reverse (CAR-2; SHO-2: never for Shopify); a
// status held until deduction (WOO-3) waits until RO App shows the order's
// products deducted (DeductionSignal).
//
// An error means the event's work did not happen; it needs no redelivery:
// the next Poll reads every RO App order modified since the previous one
// and does the same work.
func (s *Syncer) HandleROEvent(ctx context.Context, ev ROEvent) (err error) {
	ctx = WithPriority(ctx, PriorityLive) // an RO App event goes ahead of the back-fill (priority.go)
	defer func() {
		if err != nil {
			s.log.WarnContext(ctx, "RO App event not applied; the next poll does its work",
				"event", ev.ID, "name", ev.Name, "ro_order", ev.OrderID, "err", err)
		}
	}()
	if !strings.HasPrefix(ev.Name, "Order.") {
		return s.handleROObjectEvent(ctx, ev)
	}
	if ev.OrderID == 0 {
		return nil
	}
	if err := s.prepare(ctx, false); err != nil {
		return err
	}
	rec, err := s.store.RecordByRO(ctx, ev.OrderID)
	if errors.Is(err, ErrNotFound) || (err == nil && rec.Shop != s.shop) {
		return nil
	}
	if err != nil {
		return &storeError{err}
	}
	if ev.ID != "" {
		seen, err := s.store.SeenEvent(ctx, s.shop, roEventKey(ev.ID))
		if err != nil {
			return &storeError{fmt.Errorf("record RO App event %s: %w", ev.ID, err)}
		}
		if seen {
			s.log.DebugContext(ctx, "RO App event delivered again: ignored", "event", ev.ID, "ro_order", ev.OrderID)
			return nil
		}
	}
	ro, err := s.ro.Order(ctx, ev.OrderID)
	if err != nil {
		return fmt.Errorf("rosync: read back RO App order %d after %s: %w", ev.OrderID, ev.Name, err)
	}
	if ro.StatusID == 0 {
		return s.withRecordOnly(ctx, rec.OrderID, func(ctx context.Context, rec *Record) error { return s.pushHeld(ctx, rec, &ro) })
	}
	return s.roStatusChanged(ctx, rec.OrderID, ro.StatusID, &ro)
}

// roEventKey is the key under which an RO App event id is deduplicated in
// the Store (Store.SeenEvent), apart from the platform's event ids.
func roEventKey(id string) string { return "roapp/" + id }

// roStatusChanged handles an RO App order being in statusID. ro is the
// order when the caller already read it (with its items), so that a held
// status push can see its deduction without another read.
func (s *Syncer) roStatusChanged(ctx context.Context, orderID string, statusID int64, ro *ROOrder) error {
	return s.withRecordOnly(ctx, orderID, func(ctx context.Context, rec *Record) error {
		if rec.ROOrderID == 0 {
			return nil
		}
		if statusID == rec.ROStatusID {
			// Our own change coming back, or nothing new; a held push may
			// still be due if the order shows deducted now.
			return s.pushHeld(ctx, rec, ro)
		}
		rec.ROStatusID = statusID
		if !s.pol().StatusSync.ToPlatform() {
			return nil
		}
		target, ok := s.platformStatusFor(statusID)
		if !ok {
			rec.HeldStatus = ""
			return nil
		}
		rec.HeldStatus = target
		return s.pushHeld(ctx, rec, ro)
	})
}

// pushHeld pushes rec.HeldStatus to the platform, unless the policy holds
// it until deduction and RO App does not show the products deducted yet
// (WOO-3).
func (s *Syncer) pushHeld(ctx context.Context, rec *Record, ro *ROOrder) error {
	target := rec.HeldStatus
	if target == "" {
		return nil
	}
	if target == rec.PlatformStatus {
		rec.HeldStatus, rec.StatusPushSent = "", ""
		return nil
	}
	if s.pol().Held(target) && !rec.Deducted {
		if ro == nil || len(ro.Items) == 0 {
			got, err := s.ro.Order(ctx, rec.ROOrderID)
			if err != nil {
				return err
			}
			ro = &got
		}
		if !s.deducted(ro) {
			s.log.DebugContext(ctx, "status push held until the products are deducted", "order", rec.OrderID, "status", target)
			return nil
		}
		rec.Deducted = true
	}
	if rec.StatusPushSent == target {
		// An earlier push of it lost its answer: the platform may have
		// set it. Read before pushing again, so that a push is made once.
		o, err := s.p.Order(ctx, rec.OrderID)
		if err != nil {
			return fmt.Errorf("rosync: read %s order %s before pushing %q again: %w", s.p.Name(), rec.OrderID, target, err)
		}
		if o.Status == target {
			s.log.DebugContext(ctx, "status push in doubt found done on the platform", "order", rec.OrderID, "status", target)
			return s.pushed(ctx, rec, target)
		}
	}
	// The intent first: should the answer be lost, the next push reads
	// the platform's order before pushing again.
	rec.StatusPushSent = target
	rec.UpdatedAt = s.clock()
	if err := s.store.PutRecord(ctx, rec); err != nil {
		return &storeError{fmt.Errorf("save record %s: %w", rec.OrderID, err)}
	}
	if err := s.p.SetStatus(ctx, rec.OrderID, target); err != nil {
		if errors.Is(err, ErrUnsupported) {
			rec.HeldStatus, rec.StatusPushSent = "", ""
			return nil
		}
		if !inDoubt(err) {
			rec.StatusPushSent = "" // refused, so not set
		}
		return fmt.Errorf("rosync: set %s status %q: %w", s.p.Name(), target, err)
	}
	return s.pushed(ctx, rec, target)
}

// pushed records that the platform has the status target.
func (s *Syncer) pushed(ctx context.Context, rec *Record, target string) error {
	// Remember what we pushed, so the platform's webhook for it is not
	// taken for a change to bring back.
	rec.PlatformStatus, rec.HeldStatus, rec.StatusPushSent = target, "", ""
	s.emit(ctx, Event{Kind: EventStatusPushed, OrderID: rec.OrderID})
	return nil
}

// pollRO is the RO App side of a poll: held pushes whose products may have
// been deducted since, and RO App status changes whose webhook was missed.
// It lists the RO App orders modified since st.ROCursor less the poll
// overlap and moves the cursor to the newest modified_at listed: RO App's
// clock, never the host's.
func (s *Syncer) pollRO(ctx context.Context, st *ShopState) error {
	var errs []error
	if s.pol().StatusSync.ToPlatform() {
		held, err := s.store.Records(ctx, s.shop, RecordFilter{Held: true})
		if err != nil {
			return &storeError{err}
		}
		for _, r := range held {
			err := s.withRecordOnly(ctx, r.OrderID, func(ctx context.Context, rec *Record) error { return s.pushHeld(ctx, rec, nil) })
			if err != nil {
				errs = append(errs, err)
			}
		}
	}
	if s.pol().StatusSync == StatusSyncNone {
		return errors.Join(errs...)
	}
	since := st.ROCursor.Add(-s.overlap)
	var newest time.Time // RO App's newest modified_at listed: the next cursor
	for o, err := range s.ro.OrdersModified(ctx, since) {
		if err != nil {
			errs = append(errs, fmt.Errorf("rosync: list RO App orders modified since %s: %w", since.Format(time.RFC3339), err))
			return errors.Join(errs...)
		}
		if o.Modified.After(newest) {
			newest = o.Modified.UTC()
		}
		rec, err := s.store.RecordByRO(ctx, o.ID)
		if errors.Is(err, ErrNotFound) || (err == nil && rec.Shop != s.shop) {
			continue
		}
		if err != nil {
			return &storeError{err}
		}
		if o.StatusID != 0 && rec.ROStatusID == 0 {
			// The order type's initial status, never seen before: learn it,
			// it is not a change made by anyone.
			err := s.withRecordOnly(ctx, rec.OrderID, func(ctx context.Context, r *Record) error {
				if r.ROStatusID == 0 {
					r.ROStatusID = o.StatusID
				}
				return nil
			})
			if err != nil {
				errs = append(errs, err)
			}
			continue
		}
		if o.StatusID != 0 && o.StatusID != rec.ROStatusID {
			if err := s.roStatusChanged(ctx, rec.OrderID, o.StatusID, nil); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if newest.After(st.ROCursor) {
		// RO App's own clock (ENG-2), as the platform's poll cursor
		// follows the platform's: the host's may be ahead of RO App's
		// and would skip what was modified in between. A poll that
		// lists nothing newer leaves it where it was.
		st.ROCursor = newest
	}
	return errors.Join(errs...)
}
