package memory

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/rosync/rosync"
)

var _ rosync.Mirror = (*Store)(nil)

// mirror is the Store's rosync.Mirror: contacts and products by id, with
// lookup maps from phone, email and product key to ascending ids. Guarded
// by Store.mu.
type mirror struct {
	contacts map[int64]rosync.Contact
	byPhone  map[string][]int64
	byEmail  map[string][]int64
	products map[int64]rosync.ROProduct
	byKey    map[productKey][]int64
	upTo     map[rosync.MirrorKind]time.Time
}

type productKey struct {
	by    rosync.IdentifyBy
	value string
}

func (m *mirror) init() {
	if m.contacts != nil {
		return
	}
	m.contacts = map[int64]rosync.Contact{}
	m.byPhone = map[string][]int64{}
	m.byEmail = map[string][]int64{}
	m.products = map[int64]rosync.ROProduct{}
	m.byKey = map[productKey][]int64{}
	m.upTo = map[rosync.MirrorKind]time.Time{}
}

func addID[K comparable](m map[K][]int64, k K, id int64) {
	if i, found := slices.BinarySearch(m[k], id); !found {
		m[k] = slices.Insert(m[k], i, id)
	}
}

func removeID[K comparable](m map[K][]int64, k K, id int64) {
	ids := slices.DeleteFunc(m[k], func(x int64) bool { return x == id })
	if len(ids) == 0 {
		delete(m, k)
	} else {
		m[k] = ids
	}
}

func productKeys(p rosync.ROProduct) []productKey {
	var ks []productKey
	for _, k := range []productKey{{rosync.IdentifyByName, p.Title}, {rosync.IdentifyBySKU, p.SKU}, {rosync.IdentifyByID, p.Code}} {
		if k.value != "" {
			ks = append(ks, k)
		}
	}
	return ks
}

// PutMirrorContacts inserts or replaces each contact by ID
// (rosync.Mirror).
func (s *Store) PutMirrorContacts(ctx context.Context, cs []rosync.Contact) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mirror.init()
	m := &s.mirror
	for _, c := range cs {
		if old, ok := m.contacts[c.ID]; ok {
			for _, p := range old.Phones {
				removeID(m.byPhone, p, c.ID)
			}
			if old.Email != "" {
				removeID(m.byEmail, old.Email, c.ID)
			}
		}
		c = rosync.Contact{ID: c.ID, Email: c.Email, Phones: slices.Clip(slices.Clone(c.Phones))}
		m.contacts[c.ID] = c
		for _, p := range c.Phones {
			if p != "" {
				addID(m.byPhone, p, c.ID)
			}
		}
		if c.Email != "" {
			addID(m.byEmail, c.Email, c.ID)
		}
	}
	return nil
}

// MirrorContacts returns the mirrored contacts with the id, the phone or
// the email, by ascending id (rosync.Mirror).
func (s *Store) MirrorContacts(ctx context.Context, id int64, phone, email string) ([]rosync.Contact, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mirror.init()
	m := &s.mirror
	var ids []int64
	if _, ok := m.contacts[id]; ok && id != 0 {
		ids = append(ids, id)
	}
	if phone != "" {
		ids = append(ids, m.byPhone[phone]...)
	}
	if email != "" {
		ids = append(ids, m.byEmail[email]...)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	out := make([]rosync.Contact, 0, len(ids))
	for _, id := range ids {
		c := m.contacts[id]
		c.Phones = slices.Clone(c.Phones)
		out = append(out, c)
	}
	return out, nil
}

// PutMirrorProducts inserts or replaces each product by ID
// (rosync.Mirror).
func (s *Store) PutMirrorProducts(ctx context.Context, ps []rosync.ROProduct) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mirror.init()
	m := &s.mirror
	for _, p := range ps {
		if old, ok := m.products[p.ID]; ok {
			for _, k := range productKeys(old) {
				removeID(m.byKey, k, p.ID)
			}
		}
		p = rosync.ROProduct{ID: p.ID, Title: p.Title, SKU: p.SKU, Code: p.Code}
		m.products[p.ID] = p
		for _, k := range productKeys(p) {
			addID(m.byKey, k, p.ID)
		}
	}
	return nil
}

// MirrorProduct returns the mirrored product of lowest id with the value
// (rosync.Mirror).
func (s *Store) MirrorProduct(ctx context.Context, by rosync.IdentifyBy, value string) (rosync.ROProduct, error) {
	if err := ctx.Err(); err != nil {
		return rosync.ROProduct{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mirror.init()
	ids := s.mirror.byKey[productKey{by, value}]
	if value == "" || len(ids) == 0 {
		return rosync.ROProduct{}, fmt.Errorf("memory: mirrored product by %s: %w", by, rosync.ErrNotFound)
	}
	return s.mirror.products[ids[0]], nil
}

// MirroredUpTo returns the time kind is mirrored up to (rosync.Mirror).
func (s *Store) MirroredUpTo(ctx context.Context, kind rosync.MirrorKind) (time.Time, error) {
	if err := ctx.Err(); err != nil {
		return time.Time{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mirror.init()
	return s.mirror.upTo[kind], nil
}

// SetMirroredUpTo records the time kind is mirrored up to (rosync.Mirror).
func (s *Store) SetMirroredUpTo(ctx context.Context, kind rosync.MirrorKind, t time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mirror.init()
	s.mirror.upTo[kind] = utc(t)
	return nil
}
