package rosync

import (
	"slices"
	"time"
)

// This file decides; apply.go writes. plan is the whole of what the rules
// say about one platform order, as a pure function: from the order's
// Record, the platform order, what this attempt read of its RO App order,
// the shop's policy and settings, and the time, it works out the writes to
// make. It makes no call, reads no Store and no clock, and starts nothing:
// the same input always gives the same plan, in the same order, which
// plan_test.go checks rule by rule (TestPlan) without HTTP or a Store.
//
// Syncer.importOrder (apply.go) performs a plan with the intents of ENG-1:
// every create is recorded in the Store before it is sent, and a write
// whose outcome was lost is looked up, never repeated blindly.

// planEnv is what the Syncer knows of the shop that plan reads.
type planEnv struct {
	// Policy is the platform's rules as data.
	Policy Policy
	// Currency is the RO App account's currency (ORD-4).
	Currency string
	// ConnectedAt is when the shop was first connected
	// (ShopState.ConnectedAt): the initial import's window is counted
	// back from it. It is only read for an order that still needs
	// admission (no RO App order, none pending).
	ConnectedAt time.Time
	// StatusIDs maps a platform status to its RO App status id through
	// Settings.StatusMap, for the statuses the account has (CAR-2).
	StatusIDs map[string]int64
	// DeductedStatuses are the RO App status ids that mean the order's
	// products are written off (DeductionSignal; ORD-5).
	DeductedStatuses map[int64]bool
	// Quarantine is how long a write of unknown outcome is given to land
	// in RO App before it is made again (ENG-1, Options.Quarantine).
	Quarantine time.Duration
	// DefaultRegion reads phones without a country code (CUS-3).
	DefaultRegion string
}

// planInput is everything plan reads.
type planInput struct {
	// Rec is the order's record as it stands: as stored, or, when Created,
	// with the RO App order this attempt created or found.
	Rec Record
	// Order is the platform order, the truth about the order.
	Order Order
	// Created says that this attempt created the RO App order (or found
	// the one an earlier attempt created): it did not exist before, so
	// there is nothing deducted to check and no correction to follow.
	Created bool
	// RO is the RO App order with its items as this attempt read it; nil
	// when it was not read.
	RO *ROOrder
	// Now is the time of the decision (quarantines end at a time).
	Now time.Time
	// Env is the shop's policy and settings.
	Env planEnv
}

// lineClaim links a line whose add was interrupted to the RO App item that
// RO App shows for its product (ENG-1): the item is not added again.
type lineClaim struct {
	LineID string
	Link   LineLink
}

// orderPlan is what plan decides for one order: the writes to make, in the
// order to make them. The zero value writes nothing.
type orderPlan struct {
	// Skip: the record says the order's products were deducted in RO App;
	// platform changes stay on the platform, nothing is read or written
	// (ORD-5, PRD-7).
	Skip bool
	// Refuse is why the order is refused: a *RejectedError with its rule
	// (ORD-4, the policy's WindowRule and RequireRule) or an
	// *InvalidOrderError (ORD-3). Nothing is written; the record takes
	// the rejection (or, for an order already in RO App, the failure).
	Refuse error

	// Create: the order has no RO App order yet. Its products are
	// resolved, then its contact, then the order is created once with
	// the order type and the external reference (ORD-1, PRD-1..5,
	// CUS-1..3, SHO-3, ENG-1). The writes below are planned again once
	// it exists, with the RO App order as created or found.
	Create bool
	// FindFirst: an earlier create of the order may have landed (the
	// record is pending): it is looked up by its external reference
	// first, and not created again before OrderDoubtUntil (ENG-1).
	FindFirst       bool
	OrderDoubtUntil time.Time
	// LearnStatus: the policy pushes RO App statuses to the platform, so
	// the order type's initial status is recorded at the create, so that
	// a later change whose webhook is lost is not taken for it (WOO-3,
	// CAR-2).
	LearnStatus bool
	// CustomerHash and CustomerPhone are the digest and E.164 phone of
	// the customer data the order's contact is given (CUS-3); both empty
	// when the order has no customer data of its own (SHO-C2).
	CustomerHash, CustomerPhone string

	// RecordStatus: no status is to be set from the platform's, so it is
	// recorded as seen (Record.PlatformStatus) once the attempt succeeds
	// (also when nothing is written, or the order is found deducted);
	// an attempt that fails leaves it new, so that its status comment is
	// planned again (SHO-2).
	RecordStatus bool
	// Changes: there is something to write. Without changes the attempt
	// ends here, without a call.
	Changes bool
	// NeedRO: the order existed before this attempt and may have been
	// deducted in RO App since: it is read (with its items) and planned
	// again before anything is written (ORD-5, PRD-7).
	NeedRO bool
	// Deducted: RO App shows the order's products written off. The record
	// is marked and nothing is written, now or later (ORD-5, PRD-7).
	Deducted bool

	// FollowCustomer: the customer was corrected on the platform; the
	// order's contact takes the new data (CUS-3).
	FollowCustomer bool
	// Claims link interrupted adds to the items RO App shows (ENG-1).
	Claims []lineClaim
	// InDoubt: an item added by an earlier attempt may still land in RO
	// App; nothing is written before its quarantine ends (ENG-1).
	InDoubt *InDoubtError
	// Add are the lines to add as items without deduction, with their
	// quantity, price and discount (PRD-6, PRD-7); Update the lines whose
	// quantity, price or discount changed (PRD-7); Delete the line ids
	// removed on the platform (PRD-7), sorted.
	Add    []LineItem
	Update []LineItem
	Delete []string
	// PendingComment is a comment an earlier attempt may have added: the
	// order's comments are read and it is added only if absent, after
	// its quarantine (ENG-1).
	PendingComment string
	// Comments are the comments to add, in order: the delivery details
	// (DEL-1; DEL-2 where the policy follows changes), then the policy's
	// note for the status the order reached (SHO-2).
	Comments []string
	// SetStatus is the RO App status to set from the platform's (CAR-2);
	// 0 for none.
	SetStatus int64
}

// plan decides what to write for one order. It is pure: see the top of
// this file.
func plan(in planInput) orderPlan {
	var p orderPlan
	rec, o, env, pol := &in.Rec, &in.Order, &in.Env, &in.Env.Policy
	if rec.Deducted {
		// ORD-5, PRD-7: once deducted, platform changes stay on the platform.
		return orderPlan{Skip: true}
	}
	if err := o.Validate(); err != nil {
		p.Refuse = err // ORD-3
		return p
	}
	p.CustomerHash, p.CustomerPhone, _ = digestCustomer(*o, env.DefaultRegion, pol.TransfersAddress)
	if rec.ROOrderID == 0 {
		if rec.State != StatePending {
			if rej := admit(*o, *env); rej != nil {
				p.Refuse = rej
				return p
			}
		}
		p.Create = true
		p.LearnStatus = pol.StatusSync.ToPlatform()
		if rec.State == StatePending {
			p.FindFirst, p.OrderDoubtUntil = true, rec.IntentAt.Add(env.Quarantine)
		}
	}
	existed := rec.ROOrderID != 0 && !in.Created

	// What the order asks of RO App against what the record says it has.
	pendingItems := false // a line to add has an intent from an earlier attempt
	current := make(map[string]bool, len(o.Lines))
	for _, l := range o.Lines {
		current[l.ID] = true
		link, ok := rec.Lines[l.ID]
		switch {
		case !ok || link.ROItemID == 0:
			p.Add = append(p.Add, l) // PRD-6; PRD-7: a new line
			pendingItems = pendingItems || ok
		case link.changed(l):
			p.Update = append(p.Update, l) // PRD-7
		}
	}
	for id := range rec.Lines {
		if !current[id] {
			p.Delete = append(p.Delete, id) // PRD-7: a removed line
		}
	}
	slices.Sort(p.Delete)
	if pol.Delivery != DeliveryNone && !o.Delivery.IsZero() {
		h := o.Delivery.Hash()
		if h != rec.DeliveryHash && (rec.DeliveryHash == "" || pol.Delivery == DeliveryOnChange) {
			p.Comments = append(p.Comments, o.Delivery.Comment()) // DEL-1, DEL-2
		}
	}
	if text := pol.StatusComments[o.Status]; text != "" && o.Status != rec.PlatformStatus {
		p.Comments = append(p.Comments, text) // SHO-2
	}
	if pol.StatusSync.FromPlatform() && o.Status != rec.PlatformStatus {
		// CAR-2; never our own status coming back.
		if id, ok := env.StatusIDs[o.Status]; ok && id != rec.ROStatusID {
			p.SetStatus = id
		}
	}
	p.RecordStatus = !pol.StatusSync.FromPlatform() || p.SetStatus == 0
	// A corrected customer follows until deduction (CUS-3, PRD-7).
	p.FollowCustomer = existed && p.CustomerHash != "" && p.CustomerHash != rec.CustomerHash
	p.PendingComment = rec.PendingComment
	p.Changes = len(p.Add)+len(p.Update)+len(p.Delete)+len(p.Comments) > 0 || p.PendingComment != "" ||
		p.SetStatus != 0 || p.FollowCustomer
	if !p.Changes || p.Create {
		return p
	}
	if existed && in.RO == nil {
		p.NeedRO = true // ORD-5: look before writing
		return p
	}
	if in.RO != nil && (in.RO.Deducted() || env.DeductedStatuses[in.RO.StatusID]) {
		// ORD-5, PRD-7: nothing is written once RO App shows deduction.
		return orderPlan{RecordStatus: p.RecordStatus, Changes: true, Deducted: true}
	}
	if p.PendingComment != "" {
		// Added once: a new comment equal to the pending one is that one.
		p.Comments = slices.DeleteFunc(p.Comments, func(t string) bool { return t == p.PendingComment })
	}
	if !pendingItems {
		return p
	}
	if in.RO != nil {
		// ENG-1: lines whose add was interrupted claim the items RO App
		// shows; a claimed item is brought up to date instead of added.
		p.Claims = claimItems(rec.Lines, in.RO, o.Lines)
	}
	claimed := make(map[string]LineLink, len(p.Claims))
	for _, c := range p.Claims {
		claimed[c.LineID] = c.Link
	}
	add := p.Add[:0:0]
	for _, l := range p.Add {
		link, ok := claimed[l.ID]
		switch {
		case !ok:
			add = append(add, l)
		case link.changed(l):
			p.Update = append(p.Update, l)
		}
	}
	p.Add = add
	// An item RO App does not show yet may still be added by a late
	// request: none is added again before the quarantine ends.
	if until := doubtSince(rec).Add(env.Quarantine); in.Now.Before(until) {
		for _, l := range p.Add {
			if _, ok := rec.Lines[l.ID]; ok {
				p.InDoubt = &InDoubtError{What: "item", Until: until}
				break
			}
		}
	}
	return p
}

// admit applies the platform policy and the general rules to an order that
// has no RO App order yet, returning a *RejectedError when a rule keeps it
// out.
func admit(o Order, env planEnv) *RejectedError {
	pol := &env.Policy
	if !SameCurrency(o.Currency, env.Currency) {
		return Reject("ORD-4", "order currency %s differs from the RO App currency %s; orders are not converted",
			o.Currency, env.Currency)
	}
	if o.CreatedAt.Before(env.ConnectedAt) {
		// The initial import: the window and the excluded statuses.
		start := windowStart(env.ConnectedAt, pol.ImportMonths)
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

// claimItems links lines whose add was interrupted (a LineLink without an
// item id) to the items that RO App shows for their product and no other
// line has, so they are not added twice (ENG-1). Lines are taken in the
// platform order's sequence (then any others by id) and items in RO App's:
// lines were added in that sequence, so two pending lines of one product
// claim the items in the order they were added. links is not changed.
func claimItems(links map[string]LineLink, ro *ROOrder, lines []LineItem) []lineClaim {
	taken := map[int64]bool{}
	for _, link := range links {
		if link.ROItemID != 0 {
			taken[link.ROItemID] = true
		}
	}
	order := make([]string, 0, len(links))
	inOrder := make(map[string]bool, len(lines))
	for _, l := range lines {
		if _, ok := links[l.ID]; ok && !inOrder[l.ID] {
			order = append(order, l.ID)
			inOrder[l.ID] = true
		}
	}
	var rest []string
	for id := range links {
		if !inOrder[id] {
			rest = append(rest, id)
		}
	}
	slices.Sort(rest)
	var claims []lineClaim
	for _, lineID := range append(order, rest...) {
		link := links[lineID]
		if link.ROItemID != 0 {
			continue
		}
		for _, it := range ro.Items {
			if !taken[it.ID] && it.ProductID == link.ProductID {
				taken[it.ID] = true
				claims = append(claims, lineClaim{LineID: lineID, Link: LineLink{ROItemID: it.ID, ProductID: it.ProductID,
					Quantity: it.Quantity, Price: it.Price, Discount: it.Discount}})
				break
			}
		}
	}
	return claims
}

// digestCustomer returns the digest of what the order's contact is given
// (contactFor's real fields, Contact.hash) and its E.164 phone; ok is
// false when the order has no customer data of its own (SHO-C2's
// placeholder stands for it).
func digestCustomer(o Order, defaultRegion string, transfersAddress bool) (hash, phone string, ok bool) {
	if o.CustomerRedacted || o.Customer == nil || (!o.Customer.HasName() && !o.Customer.HasContact()) {
		return "", "", false
	}
	ct, phone, _ := contactFor(o.Customer, defaultRegion)
	if !transfersAddress {
		ct.Address = ""
	}
	return ct.hash(), phone, true
}

// changed reports whether the line differs from what its RO App item was
// given: quantity (PRD-7), unit price or discount.
func (k LineLink) changed(l LineItem) bool {
	return k.Quantity != l.Quantity || !k.Price.Equal(l.Price) || !k.Discount.Equal(l.Discount)
}

// doubtSince is when the record's pending writes came into doubt: the end
// of the attempt that left them, or, after a crash that left no such mark,
// the record's last save (the intents were saved then).
func doubtSince(rec *Record) time.Time {
	if !rec.DoubtAt.IsZero() {
		return rec.DoubtAt
	}
	return rec.UpdatedAt
}
