package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/replay"
	"github.com/rosync/rosync/roapp/roapptest"
)

// sandboxRequestsPerSecond is the RO App rate limit of the sandbox: the
// emulator has none, and a demo shop imports in a second or two instead of
// a minute at the real 3 requests per second.
const sandboxRequestsPerSecond = 50

// SandboxOptions are what RunSandbox takes besides the fixture.
type SandboxOptions struct {
	// Listen is the service's HTTP address; default 127.0.0.1:8080
	// ("127.0.0.1:0" picks a free port).
	Listen string
	// Stdout receives the banner with the URLs and example commands; nil
	// discards it.
	Stdout io.Writer
	// Logger receives the service's logs; nil discards.
	Logger *slog.Logger
	// Progress receives the initial import's progress (ServiceOptions.Progress).
	Progress func(rosync.Progress)
	// Started, when set, gets the service's base URL once it listens.
	Started func(baseURL string)
	// AdminToken, when set, mounts the admin routes (Config.Admin) behind
	// it; examples/server takes it from ROSYNC_ADMIN_TOKEN.
	AdminToken string
}

// RunSandbox runs the real service against a replay fixture's fake shop
// (the fixture file at path) and RO App emulator on loopback, with a
// SQLite store in a temporary folder, plus the /sandbox/* controls, until
// ctx is done.
func RunSandbox(ctx context.Context, path string, opts *SandboxOptions) error {
	var o SandboxOptions
	if opts != nil {
		o = *opts
	}
	if o.Stdout == nil {
		o.Stdout = io.Discard
	}
	listen, stdout, log, started := o.Listen, o.Stdout, o.Logger, o.Started
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	fx, err := replay.Load(f)
	f.Close()
	if err != nil {
		return err
	}
	if listen == "" {
		listen = "127.0.0.1:8080"
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	sb, err := replay.NewSandbox(fx, &replay.SandboxOptions{ROAppWebhookURL: base + "/webhooks/roapp"})
	if err != nil {
		ln.Close()
		return err
	}
	defer sb.Close()
	dir, err := os.MkdirTemp("", "rosync-sandbox-")
	if err != nil {
		ln.Close()
		return err
	}
	defer os.RemoveAll(dir)

	cfg := sandboxConfig(sb, filepath.Join(dir, "rosync.db"))
	cfg.Listen = ln.Addr().String()
	cfg.Admin.Token = o.AdminToken
	if err := cfg.Validate(); err != nil {
		ln.Close()
		return err
	}
	name := cfg.Shops[0].Name
	var svc *Service
	ctl := &sandboxControls{sb: sb, shop: name, webhook: base + "/webhooks/" + name,
		records: func(ctx context.Context, f rosync.RecordFilter) ([]rosync.Record, error) {
			return svc.store.Records(ctx, name, f)
		}}
	svc, err = NewService(ctx, cfg, &ServiceOptions{Logger: log, Now: sb.Now, Listener: ln,
		Progress: o.Progress, Routes: ctl.routes})
	if err != nil {
		ln.Close()
		return err
	}
	fmt.Fprintf(stdout, `rosync sandbox: a %s shop from %s
  service          %s   (webhooks at /webhooks/%s and /webhooks/roapp)
  fake %-11s %s
  RO App emulator  %s
  store            %s
Try:
  curl -s %s/readyz
  curl -s %s/sandbox/snapshot
  curl -s %s/metrics
  curl -s -X POST --data @order.json %s/sandbox/orders    # a native %s order: put on the shop, webhook sent
  curl -s -X POST %s/sandbox/play                         # play the fixture's events
Stop with Ctrl+C.
`, fx.Platform, path, base, name, fx.Platform, sb.ShopURL, sb.ROAppURL, cfg.Store.SQLitePath,
		base, base, base, base, fx.Platform, base)
	if cfg.Admin.Token != "" {
		fmt.Fprintf(stdout, "Status page: %s/admin/ (the admin token as the password); JSON under %s/admin/api/shops\n", base, base)
	}
	if started != nil {
		started(base)
	}
	return svc.Run(ctx)
}

// sandboxConfig is the service configuration that points at a sandbox.
func sandboxConfig(sb *replay.Sandbox, dbPath string) *Config {
	fx := sb.Fixture
	branch := fx.Settings.BranchID
	if branch == 0 {
		branch = 1
	}
	return &Config{
		PollInterval: Duration(30 * time.Second),
		ROApp: ROAppConfig{APIKey: sb.ROAppKey, BaseURL: sb.ROAppURL, RequestsPerSecond: sandboxRequestsPerSecond,
			BranchID: branch, OrderTypeID: fx.Settings.OrderTypeID, WebhookSecret: sb.ROAppWebhookSecret,
			AssigneeID: sb.AssigneeID, DeductionFields: sb.DeductionFields},
		Store: StoreConfig{SQLitePath: dbPath},
		Shops: []ShopConfig{{
			Name: sb.Platform, Platform: sb.Platform, URL: sb.ShopURL,
			Key: sb.Shop.Key, Secret: sb.Shop.Secret, Token: sb.Shop.AccessToken,
			Login: sb.Shop.Login, Password: sb.Shop.Password, WebhookSecret: sb.Shop.WebhookSecret,
			IdentifyProductsBy: string(fx.Settings.IdentifyProductsBy), DefaultRegion: fx.Settings.DefaultRegion,
			StatusMap: fx.Settings.StatusMap, Timezone: fx.Settings.Timezone, Currency: sb.Currency,
		}},
	}
}

// sandboxControls are the /sandbox/* routes: act as the platform and as
// an RO App user, and look at what RO App holds.
type sandboxControls struct {
	sb      *replay.Sandbox
	shop    string
	webhook string
	records func(context.Context, rosync.RecordFilter) ([]rosync.Record, error)
}

func (c *sandboxControls) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /sandbox/snapshot", c.snapshot)
	mux.HandleFunc("POST /sandbox/orders", c.putOrder)
	mux.HandleFunc("POST /sandbox/events", c.event)
	mux.HandleFunc("POST /sandbox/play", c.play)
	mux.HandleFunc("POST /sandbox/orders/{number}/deduct", func(w http.ResponseWriter, r *http.Request) {
		c.answer(w, nil, c.sb.Deduct(r.PathValue("number")))
	})
	mux.HandleFunc("POST /sandbox/orders/{number}/status", func(w http.ResponseWriter, r *http.Request) {
		status := r.URL.Query().Get("status")
		if status == "" {
			http.Error(w, "?status= (an RO App status name) is required", http.StatusBadRequest)
			return
		}
		c.answer(w, nil, c.sb.SetStatus(r.Context(), r.PathValue("number"), status))
	})
}

// snapshot writes the emulator's snapshot (DESIGN.md) with the Store's
// rejected and failed orders.
func (c *sandboxControls) snapshot(w http.ResponseWriter, r *http.Request) {
	snap := c.sb.Snapshot()
	rejected, err := c.records(r.Context(), rosync.RecordFilter{State: rosync.StateRejected})
	if err == nil {
		for _, rec := range rejected {
			snap.Rejected = append(snap.Rejected, roapptest.Rejected{PlatformOrderID: rec.OrderID, PlatformNumber: rec.Number, Rule: rec.Rule, Reason: rec.Reason})
		}
		var failed []rosync.Record
		failed, err = c.records(r.Context(), rosync.RecordFilter{Failed: true})
		for _, rec := range failed {
			snap.Failed = append(snap.Failed, roapptest.Failed{PlatformOrderID: rec.OrderID, Error: rec.LastError})
		}
	}
	if err != nil {
		http.Error(w, "store: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(snap)
}

// putOrder puts the native order of the body on the fake shop and
// delivers its webhook to the service.
func (c *sandboxControls) putOrder(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil || !json.Valid(body) {
		http.Error(w, "the body must be a native order (JSON)", http.StatusBadRequest)
		return
	}
	created, err := c.sb.PutOrder(r.Context(), body, c.webhook)
	c.answer(w, map[string]any{"created": created, "webhook": "delivered"}, err)
}

// event plays one fixture event (DESIGN.md) from the body.
func (c *sandboxControls) event(w http.ResponseWriter, r *http.Request) {
	var ev replay.Event
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		http.Error(w, "the body must be a fixture event: "+err.Error(), http.StatusBadRequest)
		return
	}
	c.answer(w, nil, c.sb.Play(r.Context(), ev, c.webhook))
}

// play plays the fixture's events in order; events that cannot be played
// (an RO App event on an order that was not imported) are reported and
// skipped.
func (c *sandboxControls) play(w http.ResponseWriter, r *http.Request) {
	var skipped []string
	for i, ev := range c.sb.Fixture.Events {
		if err := c.sb.Play(r.Context(), ev, c.webhook); err != nil {
			skipped = append(skipped, fmt.Sprintf("events[%d] (%s): %v", i, ev.Type, err))
		}
	}
	c.answer(w, map[string]any{"played": len(c.sb.Fixture.Events) - len(skipped), "skipped": skipped}, nil)
}

func (c *sandboxControls) answer(w http.ResponseWriter, v map[string]any, err error) {
	var fe *replay.FixtureError
	switch {
	case errors.As(err, &fe):
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	case errors.Is(err, replay.ErrNoOrder):
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	case err != nil:
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if v == nil {
		v = map[string]any{"ok": true}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
