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

// apply brings one platform order into RO App: plan (plan.go) decides what
// the rules ask of it, importOrder performs that plan (the flow of one
// order in docs/design.md).
func (s *Syncer) apply(ctx context.Context, o Order) error {
	return s.withRecord(ctx, o.ID, func(ctx context.Context, rec *Record) error {
		rec.Number = o.Number
		rec.PlatformCreatedAt = o.CreatedAt.UTC()
		env, err := s.planEnv(ctx, rec)
		if err != nil {
			return err
		}
		// Skipped (ORD-5), refused (ORD-3, ORD-4, the policy's rules), or
		// imported.
		p := plan(planInput{Rec: *rec, Order: o, Env: env, Now: s.clock()})
		if p.Skip || p.Refuse != nil {
			return p.Refuse
		}
		return s.importWithRetries(ctx, rec, o, env)
	})
}

// planEnv gathers what plan reads of the shop. The connection time is read
// (from the Store, once per Syncer) only for an order that still needs
// admission: no RO App order, none pending, not deducted.
func (s *Syncer) planEnv(ctx context.Context, rec *Record) (planEnv, error) {
	env := planEnv{Policy: s.pol(), Quarantine: s.quarantine, DefaultRegion: s.settings.DefaultRegion}
	s.mu.Lock()
	env.Currency, env.DeductedStatuses = s.currency, s.deductedStatus
	s.mu.Unlock()
	env.StatusIDs = make(map[string]int64, len(s.settings.StatusMap))
	for ps := range s.settings.StatusMap {
		if id, ok := s.roStatusID(ps); ok {
			env.StatusIDs[ps] = id
		}
	}
	if !rec.Deducted && rec.ROOrderID == 0 && rec.State != StatePending {
		at, err := s.connected(ctx)
		if err != nil {
			return planEnv{}, err
		}
		env.ConnectedAt = at
	}
	return env, nil
}

// importWithRetries runs importOrder, retrying transient failures in place
// a few times (Options.InlineRetries) before the order is left to the
// back-off of Poll: a blip should not defer an order by minutes, and an
// import that finishes each order before the next keeps RO App ids in the
// platform's order. Every attempt resumes from the record, so no create is
// repeated.
func (s *Syncer) importWithRetries(ctx context.Context, rec *Record, o Order, env planEnv) error {
	wait := s.inlineWait
	for attempt := 0; ; attempt++ {
		// An order whose earlier attempt failed or was interrupted may
		// have left contacts and products behind that the warm index does
		// not know: its lookups go to RO App (ENG-1).
		doubt := attempt > 0 || rec.State == StatePending || rec.Attempts > 0
		err := s.importOrder(ctx, rec, o, env, doubt)
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

// importOrder performs the plan of o (plan.go) against RO App: it creates or
// updates the RO App order. rec is saved by the caller; it is also saved
// here before and after every create, so that a crash at any point leaves
// the intent to look up instead of a duplicate (ENG-1). The plan is made
// afresh from rec at each attempt, and again once the RO App order has
// been created or read, since what it shows decides the writes (its
// status, its deduction, the items of interrupted adds).
func (s *Syncer) importOrder(ctx context.Context, rec *Record, o Order, env planEnv, doubt bool) (err error) {
	ctx, looked := s.beginLooking(ctx) // creates wait for a mirror refresh that starts after this (mirror.go)
	defer looked()
	in := planInput{Rec: *rec, Order: o, Env: env, Now: s.clock()}
	p := plan(in)
	if p.Skip || p.Refuse != nil {
		return p.Refuse
	}
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
	if p.Create {
		if err := resolveProducts(); err != nil {
			return err
		}
		if ro, err = s.createOrder(ctx, rec, o, p, doubt, save); err != nil {
			return err
		}
		// Saved with the intents of its lines below, or by withRecord: a
		// crash before that leaves the record pending, whose retry finds
		// the order by its reference (ENG-1).
		rec.State, rec.Rule, rec.Reason = StateImported, "", ""
		unsaved = true
		in.Rec, in.Created, in.RO, in.Now = *rec, true, ro, s.clock()
		p = plan(in)
	}
	if rec.Lines == nil {
		rec.Lines = map[string]LineLink{}
	}
	defer func() {
		// The platform status is recorded as seen once the attempt's
		// writes went through (or there were none to make): an attempt
		// that fails before a status comment is written leaves the
		// status new, so the retry still comments on it (SHO-2).
		if err == nil && p.RecordStatus {
			rec.PlatformStatus = o.Status
		}
	}()
	if !p.Changes {
		return nil
	}
	if p.NeedRO {
		// An order that existed before this attempt may have been
		// deducted in RO App since we last looked (ORD-5, PRD-7).
		got, err := s.ro.Order(ctx, rec.ROOrderID)
		if err != nil {
			return err
		}
		ro = &got
		in.RO, in.Now = ro, s.clock()
		p = plan(in)
	}
	if p.Deducted {
		rec.Deducted = true
		s.log.InfoContext(ctx, "order deducted in RO App; platform changes no longer synchronised", "order", o.ID)
		return nil
	}
	if existed {
		if err := resolveProducts(); err != nil {
			return err
		}
	}
	if p.FollowCustomer {
		if err := s.followCustomer(ctx, rec, o); err != nil {
			return err
		}
	}
	for _, c := range p.Claims {
		rec.Lines[c.LineID] = c.Link
	}
	if p.InDoubt != nil {
		return p.InDoubt
	}

	// One save records every write this attempt is about to make (ENG-1):
	// the lines to add (a link without an item id: should the attempt die
	// after RO App took some of them, the next one claims what the RO App
	// order shows, claimItems) and the first new comment, together with
	// an order just created. The writes then follow without a save
	// between them: an error is saved by withRecord with what went
	// through, a crash is recovered from the intents.
	for _, l := range p.Add {
		_, ok := rec.Lines[l.ID]
		rec.Lines[l.ID] = LineLink{ProductID: products[l.ID], Quantity: l.Quantity, Price: l.Price, Discount: l.Discount}
		newIntents[l.ID] = !ok
		unsaved = true
	}
	comments := p.Comments
	commentIntent := p.PendingComment == "" && len(comments) > 0
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

	for _, l := range p.Add {
		id, err := s.ro.AddItem(ctx, rec.ROOrderID, s.item(0, products[l.ID], l))
		sent[l.ID] = inDoubt(err)
		doubted = doubted || sent[l.ID]
		if err != nil {
			return err
		}
		rec.Lines[l.ID] = LineLink{ROItemID: id, ProductID: products[l.ID], Quantity: l.Quantity, Price: l.Price, Discount: l.Discount}
	}
	for _, l := range p.Update {
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
	for _, id := range p.Delete {
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
	if len(p.Update)+len(p.Delete) > 0 {
		if err := save(); err != nil {
			return err
		}
	}

	if pending := p.PendingComment; pending != "" {
		// An earlier attempt may have added it: look before adding again.
		texts, err := s.ro.Comments(ctx, rec.ROOrderID)
		if err != nil {
			return err
		}
		if !slices.ContainsFunc(texts, func(t string) bool { return commentHash(t) == commentHash(pending) }) {
			if until := doubtSince(rec).Add(s.quarantine); s.clock().Before(until) {
				return &InDoubtError{What: "comment", Until: until}
			}
			if err := s.ro.AddComment(ctx, rec.ROOrderID, pending); err != nil {
				doubted = inDoubt(err)
				return err
			}
		}
		s.commented(rec, pending)
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

	if p.SetStatus != 0 {
		// CAR-2: the platform's status moves the RO App order. ROStatusID
		// is recorded so that RO App's webhook for it is not echoed back.
		if err := s.ro.SetStatus(ctx, rec.ROOrderID, p.SetStatus); err != nil {
			return err
		}
		rec.ROStatusID, rec.PlatformStatus = p.SetStatus, o.Status
	}
	return nil
}

// createOrder performs a plan's Create once the order's products are
// resolved: the contact, then the RO App order, created once (ENG-1). An
// earlier attempt's create is looked up first (FindFirst) and waited for
// until OrderDoubtUntil; a create is recorded as an intent (the record
// pending, with its time and contact) before it is sent, after the lock
// is checked. It returns the RO App order when it read one (found, or
// read for its initial status).
func (s *Syncer) createOrder(ctx context.Context, rec *Record, o Order, p orderPlan, doubt bool, save func() error) (*ROOrder, error) {
	clientID, err := s.resolveContact(ctx, o, doubt)
	if err != nil {
		return nil, err
	}
	rec.CustomerHash, rec.CustomerPhone = p.CustomerHash, p.CustomerPhone
	ref := ExternalRef{Platform: s.p.Name(), Shop: s.shop, OrderID: o.ID, Number: o.Number, CreatedAt: o.CreatedAt, Zone: s.shopZone()}
	var ro *ROOrder
	if p.FindFirst {
		// An earlier attempt may have created it (ENG-1); a poll checks
		// for a second one created late (duplicates.go).
		if err := s.watchDuplicates(ctx, rec); err != nil {
			return nil, err
		}
		found, err := s.ro.FindOrder(ctx, OrderLookup{Ref: ref, ClientID: rec.ClientID, Since: rec.IntentAt.Add(-time.Minute)})
		switch {
		case err == nil:
			rec.ROOrderID, rec.ROStatusID = found.ID, found.StatusID
			ro = &found
		case !errors.Is(err, ErrNotFound):
			return nil, err
		case s.clock().Before(p.OrderDoubtUntil):
			// Not found yet: RO App may still execute that create.
			return nil, &InDoubtError{What: "order", Until: p.OrderDoubtUntil}
		}
	}
	if rec.ROOrderID != 0 {
		return ro, nil
	}
	rec.State, rec.IntentAt, rec.ClientID = StatePending, s.clock(), clientID
	if err := save(); err != nil {
		return nil, err
	}
	if err := checkLock(ctx); err != nil {
		return nil, err
	}
	id, err := s.ro.CreateOrder(ctx, NewOrder{
		BranchID: s.settings.BranchID, OrderTypeID: s.settings.OrderTypeID, ClientID: clientID, Ref: ref,
	})
	if err != nil {
		if !inDoubt(err) {
			// Refused, so not executed: no intent to honour.
			rec.State, rec.IntentAt = StateNew, time.Time{}
		}
		return nil, err
	}
	rec.ROOrderID = id
	if p.LearnStatus {
		// Record the order type's initial status, so that a later status
		// change whose RO App webhook is lost is not mistaken for it by
		// the poll (WOO-3, CAR-2).
		rec.ROStatusID, ro = s.initialStatus(ctx, id)
	}
	return ro, nil
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
