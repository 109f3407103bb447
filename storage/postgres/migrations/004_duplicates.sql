-- 004_duplicates: rosync.DuplicateStore. duplicate_watches are the orders
-- whose RO App order create was in doubt, one per client a doubtful create
-- named, checked by each poll for a second RO App order until "until";
-- duplicates are the second orders found, with what was done to them
-- (commented, moved).

CREATE TABLE duplicate_watches (
	shop      text        NOT NULL,
	order_id  text        NOT NULL,
	client_id bigint      NOT NULL,
	since     timestamptz NOT NULL,
	until     timestamptz NOT NULL,
	PRIMARY KEY (shop, order_id, client_id)
);

CREATE TABLE duplicates (
	shop         text        NOT NULL,
	duplicate_id bigint      NOT NULL,
	order_id     text        NOT NULL,
	number       text        NOT NULL DEFAULT '',
	ro_order_id  bigint      NOT NULL,
	found_at     timestamptz NOT NULL,
	comment_sent timestamptz,
	commented    boolean     NOT NULL DEFAULT false,
	moved        boolean     NOT NULL DEFAULT false,
	PRIMARY KEY (shop, duplicate_id)
);
