package shopify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/shopify/shopifytest"
)

func collect(t *testing.T, p *Platform, q rosync.Query) ([]rosync.Order, []error) {
	t.Helper()
	var (
		orders []rosync.Order
		errs   []error
	)
	for o, err := range p.Orders(context.Background(), q) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		orders = append(orders, o)
	}
	return orders, errs
}

func ids(orders []rosync.Order) []string {
	out := make([]string, len(orders))
	for i, o := range orders {
		out[i] = o.ID
	}
	return out
}

// TestOrders_Pagination lists 7 orders 2 by 2 (4 pages), oldest first,
// within the created_at window, with the plan read from the same queries
// (an initial import with PagedImport).
func TestOrders_Pagination(t *testing.T) {
	e := newEnv(t, shopifytest.Options{}, &Options{OrdersPerPage: 2, PagedImport: true})
	base := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	// Added out of order; 1000 is before the window.
	for _, i := range []int{5, 3, 1, 7, 2, 6, 4} {
		require.NoError(t, e.srv.AddOrder(node(t, 1000+i, base.Add(time.Duration(i)*time.Hour).Format(time.RFC3339), nil)))
	}
	require.NoError(t, e.srv.AddOrder(node(t, 1000, "2026-09-01T00:00:00Z", nil)))

	orders, errs := collect(t, e.p, rosync.Query{CreatedSince: base})
	require.Empty(t, errs)
	require.Equal(t, []string{"1001", "1002", "1003", "1004", "1005", "1006", "1007"}, ids(orders))
	require.Equal(t, 4, e.srv.Calls()["orders"], "7 orders, 2 a page")

	reqs := e.srv.Requests()
	require.Len(t, reqs, 4)
	require.Equal(t, "created_at:>='2026-10-01T00:00:00Z'", reqs[0].Variables["query"])
	require.Equal(t, "CREATED_AT", reqs[0].Variables["sortKey"])
	require.Nil(t, reqs[0].Variables["after"])
	require.NotEmpty(t, reqs[1].Variables["after"], "the next page goes by cursor")
	for _, r := range reqs {
		require.Equal(t, []string{"orders", "shop"}, r.Fields)
		require.LessOrEqual(t, r.RequestedCost, MaxQueryCost)
		require.Equal(t, listCost(2, DefaultLinesPerOrder), r.RequestedCost, "the adapter's cost estimate matches the fake's computation")
	}
}

func TestOrders_PollAndUntil(t *testing.T) {
	e := newEnv(t, shopifytest.Options{}, nil)
	require.NoError(t, e.srv.AddOrder(node(t, 1, "2026-10-01T00:00:00Z", func(o map[string]any) { o["updatedAt"] = "2026-11-20T00:00:00Z" })))
	require.NoError(t, e.srv.AddOrder(node(t, 2, "2026-10-02T00:00:00Z", func(o map[string]any) { o["updatedAt"] = "2026-11-10T00:00:00Z" })))
	require.NoError(t, e.srv.AddOrder(node(t, 3, "2026-10-03T00:00:00Z", func(o map[string]any) { o["updatedAt"] = "2026-11-25T00:00:00Z" })))

	since := time.Date(2026, 11, 15, 0, 0, 0, 500, time.UTC)
	orders, errs := collect(t, e.p, rosync.Query{UpdatedSince: since})
	require.Empty(t, errs)
	require.Equal(t, []string{"1", "3"}, ids(orders), "sorted by updatedAt")
	req := e.srv.Requests()[0]
	require.Equal(t, "updated_at:>='2026-11-15T00:00:00Z'", req.Variables["query"])
	require.Equal(t, "UPDATED_AT", req.Variables["sortKey"])

	orders, errs = collect(t, e.p, rosync.Query{UpdatedSince: since, Until: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)})
	require.Empty(t, errs)
	require.Equal(t, []string{"1"}, ids(orders))
}

// TestOrders_InvalidOrderStreamGoesOn: a bad node is yielded as an
// *rosync.InvalidOrderError and the others still come.
func TestOrders_InvalidOrderStreamGoesOn(t *testing.T) {
	e := newEnv(t, shopifytest.Options{}, &Options{OrdersPerPage: 2, PagedImport: true})
	require.NoError(t, e.srv.AddOrder(node(t, 1, "2026-11-01T00:00:00Z", nil)))
	require.NoError(t, e.srv.AddOrder(node(t, 2, "2026-11-02T00:00:00Z", func(o map[string]any) { line0(o)["currentQuantity"] = "3" })))
	require.NoError(t, e.srv.AddOrder(node(t, 3, "2026-11-03T00:00:00Z", nil)))
	orders, errs := collect(t, e.p, rosync.Query{CreatedSince: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)})
	require.Equal(t, []string{"1", "3"}, ids(orders))
	require.Len(t, errs, 1)
	var inv *rosync.InvalidOrderError
	require.ErrorAs(t, errs[0], &inv)
	require.Equal(t, "2", inv.OrderID)
	require.Equal(t, "lineItems.nodes[0].currentQuantity", inv.Field)
}

// TestOrders_ManyLines reads the lines beyond the first page with
// follow-up queries.
func TestOrders_ManyLines(t *testing.T) {
	e := newEnv(t, shopifytest.Options{}, &Options{LinesPerOrder: 2, PagedImport: true})
	const n = 205
	require.NoError(t, e.srv.AddOrder(node(t, 77, "2026-11-01T00:00:00Z", func(o map[string]any) {
		tmpl := line0(o)
		var lines []any
		for i := range n {
			l := map[string]any{}
			for k, v := range tmpl {
				l[k] = v
			}
			l["id"] = fmt.Sprintf("gid://shopify/LineItem/%d", 5000+i)
			l["sku"] = fmt.Sprintf("SKU-%d", i)
			l["currentQuantity"] = 1
			lines = append(lines, l)
		}
		o["lineItems"] = map[string]any{"nodes": lines}
	})))
	orders, errs := collect(t, e.p, rosync.Query{CreatedSince: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)})
	require.Empty(t, errs)
	require.Len(t, orders, 1)
	require.Len(t, orders[0].Lines, n)
	require.Equal(t, "5204", orders[0].Lines[n-1].ID)
	require.Equal(t, 3, e.srv.Calls()["order"], "2 lines, then 100, 100 and the last 3")

	o, err := e.p.Order(context.Background(), "77")
	require.NoError(t, err)
	require.Len(t, o.Lines, n)
}

func TestOrder(t *testing.T) {
	e := newEnv(t, shopifytest.Options{}, nil)
	require.NoError(t, e.srv.AddOrder(json.RawMessage(exampleNode)))
	o, err := e.p.Order(context.Background(), "450789469")
	require.NoError(t, err)
	require.Equal(t, "1001", o.Number)
	require.Len(t, o.Lines, 1)
	req := e.srv.Requests()[0]
	require.Equal(t, "gid://shopify/Order/450789469", req.Variables["id"])
	require.LessOrEqual(t, req.RequestedCost, MaxQueryCost)

	for _, id := range []string{"1", "abc", "-3", "0", "gid://shopify/Order/1", "1/../2"} {
		_, err := e.p.Order(context.Background(), id)
		require.ErrorIs(t, err, rosync.ErrNotFound, "id %q", id)
	}
}

func TestShop(t *testing.T) {
	e := newEnv(t, shopifytest.Options{Currency: "UAH", Plan: "Basic", Timezone: "Europe/Kyiv"}, nil)
	info, err := e.p.Shop(context.Background())
	require.NoError(t, err)
	require.Equal(t, rosync.ShopInfo{Currency: "UAH", Plan: "Basic", Timezone: "Europe/Kyiv"}, info)
}

// TestOrders_BasicPlan: on a Basic store every order comes without
// customer (SHO-C2), and a plan change is seen on the next query.
func TestOrders_BasicPlan(t *testing.T) { // SHO-C2
	e := newEnv(t, shopifytest.Options{Plan: "Basic"}, nil)
	require.NoError(t, e.srv.AddOrder(node(t, 1, "2026-11-01T00:00:00Z", nil)))
	o, err := e.p.Order(context.Background(), "1")
	require.NoError(t, err)
	require.True(t, o.CustomerRedacted)
	require.Nil(t, o.Customer)

	e.srv.SetPlan("Grow")
	o, err = e.p.Order(context.Background(), "1")
	require.NoError(t, err)
	require.False(t, o.CustomerRedacted)
	require.Equal(t, "Ann", o.Customer.FirstName)

	for _, plan := range []string{"basic", "Basic Shopify", " STARTER ", "Shopify Basic"} {
		require.True(t, e.p.limitedPlan(plan), plan)
	}
	for _, plan := range []string{"Grow", "Advanced", "Shopify Plus", "Shopify", ""} {
		require.False(t, e.p.limitedPlan(plan), plan)
	}
}

// TestThrottle_WaitsForTheBucket: after an answer shows the bucket almost
// empty, the next query waits, on the injected clock, the time the bucket
// needs at the restore rate, and is not refused (ENG-3).
func TestThrottle_WaitsForTheBucket(t *testing.T) {
	e := newEnv(t, shopifytest.Options{Bucket: shopifytest.Bucket{Max: 1000, RestoreRate: 50}}, nil)
	require.NoError(t, e.srv.AddOrder(node(t, 1, "2026-11-01T00:00:00Z", nil)))
	_, err := e.p.Order(context.Background(), "1") // learns the bucket and the query's cost
	require.NoError(t, err)
	require.Empty(t, e.clock.Sleeps())

	// Another client of the same app drained the bucket; a cheap query
	// shows it.
	e.srv.SetAvailable(100)
	_, err = e.p.Shop(context.Background())
	require.NoError(t, err)
	require.Empty(t, e.clock.Sleeps(), "2 points were available")

	_, err = e.p.Order(context.Background(), "1")
	require.NoError(t, err)
	calls := e.srv.Calls()
	require.Equal(t, 0, calls["throttled"], "the adapter waited instead of being throttled")
	require.Equal(t, 2, calls["order"])
	sleeps := e.clock.Sleeps()
	require.Len(t, sleeps, 1)
	// orderCost(100) = 614 points requested; 98 available; 50 points/s.
	want := time.Duration(float64(orderCost(linesPerFollowUp)-98) / 50 * float64(time.Second))
	require.InDelta(t, want.Seconds(), sleeps[0].Seconds(), 0.5)
}

// TestThrottle_Retried: a THROTTLED answer is waited out and retried.
func TestThrottle_Retried(t *testing.T) {
	e := newEnv(t, shopifytest.Options{Bucket: shopifytest.Bucket{Max: 1000, RestoreRate: 50}}, nil)
	require.NoError(t, e.srv.AddOrder(node(t, 1, "2026-11-01T00:00:00Z", nil)))
	e.srv.Fail(shopifytest.Fault{Throttle: true, Times: 2})
	_, err := e.p.Order(context.Background(), "1")
	require.NoError(t, err)
	calls := e.srv.Calls()
	require.Equal(t, 2, calls["faults"])
	require.Equal(t, 1, calls["order"])
	require.Len(t, e.clock.Sleeps(), 2)
	for _, d := range e.clock.Sleeps() {
		require.GreaterOrEqual(t, d, time.Second)
	}
}

// TestThrottle_LongWaitIsARateLimitError: a wait over MaxCostWait is not
// slept but returned for the engine to retry later (ENG-2, ENG-3).
func TestThrottle_LongWaitIsARateLimitError(t *testing.T) {
	e := newEnv(t, shopifytest.Options{Bucket: shopifytest.Bucket{Max: 1000, RestoreRate: 1}}, &Options{MaxCostWait: 10 * time.Second})
	require.NoError(t, e.srv.AddOrder(node(t, 1, "2026-11-01T00:00:00Z", nil)))
	_, err := e.p.Order(context.Background(), "1")
	require.NoError(t, err)
	e.srv.SetAvailable(0)
	_, err = e.p.Shop(context.Background()) // 0 points: throttled, waits 2 s, then learns the bucket
	require.NoError(t, err)
	sleeps := len(e.clock.Sleeps())
	_, err = e.p.Order(context.Background(), "1")
	var rl *rosync.RateLimitError
	require.ErrorAs(t, err, &rl)
	require.Greater(t, rl.RetryAfter, 10*time.Second)
	require.True(t, rosync.Retryable(err))
	require.Len(t, e.clock.Sleeps(), sleeps, "a wait over MaxCostWait is not slept")
	require.Equal(t, 1, e.srv.Calls()["order"], "no request sent while the bucket is empty")
}

// TestThrottle_Concurrent: concurrent calls share one view of the bucket
// and none is refused by Shopify.
func TestThrottle_Concurrent(t *testing.T) {
	e := newEnv(t, shopifytest.Options{Bucket: shopifytest.Bucket{Max: 1000, RestoreRate: 50}}, nil)
	require.NoError(t, e.srv.AddOrder(node(t, 1, "2026-11-01T00:00:00Z", nil)))
	_, err := e.p.Order(context.Background(), "1")
	require.NoError(t, err)
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			_, err := e.p.Order(context.Background(), "1")
			errs <- err
		}()
	}
	for range 8 {
		require.NoError(t, <-errs)
	}
	require.Equal(t, 0, e.srv.Calls()["throttled"])
}

func TestHTTPRetries(t *testing.T) {
	t.Run("5xx and 429 retried, Retry-After honoured", func(t *testing.T) {
		e := newEnv(t, shopifytest.Options{}, nil)
		e.srv.Fail(shopifytest.Fault{Status: 503})
		e.srv.Fail(shopifytest.Fault{Status: 429, RetryAfter: "2.0"})
		info, err := e.p.Shop(context.Background())
		require.NoError(t, err)
		require.Equal(t, "USD", info.Currency)
		require.Equal(t, 3, e.srv.Calls()["requests"])
		sleeps := e.clock.Sleeps()
		require.Len(t, sleeps, 2)
		require.Equal(t, 2*time.Second, sleeps[1], "Retry-After: 2.0")
	})
	t.Run("gives up with a typed error", func(t *testing.T) {
		e := newEnv(t, shopifytest.Options{}, &Options{RetryMax: 2})
		e.srv.Fail(shopifytest.Fault{Status: 502, Times: 5})
		_, err := e.p.Shop(context.Background())
		var api *rosync.APIError
		require.ErrorAs(t, err, &api)
		require.Equal(t, "shopify", api.Service)
		require.Equal(t, 502, api.Status)
		require.True(t, rosync.Retryable(err))
		require.Equal(t, 3, e.srv.Calls()["requests"])
	})
	t.Run("long Retry-After is a RateLimitError", func(t *testing.T) {
		e := newEnv(t, shopifytest.Options{}, nil)
		e.srv.Fail(shopifytest.Fault{Status: 429, RetryAfter: "3600"})
		_, err := e.p.Shop(context.Background())
		var rl *rosync.RateLimitError
		require.ErrorAs(t, err, &rl)
		require.Equal(t, time.Hour, rl.RetryAfter)
		require.Empty(t, e.clock.Sleeps())
	})
	t.Run("4xx is not retried", func(t *testing.T) {
		e := newEnv(t, shopifytest.Options{}, nil)
		e.srv.Fail(shopifytest.Fault{Status: 402})
		_, err := e.p.Shop(context.Background())
		var api *rosync.APIError
		require.ErrorAs(t, err, &api)
		require.Equal(t, 402, api.Status)
		require.False(t, rosync.Retryable(err))
		require.Equal(t, 1, e.srv.Calls()["requests"])
	})
	t.Run("context cancelled while waiting", func(t *testing.T) {
		e := newEnv(t, shopifytest.Options{}, nil)
		e.srv.Fail(shopifytest.Fault{Status: 503})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := e.p.Shop(ctx)
		require.ErrorIs(t, err, context.Canceled)
	})
}

// TestGraphQLErrors: errors in an HTTP 200 answer are an *rosync.APIError
// with Service "shopify" and the error code in the message.
func TestGraphQLErrors(t *testing.T) {
	e := newEnv(t, shopifytest.Options{}, nil)
	_, err := e.p.c.queryRaw(context.Background(), `{ nope { id } }`)
	var api *rosync.APIError
	require.ErrorAs(t, err, &api)
	require.Equal(t, "shopify", api.Service)
	require.Equal(t, 200, api.Status)
	require.Contains(t, api.Message, "doesn't exist")
	require.False(t, rosync.Retryable(err))
}

// TestSecretsNotInErrors: neither the access token nor the webhook secret
// appears in errors, even when the server echoes them (ENG-6).
func TestSecretsNotInErrors(t *testing.T) {
	// A server that echoes the request headers into its error answers.
	e := newEnv(t, shopifytest.Options{AccessToken: "another-token"}, nil)
	_, err := e.p.Shop(context.Background())
	var api *rosync.APIError
	require.ErrorAs(t, err, &api)
	require.Equal(t, 401, api.Status)
	requireNoSecret(t, err.Error())

	echo := echoServer(t)
	p, err := New(echo, Credentials{AccessToken: testToken}, &Options{WebhookSecret: testWebhookSecret, RetryMax: -1})
	require.NoError(t, err)
	_, err = p.Shop(context.Background())
	require.Error(t, err)
	requireNoSecret(t, err.Error())
	for o, err := range p.Orders(context.Background(), rosync.Query{}) {
		_ = o
		require.Error(t, err)
		requireNoSecret(t, err.Error())
	}
	requireNoSecret(t, fmt.Sprintf("%v %+v %#v %s", Credentials{AccessToken: testToken}, Credentials{AccessToken: testToken},
		Credentials{AccessToken: testToken}, Credentials{AccessToken: testToken}))
	requireNoSecret(t, fmt.Sprintf("%+v %#v", p, p))
}

func TestNew(t *testing.T) {
	for in, want := range map[string]string{
		"example":                        "https://example.myshopify.com",
		"example.myshopify.com":          "https://example.myshopify.com",
		"https://example.myshopify.com/": "https://example.myshopify.com",
		"http://127.0.0.1:8080":          "http://127.0.0.1:8080",
	} {
		got, err := baseURL(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got)
	}
	for _, in := range []string{"", "ftp://x", "https://user:pw@example.com", "https://example.com/?a=b", "exa mple", "example/x"} {
		_, err := baseURL(in)
		require.Error(t, err, in)
	}
	_, err := New("example", Credentials{}, nil)
	require.Error(t, err, "no token")
	_, err = New("example", Credentials{AccessToken: "x"}, &Options{APIVersion: "latest"})
	require.Error(t, err)
	_, err = New("example", Credentials{AccessToken: "x"}, &Options{OrdersPerPage: 20, LinesPerOrder: 20})
	require.Error(t, err, "over the single query cost limit")
	p, err := New("example", Credentials{AccessToken: "x"}, nil)
	require.NoError(t, err)
	require.Equal(t, "https://example.myshopify.com/admin/api/"+DefaultAPIVersion+"/graphql.json", p.c.endpoint)
}

func TestSetStatusUnsupported(t *testing.T) { // SHO-2
	p, err := New("example", Credentials{AccessToken: "x"}, nil)
	require.NoError(t, err)
	err = p.SetStatus(context.Background(), "1", "fulfilled")
	require.ErrorIs(t, err, rosync.ErrUnsupported)
	require.True(t, errors.Is(err, errors.ErrUnsupported))
}

// TestDefaultPageFitsTheCostLimit: the default page sizes are accepted by
// the fake, which computes the cost as Shopify documents it and refuses
// queries over 1000 points.
func TestDefaultPageFitsTheCostLimit(t *testing.T) {
	e := newEnv(t, shopifytest.Options{}, &Options{PagedImport: true})
	require.NoError(t, e.srv.AddOrder(node(t, 1, "2026-11-01T00:00:00Z", nil)))
	_, errs := collect(t, e.p, rosync.Query{CreatedSince: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)})
	require.Empty(t, errs)
	require.Equal(t, 0, e.srv.Calls()["max_cost"])
	require.Equal(t, listCost(DefaultOrdersPerPage, DefaultLinesPerOrder), e.srv.Requests()[0].RequestedCost)

	// A query over the limit comes back as a GraphQL error (HTTP 200).
	_, err := e.p.c.queryRaw(context.Background(), `{ orders(first: 250) { nodes { lineItems(first: 250) { nodes { id } } } } }`)
	var api *rosync.APIError
	require.ErrorAs(t, err, &api)
	require.Equal(t, 200, api.Status)
	require.True(t, strings.Contains(api.Message, "MAX_COST_EXCEEDED"), api.Message)
}
