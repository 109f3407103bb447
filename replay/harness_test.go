package replay

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

func TestRegister(t *testing.T) {
	require.Subset(t, Platforms(), []string{"cartum", "shopify", "woocommerce"}, "the built-in platforms register like any other")
	nop := func(*Fixture, func() time.Time) (Harness, error) { return nil, nil }
	require.PanicsWithValue(t, `replay: Register called twice for platform "woocommerce"`, func() { Register("woocommerce", nop) })
	require.Panics(t, func() { Register("", nop) })
	require.Panics(t, func() { Register("x", nil) })
	_, err := Load(strings.NewReader(`{"platform":"nosuch","now":"2026-01-01T00:00:00Z"}`))
	require.ErrorContains(t, err, `unknown platform "nosuch" (known: [cartum shopify woocommerce])`)
}

// polled plays a platform as if it sent no webhooks.
type polled struct{ Harness }

func (polled) Webhook(string, json.RawMessage, bool) (*http.Request, error) {
	return nil, fmt.Errorf("test: %w", ErrNoWebhooks)
}

// TestPolledPlatform replays the WooCommerce demo with its webhooks
// replaced by polls (ErrNoWebhooks): the poll after each event finds every
// change (ORD-1), so RO App ends as with webhooks.
func TestPolledPlatform(t *testing.T) {
	harnessMu.Lock()
	harnesses["woocommerce-polled"] = func(fx *Fixture, now func() time.Time) (Harness, error) {
		h, err := newWooCommerce(fx, now)
		return polled{h}, err
	}
	harnessMu.Unlock()
	t.Cleanup(func() {
		harnessMu.Lock()
		delete(harnesses, "woocommerce-polled")
		harnessMu.Unlock()
	})
	fx := load(t, filepath.Join(demoDir, "woocommerce-demo.json"))
	want := run(t, fx, &Options{Memory: true})
	fx.Platform = "woocommerce-polled"
	res, err := Run(context.Background(), fx, &Options{Memory: true})
	require.NoError(t, err)
	require.Zero(t, res.Summary.Warnings)
	got := res.Snapshot
	if diff := cmp.Diff(want.Orders, got.Orders); diff != "" {
		t.Errorf("ORD-1: a polled platform's orders differ from the webhook run's (-webhooks +polled):\n%s", diff)
	}
	require.Equal(t, want.Rejected, got.Rejected)
}
