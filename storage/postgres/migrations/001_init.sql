-- 001_init: the first schema of the rosync PostgreSQL store.
--
-- Migrations run with search_path set to the Store's schema (Options.Schema),
-- so the names here are unqualified. Times are timestamptz (UTC in, UTC out;
-- PostgreSQL keeps microseconds); NULL is the zero time. Text that the
-- Store sorts or compares by is COLLATE "C", so that order is byte-wise
-- whatever the database's collation.

-- records: one row per platform order (rosync.Record). The columns are what
-- the Store filters, sorts and looks up by; data holds the other fields as
-- JSON (decimals as strings, times as RFC 3339 UTC with nanoseconds).
CREATE TABLE records (
	shop        text COLLATE "C" NOT NULL,
	order_id    text COLLATE "C" NOT NULL,
	number      text        NOT NULL DEFAULT '',
	state       text        NOT NULL DEFAULT '',
	ro_order_id bigint,                          -- NULL until linked to an RO App order
	last_error  text        NOT NULL DEFAULT '', -- '' unless the last attempt failed
	permanent   boolean     NOT NULL DEFAULT false, -- the failure waits for Retry, not back-off
	next_retry  timestamptz,                     -- NULL: no retry time (due at once)
	held_status text        NOT NULL DEFAULT '', -- '' unless a status waits for deduction
	updated_at  timestamptz NOT NULL,
	data        jsonb       NOT NULL,
	PRIMARY KEY (shop, order_id)
);
CREATE INDEX records_ro_order_id ON records (ro_order_id) WHERE ro_order_id IS NOT NULL;
CREATE INDEX records_state ON records (shop, state, order_id);
CREATE INDEX records_failed ON records (shop, order_id) WHERE last_error <> '';
CREATE INDEX records_held ON records (shop, order_id) WHERE held_status <> '';

-- identities: the identity index (contact, product, category keys -> RO App ids).
CREATE TABLE identities (
	key  text COLLATE "C" NOT NULL PRIMARY KEY,
	id   bigint NOT NULL,
	hash text   NOT NULL DEFAULT ''
);

-- shop_state: one row per connected shop (rosync.ShopState).
CREATE TABLE shop_state (
	shop         text COLLATE "C" NOT NULL PRIMARY KEY,
	connected_at timestamptz,
	imported_at  timestamptz,
	poll_cursor  timestamptz,
	ro_cursor    timestamptz
);

-- seen_events: webhook event ids already processed, per shop. Rows older
-- than 7 days are pruned as the Store goes.
CREATE TABLE seen_events (
	shop     text COLLATE "C" NOT NULL,
	event_id text COLLATE "C" NOT NULL,
	seen_at  timestamptz NOT NULL,
	PRIMARY KEY (shop, event_id)
);
CREATE INDEX seen_events_seen_at ON seen_events (seen_at);

-- leases: named leases with expiry (rosync.Leaser), e.g. "poll/<shop>":
-- which replica polls a shop.
CREATE TABLE leases (
	name       text COLLATE "C" NOT NULL PRIMARY KEY,
	holder     text        NOT NULL,
	expires_at timestamptz NOT NULL
);
