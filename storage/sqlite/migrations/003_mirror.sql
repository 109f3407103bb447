-- 003_mirror: the mirror of the RO App account (rosync.Mirror): its person
-- contacts (normalised email, E.164 phones) and catalogue products (title,
-- SKU, code), and per list the time it is mirrored up to. (Numbered 003:
-- 002 is the record version of the fenced locks.)

CREATE TABLE mirror_contacts (
	id     INTEGER NOT NULL PRIMARY KEY,
	email  TEXT    NOT NULL DEFAULT '',
	phones TEXT    NOT NULL DEFAULT '[]' -- JSON array, in the contact's order
) STRICT;

CREATE INDEX mirror_contacts_email ON mirror_contacts (email, id) WHERE email <> '';

CREATE TABLE mirror_contact_phones (
	phone TEXT    NOT NULL,
	id    INTEGER NOT NULL,
	PRIMARY KEY (phone, id)
) STRICT, WITHOUT ROWID;

CREATE INDEX mirror_contact_phones_id ON mirror_contact_phones (id);

CREATE TABLE mirror_products (
	id    INTEGER NOT NULL PRIMARY KEY,
	title TEXT    NOT NULL DEFAULT '',
	sku   TEXT    NOT NULL DEFAULT '',
	code  TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX mirror_products_title ON mirror_products (title, id) WHERE title <> '';
CREATE INDEX mirror_products_sku ON mirror_products (sku, id) WHERE sku <> '';
CREATE INDEX mirror_products_code ON mirror_products (code, id) WHERE code <> '';

CREATE TABLE mirror_state (
	kind  TEXT NOT NULL PRIMARY KEY,
	up_to TEXT NOT NULL
) STRICT, WITHOUT ROWID;
