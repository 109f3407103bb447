package sqlite

import (
	"context"
	"fmt"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/storage/internal/recordcodec"
)

var _ rosync.DuplicateStore = (*Store)(nil)

// exec runs one write statement under the write semaphore.
func (s *Store) exec(ctx context.Context, what, query string, args ...any) error {
	if err := s.beginWrite(ctx); err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	defer s.endWrite()
	if _, err := s.db.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	return nil
}

// WatchDuplicates inserts or widens a watch (rosync.DuplicateStore).
// Times are text in recordcodec's layout, which sorts as time does.
func (s *Store) WatchDuplicates(ctx context.Context, w rosync.DuplicateWatch) error {
	return s.exec(ctx, "watch duplicates of "+w.Shop+"/"+w.OrderID, `INSERT INTO duplicate_watches (shop, order_id, client_id, since, until)
VALUES (?, ?, ?, ?, ?)
ON CONFLICT (shop, order_id, client_id) DO UPDATE SET since = min(since, excluded.since), until = max(until, excluded.until)`,
		w.Shop, w.OrderID, w.ClientID, recordcodec.FormatTime(w.Since), recordcodec.FormatTime(w.Until))
}

// DuplicateWatches lists the shop's watches by OrderID
// (rosync.DuplicateStore).
func (s *Store) DuplicateWatches(ctx context.Context, shop string) ([]rosync.DuplicateWatch, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT order_id, client_id, since, until FROM duplicate_watches WHERE shop = ? ORDER BY order_id, client_id", shop)
	if err != nil {
		return nil, fmt.Errorf("sqlite: duplicate watches of %s: %w", shop, err)
	}
	defer rows.Close()
	out := []rosync.DuplicateWatch{}
	for rows.Next() {
		w := rosync.DuplicateWatch{Shop: shop}
		var since, until string
		if err := rows.Scan(&w.OrderID, &w.ClientID, &since, &until); err != nil {
			return nil, fmt.Errorf("sqlite: duplicate watches of %s: %w", shop, err)
		}
		if w.Since, err = recordcodec.ParseTime(since); err != nil {
			return nil, fmt.Errorf("sqlite: duplicate watch %s/%s: since: %w", shop, w.OrderID, err)
		}
		if w.Until, err = recordcodec.ParseTime(until); err != nil {
			return nil, fmt.Errorf("sqlite: duplicate watch %s/%s: until: %w", shop, w.OrderID, err)
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: duplicate watches of %s: %w", shop, err)
	}
	return out, nil
}

// EndDuplicateWatch removes the watch if its Until is still w.Until
// (rosync.DuplicateStore).
func (s *Store) EndDuplicateWatch(ctx context.Context, w rosync.DuplicateWatch) error {
	return s.exec(ctx, "end duplicate watch of "+w.Shop+"/"+w.OrderID,
		"DELETE FROM duplicate_watches WHERE shop = ? AND order_id = ? AND client_id = ? AND until = ?",
		w.Shop, w.OrderID, w.ClientID, recordcodec.FormatTime(w.Until))
}

// PutDuplicate inserts or replaces a duplicate (rosync.DuplicateStore).
func (s *Store) PutDuplicate(ctx context.Context, d rosync.Duplicate) error {
	return s.exec(ctx, fmt.Sprintf("put duplicate %s/%d", d.Shop, d.DuplicateID),
		`INSERT INTO duplicates (shop, duplicate_id, order_id, number, ro_order_id, found_at, comment_sent, commented, moved)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (shop, duplicate_id) DO UPDATE SET order_id = excluded.order_id, number = excluded.number,
	ro_order_id = excluded.ro_order_id, found_at = excluded.found_at, comment_sent = excluded.comment_sent,
	commented = excluded.commented, moved = excluded.moved`,
		d.Shop, d.DuplicateID, d.OrderID, d.Number, d.ROOrderID, recordcodec.FormatTime(d.FoundAt),
		recordcodec.FormatTime(d.CommentSentAt), d.Commented, d.Moved)
}

// Duplicates lists the shop's duplicates by DuplicateID
// (rosync.DuplicateStore).
func (s *Store) Duplicates(ctx context.Context, shop string) ([]rosync.Duplicate, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT duplicate_id, order_id, number, ro_order_id, found_at, comment_sent, commented, moved
FROM duplicates WHERE shop = ? ORDER BY duplicate_id`, shop)
	if err != nil {
		return nil, fmt.Errorf("sqlite: duplicates of %s: %w", shop, err)
	}
	defer rows.Close()
	out := []rosync.Duplicate{}
	for rows.Next() {
		d := rosync.Duplicate{Shop: shop}
		var found, sent string
		if err := rows.Scan(&d.DuplicateID, &d.OrderID, &d.Number, &d.ROOrderID, &found, &sent, &d.Commented, &d.Moved); err != nil {
			return nil, fmt.Errorf("sqlite: duplicates of %s: %w", shop, err)
		}
		if d.FoundAt, err = recordcodec.ParseTime(found); err != nil {
			return nil, fmt.Errorf("sqlite: duplicate %s/%d: found_at: %w", shop, d.DuplicateID, err)
		}
		if d.CommentSentAt, err = recordcodec.ParseTime(sent); err != nil {
			return nil, fmt.Errorf("sqlite: duplicate %s/%d: comment_sent: %w", shop, d.DuplicateID, err)
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: duplicates of %s: %w", shop, err)
	}
	return out, nil
}
