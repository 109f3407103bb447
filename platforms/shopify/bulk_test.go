package shopify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/shopify/shopifytest"
)

// sameDecimal compares amounts and their scale: both paths must give
// identical orders, "10.00" and "10" included.
var sameDecimal = cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) && a.Exponent() == b.Exponent() })

var importSince = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

// variedNode is order id, created minutes after importSince, with what
// varies between real orders: more lines than a list page holds, lines
// removed by a refund, variants, a cancelled order, a withheld customer,
// no shipping.
func variedNode(t testing.TB, id, minutes int) []byte {
	created := importSince.Add(time.Duration(minutes) * time.Minute).Format(time.RFC3339)
	return node(t, id, created, func(o map[string]any) {
		tmpl := line0(o)
		n := 1 + id%4
		if id%11 == 0 {
			n = 15 // more than DefaultLinesPerOrder: follow-up queries when paged
		}
		var lines []any
		for i := range n {
			l := map[string]any{}
			for k, v := range tmpl {
				l[k] = v
			}
			l["id"] = fmt.Sprintf("gid://shopify/LineItem/%d%03d", id, i)
			l["sku"] = fmt.Sprintf("SKU-%d", (id+i)%37)
			l["currentQuantity"] = 1 + (id+i)%3
			if id%5 == 0 && i == 0 {
				l["currentQuantity"] = 0 // refunded
			}
			if id%13 == 0 {
				l["product"] = map[string]any{"id": "gid://shopify/Product/42", "legacyResourceId": "42",
					"description": "Shirt", "hasOnlyDefaultVariant": false,
					"category": map[string]any{"name": "Shirts", "fullName": "Apparel & Accessories > Clothing > Shirts"}}
				l["variant"] = map[string]any{"id": fmt.Sprintf("gid://shopify/ProductVariant/%d", 500+i), "legacyResourceId": fmt.Sprint(500 + i)}
			}
			l["originalUnitPriceSet"] = map[string]any{"shopMoney": map[string]any{"amount": fmt.Sprintf("%d.%02d", 5+i, id%100), "currencyCode": "USD"}}
			lines = append(lines, l)
		}
		o["lineItems"] = map[string]any{"nodes": lines}
		if id%7 == 0 {
			o["cancelledAt"] = created
		}
		if id%17 == 0 {
			o["customer"] = nil
		}
		if id%19 == 0 {
			o["shippingLine"], o["shippingAddress"] = nil, nil
		}
	})
}

// addOrders adds n varied orders in a scrambled order, and two before the
// import window.
func addOrders(t testing.TB, srv *shopifytest.Server, n int) {
	t.Helper()
	for k := range n {
		i := (k*7919 + 13) % n // a permutation: 7919 is prime and does not divide n
		require.NoError(t, srv.AddOrder(variedNode(t, 10000+i, i)))
	}
	require.NoError(t, srv.AddOrder(variedNode(t, 9001, -60)))
	require.NoError(t, srv.AddOrder(variedNode(t, 9002, -1)))
}

// captureLog returns a debug logger and what it wrote.
func captureLog() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), &buf
}

func downloads(reqs []shopifytest.Request) []shopifytest.Request {
	var out []shopifytest.Request
	for _, r := range reqs {
		if r.Method == http.MethodGet {
			out = append(out, r)
		}
	}
	return out
}

// TestOrders_BulkImport reads an initial import of 600 orders through one
// bulk operation: a plan query, the mutation, polls until COMPLETED (with
// growing waits on the adapter's clock), one download without the access
// token; the orders are exactly those the paged path gives, oldest first.
func TestOrders_BulkImport(t *testing.T) {
	const n = 600
	e := newEnv(t, shopifytest.Options{Bulk: shopifytest.Bulk{Polls: 3}}, nil)
	addOrders(t, e.srv, n)

	bulk, errs := collect(t, e.p, rosync.Query{CreatedSince: importSince})
	require.Empty(t, errs)
	require.Len(t, bulk, n)
	calls := e.srv.Calls()
	require.Equal(t, 1, calls["shop"], "the plan, once")
	require.Equal(t, 1, calls["bulkOperationRunQuery"])
	require.Equal(t, 4, calls["node"], "3 polls see it RUNNING, the 4th COMPLETED")
	require.Equal(t, 1, calls["bulk_download"])
	require.Equal(t, 7, calls["requests"])
	require.Zero(t, calls["orders"]+calls["order"], "no paged query")
	require.Equal(t, []time.Duration{2 * time.Second, 3 * time.Second, 4500 * time.Millisecond}, e.clock.Sleeps())

	reqs := e.srv.Requests()
	inner, _ := reqs[1].Variables["query"].(string)
	require.Contains(t, inner, `orders(sortKey: CREATED_AT, query: "created_at:>='2026-10-01T00:00:00Z'")`)
	require.NotContains(t, inner, "first:", "connections in a bulk query take no first")
	require.Contains(t, reqs[1].Query, "groupObjects: true")
	dl := downloads(reqs)
	require.Len(t, dl, 1)
	require.False(t, dl[0].Token, "the signed URL gets no access token")
	require.True(t, strings.HasPrefix(dl[0].Path, "/bulk/"))

	paged, errs := collect(t, e.with(t, &Options{PagedImport: true}), rosync.Query{CreatedSince: importSince})
	require.Empty(t, errs)
	require.Positive(t, e.srv.Calls()["order"], "the paged path read follow-up pages of lines")
	if diff := cmp.Diff(paged, bulk, sameDecimal); diff != "" {
		t.Fatalf("bulk and paged imports differ (-paged +bulk):\n%s", diff)
	}
	for i := range bulk {
		require.Equal(t, fmt.Sprint(10000+i), bulk[i].ID, "oldest first")
	}
}

// TestOrders_BulkImportStreams: the first order is yielded before the
// result is read to its end, and the time the consumer spends on an order
// does not count as a stalled download (the client's timeout is shorter).
func TestOrders_BulkImportStreams(t *testing.T) {
	var read atomic.Int64
	e := newEnv(t, shopifytest.Options{}, nil)
	addOrders(t, e.srv, 300)
	// The queries get a generous timeout, so that a loaded machine cannot
	// time one out and start the bulk operation again; the download's idle
	// limit, which the adapter derives from that timeout, is then cut to
	// 1 s, below the slow consumer's 2.5 s pause.
	hc := &http.Client{Timeout: time.Minute, Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		resp, err := e.hc.Transport.RoundTrip(r)
		if err == nil && strings.HasPrefix(r.URL.Path, "/bulk/") {
			resp.Body = &countingBody{ReadCloser: resp.Body, n: &read}
		}
		return resp, err
	})}
	p := e.with(t, &Options{HTTPClient: hc})
	require.Zero(t, p.c.download.Timeout, "the download is bounded by the idle limit, not by the client's whole-request timeout")
	require.Equal(t, time.Minute, p.c.idle, "the idle limit is the client's timeout")
	p.c.idle = time.Second
	count := 0
	for o, err := range p.Orders(context.Background(), rosync.Query{CreatedSince: importSince}) {
		require.NoError(t, err)
		if count == 0 {
			require.Less(t, read.Load(), int64(200<<10), "the whole result was read before the first order")
			time.Sleep(2500 * time.Millisecond) // a slow consumer, slower than the idle limit
		}
		require.Equal(t, fmt.Sprint(10000+count), o.ID)
		count++
	}
	require.Equal(t, 300, count)
	require.Equal(t, 1, e.srv.Calls()["bulkOperationRunQuery"], "no fallback to pages")
	require.Equal(t, 1, e.srv.Calls()["bulk_download"], "no new download after the slow consumer")
	require.Greater(t, read.Load(), int64(300<<10))
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// TestOrders_BulkFallsBackToPages: when Shopify will not start the
// operation (another bulk query of the app runs on the shop) or the
// operation fails with ACCESS_DENIED, the import reads the same orders
// page by page, and says why in the log.
func TestOrders_BulkFallsBackToPages(t *testing.T) {
	for name, c := range map[string]struct {
		bulk      shopifytest.Bulk
		polls     int
		logged    string
		reqsFirst int // requests before the first page
	}{
		"in progress":   {bulk: shopifytest.Bulk{InProgress: true}, logged: "OPERATION_IN_PROGRESS", reqsFirst: 2},
		"access denied": {bulk: shopifytest.Bulk{ErrorCode: "ACCESS_DENIED"}, polls: 1, logged: "ACCESS_DENIED", reqsFirst: 3},
	} {
		t.Run(name, func(t *testing.T) {
			log, buf := captureLog()
			e := newEnv(t, shopifytest.Options{Bulk: c.bulk}, &Options{Logger: log})
			addOrders(t, e.srv, 25)
			orders, errs := collect(t, e.p, rosync.Query{CreatedSince: importSince})
			require.Empty(t, errs)
			require.Len(t, orders, 25)
			calls := e.srv.Calls()
			require.Equal(t, c.polls, calls["node"])
			require.Equal(t, 3, calls["orders"], "25 orders, 10 a page")
			require.Zero(t, calls["bulk_download"])
			require.Equal(t, []string{"shop"}, e.srv.Requests()[0].Fields)
			require.Equal(t, []string{"orders", "shop"}, e.srv.Requests()[c.reqsFirst].Fields)
			require.Contains(t, buf.String(), "page by page")
			require.Contains(t, buf.String(), c.logged)
		})
	}
}

// TestOrders_BulkOperationEnds: an operation that ends FAILED (not for
// access), CANCELED or EXPIRED ends the stream with a *BulkOperationError
// naming its status and error code, which the engine may retry.
func TestOrders_BulkOperationEnds(t *testing.T) {
	for _, c := range []struct {
		bulk         shopifytest.Bulk
		status, code string
	}{
		{shopifytest.Bulk{ErrorCode: "TIMEOUT"}, "FAILED", "TIMEOUT"},
		{shopifytest.Bulk{ErrorCode: "INTERNAL_SERVER_ERROR", Polls: 2}, "FAILED", "INTERNAL_SERVER_ERROR"},
		{shopifytest.Bulk{Status: "CANCELED"}, "CANCELED", ""},
		{shopifytest.Bulk{Status: "EXPIRED"}, "EXPIRED", ""},
	} {
		t.Run(c.status+c.code, func(t *testing.T) {
			e := newEnv(t, shopifytest.Options{Bulk: c.bulk}, nil)
			addOrders(t, e.srv, 5)
			orders, errs := collect(t, e.p, rosync.Query{CreatedSince: importSince})
			require.Empty(t, orders)
			require.Len(t, errs, 1)
			var be *BulkOperationError
			require.ErrorAs(t, errs[0], &be)
			require.Equal(t, c.status, be.Status)
			require.Equal(t, c.code, be.ErrorCode)
			require.Equal(t, shopifytest.BulkOperationGID(1), be.ID)
			require.True(t, rosync.Retryable(errs[0]))
			if c.code != "" {
				require.Contains(t, errs[0].Error(), c.code)
			}
			require.Zero(t, e.srv.Calls()["orders"], "no fallback")
		})
	}
}

// TestOrders_BulkEmpty: a query that finds nothing completes without a
// file (url null): no download, no order, no error.
func TestOrders_BulkEmpty(t *testing.T) {
	e := newEnv(t, shopifytest.Options{}, nil)
	require.NoError(t, e.srv.AddOrder(variedNode(t, 1, -10)))
	orders, errs := collect(t, e.p, rosync.Query{CreatedSince: importSince})
	require.Empty(t, orders)
	require.Empty(t, errs)
	calls := e.srv.Calls()
	require.Equal(t, 1, calls["node"])
	require.Zero(t, calls["bulk_download"]+calls["orders"])
}

// TestOrders_BulkPollCancelled: a context cancelled while the adapter
// waits between polls ends the stream with its error; nothing is
// downloaded or read page by page.
func TestOrders_BulkPollCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clock := 0
	sleep := func(ctx context.Context, d time.Duration) error {
		if clock++; clock == 3 {
			cancel()
		}
		return ctx.Err()
	}
	e := newEnv(t, shopifytest.Options{Bulk: shopifytest.Bulk{Polls: 100}}, &Options{Sleep: sleep})
	addOrders(t, e.srv, 5)
	var errs []error
	for _, err := range e.p.Orders(ctx, rosync.Query{CreatedSince: importSince}) {
		errs = append(errs, err)
	}
	require.Len(t, errs, 1)
	require.ErrorIs(t, errs[0], context.Canceled)
	calls := e.srv.Calls()
	require.Equal(t, 3, calls["node"])
	require.Zero(t, calls["bulk_download"]+calls["orders"])
}

// TestOrders_BulkMaxWait: an operation still running after
// Options.BulkMaxWait ends the stream with an error wrapping
// context.DeadlineExceeded.
func TestOrders_BulkMaxWait(t *testing.T) {
	e := newEnv(t, shopifytest.Options{Bulk: shopifytest.Bulk{Polls: 1000}}, &Options{BulkMaxWait: time.Minute})
	addOrders(t, e.srv, 5)
	_, errs := collect(t, e.p, rosync.Query{CreatedSince: importSince})
	require.Len(t, errs, 1)
	require.ErrorIs(t, errs[0], context.DeadlineExceeded)
	require.True(t, rosync.Retryable(errs[0]))
	var total time.Duration
	for _, d := range e.clock.Sleeps() {
		total += d
		require.LessOrEqual(t, d, 30*time.Second)
	}
	require.LessOrEqual(t, total, time.Minute)
}

// TestOrders_PollIsPaged: a reconciliation poll (UpdatedSince) lists pages,
// without a bulk operation.
func TestOrders_PollIsPaged(t *testing.T) {
	e := newEnv(t, shopifytest.Options{}, nil)
	addOrders(t, e.srv, 12)
	orders, errs := collect(t, e.p, rosync.Query{UpdatedSince: importSince})
	require.Empty(t, errs)
	require.Len(t, orders, 12)
	calls := e.srv.Calls()
	require.Equal(t, 2, calls["orders"])
	require.Zero(t, calls["bulkOperationRunQuery"])
}

// TestOrders_BulkBasicPlan: on a Basic store the plan read before the
// operation withholds every customer (SHO-C2).
func TestOrders_BulkBasicPlan(t *testing.T) { // SHO-C2
	e := newEnv(t, shopifytest.Options{Plan: "Basic"}, nil)
	addOrders(t, e.srv, 3)
	orders, errs := collect(t, e.p, rosync.Query{CreatedSince: importSince})
	require.Empty(t, errs)
	require.Len(t, orders, 3)
	for _, o := range orders {
		require.True(t, o.CustomerRedacted)
		require.Nil(t, o.Customer)
	}
}

// rewriteLines returns a Bulk.Rewrite that edits the result's lines.
func rewriteLines(edit func(lines []string) []string) func([]byte) []byte {
	return func(data []byte) []byte {
		lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		return []byte(strings.Join(edit(lines), "\n") + "\n")
	}
}

// TestOrders_BulkBadLines: a malformed order line or line item line, or a
// field of the wrong type, is an *rosync.InvalidOrderError for that order
// (with its id) and the stream goes on; the same field as the paged path
// names for a wrong type.
func TestOrders_BulkBadLines(t *testing.T) {
	// Orders 1, 2, 3 with 2, 3, 4 lines: order lines at 0, 3, 7.
	for name, c := range map[string]struct {
		edit  func([]string) []string
		field string
		bad   string
	}{
		"order line cut":          {edit: func(l []string) []string { l[3] = l[3][:len(l[3])/2]; return l }, bad: "2"},
		"line item cut":           {edit: func(l []string) []string { l[5] = l[5][:len(l[5])-30]; return l }, field: "lineItems.nodes[1]", bad: "2"},
		"line item cut in its id": {edit: func(l []string) []string { l[5] = l[5][:30]; return l }, field: "lineItems.nodes[1]", bad: "2"},
		"wrong type": {edit: func(l []string) []string {
			l[5] = strings.Replace(l[5], `"currentQuantity":1`, `"currentQuantity":"1"`, 1)
			return l
		}, field: "lineItems.nodes[1].currentQuantity", bad: "2"},
		"not an object": {edit: func(l []string) []string { l[3] = `[1,2]`; return l }, bad: ""},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, shopifytest.Options{Bulk: shopifytest.Bulk{Rewrite: rewriteLines(c.edit)}}, nil)
			for i := 1; i <= 3; i++ {
				require.NoError(t, e.srv.AddOrder(node(t, i, importSince.Add(time.Duration(i)*time.Hour).Format(time.RFC3339), func(o map[string]any) {
					var lines []any
					for j := range i + 1 {
						l := map[string]any{}
						for k, v := range line0(o) {
							l[k] = v
						}
						l["id"] = fmt.Sprintf("gid://shopify/LineItem/%d%d", i, j)
						l["currentQuantity"] = 1
						lines = append(lines, l)
					}
					o["lineItems"] = map[string]any{"nodes": lines}
				})))
			}
			orders, errs := collect(t, e.p, rosync.Query{CreatedSince: importSince})
			require.Equal(t, []string{"1", "3"}, ids(orders))
			require.Len(t, orders[1].Lines, 4)
			require.Len(t, errs, 1)
			var inv *rosync.InvalidOrderError
			require.ErrorAs(t, errs[0], &inv)
			require.Equal(t, c.bad, inv.OrderID)
			if c.field != "" {
				require.Equal(t, c.field, inv.Field)
			}
			require.Equal(t, 1, e.srv.Calls()["bulk_download"])
		})
	}
}

// TestOrders_BulkOutOfPlace: a line item before any order, or after
// another order than its own (a result not grouped by order), ends the
// stream with an error: the adapter cannot tell which order it belongs to.
func TestOrders_BulkOutOfPlace(t *testing.T) {
	for name, c := range map[string]struct {
		edit   func([]string) []string
		before int // orders yielded before the error
		msg    string
	}{
		"line item first": {edit: func(l []string) []string { l[0], l[1] = l[1], l[0]; return l }, msg: "before any order"},
		"line item of another order": {edit: func(l []string) []string {
			return append(append([]string{l[0], l[2]}, l[1]), l[3:]...)
		}, before: 1, msg: "follows order gid://shopify/Order/2"},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, shopifytest.Options{Bulk: shopifytest.Bulk{Rewrite: rewriteLines(c.edit)}}, nil)
			for i := 1; i <= 3; i++ {
				require.NoError(t, e.srv.AddOrder(node(t, i, importSince.Add(time.Duration(i)*time.Hour).Format(time.RFC3339), nil)))
			}
			orders, errs := collect(t, e.p, rosync.Query{CreatedSince: importSince})
			require.Len(t, orders, c.before)
			require.Len(t, errs, 1)
			require.Contains(t, errs[0].Error(), c.msg)
			require.Equal(t, 1, e.srv.Calls()["bulk_download"], "not retried")
		})
	}
}

// TestOrders_BulkDownloadRetried: a 5xx, or a transfer cut short (fewer
// bytes than fileSize), is retried; the retry asks for the rest of the
// file from the first unfinished order, and every order comes once.
func TestOrders_BulkDownloadRetried(t *testing.T) {
	e := newEnv(t, shopifytest.Options{Bulk: shopifytest.Bulk{CutDownloads: 2}}, nil)
	addOrders(t, e.srv, 40)
	e.srv.Fail(shopifytest.Fault{Status: http.StatusServiceUnavailable, Download: true})
	orders, errs := collect(t, e.p, rosync.Query{CreatedSince: importSince})
	require.Empty(t, errs)
	require.Len(t, orders, 40)
	for i, o := range orders {
		require.Equal(t, fmt.Sprint(10000+i), o.ID, "each order once, in order")
	}
	dl := downloads(e.srv.Requests())
	require.Len(t, dl, 4)
	require.Equal(t, []string{"fault", "cut", "cut", "ok"}, []string{dl[0].Outcome, dl[1].Outcome, dl[2].Outcome, dl[3].Outcome})
	require.Empty(t, dl[1].Range)
	require.Regexp(t, `^bytes=[1-9][0-9]*-$`, dl[2].Range)
	require.Regexp(t, `^bytes=[1-9][0-9]*-$`, dl[3].Range)
}

// TestOrders_BulkTruncated: a result that stays cut after the retries ends
// the stream with an error after the orders read whole: none is lost
// silently, none is yielded twice.
func TestOrders_BulkTruncated(t *testing.T) {
	cut := func(data []byte) []byte { return data[:len(data)*2/3] } // ends in the middle of a line
	for name, b := range map[string]shopifytest.Bulk{
		"file cut":     {Rewrite: cut},
		"transfer cut": {CutDownloads: 10},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, shopifytest.Options{Bulk: b}, &Options{RetryMax: 2})
			addOrders(t, e.srv, 30)
			orders, errs := collect(t, e.p, rosync.Query{CreatedSince: importSince})
			require.Len(t, errs, 1)
			require.Contains(t, errs[0].Error(), "bulk operation result")
			require.NotEmpty(t, orders)
			require.Less(t, len(orders), 30)
			for i, o := range orders {
				require.Equal(t, fmt.Sprint(10000+i), o.ID)
			}
			require.Equal(t, 3, len(downloads(e.srv.Requests())), "1 + RetryMax attempts")
		})
	}
}

// TestOrders_BulkSecretsStayOut: errors and logs of a bulk import carry
// neither the access token nor the signed result URL.
func TestOrders_BulkSecretsStayOut(t *testing.T) {
	log, buf := captureLog()
	e := newEnv(t, shopifytest.Options{Bulk: shopifytest.Bulk{CutDownloads: 10}}, &Options{Logger: log, RetryMax: 1})
	addOrders(t, e.srv, 5)
	_, errs := collect(t, e.p, rosync.Query{CreatedSince: importSince})
	require.Len(t, errs, 1)
	for _, s := range []string{errs[0].Error(), buf.String()} {
		requireNoSecret(t, s)
		require.NotContains(t, s, "sig=")
		require.NotContains(t, s, "/bulk/")
	}
}

// TestOrders_BulkStopsEarly: a consumer that stops gets nothing more and
// no error.
func TestOrders_BulkStopsEarly(t *testing.T) {
	e := newEnv(t, shopifytest.Options{}, nil)
	addOrders(t, e.srv, 20)
	n := 0
	for _, err := range e.p.Orders(context.Background(), rosync.Query{CreatedSince: importSince}) {
		require.NoError(t, err)
		if n++; n == 3 {
			break
		}
	}
	require.Equal(t, 3, n)
}

// TestBulkLines covers the JSONL helpers on their own.
func TestBulkLines(t *testing.T) {
	for _, c := range []struct {
		line  string
		child bool
		id    string
	}{
		{`{"id":"gid://shopify/Order/1","name":"#1"}`, false, "gid://shopify/Order/1"},
		{`{"id":"gid://shopify/LineItem/1","__parentId":"gid://shopify/Order/1"}`, true, "gid://shopify/LineItem/1"},
		{`{"id":"gid://shopify/LineItem/1","sku":"A","__parentId":"gid://sho`, true, "gid://shopify/LineItem/1"},
		{`{"id":"gid://shopify/Order/1","name":"#`, false, "gid://shopify/Order/1"},
		{`{"id":"gid://shopify/LineItem/1","sku":"A","__pa`, true, "gid://shopify/LineItem/1"},
		{`{"id":"gid://shopify/LineItem/1`, true, ""},
		{`{"id":"gid://shop`, false, ""},
		{`[]`, false, ""},
	} {
		l := scanBulkLine([]byte(c.line))
		require.Equal(t, c.child, l.child, c.line)
		require.Equal(t, c.id, l.id, c.line)
	}
	got, ok := withLineItems([]byte(` {} `), [][]byte{[]byte(`{"id":1}`)})
	require.True(t, ok)
	require.JSONEq(t, `{"lineItems":{"pageInfo":{"hasNextPage":false,"endCursor":null},"nodes":[{"id":1}]}}`, string(got))
	_, ok = withLineItems([]byte(`"x"`), nil)
	require.False(t, ok)
	require.Equal(t, int64(100), rangeStart("bytes 100-199/200"))
	require.Equal(t, int64(-1), rangeStart("items 1-2"))
	n, ok := unsigned([]byte(`"12"`))
	require.True(t, ok)
	require.Equal(t, int64(12), n)
	_, ok = unsigned([]byte(`null`))
	require.False(t, ok)
	require.True(t, errors.Is(fmt.Errorf("x: %w", errBulkLineTooLong), errBulkLineTooLong))
}
