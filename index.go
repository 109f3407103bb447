package rosync

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"
)

// The mirror of the RO App account.
//
// Every customer and product the Store's identity index does not know
// needs an answer from RO App before it is created: is it there already
// (CUS-3, PRD-2)? Asking per customer costs lookups, and RO App documents
// no email filter for contacts, so an email could only be matched by
// reading the whole contact list. Instead the Syncer mirrors the account's
// person contacts (normalised email, E.164 phones, id: what pickContact
// matches on and the phones a CUS-3 update must keep) and catalogue
// products (title, SKU and code: the identify-by keys) in the Store (the
// optional Mirror capability; memory, SQLite and PostgreSQL have it), and
// answers those questions from it.
//
// Loading: the first Connect lists both lists, page by page
// (ROIndexLister). The Store keeps, per list, the time it was mirrored up
// to (when the listing started, by the Syncer's clock); every later
// listing, a restart's included, asks RO App only for what was modified
// since then (modified_at[]), less Options.MirrorOverlap for the
// difference between RO App's clock and ours. A restart therefore lists
// what changed while the process was away, not the account.
//
// Freshness, where it matters: before the Syncer creates a contact or a
// product because the mirror has no match (or matches a customer by email
// only, whose phone would be added: a contact with that phone may be new
// in RO App, and the update must keep the contact's current phones), it
// makes sure the mirror was refreshed by a listing that started after the
// order began looking (importOrder marks that moment in its context). A
// contact a person created in RO App minutes, or seconds, before is so
// matched, not duplicated. Such refreshes are single-flight: one runs at a
// time, and every order that began looking before it started shares it,
// so an import costs about one list call per batch of creates, not one per
// create (generation counters, mirrorFeed). What the Syncer creates, finds
// or updates is written into the mirror as well. An RO App Client.Created
// webhook (HandleROEvent) triggers the same refresh unless the mirror
// holds the contact already; Client.Deleted makes the mirror forget the
// contact's phones and email.
//
// Sources: the filters of GET /contacts/people (names[], phones[],
// created_at[], modified_at[]; no email filter) and the webhook events
// (Client.Created, Client.Deleted, context.object_id) are RO App's public
// reference, https://roapp.readme.io (API reference and Webhooks Guide).
// modified_at[] on GET /catalog/products is UNVERIFIED: a server that
// ignored it would make each refresh read the whole catalogue (pages, not
// wrong matches).
//
// Doubt: after a create whose outcome was unknown (a pending marker under
// the identity's keys, ENG-1) or an earlier failed attempt of the order,
// RO App is asked directly as well (FindContacts, FindProduct), whatever
// the mirror says.
//
// Memory: nothing of the mirror is held in the process; it is in the
// Store, and grows with the account, not with the orders imported.
//
// Limits: a product deleted in RO App stays in the mirror (RO App lists no
// deletions), and so does a contact whose Client.Deleted webhook was lost;
// an order naming it fails when RO App refuses the deleted id, and is kept
// with its error. Stored phone numbers without a country code are read in
// Settings.DefaultRegion. Without a Mirror in the Store or a lister in the
// ROClient, RO App is looked up per new customer and product.
//
// Categories are not mirrored: they are few, listed at Connect and kept in
// memory (category.go).
type roIndex struct {
	fmu      sync.Mutex // guards the feeds and the gate
	contacts mirrorFeed
	products mirrorFeed
	gate     mirrorGate

	// The categories, in memory: refreshMu lets one goroutine at a time
	// list them.
	refreshMu sync.Mutex
	mu        sync.Mutex
	ready     bool
	stale     bool      // a poll asked for a refresh, done at the next use
	warmedAt  time.Time // when the last listing started (our clock)
}

// mirrorOf returns the Store's Mirror when the Syncer keeps one: the Store
// has the capability and the ROClient lists.
func (s *Syncer) mirrorOf() (Mirror, ROIndexLister, bool) {
	m, ok := s.store.(Mirror)
	l, lok := s.ro.(ROIndexLister)
	return m, l, ok && lok && !s.noIndex
}

// warmIndex brings the mirror up to date (a full listing the first time,
// what changed since the stored time otherwise) and lists the categories.
// Connect calls it with full set. A failure is logged: the next create
// that needs the mirror refreshes it again. It reports whether all went
// well.
func (s *Syncer) warmIndex(ctx context.Context, full bool) bool {
	_, l, on := s.mirrorOf()
	if !on {
		if l, ok := s.ro.(ROIndexLister); ok && !s.noIndex {
			return s.warmCategories(ctx, l)
		}
		return false
	}
	var (
		wg   sync.WaitGroup
		errs [2]error
		cats bool
	)
	if full {
		ix := s.index
		wg.Go(func() { errs[0] = s.ensureFresh(ctx, &ix.contacts, ix.ticket(&ix.contacts), false) })
		wg.Go(func() { errs[1] = s.ensureFresh(ctx, &ix.products, ix.ticket(&ix.products), false) })
	}
	cats = s.warmCategories(ctx, l)
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		s.log.WarnContext(ctx, "RO App account not mirrored; the next create refreshes it", "err", err)
		return false
	}
	return cats
}

// warmCategories lists the account's categories into memory.
func (s *Syncer) warmCategories(ctx context.Context, l ROIndexLister) bool {
	ix := s.index
	ix.refreshMu.Lock()
	defer ix.refreshMu.Unlock()
	ix.mu.Lock()
	if ix.ready && !ix.stale && s.clock().Sub(ix.warmedAt) <= s.indexMaxAge {
		ix.mu.Unlock()
		return true // refreshed by another goroutine meanwhile
	}
	ix.mu.Unlock()
	start := s.clock()
	categories, err := collectList(l.ListCategories(ctx), "categories", func() {})
	if err != nil {
		s.log.WarnContext(ctx, "categories not listed; RO App is looked up per new category", "err", err)
		ix.mu.Lock()
		ix.ready = false
		ix.mu.Unlock()
		return false
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	// The categories go to the Syncer's category list (category.go).
	s.cats.set(categories, start)
	ix.ready, ix.stale, ix.warmedAt = true, false, start
	return true
}

// markIndexStale asks for the categories to be listed again before their
// next use (a poll: RO App may have changed since). The mirror needs no
// such call: it is refreshed before every create that relies on it.
func (s *Syncer) markIndexStale() {
	s.index.mu.Lock()
	defer s.index.mu.Unlock()
	s.index.stale = true
}

// collectList gathers a list; on an error it cancels the other lists.
func collectList[T any](seq iter.Seq2[T, error], what string, cancel func()) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			cancel()
			return nil, fmt.Errorf("list %s: %w", what, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// findContacts is ROClient.FindContacts answered from the mirror: the
// contacts with the phone (E.164) or the email, ascending ids. When the
// mirror has no contact with the phone (or, without a phone, the email),
// it is refreshed first by a listing that started after the order began
// looking. In doubt RO App is asked as well.
func (s *Syncer) findContacts(ctx context.Context, phone, email string, doubt bool) ([]Contact, error) {
	m, _, on := s.mirrorOf()
	if !on {
		return s.ro.FindContacts(ctx, phone, email)
	}
	email = NormalizeEmail(email)
	var found []Contact
	if doubt {
		got, err := s.ro.FindContacts(ctx, phone, email)
		if err != nil {
			return nil, err
		}
		s.indexContacts(got...)
		found = got
	}
	look := func() error {
		got, err := m.MirrorContacts(ctx, 0, phone, email)
		if err != nil {
			return &storeError{fmt.Errorf("mirrored contacts: %w", err)}
		}
		found = mergeContacts(found, got)
		return nil
	}
	if err := look(); err != nil {
		return nil, err
	}
	if bestMatch(found, phone, email) {
		return found, nil
	}
	t, order := s.lookTicket(ctx, &s.index.contacts)
	if err := s.ensureFresh(ctx, &s.index.contacts, t, order); err != nil {
		return nil, err
	}
	if err := look(); err != nil {
		return nil, err
	}
	return found, nil
}

// bestMatch reports whether found has the best match pickContact can
// make: a contact with the phone, or without a phone one with the email.
func bestMatch(found []Contact, phone, email string) bool {
	for _, c := range found {
		switch {
		case phone != "" && slices.Contains(c.Phones, phone):
			return true
		case phone == "" && email != "" && NormalizeEmail(c.Email) == email:
			return true
		}
	}
	return false
}

// mergeContacts adds to a the contacts of b it lacks (by id; b's version
// wins: the mirror is as fresh as RO App's answer), ascending ids.
func mergeContacts(a, b []Contact) []Contact {
	out := slices.Clone(a)
	for _, c := range b {
		if i := slices.IndexFunc(out, func(o Contact) bool { return o.ID == c.ID }); i >= 0 {
			out[i] = c
		} else {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(x, y Contact) int { return cmpID(x.ID, y.ID) })
	if out == nil {
		out = []Contact{}
	}
	return out
}

func cmpID(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// mirrored is what the mirror keeps of a contact.
func mirrored(c Contact) Contact {
	return Contact{ID: c.ID, Email: NormalizeEmail(c.Email), Phones: slices.Clip(slices.Clone(c.Phones))}
}

// indexContacts writes contacts RO App showed or took into the mirror. A
// failure is logged: the next refresh brings them.
func (s *Syncer) indexContacts(cs ...Contact) {
	m, _, on := s.mirrorOf()
	if !on || len(cs) == 0 {
		return
	}
	put := make([]Contact, 0, len(cs))
	for _, c := range cs {
		put = append(put, mirrored(c))
	}
	if err := m.PutMirrorContacts(context.Background(), put); err != nil {
		s.log.Warn("mirror: contacts not written", "err", err)
	}
}

// indexContactUpdate applies an UpdateContact to a contact the mirror
// holds: a non-empty email overwrites, phones replace when given.
func (s *Syncer) indexContactUpdate(upd Contact) {
	m, _, on := s.mirrorOf()
	if !on {
		return
	}
	ctx := context.Background()
	got, err := m.MirrorContacts(ctx, upd.ID, "", "")
	if err != nil || len(got) == 0 {
		return // not held: the Store's identities answer for it
	}
	c := got[0]
	if upd.Email != "" {
		c.Email = upd.Email
	}
	if len(upd.Phones) > 0 {
		c.Phones = upd.Phones
	}
	s.indexContacts(c)
}

// findProduct is ROClient.FindProduct answered from the mirror: the
// product of lowest id with the value. When the mirror has none, it is
// refreshed first by a listing that started after the order began
// looking. In doubt RO App is asked first.
func (s *Syncer) findProduct(ctx context.Context, by IdentifyBy, value string, doubt bool) (ROProduct, error) {
	m, _, on := s.mirrorOf()
	if !on || doubt {
		p, err := s.ro.FindProduct(ctx, by, value)
		if err == nil {
			s.indexProduct(p)
		}
		if !on || !errors.Is(err, ErrNotFound) {
			return p, err
		}
	}
	value = strings.TrimSpace(value)
	look := func() (ROProduct, error) {
		p, err := m.MirrorProduct(ctx, by, value)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return ROProduct{}, &storeError{fmt.Errorf("mirrored product: %w", err)}
		}
		return p, err
	}
	p, err := look()
	if !errors.Is(err, ErrNotFound) {
		return p, err
	}
	t, order := s.lookTicket(ctx, &s.index.products)
	if err := s.ensureFresh(ctx, &s.index.products, t, order); err != nil {
		return ROProduct{}, err
	}
	p, err = look()
	if errors.Is(err, ErrNotFound) {
		return ROProduct{}, fmt.Errorf("rosync: product with %s %q not in RO App: %w", by, value, ErrNotFound)
	}
	return p, err
}

// indexProduct writes a product RO App showed or took into the mirror.
func (s *Syncer) indexProduct(p ROProduct) {
	m, _, on := s.mirrorOf()
	if !on || p.ID == 0 {
		return
	}
	if err := m.PutMirrorProducts(context.Background(), []ROProduct{mirroredProduct(p)}); err != nil {
		s.log.Warn("mirror: product not written", "err", err)
	}
}

func mirroredProduct(p ROProduct) ROProduct {
	return ROProduct{ID: p.ID, Title: strings.TrimSpace(p.Title), SKU: strings.TrimSpace(p.SKU), Code: strings.TrimSpace(p.Code)}
}
