package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/storage/internal/keylock"
)

var _ rosync.Store = (*Store)(nil)

// Options configure Open. The zero value (or a nil *Options) gives the
// documented defaults.
type Options struct {
	// BusyTimeout is how long a statement waits for a lock held by another
	// connection (in practice another process) before it fails with
	// SQLITE_BUSY. Zero means 5 seconds.
	BusyTimeout time.Duration
	// MaxOpenConns bounds the connection pool. Zero means
	// runtime.GOMAXPROCS(0), at least 4.
	MaxOpenConns int
	// Now is the Store's clock: it stamps records whose UpdatedAt is zero
	// and seen webhook events. Nil means time.Now.
	Now func() time.Time
}

// Store is a rosync.Store on an SQLite file. It is safe for concurrent use
// within one process; see the package documentation for several processes.
type Store struct {
	db  *sql.DB
	now func() time.Time

	// writes serialises writes: a one-slot semaphore, full while a write
	// runs. lastPrune is guarded by it.
	writes    chan struct{}
	lastPrune time.Time

	stmts     statements
	locks     keylock.Set
	file      *fileLock // the OS lock on the file, held until Close
	closeOnce sync.Once
	closeErr  error
}

// Open opens the SQLite database at path, creating the file if it does not
// exist, and applies the schema migrations it lacks. The directory must
// exist. path is a file name: it must not be empty, ":memory:" (each pooled
// connection would see its own database) or contain '?'. The caller closes
// the Store.
//
// One Store at a time uses a file: Open takes an OS lock on the file
// "<path>.lock" (flock, created if needed) for the Store's life and writes
// its process id, host name and start time into it. While another Store,
// of another process or of this one, has the file open, Open fails at once
// with a *LockedError naming it. See the package documentation.
func Open(ctx context.Context, path string, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	switch {
	case path == "", path == ":memory:", strings.HasPrefix(path, "file::memory:"):
		return nil, fmt.Errorf("sqlite: open: %q is not a file path; use storage/memory for a Store in memory", path)
	case strings.ContainsRune(path, '?'):
		return nil, fmt.Errorf("sqlite: open %s: the path must not contain '?'", path)
	case o.BusyTimeout < 0, o.MaxOpenConns < 0:
		return nil, errors.New("sqlite: open: negative BusyTimeout or MaxOpenConns")
	}
	if o.BusyTimeout == 0 {
		o.BusyTimeout = 5 * time.Second
	}
	if o.MaxOpenConns == 0 {
		o.MaxOpenConns = max(4, runtime.GOMAXPROCS(0))
	}
	if o.Now == nil {
		o.Now = time.Now
	}

	lock, err := lockFile(path, o.Now())
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", dsn(path, o.BusyTimeout))
	if err != nil {
		lock.release()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// Keep every connection: a new one pays for its pragmas.
	db.SetMaxOpenConns(o.MaxOpenConns)
	db.SetMaxIdleConns(o.MaxOpenConns)

	s := &Store{db: db, now: o.Now, writes: make(chan struct{}, 1), file: lock}
	if err := s.init(ctx); err != nil {
		db.Close()
		lock.release()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	return s, nil
}

// dsn is the modernc.org/sqlite data source name for path: the pragmas run
// on every new connection of the pool, and transactions begin IMMEDIATE.
func dsn(path string, busy time.Duration) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(busy.Milliseconds(), 10)+")")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Set("_txlock", "immediate")
	return path + "?" + q.Encode()
}

// init checks the connection settings, migrates the schema and prepares the
// statements of the hot paths.
func (s *Store) init(ctx context.Context) error {
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal_mode is %q, not WAL (is the file on a file system without shared memory?)", mode)
	}
	migs, err := embeddedMigrations()
	if err != nil {
		return err
	}
	if _, err := migrate(ctx, s.db, migs, s.now()); err != nil {
		return err
	}
	return s.stmts.prepare(ctx, s.db)
}

// Close closes the database and then releases the file's lock, so that
// another Store may open it. Calls after the first return the first's
// result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		err := errors.Join(s.stmts.close(), s.db.Close())
		s.closeErr = errors.Join(err, s.file.release())
	})
	return s.closeErr
}

// beginWrite waits for the write semaphore or ctx. The caller calls
// endWrite when its write is done.
func (s *Store) beginWrite(ctx context.Context) error {
	select {
	case s.writes <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Store) endWrite() { <-s.writes }

// Lock takes an exclusive lock on key within this process, waiting until it
// is free or ctx is done (then the error wraps ctx.Err()). The returned func
// releases the lock; calling it again does nothing. The lock does not hold
// across processes: see the package documentation.
func (s *Store) Lock(ctx context.Context, key string) (unlock func(), err error) {
	return s.locks.Lock(ctx, key)
}
