package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosync/rosync"
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
// documentation for what happens when the lock connection is lost, and
// LockFenced for a lock whose holder learns it.
func (s *Store) Lock(ctx context.Context, key string) (unlock func(), err error) {
	unlock, _, err = s.lock(ctx, key)
	return unlock, err
}

// LockFenced takes the lock on key as Lock does (the same lock) and returns
// it held, with a context that ends once the Store learns that the lock
// connection is lost (rosync.FencedLocker). The Store learns it from a
// failed statement on the lock connection: HeldLock.Check, a ping every
// Options.LockCheck while a fenced lock is held, or a Lock or unlock of the
// process.
func (s *Store) LockFenced(ctx context.Context, key string) (rosync.HeldLock, error) {
	unlock, gen, err := s.lock(ctx, key)
	if err != nil {
		return nil, err
	}
	f := &fence{key: key, gen: gen, session: s.session}
	f.ctx, f.cancel = context.WithCancelCause(ctx)
	f.unlock = func() {
		f.once.Do(func() {
			s.session.unregister(f)
			f.cancel(errReleased)
			unlock()
		})
	}
	s.session.register(f)
	return f, nil
}

// lock is Lock, also returning the lock connection's generation the
// advisory lock is held on.
func (s *Store) lock(ctx context.Context, key string) (unlock func(), gen uint64, err error) {
	unlockLocal, err := s.locks.Lock(ctx, key)
	if err != nil {
		return nil, 0, fmt.Errorf("postgres: %w", err)
	}
	id := lockID(s.schema, key)
	wait := time.Millisecond
	for {
		if err := ctx.Err(); err != nil {
			unlockLocal()
			return nil, 0, fmt.Errorf("postgres: lock: %w", err)
		}
		ok, gen, err := s.session.try(id)
		if err != nil {
			unlockLocal()
			return nil, 0, fmt.Errorf("postgres: lock: %w", err)
		}
		if ok {
			var once sync.Once
			return func() {
				once.Do(func() {
					s.session.unlock(id, gen)
					unlockLocal()
				})
			}, gen, nil
		}
		// Another process holds it. Wait, with jitter so that waiters of
		// several processes do not retry in step.
		t := time.NewTimer(wait/2 + rand.N(wait/2+1))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			unlockLocal()
			return nil, 0, fmt.Errorf("postgres: lock: %w", ctx.Err())
		}
		wait = min(2*wait, s.lockPoll)
	}
}

// errReleased is the cause of a fenced lock's context once it is unlocked.
var errReleased = errors.New("postgres: the lock was released")

// fence is a lock taken with LockFenced: a rosync.HeldLock.
type fence struct {
	key     string
	gen     uint64 // the lock connection it is held on
	session *lockSession
	ctx     context.Context
	cancel  context.CancelCauseFunc
	unlock  func()
	once    sync.Once
}

var _ rosync.HeldLock = (*fence)(nil)

// Context returns the lock's context: it ends, with a cause wrapping
// rosync.ErrLockLost, once the Store learns that the lock connection is
// lost, and on Unlock.
func (f *fence) Context() context.Context { return f.ctx }

// Check asks the server whether the lock connection is alive, with a
// statement on it (not under ctx: interrupting it would close the
// connection); the session's advisory locks live as long as it does. It
// returns nil when it is, an error wrapping rosync.ErrLockLost when it is
// not (and then ends every fenced lock's context), or ctx's error.
func (f *fence) Check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	switch cause := context.Cause(f.ctx); {
	case errors.Is(cause, rosync.ErrLockLost):
		return fmt.Errorf("postgres: lock %q: %w", f.key, cause)
	case errors.Is(cause, errReleased):
		return fmt.Errorf("postgres: lock %q: %w: %w", f.key, cause, rosync.ErrLockLost)
	}
	if err := f.session.check(f.gen); err != nil {
		return fmt.Errorf("postgres: lock %q: %w", f.key, err)
	}
	return nil
}

// Unlock releases the lock; calling it again does nothing.
func (f *fence) Unlock() { f.unlock() }

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
	// fences are the fenced locks held on conn, whose contexts lost ends.
	fences map[*fence]struct{}
	stop   chan struct{} // closed by close: ends watch
}

// errLost is the cause of the contexts of fenced locks whose connection was
// lost.
var errLost = fmt.Errorf("postgres: the lock connection was lost; the server released its locks: %w", rosync.ErrLockLost)

// register adds a fenced lock taken on connection generation f.gen; if
// that connection is gone already, its context ends at once.
func (ls *lockSession) register(f *fence) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.closed || ls.conn == nil || f.gen != ls.gen {
		f.cancel(errLost)
		return
	}
	if ls.fences == nil {
		ls.fences = map[*fence]struct{}{}
	}
	ls.fences[f] = struct{}{}
}

func (ls *lockSession) unregister(f *fence) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	delete(ls.fences, f)
}

// check reports whether the connection of generation gen is alive, with a
// ping on it; a failed ping closes it (lost).
func (ls *lockSession) check(gen uint64) error {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.closed || ls.conn == nil || gen != ls.gen {
		return errLost // lost already: its fenced locks were ended then
	}
	if ls.conn.IsClosed() {
		ls.lost()
		return errLost
	}
	ctx, cancel := context.WithTimeout(context.Background(), lockOpTimeout)
	defer cancel()
	if err := ls.conn.Ping(ctx); err != nil {
		ls.drop()
		return fmt.Errorf("%w (ping: %v)", errLost, err)
	}
	return nil
}

// watch pings the lock connection every interval while fenced locks are
// held on it, so that their holders learn of its loss without a Check,
// until close.
func (ls *lockSession) watch(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ls.stop:
			return
		case <-t.C:
		}
		ls.mu.Lock()
		if ls.conn != nil && len(ls.fences) > 0 {
			ctx, cancel := context.WithTimeout(context.Background(), lockOpTimeout)
			if err := ls.conn.Ping(ctx); err != nil {
				ls.log.Error("postgres: the lock connection failed a ping; closing it", "err", err)
				ls.drop()
			}
			cancel()
		}
		ls.mu.Unlock()
	}
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
// it, and ends the contexts of the fenced locks held on it; ls.mu is held.
func (ls *lockSession) lost() {
	if ls.conn != nil && ls.held > 0 {
		ls.log.Error("postgres: the lock connection was lost; the server released the locks held on it",
			"locks", ls.held, "fenced", len(ls.fences))
	}
	for f := range ls.fences {
		f.cancel(errLost)
	}
	ls.conn, ls.held, ls.fences = nil, 0, nil
}

// close closes the session for good.
func (ls *lockSession) close() {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.closed {
		return
	}
	if ls.conn != nil {
		closeConn(ls.conn)
	}
	for f := range ls.fences {
		f.cancel(errLost)
	}
	ls.conn, ls.held, ls.fences, ls.closed = nil, 0, nil, true
	close(ls.stop)
}
