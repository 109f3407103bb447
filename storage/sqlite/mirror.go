package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/storage/internal/recordcodec"
)

var _ rosync.Mirror = (*Store)(nil)

// mirrorTx runs fn in one write transaction.
func (s *Store) mirrorTx(ctx context.Context, what string, fn func(tx *sql.Tx) error) error {
	if err := s.beginWrite(ctx); err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	defer s.endWrite()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	if err := fn(tx); err != nil {
		return errors.Join(fmt.Errorf("sqlite: %s: %w", what, err), tx.Rollback())
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: %s: %w", what, err)
	}
	return nil
}

// PutMirrorContacts inserts or replaces each contact by ID, in one
// transaction (rosync.Mirror).
func (s *Store) PutMirrorContacts(ctx context.Context, cs []rosync.Contact) error {
	if len(cs) == 0 {
		return nil
	}
	return s.mirrorTx(ctx, "put mirrored contacts", func(tx *sql.Tx) error {
		for _, c := range cs {
			phones := c.Phones
			if phones == nil {
				phones = []string{}
			}
			js, err := json.Marshal(phones)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO mirror_contacts (id, email, phones) VALUES (?, ?, ?)
ON CONFLICT (id) DO UPDATE SET email = excluded.email, phones = excluded.phones`, c.ID, c.Email, string(js)); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, "DELETE FROM mirror_contact_phones WHERE id = ?", c.ID); err != nil {
				return err
			}
			for _, p := range phones {
				if p == "" {
					continue
				}
				if _, err := tx.ExecContext(ctx, "INSERT INTO mirror_contact_phones (phone, id) VALUES (?, ?) ON CONFLICT DO NOTHING", p, c.ID); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// MirrorContacts returns the mirrored contacts with the id, the phone or
// the email, by ascending id (rosync.Mirror).
func (s *Store) MirrorContacts(ctx context.Context, id int64, phone, email string) ([]rosync.Contact, error) {
	out := []rosync.Contact{}
	if id == 0 && phone == "" && email == "" {
		return out, nil
	}
	// The values are left out of errors: they are contact data.
	rows, err := s.db.QueryContext(ctx, `SELECT id, email, phones FROM mirror_contacts
WHERE id = ? OR (email = ? AND email <> '') OR id IN (SELECT id FROM mirror_contact_phones WHERE phone = ? AND phone <> '')
ORDER BY id`, id, email, phone)
	if err != nil {
		return nil, fmt.Errorf("sqlite: mirrored contacts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			c  rosync.Contact
			js string
		)
		if err := rows.Scan(&c.ID, &c.Email, &js); err != nil {
			return nil, fmt.Errorf("sqlite: mirrored contacts: %w", err)
		}
		if err := json.Unmarshal([]byte(js), &c.Phones); err != nil {
			return nil, fmt.Errorf("sqlite: mirrored contact %d: %w", c.ID, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: mirrored contacts: %w", err)
	}
	return out, nil
}

// PutMirrorProducts inserts or replaces each product by ID, in one
// transaction (rosync.Mirror).
func (s *Store) PutMirrorProducts(ctx context.Context, ps []rosync.ROProduct) error {
	if len(ps) == 0 {
		return nil
	}
	return s.mirrorTx(ctx, "put mirrored products", func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO mirror_products (id, title, sku, code) VALUES (?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET title = excluded.title, sku = excluded.sku, code = excluded.code`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, p := range ps {
			if _, err := st.ExecContext(ctx, p.ID, p.Title, p.SKU, p.Code); err != nil {
				return err
			}
		}
		return nil
	})
}

// productColumn is the mirror_products column of an identify-by key.
func productColumn(by rosync.IdentifyBy) (string, bool) {
	switch by {
	case rosync.IdentifyByName:
		return "title", true
	case rosync.IdentifyBySKU:
		return "sku", true
	case rosync.IdentifyByID:
		return "code", true
	}
	return "", false
}

// MirrorProduct returns the mirrored product of lowest id with the value
// (rosync.Mirror).
func (s *Store) MirrorProduct(ctx context.Context, by rosync.IdentifyBy, value string) (rosync.ROProduct, error) {
	col, ok := productColumn(by)
	if !ok || value == "" {
		return rosync.ROProduct{}, fmt.Errorf("sqlite: mirrored product by %q: %w", by, rosync.ErrNotFound)
	}
	var p rosync.ROProduct
	err := s.db.QueryRowContext(ctx, "SELECT id, title, sku, code FROM mirror_products WHERE "+col+" = ? ORDER BY id LIMIT 1",
		value).Scan(&p.ID, &p.Title, &p.SKU, &p.Code)
	if errors.Is(err, sql.ErrNoRows) {
		return rosync.ROProduct{}, fmt.Errorf("sqlite: mirrored product by %s: %w", by, rosync.ErrNotFound)
	}
	if err != nil {
		return rosync.ROProduct{}, fmt.Errorf("sqlite: mirrored product by %s: %w", by, err)
	}
	return p, nil
}

// MirroredUpTo returns the time kind is mirrored up to (rosync.Mirror).
func (s *Store) MirroredUpTo(ctx context.Context, kind rosync.MirrorKind) (time.Time, error) {
	var v string
	err := s.db.QueryRowContext(ctx, "SELECT up_to FROM mirror_state WHERE kind = ?", string(kind)).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: mirrored %s up to: %w", kind, err)
	}
	t, err := recordcodec.ParseTime(strings.TrimSpace(v))
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: mirrored %s up to: %w", kind, err)
	}
	return t, nil
}

// SetMirroredUpTo records the time kind is mirrored up to (rosync.Mirror).
func (s *Store) SetMirroredUpTo(ctx context.Context, kind rosync.MirrorKind, t time.Time) error {
	if err := s.beginWrite(ctx); err != nil {
		return fmt.Errorf("sqlite: set mirrored %s up to: %w", kind, err)
	}
	defer s.endWrite()
	_, err := s.db.ExecContext(ctx, "INSERT INTO mirror_state (kind, up_to) VALUES (?, ?) ON CONFLICT (kind) DO UPDATE SET up_to = excluded.up_to",
		string(kind), recordcodec.FormatTime(t))
	if err != nil {
		return fmt.Errorf("sqlite: set mirrored %s up to: %w", kind, err)
	}
	return nil
}
