package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/storage/internal/recordcodec"
)

const (
	// seenKeep is how long SeenEvent remembers an event id (the contract
	// asks for at least 7 days).
	seenKeep = 7 * 24 * time.Hour
	// pruneEvery is how often SeenEvent prunes older ids.
	pruneEvery = time.Hour
)

// Identity returns the index entry for key, or an error wrapping
// rosync.ErrNotFound.
func (s *Store) Identity(ctx context.Context, key string) (rosync.Identity, error) {
	var id rosync.Identity
	err := s.stmts.identity.QueryRowContext(ctx, key).Scan(&id.ID, &id.Hash)
	// The key is left out of errors: it may hold a phone number or an email.
	if errors.Is(err, sql.ErrNoRows) {
		return rosync.Identity{}, fmt.Errorf("sqlite: identity: %w", rosync.ErrNotFound)
	}
	if err != nil {
		return rosync.Identity{}, fmt.Errorf("sqlite: identity: %w", err)
	}
	return id, nil
}

// PutIdentity inserts or replaces the index entry for key.
func (s *Store) PutIdentity(ctx context.Context, key string, id rosync.Identity) error {
	if err := s.beginWrite(ctx); err != nil {
		return fmt.Errorf("sqlite: put identity: %w", err)
	}
	defer s.endWrite()
	if _, err := s.stmts.putIdentity.ExecContext(ctx, key, id.ID, id.Hash); err != nil {
		return fmt.Errorf("sqlite: put identity: %w", err)
	}
	return nil
}

// PutIdentities inserts or replaces the index entry of every key with id,
// in one statement (rosync.IdentitiesPutter): one commit instead of one per
// key.
func (s *Store) PutIdentities(ctx context.Context, keys []string, id rosync.Identity) error {
	keys = slices.Compact(slices.Sorted(slices.Values(keys))) // a key once: ON CONFLICT cannot hit a row twice
	var q strings.Builder
	q.WriteString("INSERT INTO identities (key, id, hash) VALUES ")
	args := make([]any, 0, 3*len(keys))
	for i, k := range keys {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?)")
		args = append(args, k, id.ID, id.Hash)
	}
	q.WriteString(" ON CONFLICT (key) DO UPDATE SET id = excluded.id, hash = excluded.hash")
	if err := s.beginWrite(ctx); err != nil {
		return fmt.Errorf("sqlite: put identities: %w", err)
	}
	defer s.endWrite()
	if _, err := s.db.ExecContext(ctx, q.String(), args...); err != nil {
		return fmt.Errorf("sqlite: put identities: %w", err)
	}
	return nil
}

// ShopState returns the state of a shop, or an error wrapping
// rosync.ErrNotFound.
func (s *Store) ShopState(ctx context.Context, shop string) (rosync.ShopState, error) {
	var c, i, p, r string
	err := s.db.QueryRowContext(ctx, sqlShopState, shop).Scan(&c, &i, &p, &r)
	if errors.Is(err, sql.ErrNoRows) {
		return rosync.ShopState{}, fmt.Errorf("sqlite: shop state %s: %w", shop, rosync.ErrNotFound)
	}
	if err != nil {
		return rosync.ShopState{}, fmt.Errorf("sqlite: shop state %s: %w", shop, err)
	}
	st := rosync.ShopState{Shop: shop}
	for _, f := range []struct {
		dst *time.Time
		src string
	}{{&st.ConnectedAt, c}, {&st.ImportedAt, i}, {&st.PollCursor, p}, {&st.ROCursor, r}} {
		if *f.dst, err = recordcodec.ParseTime(f.src); err != nil {
			return rosync.ShopState{}, fmt.Errorf("sqlite: shop state %s: %w", shop, err)
		}
	}
	return st, nil
}

// PutShopState inserts or replaces the state of st.Shop.
func (s *Store) PutShopState(ctx context.Context, st rosync.ShopState) error {
	if err := s.beginWrite(ctx); err != nil {
		return fmt.Errorf("sqlite: put shop state %s: %w", st.Shop, err)
	}
	defer s.endWrite()
	_, err := s.db.ExecContext(ctx, sqlPutShopState, st.Shop,
		recordcodec.FormatTime(st.ConnectedAt), recordcodec.FormatTime(st.ImportedAt), recordcodec.FormatTime(st.PollCursor), recordcodec.FormatTime(st.ROCursor))
	if err != nil {
		return fmt.Errorf("sqlite: put shop state %s: %w", st.Shop, err)
	}
	return nil
}

// SeenEvent records a webhook event id for a shop and reports whether it was
// recorded before. Ids are remembered for 7 days from when they were first
// seen; once an hour at most, SeenEvent first forgets older ones (a failed
// prune is left for the next call).
func (s *Store) SeenEvent(ctx context.Context, shop, eventID string) (bool, error) {
	if err := s.beginWrite(ctx); err != nil {
		return false, fmt.Errorf("sqlite: seen event: %w", err)
	}
	defer s.endWrite()
	now := s.now()
	if d := now.Sub(s.lastPrune); d >= pruneEvery || d < 0 {
		if _, err := s.db.ExecContext(ctx, sqlPruneSeen, recordcodec.FormatTime(now.Add(-seenKeep))); err == nil {
			s.lastPrune = now
		}
	}
	res, err := s.stmts.seenEvent.ExecContext(ctx, shop, eventID, recordcodec.FormatTime(now))
	if err != nil {
		return false, fmt.Errorf("sqlite: seen event: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlite: seen event: %w", err)
	}
	return n == 0, nil
}
