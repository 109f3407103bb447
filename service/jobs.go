package service

// The service's work on River (package rosyncriver): the webhook routes
// write each verified hint or RO App event as a job and answer once the
// insert committed; River's workers apply them; each shop's
// reconciliation poll is a River periodic job (one poller per shop among
// replicas: River's leader enqueues it, and it is unique per shop); River's
// web UI is mounted at /admin/jobs/ behind the admin token.

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"riverqueue.com/riverui"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/rosyncriver"
	"github.com/rosync/rosync/storage/postgres"
)

// JobsPath is where River's web UI is mounted (behind the admin token).
const JobsPath = "/admin/jobs/"

// jobs is the service's River client, of either driver, and its UI.
type jobs struct {
	ins   rosyncriver.Inserter
	start func(ctx context.Context) error
	stop  func(ctx context.Context) error
	close func() error // for a client never started
	ui    http.Handler // nil when the UI could not be built
}

// registry is the rosyncriver.Registry of the service's shops: a shop is
// ready once its initial import is done.
type registry struct{ s *Service }

func (r registry) Lookup(name string) (*rosync.Syncer, bool) {
	for _, sh := range r.s.shops {
		if sh.cfg.Name == name {
			return sh.syncer, sh.ready.Load()
		}
	}
	return nil, false
}

func (r registry) Shops() []string {
	names := make([]string, len(r.s.shops))
	for i, sh := range r.s.shops {
		names[i] = sh.cfg.Name
	}
	return names
}

// openJobs builds the River client on the Store's database: PostgreSQL
// (River's tables in the Store's schema, on a pool of its own) or, for
// SQLite, the sibling file rosyncriver.SQLitePath of the Store's. It runs
// River's migrations; Run starts it.
func (s *Service) openJobs(ctx context.Context) (*jobs, error) {
	opts := &rosyncriver.Options{
		Logger:       s.log.With("service", "river"),
		PollInterval: time.Duration(s.cfg.PollInterval),
	}
	if s.cfg.Store.PostgresDSN != "" {
		pool, err := pgxpool.New(ctx, s.cfg.Store.PostgresDSN)
		if err != nil {
			return nil, errors.New("river: the PostgreSQL DSN does not parse") // the DSN may hold a password
		}
		if st, ok := s.store.(*postgres.Store); ok {
			opts.Schema = st.Schema()
		}
		q, err := rosyncriver.NewPostgres(ctx, pool, registry{s}, opts)
		if err != nil {
			pool.Close()
			return nil, err
		}
		j := newJobs(s, q)
		stop, closeDB := j.stop, j.close
		j.stop = func(ctx context.Context) error { defer pool.Close(); return stop(ctx) }
		j.close = func() error { defer pool.Close(); return closeDB() }
		return j, nil
	}
	q, err := rosyncriver.NewSQLite(ctx, rosyncriver.SQLitePath(s.cfg.Store.SQLitePath), registry{s}, opts)
	if err != nil {
		return nil, err
	}
	return newJobs(s, q), nil
}

// newJobs wraps a Queue of either driver, with River's UI on its client.
func newJobs[TTx any](s *Service, q *rosyncriver.Queue[TTx]) *jobs {
	j := &jobs{ins: q, close: q.Close}
	ui, err := riverui.NewHandler(&riverui.HandlerOpts{
		Endpoints: riverui.NewEndpoints(q.Client, nil),
		Logger:    s.log.With("service", "riverui"),
		Prefix:    strings.TrimSuffix(JobsPath, "/"),
	})
	if err != nil {
		s.log.Warn("River's web UI not available", "err", err)
	} else {
		j.ui = ui
	}
	j.start = func(ctx context.Context) error {
		if err := q.Start(ctx); err != nil {
			return err
		}
		if ui != nil {
			return ui.Start(ctx)
		}
		return nil
	}
	j.stop = q.Stop
	return j
}

// webhook is a shop's webhook route: the inbox.
func (s *Service) webhook(sh *shop) http.Handler {
	return rosyncriver.Inbox(s.jobs.ins, sh.syncer)
}

// roWebhook serves POST /webhooks/roapp through the inbox, logging each
// refused delivery at debug with its reason and counting it in
// rosync_webhook_refused_total{shop="roapp"}.
func (s *Service) roWebhook() http.Handler {
	return rosyncriver.ROInbox(s.jobs.ins, s.cfg.ROApp.WebhookSecret, func(_ context.Context, err error) {
		s.onEvent(rosync.Event{Kind: rosync.EventWebhookRefused, Shop: "roapp", Err: err})
	})
}

// jobRoutes mounts River's UI at JobsPath on the admin mux (AdminMux),
// behind its admin token; without a token there is no admin mux.
func (s *Service) jobRoutes(mux *http.ServeMux) {
	if s.jobs.ui == nil {
		return
	}
	mux.Handle(JobsPath, s.jobs.ui)
}
