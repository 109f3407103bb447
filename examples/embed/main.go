// Command embed syncs one WooCommerce shop into RO App on the embedded
// SQLite store: the README's embedding example, compiled and kept equal to
// it by a test. Set ROAPP_API_KEY, ROAPP_WEBHOOK_SECRET, WC_URL, WC_KEY,
// WC_SECRET and WC_WEBHOOK_SECRET; ROAPP_BASE_URL (the emulator) and
// ROSYNC_ADDR (default :8080) are optional.
package main

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/woocommerce"
	"github.com/rosync/rosync/roapp"
	"github.com/rosync/rosync/storage/sqlite"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, log); err != nil {
		log.Error("rosync stopped", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger) error {
	// One client per RO App account: its 3 requests/second are the account's.
	ro := roapp.New(os.Getenv("ROAPP_API_KEY"), &roapp.Options{BaseURL: os.Getenv("ROAPP_BASE_URL")})
	store, err := sqlite.Open(ctx, "rosync.db", nil)
	if err != nil {
		return err
	}
	defer store.Close() // after the server and the sync loop below have stopped
	shop, err := woocommerce.New(os.Getenv("WC_URL"),
		woocommerce.Credentials{Key: os.Getenv("WC_KEY"), Secret: os.Getenv("WC_SECRET")},
		&woocommerce.Options{WebhookSecret: os.Getenv("WC_WEBHOOK_SECRET")})
	if err != nil {
		return err
	}
	syncer, err := rosync.New(shop, ro, store, &rosync.Options{
		Shop: "my-shop", Logger: log, // the adapter and the RO App client log through it too
		Settings: rosync.Settings{IdentifyProductsBy: rosync.IdentifyBySKU, DefaultRegion: "UA",
			BranchID: 1, OrderTypeID: 1, AssigneeID: 1, // run `rosync doctor` first: it lists the right ids
			StatusMap: map[string]string{"completed": "Closed"}},
	})
	if err != nil {
		return err
	}

	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/woocommerce", syncer.Webhook())
	mux.Handle("POST /webhooks/roapp", roapp.WebhookHandler(os.Getenv("ROAPP_WEBHOOK_SECRET"), syncer.HandleROEvent))
	srv := &http.Server{Addr: cmp.Or(os.Getenv("ROSYNC_ADDR"), ":8080"), Handler: mux,
		ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute}
	served := make(chan error, 1)
	go func() { served <- srv.ListenAndServe() }()
	synced := make(chan error, 1)
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { synced <- syncLoop(ctx, syncer, log) }() // webhooks are answered during the import

	select {
	case err = <-served: // the listener failed: stop syncing
		stop()
		<-synced
		return err
	case err = <-synced: // shut down (nil), or a setting to fix
		shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown) // waits for the webhooks being answered
		if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
		return err
	}
}

// syncLoop runs the initial import once (Connect), then a reconciliation
// poll every five minutes until ctx ends: webhooks are only hints.
func syncLoop(ctx context.Context, syncer *rosync.Syncer, log *slog.Logger) error {
	for {
		err := syncer.Connect(ctx) // checks settings and currencies; imports two months once
		if err == nil || ctx.Err() != nil {
			break
		}
		if !rosync.Retryable(err) {
			return err // a *rosync.SettingError, a currency mismatch, a refused key: fix and restart
		}
		log.Warn("connect failed; retrying in a minute", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Minute):
		}
	}
	tick := time.NewTicker(5 * time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			if err := syncer.Poll(ctx); err != nil {
				log.Warn("poll failed; the next one tries again", "err", err) // failed orders are kept
			}
		}
	}
}
