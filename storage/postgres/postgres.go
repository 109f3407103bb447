package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/storage/internal/keylock"
)

var (
	_ rosync.Store        = (*Store)(nil)
	_ rosync.Leaser       = (*Store)(nil)
	_ rosync.FencedLocker = (*Store)(nil)
)

// DefaultSchema is the schema the Store's tables live in when
// Options.Schema is empty.
const DefaultSchema = "rosync"

// Options configure Open. The zero value (or a nil *Options) gives the
// documented defaults.
type Options struct {
	// Schema is the PostgreSQL schema that holds the Store's tables; Open
	// creates it when it does not exist. Stores on different schemas of
	// one database are independent, their locks included (tests use a
	// schema each). Empty means DefaultSchema.
	Schema string
	// MaxConns bounds the pool of connections that statements use (the
	// pgxpool.Pool that Open makes; OpenPool ignores it). Zero means 16. Locks do not take connections from it: the Store holds
	// every lock of the process on one more connection of its own (see
	// the package documentation), so a Store opens at most MaxConns+1
	// server connections.
	MaxConns int
	// LockPoll is the longest wait between two attempts to take a lock
	// that another process holds; attempts start 1 ms apart and double up
	// to it. Zero means 50 ms.
	LockPoll time.Duration
	// Now is the Store's clock: it stamps records whose UpdatedAt is zero
	// and seen webhook events, and when set it is also the clock of lease
	// expiry (tests). Nil means time.Now for the stamps and the database
	// server's clock for leases, so that replicas whose clocks disagree
	// still agree on when a lease expires.
	Now func() time.Time
	// Logger receives warnings (a lost lock connection); nil discards them.
	Logger *slog.Logger
	// LockCheck is how often the lock connection is pinged while a lock
	// taken with LockFenced is held, so that a lost connection ends the
	// holders' contexts without waiting for their next Check. Zero means
	// 1 second; negative, never (the loss is then learned by Check, or by
	// the next lock or unlock of the process).
	LockCheck time.Duration
}

// Store is a rosync.Store on a PostgreSQL database, shared by every replica
// of a host application. It is safe for concurrent use, and its Lock holds
// across processes.
type Store struct {
	schema   string
	pool     *pool
	locks    keylock.Set
	session  *lockSession
	lockPoll time.Duration
	now      func() time.Time
	dbClock  bool // leases use the server's clock
	log      *slog.Logger

	pruneMu   sync.Mutex
	lastPrune time.Time // guarded by pruneMu

	closeOnce sync.Once
}

// Open connects to the PostgreSQL database at dsn (a URL,
// "postgres://user:password@host:5432/db?sslmode=verify-full", or a
// key=value string, as pgx reads them), creates opts.Schema if needed and
// applies the schema migrations it lacks. Its statements run on a
// pgxpool.Pool of its own (at most Options.MaxConns connections). Open is
// safe to call from several processes at once (replicas starting
// together): migrations run one process at a time. The caller closes the
// Store.
func Open(ctx context.Context, dsn string, opts *Options) (*Store, error) {
	o, err := options(opts)
	if err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's parse errors may quote the DSN, password included.
		return nil, errors.New("postgres: open: the DSN does not parse")
	}
	// Every connection works in the Store's schema. search_path is set at
	// connection start, so a pooler that resets sessions between clients
	// does not lose it (but see the package documentation on poolers).
	cfg.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{o.Schema}.Sanitize()
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "rosync"
	}
	cfg.MaxConns = int32(min(o.MaxConns, math.MaxInt32))
	lockCfg := cfg.ConnConfig.Copy()
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, errors.New("postgres: open: the pool configuration is refused")
	}
	return open(ctx, &pool{p: p, owned: true}, lockCfg, o)
}

// OpenPool is Open on a pool the caller already has: the Store's
// statements take their connections from p, which the caller keeps
// (Store.Close does not close it) and which Options.MaxConns does not
// bound. Each statement sets search_path to the Store's schema on the
// connection it took and resets it to the connection's default before
// giving it back (two more round trips per statement than Open: use Open
// for throughput). The advisory locks are held on one dedicated connection
// made from p's configuration, as with Open, so a Store opens one server
// connection beyond the pool's.
func OpenPool(ctx context.Context, p *pgxpool.Pool, opts *Options) (*Store, error) {
	if p == nil {
		return nil, errors.New("postgres: open: nil pool")
	}
	o, err := options(opts)
	if err != nil {
		return nil, err
	}
	setPath := "SET search_path TO " + pgx.Identifier{o.Schema}.Sanitize()
	return open(ctx, &pool{p: p, setPath: setPath}, p.Config().ConnConfig.Copy(), o)
}

// options applies the defaults of Options.
func options(opts *Options) (Options, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Schema == "" {
		o.Schema = DefaultSchema
	}
	switch {
	case o.MaxConns < 0, o.LockPoll < 0:
		return o, errors.New("postgres: open: negative MaxConns or LockPoll")
	case o.MaxConns == 0:
		o.MaxConns = 16
	}
	if o.LockPoll == 0 {
		o.LockPoll = 50 * time.Millisecond
	}
	if o.LockCheck == 0 {
		o.LockCheck = time.Second
	}
	return o, nil
}

// open builds the Store on p, its locks on connections made from lockCfg,
// and migrates its schema.
func open(ctx context.Context, p *pool, lockCfg *pgx.ConnConfig, o Options) (*Store, error) {
	s := &Store{
		schema:   o.Schema,
		pool:     p,
		lockPoll: o.LockPoll,
		now:      o.Now,
		dbClock:  o.Now == nil,
		log:      o.Logger,
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.session = &lockSession{cfg: lockCfg, log: s.log, stop: make(chan struct{})}
	if o.LockCheck > 0 {
		go s.session.watch(o.LockCheck)
	}
	migs, err := embeddedMigrations()
	if err == nil {
		err = s.pool.with(ctx, func(c *pgx.Conn) error {
			_, err := migrate(ctx, c, o.Schema, migs)
			return err
		})
	}
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("postgres: open schema %s: %w", o.Schema, err)
	}
	return s, nil
}

// Schema returns the schema that holds the Store's tables.
func (s *Store) Schema() string { return s.schema }

// Close closes the Store's connections; the server then releases every lock
// the Store held. Statements running on other goroutines finish first (their
// connections are closed as they are given back); calls after Close fail.
// Close always returns nil; calls after the first do nothing.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.pool.close()
		s.session.close()
	})
	return nil
}

// nowUTC is the Store's clock in UTC.
func (s *Store) nowUTC() time.Time { return s.now().UTC() }
