package replay

import (
	"strings"
	"testing"
	"time"

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
