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

// The warm identity index.
//
// Without it, every customer and product the Store's index does not know
// costs RO App lookups before it is created (contacts by phone and by
// email, the catalogue by the identify-by key, the category list): at 3
// requests per second those lookups are a large share of a shop's first
// import. With an ROClient that lists (ROIndexLister), the Syncer instead
// lists the account's contacts, products and categories once, page by page,
// at Connect, and keeps that picture in memory (roIndex). A customer or
// product absent from it is then known to be new without a lookup.
//
// Freshness:
//   - what the Syncer itself creates or updates is written into the index
//     at once;
//   - every Poll lists again the contacts and products modified since the
//     previous warm-up or refresh (less Options.PollOverlap), and all
//     categories;
//   - a create whose outcome was unknown leaves a pending marker in the
//     Store's index under the identity's keys (for every replica sharing
//     the Store); the next attempt sees it and looks RO App up before
//     creating again (ENG-1), whatever the warm index says.
//
// Memory: the index holds what RO App had before the Syncer came, not what
// the Syncer adds. A contact or product the Syncer creates or matches is
// recorded in the Store's identity index under its keys, which every later
// order consults first, so the warm index need not hold it too: created
// contacts are not put into it, and a refresh leaves out a listed contact
// whose every lookup key the Store already maps to it. A contact costs the
// index its normalised email and E.164 phones (about 100 bytes), not its
// name or address. So the index grows with the account's own contacts and
// products (and those people add meanwhile), not with the orders imported.
//
// Limits: a contact or product that someone creates in RO App after the
// last warm-up or refresh and before an order names it is not in the index;
// such an order creates a second one. The index is refreshed before a use
// once it is older than Options.IndexMaxAge (default a minute), which
// bounds that window. Contacts and products deleted in
// RO App stay in the index until the process restarts. Stored phone
// numbers without a country code are read in Settings.DefaultRegion. It is
// off unless Options.WarmIndex is set.
type roIndex struct {
	// refreshMu lets one goroutine at a time warm or refresh the index.
	refreshMu sync.Mutex

	mu       sync.Mutex
	ready    bool
	stale    bool      // a poll asked for a refresh, done at the next use
	warmedAt time.Time // when the last warm-up or refresh started (our clock)

	contacts map[int64]indexedContact
	byPhone  map[string][]int64 // E.164 -> contact ids, ascending
	byEmail  map[string][]int64 // normalised email -> contact ids, ascending

	products map[string]int64 // productIndexKey -> lowest product id
}

// indexedContact is what the index keeps of a contact: what the resolver
// matches on (pickContact) and the phones a CUS-3 update must keep.
type indexedContact struct {
	email  string // normalised
	phones []string
}

func (c indexedContact) contact(id int64) Contact {
	return Contact{ID: id, Email: c.email, Phones: slices.Clone(c.phones)}
}

func productIndexKey(by IdentifyBy, v string) string {
	return string(by) + "/" + strings.TrimSpace(v)
}

// warmIndex lists the RO App account's contacts, products and categories
// into a new index (a full warm-up) or, when the index is ready and full is
// false, the contacts and products modified since the last warm-up (a
// refresh). A failure leaves the index as it was before a refresh, and not
// ready after a failed warm-up: the Syncer then looks RO App up as without
// an index. It reports whether the index is ready and fresh.
func (s *Syncer) warmIndex(ctx context.Context, full bool) bool {
	l, ok := s.ro.(ROIndexLister)
	if !ok || s.noIndex {
		return false
	}
	ix := s.index
	ix.refreshMu.Lock()
	defer ix.refreshMu.Unlock()
	ix.mu.Lock()
	if ix.ready && !ix.stale && !full && s.clock().Sub(ix.warmedAt) <= s.indexMaxAge {
		ix.mu.Unlock()
		return true // refreshed by another goroutine meanwhile
	}
	since := time.Time{}
	if ix.ready && !full {
		since = ix.warmedAt.Add(-s.overlap)
	}
	ix.mu.Unlock()
	start := s.clock()
	contacts, products, categories, err := s.listIdentities(ctx, l, since)
	if err != nil {
		s.log.WarnContext(ctx, "identity index not warmed; RO App is looked up per new customer and product", "err", err)
		if since.IsZero() {
			ix.mu.Lock()
			ix.ready = false
			ix.mu.Unlock()
		}
		return false
	}
	if !since.IsZero() {
		// A refresh lists what the Syncer itself created or updated since
		// the last one: leave out what the Store already answers.
		contacts, err = s.notInStore(ctx, contacts)
		if err != nil {
			s.log.WarnContext(ctx, "identity index not refreshed", "err", err)
			return false
		}
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if since.IsZero() {
		ix.contacts = make(map[int64]indexedContact, len(contacts))
		ix.byPhone = make(map[string][]int64, len(contacts))
		ix.byEmail = make(map[string][]int64, len(contacts))
		ix.products = make(map[string]int64, 2*len(products))
	}
	for _, c := range contacts {
		ix.putContactLocked(c)
	}
	for _, p := range products {
		ix.putProductLocked(p)
	}
	// The categories go to the Syncer's category list (category.go).
	s.cats.set(categories, start)
	ix.ready, ix.stale, ix.warmedAt = true, false, start
	s.log.DebugContext(ctx, "identity index warmed", "contacts", len(contacts), "products", len(products),
		"categories", len(categories), "refresh", !since.IsZero())
	return true
}

// notInStore drops the listed contacts that the index does not hold and
// whose every lookup key (phones, and the email where the resolver looks
// emails up) the Store's identity index maps to that very contact: the
// resolver finds those in the Store before it asks the index. A contact
// someone changed in RO App (a phone added, say) has a key the Store lacks
// and is kept.
func (s *Syncer) notInStore(ctx context.Context, contacts []Contact) ([]Contact, error) {
	matchEmail := s.pol().MatchEmail
	out := contacts[:0]
	for _, c := range contacts {
		s.index.mu.Lock()
		_, held := s.index.contacts[c.ID]
		s.index.mu.Unlock()
		keys := make([]string, 0, len(c.Phones)+1)
		for _, p := range c.Phones {
			keys = append(keys, phoneKey(p))
		}
		if e := NormalizeEmail(c.Email); e != "" && (matchEmail || len(c.Phones) == 0) {
			keys = append(keys, emailKey(e))
		}
		known := !held && len(keys) > 0
		for _, k := range keys {
			if !known {
				break
			}
			got, err := s.store.Identity(ctx, k)
			switch {
			case errors.Is(err, ErrNotFound):
				known = false
			case err != nil:
				return nil, &storeError{err}
			default:
				known = got.ID == c.ID && !isPending(got.Hash)
			}
		}
		if !known {
			out = append(out, c)
		}
	}
	return out, nil
}

// markIndexStale asks for a refresh of the index before its next use (a
// poll: RO App may have changed since). When the process has no index yet,
// the next use warms one.
func (s *Syncer) markIndexStale() {
	s.index.mu.Lock()
	defer s.index.mu.Unlock()
	s.index.stale = true
}

// listIdentities lists the account's contacts and products (modified since
// since, all when it is zero) and categories, the three lists at once so
// that each one's latency fills the others' gaps in the rate limiter.
func (s *Syncer) listIdentities(ctx context.Context, l ROIndexLister, since time.Time) ([]Contact, []ROProduct, []ROCategory, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		contacts   []Contact
		products   []ROProduct
		categories []ROCategory
		wg         sync.WaitGroup
		errs       [3]error
	)
	wg.Go(func() {
		contacts, errs[0] = collectList(l.ListContacts(ctx, since, s.settings.DefaultRegion), "contacts", cancel)
	})
	wg.Go(func() { products, errs[1] = collectList(l.ListProducts(ctx, since), "products", cancel) })
	wg.Go(func() { categories, errs[2] = collectList(l.ListCategories(ctx), "categories", cancel) })
	wg.Wait()
	for _, err := range errs {
		// The first list that failed, not one cancelled because of it.
		if err != nil && !errors.Is(err, context.Canceled) {
			return nil, nil, nil, err
		}
	}
	if err := errors.Join(errs[:]...); err != nil {
		return nil, nil, nil, err
	}
	return contacts, products, categories, nil
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

// putContactLocked inserts or replaces a contact; ix.mu is held.
func (ix *roIndex) putContactLocked(c Contact) {
	if old, ok := ix.contacts[c.ID]; ok {
		for _, p := range old.phones {
			ix.byPhone[p] = slices.DeleteFunc(ix.byPhone[p], func(id int64) bool { return id == c.ID })
			if len(ix.byPhone[p]) == 0 {
				delete(ix.byPhone, p)
			}
		}
		if old.email != "" {
			ix.byEmail[old.email] = slices.DeleteFunc(ix.byEmail[old.email], func(id int64) bool { return id == c.ID })
			if len(ix.byEmail[old.email]) == 0 {
				delete(ix.byEmail, old.email)
			}
		}
	}
	entry := indexedContact{email: NormalizeEmail(c.Email), phones: slices.Clip(slices.Clone(c.Phones))}
	ix.contacts[c.ID] = entry
	add := func(m map[string][]int64, k string) {
		ids := m[k]
		if i, found := slices.BinarySearch(ids, c.ID); !found {
			m[k] = slices.Insert(ids, i, c.ID)
		}
	}
	for _, p := range entry.phones {
		add(ix.byPhone, p)
	}
	if entry.email != "" {
		add(ix.byEmail, entry.email)
	}
}

func (ix *roIndex) putProductLocked(p ROProduct) {
	for by, v := range map[IdentifyBy]string{IdentifyByName: p.Title, IdentifyBySKU: p.SKU, IdentifyByID: p.Code} {
		if strings.TrimSpace(v) == "" {
			continue
		}
		k := productIndexKey(by, v)
		if old, ok := ix.products[k]; !ok || p.ID < old {
			ix.products[k] = p.ID
		}
	}
}

// usable reports whether the index may answer a lookup: it is warm (and
// refreshed, when a poll asked for it), and nothing about the lookup is in
// doubt (an earlier create under the key, or an earlier failed attempt of
// the order).
func (s *Syncer) usable(ctx context.Context, doubt bool) bool {
	if doubt || s.noIndex {
		return false
	}
	s.index.mu.Lock()
	ready, stale := s.index.ready, s.index.stale
	if ready && s.clock().Sub(s.index.warmedAt) > s.indexMaxAge {
		// Narrow the window in which a contact or product created in
		// RO App by someone else is unknown to the index.
		stale = true
	}
	s.index.mu.Unlock()
	if stale {
		return s.warmIndex(ctx, false)
	}
	return ready
}

// findContacts is ROClient.FindContacts answered from the warm index when
// it can be (the same matches, phone matches first, ascending ids).
func (s *Syncer) findContacts(ctx context.Context, phone, email string, doubt bool) ([]Contact, error) {
	if !s.usable(ctx, doubt) {
		found, err := s.ro.FindContacts(ctx, phone, email)
		if err == nil {
			s.indexContacts(found...)
		}
		return found, err
	}
	ix := s.index
	ix.mu.Lock()
	defer ix.mu.Unlock()
	out := []Contact{}
	seen := map[int64]bool{}
	add := func(ids []int64) {
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				out = append(out, ix.contacts[id].contact(id))
			}
		}
	}
	if phone != "" {
		add(ix.byPhone[phone])
	}
	if e := NormalizeEmail(email); e != "" {
		add(ix.byEmail[e])
	}
	return out, nil
}

// indexContacts writes contacts RO App showed or took into the index.
func (s *Syncer) indexContacts(cs ...Contact) {
	ix := s.index
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if !ix.ready {
		return
	}
	for _, c := range cs {
		ix.putContactLocked(c)
	}
}

// indexContactUpdate applies an UpdateContact to a contact the index
// holds: a non-empty email overwrites, phones replace when given. A contact
// the index does not hold is the Store's to answer.
func (s *Syncer) indexContactUpdate(upd Contact) {
	ix := s.index
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if !ix.ready {
		return
	}
	old, ok := ix.contacts[upd.ID]
	if !ok {
		return
	}
	c := old.contact(upd.ID)
	if upd.Email != "" {
		c.Email = upd.Email
	}
	if len(upd.Phones) > 0 {
		c.Phones = upd.Phones
	}
	ix.putContactLocked(c)
}

// findProduct is ROClient.FindProduct answered from the warm index when it
// can be.
func (s *Syncer) findProduct(ctx context.Context, by IdentifyBy, value string, doubt bool) (ROProduct, error) {
	if !s.usable(ctx, doubt) {
		p, err := s.ro.FindProduct(ctx, by, value)
		if err == nil {
			s.indexProduct(p)
		}
		return p, err
	}
	s.index.mu.Lock()
	id, ok := s.index.products[productIndexKey(by, value)]
	s.index.mu.Unlock()
	if !ok {
		return ROProduct{}, fmt.Errorf("rosync: product with %s %q not in the warm index: %w", by, value, ErrNotFound)
	}
	return ROProduct{ID: id}, nil
}

func (s *Syncer) indexProduct(p ROProduct) {
	s.index.mu.Lock()
	defer s.index.mu.Unlock()
	if s.index.ready {
		s.index.putProductLocked(p)
	}
}
