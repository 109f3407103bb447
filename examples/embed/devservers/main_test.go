package main

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync/platforms/woocommerce"
	"github.com/rosync/rosync/roapp"
)

// TestStart: the servers answer the real RO App client and WooCommerce
// adapter with the printed environment, and the shop holds its orders.
func TestStart(t *testing.T) {
	env, stop, err := start("127.0.0.1:0", "127.0.0.1:0", 2)
	require.NoError(t, err)
	t.Cleanup(stop)
	ctx := context.Background()

	ro := roapp.New(env["ROAPP_API_KEY"], &roapp.Options{BaseURL: env["ROAPP_BASE_URL"], HTTPClient: http.DefaultClient})
	co, err := ro.Company(ctx)
	require.NoError(t, err)
	require.Equal(t, "UAH", co.Currency)
	bs, err := ro.Branches(ctx)
	require.NoError(t, err)
	require.Equal(t, int64(1), bs[0].ID, "examples/embed's BranchID")

	shop, err := woocommerce.New(env["WC_URL"], woocommerce.Credentials{Key: env["WC_KEY"], Secret: env["WC_SECRET"]}, nil)
	require.NoError(t, err)
	info, err := shop.Shop(ctx)
	require.NoError(t, err)
	require.Equal(t, co.Currency, info.Currency, "ORD-4: the two currencies match")
	_, err = shop.Order(ctx, "1002")
	require.NoError(t, err)
	require.Contains(t, exports(env), "ROAPP_API_KEY="+roKey)
}
