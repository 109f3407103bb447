package rosync_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/platformkit/fakekit"
	"github.com/rosync/rosync/platforms/woocommerce"
	"github.com/rosync/rosync/platforms/woocommerce/woocommercetest"
	"github.com/rosync/rosync/roapp"
	"github.com/rosync/rosync/roapp/roapptest"
	"github.com/rosync/rosync/storage/memory"
)

// loggedConnect connects a WooCommerce shop with one order through the real
// adapter and RO App client, the Syncer logging into syncerLog and the
// adapter into its own logger when adapterLog is not nil.
func loggedConnect(t *testing.T, syncerLog, adapterLog *fakekit.LogBuffer) {
	t.Helper()
	ctx := context.Background()
	debug := func(b *fakekit.LogBuffer) *slog.Logger {
		return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	fake := woocommercetest.New(woocommercetest.Options{Key: "ck", Secret: "cs", Currency: "UAH"})
	if err := fake.AddOrder([]byte(`{"id": 1001, "number": "1001", "status": "processing", "currency": "UAH",
		"date_created_gmt": "2026-11-02T10:00:00", "date_modified_gmt": "2026-11-02T10:00:00", "total": "10.00",
		"billing": {"first_name": "Olena", "phone": "050 111 22 33", "country": "UA"},
		"line_items": [{"id": 1, "name": "Cable", "product_id": 12, "variation_id": 0, "sku": "CBL", "quantity": 1, "price": 10, "total": "10.00"}]}`)); err != nil {
		t.Fatal(err)
	}
	shopSrv := httptest.NewServer(fake)
	t.Cleanup(shopSrv.Close)
	emu := roapptest.New(roapptest.Seed{Currency: "UAH", Rights: []string{roapptest.RightAddWithoutDeduction},
		Statuses: []roapptest.Status{{ID: 1, Name: "New"}}, OrderTypes: []roapptest.OrderType{{ID: 1, Name: "Online", InitialStatusID: 1}}}, nil)
	roSrv := httptest.NewServer(emu)
	t.Cleanup(roSrv.Close)
	wo := &woocommerce.Options{HTTPClient: shopSrv.Client()}
	if adapterLog != nil {
		wo.Logger = debug(adapterLog)
	}
	shop, err := woocommerce.New(shopSrv.URL, woocommerce.Credentials{Key: "ck", Secret: "cs"}, wo)
	if err != nil {
		t.Fatal(err)
	}
	ro := roapp.New("key", &roapp.Options{BaseURL: roSrv.URL, HTTPClient: roSrv.Client(), RequestsPerSecond: 1000})
	s, err := rosync.New(shop, ro, memory.New(), &rosync.Options{
		Shop: "main", Logger: debug(syncerLog),
		Settings: rosync.Settings{IdentifyProductsBy: rosync.IdentifyBySKU, DefaultRegion: "UA", BranchID: 1, OrderTypeID: 1, AssigneeID: 1},
		Now:      func() time.Time { return time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Connect(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestOneLogger: an adapter and an RO App client built without a logger
// log through the Syncer's (Options.Logger), the adapter's lines with the
// shop's name and its platform's.
func TestOneLogger(t *testing.T) {
	var log fakekit.LogBuffer
	loggedConnect(t, &log, nil)
	var adapter, client bool
	for _, line := range strings.Split(log.String(), "\n") {
		adapter = adapter || strings.Contains(line, `"msg":"http: performing request"`) &&
			strings.Contains(line, `"shop":"main"`) && strings.Contains(line, `"platform":"woocommerce"`)
		client = client || strings.Contains(line, `"msg":"roapp request"`)
	}
	if !adapter {
		t.Error("no line of the WooCommerce adapter, with shop and platform, in the Syncer's logger")
	}
	if !client {
		t.Error("no line of the RO App client in the Syncer's logger")
	}
}

// TestOwnLoggerKept: an adapter given its own logger keeps it.
func TestOwnLoggerKept(t *testing.T) {
	var log, own fakekit.LogBuffer
	loggedConnect(t, &log, &own)
	if strings.Contains(log.String(), "http: performing request") {
		t.Error("the adapter's lines reached the Syncer's logger although it has its own")
	}
	if !strings.Contains(own.String(), "http: performing request") {
		t.Error("the adapter's own logger received nothing")
	}
	if !strings.Contains(log.String(), `"msg":"roapp request"`) {
		t.Error("the RO App client, built without a logger, did not take the Syncer's")
	}
}
