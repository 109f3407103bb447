package cartumtest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync/platforms/cartum/cartumtest"
)

type answer struct {
	Status   string          `json:"status"`
	Response json.RawMessage `json:"response"`
}

func post(t *testing.T, url, fn string, body map[string]any) (int, answer) {
	t.Helper()
	data, err := json.Marshal(body)
	require.NoError(t, err)
	resp, err := http.Post(url+"/api/"+fn+"/", "application/json", bytes.NewReader(data))
	require.NoError(t, err)
	defer resp.Body.Close()
	var a answer
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&a))
	return resp.StatusCode, a
}

func token(t *testing.T, url string) string {
	t.Helper()
	_, a := post(t, url, "auth", map[string]any{"login": "api", "password": "pw"})
	require.Equal(t, "OK", a.Status)
	var r struct{ Token string }
	require.NoError(t, json.Unmarshal(a.Response, &r))
	return r.Token
}

func orderIDs(t *testing.T, a answer) []int64 {
	t.Helper()
	require.Equal(t, "OK", a.Status, string(a.Response))
	var r struct {
		Orders []struct {
			OrderID int64 `json:"order_id"`
		} `json:"orders"`
	}
	require.NoError(t, json.Unmarshal(a.Response, &r))
	ids := []int64{}
	for _, o := range r.Orders {
		ids = append(ids, o.OrderID)
	}
	return ids
}

func TestServer(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC).Unix())
	clock := func() time.Time { return time.Unix(now.Load(), 0) }
	loc, _ := time.LoadLocation("Europe/Kyiv")
	srv := cartumtest.New(cartumtest.Options{Login: "api", Password: "pw", Location: loc, Now: clock, MaxLimit: 2})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	for i, created := range []string{"2026-11-01 10:00:00", "2026-11-02 10:00:00", "2026-11-03 10:00:00"} {
		require.NoError(t, srv.AddOrder(json.RawMessage(fmt.Sprintf(
			`{"order_id": %d, "stat_status": %d, "stat_created": %q}`, 10+i, 1+i%2, created))))
	}
	require.NoError(t, srv.SetStatuses(json.RawMessage(`{"1": {"id": 1, "title": {"en": "New"}, "is_successful": 0}, "2": {"id": 2, "title": "Done", "is_successful": 1}}`)))

	_, a := post(t, hs.URL, "auth", map[string]any{"login": "api", "password": "nope"})
	require.Equal(t, "ERROR", a.Status, "a wrong login answers ERROR")
	_, a = post(t, hs.URL, "orders/get", map[string]any{"token": "forged"})
	require.Equal(t, "AUTHORIZATION_ERROR", a.Status, "an unknown token")
	tok := token(t, hs.URL)

	_, a = post(t, hs.URL, "orders/get", map[string]any{"token": tok})
	require.Equal(t, []int64{10, 11}, orderIDs(t, a), "limit defaults to MaxLimit")
	_, a = post(t, hs.URL, "orders/get", map[string]any{"token": tok, "offset": 2, "limit": 2})
	require.Equal(t, []int64{12}, orderIDs(t, a))
	_, a = post(t, hs.URL, "orders/get", map[string]any{"token": tok, "limit": 3})
	require.Equal(t, "ERROR", a.Status)
	_, a = post(t, hs.URL, "orders/get", map[string]any{"token": tok, "from": "2026-11-02 10:00:00", "to": "2026-11-02 10:00:00"})
	require.Equal(t, []int64{11}, orderIDs(t, a), "from and to are inclusive, in shop time")
	_, a = post(t, hs.URL, "orders/get", map[string]any{"token": tok, "ids": []int{12, 10}})
	require.Equal(t, []int64{10, 12}, orderIDs(t, a))
	_, a = post(t, hs.URL, "orders/get", map[string]any{"token": tok, "status": 2})
	require.Equal(t, []int64{11}, orderIDs(t, a))
	_, a = post(t, hs.URL, "orders/get", map[string]any{"token": tok, "from": "yesterday"})
	require.Equal(t, "ERROR", a.Status)

	_, a = post(t, hs.URL, "orders/update", map[string]any{"token": tok, "orders": []any{
		map[string]any{"order_id": 10, "status": 2}, map[string]any{"order_id": 99, "status": 2}}})
	require.Equal(t, "WARNING", a.Status)
	// Cartum's example: "messages", no order_id, in the request's order.
	require.JSONEq(t, `{"log": [{"status": "OK", "messages": "UPDATED"}, {"status": "ERROR", "messages": "Order not found"}]}`, string(a.Response))
	_, a = post(t, hs.URL, "orders/update", map[string]any{"token": tok, "orders": []any{map[string]any{"order_id": 10, "status": 5}}})
	require.Equal(t, "WARNING", a.Status)
	require.Contains(t, string(a.Response), "status is not defined or defined incorrectly")
	require.Equal(t, []cartumtest.StatusUpdate{{OrderID: "10", Status: "2"}}, srv.StatusUpdates())
	raw, ok := srv.Order(10)
	require.True(t, ok)
	require.Contains(t, string(raw), `"stat_status":2`)

	code, a := post(t, hs.URL, "hooks/subscribe", map[string]any{"token": tok, "event": "order_created", "target_url": "https://h.example/x"})
	require.Equal(t, http.StatusCreated, code)
	require.Equal(t, []cartumtest.Hook{{ID: 1, Event: "order_created", TargetURL: "https://h.example/x"}}, srv.Hooks())

	_, a = post(t, hs.URL, "orders/nope", map[string]any{"token": tok})
	require.Equal(t, "UNDEFINED_FUNCTION", a.Status)

	now.Add(600)
	_, a = post(t, hs.URL, "orders/get_available_statuses", map[string]any{"token": tok})
	require.Equal(t, "UNAUTHORIZED", a.Status, "tokens live 600 s on the server clock")

	srv.ExpireTokens()
	_, a = post(t, hs.URL, "orders/get_available_statuses", map[string]any{"token": tok})
	require.Equal(t, "AUTHORIZATION_ERROR", a.Status, "a revoked token")

	srv.Fail("orders/get", cartumtest.Fault{HTTPStatus: http.StatusBadGateway})
	code, _ = postRaw(t, hs.URL, "orders/get")
	require.Equal(t, http.StatusBadGateway, code)
	require.Equal(t, 9, srv.Calls()["orders/get"])
	for _, r := range srv.Requests() {
		require.NotContains(t, r.Body, "password")
		require.NotContains(t, r.Body, "token")
	}

	req := cartumtest.Webhook("https://h.example/x?a=1", "s&cret", []byte(`{}`))
	require.Equal(t, "s&cret", req.URL.Query().Get(cartumtest.SecretParam))
	require.Equal(t, "1", req.URL.Query().Get("a"))
}

func postRaw(t *testing.T, url, fn string) (int, []byte) {
	t.Helper()
	resp, err := http.Post(url+"/api/"+fn+"/", "application/json", bytes.NewReader([]byte(`{}`)))
	require.NoError(t, err)
	defer resp.Body.Close()
	return resp.StatusCode, nil
}

// TestServer_ComputedFields: the fake adds what the platform computes and
// always sends, and serves what a fixture states as given.
func TestServer_ComputedFields(t *testing.T) {
	srv := cartumtest.New(cartumtest.Options{})
	// The measured coupon order: a 799 line, a 25 % coupon.
	require.NoError(t, srv.AddOrder(json.RawMessage(`{"order_id": 1, "stat_status": 1, "stat_created": "2026-11-01 10:00:00",
		"coupon_percent": 25, "products": [{"article": "A", "quantity": 1, "price": 799}]}`)))
	// A fixture that states delivery_price (null here) and total_sum keeps them.
	require.NoError(t, srv.AddOrder(json.RawMessage(`{"order_id": 2, "stat_status": 1, "stat_created": "2026-11-01 10:00:00",
		"delivery_price": null, "total_sum": 100, "products": [{"article": "B", "quantity": 2, "price": "60.50"}]}`)))

	raw, ok := srv.Order(1)
	require.True(t, ok)
	require.JSONEq(t, `{"order_id": 1, "stat_status": 1, "stat_created": "2026-11-01 10:00:00",
		"coupon_percent": 25, "coupon_discount_value": 200, "total_default": 799, "total_sum": 599,
		"delivery_price": -1,
		"products": [{"article": "A", "quantity": 1, "price": 799, "total_price": 799, "discount_marker": "NONE"}]}`, string(raw))

	raw, ok = srv.Order(2)
	require.True(t, ok)
	require.JSONEq(t, `{"order_id": 2, "stat_status": 1, "stat_created": "2026-11-01 10:00:00",
		"delivery_price": null, "total_default": 121, "total_sum": 100,
		"products": [{"article": "B", "quantity": 2, "price": "60.50", "total_price": 121, "discount_marker": "NONE"}]}`, string(raw))
}
