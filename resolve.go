package rosync

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Identity index keys. They are per RO App account (see Store).
func phoneKey(e164 string) string  { return "contact/phone/" + e164 }
func emailKey(email string) string { return "contact/email/" + email }

const placeholderKey = "contact/placeholder"

func productKey(by IdentifyBy, v string) string { return "product/" + string(by) + "/" + v }

// lockAll takes the Store locks of keys in sorted order (so two callers
// never wait on each other crosswise) and returns one release func.
func (s *Syncer) lockAll(ctx context.Context, keys ...string) (func(), error) {
	keys = slices.Compact(slices.Sorted(slices.Values(keys)))
	var unlocks []func()
	release := func() {
		for i := len(unlocks) - 1; i >= 0; i-- {
			unlocks[i]()
		}
	}
	for _, k := range keys {
		u, err := s.lockWaiting(ctx, k)
		if err != nil {
			release()
			return nil, &storeError{fmt.Errorf("lock %s: %w", k, err)}
		}
		unlocks = append(unlocks, u)
	}
	return release, nil
}

// resolveContact returns the RO App contact id for the order's customer
// (CUS-1..3): from the Store's index, else RO App's contacts by phone (and
// email where the platform allows it), else a new contact. A matched
// contact is updated with the order's customer when what rosync would
// write changed, and never duplicated.
//
// doubt (an earlier attempt of the order failed) makes it look RO App up
// rather than trust the warm index; so does a pending create under a key.
func (s *Syncer) resolveContact(ctx context.Context, o Order, doubt bool) (int64, error) {
	pol := s.pol()
	if o.CustomerRedacted || o.Customer == nil || (!o.Customer.HasName() && !o.Customer.HasContact()) {
		return s.placeholder(ctx)
	}
	ct, phone, email := contactFor(o.Customer, s.settings.DefaultRegion)
	if !pol.TransfersAddress {
		ct.Address = ""
	}
	useEmail := email != "" && (pol.MatchEmail || phone == "")
	var keys []string
	if phone != "" {
		keys = append(keys, phoneKey(phone))
	}
	if useEmail {
		keys = append(keys, emailKey(email))
	}
	if len(keys) == 0 {
		// Nothing to match on: a contact of its own, keyed by the order
		// so that a retry of this order reuses it.
		keys = append(keys, "contact/order/"+s.shop+"/"+o.ID)
	}
	unlock, err := s.lockAll(ctx, keys...)
	if err != nil {
		return 0, err
	}
	defer unlock()

	hash := ct.hash()
	var (
		id          int64
		known       Identity
		byPhone     bool
		knownPhones []string
		fromRO      bool
		mark        string // the hash of a pending create under a key
	)
	for _, k := range keys {
		got, err := s.store.Identity(ctx, k)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return 0, &storeError{err}
		}
		if isPending(got.Hash) {
			mark = got.Hash
			continue
		}
		id, known, byPhone = got.ID, got, phone != "" && k == phoneKey(phone)
		break
	}
	if id == 0 && phone == "" && !useEmail {
		// Nothing to find it by after a doubtful create but its name.
		return s.createNamed(ctx, keys, unnamed(ct, o), hash, mark)
	}
	if id == 0 && (phone != "" || useEmail) {
		emailQ := ""
		if useEmail {
			emailQ = email
		}
		found, err := s.findContacts(ctx, phone, emailQ, mark != "" || doubt)
		if err != nil {
			return 0, err
		}
		if c, ok := pickContact(found, phone, emailQ); ok {
			id, knownPhones, fromRO = c.ID, c.Phones, true
			byPhone = phone != "" && slices.Contains(c.Phones, phone)
		}
	}
	if id == 0 {
		// The intent first: should the create's outcome be unknown, the
		// next attempt (of any replica) looks RO App up instead of
		// trusting the warm index (ENG-1).
		if mark != "" {
			if err := s.quarantined("contact", mark); err != nil {
				return 0, err
			}
		}
		if err := s.putIdentities(ctx, keys, Identity{Hash: pendingMark(s.clock())}); err != nil {
			return 0, err
		}
		if err := checkLock(ctx); err != nil {
			return 0, err
		}
		nid, err := s.ro.CreateContact(ctx, unnamed(ct, o))
		if err != nil {
			return 0, s.createFailed(ctx, keys, err)
		}
		s.log.DebugContext(ctx, "contact created", "contact", nid)
		// Not put into the warm index: the Store's identities below
		// answer every later order that names this customer.
		return nid, s.putIdentities(ctx, keys, Identity{ID: nid, Hash: hash})
	}
	if fromRO || known.Hash != hash {
		// CUS-3: the matching contact takes the order's customer data,
		// its real, non-empty fields only (no placeholder name, no note).
		upd := Contact{ID: id, FirstName: ct.FirstName, LastName: ct.LastName, Email: ct.Email, Address: ct.Address}
		if !byPhone && len(ct.Phones) > 0 {
			if !fromRO {
				// Matched by email through the index: learn the
				// contact's phones so that adding ours keeps theirs.
				found, err := s.findContacts(ctx, "", email, doubt)
				if err != nil {
					return 0, err
				}
				for _, c := range found {
					if c.ID == id {
						knownPhones = c.Phones
					}
				}
			}
			if !slices.Contains(knownPhones, ct.Phones[0]) {
				upd.Phones = append(slices.Clone(knownPhones), ct.Phones[0])
			}
		}
		if err := s.ro.UpdateContact(ctx, upd); err != nil {
			return 0, err
		}
		s.indexContactUpdate(upd)
	}
	return id, s.putIdentities(ctx, keys, Identity{ID: id, Hash: hash})
}

// customerDigest returns the digest of what the order's contact is given
// (contactFor's real fields, Contact.hash) and its E.164 phone; ok is
// false when the order has no customer data of its own (SHO-C2's
// placeholder stands for it).
func (s *Syncer) customerDigest(o Order) (hash, phone string, ok bool) {
	return digestCustomer(o, s.settings.DefaultRegion, s.pol().TransfersAddress)
}

// followCustomer writes a correction of the customer of an imported order
// (not deducted: the caller checked, ORD-5) over the order's contact
// (CUS-3, as PRD-7 does for quantities): the order's real, non-empty
// fields; a new phone replaces the one rosync wrote before and keeps the
// contact's others. The RO App order keeps its contact: should the new
// phone or email be another contact's, that contact is not the order's
// and keeps its own identity keys. The shared SHO-C2 placeholder is never
// updated. It records the digest in rec.
func (s *Syncer) followCustomer(ctx context.Context, rec *Record, o Order) error {
	hash, phone, ok := s.customerDigest(o)
	if !ok || rec.ClientID == 0 {
		return nil
	}
	done := func() error { rec.CustomerHash, rec.CustomerPhone = hash, phone; return nil }
	ph, err := s.store.Identity(ctx, placeholderKey)
	switch {
	case err == nil && ph.ID == rec.ClientID:
		return done()
	case err != nil && !errors.Is(err, ErrNotFound):
		return &storeError{err}
	}
	pol := s.pol()
	ct, _, email := contactFor(o.Customer, s.settings.DefaultRegion)
	if !pol.TransfersAddress {
		ct.Address = ""
	}
	var keys []string
	if phone != "" {
		keys = append(keys, phoneKey(phone))
	}
	if email != "" && (pol.MatchEmail || phone == "") {
		keys = append(keys, emailKey(email))
	}
	old := rec.CustomerPhone
	locks := slices.Clone(keys)
	if old != "" {
		locks = append(locks, phoneKey(old))
	}
	unlock, err := s.lockAll(ctx, locks...)
	if err != nil {
		return err
	}
	defer unlock()

	upd := Contact{ID: rec.ClientID, FirstName: ct.FirstName, LastName: ct.LastName, Email: ct.Email, Address: ct.Address}
	if phone != "" && phone != old {
		// The contact's phones, from RO App, found by the phone written
		// before or by the email: without them the new phone is not
		// written, since writing it alone would drop the others.
		found, err := s.ro.FindContacts(ctx, old, email)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(found, func(c Contact) bool { return c.ID == rec.ClientID })
		if i >= 0 {
			phones := slices.DeleteFunc(slices.Clone(found[i].Phones), func(p string) bool { return p == old })
			if !slices.Contains(phones, phone) {
				phones = append(phones, phone)
			}
			upd.Phones = phones
		} else {
			s.log.WarnContext(ctx, "customer's new phone not written: the contact's phones could not be read",
				"order", o.ID, "contact", rec.ClientID)
			phone = old
		}
	}
	if err := s.ro.UpdateContact(ctx, upd); err != nil {
		return err
	}
	s.indexContactUpdate(upd)
	// The new phone and email now lead to this contact, unless they
	// already lead to another one.
	for _, k := range keys {
		got, err := s.store.Identity(ctx, k)
		switch {
		case errors.Is(err, ErrNotFound) || (err == nil && got.ID == rec.ClientID):
			if err := s.store.PutIdentity(ctx, k, Identity{ID: rec.ClientID, Hash: hash}); err != nil {
				return &storeError{err}
			}
		case err != nil:
			return &storeError{err}
		}
	}
	return done()
}

// pickContact chooses among RO App's matches: a phone match first, then an
// email match, the oldest (lowest id) of each.
func pickContact(found []Contact, phone, email string) (Contact, bool) {
	best := Contact{}
	rank := 0
	for _, c := range found {
		r := 0
		switch {
		case phone != "" && slices.Contains(c.Phones, phone):
			r = 2
		case email != "" && NormalizeEmail(c.Email) == email:
			r = 1
		}
		if r > rank || (r == rank && r > 0 && c.ID < best.ID) {
			best, rank = c, r
		}
	}
	return best, rank > 0
}

func (s *Syncer) putIdentities(ctx context.Context, keys []string, id Identity) error {
	if b, ok := s.store.(IdentitiesPutter); ok && len(keys) > 1 {
		if err := b.PutIdentities(ctx, keys, id); err != nil {
			return &storeError{err}
		}
		return nil
	}
	for _, k := range keys {
		if err := s.store.PutIdentity(ctx, k, id); err != nil {
			return &storeError{err}
		}
	}
	return nil
}

// placeholder returns the one shared "Not specified" contact that stands
// for customers whose data the platform withholds (SHO-C2).
func (s *Syncer) placeholder(ctx context.Context) (int64, error) {
	unlock, err := s.lockAll(ctx, placeholderKey)
	if err != nil {
		return 0, err
	}
	defer unlock()
	got, err := s.store.Identity(ctx, placeholderKey)
	if err == nil && !isPending(got.Hash) {
		return got.ID, nil
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		return 0, &storeError{err}
	}
	return s.createNamed(ctx, []string{placeholderKey}, Contact{FirstName: PlaceholderFirstName}, "", got.Hash)
}

// pendingCreate starts the Hash of an index entry whose create was sent but
// not confirmed: "pending-create@<time>", the time the create was sent
// (entries written before the time was kept have none).
const pendingCreate = "pending-create"

// pendingMark is the Hash of a create intent recorded at t.
func pendingMark(t time.Time) string { return pendingCreate + "@" + t.UTC().Format(time.RFC3339Nano) }

// isPending reports whether an index entry's hash marks a create in doubt.
func isPending(hash string) bool { return strings.HasPrefix(hash, pendingCreate) }

// pendingSince returns when a pending entry's create was sent (zero when
// the entry does not say).
func pendingSince(hash string) time.Time {
	_, at, _ := strings.Cut(hash, "@")
	t, _ := time.Parse(time.RFC3339Nano, at)
	return t
}

// createFailed records, when RO App refused a create outright (not in
// doubt), that the intent under keys needs no quarantine: the next attempt
// looks the object up once and creates it. A create in doubt keeps its
// timed mark. It returns err.
func (s *Syncer) createFailed(ctx context.Context, keys []string, err error) error {
	if inDoubt(err) {
		return err
	}
	// Not bound to ctx: a lost lock ends it, and the note that nothing
	// was sent must still be written.
	if perr := s.putIdentities(context.WithoutCancel(ctx), keys, Identity{Hash: pendingCreate}); perr != nil {
		return errors.Join(err, perr)
	}
	return err
}

// quarantined returns an *InDoubtError while the create of what, marked
// pending by hash, may still land in RO App (Options.Quarantine, ENG-1);
// nil once it may be repeated.
func (s *Syncer) quarantined(what, hash string) error {
	if until := pendingSince(hash).Add(s.quarantine); s.clock().Before(until) {
		return &InDoubtError{What: what, Until: until}
	}
	return nil
}

// createNamed creates a contact that nothing but its name identifies (the
// SHO-C2 placeholder, a customer without phone or email), with the keys
// locked. Such a contact cannot be found by phone or email after a create
// whose outcome is unknown, so the intent is recorded under keys first,
// and when an earlier attempt left it (pending), the contact is looked up
// by name (ContactNameFinder) before it is created again (ENG-1).
//
// mark is the pending entry's hash when an earlier create is in doubt ("" when
// none): until its quarantine ends the contact is looked up, not created.
func (s *Syncer) createNamed(ctx context.Context, keys []string, ct Contact, hash, mark string) (int64, error) {
	if isPending(mark) {
		if f, ok := s.ro.(ContactNameFinder); ok {
			found, err := f.FindContactsByName(ctx, ct.FirstName, ct.LastName)
			if err != nil {
				return 0, err
			}
			best := int64(0)
			for _, c := range found {
				if len(c.Phones) == 0 && NormalizeEmail(c.Email) == NormalizeEmail(ct.Email) &&
					strings.EqualFold(strings.TrimSpace(c.FirstName), strings.TrimSpace(ct.FirstName)) &&
					strings.EqualFold(strings.TrimSpace(c.LastName), strings.TrimSpace(ct.LastName)) {
					best = max(best, c.ID) // the newest: the doubtful create
				}
			}
			if best != 0 {
				s.log.DebugContext(ctx, "contact of an earlier doubtful create found", "contact", best)
				return best, s.putIdentities(ctx, keys, Identity{ID: best, Hash: hash})
			}
		}
		if err := s.quarantined("contact", mark); err != nil {
			return 0, err
		}
	}
	if err := s.putIdentities(ctx, keys, Identity{Hash: pendingMark(s.clock())}); err != nil {
		return 0, err
	}
	if err := checkLock(ctx); err != nil {
		return 0, err
	}
	id, err := s.ro.CreateContact(ctx, ct)
	if err != nil {
		return 0, s.createFailed(ctx, keys, err)
	}
	return id, s.putIdentities(ctx, keys, Identity{ID: id, Hash: hash})
}

// resolveProduct returns the RO App catalogue id of a product (PRD-1..5):
// from the Store's index, else RO App's catalogue by the identify-by key
// (PRD-2: a match is not duplicated), else a new product (unit piece) in
// its category, created if missing.
func (s *Syncer) resolveProduct(ctx context.Context, p Product, doubt bool) (int64, error) {
	by, val, err := p.Key(s.settings.IdentifyProductsBy)
	if err != nil {
		return 0, &InvalidOrderError{Field: "product", Err: err}
	}
	// The category is resolved once the product is known to be new and
	// before the product's create intent is recorded: a category create in
	// doubt leaves its own key pending, not the product's (ENG-1).
	var catID int64
	find := func(doubt bool) (int64, error) {
		found, err := s.findProduct(ctx, by, val, doubt)
		if errors.Is(err, ErrNotFound) {
			var cerr error
			if catID, cerr = s.resolveCategory(ctx, p.Category, doubt); cerr != nil {
				return 0, cerr
			}
		}
		return found.ID, err
	}
	create := func() (int64, error) {
		var err error
		rp := roProductFor(p, catID)
		if err := checkLock(ctx); err != nil {
			return 0, err
		}
		if rp.ID, err = s.ro.CreateProduct(ctx, rp); err != nil {
			return 0, err
		}
		s.indexProduct(rp)
		return rp.ID, nil
	}
	return s.findOrCreate(ctx, productKey(by, val), doubt, find, create)
}

// findOrCreate resolves one catalogue identity under its Store lock: the
// Store's index, else find (asked to look RO App up itself when the
// identity is in doubt), else create, with the intent recorded first as a
// pending entry so that a create whose outcome is lost is looked up before
// it is repeated (ENG-1).
func (s *Syncer) findOrCreate(ctx context.Context, key string, doubt bool,
	find func(doubt bool) (int64, error), create func() (int64, error)) (int64, error) {
	if id, ok := s.catalog.Load(key); ok {
		return id.(int64), nil
	}
	unlock, err := s.lockAll(ctx, key)
	if err != nil {
		return 0, err
	}
	defer unlock()
	got, err := s.store.Identity(ctx, key)
	if err == nil && !isPending(got.Hash) {
		s.catalog.Store(key, got.ID)
		return got.ID, nil
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		return 0, &storeError{err}
	}
	pending := err == nil
	id, err := find(pending || doubt)
	switch {
	case err == nil:
		return id, s.putCatalogued(ctx, key, id)
	case !errors.Is(err, ErrNotFound):
		return 0, err
	}
	if pending {
		what, _, _ := strings.Cut(key, "/")
		if err := s.quarantined(what, got.Hash); err != nil {
			return 0, err
		}
	}
	if err := s.putIdentities(ctx, []string{key}, Identity{Hash: pendingMark(s.clock())}); err != nil {
		return 0, err
	}
	if id, err = create(); err != nil {
		return 0, s.createFailed(ctx, []string{key}, err)
	}
	return id, s.putCatalogued(ctx, key, id)
}

// putCatalogued records a catalogue identity in the Store, then in memory.
func (s *Syncer) putCatalogued(ctx context.Context, key string, id int64) error {
	if err := s.putIdentities(ctx, []string{key}, Identity{ID: id}); err != nil {
		return err
	}
	s.catalog.Store(key, id)
	return nil
}
