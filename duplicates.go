package rosync

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Duplicate is a second RO App order that carries a platform order's
// external reference (ExternalRef, in its manager notes or reference
// field) besides the one the order's Record links: a create whose outcome
// was unknown was executed by RO App later than the quarantine allowed
// for (ENG-1). rosync never deletes it: it comments on it, moves it to
// Settings.DuplicateStatus when one is named, and reports it
// (Syncer.Duplicates, EventDuplicate) for a person to deal with.
type Duplicate struct {
	Shop    string
	OrderID string // the platform order
	Number  string // the platform order's number
	// ROOrderID is the RO App order that the record links (the one kept);
	// DuplicateID the second one.
	ROOrderID   int64
	DuplicateID int64
	// FoundAt is when the check found it (the Syncer's clock).
	FoundAt time.Time
	// CommentSentAt is when the comment was last sent while Commented is
	// false: its add may have been executed or may still be (a lost
	// answer), so it is looked for, not sent again, until the quarantine
	// has passed (ENG-1). Zero before the first send.
	CommentSentAt time.Time
	// Commented is true once the comment saying what it duplicates is on
	// it; Moved once it is in Settings.DuplicateStatus (false when none is
	// named).
	Commented bool
	Moved     bool
}

// DuplicateWatch is an order whose RO App order create was in doubt: its
// RO App orders of the create's client (ClientID) created from Since on are
// listed at each poll until Until, to find a late-executed second one. An
// order has one watch per client its doubtful creates named (a contact
// found again after a doubt may be another one).
type DuplicateWatch struct {
	Shop     string
	OrderID  string
	ClientID int64
	Since    time.Time
	Until    time.Time
}

// DuplicateStore is an optional Store capability: the orders to check for
// a duplicate RO App order and the duplicates found. The Syncer uses it
// when the Store has it (memory, sqlite and postgres do); without it no
// duplicate is looked for. Times are kept in UTC.
type DuplicateStore interface {
	// WatchDuplicates inserts the watch (w.Shop, w.OrderID, w.ClientID),
	// or widens the stored one: its Since becomes the earlier and its
	// Until the later of the stored and the given times.
	WatchDuplicates(ctx context.Context, w DuplicateWatch) error
	// DuplicateWatches lists the shop's watches, ordered by OrderID, then
	// ClientID; an empty slice for none.
	DuplicateWatches(ctx context.Context, shop string) ([]DuplicateWatch, error)
	// EndDuplicateWatch removes the watch (w.Shop, w.OrderID, w.ClientID)
	// if its Until is still w.Until (a watch widened meanwhile stays).
	// Removing a watch that is not there is no error.
	EndDuplicateWatch(ctx context.Context, w DuplicateWatch) error
	// PutDuplicate inserts or replaces the duplicate (d.Shop,
	// d.DuplicateID).
	PutDuplicate(ctx context.Context, d Duplicate) error
	// Duplicates lists the shop's duplicates, ordered by DuplicateID; an
	// empty slice for none.
	Duplicates(ctx context.Context, shop string) ([]Duplicate, error)
}

// ROOrderFinder is an optional capability of an ROClient: every RO App
// order that carries a reference, listed by client and creation window
// (package roapp: GET /orders with the documented clients_ids[] and
// created_at[] filters). The Syncer uses it to find a duplicate order
// that a create executed late left behind (ENG-1).
type ROOrderFinder interface {
	// FindOrders returns every order that carries l.Ref among those of
	// l.ClientID (all clients when 0) created at or after l.Since (less
	// the client's allowance for clock skew), without items, ordered by
	// id; an empty slice for none.
	FindOrders(ctx context.Context, l OrderLookup) ([]ROOrder, error)
}

// DuplicateComment is the comment rosync adds to a duplicate RO App order:
// it names the order kept and says that nothing was deleted.
func DuplicateComment(d Duplicate) string {
	return fmt.Sprintf("rosync: this order duplicates RO App order %d (platform order %s): "+
		"it was created twice after an answer from RO App was lost. It was not deleted; "+
		"move anything added here to order %d, then close or delete this one.",
		d.ROOrderID, cmp.Or(d.Number, d.OrderID), d.ROOrderID)
}

// watchDuplicates records that rec's RO App order create is in doubt
// (rec.State is StatePending with the intent of rec.IntentAt, for the
// client rec.ClientID): its RO App orders of that client created since
// then are checked for a second one at each poll
// until the quarantine plus Options.DuplicateWatch have passed from now.
// It is a no-op when the Store is no DuplicateStore.
func (s *Syncer) watchDuplicates(ctx context.Context, rec *Record) error {
	ds, ok := s.store.(DuplicateStore)
	if !ok || rec.IntentAt.IsZero() {
		return nil
	}
	w := DuplicateWatch{Shop: s.shop, OrderID: rec.OrderID, ClientID: rec.ClientID, Since: rec.IntentAt,
		Until: s.clock().Add(s.quarantine + s.dupWatch)}
	if err := ds.WatchDuplicates(ctx, w); err != nil {
		return &storeError{fmt.Errorf("watch order %s for duplicates: %w", rec.OrderID, err)}
	}
	return nil
}

// Duplicates lists the shop's duplicate RO App orders found so far (see
// Duplicate), ordered by their RO App id. A Store that is no
// DuplicateStore has none.
func (s *Syncer) Duplicates(ctx context.Context) ([]Duplicate, error) {
	ds, ok := s.store.(DuplicateStore)
	if !ok {
		return []Duplicate{}, nil
	}
	out, err := ds.Duplicates(ctx, s.shop)
	if err != nil {
		return nil, &storeError{err}
	}
	return out, nil
}

// checkDuplicates is the duplicate check of a poll: for each watched order
// (one whose create was in doubt), its RO App orders are listed by client
// and creation window (ROOrderFinder), and any order besides the linked
// one that carries its reference is repaired (repairDuplicate). It costs
// one listing per watched order, none when nothing is watched; a watch
// ends with the first check after its Until.
func (s *Syncer) checkDuplicates(ctx context.Context, now time.Time) error {
	ds, ok := s.store.(DuplicateStore)
	if !ok {
		return nil
	}
	watches, err := ds.DuplicateWatches(ctx, s.shop)
	if err != nil {
		return &storeError{fmt.Errorf("list duplicate watches: %w", err)}
	}
	if len(watches) == 0 {
		return nil
	}
	// One check at a time per shop (across processes with a shared
	// Store): two would report and comment on a duplicate twice.
	unlock, err := s.lockAll(ctx, "duplicates/"+s.shop)
	if err != nil {
		return err
	}
	defer unlock()
	finder, ok := s.ro.(ROOrderFinder)
	if !ok {
		s.log.WarnContext(ctx, "orders whose create was in doubt cannot be checked for duplicates: the RO App client cannot list orders by reference",
			"watched", len(watches))
		return nil
	}
	known, err := ds.Duplicates(ctx, s.shop)
	if err != nil {
		return &storeError{fmt.Errorf("list duplicates: %w", err)}
	}
	var errs []error
	for _, w := range watches {
		if err := s.checkWatch(ctx, ds, finder, w, known, now); err != nil {
			errs = append(errs, fmt.Errorf("rosync: duplicate check of order %s: %w", w.OrderID, err))
		}
	}
	return errors.Join(errs...)
}

// checkWatch checks one watched order; see checkDuplicates.
func (s *Syncer) checkWatch(ctx context.Context, ds DuplicateStore, finder ROOrderFinder, w DuplicateWatch,
	known []Duplicate, now time.Time) error {
	rec, err := s.store.Record(ctx, s.shop, w.OrderID)
	if err != nil {
		return &storeError{err}
	}
	if rec.ROOrderID == 0 {
		// No RO App order linked yet: while the create is in doubt the
		// import itself looks it up, and a later create is watched from
		// this watch's Since. The check waits for the order to be linked,
		// or the watch to end.
		if now.After(w.Until) && rec.State != StatePending {
			if err := ds.EndDuplicateWatch(ctx, w); err != nil {
				return &storeError{err}
			}
		}
		return nil
	}
	ref := ExternalRef{Platform: s.p.Name(), Shop: s.shop, OrderID: rec.OrderID, Number: rec.Number, CreatedAt: rec.PlatformCreatedAt, Zone: s.shopZone()}
	found, err := finder.FindOrders(ctx, OrderLookup{Ref: ref, ClientID: w.ClientID, Since: w.Since.Add(-time.Minute)})
	if err != nil {
		return err
	}
	var errs []error
	for _, o := range found {
		if o.ID == rec.ROOrderID || o.ID == 0 {
			continue
		}
		if i := slices.IndexFunc(known, func(d Duplicate) bool { return d.DuplicateID == o.ID }); i >= 0 {
			if d := known[i]; !d.Commented || (!d.Moved && s.settings.DuplicateStatus != "") {
				errs = append(errs, s.repairDuplicate(ctx, ds, d, false))
			}
			continue
		}
		d := Duplicate{Shop: s.shop, OrderID: rec.OrderID, Number: rec.Number, ROOrderID: rec.ROOrderID,
			DuplicateID: o.ID, FoundAt: s.clock()}
		errs = append(errs, s.repairDuplicate(ctx, ds, d, true))
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if now.After(w.Until) {
		if err := ds.EndDuplicateWatch(ctx, w); err != nil {
			return &storeError{err}
		}
	}
	return nil
}

// repairDuplicate records a duplicate (reporting it once, when found is
// true: a log line at warn level and EventDuplicate), then comments on it
// and moves it to Settings.DuplicateStatus, each once: the comment is
// looked for before it is added (an add whose answer was lost), and the
// Store records each step. It never deletes anything.
func (s *Syncer) repairDuplicate(ctx context.Context, ds DuplicateStore, d Duplicate, found bool) error {
	if found {
		if err := ds.PutDuplicate(ctx, d); err != nil {
			return &storeError{err}
		}
		s.log.WarnContext(ctx, "duplicate RO App order found: a create was executed after its quarantine; not deleted",
			"order", d.OrderID, "ro_order", d.ROOrderID, "duplicate", d.DuplicateID)
		s.emit(ctx, Event{Kind: EventDuplicate, OrderID: d.OrderID, ROOrderID: d.DuplicateID})
	}
	if !d.Commented {
		text := DuplicateComment(d)
		texts, err := s.ro.Comments(ctx, d.DuplicateID)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(texts, func(t string) bool { return strings.TrimSpace(t) == text }) {
			if !d.CommentSentAt.IsZero() {
				// An earlier add may still land: not repeated before
				// its quarantine ends (ENG-1).
				if until := d.CommentSentAt.Add(s.quarantine); s.clock().Before(until) {
					return &InDoubtError{What: "duplicate comment", Until: until}
				}
			}
			d.CommentSentAt = s.clock()
			if err := ds.PutDuplicate(ctx, d); err != nil {
				return &storeError{err}
			}
			if err := s.ro.AddComment(ctx, d.DuplicateID, text); err != nil {
				return err
			}
		}
		d.Commented = true
		if err := ds.PutDuplicate(ctx, d); err != nil {
			return &storeError{err}
		}
	}
	if name := s.settings.DuplicateStatus; name != "" && !d.Moved {
		s.mu.Lock()
		id, ok := s.statusID[strings.ToLower(strings.TrimSpace(name))]
		s.mu.Unlock()
		if !ok {
			return fmt.Errorf("rosync: settings: DuplicateStatus: RO App has no status %q", name)
		}
		if err := s.ro.SetStatus(ctx, d.DuplicateID, id); err != nil {
			return err
		}
		d.Moved = true
		if err := ds.PutDuplicate(ctx, d); err != nil {
			return &storeError{err}
		}
	}
	return nil
}
