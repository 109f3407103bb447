// Package memory is a rosync.Store held in memory, for tests and for trying
// rosync out. Nothing survives the process; use storage/sqlite for a Store
// that does.
//
// All data sits in maps under one mutex. Records are deep-copied on the way
// in and on the way out (their Lines map included), so callers may change
// what they passed or got back without changing the Store. Times are kept in
// UTC with full precision. The per-key Lock is built on channels and honours
// the caller's context; it holds within the process only.
//
// Lookups that are not by key (RecordByRO, Records) scan all records, which
// is fine for the sizes tests use.
package memory

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/storage/internal/keylock"
)

var _ rosync.Store = (*Store)(nil)

// Store is an in-memory rosync.Store. The zero value is not usable; call
// New. It is safe for concurrent use.
type Store struct {
	mu         sync.Mutex
	records    map[recordKey]rosync.Record
	identities map[string]rosync.Identity
	shops      map[string]rosync.ShopState
	seen       map[seenKey]struct{}
	mirror     mirror
	dups       dups

	locks keylock.Set
}

type recordKey struct{ shop, orderID string }

type seenKey struct{ shop, eventID string }

// New returns an empty Store.
func New() *Store {
	return &Store{
		records:    make(map[recordKey]rosync.Record),
		identities: make(map[string]rosync.Identity),
		shops:      make(map[string]rosync.ShopState),
		seen:       make(map[seenKey]struct{}),
	}
}

// Record returns the record of a platform order, or an error wrapping
// rosync.ErrNotFound.
func (s *Store) Record(ctx context.Context, shop, orderID string) (rosync.Record, error) {
	if err := ctx.Err(); err != nil {
		return rosync.Record{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.records[recordKey{shop, orderID}]
	if !ok {
		return rosync.Record{}, fmt.Errorf("memory: record %s/%s: %w", shop, orderID, rosync.ErrNotFound)
	}
	return copyRecord(r), nil
}

// RecordByRO returns the record linked to an RO App order id, or an error
// wrapping rosync.ErrNotFound (always for id 0, which links nothing). Should
// several records carry the id, it returns the first by (Shop, OrderID).
func (s *Store) RecordByRO(ctx context.Context, roOrderID int64) (rosync.Record, error) {
	if err := ctx.Err(); err != nil {
		return rosync.Record{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var (
		found rosync.Record
		ok    bool
	)
	if roOrderID != 0 {
		for k, r := range s.records {
			if r.ROOrderID == roOrderID && (!ok || k.less(recordKey{found.Shop, found.OrderID})) {
				found, ok = r, true
			}
		}
	}
	if !ok {
		return rosync.Record{}, fmt.Errorf("memory: record of RO App order %d: %w", roOrderID, rosync.ErrNotFound)
	}
	return copyRecord(found), nil
}

func (k recordKey) less(o recordKey) bool {
	if k.shop != o.shop {
		return k.shop < o.shop
	}
	return k.orderID < o.orderID
}

// PutRecord writes the record (r.Shop, r.OrderID) as a compare-and-swap on
// r.Version (see rosync.Store): version 0 inserts, version n replaces the
// stored version n; anything else is an error wrapping rosync.ErrConflict
// and writes nothing. On success r.Version is the new version and a zero
// r.UpdatedAt is set to the current time.
func (s *Store) PutRecord(ctx context.Context, r *rosync.Record) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c := copyRecord(*r)
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = time.Now().UTC()
	}
	k := recordKey{c.Shop, c.OrderID}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.records[k]
	switch {
	case !ok && c.Version != 0:
		return fmt.Errorf("memory: put record %s/%s version %d: no such record: %w", c.Shop, c.OrderID, c.Version, rosync.ErrConflict)
	case ok && c.Version != old.Version:
		return fmt.Errorf("memory: put record %s/%s version %d: the stored version is %d: %w",
			c.Shop, c.OrderID, c.Version, old.Version, rosync.ErrConflict)
	}
	c.Version++
	s.records[k] = c
	r.Version = c.Version
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = c.UpdatedAt
	}
	return nil
}

// Records lists a shop's records that match f, ordered by OrderID (byte-wise
// string order). It returns an empty slice when none match.
func (s *Store) Records(ctx context.Context, shop string, f rosync.RecordFilter) ([]rosync.Record, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	out := []rosync.Record{}
	for k, r := range s.records {
		if k.shop == shop && matches(r, f) {
			out = append(out, copyRecord(r))
		}
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b rosync.Record) int { return strings.Compare(a.OrderID, b.OrderID) })
	return out, nil
}

// matches reports whether r passes f. DueBefore applies only with Failed.
func matches(r rosync.Record, f rosync.RecordFilter) bool {
	switch {
	case f.State != "" && r.State != f.State,
		f.Failed && !r.Failed(),
		f.Held && r.HeldStatus == "",
		f.Failed && !f.DueBefore.IsZero() && (r.Permanent || r.NextRetry.After(f.DueBefore)):
		return false
	}
	return true
}

// Identity returns the index entry for key, or an error wrapping
// rosync.ErrNotFound.
func (s *Store) Identity(ctx context.Context, key string) (rosync.Identity, error) {
	if err := ctx.Err(); err != nil {
		return rosync.Identity{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.identities[key]
	if !ok {
		// The key is left out: it may hold a phone number or an email.
		return rosync.Identity{}, fmt.Errorf("memory: identity: %w", rosync.ErrNotFound)
	}
	return id, nil
}

// PutIdentity inserts or replaces the index entry for key.
func (s *Store) PutIdentity(ctx context.Context, key string, id rosync.Identity) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.identities[key] = id
	return nil
}

// PutIdentities inserts or replaces the index entry of every key with id,
// at once (rosync.IdentitiesPutter).
func (s *Store) PutIdentities(ctx context.Context, keys []string, id rosync.Identity) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		s.identities[k] = id
	}
	return nil
}

// ShopState returns the state of a shop, or an error wrapping
// rosync.ErrNotFound.
func (s *Store) ShopState(ctx context.Context, shop string) (rosync.ShopState, error) {
	if err := ctx.Err(); err != nil {
		return rosync.ShopState{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.shops[shop]
	if !ok {
		return rosync.ShopState{}, fmt.Errorf("memory: shop state %s: %w", shop, rosync.ErrNotFound)
	}
	return st, nil
}

// PutShopState inserts or replaces the state of st.Shop.
func (s *Store) PutShopState(ctx context.Context, st rosync.ShopState) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	st.ConnectedAt = utc(st.ConnectedAt)
	st.ImportedAt = utc(st.ImportedAt)
	st.PollCursor = utc(st.PollCursor)
	st.ROCursor = utc(st.ROCursor)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shops[st.Shop] = st
	return nil
}

// SeenEvent records a webhook event id for a shop and reports whether it was
// recorded before. This Store never forgets an id.
func (s *Store) SeenEvent(ctx context.Context, shop, eventID string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := seenKey{shop, eventID}
	if _, ok := s.seen[k]; ok {
		return true, nil
	}
	s.seen[k] = struct{}{}
	return false, nil
}

// Lock takes an exclusive lock on key within this process, waiting until it
// is free or ctx is done (then the error wraps ctx.Err()). The returned func
// releases the lock; calling it again does nothing.
func (s *Store) Lock(ctx context.Context, key string) (unlock func(), err error) {
	return s.locks.Lock(ctx, key)
}

// copyRecord returns r with its own Lines map and its times in UTC.
func copyRecord(r rosync.Record) rosync.Record {
	r.Lines = maps.Clone(r.Lines) // decimals are immutable values: a shallow copy of each is a copy
	r.PlatformCreatedAt = utc(r.PlatformCreatedAt)
	r.IntentAt = utc(r.IntentAt)
	r.DoubtAt = utc(r.DoubtAt)
	r.NextRetry = utc(r.NextRetry)
	r.UpdatedAt = utc(r.UpdatedAt)
	return r
}

// utc returns t in UTC without its monotonic clock reading.
func utc(t time.Time) time.Time { return t.Round(0).UTC() }
