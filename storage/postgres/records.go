package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/storage/internal/recordcodec"
)

// recordCols are the records columns that scanRecord reads, in its order.
const recordCols = "shop, order_id, number, state, ro_order_id, last_error, permanent, next_retry, held_status, updated_at, data, version"

const (
	sqlRecord     = "SELECT " + recordCols + " FROM records WHERE shop = $1 AND order_id = $2"
	sqlRecordByRO = "SELECT " + recordCols + " FROM records WHERE ro_order_id = $1 ORDER BY shop, order_id LIMIT 1"
	// PutRecord's compare-and-swap: an insert of version 1 that does
	// nothing when the record exists, and a replace of the version read.
	sqlInsertRecord = `INSERT INTO records (` + recordCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1)
ON CONFLICT (shop, order_id) DO NOTHING`
	sqlUpdateRecord = `UPDATE records SET
	number = $3, state = $4, ro_order_id = $5, last_error = $6, permanent = $7, next_retry = $8,
	held_status = $9, updated_at = $10, data = $11, version = version + 1
WHERE shop = $1 AND order_id = $2 AND version = $12`
)

// Record returns the record of a platform order, or an error wrapping
// rosync.ErrNotFound.
func (s *Store) Record(ctx context.Context, shop, orderID string) (rosync.Record, error) {
	var r rosync.Record
	err := s.pool.with(ctx, func(c *pgx.Conn) error {
		var err error
		r, err = scanRecord(c.QueryRow(ctx, sqlRecord, shop, orderID))
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return rosync.Record{}, fmt.Errorf("postgres: record %s/%s: %w", shop, orderID, rosync.ErrNotFound)
	}
	if err != nil {
		return rosync.Record{}, fmt.Errorf("postgres: record %s/%s: %w", shop, orderID, err)
	}
	return r, nil
}

// RecordByRO returns the record linked to an RO App order id, or an error
// wrapping rosync.ErrNotFound (always for id 0, which links nothing). Should
// several records carry the id, it returns the first by (Shop, OrderID).
func (s *Store) RecordByRO(ctx context.Context, roOrderID int64) (rosync.Record, error) {
	if roOrderID == 0 {
		return rosync.Record{}, fmt.Errorf("postgres: record of RO App order 0: %w", rosync.ErrNotFound)
	}
	var r rosync.Record
	err := s.pool.with(ctx, func(c *pgx.Conn) error {
		var err error
		r, err = scanRecord(c.QueryRow(ctx, sqlRecordByRO, roOrderID))
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return rosync.Record{}, fmt.Errorf("postgres: record of RO App order %d: %w", roOrderID, rosync.ErrNotFound)
	}
	if err != nil {
		return rosync.Record{}, fmt.Errorf("postgres: record of RO App order %d: %w", roOrderID, err)
	}
	return r, nil
}

// PutRecord writes the record (r.Shop, r.OrderID) as a compare-and-swap on
// r.Version, in one statement (see rosync.Store): version 0 inserts,
// version n replaces the stored version n; anything else is an error
// wrapping rosync.ErrConflict and writes nothing. On success r.Version is
// the new version and a zero r.UpdatedAt is set from the Store's clock.
func (s *Store) PutRecord(ctx context.Context, r *rosync.Record) error {
	updatedAt := r.UpdatedAt
	if updatedAt.IsZero() {
		updatedAt = s.nowUTC()
	}
	data, err := recordcodec.Encode(r)
	if err != nil {
		return fmt.Errorf("postgres: put record %s/%s: %w", r.Shop, r.OrderID, err)
	}
	var ro *int64
	if r.ROOrderID != 0 {
		ro = &r.ROOrderID
	}
	args := []any{r.Shop, r.OrderID, r.Number, string(r.State), ro, r.LastError, r.Permanent,
		nullTime(r.NextRetry), r.HeldStatus, updatedAt.UTC(), string(data)}
	q := sqlInsertRecord
	if r.Version != 0 {
		q = sqlUpdateRecord
		args = append(args, r.Version)
	}
	var n int64
	err = s.pool.with(ctx, func(c *pgx.Conn) error {
		tag, err := c.Exec(ctx, q, args...)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: put record %s/%s: %w", r.Shop, r.OrderID, err)
	}
	if n == 0 {
		if r.Version == 0 {
			return fmt.Errorf("postgres: put record %s/%s: inserting, but the record exists: %w", r.Shop, r.OrderID, rosync.ErrConflict)
		}
		return fmt.Errorf("postgres: put record %s/%s: version %d is not the stored one: %w", r.Shop, r.OrderID, r.Version, rosync.ErrConflict)
	}
	r.Version++
	r.UpdatedAt = updatedAt
	return nil
}

// Records lists a shop's records that match f, ordered by OrderID (byte-wise
// string order). It returns an empty slice when none match. DueBefore
// applies only with Failed.
func (s *Store) Records(ctx context.Context, shop string, f rosync.RecordFilter) ([]rosync.Record, error) {
	var q strings.Builder
	q.WriteString("SELECT " + recordCols + " FROM records WHERE shop = $1")
	args := []any{shop}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.State != "" {
		q.WriteString(" AND state = " + arg(string(f.State)))
	}
	if f.Failed {
		// Literally the partial index's condition, so that it is used.
		q.WriteString(" AND last_error <> ''")
		if !f.DueBefore.IsZero() {
			// A failure without a retry time is due.
			q.WriteString(" AND NOT permanent AND (next_retry IS NULL OR next_retry <= " + arg(f.DueBefore.UTC()) + ")")
		}
	}
	if f.Held {
		q.WriteString(" AND held_status <> ''")
	}
	q.WriteString(" ORDER BY order_id")

	out := []rosync.Record{}
	err := s.pool.with(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, q.String(), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRecord(rows)
			if err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: records of %s: %w", shop, err)
	}
	return out, nil
}

// scanRecord reads a row of recordCols.
func scanRecord(row pgx.Row) (rosync.Record, error) {
	var (
		r                    rosync.Record
		state                string
		ro                   *int64
		nextRetry, updatedAt *time.Time
		data                 []byte
	)
	err := row.Scan(&r.Shop, &r.OrderID, &r.Number, &state, &ro, &r.LastError, &r.Permanent,
		&nextRetry, &r.HeldStatus, &updatedAt, &data, &r.Version)
	if err != nil {
		return rosync.Record{}, err
	}
	r.State = rosync.State(state)
	if ro != nil {
		r.ROOrderID = *ro
	}
	r.NextRetry = fromNull(nextRetry)
	r.UpdatedAt = fromNull(updatedAt)
	if err := recordcodec.Decode(data, &r); err != nil {
		return rosync.Record{}, fmt.Errorf("%s/%s: data: %w", r.Shop, r.OrderID, err)
	}
	return r, nil
}
