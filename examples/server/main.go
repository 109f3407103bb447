// Command server is a host service that runs rosync for real: it imports
// the orders of one or more shops (WooCommerce, Shopify, Cartum) into one
// RO App account, then keeps them in sync from webhooks and periodic
// reconciliation polls. See README.md. The service itself is package
// github.com/rosync/rosync/service; this command adds the flags and the
// terminal's progress bar (progress.go).
//
//	go run ./examples/server -sandbox testdata/replay/woocommerce-demo.json   # try it on loopback
//	go run ./examples/server -config rosync.yaml                              # a real shop
//
// Endpoints: POST /webhooks/{shop}, POST /webhooks/roapp, GET /healthz,
// GET /readyz, GET /metrics (Prometheus text format), the operators'
// status page and JSON API under /admin/ when admin.token (or
// ROSYNC_ADMIN_TOKEN, also in sandbox mode) is set and, in sandbox mode,
// /sandbox/*. Logs are JSON lines on standard error. SIGINT or SIGTERM
// shuts it down gracefully.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/rosync/rosync/service"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, isTerminal(os.Stderr)); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		stop()
		os.Exit(1)
	}
}

// run is the command: it returns when ctx is done (after a graceful
// shutdown) or on a setup error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, terminal bool) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	config := fs.String("config", "", "the configuration file (YAML, see rosync.example.yaml)")
	sandbox := fs.String("sandbox", "", "run against a replay fixture's fake shop and RO App emulator on loopback")
	listen := fs.String("listen", "", "the HTTP address, overriding the configuration's listen (sandbox default 127.0.0.1:8080)")
	level := fs.String("log-level", "info", "log level: debug, info, warn or error")
	subscribe := fs.String("subscribe", "", "register PUBLIC_URL/webhooks/<shop> with every Cartum shop, then exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		return fmt.Errorf("-log-level: %q is not debug, info, warn or error", *level)
	}
	// On a terminal the logs and the import's progress bar share standard
	// error through one writer, so that they never interleave on a line.
	var tw *termWriter
	out := stderr
	if terminal {
		tw = newTermWriter(stderr)
		out = tw
	}
	log := slog.New(slog.NewJSONHandler(out, &slog.HandlerOptions{Level: lvl}))
	prog := newProgress(log, tw)

	switch {
	case *sandbox != "" && *config != "":
		return errors.New("use -config or -sandbox, not both")
	case *sandbox != "":
		return service.RunSandbox(ctx, *sandbox, &service.SandboxOptions{Listen: *listen, Stdout: stdout, Logger: log, Progress: prog.report,
			AdminToken: os.Getenv("ROSYNC_ADMIN_TOKEN")})
	case *config == "":
		fs.Usage()
		return errors.New("-config is required (or -sandbox FIXTURE to try it out)")
	}
	cfg, err := service.LoadConfigFile(*config)
	if err != nil {
		return err
	}
	if *listen != "" {
		cfg.Listen = *listen
	}
	svc, err := service.NewService(ctx, cfg, &service.ServiceOptions{Logger: log, Progress: prog.report})
	if err != nil {
		return err
	}
	if *subscribe != "" {
		return svc.Subscribe(ctx, strings.TrimRight(*subscribe, "/"))
	}
	return svc.Run(ctx)
}
