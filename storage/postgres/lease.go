package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// sqlLease takes or renews a lease in one statement: the insert takes a free
// name; on conflict the row is updated only when the lease is already
// holder's or has expired, and RETURNING tells which happened (no row: held
// by another). $3 is the Store's clock, or NULL for the server's.
const sqlLease = `INSERT INTO leases AS l (name, holder, expires_at)
VALUES ($1, $2, COALESCE($3::timestamptz, clock_timestamp()) + $4::bigint * interval '1 microsecond')
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
	WHERE l.holder = excluded.holder OR l.expires_at <= COALESCE($3::timestamptz, clock_timestamp())
RETURNING l.holder`

// Lease takes or renews the lease name for holder until ttl from now, and
// reports whether holder holds it: it does when the lease was free, had
// expired (its holder stopped renewing it) or was already holder's. It is
// one atomic statement, so of replicas racing for a free lease exactly one
// gets it. Expiry uses the database server's clock, or Options.Now when set.
func (s *Store) Lease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, fmt.Errorf("postgres: lease %s: ttl %v is not positive", name, ttl)
	}
	if holder == "" {
		return false, fmt.Errorf("postgres: lease %s: empty holder", name)
	}
	var now *time.Time
	if !s.dbClock {
		t := s.nowUTC()
		now = &t
	}
	var got string
	err := s.pool.with(ctx, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, sqlLease, name, holder, now, max(ttl.Microseconds(), 1)).Scan(&got)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("postgres: lease %s: %w", name, err)
	}
	return got == holder, nil
}

// Release gives the lease name up if holder holds it, so that another
// replica may take it at once; otherwise it does nothing.
func (s *Store) Release(ctx context.Context, name, holder string) error {
	err := s.pool.with(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, "DELETE FROM leases WHERE name = $1 AND holder = $2", name, holder)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: release lease %s: %w", name, err)
	}
	return nil
}
