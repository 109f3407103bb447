package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/woocommerce/woocommercetest"
	"github.com/rosync/rosync/roapp/roapptest"
	"github.com/rosync/rosync/storage/sqlite"
)

// TestREADMESnippet: the README's embedding snippet is this program, byte
// for byte, so that the first code a user copies compiles and runs.
func TestREADMESnippet(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	require.NoError(t, err)
	src, err := os.ReadFile("main.go")
	require.NoError(t, err)
	const heading = "## Embedding the library\n"
	_, section, ok := strings.Cut(string(readme), heading)
	require.True(t, ok, "README has no %q section", strings.TrimSpace(heading))
	_, block, ok := strings.Cut(section, "```go\n")
	require.True(t, ok, "the section has no go block")
	block, _, ok = strings.Cut(block, "```\n")
	require.True(t, ok, "the go block does not end")
	if block != string(src) {
		t.Errorf("the README's embedding snippet differs from examples/embed/main.go: copy main.go into the README block (or the reverse)")
	}
}

const (
	roKey     = "ro-key"
	roHook    = "ro-hook-secret"
	wcKey     = "ck_embed"
	wcSecret  = "cs_embed"
	wcHookKey = "wc-hook-secret"
)

// wcOrder is a WooCommerce order created at, with one line.
func wcOrder(id int, at time.Time) []byte {
	ts := at.UTC().Format("2006-01-02T15:04:05")
	return fmt.Appendf(nil, `{"id": %d, "number": "%d", "status": "processing", "currency": "UAH",
		"date_created_gmt": %q, "date_modified_gmt": %q, "total": "199.00",
		"billing": {"first_name": "Olena", "last_name": "Kovalenko", "phone": "050 111 22 33", "email": "olena@example.com", "country": "UA"},
		"line_items": [{"id": 1, "name": "USB-C cable", "product_id": 12, "variation_id": 0, "sku": "CBL-USBC", "quantity": 1, "price": 199, "total": "199.00"}]}`,
		id, id, ts, ts)
}

// devServers starts the RO App emulator and a fake WooCommerce shop, sets
// the program's environment to them, and returns them with a channel that
// receives each RO App order created.
func devServers(t *testing.T, seed roapptest.Seed) (*roapptest.Emulator, *woocommercetest.Server, <-chan int64) {
	t.Helper()
	created := make(chan int64, 16)
	emu := roapptest.New(seed, &roapptest.Options{APIKey: roKey, AfterCreate: func(endpoint string, id int64) {
		if endpoint == "POST /orders" {
			created <- id
		}
	}})
	roSrv := httptest.NewServer(emu)
	t.Cleanup(roSrv.Close)
	shop := woocommercetest.New(woocommercetest.Options{Key: wcKey, Secret: wcSecret, Currency: "UAH"})
	shopSrv := httptest.NewServer(shop)
	t.Cleanup(shopSrv.Close)

	// A free loopback port for the program's own server.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())

	for k, v := range map[string]string{
		"ROAPP_API_KEY": roKey, "ROAPP_WEBHOOK_SECRET": roHook, "ROAPP_BASE_URL": roSrv.URL + "/v2",
		"WC_URL": shopSrv.URL, "WC_KEY": wcKey, "WC_SECRET": wcSecret, "WC_WEBHOOK_SECRET": wcHookKey,
		"ROSYNC_ADDR": addr,
	} {
		t.Setenv(k, v)
	}
	t.Chdir(t.TempDir()) // rosync.db
	return emu, shop, created
}

// seed is the RO App account the program's settings fit: location 1,
// order type 1, employee 1 (the emulator's default), a "Closed" status
// for the status map, and the right of ORD-2.
func seed() roapptest.Seed {
	return roapptest.Seed{
		Currency:   "UAH",
		Rights:     []string{roapptest.RightAddWithoutDeduction},
		Statuses:   []roapptest.Status{{ID: 1, Name: "New"}, {ID: 2, Name: "Closed", Group: roapptest.GroupClosedSuccessfully}},
		OrderTypes: []roapptest.OrderType{{ID: 1, Name: "Online store", InitialStatusID: 1}},
		Locations:  []roapptest.Location{{ID: 1, Name: "Main"}},
	}
}

// TestRunAgainstEmulator runs the program against the emulator and a fake
// shop: the initial import creates the shop's order, a signed webhook
// during the run brings a new one in, and cancelling stops the server and
// the loop before the store is closed (it opens again).
func TestRunAgainstEmulator(t *testing.T) {
	emu, shop, created := devServers(t, seed())
	require.NoError(t, shop.AddOrder(wcOrder(1001, time.Now().Add(-time.Hour))))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, slog.New(slog.NewTextHandler(io.Discard, nil))) }()

	waitCreated := func(what string) {
		t.Helper()
		select {
		case <-created:
		case err := <-done:
			t.Fatalf("run returned before %s: %v", what, err)
		case <-time.After(time.Minute): // a bound for a hung test, not a timing assertion
			t.Fatalf("no RO App order for %s", what)
		}
	}
	waitCreated("the initial import")

	body := wcOrder(1002, time.Now())
	require.NoError(t, shop.AddOrder(body))
	var status int
	for range 100 { // the listener may not be up yet
		req, err := woocommercetest.SignedWebhook("http://"+os.Getenv("ROSYNC_ADDR")+"/webhooks/woocommerce", wcHookKey, "order.created", body)
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			status = resp.StatusCode
			resp.Body.Close()
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	require.Equal(t, http.StatusOK, status, "the webhook is answered while the program runs")
	waitCreated("the webhook")
	require.Len(t, emu.Snapshot().Orders, 2)

	cancel()
	require.NoError(t, <-done, "a cancelled run ends cleanly")
	st, err := sqlite.Open(context.Background(), "rosync.db", nil)
	require.NoError(t, err, "the store was closed and opens again")
	require.NoError(t, st.Close())
}

// TestRunWrongSetting: a setting the account does not have ends the run
// with the typed error (the server is shut down), instead of failing every
// order.
func TestRunWrongSetting(t *testing.T) {
	s := seed()
	s.Locations = []roapptest.Location{{ID: 5, Name: "Kyiv"}}
	_, shop, created := devServers(t, s)
	require.NoError(t, shop.AddOrder(wcOrder(1001, time.Now().Add(-time.Hour))))
	err := run(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	var se *rosync.SettingError
	require.True(t, errors.As(err, &se), "run returned %v, want a *rosync.SettingError", err)
	require.Equal(t, "BranchID", se.Setting)
	require.Contains(t, err.Error(), "5 (Kyiv)")
	require.Empty(t, created, "no order is created with a wrong branch")
}
