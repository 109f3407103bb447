package cartum_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/cartum"
	"github.com/rosync/rosync/platforms/cartum/cartumtest"
)

func TestNew_Errors(t *testing.T) {
	creds := cartum.Credentials{Login: "api", Password: "pw"}
	ok := &cartum.Options{Currency: "UAH"}
	tests := map[string]struct {
		url   string
		creds cartum.Credentials
		opts  *cartum.Options
	}{
		"no currency":      {"https://shop.example", creds, nil},
		"unknown currency": {"https://shop.example", creds, &cartum.Options{Currency: "HRYVNIA"}},
		"bad timezone":     {"https://shop.example", creds, &cartum.Options{Currency: "UAH", Timezone: "Mars/Olympus"}},
		"credentials":      {"https://api:pw@shop.example", creds, ok},
		"query":            {"https://shop.example?x=1", creds, ok},
		"ftp":              {"ftp://shop.example", creds, ok},
		"empty":            {"", creds, ok},
		"no password":      {"https://shop.example", cartum.Credentials{Login: "api"}, ok},
		"no login":         {"https://shop.example", cartum.Credentials{Password: "pw"}, ok},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := cartum.New(tc.url, tc.creds, tc.opts)
			require.Error(t, err)
			require.NotContains(t, err.Error(), "pw@")
		})
	}
	p, err := cartum.New("shop.example", creds, ok)
	require.NoError(t, err, "a bare host is taken as https")
	require.Equal(t, "cartum", p.Name())
}

func TestShop(t *testing.T) {
	e := setup(t, nil)
	info, err := e.p.Shop(context.Background())
	require.NoError(t, err)
	require.Equal(t, rosync.ShopInfo{Currency: "UAH", Timezone: "Europe/Kyiv"}, info)
	sts := e.p.Statuses()
	require.Len(t, sts, 6)
	require.Equal(t, cartum.Status{ID: 3, Title: "Доставлене", Successful: true}, sts[2])
}

// TestToken_RenewedBeforeExpiry: the token (600 s) is reused until it is
// 540 s old, then renewed before the server would refuse it.
func TestToken_RenewedBeforeExpiry(t *testing.T) {
	e := setup(t, nil)
	ctx := context.Background()
	e.shop(t)
	require.Equal(t, 1, e.srv.Calls()["auth"])
	e.clock.Advance(539 * time.Second)
	e.shop(t)
	require.Equal(t, 1, e.srv.Calls()["auth"], "a 539 s old token is reused")
	e.clock.Advance(time.Second)
	e.shop(t)
	require.Equal(t, 2, e.srv.Calls()["auth"], "a 540 s old token is renewed")
	// No call was refused on the way.
	for o, err := range e.p.Orders(ctx, rosync.Query{}) {
		require.NoError(t, err, "order %s", o.ID)
	}
	require.Equal(t, 2, e.srv.Calls()["auth"])
	require.Equal(t, 3, e.srv.Calls()["orders/get_available_statuses"])
}

// TestToken_RenewedAfterUnauthorized: a token the server no longer knows
// answers UNAUTHORIZED; the adapter authenticates again and retries once.
func TestToken_RenewedAfterUnauthorized(t *testing.T) {
	e := setup(t, nil)
	e.shop(t)
	e.srv.ExpireTokens()
	e.shop(t)
	calls := e.srv.Calls()
	require.Equal(t, 2, calls["auth"])
	require.Equal(t, 3, calls["orders/get_available_statuses"], "the refused call is made once more")
}

func TestToken_UnauthorizedTwiceIsAnError(t *testing.T) {
	e := setup(t, nil)
	e.shop(t)
	e.srv.Fail("orders/get_available_statuses", cartumtest.Fault{Status: "UNAUTHORIZED", Message: "no", Times: 5})
	_, err := e.p.Shop(context.Background())
	var api *rosync.APIError
	require.True(t, errors.As(err, &api), "got %v", err)
	require.Equal(t, "UNAUTHORIZED: no", api.Message)
	require.Equal(t, 0, api.Status)
	calls := e.srv.Calls()
	require.Equal(t, 2, calls["auth"], "renewed once")
	require.Equal(t, 3, calls["orders/get_available_statuses"], "retried once, not in a loop")
}

func TestToken_WrongPassword(t *testing.T) {
	e := setup(t, nil)
	p, err := cartum.New(e.url, cartum.Credentials{Login: testLogin, Password: "wrong-password"}, &cartum.Options{
		Currency: "UAH", RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond,
	})
	require.NoError(t, err)
	_, err = p.Shop(context.Background())
	var api *rosync.APIError
	require.True(t, errors.As(err, &api), "got %v", err)
	require.Equal(t, "auth", api.Path)
	require.True(t, strings.HasPrefix(api.Message, "ERROR"), api.Message) // Cartum answers a wrong login with ERROR
	require.False(t, rosync.Retryable(err), "wrong credentials are permanent")
	require.Equal(t, 1, e.srv.Calls()["auth"])
	require.NotContains(t, err.Error(), "wrong-password")
}

// TestErrors_AsHTTP200: Cartum reports errors in the body of an HTTP 200.
func TestErrors_AsHTTP200(t *testing.T) {
	for _, st := range []string{"ERROR", "EXCEPTION", "UNDEFINED_FUNCTION", "WARNING"} {
		t.Run(st, func(t *testing.T) {
			e := setup(t, nil)
			e.srv.Fail("orders/get", cartumtest.Fault{Status: st, Message: "Something is wrong"})
			var err error
			for _, err = range e.p.Orders(context.Background(), rosync.Query{}) {
				break
			}
			want := &rosync.APIError{Service: "cartum", Method: "POST", Path: "orders/get", Status: 0, Message: st + ": Something is wrong"}
			var api *rosync.APIError
			require.True(t, errors.As(err, &api), "got %v", err)
			require.Equal(t, want, api)
			require.False(t, rosync.Retryable(err))
			require.Equal(t, 1, e.srv.Calls()["orders/get"], "not retried")
		})
	}
}

func TestErrors_5xxRetriedForReads(t *testing.T) {
	e := setup(t, nil)
	e.addOrders(t, orderJSON(1, 1, "2026-11-20 10:00:00"))
	e.srv.Fail("orders/get", cartumtest.Fault{HTTPStatus: http.StatusBadGateway, Times: 2})
	_, err := e.p.Order(context.Background(), "1")
	require.NoError(t, err)
	require.Equal(t, 3, e.srv.Calls()["orders/get"])

	e.srv.Fail("orders/get", cartumtest.Fault{HTTPStatus: http.StatusServiceUnavailable, Times: 10})
	_, err = e.p.Order(context.Background(), "1")
	var api *rosync.APIError
	require.True(t, errors.As(err, &api), "got %v", err)
	require.Equal(t, http.StatusServiceUnavailable, api.Status)
	require.True(t, rosync.Retryable(err), "a 5xx stays retryable for the engine")
	require.Equal(t, 3+5, e.srv.Calls()["orders/get"], "1 + RetryMax (4) attempts")
}

// TestErrors_Writes: orders/update sets an absolute status and is retried
// like a read; hooks/subscribe is not (a repeat adds a subscription), and
// a lost answer is an *rosync.AmbiguousError.
func TestErrors_Writes(t *testing.T) {
	e := setup(t, nil)
	e.addOrders(t, orderJSON(1, 1, "2026-11-20 10:00:00"))
	e.shop(t)
	e.srv.Fail("orders/update", cartumtest.Fault{HTTPStatus: http.StatusBadGateway})
	require.NoError(t, e.p.SetStatus(context.Background(), "1", "2"))
	require.Equal(t, 2, e.srv.Calls()["orders/update"])
	require.Equal(t, []cartumtest.StatusUpdate{{OrderID: "1", Status: "2"}}, e.srv.StatusUpdates())

	e.srv.Fail("hooks/subscribe", cartumtest.Fault{HTTPStatus: http.StatusBadGateway})
	err := e.p.Subscribe(context.Background(), "https://host.example/h")
	var amb *rosync.AmbiguousError
	require.True(t, errors.As(err, &amb), "a create whose outcome is unknown: got %v", err)
	require.Equal(t, 1, e.srv.Calls()["hooks/subscribe"])
}

// flakyTransport fails the first n round trips with a network error.
type flakyTransport struct {
	n    atomic.Int32
	base http.RoundTripper
}

func (f *flakyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if f.n.Add(-1) >= 0 {
		return nil, errors.New("connection reset by peer")
	}
	return f.base.RoundTrip(r)
}

func TestErrors_NetworkRetriedForReads(t *testing.T) {
	srv := cartumtest.New(cartumtest.Options{Login: testLogin, Password: testPassword})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	ft := &flakyTransport{base: hs.Client().Transport}
	ft.n.Store(2)
	p, err := cartum.New(hs.URL, cartum.Credentials{Login: testLogin, Password: testPassword}, &cartum.Options{
		Currency: "UAH", HTTPClient: &http.Client{Transport: ft},
		RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond,
	})
	require.NoError(t, err)
	_, err = p.Shop(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, srv.Calls()["auth"])
}

func TestOrders_EmptyStatusIsAnEmptyPage(t *testing.T) {
	srv := cartumtest.New(cartumtest.Options{EmptyStatus: true})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	p, err := cartum.New(hs.URL, cartum.Credentials{Login: "a", Password: "b"}, &cartum.Options{Currency: "UAH", HTTPClient: hs.Client()})
	require.NoError(t, err)
	n := 0
	for _, err := range p.Orders(context.Background(), rosync.Query{}) {
		require.NoError(t, err)
		n++
	}
	require.Zero(t, n)
	_, err = p.Order(context.Background(), "5")
	require.ErrorIs(t, err, rosync.ErrNotFound)
}
