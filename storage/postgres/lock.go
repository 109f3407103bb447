package postgres

import (
	"context"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// lockOpTimeout bounds one statement on the lock connection.
const lockOpTimeout = 10 * time.Second

// lockID is the PostgreSQL advisory lock id of key in schema: FNV-1a (64
// bits) of the schema and the key, apart. Stores on different schemas of a
// database never share a lock id (but for a hash collision, which only
// makes two unrelated keys wait for each other).
func lockID(schema, key string) int64 {
	h := fnv.New64a()
	h.Write([]byte("rosync\x00"))
	h.Write([]byte(schema))
	h.Write([]byte{0})
	h.Write([]byte(key))
	return int64(h.Sum64())
}

// Lock takes an exclusive lock on key that holds across every process
// using this database and schema, waiting until it is free or ctx is done;
// then the error wraps ctx.Err() and no lock is left held. The returned func
// releases the lock; calling it again does nothing.
//
// Within the process the lock is an in-process per-key lock; across
// processes it is a PostgreSQL session advisory lock on the Store's lock
// connection, tried without blocking and retried with a back-off of up to
// Options.LockPoll while another process holds it. See the package
// documentation for what happens when the lock connection is lost.
func (s *Store) Lock(ctx context.Context, key string) (unlock func(), err error) {
	unlockLocal, err := s.locks.Lock(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	id := lockID(s.schema, key)
	wait := time.Millisecond
	for {
		if err := ctx.Err(); err != nil {
			unlockLocal()
			return nil, fmt.Errorf("postgres: lock: %w", err)
		}
		ok, gen, err := s.session.try(id)
		if err != nil {
			unlockLocal()
			return nil, fmt.Errorf("postgres: lock: %w", err)
		}
		if ok {
			var once sync.Once
			return func() {
				once.Do(func() {
					s.session.unlock(id, gen)
					unlockLocal()
				})
			}, nil
		}
		// Another process holds it. Wait, with jitter so that waiters of
		// several processes do not retry in step.
		t := time.NewTimer(wait/2 + rand.N(wait/2+1))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			unlockLocal()
			return nil, fmt.Errorf("postgres: lock: %w", ctx.Err())
		}
		wait = min(2*wait, s.lockPoll)
	}
}

// lockSession is the connection that holds the Store's advisory locks. All
// the process's locks share it: a lock held on a pooled connection would pin
// that connection until unlock, and a burst of orders (each holding its
// order lock while it waits for a connection to lock its contact) could
// then take every connection of the pool and wait forever.
//
// Its statements never run under a caller's context: pgx closes a
// connection whose query is interrupted by its context, and closing this one
// would release every lock of the process. They are short (pg_try_advisory_lock
// and pg_advisory_unlock never wait) and bounded by lockOpTimeout instead.
type lockSession struct {
	cfg *pgx.ConnConfig
	log *slog.Logger

	mu     sync.Mutex
	conn   *pgx.Conn // nil until connected, and after it was lost
	gen    uint64    // counts connections; a lock names the one it is held on
	held   int       // locks held on conn
	closed bool
}

// try tries to take the advisory lock id on the session, connecting first
// when needed. It reports whether it took it and on which connection
// generation.
func (ls *lockSession) try(id int64) (ok bool, gen uint64, err error) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.closed {
		return false, 0, errClosed
	}
	ctx, cancel := context.WithTimeout(context.Background(), lockOpTimeout)
	defer cancel()
	if ls.conn == nil || ls.conn.IsClosed() {
		ls.lost()
		c, err := pgx.ConnectConfig(ctx, ls.cfg)
		if err != nil {
			return false, 0, fmt.Errorf("connect: %w", err)
		}
		ls.conn = c
		ls.gen++
	}
	if err := ls.conn.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", id).Scan(&ok); err != nil {
		// Whether the server took the lock is unknown: end the session,
		// which releases whatever it holds.
		ls.drop()
		return false, 0, err
	}
	if ok {
		ls.held++
	}
	return ok, ls.gen, nil
}

// unlock releases the advisory lock id taken on connection generation gen.
// A lock of a lost connection is already released.
func (ls *lockSession) unlock(id int64, gen uint64) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.conn == nil || gen != ls.gen {
		return
	}
	ls.held--
	ctx, cancel := context.WithTimeout(context.Background(), lockOpTimeout)
	defer cancel()
	var released bool
	err := ls.conn.QueryRow(ctx, "SELECT pg_advisory_unlock($1)", id).Scan(&released)
	switch {
	case err != nil:
		// The lock may still be held: end the session rather than leave
		// it held for good.
		ls.log.Error("postgres: advisory unlock failed; closing the lock connection", "err", err)
		ls.drop()
	case !released:
		ls.log.Warn("postgres: an advisory lock was not held at unlock")
	}
}

// drop closes the session's connection (the server releases its locks);
// ls.mu is held.
func (ls *lockSession) drop() {
	if ls.conn != nil {
		closeConn(ls.conn)
	}
	ls.lost()
}

// lost forgets a connection that is gone, warning when locks were held on
// it; ls.mu is held.
func (ls *lockSession) lost() {
	if ls.conn != nil && ls.held > 0 {
		ls.log.Error("postgres: the lock connection was lost; the server released the locks held on it",
			"locks", ls.held)
	}
	ls.conn, ls.held = nil, 0
}

// close closes the session for good.
func (ls *lockSession) close() {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.conn != nil {
		closeConn(ls.conn)
	}
	ls.conn, ls.held, ls.closed = nil, 0, true
}
