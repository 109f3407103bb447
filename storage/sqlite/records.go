package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/storage/internal/recordcodec"
)

// Record returns the record of a platform order, or an error wrapping
// rosync.ErrNotFound.
func (s *Store) Record(ctx context.Context, shop, orderID string) (rosync.Record, error) {
	r, err := scanRecord(s.stmts.record.QueryRowContext(ctx, shop, orderID))
	if errors.Is(err, sql.ErrNoRows) {
		return rosync.Record{}, fmt.Errorf("sqlite: record %s/%s: %w", shop, orderID, rosync.ErrNotFound)
	}
	if err != nil {
		return rosync.Record{}, fmt.Errorf("sqlite: record %s/%s: %w", shop, orderID, err)
	}
	return r, nil
}

// RecordByRO returns the record linked to an RO App order id, or an error
// wrapping rosync.ErrNotFound (always for id 0, which links nothing). Should
// several records carry the id, it returns the first by (Shop, OrderID).
func (s *Store) RecordByRO(ctx context.Context, roOrderID int64) (rosync.Record, error) {
	if roOrderID == 0 {
		return rosync.Record{}, fmt.Errorf("sqlite: record of RO App order 0: %w", rosync.ErrNotFound)
	}
	r, err := scanRecord(s.stmts.recordByRO.QueryRowContext(ctx, roOrderID))
	if errors.Is(err, sql.ErrNoRows) {
		return rosync.Record{}, fmt.Errorf("sqlite: record of RO App order %d: %w", roOrderID, rosync.ErrNotFound)
	}
	if err != nil {
		return rosync.Record{}, fmt.Errorf("sqlite: record of RO App order %d: %w", roOrderID, err)
	}
	return r, nil
}

// PutRecord writes the record (r.Shop, r.OrderID) as a compare-and-swap on
// r.Version (see rosync.Store): version 0 inserts, version n replaces the
// stored version n; anything else is an error wrapping rosync.ErrConflict
// and writes nothing. On success r.Version is the new version and a zero
// r.UpdatedAt is set from the Store's clock.
func (s *Store) PutRecord(ctx context.Context, r *rosync.Record) error {
	updatedAt := r.UpdatedAt
	if updatedAt.IsZero() {
		updatedAt = s.now().UTC()
	}
	data, err := recordcodec.Encode(r)
	if err != nil {
		return fmt.Errorf("sqlite: put record %s/%s: %w", r.Shop, r.OrderID, err)
	}
	var ro sql.NullInt64
	if r.ROOrderID != 0 {
		ro = sql.NullInt64{Int64: r.ROOrderID, Valid: true}
	}
	if err := s.beginWrite(ctx); err != nil {
		return fmt.Errorf("sqlite: put record %s/%s: %w", r.Shop, r.OrderID, err)
	}
	defer s.endWrite()
	var res sql.Result
	if r.Version == 0 {
		res, err = s.stmts.insertRecord.ExecContext(ctx,
			r.Shop, r.OrderID, r.Number, string(r.State), ro, r.LastError, r.Permanent,
			recordcodec.FormatTime(r.NextRetry), r.HeldStatus, recordcodec.FormatTime(updatedAt), string(data))
	} else {
		res, err = s.stmts.updateRecord.ExecContext(ctx,
			r.Number, string(r.State), ro, r.LastError, r.Permanent,
			recordcodec.FormatTime(r.NextRetry), r.HeldStatus, recordcodec.FormatTime(updatedAt), string(data),
			r.Shop, r.OrderID, r.Version)
	}
	var n int64
	if err == nil {
		n, err = res.RowsAffected()
	}
	if err != nil {
		return fmt.Errorf("sqlite: put record %s/%s: %w", r.Shop, r.OrderID, err)
	}
	if n == 0 {
		return putConflict(r)
	}
	r.Version++
	r.UpdatedAt = updatedAt
	return nil
}

// putConflict is PutRecord's error when the stored version is not r's.
func putConflict(r *rosync.Record) error {
	if r.Version == 0 {
		return fmt.Errorf("sqlite: put record %s/%s: inserting, but the record exists: %w", r.Shop, r.OrderID, rosync.ErrConflict)
	}
	return fmt.Errorf("sqlite: put record %s/%s: version %d is not the stored one: %w", r.Shop, r.OrderID, r.Version, rosync.ErrConflict)
}

// Records lists a shop's records that match f, ordered by OrderID (byte-wise
// string order). It returns an empty slice when none match. DueBefore
// applies only with Failed.
func (s *Store) Records(ctx context.Context, shop string, f rosync.RecordFilter) ([]rosync.Record, error) {
	var q strings.Builder
	q.WriteString("SELECT " + recordCols + " FROM records WHERE shop = ?")
	args := []any{shop}
	if f.State != "" {
		q.WriteString(" AND state = ?")
		args = append(args, string(f.State))
	}
	if f.Failed {
		// Literally the partial index's condition, so that it is used.
		q.WriteString(" AND last_error <> ''")
		if !f.DueBefore.IsZero() {
			// '' (the zero time) sorts first: a failure without a retry
			// time is due.
			q.WriteString(" AND permanent = 0 AND next_retry <= ?")
			args = append(args, recordcodec.FormatTime(f.DueBefore))
		}
	}
	if f.Held {
		q.WriteString(" AND held_status <> ''")
	}
	q.WriteString(" ORDER BY order_id")

	rows, err := s.db.QueryContext(ctx, q.String(), args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: records of %s: %w", shop, err)
	}
	defer rows.Close()
	out := []rosync.Record{}
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: records of %s: %w", shop, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: records of %s: %w", shop, err)
	}
	return out, nil
}

// scanRecord reads a row of recordCols.
func scanRecord(row interface{ Scan(...any) error }) (rosync.Record, error) {
	var (
		r                           rosync.Record
		state, nextRetry, updatedAt string
		ro                          sql.NullInt64
		data                        []byte
	)
	err := row.Scan(&r.Shop, &r.OrderID, &r.Number, &state, &ro, &r.LastError, &r.Permanent,
		&nextRetry, &r.HeldStatus, &updatedAt, &data, &r.Version)
	if err != nil {
		return rosync.Record{}, err
	}
	r.State = rosync.State(state)
	r.ROOrderID = ro.Int64
	if r.NextRetry, err = recordcodec.ParseTime(nextRetry); err != nil {
		return rosync.Record{}, fmt.Errorf("%s/%s: next_retry: %w", r.Shop, r.OrderID, err)
	}
	if r.UpdatedAt, err = recordcodec.ParseTime(updatedAt); err != nil {
		return rosync.Record{}, fmt.Errorf("%s/%s: updated_at: %w", r.Shop, r.OrderID, err)
	}
	if err := recordcodec.Decode(data, &r); err != nil {
		return rosync.Record{}, fmt.Errorf("%s/%s: data: %w", r.Shop, r.OrderID, err)
	}
	return r, nil
}
