// Package service is rosync's host service as a library: it runs the sync
// of one or more shops (WooCommerce, Shopify, Cartum, or any platform
// registered with RegisterPlatform) into one RO App account — the initial
// import, webhooks, a reconciliation poll per shop, health, Prometheus
// metrics and a graceful shutdown. The command examples/server is a thin
// main around it (flags, the terminal's progress bar); a program of one's
// own can be the same few lines plus its own platforms:
//
//	service.RegisterPlatform("myshop", service.PlatformBuilder{Check: ..., New: ...})
//	cfg, err := service.LoadConfigFile("rosync.yaml")
//	svc, err := service.NewService(ctx, cfg, &service.ServiceOptions{Logger: log})
//	err = svc.Run(ctx)
//
// The parts:
//
//   - Config, LoadConfig, LoadConfigFile: the YAML configuration file
//     (examples/server/rosync.example.yaml, reference in
//     examples/server/README.md), decoded strictly (an unknown key is an
//     error naming its key path and the nearest known key), secrets
//     overridden by the environment (ApplyEnv, EnvName), every problem
//     reported at once by Validate. cmd/rosync's doctor reads the same
//     file through LoadConfigFile.
//   - RegisterPlatform, PlatformBuilder, BuildPlatform, Platforms: the
//     registry of platforms a shop's "platform" key may name.
//   - Service, NewService, ServiceOptions: the running service; Handler is
//     its HTTP API (POST /webhooks/{shop}, POST /webhooks/roapp,
//     GET /healthz, GET /readyz, GET /metrics).
//   - Metrics: the Prometheus metrics (github.com/prometheus/client_golang,
//     https://pkg.go.dev/github.com/prometheus/client_golang/prometheus).
//   - HTTPConfig: the HTTP server's timeouts and connection limit.
//   - RunSandbox: the service against a replay fixture's fake shop and the
//     RO App emulator on loopback (package replay).
//   - AdminMux, RequireToken and the Admin* types: the operators' JSON API
//     under /admin/api/ and status page at /admin/ (admin.go,
//     adminpage.go), mounted only when admin.token is set. The page is
//     html/template rendered on the server (https://pkg.go.dev/html/template:
//     contextual escaping of every value), with plain form POSTs for
//     Retry; the token is compared in constant time
//     (https://pkg.go.dev/crypto/subtle#ConstantTimeCompare, over SHA-256
//     digests so that lengths leak nothing either) and cross-site form
//     posts are refused by http.CrossOriginProtection
//     (https://pkg.go.dev/net/http#CrossOriginProtection: Sec-Fetch-Site,
//     then Origin). ServiceOptions.AdminRoutes mounts more routes behind
//     the same token (the jobs UI at /admin/jobs/).
//
// Which orders the admin API calls "in doubt" (ENG-1): a record in state
// pending (a create intent recorded), one with DoubtAt set (an attempt
// ended with item or comment writes in doubt), and one whose last error is
// a *rosync.InDoubtError (recognised by its message, the only form of it
// the Store keeps; TestInDoubtText pins it). They are read with the
// Store's filtered listings (failed, pending), never by scanning every
// record. The imported list is cut into pages from the Store's listing of
// the shop's imported records, which rosync.Store returns whole.
//
// This package imports the Prometheus client library; the root package,
// platforms/, roapp/ and storage/ do not (scripts/test.sh checks it), so
// an embedder that uses rosync.Syncer directly does not pull it in.
package service
