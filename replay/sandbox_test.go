package replay_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/woocommerce"
	"github.com/rosync/rosync/replay"
	"github.com/rosync/rosync/roapp"
	"github.com/rosync/rosync/storage/memory"
)

// TestSandbox /* ORD-1, PRD-7 */ connects the real adapter and RO App
// client to a sandbox by its URLs and credentials, imports the shop, then
// changes an order through the sandbox and sees the change in RO App.
func TestSandbox(t *testing.T) {
	ctx := context.Background()
	f, err := os.Open("../testdata/replay/woocommerce-demo.json")
	require.NoError(t, err)
	fx, err := replay.Load(f)
	f.Close()
	require.NoError(t, err)

	// The host's webhook endpoints, set once the Syncer exists.
	mux := http.NewServeMux()
	host := httptest.NewServer(mux)
	t.Cleanup(host.Close)
	sb, err := replay.NewSandbox(fx, &replay.SandboxOptions{ROAppWebhookURL: host.URL + "/webhooks/roapp"})
	require.NoError(t, err)
	t.Cleanup(sb.Close)

	shop, err := woocommerce.New(sb.ShopURL, woocommerce.Credentials{Key: sb.Shop.Key, Secret: sb.Shop.Secret},
		&woocommerce.Options{WebhookSecret: sb.Shop.WebhookSecret})
	require.NoError(t, err)
	ro := roapp.New(sb.ROAppKey, &roapp.Options{BaseURL: sb.ROAppURL, RequestsPerSecond: 1000, DeductionFields: sb.DeductionFields})
	syncer, err := rosync.New(shop, ro, memory.New(), &rosync.Options{
		Shop: "sandbox", Now: sb.Now, Concurrency: 1,
		Settings: rosync.Settings{IdentifyProductsBy: fx.Settings.IdentifyProductsBy, DefaultRegion: fx.Settings.DefaultRegion,
			BranchID: 1, OrderTypeID: fx.Settings.OrderTypeID, StatusMap: fx.Settings.StatusMap, AssigneeID: sb.AssigneeID},
	})
	require.NoError(t, err)
	mux.Handle("POST /webhooks/shop", syncer.Webhook())
	mux.Handle("POST /webhooks/roapp", roapp.WebhookHandler(sb.ROAppWebhookSecret, syncer.HandleROEvent))
	require.NoError(t, syncer.Connect(ctx))

	before := sb.Snapshot()
	require.NotEmpty(t, before.Orders, "the initial import brought orders")
	id, ok := sb.Emulator.OrderIDByNumber("1001")
	require.True(t, ok, "order 1001 imported")

	// The customer buys a third cable: the quantity follows (PRD-7).
	var order map[string]any
	require.NoError(t, json.Unmarshal(fx.Shop.Orders[0], &order))
	lines := order["line_items"].([]any)
	cable := lines[1].(map[string]any)
	cable["quantity"] = 3
	// WooCommerce recalculates the line's totals with the quantity.
	cable["subtotal"], cable["total"] = "597.00", "597.00"
	raw, err := json.Marshal(order)
	require.NoError(t, err)
	created, err := sb.PutOrder(ctx, raw, host.URL+"/webhooks/shop")
	require.NoError(t, err)
	require.False(t, created, "1001 was already on the shop")

	var qty []int64
	for _, o := range sb.Snapshot().Orders {
		if o.ID == id {
			for _, it := range o.Items {
				qty = append(qty, it.Quantity)
			}
		}
	}
	require.Equal(t, []int64{1, 3}, qty)

	// RO App users act through the sandbox; an unknown number is ErrNoOrder.
	require.NoError(t, sb.Deduct("1001"))
	require.True(t, errors.Is(sb.Deduct("no-such"), replay.ErrNoOrder))
	require.NoError(t, sb.Play(ctx, replay.Event{Type: replay.EventROStatus, OrderNumber: "1001", Status: "Closed"}, host.URL+"/webhooks/shop"))
	require.Equal(t, []string{"completed"}, func() (out []string) {
		for _, u := range sb.Snapshot().PlatformStatusUpdates {
			if u.PlatformOrderID == "1001" {
				out = append(out, u.Status)
			}
		}
		return out
	}())
}
