package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosync/rosync"
)

const (
	// seenKeep is how long SeenEvent remembers an event id (the contract
	// asks for at least 7 days).
	seenKeep = 7 * 24 * time.Hour
	// pruneEvery is how often a Store prunes older event ids.
	pruneEvery = time.Hour
)

// Identity returns the index entry for key, or an error wrapping
// rosync.ErrNotFound.
func (s *Store) Identity(ctx context.Context, key string) (rosync.Identity, error) {
	var id rosync.Identity
	err := s.pool.with(ctx, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, "SELECT id, hash FROM identities WHERE key = $1", key).Scan(&id.ID, &id.Hash)
	})
	// The key is left out of errors: it may hold a phone number or an email.
	if errors.Is(err, pgx.ErrNoRows) {
		return rosync.Identity{}, fmt.Errorf("postgres: identity: %w", rosync.ErrNotFound)
	}
	if err != nil {
		return rosync.Identity{}, fmt.Errorf("postgres: identity: %w", err)
	}
	return id, nil
}

// PutIdentity inserts or replaces the index entry for key.
func (s *Store) PutIdentity(ctx context.Context, key string, id rosync.Identity) error {
	err := s.pool.with(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, `INSERT INTO identities (key, id, hash) VALUES ($1, $2, $3)
ON CONFLICT (key) DO UPDATE SET id = excluded.id, hash = excluded.hash`, key, id.ID, id.Hash)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: put identity: %w", err)
	}
	return nil
}

// PutIdentities inserts or replaces the index entry of every key with id,
// in one statement (rosync.IdentitiesPutter).
func (s *Store) PutIdentities(ctx context.Context, keys []string, id rosync.Identity) error {
	err := s.pool.with(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, `INSERT INTO identities (key, id, hash)
SELECT DISTINCT k, $2::bigint, $3::text FROM unnest($1::text[]) AS k
ON CONFLICT (key) DO UPDATE SET id = excluded.id, hash = excluded.hash`, keys, id.ID, id.Hash)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: put identities: %w", err)
	}
	return nil
}

// ShopState returns the state of a shop, or an error wrapping
// rosync.ErrNotFound.
func (s *Store) ShopState(ctx context.Context, shop string) (rosync.ShopState, error) {
	var c, i, p, r *time.Time
	err := s.pool.with(ctx, func(conn *pgx.Conn) error {
		return conn.QueryRow(ctx, "SELECT connected_at, imported_at, poll_cursor, ro_cursor FROM shop_state WHERE shop = $1",
			shop).Scan(&c, &i, &p, &r)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return rosync.ShopState{}, fmt.Errorf("postgres: shop state %s: %w", shop, rosync.ErrNotFound)
	}
	if err != nil {
		return rosync.ShopState{}, fmt.Errorf("postgres: shop state %s: %w", shop, err)
	}
	return rosync.ShopState{Shop: shop, ConnectedAt: fromNull(c), ImportedAt: fromNull(i), PollCursor: fromNull(p), ROCursor: fromNull(r)}, nil
}

// PutShopState inserts or replaces the state of st.Shop.
func (s *Store) PutShopState(ctx context.Context, st rosync.ShopState) error {
	err := s.pool.with(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, `INSERT INTO shop_state (shop, connected_at, imported_at, poll_cursor, ro_cursor) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (shop) DO UPDATE SET connected_at = excluded.connected_at, imported_at = excluded.imported_at,
	poll_cursor = excluded.poll_cursor, ro_cursor = excluded.ro_cursor`,
			st.Shop, nullTime(st.ConnectedAt), nullTime(st.ImportedAt), nullTime(st.PollCursor), nullTime(st.ROCursor))
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: put shop state %s: %w", st.Shop, err)
	}
	return nil
}

// SeenEvent records a webhook event id for a shop and reports whether it was
// recorded before, in one INSERT … ON CONFLICT DO NOTHING: of concurrent
// deliveries of one event, in any number of processes, exactly one is new.
// Ids are remembered for 7 days from when they were first seen (by the
// Store's clock); at most once an hour per Store, SeenEvent first forgets
// older ones (a failed prune is left for the next call).
func (s *Store) SeenEvent(ctx context.Context, shop, eventID string) (bool, error) {
	now := s.nowUTC()
	var prune bool
	s.pruneMu.Lock()
	if d := now.Sub(s.lastPrune); d >= pruneEvery || d < 0 {
		prune, s.lastPrune = true, now
	}
	s.pruneMu.Unlock()
	var fresh bool
	err := s.pool.with(ctx, func(c *pgx.Conn) error {
		if prune {
			if _, err := c.Exec(ctx, "DELETE FROM seen_events WHERE seen_at < $1", now.Add(-seenKeep)); err != nil {
				s.pruneMu.Lock()
				s.lastPrune = time.Time{}
				s.pruneMu.Unlock()
				if ctx.Err() != nil || c.IsClosed() {
					return err
				}
			}
		}
		var one int
		err := c.QueryRow(ctx, `INSERT INTO seen_events (shop, event_id, seen_at) VALUES ($1, $2, $3)
ON CONFLICT (shop, event_id) DO NOTHING RETURNING 1`, shop, eventID, now).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		fresh = err == nil
		return err
	})
	if err != nil {
		return false, fmt.Errorf("postgres: seen event: %w", err)
	}
	return !fresh, nil
}
