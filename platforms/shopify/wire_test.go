package shopify

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/shopify/shopifytest"
)

// TestQueryTypoFails: the fake checks every query against the schema, so a
// misspelled field is an error as on Shopify, never a null that decodes as
// "nothing there".
func TestQueryTypoFails(t *testing.T) {
	e := newEnv(t, shopifytest.Options{}, nil)
	require.NoError(t, e.srv.AddOrder(node(t, 1, "2026-11-01T00:00:00Z", nil)))
	typo := strings.Replace(orderQuery, "currentSubtotalPriceSet", "currentSubtotalPriseSet", 1)
	require.NotEqual(t, orderQuery, typo)
	var out json.RawMessage
	err := e.p.c.query(context.Background(), "order", typo, map[string]any{"id": orderGID("1"), "lines": 5}, orderCost(5), &out)
	var api *rosync.APIError
	require.ErrorAs(t, err, &api)
	require.Equal(t, http.StatusOK, api.Status)
	require.Contains(t, api.Message, "undefinedField: Field 'currentSubtotalPriseSet' doesn't exist on type 'Order'")
	require.False(t, rosync.Retryable(err), "a query that does not fit the schema is not retried")

	// And the adapter's own queries fit it: an order reads without error.
	_, err = e.p.Order(context.Background(), "1")
	require.NoError(t, err)
}

// TestSearchTermUnknown: Shopify answers an orders search with a term it
// does not know (status:any, the REST parameter, or a typo) by dropping
// the term and warning in extensions.search. The adapter refuses such an
// answer, and sends no such term itself.
func TestSearchTermUnknown(t *testing.T) {
	e := newEnv(t, shopifytest.Options{}, nil)
	require.NoError(t, e.srv.AddOrder(node(t, 1, "2026-11-01T00:00:00Z", nil)))
	var out json.RawMessage
	vars := map[string]any{"first": 5, "lines": 2, "query": "created_at:>='2026-10-01T00:00:00Z' status:any", "sortKey": "CREATED_AT"}
	err := e.p.c.query(context.Background(), "orders", ordersQuery, vars, listCost(5, 2), &out)
	var api *rosync.APIError
	require.ErrorAs(t, err, &api)
	require.Contains(t, api.Message, `field "status"`)
	vars["query"] = "creatd_at:>='2026-10-01T00:00:00Z'"
	err = e.p.c.query(context.Background(), "orders", ordersQuery, vars, listCost(5, 2), &out)
	require.ErrorAs(t, err, &api)
	require.Contains(t, api.Message, "Invalid search field for this query.")

	before := len(e.srv.Requests())
	for o, err := range e.p.Orders(context.Background(), rosync.Query{UpdatedSince: mustTime("2026-10-01T00:00:00Z")}) {
		require.NoError(t, err)
		require.Equal(t, "1", o.ID)
	}
	for _, r := range e.srv.Requests()[before:] {
		if q, ok := r.Variables["query"].(string); ok && r.Outcome == "ok" {
			require.NotContains(t, q, "status:", "no status term: the GraphQL search knows no 'any'")
		}
	}
}

// TestDiscountedOrder: Shopify's documented order #1001 (code TENOFF, two
// of three lines refunded) read through the fake: the RO App amount is the
// 195.67 the customer pays, not 199.00 (ORD-3).
func TestDiscountedOrder(t *testing.T) {
	e := newEnv(t, shopifytest.Options{Currency: "USD"}, nil)
	require.NoError(t, e.srv.AddOrder(json.RawMessage(exampleNode)))
	o, err := e.p.Order(context.Background(), "450789469")
	require.NoError(t, err)
	require.Len(t, o.Lines, 1)
	require.Equal(t, "195.67", o.Total.StringFixed(2))           // ORD-3: currentSubtotalPriceSet
	require.Equal(t, "195.67", o.LinesTotal().StringFixed(2))    // ORD-3: the line carries its share of TENOFF
	require.Equal(t, "3.33", o.Lines[0].Discount.StringFixed(2)) // ORD-3
}

// TestPartialRefundProrated: a line of 3 units with a 10.00 discount, one
// unit refunded: its allocation (for all 3 units) is prorated to the 2
// left, and the cent Shopify's own per-unit split puts elsewhere is
// settled against the subtotal Shopify states (ORD-3).
func TestPartialRefundProrated(t *testing.T) {
	for _, tc := range []struct{ subtotal, discount string }{
		{"23.33", "6.67"}, // 2/3 of 10.00 rounds to 6.67
		{"23.34", "6.66"}, // Shopify refunded the unit with 3.34 off: one cent back
	} {
		e := newEnv(t, shopifytest.Options{}, nil)
		require.NoError(t, e.srv.AddOrder(node(t, 1, "2026-11-01T00:00:00Z", func(o map[string]any) {
			l := line0(o)
			l["quantity"], l["currentQuantity"] = 3, 2
			l["originalUnitPriceSet"] = map[string]any{"shopMoney": map[string]any{"amount": "15.00"}}
			l["discountAllocations"] = []any{map[string]any{"allocatedAmountSet": map[string]any{"shopMoney": map[string]any{"amount": "10.00"}}}}
			o["currentSubtotalPriceSet"] = map[string]any{"shopMoney": map[string]any{"amount": tc.subtotal}}
		})))
		o, err := e.p.Order(context.Background(), "1")
		require.NoError(t, err, "subtotal %s", tc.subtotal)
		require.Equal(t, tc.discount, o.Lines[0].Discount.StringFixed(2), "ORD-3")
		require.True(t, o.LinesTotal().Equal(decimal.RequireFromString(tc.subtotal)), "ORD-3: lines %s, subtotal %s", o.LinesTotal(), tc.subtotal)
	}
}

// TestDiscountedShipping: the delivery fee is what the customer pays for
// shipping after discounts and refunds (currentDiscountedPriceSet), not
// the original price (DEL-1).
func TestDiscountedShipping(t *testing.T) {
	e := newEnv(t, shopifytest.Options{}, nil)
	require.NoError(t, e.srv.AddOrder(node(t, 1, "2026-11-01T00:00:00Z", func(o map[string]any) {
		o["shippingLine"] = map[string]any{"title": "Standard",
			"originalPriceSet":          map[string]any{"shopMoney": map[string]any{"amount": "70.00"}},
			"discountedPriceSet":        map[string]any{"shopMoney": map[string]any{"amount": "0.00"}},
			"currentDiscountedPriceSet": map[string]any{"shopMoney": map[string]any{"amount": "0.00"}}}
	})))
	o, err := e.p.Order(context.Background(), "1")
	require.NoError(t, err)
	require.Equal(t, "0.00", o.Delivery.Fee.StringFixed(2)) // DEL-1: free shipping code applied
}

// TestMalformedAnswerRetried: an HTTP 200 answer that is not JSON (a proxy
// page, a body cut short) is transient: Shop (and so Connect) retries it
// with back-off instead of failing at once.
func TestMalformedAnswerRetried(t *testing.T) {
	e := newEnv(t, shopifytest.Options{}, nil)
	e.srv.Fail(shopifytest.Fault{Status: http.StatusOK, Malformed: true, Times: 2})
	_, err := e.p.Shop(context.Background())
	require.NoError(t, err, "two malformed answers, then a good one")
	require.Len(t, e.clock.Sleeps(), 2, "each retried after a back-off")

	e.srv.Fail(shopifytest.Fault{Status: http.StatusOK, Malformed: true, Times: 100})
	p := e.with(t, &Options{RetryMax: 1})
	_, err = p.Shop(context.Background())
	var mal *MalformedAnswerError
	require.True(t, errors.As(err, &mal), "got %v", err)
	require.True(t, rosync.Retryable(err), "still transient after the retries")
}

// TestBulkStartFallsBackAfterRetries: the mutation that starts the bulk
// operation keeps getting malformed answers: past the retries, the import
// reads pages instead of failing.
func TestBulkStartFallsBackAfterRetries(t *testing.T) {
	e := newEnv(t, shopifytest.Options{}, &Options{RetryMax: 1})
	require.NoError(t, e.srv.AddOrder(node(t, 1, "2026-11-01T00:00:00Z", nil)))
	e.srv.Fail(shopifytest.Fault{Status: http.StatusOK, Malformed: true, Times: 2, Mutation: true})
	var got []string
	for o, err := range e.p.Orders(context.Background(), rosync.Query{CreatedSince: mustTime("2026-10-01T00:00:00Z")}) {
		require.NoError(t, err)
		got = append(got, o.ID)
	}
	require.Equal(t, []string{"1"}, got)
	require.Positive(t, e.srv.Calls()["orders"], "read by pages")
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
