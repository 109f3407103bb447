package shopify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/shopify/shopifytest"
)

// demoFixture is the replay's Shopify demo shop, whose order nodes seed the
// fuzz corpora.
const demoFixture = "../../testdata/replay/shopify-demo.json"

// demoNodes returns the order nodes of the demo shop (shop.orders and
// events[].order).
func demoNodes(tb testing.TB) []json.RawMessage {
	data, err := os.ReadFile(demoFixture)
	if err != nil {
		tb.Logf("no demo fixture: %v", err)
		return nil
	}
	var fx struct {
		Shop struct {
			Orders []json.RawMessage `json:"orders"`
		} `json:"shop"`
		Events []struct {
			Order json.RawMessage `json:"order"`
		} `json:"events"`
	}
	if err := json.Unmarshal(data, &fx); err != nil {
		tb.Fatalf("demo fixture: %v", err)
	}
	out := fx.Shop.Orders
	for _, e := range fx.Events {
		if len(e.Order) > 0 && string(e.Order) != "null" {
			out = append(out, e.Order)
		}
	}
	return out
}

// orderSeeds are order nodes: the demo shop's, Shopify's documented
// example, and edge cases of types, numbers, dates and line pages.
func orderSeeds(f *testing.F) {
	for _, n := range demoNodes(f) {
		f.Add([]byte(n))
	}
	f.Add([]byte(exampleNode))
	f.Add([]byte(node(f, 7, "2026-11-02T10:00:00Z", nil)))
	for _, s := range []string{
		``, `null`, `{}`, `[]`, `"x"`, `1e400`,
		`{"legacyResourceId":"7","createdAt":"2026-11-02T10:00:00Z","currencyCode":"USD","currentSubtotalPriceSet":{"shopMoney":{"amount":"1e400"}},"lineItems":{"nodes":[]}}`,
		`{"legacyResourceId":7,"createdAt":"0000-01-01T00:00:00Z","currencyCode":"XXX","currentSubtotalPriceSet":{"shopMoney":{"amount":"-0.001"}},"lineItems":null}`,
		`{"legacyResourceId":"18446744073709551616","createdAt":"2026-11-02T10:00:00+25:00","currencyCode":"USD"}`,
		`{"legacyResourceId":"7","createdAt":"2026-11-02T10:00:00Z","currencyCode":"USD","currentSubtotalPriceSet":{"shopMoney":{"amount":"10"}},` +
			`"lineItems":{"pageInfo":{"hasNextPage":true,"endCursor":"c1"},"nodes":[{"id":"gid://shopify/LineItem/1","currentQuantity":1,"originalUnitPriceSet":{"shopMoney":{"amount":"10"}}}]}}`,
		`{"legacyResourceId":"7","createdAt":"2026-11-02T10:00:00Z","currencyCode":"USD","currentSubtotalPriceSet":{"shopMoney":{"amount":"10"}},` +
			`"lineItems":{"nodes":[{"id":"gid://shopify/LineItem/1","currentQuantity":9223372036854775807,"originalUnitPriceSet":{"shopMoney":{"amount":"0.000000000000000000001"}}},` +
			`{"id":"gid://shopify/Product/2","currentQuantity":"1"},{"id":null,"currentQuantity":1.5}]}}`,
	} {
		f.Add([]byte(s))
	}
}

// fuzzClient is an HTTP client whose every GraphQL query is answered with
// node, in memory (no socket, so that the fuzzer runs fast): node is the
// order of order(id:) (and of the follow-up queries for its lines) and the
// only node of an orders page.
func fuzzClient(node []byte) *http.Client {
	return &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		q, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		var b bytes.Buffer
		if bytes.Contains(q, []byte("RosyncOrders")) {
			b.WriteString(`{"data":{"orders":{"pageInfo":{"hasNextPage":false,"endCursor":null},"nodes":[`)
			b.Write(node)
			b.WriteString(`]},"shop":{"plan":{"publicDisplayName":"Grow"}}}}`)
		} else {
			b.WriteString(`{"data":{"order":`)
			b.Write(node)
			b.WriteString(`,"shop":{"plan":{"publicDisplayName":"Grow"}}}}`)
		}
		return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(&b), Request: r}, nil
	})}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// checkOrder is what a decoded order must satisfy.
func checkOrder(t *testing.T, o rosync.Order, node []byte) {
	t.Helper()
	if o.ID == "" || o.Platform != Name {
		t.Fatalf("order without id or platform decoded from %q", node)
	}
	if err := o.Validate(); err != nil {
		t.Fatalf("decoded order does not validate (%v): %q", err, node)
	}
	for _, l := range o.Lines {
		if l.Quantity <= 0 || l.Quantity > rosync.MaxQuantity {
			t.Fatalf("line quantity %d decoded from %q", l.Quantity, node)
		}
		_ = l.Price.String() // ENG-5: an exact decimal
	}
}

// FuzzOrderDecode serves a fuzzed order node through a GraphQL server and
// reads it with Order and Orders: the adapter never panics, never loops
// (a node that always has a next page of lines ends in an error), and an
// order it returns validates.
func FuzzOrderDecode(f *testing.F) {
	orderSeeds(f)
	f.Fuzz(func(t *testing.T, node []byte) {
		p, err := New("https://fuzz.myshopify.com", Credentials{AccessToken: "shpat_fuzz"},
			&Options{HTTPClient: fuzzClient(node), RetryMax: -1, PagedImport: true})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if o, err := p.Order(ctx, "7"); err == nil {
			checkOrder(t, o, node)
		} else if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Order did not end: %q", node)
		}
		for o, err := range p.Orders(ctx, rosync.Query{CreatedSince: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}) {
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Orders did not end: %q", node)
			}
			if err == nil {
				checkOrder(t, o, node)
			}
		}
	})
}

// TestOrder_LinePagesThatNeverEnd: a server that answers the same next
// page of lines again and again gives an *rosync.InvalidOrderError, not an
// endless loop (found by FuzzOrderDecode).
func TestOrder_LinePagesThatNeverEnd(t *testing.T) {
	node := `{"legacyResourceId":"7","createdAt":"2026-11-02T10:00:00Z","currencyCode":"USD","currentSubtotalPriceSet":{"shopMoney":{"amount":"10"}},` +
		`"lineItems":{"pageInfo":{"hasNextPage":true,"endCursor":"c1"},"nodes":[{"id":"gid://shopify/LineItem/1","currentQuantity":1,"originalUnitPriceSet":{"shopMoney":{"amount":"10"}}}]}}`
	p, err := New("https://fuzz.myshopify.com", Credentials{AccessToken: "shpat_fuzz"}, &Options{HTTPClient: fuzzClient([]byte(node)), RetryMax: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var inv *rosync.InvalidOrderError
	if _, err := p.Order(ctx, "7"); !errors.As(err, &inv) || inv.Field != "lineItems.pageInfo" {
		t.Fatalf("Order = %v, want an *rosync.InvalidOrderError on lineItems.pageInfo", err)
	}
}

// FuzzVerifyWebhook signs a fuzzed body with the right secret: the
// verification never panics, reads at most MaxWebhookBody, accepts an order
// topic only with a positive decimal order id, and refuses the same body
// signed with another secret (ENG-4).
func FuzzVerifyWebhook(f *testing.F) {
	for _, n := range demoNodes(f) {
		if body, err := shopifytest.OrderWebhookBody(n); err == nil {
			f.Add(body)
		}
	}
	f.Add(shopifytest.OrderEditedBody("450789469", 1, time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)))
	for _, s := range []string{
		``, `null`, `{}`, `[]`, `"x"`, `{"id":1}`, `{"id":-1}`, `{"id":0}`, `{"id":1e400}`, `{"id":"1"}`, `{"id":1.5}`,
		`{"id":18446744073709551616}`, `{"id":820982911946154508}`, `{"id":{"$gt":0}}`, `{"id":null}`,
		`{"order_edit":{"order_id":7}}`, `{"order_edit":null}`, `{"order_edit":{"order_id":"x"}}`, "\x00\xff", `{"id":1}{"id":2}`,
	} {
		f.Add([]byte(s))
	}
	f.Add(bytes.Repeat([]byte("a"), MaxWebhookBody+1))
	f.Fuzz(func(t *testing.T, body []byte) {
		const secret = "shpss_fuzz_secret"
		p, err := New("https://shop.example", Credentials{AccessToken: "shpat_fuzz"}, &Options{WebhookSecret: secret})
		if err != nil {
			t.Fatal(err)
		}
		orderTopics := map[string]bool{TopicOrdersCreate: true, TopicOrdersUpdated: true, TopicOrdersCancelled: true, TopicOrdersEdited: true}
		for _, topic := range []string{TopicOrdersCreate, TopicOrdersUpdated, TopicOrdersCancelled, TopicOrdersEdited, "products/create", ""} {
			for _, key := range []string{secret, "another secret"} {
				req := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(body))
				req.Header.Set(HeaderTopic, topic)
				req.Header.Set(HeaderWebhookID, "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
				req.Header.Set(HeaderHmac, Sign(key, body))
				hint, err := p.VerifyWebhook(req)
				switch {
				case err != nil:
					continue
				case len(body) > MaxWebhookBody:
					t.Fatalf("a body of %d bytes was accepted", len(body))
				case key != secret:
					t.Fatalf("a body signed with another secret was accepted: %q", body)
				case orderTopics[topic] && hint.OrderID == "":
					t.Fatalf("%s webhook accepted without an order id: %q", topic, body)
				}
				if hint.OrderID != "" {
					if n, err := strconv.ParseUint(hint.OrderID, 10, 64); err != nil || n == 0 || strings.HasPrefix(hint.OrderID, "0") {
						t.Fatalf("order id %q from %q", hint.OrderID, body)
					}
				}
			}
		}
	})
}

// TestOrders_PagesThatNeverEnd: a server that answers the same next page
// of orders again and again ends the stream with an error after the
// second page, instead of streaming the same orders forever.
func TestOrders_PagesThatNeverEnd(t *testing.T) {
	page := `{"data":{"orders":{"pageInfo":{"hasNextPage":true,"endCursor":"c1"},"nodes":[` +
		string(node(t, 7, "2026-11-02T10:00:00Z", nil)) + `]},"shop":{"plan":{"publicDisplayName":"Grow"}}}}`
	calls := 0
	hc := &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		calls++
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(page)), Request: r}, nil
	})}
	p, err := New("https://fuzz.myshopify.com", Credentials{AccessToken: "shpat_fuzz"}, &Options{HTTPClient: hc, RetryMax: -1, PagedImport: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, last := 0, error(nil)
	for _, err := range p.Orders(ctx, rosync.Query{CreatedSince: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}) {
		n++
		last = err
	}
	var api *rosync.APIError
	if n != 3 || calls != 2 || !errors.As(last, &api) {
		t.Fatalf("%d items from %d calls, last error %v; want 2 orders, then an *rosync.APIError", n, calls, last)
	}
}

// bulkJSONL writes order nodes as a bulk operation's grouped JSONL result:
// each order without lineItems, then its line items with "__parentId".
func bulkJSONL(tb testing.TB, nodes ...[]byte) []byte {
	var b bytes.Buffer
	for _, raw := range nodes {
		var n map[string]any
		if err := json.Unmarshal(raw, &n); err != nil {
			tb.Fatal(err)
		}
		li, _ := n["lineItems"].(map[string]any)
		delete(n, "lineItems")
		id, _ := n["id"].(string)
		if id == "" {
			id = "gid://shopify/Order/" + fmt.Sprint(n["legacyResourceId"])
			n["id"] = id
		}
		line, _ := json.Marshal(n)
		b.Write(line)
		b.WriteByte('\n')
		lines, _ := li["nodes"].([]any)
		for _, l := range lines {
			m, _ := l.(map[string]any)
			m["__parentId"] = id
			line, _ := json.Marshal(m)
			b.Write(line)
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// fuzzBulkClient answers a bulk import in memory: the plan, the mutation,
// one poll (COMPLETED), and result as the file.
func fuzzBulkClient(result []byte) *http.Client {
	return &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		var body string
		var q []byte
		if r.Body != nil {
			q, _ = io.ReadAll(io.LimitReader(r.Body, 1<<20))
		}
		switch {
		case r.Method == http.MethodGet:
			body = string(result)
		case bytes.Contains(q, []byte("RosyncShopPlan")):
			body = `{"data":{"shop":{"plan":{"publicDisplayName":"Grow"}}}}`
		case bytes.Contains(q, []byte("RosyncBulkOrders")):
			body = `{"data":{"bulkOperationRunQuery":{"bulkOperation":{"id":"gid://shopify/BulkOperation/1","status":"CREATED"},"userErrors":[]}}}`
		default:
			body = `{"data":{"node":{"id":"gid://shopify/BulkOperation/1","status":"COMPLETED","errorCode":null,` +
				`"objectCount":"3","fileSize":null,"url":"https://storage.example/r.jsonl?sig=1","partialDataUrl":null}}}`
		}
		return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
	})}
}

// FuzzBulkResult reads a fuzzed JSONL file as a bulk import's result: the
// adapter never panics, always ends, and every order it yields validates.
func FuzzBulkResult(f *testing.F) {
	demo := demoNodes(f)
	raws := make([][]byte, len(demo))
	for i, n := range demo {
		raws[i] = n
	}
	if len(raws) > 0 {
		f.Add(bulkJSONL(f, raws...))
	}
	f.Add(bulkJSONL(f, []byte(exampleNode), node(f, 7, "2026-11-02T10:00:00Z", nil)))
	for _, s := range []string{
		"", "\n\n", "{}\n", "[]\n", `{"__parentId":"x"}` + "\n",
		`{"id":"gid://shopify/Order/1","legacyResourceId":"1"` + "\n" + `{"id":"gid://shopify/LineItem/1","__parentId":"gid://shopify/Order/1"}`,
		`{"id":"gid://shopify/Order/1"}` + "\n" + `{"id":"gid://shopify/LineItem/1","__parentId":"gid://shopify/Order/2"}` + "\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, result []byte) {
		p, err := New("https://fuzz.myshopify.com", Credentials{AccessToken: "shpat_fuzz"}, &Options{HTTPClient: fuzzBulkClient(result), RetryMax: -1})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for o, err := range p.Orders(ctx, rosync.Query{CreatedSince: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}) {
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Orders did not end: %q", result)
			}
			if err == nil {
				checkOrder(t, o, result)
			}
		}
	})
}

// TestOrders_BulkDemoShop reads the demo shop's orders from a bulk result
// built from them, as Order reads them one by one.
func TestOrders_BulkDemoShop(t *testing.T) {
	nodes := demoNodes(t)
	if len(nodes) == 0 {
		t.Skip("no demo fixture")
	}
	// Events may repeat an order: keep the last state of each.
	last := map[string][]byte{}
	var order []string
	for _, n := range nodes {
		id, _ := peekIdentity(n)
		if _, ok := last[id]; !ok {
			order = append(order, id)
		}
		last[id] = n
	}
	var raws [][]byte
	for _, id := range order {
		raws = append(raws, last[id])
	}
	p, err := New("https://fuzz.myshopify.com", Credentials{AccessToken: "shpat_fuzz"}, &Options{HTTPClient: fuzzBulkClient(bulkJSONL(t, raws...)), RetryMax: -1})
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	for o, err := range p.Orders(context.Background(), rosync.Query{CreatedSince: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}) {
		if i >= len(order) {
			t.Fatalf("more than the %d orders: %v, %v", len(order), o.ID, err)
		}
		want, wantErr := decodeValid(last[order[i]], false)
		i++
		if fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Fatalf("order %s: bulk error %v, node error %v", order[i-1], err, wantErr)
		}
		if diff := cmp.Diff(want, o, sameDecimal); diff != "" {
			t.Fatalf("order %s from the bulk result differs (-node +bulk):\n%s", o.ID, diff)
		}
	}
	if i != len(order) {
		t.Fatalf("read %d orders, want %d", i, len(order))
	}
}
