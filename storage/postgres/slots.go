package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultSlotHorizon is SlotOptions.Horizon's default.
const DefaultSlotHorizon = 100 * time.Millisecond

// SlotOptions tune an AccountSlots. A nil *SlotOptions and zero fields mean
// the defaults.
type SlotOptions struct {
	// Horizon bounds how far ahead one claim reaches: a batch holds at most
	// max(1, R·Horizon) slots (DefaultSlotHorizon: 100 ms, one slot at RO
	// App's 3 requests per second, 30 at 300). A replica's live request
	// waits at most for the slots the other replicas already hold, about
	// replicas·Horizon.
	Horizon time.Duration
}

// AccountSlots is one RO App account's rate limit shared by every replica
// that uses the same database and schema: a roapp.SlotSource (plug it into
// roapp.NewPriorityLimiter, which serves each replica's live requests
// first). The account's request slots are a single timeline, spaced 1/R
// apart, kept in one row of the account_slots table (its first unclaimed
// slot); a replica claims a batch of consecutive slots in one UPDATE, as
// many as it has requests waiting (up to the horizon), so the database
// sees one round trip per batch, not per request. Every slot of the
// account is 1/R after the one before (no burst: a claim starts no
// earlier than the server's now), so over any window of W seconds the
// account's slots number at most R·W + 1, whatever the number of
// replicas.
//
// Times are the database server's (clock_timestamp()), never a replica's:
// a claim returns how far ahead of the server's now each slot lies, and
// the replica waits that long from when the answer arrived, so that a slot
// is used after its time, never before it (a replica's clock may differ
// from the server's; the round trip only makes it later). Options.Now does
// not apply. An unused slot (its request was cancelled) is lost: the
// account sends less, never more.
type AccountSlots struct {
	s        *Store
	account  string
	interval time.Duration
	maxBatch int
	// onClaim, when set (tests), receives each claim: the server's time
	// of the first slot and the local times of the slots.
	onClaim func(first time.Time, local []time.Time)
}

// AccountSlots returns the shared slots of account at perSecond requests per
// second. account names the RO App account in the table: use an id of
// your own, never the API key. Every replica must give the same rate.
func (s *Store) AccountSlots(account string, perSecond float64, opts *SlotOptions) (*AccountSlots, error) {
	if strings.TrimSpace(account) == "" {
		return nil, errors.New("postgres: account slots: empty account name")
	}
	if !(perSecond > 0) || math.IsInf(perSecond, 0) {
		return nil, fmt.Errorf("postgres: account slots: rate %v is not a positive number", perSecond)
	}
	var o SlotOptions
	if opts != nil {
		o = *opts
	}
	if o.Horizon <= 0 {
		o.Horizon = DefaultSlotHorizon
	}
	// The interval is rounded up to the microsecond (the column's
	// precision), so that the account never goes over perSecond.
	us := math.Ceil(1e6 / perSecond)
	if us > float64(math.MaxInt32) {
		return nil, fmt.Errorf("postgres: account slots: rate %v is too low", perSecond)
	}
	return &AccountSlots{s: s, account: account, interval: time.Duration(us) * time.Microsecond,
		maxBatch: max(1, int(perSecond*o.Horizon.Seconds()))}, nil
}

// sqlClaim moves the account's first unclaimed slot forward by $2 slots of
// $3 microseconds, starting no earlier than the server's now, and returns
// the new first unclaimed slot with the server's now. One statement: the
// row lock orders replicas' claims.
const sqlClaim = `WITH now AS (SELECT clock_timestamp() AS t)
INSERT INTO account_slots AS a (account, next_at)
SELECT $1, now.t + ($2::bigint * $3::bigint) * interval '1 microsecond' FROM now
ON CONFLICT (account) DO UPDATE SET next_at =
	GREATEST(a.next_at, (SELECT t FROM now)) + ($2::bigint * $3::bigint) * interval '1 microsecond'
RETURNING a.next_at, (SELECT t FROM now)`

// claimTimeout bounds one claim's round trip: the limiter's queue waits on it.
const claimTimeout = 10 * time.Second

// Slots claims min(n, the horizon's batch) consecutive slots of the account
// and returns their local times, in order (roapp.SlotSource).
func (a *AccountSlots) Slots(ctx context.Context, n int) ([]time.Time, error) {
	n = min(max(n, 1), a.maxBatch)
	ctx, cancel := context.WithTimeout(ctx, claimTimeout)
	defer cancel()
	iv := a.interval.Microseconds()
	var end, now time.Time
	err := a.s.pool.with(ctx, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, sqlClaim, a.account, n, iv).Scan(&end, &now)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: claim rate slots of %s: %w", a.account, err)
	}
	got := time.Now()
	first := end.Add(-time.Duration(n) * a.interval)
	out := make([]time.Time, n)
	for i := range out {
		out[i] = got.Add(first.Sub(now) + time.Duration(i)*a.interval)
	}
	if a.onClaim != nil {
		a.onClaim(first, out)
	}
	return out, nil
}
