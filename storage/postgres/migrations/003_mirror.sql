-- 003_mirror: the mirror of the RO App account (rosync.Mirror): its person
-- contacts (normalised email, E.164 phones) and catalogue products (title,
-- SKU, code), and per list the time it is mirrored up to. (Numbered 003:
-- 002 is the record version of the fenced locks.)

CREATE TABLE mirror_contacts (
	id     bigint  NOT NULL PRIMARY KEY,
	email  text    NOT NULL DEFAULT '',
	phones text[]  NOT NULL DEFAULT '{}' -- in the contact's order
);

CREATE INDEX mirror_contacts_email ON mirror_contacts (email, id) WHERE email <> '';

CREATE TABLE mirror_contact_phones (
	phone text    NOT NULL,
	id    bigint  NOT NULL,
	PRIMARY KEY (phone, id)
);

CREATE INDEX mirror_contact_phones_id ON mirror_contact_phones (id);

CREATE TABLE mirror_products (
	id    bigint  NOT NULL PRIMARY KEY,
	title text    NOT NULL DEFAULT '',
	sku   text    NOT NULL DEFAULT '',
	code  text    NOT NULL DEFAULT ''
);

CREATE INDEX mirror_products_title ON mirror_products (title, id) WHERE title <> '';
CREATE INDEX mirror_products_sku ON mirror_products (sku, id) WHERE sku <> '';
CREATE INDEX mirror_products_code ON mirror_products (code, id) WHERE code <> '';

CREATE TABLE mirror_state (
	kind  text NOT NULL PRIMARY KEY,
	up_to timestamptz NOT NULL
);
