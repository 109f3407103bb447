package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosync/rosync"
)

var _ rosync.Mirror = (*Store)(nil)

// PutMirrorContacts inserts or replaces each contact by ID, in one
// transaction (rosync.Mirror).
func (s *Store) PutMirrorContacts(ctx context.Context, cs []rosync.Contact) error {
	if len(cs) == 0 {
		return nil
	}
	err := s.pool.with(ctx, func(c *pgx.Conn) error {
		return pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
			var b pgx.Batch
			for _, ct := range cs {
				phones := ct.Phones
				if phones == nil {
					phones = []string{}
				}
				b.Queue(`INSERT INTO mirror_contacts (id, email, phones) VALUES ($1, $2, $3)
ON CONFLICT (id) DO UPDATE SET email = excluded.email, phones = excluded.phones`, ct.ID, ct.Email, phones)
				b.Queue("DELETE FROM mirror_contact_phones WHERE id = $1", ct.ID)
				b.Queue(`INSERT INTO mirror_contact_phones (phone, id)
SELECT DISTINCT p, $2::bigint FROM unnest($1::text[]) AS p WHERE p <> ''`, phones, ct.ID)
			}
			return tx.SendBatch(ctx, &b).Close()
		})
	})
	if err != nil {
		return fmt.Errorf("postgres: put mirrored contacts: %w", err)
	}
	return nil
}

// MirrorContacts returns the mirrored contacts with the id, the phone or
// the email, by ascending id (rosync.Mirror).
func (s *Store) MirrorContacts(ctx context.Context, id int64, phone, email string) ([]rosync.Contact, error) {
	out := []rosync.Contact{}
	if id == 0 && phone == "" && email == "" {
		return out, nil
	}
	err := s.pool.with(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, `SELECT id, email, phones FROM mirror_contacts
WHERE id = $1 OR (email = $3 AND email <> '') OR id IN (SELECT id FROM mirror_contact_phones WHERE phone = $2 AND phone <> '')
ORDER BY id`, id, phone, email)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (rosync.Contact, error) {
			var ct rosync.Contact
			err := r.Scan(&ct.ID, &ct.Email, &ct.Phones)
			return ct, err
		})
		return err
	})
	// The values are left out of errors: they are contact data.
	if err != nil {
		return nil, fmt.Errorf("postgres: mirrored contacts: %w", err)
	}
	return out, nil
}

// PutMirrorProducts inserts or replaces each product by ID, in one
// transaction (rosync.Mirror).
func (s *Store) PutMirrorProducts(ctx context.Context, ps []rosync.ROProduct) error {
	if len(ps) == 0 {
		return nil
	}
	err := s.pool.with(ctx, func(c *pgx.Conn) error {
		return pgx.BeginFunc(ctx, c, func(tx pgx.Tx) error {
			var b pgx.Batch
			for _, p := range ps {
				b.Queue(`INSERT INTO mirror_products (id, title, sku, code) VALUES ($1, $2, $3, $4)
ON CONFLICT (id) DO UPDATE SET title = excluded.title, sku = excluded.sku, code = excluded.code`, p.ID, p.Title, p.SKU, p.Code)
			}
			return tx.SendBatch(ctx, &b).Close()
		})
	})
	if err != nil {
		return fmt.Errorf("postgres: put mirrored products: %w", err)
	}
	return nil
}

// MirrorProduct returns the mirrored product of lowest id with the value
// (rosync.Mirror).
func (s *Store) MirrorProduct(ctx context.Context, by rosync.IdentifyBy, value string) (rosync.ROProduct, error) {
	col := map[rosync.IdentifyBy]string{rosync.IdentifyByName: "title", rosync.IdentifyBySKU: "sku", rosync.IdentifyByID: "code"}[by]
	if col == "" || value == "" {
		return rosync.ROProduct{}, fmt.Errorf("postgres: mirrored product by %q: %w", by, rosync.ErrNotFound)
	}
	var p rosync.ROProduct
	err := s.pool.with(ctx, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, "SELECT id, title, sku, code FROM mirror_products WHERE "+col+" = $1 ORDER BY id LIMIT 1",
			value).Scan(&p.ID, &p.Title, &p.SKU, &p.Code)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return rosync.ROProduct{}, fmt.Errorf("postgres: mirrored product by %s: %w", by, rosync.ErrNotFound)
	}
	if err != nil {
		return rosync.ROProduct{}, fmt.Errorf("postgres: mirrored product by %s: %w", by, err)
	}
	return p, nil
}

// MirroredUpTo returns the time kind is mirrored up to (rosync.Mirror).
func (s *Store) MirroredUpTo(ctx context.Context, kind rosync.MirrorKind) (time.Time, error) {
	var t time.Time
	err := s.pool.with(ctx, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, "SELECT up_to FROM mirror_state WHERE kind = $1", string(kind)).Scan(&t)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("postgres: mirrored %s up to: %w", kind, err)
	}
	return t.UTC(), nil
}

// SetMirroredUpTo records the time kind is mirrored up to (rosync.Mirror).
func (s *Store) SetMirroredUpTo(ctx context.Context, kind rosync.MirrorKind, t time.Time) error {
	err := s.pool.with(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, `INSERT INTO mirror_state (kind, up_to) VALUES ($1, $2)
ON CONFLICT (kind) DO UPDATE SET up_to = excluded.up_to`, string(kind), t.UTC())
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: set mirrored %s up to: %w", kind, err)
	}
	return nil
}
