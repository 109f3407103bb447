package memory

import (
	"cmp"
	"context"
	"slices"

	"github.com/rosync/rosync"
)

var _ rosync.DuplicateStore = (*Store)(nil)

// dups is the Store's rosync.DuplicateStore. Guarded by Store.mu.
type dups struct {
	watches map[watchKey]rosync.DuplicateWatch
	found   map[dupKey]rosync.Duplicate
}

type watchKey struct {
	shop, orderID string
	clientID      int64
}

type dupKey struct {
	shop string
	id   int64
}

func (d *dups) init() {
	if d.watches == nil {
		d.watches = map[watchKey]rosync.DuplicateWatch{}
		d.found = map[dupKey]rosync.Duplicate{}
	}
}

// WatchDuplicates inserts or widens a watch (rosync.DuplicateStore).
func (s *Store) WatchDuplicates(ctx context.Context, nw rosync.DuplicateWatch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dups.init()
	k := watchKey{nw.Shop, nw.OrderID, nw.ClientID}
	w, ok := s.dups.watches[k]
	if !ok {
		w = nw
		w.Since, w.Until = nw.Since.UTC(), nw.Until.UTC()
	} else {
		if nw.Since.Before(w.Since) {
			w.Since = nw.Since.UTC()
		}
		if nw.Until.After(w.Until) {
			w.Until = nw.Until.UTC()
		}
	}
	s.dups.watches[k] = w
	return nil
}

// DuplicateWatches lists the shop's watches by OrderID
// (rosync.DuplicateStore).
func (s *Store) DuplicateWatches(ctx context.Context, shop string) ([]rosync.DuplicateWatch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	out := []rosync.DuplicateWatch{}
	for k, w := range s.dups.watches {
		if k.shop == shop {
			out = append(out, w)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b rosync.DuplicateWatch) int {
		return cmp.Or(cmp.Compare(a.OrderID, b.OrderID), cmp.Compare(a.ClientID, b.ClientID))
	})
	return out, nil
}

// EndDuplicateWatch removes the watch if its Until is still w.Until
// (rosync.DuplicateStore).
func (s *Store) EndDuplicateWatch(ctx context.Context, end rosync.DuplicateWatch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := watchKey{end.Shop, end.OrderID, end.ClientID}
	if w, ok := s.dups.watches[k]; ok && w.Until.Equal(end.Until) {
		delete(s.dups.watches, k)
	}
	return nil
}

// PutDuplicate inserts or replaces a duplicate (rosync.DuplicateStore).
func (s *Store) PutDuplicate(ctx context.Context, d rosync.Duplicate) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d.FoundAt, d.CommentSentAt = d.FoundAt.UTC(), d.CommentSentAt.UTC()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dups.init()
	s.dups.found[dupKey{d.Shop, d.DuplicateID}] = d
	return nil
}

// Duplicates lists the shop's duplicates by DuplicateID
// (rosync.DuplicateStore).
func (s *Store) Duplicates(ctx context.Context, shop string) ([]rosync.Duplicate, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	out := []rosync.Duplicate{}
	for k, d := range s.dups.found {
		if k.shop == shop {
			out = append(out, d)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b rosync.Duplicate) int { return cmp.Compare(a.DuplicateID, b.DuplicateID) })
	return out, nil
}
