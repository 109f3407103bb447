package rosyncriver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/riverqueue/river"

	"github.com/rosync/rosync"
)

// Registry gives the workers the Syncer of each shop. It must be safe for
// concurrent use.
type Registry interface {
	// Lookup returns the Syncer of shop (nil when there is no such shop)
	// and whether its initial import (Syncer.Connect) is done. Hints and
	// order syncs are applied before it is done, as Syncer.Webhook does;
	// polls and RO App events wait for it (the import reads every order as
	// it is).
	Lookup(shop string) (s *rosync.Syncer, ready bool)
	// Shops lists the shops' names.
	Shops() []string
}

// Syncers is a Registry of Syncers by shop name, every one ready (their
// Connect done before the workers start).
type Syncers map[string]*rosync.Syncer

// Lookup returns the shop's Syncer; it is always ready.
func (m Syncers) Lookup(shop string) (*rosync.Syncer, bool) {
	s, ok := m[shop]
	return s, ok
}

// Shops lists the shop names in order.
func (m Syncers) Shops() []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// WorkerOptions tune the workers. A nil *WorkerOptions is all defaults.
type WorkerOptions struct {
	// Logger receives the workers' logs; nil discards them.
	Logger *slog.Logger
	// JobTimeout bounds one hint, order or RO App event job (its context is
	// cancelled then, and River retries it); default 10 minutes, which
	// leaves room for RO App's rate limit during an import.
	JobTimeout time.Duration
	// PollTimeout bounds one poll job; default 1 hour. River's rescuer
	// moves a job that a crashed process left running only once its
	// timeout has passed (internal/maintenance/job_rescuer.go: a job
	// without timeout is never rescued), and a poll left running would
	// keep every later poll of its shop out (PollArgs is unique among the
	// running jobs): so polls have a timeout too. A poll cut short lost
	// nothing: the orders it applied are recorded, and the next poll
	// starts again from the same cursor.
	PollTimeout time.Duration
}

func (o *WorkerOptions) withDefaults() WorkerOptions {
	var w WorkerOptions
	if o != nil {
		w = *o
	}
	if w.Logger == nil {
		w.Logger = slog.New(slog.DiscardHandler)
	}
	if w.JobTimeout <= 0 {
		w.JobTimeout = 10 * time.Minute
	}
	if w.PollTimeout <= 0 {
		w.PollTimeout = time.Hour
	}
	return w
}

// AddWorkers registers the workers of HintArgs, ROEventArgs, OrderArgs and
// PollArgs in workers, for a River client of the embedder's or NewSQLite's
// and NewPostgres's.
func AddWorkers(workers *river.Workers, reg Registry, opts *WorkerOptions) error {
	o := opts.withDefaults()
	return errors.Join(
		river.AddWorkerSafely(workers, &hintWorker{reg: reg, opts: o}),
		river.AddWorkerSafely(workers, &roEventWorker{reg: reg, opts: o}),
		river.AddWorkerSafely(workers, &orderWorker{reg: reg, opts: o}),
		river.AddWorkerSafely(workers, &pollWorker{reg: reg, opts: o}),
	)
}

// PeriodicPolls returns one River periodic job per shop of reg that
// inserts its PollArgs every interval, and once when a new leader starts
// (RunOnStart: River's scheduler keeps its times in memory only, so
// without it a process that restarts more often than interval would never
// poll). Only the elected leader enqueues them, and PollArgs' uniqueness
// keeps one poll per shop in flight.
func PeriodicPolls(reg Registry, interval time.Duration) []*river.PeriodicJob {
	var jobs []*river.PeriodicJob
	for _, shop := range reg.Shops() {
		jobs = append(jobs, river.NewPeriodicJob(river.PeriodicInterval(interval),
			func() (river.JobArgs, *river.InsertOpts) { return PollArgs{Shop: shop}, nil },
			&river.PeriodicJobOpts{ID: "rosync_poll_" + shop, RunOnStart: true}))
	}
	return jobs
}

// errUnknownShop is the permanent failure of a job for a shop the
// Registry does not know (a shop removed from the configuration).
func errUnknownShop(shop string) error {
	return river.JobCancel(fmt.Errorf("rosyncriver: no shop %q in the registry", shop))
}

// outcome turns the error of a Syncer call into the job's result: nil
// completes it; a cancelled or timed-out context, and a transient failure
// (rosync.Retryable), are returned for River to retry with its policy; a
// create in doubt is snoozed until its quarantine ends (no attempt spent);
// anything else is permanent and cancels the job with its error.
func outcome(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return err
	}
	var dbt *rosync.InDoubtError
	if errors.As(err, &dbt) {
		return river.JobSnooze(max(time.Until(dbt.Until), time.Second))
	}
	if rosync.Retryable(err) {
		return err
	}
	return river.JobCancel(err)
}

type hintWorker struct {
	river.WorkerDefaults[HintArgs]
	reg  Registry
	opts WorkerOptions
}

func (w *hintWorker) Timeout(*river.Job[HintArgs]) time.Duration { return w.opts.JobTimeout }

// Work syncs the hint's order. It does not consult the Store's seen
// events: River's uniqueness drops the redeliveries, and a rerun of this
// job (after a shutdown or a crash) must not be taken for one.
func (w *hintWorker) Work(ctx context.Context, job *river.Job[HintArgs]) error {
	s, _ := w.reg.Lookup(job.Args.Shop)
	if s == nil {
		return errUnknownShop(job.Args.Shop)
	}
	if job.Args.OrderID == "" {
		return nil
	}
	err := s.Sync(ctx, job.Args.OrderID)
	if err != nil {
		w.opts.Logger.DebugContext(ctx, "hint not applied", "shop", job.Args.Shop, "order", job.Args.OrderID,
			"event", job.Args.EventID, "attempt", job.Attempt, "err", err)
	}
	return outcome(ctx, err)
}

type orderWorker struct {
	river.WorkerDefaults[OrderArgs]
	reg  Registry
	opts WorkerOptions
}

func (w *orderWorker) Timeout(*river.Job[OrderArgs]) time.Duration { return w.opts.JobTimeout }

// Work fetches and applies the order.
func (w *orderWorker) Work(ctx context.Context, job *river.Job[OrderArgs]) error {
	s, _ := w.reg.Lookup(job.Args.Shop)
	if s == nil {
		return errUnknownShop(job.Args.Shop)
	}
	return outcome(ctx, s.Sync(ctx, job.Args.OrderID))
}

type roEventWorker struct {
	river.WorkerDefaults[ROEventArgs]
	reg  Registry
	opts WorkerOptions
}

func (w *roEventWorker) Timeout(*river.Job[ROEventArgs]) time.Duration { return w.opts.JobTimeout }

// Work hands the event to every ready shop: each Syncer ignores the
// orders that are not its own, and a shop still importing reads the order
// as it is.
func (w *roEventWorker) Work(ctx context.Context, job *river.Job[ROEventArgs]) error {
	var errs []error
	for _, shop := range w.reg.Shops() {
		s, ready := w.reg.Lookup(shop)
		if s == nil || !ready {
			continue
		}
		if err := s.HandleROEvent(ctx, job.Args.Event); err != nil {
			errs = append(errs, fmt.Errorf("shop %s: %w", shop, err))
		}
	}
	return outcome(ctx, errors.Join(errs...))
}

type pollWorker struct {
	river.WorkerDefaults[PollArgs]
	reg  Registry
	opts WorkerOptions
}

// Timeout is WorkerOptions.PollTimeout.
func (w *pollWorker) Timeout(*river.Job[PollArgs]) time.Duration { return w.opts.PollTimeout }

// Work runs one poll of the shop, once its initial import is done.
func (w *pollWorker) Work(ctx context.Context, job *river.Job[PollArgs]) error {
	s, ready := w.reg.Lookup(job.Args.Shop)
	if s == nil {
		return errUnknownShop(job.Args.Shop)
	}
	if !ready {
		w.opts.Logger.DebugContext(ctx, "poll skipped: the initial import is not done", "shop", job.Args.Shop)
		return nil
	}
	if err := s.Poll(ctx); err != nil {
		w.opts.Logger.WarnContext(ctx, "poll failed", "shop", job.Args.Shop, "err", err)
		return err
	}
	return nil
}
