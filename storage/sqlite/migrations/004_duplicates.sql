-- 004_duplicates: rosync.DuplicateStore. duplicate_watches are the orders
-- whose RO App order create was in doubt, one per client a doubtful create
-- named, checked by each poll for a second RO App order until `until`;
-- duplicates are the second orders found, with what was done to them
-- (commented, moved). Times are text in recordcodec's layout.

CREATE TABLE duplicate_watches (
	shop      TEXT    NOT NULL,
	order_id  TEXT    NOT NULL,
	client_id INTEGER NOT NULL,
	since     TEXT    NOT NULL,
	until     TEXT    NOT NULL,
	PRIMARY KEY (shop, order_id, client_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE duplicates (
	shop         TEXT    NOT NULL,
	duplicate_id INTEGER NOT NULL,
	order_id     TEXT    NOT NULL,
	number       TEXT    NOT NULL DEFAULT '',
	ro_order_id  INTEGER NOT NULL,
	found_at     TEXT    NOT NULL,
	comment_sent TEXT    NOT NULL DEFAULT '',
	commented    INTEGER NOT NULL DEFAULT 0,
	moved        INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (shop, duplicate_id)
) STRICT, WITHOUT ROWID;
