package rosync

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// orderLockKey is the Store lock key of a platform order.
func (s *Syncer) orderLockKey(orderID string) string {
	return "order/" + s.shop + "/" + orderID
}

// withRecord runs fn on the order's record under the order's lock and saves
// the outcome: success clears the error, a *RejectedError or
// *InvalidOrderError rejects a not-yet-imported order, and any other error
// is kept as failed with its attempts and next retry time (ENG-2). The
// returned error is fn's, or a *storeError when the Store failed. fn runs
// under the lock's context (see FencedLocker) and must use the ctx it is
// given.
func (s *Syncer) withRecord(ctx context.Context, orderID string, fn func(context.Context, *Record) error) error {
	return s.lockedRecord(ctx, orderID, true, fn)
}

// withRecordOnly is withRecord for work that is not an import attempt (a
// status push, learning a status): the record's failure fields are left as
// they are, and fn's error is only returned. Such work is retried by its own
// state (HeldStatus), not by the failed-order back-off.
func (s *Syncer) withRecordOnly(ctx context.Context, orderID string, fn func(context.Context, *Record) error) error {
	return s.lockedRecord(ctx, orderID, false, fn)
}

// lockedRecord is withRecord and withRecordOnly. The record is written with
// the version read (Store.PutRecord is a compare-and-swap), so a replica
// whose lock was lost cannot overwrite the work of the one that took over:
// its write conflicts, and its attempt stops (conflicted).
func (s *Syncer) lockedRecord(ctx context.Context, orderID string, attempt bool, fn func(context.Context, *Record) error) error {
	lctx, unlock, err := s.lockOrder(ctx, s.orderLockKey(orderID))
	if err != nil {
		return &storeError{fmt.Errorf("lock order %s: %w", orderID, err)}
	}
	defer unlock()
	rec, err := s.store.Record(lctx, s.shop, orderID)
	if errors.Is(err, ErrNotFound) {
		rec = Record{Shop: s.shop, OrderID: orderID, State: StateNew}
	} else if err != nil {
		return &storeError{fmt.Errorf("read record %s: %w", orderID, err)}
	}
	before, start := rec.ROOrderID, time.Now()
	ferr := fn(lctx, &rec)
	if isStoreConflict(ferr) {
		return s.conflicted(ctx, orderID, ferr)
	}
	if lost := lockLost(lctx, orderID, ferr); lost != nil {
		ferr = lost
	}
	if attempt {
		s.outcome(ctx, &rec, ferr)
	}
	rec.UpdatedAt = s.clock()
	// Saved under the caller's context, not the lock's: the outcome of an
	// attempt whose lock was lost is recorded too, unless another replica
	// wrote the record since (then the write conflicts).
	if err := s.store.PutRecord(ctx, &rec); err != nil {
		if errors.Is(err, ErrConflict) {
			return s.conflicted(ctx, orderID, err)
		}
		err = &storeError{fmt.Errorf("save record %s: %w", orderID, err)}
		if attempt {
			s.emit(ctx, Event{Kind: EventFailed, OrderID: orderID, Err: err})
		}
		return err
	}
	if attempt {
		s.emit(ctx, timed(attemptEvent(&rec, before, ferr), start))
	}
	return ferr
}

// outcome folds an attempt's error into the record.
func (s *Syncer) outcome(ctx context.Context, rec *Record, err error) {
	var (
		rej *RejectedError
		inv *InvalidOrderError
	)
	// Only an order with nothing in RO App can be rejected; for one whose
	// RO App order exists (or may exist: pending) a rule or data error is
	// a permanent failure, kept for Retry.
	canReject := rec.ROOrderID == 0 && rec.State != StatePending
	if errors.As(err, &inv) && canReject && !malformedAnswer(err) {
		rej = Reject("ORD-3", "%s", inv.Error())
	} else if !errors.As(err, &rej) || !canReject {
		rej = nil
	}
	switch {
	case err == nil:
		rec.LastError, rec.Permanent, rec.Attempts, rec.NextRetry = "", false, 0, time.Time{}
	case rej != nil:
		rec.State, rec.Rule, rec.Reason = StateRejected, rej.Rule, rej.Reason
		rec.LastError, rec.Permanent, rec.Attempts, rec.NextRetry = "", false, 0, time.Time{}
		s.log.InfoContext(ctx, "order rejected", "order", rec.OrderID, "rule", rej.Rule, "reason", rej.Reason)
	default:
		rec.Attempts++
		rec.LastError = err.Error()
		rec.Permanent = !Retryable(err)
		var dbt *InDoubtError
		switch {
		case rec.Permanent:
			rec.NextRetry = time.Time{}
		case errors.As(err, &dbt):
			// Not sooner than the quarantine's end: a lookup before it
			// would only find the same doubt again.
			rec.NextRetry = maxTime(s.clock().Add(s.backoff(rec.Attempts)), dbt.Until)
		default:
			rec.NextRetry = s.clock().Add(s.backoff(rec.Attempts))
		}
		s.log.WarnContext(ctx, "order failed", "order", rec.OrderID, "attempts", rec.Attempts,
			"permanent", rec.Permanent, "err", err)
	}
}

// backoff is the capped exponential delay before attempt n+1.
func (s *Syncer) backoff(attempts int) time.Duration {
	d := s.rbase
	for i := 1; i < attempts && d < s.rmax; i++ {
		d *= 2
	}
	return min(d, s.rmax)
}

// recordInvalid keeps an order that could not be decoded as rejected under
// ORD-3 (or, once imported, as failed).
func (s *Syncer) recordInvalid(ctx context.Context, inv *InvalidOrderError) error {
	if inv.OrderID == "" {
		s.log.ErrorContext(ctx, "order without a readable id skipped", "err", inv)
		return inv
	}
	return s.withRecord(ctx, inv.OrderID, func(ctx context.Context, rec *Record) error {
		if rec.Number == "" {
			rec.Number = inv.Number
		}
		return inv
	})
}

// apply brings one platform order into RO App (the data flow of DESIGN.md).
func (s *Syncer) apply(ctx context.Context, o Order) error {
	return s.withRecord(ctx, o.ID, func(ctx context.Context, rec *Record) error {
		rec.Number = o.Number
		rec.PlatformCreatedAt = o.CreatedAt.UTC()
		if rec.Deducted {
			// ORD-5, PRD-7: once deducted, platform changes stay on the platform.
			return nil
		}
		if err := o.Validate(); err != nil {
			return err
		}
		if rec.ROOrderID == 0 && rec.State != StatePending {
			if err := s.admit(ctx, o); err != nil {
				return err
			}
		}
		return s.importWithRetries(ctx, rec, o)
	})
}

// importWithRetries runs importOrder, retrying transient failures in place
// a few times (Options.InlineRetries) before the order is left to the
// back-off of Poll: a blip should not defer an order by minutes, and an
// import that finishes each order before the next keeps RO App ids in the
// platform's order. Every attempt resumes from the record, so no create is
// repeated.
func (s *Syncer) importWithRetries(ctx context.Context, rec *Record, o Order) error {
	wait := s.inlineWait
	for attempt := 0; ; attempt++ {
		// An order whose earlier attempt failed or was interrupted may
		// have left contacts and products behind that the warm index does
		// not know: its lookups go to RO App (ENG-1).
		doubt := attempt > 0 || rec.State == StatePending || rec.Attempts > 0
		err := s.importOrder(ctx, rec, o, doubt)
		var (
			se  *storeError
			dbt *InDoubtError
		)
		if err == nil || attempt >= s.inlineRetries || !Retryable(err) || errors.As(err, &se) ||
			errors.As(err, &dbt) || errors.Is(err, ErrLockLost) {
			// In doubt: nothing to do before the quarantine ends.
			return err
		}
		s.log.DebugContext(ctx, "retrying order in place", "order", o.ID, "attempt", attempt+1, "err", err)
		d := wait
		var amb *AmbiguousError
		if errors.As(err, &amb) {
			// A create whose answer was lost may still be running in RO
			// App: give it time to land before looking it up, or the
			// lookup could miss it and the create be repeated (ENG-1).
			d = max(d, s.settle)
		}
		if err := s.sleep(ctx, d); err != nil {
			return err
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// connected returns when the shop was first connected (ShopState.ConnectedAt),
// read from the Store until it is known and then remembered: it never
// changes once set.
func (s *Syncer) connected(ctx context.Context) (time.Time, error) {
	s.mu.Lock()
	at := s.connectedAt
	s.mu.Unlock()
	if !at.IsZero() {
		return at, nil
	}
	st, err := s.store.ShopState(ctx, s.shop)
	if err != nil {
		return time.Time{}, &storeError{fmt.Errorf("read shop state: %w", err)}
	}
	if !st.ConnectedAt.IsZero() {
		s.mu.Lock()
		s.connectedAt = st.ConnectedAt
		s.mu.Unlock()
	}
	return st.ConnectedAt, nil
}

// admit applies the platform policy and the general rules to an order that
// has no RO App order yet, returning a *RejectedError when a rule keeps it
// out.
func (s *Syncer) admit(ctx context.Context, o Order) error {
	pol := s.pol()
	s.mu.Lock()
	currency := s.currency
	s.mu.Unlock()
	if !SameCurrency(o.Currency, currency) {
		return Reject("ORD-4", "order currency %s differs from the RO App currency %s; orders are not converted",
			o.Currency, currency)
	}
	connectedAt, err := s.connected(ctx)
	if err != nil {
		return err
	}
	if o.CreatedAt.Before(connectedAt) {
		// The initial import: the window and the excluded statuses.
		start := windowStart(connectedAt, pol.ImportMonths)
		if o.CreatedAt.Before(start) {
			return Reject(pol.WindowRule, "created %s, before the %d-month import window that starts %s",
				o.CreatedAt.UTC().Format(time.RFC3339), pol.ImportMonths, start.UTC().Format(time.RFC3339))
		}
		if pol.Excluded(o.Status) {
			return Reject(pol.WindowRule, "status %q is not imported by the initial import", o.Status)
		}
	}
	if pol.RequireLines && len(o.Lines) == 0 {
		return Reject(pol.RequireRule, "the order has no products")
	}
	if pol.RequireCustomer {
		if o.Customer == nil || (!o.Customer.HasName() && !o.Customer.HasContact()) {
			return Reject(pol.RequireRule, "the order names no customer")
		}
		if !o.Customer.HasContact() {
			return Reject(pol.RequireRule, "the customer has neither an email address nor a phone number, so no contact is created (WOO-C2)")
		}
	}
	return nil
}

// importOrder creates or updates the RO App order of o. rec is saved by the
// caller; it is also saved here before and after every create, so that a
// crash at any point leaves the intent to look up instead of a duplicate.
func (s *Syncer) importOrder(ctx context.Context, rec *Record, o Order, doubt bool) (err error) {
	ctx, looked := s.beginLooking(ctx) // creates wait for a mirror refresh that starts after this (mirror.go)
	defer looked()
	pol := s.pol()
	existed := rec.ROOrderID != 0
	// The writes of this attempt that may be in doubt when it fails: the
	// line intents it recorded, and which of them it sent.
	newIntents := map[string]bool{}
	sent := map[string]bool{}
	doubted := false // an item or comment write of this attempt ended in doubt
	defer func() {
		if err == nil {
			rec.DoubtAt = time.Time{}
			return
		}
		// Intents never sent are not in doubt: the next attempt plans
		// them afresh. Those sent and left without an answer are, from
		// now (ENG-1).
		for id := range newIntents {
			if link, ok := rec.Lines[id]; ok && link.ROItemID == 0 && !sent[id] {
				delete(rec.Lines, id)
			}
		}
		if doubted && s.writesPending(rec) {
			// This attempt's own write is in doubt: its quarantine
			// starts now. An attempt that sent nothing, or failed on a
			// read, leaves the earlier doubt's time as it was.
			rec.DoubtAt = s.clock()
		}
	}()
	save := func() error {
		rec.UpdatedAt = s.clock()
		if err := s.store.PutRecord(ctx, rec); err != nil {
			return &storeError{fmt.Errorf("save record %s: %w", rec.OrderID, err)}
		}
		return nil
	}

	// Products first for a new order: resolving them before the order
	// keeps a failed product from leaving an empty RO App order behind.
	// For an existing order they wait for the deduction check, so that a
	// line added on the platform after deduction creates no catalogue
	// product either (ORD-5).
	products := make(map[string]int64, len(o.Lines))
	resolveProducts := func() error {
		for _, l := range o.Lines {
			if link, ok := rec.Lines[l.ID]; ok && link.ProductID != 0 {
				products[l.ID] = link.ProductID
				continue
			}
			id, err := s.resolveProduct(ctx, l.Product, doubt)
			if err != nil {
				return err
			}
			products[l.ID] = id
		}
		return nil
	}

	var ro *ROOrder  // the RO App order as read in this attempt, when read
	unsaved := false // rec holds what the Store does not
	if !existed {
		if err := resolveProducts(); err != nil {
			return err
		}
		clientID, err := s.resolveContact(ctx, o, doubt)
		if err != nil {
			return err
		}
		rec.CustomerHash, rec.CustomerPhone, _ = s.customerDigest(o)
		ref := ExternalRef{Platform: s.p.Name(), Shop: s.shop, OrderID: o.ID, Number: o.Number, CreatedAt: o.CreatedAt}
		if rec.State == StatePending {
			// An earlier attempt may have created it (ENG-1); a poll
			// checks for a second one created late (duplicates.go).
			if err := s.watchDuplicates(ctx, rec); err != nil {
				return err
			}
			found, err := s.ro.FindOrder(ctx, OrderLookup{Ref: ref, ClientID: rec.ClientID, Since: rec.IntentAt.Add(-time.Minute)})
			switch {
			case err == nil:
				rec.ROOrderID, rec.ROStatusID = found.ID, found.StatusID
				ro = &found
			case !errors.Is(err, ErrNotFound):
				return err
			default:
				// Not found yet: RO App may still execute that create.
				if until := rec.IntentAt.Add(s.quarantine); s.clock().Before(until) {
					return &InDoubtError{What: "order", Until: until}
				}
			}
		}
		if rec.ROOrderID == 0 {
			rec.State, rec.IntentAt, rec.ClientID = StatePending, s.clock(), clientID
			if err := save(); err != nil {
				return err
			}
			if err := checkLock(ctx); err != nil {
				return err
			}
			id, err := s.ro.CreateOrder(ctx, NewOrder{
				BranchID: s.settings.BranchID, OrderTypeID: s.settings.OrderTypeID, ClientID: clientID, Ref: ref,
			})
			if err != nil {
				if !inDoubt(err) {
					// Refused, so not executed: no intent to honour.
					rec.State, rec.IntentAt = StateNew, time.Time{}
				}
				return err
			}
			rec.ROOrderID = id
			if pol.StatusSync.ToPlatform() {
				// Record the order type's initial status, so that a later
				// status change whose RO App webhook is lost is not
				// mistaken for it by the poll (WOO-3, CAR-2).
				rec.ROStatusID, ro = s.initialStatus(ctx, id)
			}
		}
		// Saved with the intents of its lines below, or by withRecord: a
		// crash before that leaves the record pending, whose retry finds
		// the order by its reference (ENG-1).
		rec.State, rec.Rule, rec.Reason = StateImported, "", ""
		unsaved = true
	}

	// What this attempt has to change in RO App.
	var (
		add, upd []LineItem
		del      []string
	)
	if rec.Lines == nil {
		rec.Lines = map[string]LineLink{}
	}
	pendingItems := false
	current := make(map[string]bool, len(o.Lines))
	for _, l := range o.Lines {
		current[l.ID] = true
		link, ok := rec.Lines[l.ID]
		switch {
		case !ok || link.ROItemID == 0:
			add = append(add, l)
			pendingItems = pendingItems || ok
		case link.changed(l):
			upd = append(upd, l)
		}
	}
	for id := range rec.Lines {
		if !current[id] {
			del = append(del, id)
		}
	}
	// Comments to add, in order: the delivery details (DEL-1, and DEL-2
	// where the policy follows changes), then a note when the order
	// reached a status the policy comments on (Shopify's cancellation).
	var comments []string
	if pol.Delivery != DeliveryNone && !o.Delivery.IsZero() {
		h := o.Delivery.Hash()
		if h != rec.DeliveryHash && (rec.DeliveryHash == "" || pol.Delivery == DeliveryOnChange) {
			comments = append(comments, o.Delivery.Comment())
		}
	}
	if text := pol.StatusComments[o.Status]; text != "" && o.Status != rec.PlatformStatus {
		comments = append(comments, text)
	}
	setStatus := int64(0)
	if pol.StatusSync.FromPlatform() && o.Status != rec.PlatformStatus {
		if id, ok := s.roStatusID(o.Status); ok && id != rec.ROStatusID {
			setStatus = id
		}
	}
	if !pol.StatusSync.FromPlatform() || setStatus == 0 {
		rec.PlatformStatus = o.Status
	}
	// A corrected customer follows until deduction (CUS-3, PRD-7).
	custHash, _, custOK := s.customerDigest(o)
	custChanged := existed && custOK && custHash != rec.CustomerHash
	changes := len(add)+len(upd)+len(del)+len(comments) > 0 || rec.PendingComment != "" || setStatus != 0 || custChanged
	if !changes {
		return nil
	}

	// An order that existed before this attempt may have been deducted in
	// RO App since we last looked: check before writing (ORD-5, PRD-7).
	if existed && ro == nil {
		got, err := s.ro.Order(ctx, rec.ROOrderID)
		if err != nil {
			return err
		}
		ro = &got
	}
	if s.deducted(ro) {
		rec.Deducted = true
		s.log.InfoContext(ctx, "order deducted in RO App; platform changes no longer synchronised", "order", o.ID)
		return nil
	}
	if existed {
		if err := resolveProducts(); err != nil {
			return err
		}
	}
	if custChanged {
		if err := s.followCustomer(ctx, rec, o); err != nil {
			return err
		}
	}
	if pendingItems && ro != nil {
		s.claimPendingItems(rec, ro, o.Lines)
	}
	if pendingItems {
		// An item RO App does not show yet may still be added by a late
		// request: none is added again before the quarantine ends.
		if until := s.doubtSince(rec).Add(s.quarantine); s.clock().Before(until) {
			for _, l := range add {
				if link, ok := rec.Lines[l.ID]; ok && link.ROItemID == 0 {
					return &InDoubtError{What: "item", Until: until}
				}
			}
		}
	}

	// One save records every write this attempt is about to make (ENG-1):
	// the lines to add (a link without an item id: should the attempt die
	// after RO App took some of them, the next one claims what the RO App
	// order shows, claimPendingItems) and the first new comment, together
	// with an order just created. The writes then follow without a save
	// between them: an error is saved by withRecord with what went through,
	// a crash is recovered from the intents.
	earlierComment := rec.PendingComment
	for _, l := range add {
		if link, ok := rec.Lines[l.ID]; !ok || link.ROItemID == 0 {
			rec.Lines[l.ID] = LineLink{ProductID: products[l.ID], Quantity: l.Quantity, Price: l.Price, Discount: l.Discount}
			newIntents[l.ID] = !ok
			unsaved = true
		}
	}
	commentIntent := earlierComment == "" && len(comments) > 0
	commentTried := false
	if commentIntent {
		rec.PendingComment = comments[0]
		unsaved = true
		defer func() {
			// A comment never sent is no longer pending once this
			// attempt ends (an error before it): the next attempt works
			// out its comments afresh, without a lookup.
			if !commentTried && rec.PendingComment == comments[0] {
				rec.PendingComment = ""
			}
		}()
	}
	if unsaved {
		if err := save(); err != nil {
			return err
		}
	}

	for _, l := range add {
		if link := rec.Lines[l.ID]; link.ROItemID != 0 {
			// Claimed from an earlier attempt's add; bring it up to date.
			if link.changed(l) {
				upd = append(upd, l)
			}
			continue
		}
		id, err := s.ro.AddItem(ctx, rec.ROOrderID, s.item(0, products[l.ID], l))
		sent[l.ID] = inDoubt(err)
		doubted = doubted || sent[l.ID]
		if err != nil {
			return err
		}
		rec.Lines[l.ID] = LineLink{ROItemID: id, ProductID: products[l.ID], Quantity: l.Quantity, Price: l.Price, Discount: l.Discount}
	}
	for _, l := range upd {
		link := rec.Lines[l.ID]
		// PRD-7: quantities (and prices) changed before deduction follow.
		if err := s.ro.UpdateItem(ctx, rec.ROOrderID, s.item(link.ROItemID, link.ProductID, l)); err != nil {
			if errors.Is(err, ErrItemLocked) {
				return s.freeze(ctx, rec, err)
			}
			return err
		}
		link.Quantity, link.Price, link.Discount = l.Quantity, l.Price, l.Discount
		rec.Lines[l.ID] = link
	}
	for _, id := range del {
		link := rec.Lines[id]
		if link.ROItemID != 0 {
			if err := s.ro.DeleteItem(ctx, rec.ROOrderID, link.ROItemID); err != nil && !errors.Is(err, ErrNotFound) {
				if errors.Is(err, ErrItemLocked) {
					return s.freeze(ctx, rec, err)
				}
				return err
			}
		}
		delete(rec.Lines, id)
	}
	if len(upd)+len(del) > 0 {
		if err := save(); err != nil {
			return err
		}
	}

	if earlierComment != "" {
		// An earlier attempt may have added it: look before adding again.
		texts, err := s.ro.Comments(ctx, rec.ROOrderID)
		if err != nil {
			return err
		}
		pending := earlierComment
		if !slices.ContainsFunc(texts, func(t string) bool { return commentHash(t) == commentHash(pending) }) {
			if until := s.doubtSince(rec).Add(s.quarantine); s.clock().Before(until) {
				return &InDoubtError{What: "comment", Until: until}
			}
			if err := s.ro.AddComment(ctx, rec.ROOrderID, pending); err != nil {
				doubted = inDoubt(err)
				return err
			}
		}
		s.commented(rec, pending)
		comments = slices.DeleteFunc(comments, func(t string) bool { return t == pending })
	}
	for i, text := range comments {
		if i > 0 || !commentIntent {
			rec.PendingComment = text
			if err := save(); err != nil {
				return err
			}
		} else {
			commentTried = true
		}
		if err := s.ro.AddComment(ctx, rec.ROOrderID, text); err != nil {
			doubted = inDoubt(err)
			if !doubted && rec.PendingComment == text {
				rec.PendingComment = "" // refused, so not added
			}
			return err
		}
		s.commented(rec, text)
	}

	if setStatus != 0 {
		// CAR-2: the platform's status moves the RO App order. ROStatusID
		// is recorded so that RO App's webhook for it is not echoed back.
		if err := s.ro.SetStatus(ctx, rec.ROOrderID, setStatus); err != nil {
			return err
		}
		rec.ROStatusID, rec.PlatformStatus = setStatus, o.Status
	}
	return nil
}

// claimPendingItems links lines whose add was interrupted to the items that
// RO App shows for their product, so they are not added twice (ENG-1).
// Lines are taken in the platform order's sequence (then any others by id)
// and items in RO App's: lines were added in that sequence, so two pending
// lines of one product claim the items in the order they were added.
func (s *Syncer) claimPendingItems(rec *Record, ro *ROOrder, lines []LineItem) {
	claimed := map[int64]bool{}
	for _, link := range rec.Lines {
		if link.ROItemID != 0 {
			claimed[link.ROItemID] = true
		}
	}
	order := make([]string, 0, len(rec.Lines))
	inOrder := make(map[string]bool, len(lines))
	for _, l := range lines {
		if _, ok := rec.Lines[l.ID]; ok && !inOrder[l.ID] {
			order = append(order, l.ID)
			inOrder[l.ID] = true
		}
	}
	var rest []string
	for id := range rec.Lines {
		if !inOrder[id] {
			rest = append(rest, id)
		}
	}
	slices.Sort(rest)
	for _, lineID := range append(order, rest...) {
		link := rec.Lines[lineID]
		if link.ROItemID != 0 {
			continue
		}
		for _, it := range ro.Items {
			if !claimed[it.ID] && it.ProductID == link.ProductID {
				claimed[it.ID] = true
				rec.Lines[lineID] = LineLink{ROItemID: it.ID, ProductID: it.ProductID, Quantity: it.Quantity, Price: it.Price, Discount: it.Discount}
				break
			}
		}
	}
}

// initialStatus returns the status RO App gave a newly created order: the
// initial status of the shop's order type. It is read from the first order
// created and then remembered, so it costs two calls per Syncer, not per
// order. The order read, if any, is returned too. When the read fails the
// status stays unknown (0) and the poll learns it instead.
func (s *Syncer) initialStatus(ctx context.Context, orderID int64) (int64, *ROOrder) {
	s.mu.Lock()
	known := s.initStatus
	s.mu.Unlock()
	if known != 0 {
		return known, nil
	}
	// The orders created meanwhile wait for this read instead of each
	// making their own (Concurrency orders may be created at once).
	s.initMu.Lock()
	defer s.initMu.Unlock()
	s.mu.Lock()
	known = s.initStatus
	s.mu.Unlock()
	if known != 0 {
		return known, nil
	}
	got, err := s.ro.Order(ctx, orderID)
	if err != nil {
		s.log.WarnContext(ctx, "initial RO App status not read", "ro_order", orderID, "err", err)
		return 0, nil
	}
	s.mu.Lock()
	s.initStatus = got.StatusID
	s.mu.Unlock()
	return got.StatusID, &got
}

// commented records that a comment is in RO App: a delivery comment's hash
// becomes the delivery last transferred (DEL-2).
func (s *Syncer) commented(rec *Record, text string) {
	if isDeliveryComment(text) {
		rec.DeliveryHash = commentHash(text)
	}
	rec.PendingComment = ""
}

// item is the RO App item for an order line: its product, quantity, unit
// price and value discount (ORD-3, PRD-6), assigned to the configured
// employee (RO App requires an assignee), at no cost price.
func (s *Syncer) item(id, productID int64, l LineItem) ROItem {
	return ROItem{ID: id, ProductID: productID, Quantity: l.Quantity, Price: l.Price, Discount: l.Discount,
		AssigneeID: s.settings.AssigneeID}
}

// changed reports whether the line differs from what its RO App item was
// given: quantity (PRD-7), unit price or discount.
func (k LineLink) changed(l LineItem) bool {
	return k.Quantity != l.Quantity || !k.Price.Equal(l.Price) || !k.Discount.Equal(l.Discount)
}

// freeze marks the order deducted after RO App refused a write to one of
// its items as written off or locked (DeductionSignal): from then on
// platform changes are not synchronised (ORD-5, PRD-7). The caller's
// record is saved as it stands, with the writes that went through.
func (s *Syncer) freeze(ctx context.Context, rec *Record, cause error) error {
	rec.Deducted = true
	s.log.InfoContext(ctx, "RO App refused an item write: order taken as deducted, platform changes no longer synchronised",
		"order", rec.OrderID, "ro_order", rec.ROOrderID, "err", cause)
	return nil
}

// writesPending reports whether the record holds writes whose outcome is
// unknown: line intents without an item, or a pending comment.
func (s *Syncer) writesPending(rec *Record) bool {
	if rec.PendingComment != "" {
		return true
	}
	for _, l := range rec.Lines {
		if l.ROItemID == 0 {
			return true
		}
	}
	return false
}

// doubtSince is when the record's pending writes came into doubt: the end
// of the attempt that left them, or, after a crash that left no such mark,
// the record's last save (the intents were saved then).
func (s *Syncer) doubtSince(rec *Record) time.Time {
	if !rec.DoubtAt.IsZero() {
		return rec.DoubtAt
	}
	return rec.UpdatedAt
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// inDoubt reports whether a create's error leaves its outcome unknown: RO
// App may have executed it, or may yet (a lost answer, a timeout, a 5xx, a
// lock lost while the request was in flight). Only a create that was never
// sent, or that RO App answered with a refusal (a 4xx other than 408, a
// missing right, a rate limit), is known not to have happened.
func inDoubt(err error) bool {
	if err == nil || errors.Is(err, errNotSent) {
		return false
	}
	var (
		api  *APIError
		perm *PermissionError
		rl   *RateLimitError
		amb  *AmbiguousError
		dbt  *InDoubtError
	)
	switch {
	case errors.As(err, &amb):
		return true
	case errors.As(err, &dbt):
		// An attempt that waits out a quarantine sent nothing: were it
		// taken as a new doubt, each retry would restart the quarantine
		// and the order would never go through.
		return false
	case errors.As(err, &perm), errors.As(err, &rl):
		return false
	case errors.As(err, &api):
		return api.Status < 400 || api.Status >= 500 || api.Status == 408
	}
	return true
}

// errNotSent marks an error returned before a create was sent (the lock
// check failed), so that its intent is not taken as in doubt.
var errNotSent = errors.New("not sent")
