package cartum_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/cartum"
)

// These tests hold the adapter to the shapes of live Cartum shops (issue
// 11): delivery_price -1, total_sum after coupons and manager discounts,
// orders/update log entries with "messages" and no order_id, and
// AUTHORIZATION_ERROR for a stale token.

// realOrder is an order as a live shop sends it: the fields of
// orders/get, with delivery_price and total_sum as given.
func realOrder(id int, deliveryPrice, totalSum string, products string) string {
	return fmt.Sprintf(`{
 "order_id": %d, "user": {"id": 0},
 "delivery_name": "Olena Kovalenko", "delivery_email": "olena@example.com", "delivery_phone": "+380501112233",
 "delivery_city": "Kyiv", "delivery_city_stable": "Kyiv", "delivery_address": "Branch 12",
 "delivery_type": {"id": 1, "title": "Nova Poshta"}, "delivery_price": %s,
 "delivery_data": {"tnNumber": null},
 "stat_status": 1, "stat_created": "2026-11-20 10:00:00", "comment": null,
 "total_sum": %s,
 "products": %s}`, id, deliveryPrice, totalSum, products)
}

func amounts(o rosync.Order) []string {
	var out []string
	for _, l := range o.Lines {
		out = append(out, l.Price.StringFixed(2)+"×"+fmt.Sprint(l.Quantity)+"−"+l.Discount.StringFixed(2))
	}
	return out
}

// TestRealWire_DeliveryPriceNotCalculated: -1 is "not calculated", not an
// invalid order; no fee, and the DEL-1 comment says so.
func TestRealWire_DeliveryPriceNotCalculated(t *testing.T) {
	e := setup(t, nil)
	e.addOrders(t, realOrder(1, "-1", "799", `[{"article": "A", "title": "A", "quantity": 1, "price": 799}]`))
	o, err := e.p.Order(context.Background(), "1")
	require.NoError(t, err, "CAR: delivery_price -1 is no fee, not an invalid order")
	require.NotNil(t, o.Delivery)
	require.True(t, o.Delivery.Fee.IsZero())
	require.True(t, o.Delivery.FeeNotCalculated)
	require.Equal(t, "Delivery: Nova Poshta\nFee: not calculated\nAddress: Kyiv, Branch 12", o.Delivery.Comment()) // DEL-1

	// Any other negative fee is still a wrong figure.
	e.addOrders(t, realOrder(2, "-5", "799", `[{"article": "A", "title": "A", "quantity": 1, "price": 799}]`))
	_, err = e.p.Order(context.Background(), "2")
	var inv *rosync.InvalidOrderError
	require.True(t, errors.As(err, &inv), "got %v", err)
	require.Equal(t, "delivery_price", inv.Field)
}

// TestRealWire_TotalSum: the RO App order amounts to total_sum to the cent
// (ORD-3), the discount carried on the lines.
func TestRealWire_TotalSum(t *testing.T) {
	cases := []struct {
		name     string
		total    string
		products string
		want     []string
	}{
		{
			// The measured order: a 799 line, a 25 % coupon, total_sum 599,
			// the line price untouched.
			name:     "coupon",
			total:    "599",
			products: `[{"article": "A", "title": "A", "quantity": 1, "price": 799, "total_price": 799, "discount_marker": "NONE"}]`,
			want:     []string{"799.00×1−200.00"},
		},
		{
			// A manager discount of 100 over three lines, spread in
			// proportion, the leftover cent to the largest remainder.
			name:     "manager discount spread",
			total:    `"1397.00"`,
			products: `[{"article": "A", "title": "A", "quantity": 1, "price": 999}, {"article": "B", "title": "B", "quantity": 2, "price": "199.00"}, {"article": "C", "title": "C", "quantity": 1, "price": 100}]`,
			want:     []string{"999.00×1−66.73", "199.00×2−26.59", "100.00×1−6.68"},
		},
		{
			// total_price explains the discount line by line: it is used.
			name:     "total_price per line",
			total:    "1100",
			products: `[{"article": "A", "title": "A", "quantity": 1, "price": 1000, "total_price": 900}, {"article": "B", "title": "B", "quantity": 2, "price": 100, "total_price": 200}]`,
			want:     []string{"1000.00×1−100.00", "100.00×2−0.00"},
		},
		{
			// total_price that does not add up to total_sum is not used.
			name:     "total_price not explaining",
			total:    "150",
			products: `[{"article": "A", "title": "A", "quantity": 1, "price": 100, "total_price": 100}, {"article": "B", "title": "B", "quantity": 1, "price": 100, "total_price": 100}]`,
			want:     []string{"100.00×1−25.00", "100.00×1−25.00"},
		},
		{
			name:     "no discount",
			total:    "398",
			products: `[{"article": "B", "title": "B", "quantity": 2, "price": "199.00", "total_price": 398}]`,
			want:     []string{"199.00×2−0.00"},
		},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := setup(t, nil)
			e.addOrders(t, realOrder(10+i, "0", tc.total, tc.products))
			o, err := e.p.Order(context.Background(), fmt.Sprint(10+i))
			require.NoError(t, err)
			want, err := decimal.NewFromString(strings.Trim(tc.total, `"`))
			require.NoError(t, err)
			require.True(t, want.Equal(o.Total), "ORD-3: Total %s, want total_sum %s", o.Total, want)
			require.True(t, want.Equal(o.LinesTotal()), "ORD-3: the lines amount to %s, want total_sum %s", o.LinesTotal(), want)
			require.Equal(t, tc.want, amounts(o))
		})
	}
}

// TestRealWire_TotalSumStatedWrongly: a total_sum above the lines' sum, or
// negative, is the platform stating the order wrongly (ORD-3): refused,
// naming total_sum.
func TestRealWire_TotalSumStatedWrongly(t *testing.T) {
	for i, total := range []string{"800", "-1", `"599.005"`, `"lots"`} {
		t.Run(total, func(t *testing.T) {
			e := setup(t, nil)
			e.addOrders(t, realOrder(20+i, "-1", total, `[{"article": "A", "title": "A", "quantity": 1, "price": 799}]`))
			_, err := e.p.Order(context.Background(), fmt.Sprint(20+i))
			var inv *rosync.InvalidOrderError
			require.True(t, errors.As(err, &inv), "ORD-3: got %v", err)
			require.Equal(t, "total_sum", inv.Field) // ORD-3
			require.Equal(t, fmt.Sprint(20+i), inv.OrderID)
		})
	}
}

// TestRealWire_SetStatusLogMessages: Cartum's own orders/update example
// answers WARNING with log entries {status, messages} and no order_id;
// SetStatus reports the reason.
func TestRealWire_SetStatusLogMessages(t *testing.T) {
	cases := []struct {
		name, answer, want string
	}{
		{
			name:   "official example",
			answer: `{"status": "WARNING", "response": {"log": [{"status": "ERROR", "messages": "status is not defined or defined incorrectly"}]}}`,
			want:   "status is not defined or defined incorrectly",
		},
		{
			name:   "messages as an array",
			answer: `{"status": "WARNING", "response": {"log": [{"status": "ERROR", "messages": ["order is locked", "try later"]}]}}`,
			want:   "order is locked; try later",
		},
		{
			name:   "OK answer, failed entry",
			answer: `{"status": "OK", "response": {"log": [{"order_id": 24, "status": "ERROR", "message": "Order not found"}]}}`,
			want:   "Order not found",
		},
		{
			name:   "WARNING without a log",
			answer: `{"status": "WARNING", "response": {}}`,
			want:   "WARNING",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := cannedShop(t, tc.answer)
			err := p.SetStatus(context.Background(), "24", "2")
			var api *rosync.APIError
			require.True(t, errors.As(err, &api), "CAR-2: a failed status push is an error, got %v", err)
			require.Contains(t, api.Message, tc.want) // CAR-2: the reason is reported
			require.Contains(t, api.Message, "order 24")
		})
	}
	t.Run("success", func(t *testing.T) {
		p := cannedShop(t, `{"status": "OK", "response": {"log": [{"status": "OK", "messages": "UPDATED"}]}}`)
		require.NoError(t, p.SetStatus(context.Background(), "24", "2")) // CAR-2
	})
}

// cannedShop is an adapter whose orders/update gets answer, and whose auth
// gets a token.
func cannedShop(t *testing.T, answer string) *cartum.Platform {
	t.Helper()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/auth/":
			fmt.Fprint(w, `{"status": "OK", "response": {"token": "0123456789abcdef0123456789abcdef"}}`)
		case "/api/orders/update/":
			fmt.Fprint(w, answer)
		default:
			fmt.Fprint(w, `{"status": "UNDEFINED_FUNCTION", "response": {}}`)
		}
	}))
	t.Cleanup(hs.Close)
	p, err := cartum.New(hs.URL, cartum.Credentials{Login: testLogin, Password: testPassword}, &cartum.Options{Currency: "UAH", HTTPClient: hs.Client()})
	require.NoError(t, err)
	return p
}

// TestRealWire_AuthorizationError: a shop that answers AUTHORIZATION_ERROR
// to a stale token gets one renewal, as for UNAUTHORIZED; a second refusal
// is an error.
func TestRealWire_AuthorizationError(t *testing.T) {
	e := setup(t, nil)
	e.shop(t)
	e.srv.ExpireTokens() // the fake answers AUTHORIZATION_ERROR to a revoked token
	e.shop(t)
	calls := e.srv.Calls()
	require.Equal(t, 2, calls["auth"], "renewed on AUTHORIZATION_ERROR")
	require.Equal(t, 3, calls["orders/get_available_statuses"], "the refused call is made once more")
}
