package sqlite

import (
	"context"
	"database/sql"
	"errors"
)

// recordCols are the records columns that scanRecord reads, in its order.
const recordCols = "shop, order_id, number, state, ro_order_id, last_error, permanent, next_retry, held_status, updated_at, data, version"

// The statements of the Store's fixed queries.
const (
	sqlRecord     = "SELECT " + recordCols + " FROM records WHERE shop = ? AND order_id = ?"
	sqlRecordByRO = "SELECT " + recordCols + " FROM records WHERE ro_order_id = ? ORDER BY shop, order_id LIMIT 1"
	// PutRecord's compare-and-swap: an insert of version 1 that does
	// nothing when the record exists, and a replace of the version read.
	sqlInsertRecord = `INSERT INTO records (` + recordCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
ON CONFLICT (shop, order_id) DO NOTHING`
	sqlUpdateRecord = `UPDATE records SET
	number = ?, state = ?, ro_order_id = ?, last_error = ?, permanent = ?, next_retry = ?,
	held_status = ?, updated_at = ?, data = ?, version = version + 1
WHERE shop = ? AND order_id = ? AND version = ?`

	sqlIdentity    = "SELECT id, hash FROM identities WHERE key = ?"
	sqlPutIdentity = "INSERT INTO identities (key, id, hash) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET id = excluded.id, hash = excluded.hash"

	sqlShopState    = "SELECT connected_at, imported_at, poll_cursor, ro_cursor FROM shop_state WHERE shop = ?"
	sqlPutShopState = `INSERT INTO shop_state (shop, connected_at, imported_at, poll_cursor, ro_cursor) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (shop) DO UPDATE SET connected_at = excluded.connected_at, imported_at = excluded.imported_at,
	poll_cursor = excluded.poll_cursor, ro_cursor = excluded.ro_cursor`

	sqlSeenEvent = "INSERT INTO seen_events (shop, event_id, seen_at) VALUES (?, ?, ?) ON CONFLICT (shop, event_id) DO NOTHING"
	sqlPruneSeen = "DELETE FROM seen_events WHERE seen_at < ?"
)

// statements are the prepared statements of the hot paths. database/sql
// prepares each on every pooled connection that runs it.
type statements struct {
	record, recordByRO         *sql.Stmt
	insertRecord, updateRecord *sql.Stmt
	identity, putIdentity      *sql.Stmt
	seenEvent                  *sql.Stmt
}

func (st *statements) prepare(ctx context.Context, db *sql.DB) error {
	for _, p := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&st.record, sqlRecord},
		{&st.recordByRO, sqlRecordByRO},
		{&st.insertRecord, sqlInsertRecord},
		{&st.updateRecord, sqlUpdateRecord},
		{&st.identity, sqlIdentity},
		{&st.putIdentity, sqlPutIdentity},
		{&st.seenEvent, sqlSeenEvent},
	} {
		s, err := db.PrepareContext(ctx, p.sql)
		if err != nil {
			return errors.Join(err, st.close())
		}
		*p.stmt = s
	}
	return nil
}

func (st *statements) close() error {
	var errs []error
	for _, s := range []*sql.Stmt{st.record, st.recordByRO, st.insertRecord, st.updateRecord, st.identity, st.putIdentity, st.seenEvent} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	return errors.Join(errs...)
}
