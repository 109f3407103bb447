package service

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync/platforms/platformkit/fakekit"
)

// TestSandboxEndToEnd /* ORD-1, PRD-7 */ runs the service in sandbox mode
// on the WooCommerce demo: it waits for /readyz, checks that /metrics
// counts the imported orders, changes an order through /sandbox/orders and
// sees the change in /sandbox/snapshot, then shuts down on cancel.
func TestSandboxEndToEnd(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	logs := &fakekit.LogBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	baseURL := make(chan string, 1)
	done := make(chan error, 1)
	var stdout fakekit.LogBuffer
	go func() {
		done <- RunSandbox(ctx, "../testdata/replay/woocommerce-demo.json", &SandboxOptions{Listen: "127.0.0.1:0",
			Stdout: &stdout, Logger: log, Started: func(u string) { baseURL <- u }, AdminToken: testAdminToken})
	}()
	var base string
	select {
	case base = <-baseURL:
	case err := <-done:
		t.Fatalf("sandbox stopped: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("sandbox did not start")
	}
	get := func(path string) (int, string) {
		resp, err := http.Get(base + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
	code, _ := get("/healthz")
	require.Equal(t, http.StatusOK, code)
	code, _ = get("/admin/api/shops")
	require.Equal(t, http.StatusUnauthorized, code, "the sandbox's admin routes are behind its token")
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, body := get("/readyz")
		if code == http.StatusOK {
			require.Contains(t, body, "shop woocommerce: ok")
			break
		}
		require.True(t, time.Now().Before(deadline), "not ready in time: %s\nlogs:\n%s", body, logs.String())
		time.Sleep(50 * time.Millisecond)
	}

	snapshot := func() snapshotView {
		code, body := get("/sandbox/snapshot")
		require.Equal(t, http.StatusOK, code, body)
		var s snapshotView
		require.NoError(t, json.Unmarshal([]byte(body), &s))
		return s
	}
	before := snapshot()
	imported := 0
	for _, o := range before.Orders {
		if o.Platform == "woocommerce" {
			imported++
		}
	}
	require.Positive(t, imported)

	_, body := get("/metrics")
	e, err := parseExposition(strings.NewReader(body))
	require.NoError(t, err, body)
	require.Equal(t, float64(imported), e.samples[`rosync_orders_total{outcome="imported",shop="woocommerce"}`], body)
	require.Equal(t, float64(len(before.Rejected)), e.samples[`rosync_orders_total{outcome="rejected",shop="woocommerce"}`], body)
	require.Positive(t, e.samples[`rosync_api_calls_total{service="roapp",status="2xx"}`])
	require.Positive(t, e.samples[`rosync_api_calls_total{service="woocommerce",status="2xx"}`])

	// The customer of 1001 takes three cables instead of two.
	order := demoOrder(t, 1001)
	cable := order["line_items"].([]any)[1].(map[string]any)
	cable["quantity"] = 3
	// WooCommerce recomputes the line's amounts with its quantity.
	cable["subtotal"], cable["total"] = "597.00", "597.00"
	raw, err := json.Marshal(order)
	require.NoError(t, err)
	resp, err := http.Post(base+"/sandbox/orders", "application/json", strings.NewReader(string(raw)))
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	require.JSONEq(t, `{"created":false,"webhook":"delivered"}`, string(b))
	// The webhook was answered once its job was written (jobs.go): a
	// River worker applies it after the answer.
	quantities := func() []int64 {
		var qty []int64
		for _, o := range snapshot().Orders {
			if o.PlatformNumber == "1001" {
				for _, it := range o.Items {
					qty = append(qty, it.Quantity)
				}
			}
		}
		return qty
	}
	deadline = time.Now().Add(60 * time.Second)
	for qty := quantities(); !slices.Equal(qty, []int64{1, 3}); qty = quantities() {
		require.True(t, time.Now().Before(deadline), "the webhook's change never reached RO App: %v\nlogs:\n%s", qty, logs.String())
		time.Sleep(50 * time.Millisecond)
	}
	_, body = get("/metrics")
	e, err = parseExposition(strings.NewReader(body))
	require.NoError(t, err)
	require.GreaterOrEqual(t, e.samples[`rosync_orders_total{outcome="updated",shop="woocommerce"}`], 1.0)

	// A bad body is refused.
	resp, err = http.Post(base+"/sandbox/orders", "application/json", strings.NewReader("not json"))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)

	cancel() // what SIGTERM does
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("no clean shutdown")
	}
	require.Contains(t, logs.String(), `"msg":"stopped"`)
	require.Contains(t, stdout.String(), base+"/sandbox/snapshot")
	for _, secret := range []string{"ck_replay_", "cs_replay_", "whsec-replay", "ro-replay-api-key"} {
		require.NotContains(t, logs.String(), secret, "a secret in the logs")
	}
}

type snapshotView struct {
	Orders []struct {
		Platform       string `json:"platform"`
		PlatformNumber string `json:"platform_number"`
		Items          []struct {
			Quantity int64 `json:"quantity"`
		} `json:"items"`
	} `json:"orders"`
	Rejected []json.RawMessage `json:"rejected"`
}

// demoOrder returns a native order of the WooCommerce demo fixture.
func demoOrder(t *testing.T, id float64) map[string]any {
	t.Helper()
	data, err := os.ReadFile("../testdata/replay/woocommerce-demo.json")
	require.NoError(t, err)
	var fx struct {
		Shop struct {
			Orders []map[string]any `json:"orders"`
		} `json:"shop"`
	}
	require.NoError(t, json.Unmarshal(data, &fx))
	for _, o := range fx.Shop.Orders {
		if o["id"] == id {
			return o
		}
	}
	t.Fatalf("no order %v in the demo", id)
	return nil
}
