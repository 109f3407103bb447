package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/cartum"
	"github.com/rosync/rosync/roapp"
	"github.com/rosync/rosync/storage/postgres"
	"github.com/rosync/rosync/storage/sqlite"
)

// ServiceOptions are what a Service takes besides its Config.
type ServiceOptions struct {
	// Logger receives the service's and the engine's logs; nil discards.
	Logger *slog.Logger
	// Now is the engine's clock; default time.Now. The sandbox runs on its
	// fixture's clock.
	Now func() time.Time
	// Listener, when set, is served instead of listening on Config.Listen.
	Listener net.Listener
	// Progress receives the initial imports' progress (see progress.go);
	// nil logs it only.
	Progress func(rosync.Progress)
	// Routes adds routes to the service's mux (the sandbox controls).
	// They are not behind the admin token.
	Routes func(mux *http.ServeMux)
	// AdminRoutes adds routes to the admin mux (Service.AdminMux): their
	// patterns must lie under /admin/ (a jobs UI at /admin/jobs/, say),
	// and every request reaches them only with the admin token. Not
	// called when no admin token is configured.
	AdminRoutes func(mux *http.ServeMux)
	// BackoffMin and BackoffMax bound the waits between attempts of the
	// initial Connect; defaults 1 s and 1 min.
	BackoffMin, BackoffMax time.Duration
	// ShutdownTimeout bounds the wait for in-flight webhooks; default 30 s.
	ShutdownTimeout time.Duration
}

// Service runs the sync of every configured shop: the initial import,
// webhooks, reconciliation polls, health and metrics.
type Service struct {
	cfg     *Config
	opts    ServiceOptions
	log     *slog.Logger
	Metrics *Metrics
	store   rosync.Store
	close   func()
	ro      *roapp.Client
	shops   []*shop
	jobs    *jobs // River (jobs.go)

	progressMu sync.Mutex
	progress   map[string]AdminProgress // the last report per shop
}

// shop is one shop's Syncer and state.
type shop struct {
	cfg    ShopConfig
	plat   rosync.Platform
	syncer *rosync.Syncer
	ready  atomic.Bool
}

// NewService opens the Store and builds the RO App client, the adapters
// and the Syncers. It calls no API: Run does.
func NewService(ctx context.Context, cfg *Config, opts *ServiceOptions) (*Service, error) {
	var o ServiceOptions
	if opts != nil {
		o = *opts
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.BackoffMin <= 0 {
		o.BackoffMin = time.Second
	}
	if o.BackoffMax < o.BackoffMin {
		o.BackoffMax = max(o.BackoffMin, time.Minute)
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 30 * time.Second
	}
	s := &Service{cfg: cfg, opts: o, log: o.Logger, Metrics: NewMetrics(), progress: map[string]AdminProgress{}}
	var err error
	if cfg.Store.PostgresDSN != "" {
		var st *postgres.Store
		st, err = postgres.Open(ctx, cfg.Store.PostgresDSN, &postgres.Options{Logger: s.log.With("service", "postgres")})
		if err == nil {
			s.store, s.close = st, func() { _ = st.Close() }
		}
	} else {
		var st *sqlite.Store
		st, err = sqlite.Open(ctx, cfg.Store.SQLitePath, nil)
		if err == nil {
			s.store, s.close = st, func() { _ = st.Close() }
		}
	}
	if err != nil {
		return nil, fmt.Errorf("open the store: %w", err) // the DSN is not quoted: it may hold a password
	}
	roOpts := cfg.ROApp.ClientOptions()
	if pg, ok := s.store.(*postgres.Store); ok { // replicas share the account's limit (limiter.go)
		if roOpts.Limiter, err = accountLimiter(pg, cfg.ROApp); err != nil {
			s.close()
			return nil, fmt.Errorf("roapp rate limit: %w", err)
		}
	}
	roOpts.Logger = s.log.With("service", "roapp")
	roOpts.HTTPClient = &http.Client{Transport: s.Metrics.Transport("roapp", nil)}
	roOpts.OnWait = s.Metrics.OnWait
	s.ro = roapp.New(cfg.ROApp.APIKey, &roOpts)
	for _, sc := range cfg.Shops {
		plat, err := s.platform(sc)
		if err != nil {
			s.close()
			return nil, fmt.Errorf("shop %s: %w", sc.Name, err)
		}
		sh := &shop{cfg: sc, plat: plat}
		sh.syncer, err = rosync.New(plat, s.ro, s.store, &rosync.Options{
			Shop: sc.Name, Settings: sc.Settings(cfg.ROApp), Now: o.Now, Logger: s.log,
			OnEvent: s.onEvent, Progress: s.onProgress, WarmIndex: sc.WarmIndex,
		})
		if err != nil {
			s.close()
			return nil, fmt.Errorf("shop %s: %w", sc.Name, err)
		}
		s.Metrics.AddShop(sc.Name)
		s.shops = append(s.shops, sh)
	}
	s.Metrics.AddWebhookSource("roapp")
	s.jobs, err = s.openJobs(ctx)
	if err != nil {
		s.close()
		return nil, fmt.Errorf("open the job queue: %w", err)
	}
	closeStore := s.close
	s.close = func() {
		if err := s.jobs.close(); err != nil {
			s.log.Warn("job queue not closed", "err", err)
		}
		closeStore()
	}
	s.warnMissingSecrets()
	return s, nil
}

// platform builds a shop's adapter, its HTTP requests counted.
func (s *Service) platform(sc ShopConfig) (rosync.Platform, error) {
	hc := &http.Client{Timeout: 60 * time.Second, Transport: s.Metrics.Transport(sc.Platform, nil)}
	return BuildPlatform(sc, hc, s.log.With("shop", sc.Name))
}

// onEvent counts an event and logs, at info, each order imported (once:
// the order's later updates are logged at debug) and, at debug, each
// refused webhook with its reason; the engine logs the other outcomes
// itself.
func (s *Service) onEvent(ev rosync.Event) {
	s.Metrics.OnEvent(ev)
	switch ev.Kind {
	case rosync.EventImported:
		s.log.Info("order imported", "shop", ev.Shop, "order", ev.OrderID, "ro_order", ev.ROOrderID,
			"took", ev.Duration.Round(time.Millisecond).String())
	case rosync.EventUpdated:
		s.log.Debug("order updated", "shop", ev.Shop, "order", ev.OrderID, "ro_order", ev.ROOrderID,
			"took", ev.Duration.Round(time.Millisecond).String())
	case rosync.EventWebhookRefused:
		// The Syncer logs a platform webhook's bad signature itself.
		if ev.Shop == "roapp" || !errors.Is(ev.Err, rosync.ErrSignature) {
			s.log.Debug("webhook refused", "shop", ev.Shop, "reason", refusal(ev.Err), "err", ev.Err)
		}
	}
}

// now is the service's clock (ServiceOptions.Now).
func (s *Service) now() time.Time {
	if s.opts.Now != nil {
		return s.opts.Now()
	}
	return time.Now()
}

// warnMissingSecrets warns of what an empty secret will refuse: without
// roapp.webhook_secret every RO App webhook is refused, and RO App's
// status changes reach the shops only through the reconciliation polls;
// without admin.token the admin routes are not mounted. (A shop's
// webhook_secret is required by Validate.)
func (s *Service) warnMissingSecrets() {
	if s.cfg.Admin.Token == "" {
		s.log.Warn("admin.token is empty (ROSYNC_ADMIN_TOKEN): the admin API and status page under /admin/ are not mounted")
	}
	if s.cfg.ROApp.WebhookSecret == "" {
		s.log.Warn("roapp.webhook_secret is empty (ROSYNC_ROAPP_WEBHOOK_SECRET): every RO App webhook will be refused; "+
			"RO App changes reach the shops only through the reconciliation polls",
			"poll_interval", time.Duration(s.cfg.PollInterval).String())
	}
}

// Handler is the service's HTTP API: webhooks, health, metrics, the admin
// routes under /admin/ when an admin token is configured (AdminMux, and
// River's UI at /admin/jobs/, jobs.go) and the routes of
// ServiceOptions.Routes.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, sh := range s.shops {
		mux.Handle("POST /webhooks/"+sh.cfg.Name, s.Metrics.Webhook(sh.cfg.Name, s.webhook(sh)))
	}
	mux.Handle("POST /webhooks/roapp", s.Metrics.Webhook("roapp", s.roWebhook()))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.Metrics)
	if admin := s.AdminMux(); admin != nil {
		mux.Handle("/admin/", admin)
	}
	if s.opts.Routes != nil {
		s.opts.Routes(mux)
	}
	return mux
}

// readyz answers 200 when the store answers and every shop's initial
// import is done, 503 otherwise, with one line per check.
func (s *Service) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	ok := true
	var lines []string
	if _, err := s.store.ShopState(ctx, s.shops[0].cfg.Name); err != nil && !errors.Is(err, rosync.ErrNotFound) {
		ok = false
		lines = append(lines, "store: unreachable")
	} else {
		lines = append(lines, "store: ok")
	}
	for _, sh := range s.shops {
		if sh.ready.Load() {
			lines = append(lines, "shop "+sh.cfg.Name+": ok")
		} else {
			ok = false
			lines = append(lines, "shop "+sh.cfg.Name+": initial import not done")
		}
	}
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	for _, l := range lines {
		_, _ = fmt.Fprintln(w, l)
	}
}

// Run serves HTTP and runs every shop until ctx is done, then shuts down
// gracefully: it stops accepting requests and waits for the webhooks in
// flight, stops the poll loops (an order cut short is recorded as failed
// and retried at the next start: nothing is lost), and closes the store.
func (s *Service) Run(ctx context.Context) error {
	defer s.close()
	ln := s.opts.Listener
	if ln == nil {
		var err error
		ln, err = net.Listen("tcp", s.cfg.Listen)
		if err != nil {
			return err
		}
	}
	hc := s.cfg.HTTP
	hc.applyDefaults() // a Config built in code (the sandbox) has none
	ln = limitListener(ln, hc.MaxConnections)
	srv := hc.server(s.Handler())
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	s.log.Info("listening", "addr", ln.Addr().String(), "shops", len(s.shops))

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := s.jobs.start(runCtx); err != nil {
		sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.ShutdownTimeout)
		defer scancel()
		_ = srv.Shutdown(sctx)
		return fmt.Errorf("start the job queue: %w", err)
	}
	var wg sync.WaitGroup
	for _, sh := range s.shops {
		wg.Go(func() { s.runShop(runCtx, sh) })
	}

	var err error
	select {
	case <-ctx.Done():
		s.log.Info("shutting down")
	case err = <-serveErr:
		s.log.Error("HTTP server stopped", "err", err)
	}
	sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.ShutdownTimeout)
	defer scancel()
	if serr := srv.Shutdown(sctx); serr != nil {
		s.log.Warn("webhooks still in flight at shutdown", "err", serr)
	}
	// The jobs running finish, or are cancelled when the timeout ends
	// and worked again at the next start: River keeps them.
	if jerr := s.jobs.stop(sctx); jerr != nil {
		s.log.Warn("jobs cut short at shutdown; River works them again at the next start", "err", jerr)
	}
	s.jobs.close = func() error { return nil } // stop closed it
	cancel()
	wg.Wait()
	s.log.Info("stopped")
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// runShop connects the shop (the initial import), retrying with back-off
// while the platform or RO App is down, then marks it ready: its
// reconciliation polls are River periodic jobs (jobs.go), worked once it
// is ready.
func (s *Service) runShop(ctx context.Context, sh *shop) {
	log := s.log.With("shop", sh.cfg.Name)
	wait := s.opts.BackoffMin
	for attempt := 1; ; attempt++ {
		err := sh.syncer.Connect(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return
		}
		lvl := slog.LevelWarn
		if !rosync.Retryable(err) {
			lvl = slog.LevelError // a setting to fix; retried anyway, in case it is
		}
		log.Log(ctx, lvl, "connect failed; retrying", "attempt", attempt, "in", wait.String(), "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, s.opts.BackoffMax)
	}
	sh.ready.Store(true)
	log.Info("initial import done")
}

// Subscribe registers the webhook URL of every Cartum shop, publicURL +
// "/webhooks/<name>", with Cartum (hooks/subscribe; its secret is added as
// a query parameter). Cartum allows 5 subscriptions per event: run it once
// per shop, not at every start.
func (s *Service) Subscribe(ctx context.Context, publicURL string) error {
	defer s.close()
	n := 0
	for _, sh := range s.shops {
		c, ok := sh.plat.(*cartum.Platform)
		if !ok {
			continue
		}
		if err := c.Subscribe(ctx, publicURL+"/webhooks/"+sh.cfg.Name); err != nil {
			return fmt.Errorf("shop %s: %w", sh.cfg.Name, err)
		}
		n++
	}
	if n == 0 {
		return errors.New("no Cartum shop in the configuration (WooCommerce and Shopify webhooks are set up in their admin)")
	}
	return nil
}
