package rosyncriver

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, as storage/sqlite uses
)

// Options configure a Queue. A nil *Options is all defaults.
type Options struct {
	// Logger receives River's and the workers' logs; nil discards them.
	Logger *slog.Logger
	// Workers is how many jobs run at once; default 4 (the Syncer's
	// default concurrency: RO App's rate limit, not the number of workers,
	// bounds the calls per second).
	Workers int
	// PollInterval is the period of each shop's reconciliation poll
	// (PeriodicPolls); 0 runs no periodic poll.
	PollInterval time.Duration
	// JobTimeout and PollTimeout are WorkerOptions'. River's
	// RescueStuckJobsAfter is set to JobTimeout plus a minute: a hint
	// that a crashed process left running is worked again that long
	// after it started (River's default is an hour), and a poll once its
	// own timeout has passed too.
	JobTimeout  time.Duration
	PollTimeout time.Duration
	// FetchPollInterval is how often River looks for jobs inserted by
	// another process when it is not woken (SQLite has no LISTEN/NOTIFY);
	// default River's 1 s. Jobs inserted through the Queue's own client
	// wake it at once.
	FetchPollInterval time.Duration
	// Schema is the PostgreSQL schema of River's tables (NewPostgres);
	// empty means the connection's search_path.
	Schema string
	// Config, when set, may change River's configuration before the
	// client is built (the embedder's own workers, hooks, retention).
	Config func(*river.Config)
}

// Queue is a River client that works rosync's jobs, with its driver's
// database. Build it with NewSQLite or NewPostgres, Start it, mount Inbox
// and ROInbox with it as the Inserter, and Stop it at the end.
type Queue[TTx any] struct {
	// Client is the River client: Insert jobs, list them, mount
	// riverui.NewEndpoints(Client, nil) for its web UI.
	Client *river.Client[TTx]
	closer func() error
}

// Insert inserts a job (Queue is an Inserter).
func (q *Queue[TTx]) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	return q.Client.Insert(ctx, args, opts)
}

// Start starts working jobs (and, on the elected leader, enqueuing the
// periodic polls) until Stop or until ctx is done.
func (q *Queue[TTx]) Start(ctx context.Context) error { return q.Client.Start(ctx) }

// Stop stops fetching jobs, waits for the running ones until ctx is done
// (then cancels them: River puts them back to be worked again), and
// closes the database the Queue opened itself (NewSQLite's).
func (q *Queue[TTx]) Stop(ctx context.Context) error {
	err := q.Client.Stop(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		err = q.Client.StopAndCancel(context.WithoutCancel(ctx))
	}
	if q.closer != nil {
		err = errors.Join(err, q.closer())
	}
	return err
}

// Close closes the database the Queue opened itself, for a Queue that was
// never started (Stop does it for a started one).
func (q *Queue[TTx]) Close() error {
	if q.closer == nil {
		return nil
	}
	return q.closer()
}

// SQLitePath is the River database beside the Store's SQLite file path:
// "rosync.db" gives "rosync.river.db" (see the package documentation for
// why a sibling file).
func SQLitePath(storePath string) string {
	ext := filepath.Ext(storePath)
	return strings.TrimSuffix(storePath, ext) + ".river" + ext
}

// NewSQLite opens (creating it if needed) the River database at path
// (SQLitePath of the Store's file) with one connection, runs River's
// migrations and builds a client that works rosync's jobs for reg.
func NewSQLite(ctx context.Context, path string, reg Registry, opts *Options) (*Queue[*sql.Tx], error) {
	if path == "" || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("rosyncriver: %q is no SQLite file path", path)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(NORMAL)")
	db, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("rosyncriver: open %s: %w", path, err)
	}
	// One connection, as riversqlite's documentation advises (SQLite has
	// one writer; River runs operations in parallel).
	db.SetMaxOpenConns(1)
	queue, err := newQueue(ctx, riversqlite.New(db), reg, opts)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("rosyncriver: %s: %w", path, err)
	}
	queue.closer = db.Close
	return queue, nil
}

// NewPostgres runs River's migrations on pool's database and builds a
// client that works rosync's jobs for reg. The pool stays the caller's.
func NewPostgres(ctx context.Context, pool *pgxpool.Pool, reg Registry, opts *Options) (*Queue[pgx.Tx], error) {
	return newQueue(ctx, riverpgxv5.New(pool), reg, opts)
}

func newQueue[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], reg Registry, opts *Options) (*Queue[TTx], error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	mig, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: o.Logger, Schema: o.Schema})
	if err != nil {
		return nil, fmt.Errorf("river migrations: %w", err)
	}
	if _, err := mig.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return nil, fmt.Errorf("river migrations: %w", err)
	}
	wo := (&WorkerOptions{Logger: o.Logger, JobTimeout: o.JobTimeout, PollTimeout: o.PollTimeout}).withDefaults()
	workers := river.NewWorkers()
	if err := AddWorkers(workers, reg, &wo); err != nil {
		return nil, err
	}
	cfg := &river.Config{
		Logger:               o.Logger,
		JobTimeout:           wo.JobTimeout,
		RescueStuckJobsAfter: wo.JobTimeout + time.Minute,
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: o.Workers}},
		Workers:              workers,
		FetchPollInterval:    o.FetchPollInterval,
		Schema:               o.Schema,
	}
	if o.PollInterval > 0 {
		cfg.PeriodicJobs = PeriodicPolls(reg, o.PollInterval)
	}
	if o.Config != nil {
		o.Config(cfg)
	}
	client, err := river.NewClient(driver, cfg)
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	return &Queue[TTx]{Client: client}, nil
}
