-- 001_init: the first schema of the rosync SQLite store.
--
-- Times are UTC text in a fixed-width RFC 3339 form with nanoseconds
-- ("2026-11-27T12:00:00.000000000Z"), so that they sort as text; the zero
-- time is ''.

-- records: one row per platform order (rosync.Record). The columns are what
-- the Store filters, sorts and looks up by; data holds the other fields as
-- JSON (decimals as strings).
CREATE TABLE records (
	shop        TEXT    NOT NULL,
	order_id    TEXT    NOT NULL,
	number      TEXT    NOT NULL DEFAULT '',
	state       TEXT    NOT NULL DEFAULT '',
	ro_order_id INTEGER,                       -- NULL until linked to an RO App order
	last_error  TEXT    NOT NULL DEFAULT '',   -- '' unless the last attempt failed
	permanent   INTEGER NOT NULL DEFAULT 0,    -- the failure waits for Retry, not back-off
	next_retry  TEXT    NOT NULL DEFAULT '',
	held_status TEXT    NOT NULL DEFAULT '',   -- '' unless a status waits for deduction
	updated_at  TEXT    NOT NULL,
	data        TEXT    NOT NULL,
	PRIMARY KEY (shop, order_id)
) STRICT;

CREATE INDEX records_ro_order_id ON records (ro_order_id) WHERE ro_order_id IS NOT NULL;
CREATE INDEX records_state ON records (shop, state, order_id);
CREATE INDEX records_failed ON records (shop, order_id) WHERE last_error <> '';
CREATE INDEX records_held ON records (shop, order_id) WHERE held_status <> '';

-- identities: the identity index (contact, product, category keys -> RO App ids).
CREATE TABLE identities (
	key  TEXT    NOT NULL PRIMARY KEY,
	id   INTEGER NOT NULL,
	hash TEXT    NOT NULL DEFAULT ''
) STRICT, WITHOUT ROWID;

-- shop_state: one row per connected shop (rosync.ShopState).
CREATE TABLE shop_state (
	shop         TEXT NOT NULL PRIMARY KEY,
	connected_at TEXT NOT NULL DEFAULT '',
	imported_at  TEXT NOT NULL DEFAULT '',
	poll_cursor  TEXT NOT NULL DEFAULT '',
	ro_cursor    TEXT NOT NULL DEFAULT ''
) STRICT, WITHOUT ROWID;

-- seen_events: webhook event ids already processed, per shop. Rows older
-- than 7 days are pruned as the Store goes.
CREATE TABLE seen_events (
	shop     TEXT NOT NULL,
	event_id TEXT NOT NULL,
	seen_at  TEXT NOT NULL,
	PRIMARY KEY (shop, event_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX seen_events_seen_at ON seen_events (seen_at);
