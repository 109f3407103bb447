package cartum_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/cartum"
	"github.com/rosync/rosync/platforms/cartum/cartumtest"
)

// TestPolicy_ExcludesSuccessfulStatuses: the initial import skips the
// statuses with is_successful == 1, whatever their title: 3 is titled in
// Ukrainian only and 8 was renamed; 9 is titled "Delivered" but is not
// successful, so it is imported (CAR-1).
func TestPolicy_ExcludesSuccessfulStatuses(t *testing.T) {
	e := setup(t, nil)
	require.Empty(t, e.p.Policy().ExcludedStatuses, "before Shop nothing is known")
	e.shop(t)
	pol := e.p.Policy()
	require.Equal(t, "CAR-1", pol.WindowRule)                    // CAR-1
	require.Equal(t, 2, pol.ImportMonths)                        // CAR-1: two months
	require.Equal(t, []string{"3", "8"}, pol.ExcludedStatuses)   // CAR-1: by is_successful
	require.False(t, pol.Excluded("9"), "a title is never read") // CAR-1
	require.Equal(t, rosync.StatusSyncBoth, pol.StatusSync)      // CAR-2
	require.Equal(t, rosync.DeliveryOnCreate, pol.Delivery)      // DEL-1 (DEL-2 is Shopify's)
	require.Equal(t, []rosync.IdentifyBy{rosync.IdentifyBySKU, rosync.IdentifyByName}, pol.IdentifyBy)
	require.False(t, pol.RequireLines)
	require.False(t, pol.RequireCustomer)
	require.True(t, pol.MatchEmail)
	require.False(t, pol.TransfersAddress)
}

func TestPolicy_StatusesAsArrayAndFlags(t *testing.T) {
	e := setup(t, nil)
	require.NoError(t, e.srv.SetStatuses(json.RawMessage(`[
		{"id": 1, "title": "New", "is_successful": false},
		{"id": 5, "title": {"ru": "Выполнен"}, "is_successful": true},
		{"id": 6, "title": {"en": "Done"}, "is_successful": "1"}]`)))
	e.shop(t)
	require.Equal(t, []string{"5", "6"}, e.p.Policy().ExcludedStatuses) // CAR-1
}

func TestShop_UnreadableFlagIsAnError(t *testing.T) {
	e := setup(t, nil)
	require.NoError(t, e.srv.SetStatuses(json.RawMessage(`[{"id": 3, "title": "Delivered", "is_successful": "yes"}]`)))
	_, err := e.p.Shop(context.Background())
	require.Error(t, err, "the import must not guess which statuses are Delivered (CAR-1)")
	require.Empty(t, e.p.Policy().ExcludedStatuses)
}

// TestSetStatus pushes an RO App status change back to Cartum (CAR-2).
func TestSetStatus(t *testing.T) {
	e := setup(t, nil)
	e.addOrders(t, orderJSON(24, 1, "2026-11-20 10:00:00"))
	e.shop(t)
	require.NoError(t, e.p.SetStatus(context.Background(), "24", "4")) // CAR-2
	require.Equal(t, []cartumtest.StatusUpdate{{OrderID: "24", Status: "4"}}, e.srv.StatusUpdates())
	o, err := e.p.Order(context.Background(), "24")
	require.NoError(t, err)
	require.Equal(t, "4", o.Status)
	var body struct {
		Orders []map[string]any `json:"orders"`
	}
	reqs := e.srv.Requests()
	for _, r := range reqs {
		if r.Function == "orders/update" {
			require.NoError(t, json.Unmarshal(r.Body["orders"], &body.Orders))
		}
	}
	require.Equal(t, []map[string]any{{"order_id": float64(24), "status": float64(4)}}, body.Orders)
}

func TestSetStatus_Errors(t *testing.T) {
	e := setup(t, nil)
	e.shop(t)
	ctx := context.Background()

	err := e.p.SetStatus(ctx, "777", "2") // the server logs "Order not found" with WARNING
	var api *rosync.APIError
	require.True(t, errors.As(err, &api), "got %v", err)
	require.Contains(t, api.Message, "WARNING")
	require.Contains(t, api.Message, "Order not found")
	require.False(t, rosync.Retryable(err))

	require.ErrorIs(t, e.p.SetStatus(ctx, "x", "2"), rosync.ErrNotFound)
	require.Error(t, e.p.SetStatus(ctx, "24", "completed"))
	before := e.srv.Calls()["orders/update"]
	require.Error(t, e.p.SetStatus(ctx, "24", "42"), "a status the shop does not have")
	require.Equal(t, before, e.srv.Calls()["orders/update"], "refused before any call")
}

func TestSubscribe(t *testing.T) {
	e := setup(t, nil)
	ctx := context.Background()
	require.NoError(t, e.p.Subscribe(ctx, "https://host.example/hooks/cartum?shop=main"))
	hooks := e.srv.Hooks()
	require.Len(t, hooks, 1)
	require.Equal(t, "order_created", hooks[0].Event)
	require.Equal(t, "https://host.example/hooks/cartum?secret="+testSecret+"&shop=main", hooks[0].TargetURL)

	// What Cartum will call passes VerifyWebhook (ENG-4).
	h, err := e.p.VerifyWebhook(cartumtest.Webhook(hooks[0].TargetURL, "", []byte(`{"order_id": 5}`)))
	require.NoError(t, err)
	require.Equal(t, "5", h.OrderID)

	for range 4 {
		require.NoError(t, e.p.Subscribe(ctx, "https://host.example/x"))
	}
	err = e.p.Subscribe(ctx, "https://host.example/x")
	require.Error(t, err, "Cartum allows 5 subscriptions per event")
	require.NotContains(t, err.Error(), testSecret) // ENG-6

	require.Error(t, e.p.Subscribe(ctx, "not a url"))
	p, err := cartum.New(e.url, cartum.Credentials{Login: testLogin, Password: testPassword}, &cartum.Options{Currency: "UAH"})
	require.NoError(t, err)
	require.Error(t, p.Subscribe(ctx, "https://host.example/x"), "no webhook secret")
}
