package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosync/rosync"
)

var _ rosync.DuplicateStore = (*Store)(nil)

// WatchDuplicates inserts or widens a watch (rosync.DuplicateStore),
// atomically.
func (s *Store) WatchDuplicates(ctx context.Context, w rosync.DuplicateWatch) error {
	err := s.pool.with(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, `INSERT INTO duplicate_watches (shop, order_id, client_id, since, until) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (shop, order_id, client_id) DO UPDATE SET since = least(duplicate_watches.since, excluded.since),
	until = greatest(duplicate_watches.until, excluded.until)`, w.Shop, w.OrderID, w.ClientID, w.Since.UTC(), w.Until.UTC())
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: watch duplicates of %s/%s: %w", w.Shop, w.OrderID, err)
	}
	return nil
}

// DuplicateWatches lists the shop's watches by OrderID
// (rosync.DuplicateStore).
func (s *Store) DuplicateWatches(ctx context.Context, shop string) ([]rosync.DuplicateWatch, error) {
	out := []rosync.DuplicateWatch{}
	err := s.pool.with(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, "SELECT order_id, client_id, since, until FROM duplicate_watches WHERE shop = $1 ORDER BY order_id COLLATE \"C\", client_id", shop)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (rosync.DuplicateWatch, error) {
			w := rosync.DuplicateWatch{Shop: shop}
			err := r.Scan(&w.OrderID, &w.ClientID, &w.Since, &w.Until)
			w.Since, w.Until = w.Since.UTC(), w.Until.UTC()
			return w, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: duplicate watches of %s: %w", shop, err)
	}
	if out == nil {
		out = []rosync.DuplicateWatch{}
	}
	return out, nil
}

// EndDuplicateWatch removes the watch if its Until is still w.Until
// (rosync.DuplicateStore). PostgreSQL keeps microseconds, so Until is
// compared at that precision.
func (s *Store) EndDuplicateWatch(ctx context.Context, w rosync.DuplicateWatch) error {
	err := s.pool.with(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, "DELETE FROM duplicate_watches WHERE shop = $1 AND order_id = $2 AND client_id = $3 AND until = $4",
			w.Shop, w.OrderID, w.ClientID, w.Until.UTC().Truncate(time.Microsecond))
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: end duplicate watch of %s/%s: %w", w.Shop, w.OrderID, err)
	}
	return nil
}

// PutDuplicate inserts or replaces a duplicate (rosync.DuplicateStore).
func (s *Store) PutDuplicate(ctx context.Context, d rosync.Duplicate) error {
	err := s.pool.with(ctx, func(c *pgx.Conn) error {
		var sent *time.Time
		if !d.CommentSentAt.IsZero() {
			t := d.CommentSentAt.UTC()
			sent = &t
		}
		_, err := c.Exec(ctx, `INSERT INTO duplicates (shop, duplicate_id, order_id, number, ro_order_id, found_at, comment_sent, commented, moved)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (shop, duplicate_id) DO UPDATE SET order_id = excluded.order_id, number = excluded.number,
	ro_order_id = excluded.ro_order_id, found_at = excluded.found_at, comment_sent = excluded.comment_sent,
	commented = excluded.commented, moved = excluded.moved`,
			d.Shop, d.DuplicateID, d.OrderID, d.Number, d.ROOrderID, d.FoundAt.UTC(), sent, d.Commented, d.Moved)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: put duplicate %s/%d: %w", d.Shop, d.DuplicateID, err)
	}
	return nil
}

// Duplicates lists the shop's duplicates by DuplicateID
// (rosync.DuplicateStore).
func (s *Store) Duplicates(ctx context.Context, shop string) ([]rosync.Duplicate, error) {
	out := []rosync.Duplicate{}
	err := s.pool.with(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, `SELECT duplicate_id, order_id, number, ro_order_id, found_at, comment_sent, commented, moved
FROM duplicates WHERE shop = $1 ORDER BY duplicate_id`, shop)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (rosync.Duplicate, error) {
			d := rosync.Duplicate{Shop: shop}
			var sent *time.Time
			err := r.Scan(&d.DuplicateID, &d.OrderID, &d.Number, &d.ROOrderID, &d.FoundAt, &sent, &d.Commented, &d.Moved)
			d.FoundAt = d.FoundAt.UTC()
			if sent != nil {
				d.CommentSentAt = sent.UTC()
			}
			return d, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: duplicates of %s: %w", shop, err)
	}
	if out == nil {
		out = []rosync.Duplicate{}
	}
	return out, nil
}
