package shopifytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync/faultplan"
)

const testToken = "shpat_fake"

func order(id int, created, updated string) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"legacyResourceId": "%d", "name": "#%d", "createdAt": %q, "updatedAt": %q,
	  "cancelledAt": null, "currencyCode": "USD",
	  "lineItems": {"nodes": [
	    {"id": "gid://shopify/LineItem/1", "product": {"id": "gid://shopify/Product/9", "legacyResourceId": "9", "title": "embedded"}},
	    {"id": "gid://shopify/LineItem/2", "product": null},
	    {"id": "gid://shopify/LineItem/3", "product": null}]}}`, id, id, created, updated))
}

type gql struct {
	Data       map[string]json.RawMessage `json:"data"`
	Errors     []map[string]any           `json:"errors"`
	Extensions struct {
		Cost struct {
			RequestedQueryCost int                                  `json:"requestedQueryCost"`
			ActualQueryCost    *int                                 `json:"actualQueryCost"`
			ThrottleStatus     struct{ CurrentlyAvailable float64 } `json:"throttleStatus"`
		} `json:"cost"`
	} `json:"extensions"`
}

func post(t *testing.T, h http.Handler, query string, vars map[string]any) (int, gql) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	r := httptest.NewRequest(http.MethodPost, "/admin/api/2025-10/graphql.json", bytes.NewReader(body))
	r.Header.Set("X-Shopify-Access-Token", testToken)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var out gql
	_ = json.Unmarshal(w.Body.Bytes(), &out)
	return w.Code, out
}

func TestOrdersPagingAndFilters(t *testing.T) {
	s := New(Options{AccessToken: testToken})
	for i := 1; i <= 5; i++ {
		require.NoError(t, s.AddOrder(order(i, fmt.Sprintf("2026-11-0%dT00:00:00Z", 6-i), fmt.Sprintf("2026-11-1%dT00:00:00Z", i))))
	}
	const q = `query($after: String) { orders(first: 2, after: $after, sortKey: CREATED_AT, query: "created_at:>='2026-11-02T00:00:00Z' status:any") {
	  pageInfo { hasNextPage endCursor } edges { cursor node { legacyResourceId } } } }`
	var got []string
	var after any
	for page := 0; page < 5; page++ {
		code, out := post(t, s, q, map[string]any{"after": after})
		require.Equal(t, 200, code)
		require.Empty(t, out.Errors)
		var conn struct {
			PageInfo struct {
				HasNextPage bool
				EndCursor   string
			}
			Edges []struct {
				Cursor string
				Node   struct{ LegacyResourceID string }
			}
		}
		require.NoError(t, json.Unmarshal(out.Data["orders"], &conn))
		for _, e := range conn.Edges {
			got = append(got, e.Node.LegacyResourceID)
		}
		if !conn.PageInfo.HasNextPage {
			break
		}
		after = conn.PageInfo.EndCursor
	}
	require.Equal(t, []string{"4", "3", "2", "1"}, got, "created 2026-11-02 and later, oldest first")
	require.Equal(t, 2, s.Calls()["orders"])
}

func TestProjectionNestedConnectionAndProducts(t *testing.T) {
	s := New(Options{AccessToken: testToken})
	require.NoError(t, s.AddOrder(order(1, "2026-11-01T00:00:00Z", "2026-11-01T00:00:00Z")))
	require.NoError(t, s.AddProduct(json.RawMessage(`{"legacyResourceId": "9", "title": "stored", "description": "d"}`)))
	q := `{ o: order(id: "gid://shopify/Order/1") { name note lineItems(first: 2) { pageInfo { hasNextPage endCursor } nodes { id product { title description } } } } }`
	_, out := post(t, s, q, nil)
	require.Empty(t, out.Errors)
	var o struct {
		Name      string
		Note      *string
		LineItems struct {
			PageInfo struct {
				HasNextPage bool
				EndCursor   string
			}
			Nodes []struct {
				ID      string
				Product *struct{ Title, Description string }
			}
		}
	}
	require.NoError(t, json.Unmarshal(out.Data["o"], &o))
	require.Equal(t, "#1", o.Name)
	require.Nil(t, o.Note, "a schema field the stored node lacks is null")
	require.Len(t, o.LineItems.Nodes, 2)
	require.True(t, o.LineItems.PageInfo.HasNextPage)
	require.Equal(t, "stored", o.LineItems.Nodes[0].Product.Title, "the stored product wins")
	require.Nil(t, o.LineItems.Nodes[1].Product)
	// Requested: order 1 + lineItems 2 + pageInfo 1 + 2 × (line 1 + product 1) = 8.
	require.Equal(t, 8, out.Extensions.Cost.RequestedQueryCost)

	_, out = post(t, s, `query($c: String) { order(id: "gid://shopify/Order/1") { lineItems(first: 2, after: $c) { nodes { id } } } }`,
		map[string]any{"c": o.LineItems.PageInfo.EndCursor})
	require.Contains(t, string(out.Data["order"]), "LineItem/3")

	_, out = post(t, s, `{ order(id: "gid://shopify/Order/404") { name } }`, nil)
	require.Equal(t, "null", string(out.Data["order"]))
}

func TestCostAndThrottle(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := New(Options{AccessToken: testToken, Now: func() time.Time { return now }, Bucket: Bucket{Max: 100, RestoreRate: 10}})
	_, out := post(t, s, `{ orders(first: 250) { nodes { lineItems(first: 250) { nodes { id } } } } }`, nil)
	require.Equal(t, "MAX_COST_EXCEEDED", out.Errors[0]["extensions"].(map[string]any)["code"])

	q := `{ orders(first: 40) { nodes { id } } }` // requested 2 + 40 = 42, actual 2 (no orders)
	_, out = post(t, s, q, nil)
	require.Empty(t, out.Errors)
	require.Equal(t, 42, out.Extensions.Cost.RequestedQueryCost)
	require.Equal(t, 2, *out.Extensions.Cost.ActualQueryCost)
	require.Equal(t, float64(98), out.Extensions.Cost.ThrottleStatus.CurrentlyAvailable)

	s.SetAvailable(10)
	_, out = post(t, s, q, nil)
	require.Equal(t, "THROTTLED", out.Errors[0]["extensions"].(map[string]any)["code"])
	now = now.Add(4 * time.Second) // 10 + 40 = 50 ≥ 42
	_, out = post(t, s, q, nil)
	require.Empty(t, out.Errors)
	require.Equal(t, 1, s.Calls()["throttled"])
}

func TestAuthVersionFaultsAndParseErrors(t *testing.T) {
	s := New(Options{AccessToken: testToken, APIVersion: "2025-10"})
	r := httptest.NewRequest(http.MethodPost, "/admin/api/2025-10/graphql.json", bytes.NewReader([]byte(`{"query":"{shop{name}}"}`)))
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	require.Equal(t, 401, w.Code)
	r = httptest.NewRequest(http.MethodPost, "/admin/api/2024-01/graphql.json", bytes.NewReader([]byte(`{"query":"{shop{name}}"}`)))
	r.Header.Set("X-Shopify-Access-Token", testToken)
	w = httptest.NewRecorder()
	s.ServeHTTP(w, r)
	require.Equal(t, 404, w.Code)

	s.Fail(Fault{Status: 503, RetryAfter: "1"})
	code, _ := post(t, s, `{ shop { name } }`, nil)
	require.Equal(t, 503, code)
	code, out := post(t, s, `{ shop { name plan { displayName } } }`, nil)
	require.Equal(t, 200, code)
	require.JSONEq(t, `{"name":"rosync test shop","plan":{"displayName":"Grow"}}`, string(out.Data["shop"]))

	for _, q := range []string{`{ shop { ...F } }`, `mutation { x }`, `{ shop { name }`, `{ orders(first: 1, query: "tag:x") { nodes { id } } }`, `{ shop { plan } }`} {
		_, out := post(t, s, q, nil)
		require.NotEmpty(t, out.Errors, q)
	}
}

func TestWebhookBody(t *testing.T) {
	s := New(Options{})
	require.NoError(t, s.AddOrder(json.RawMessage(`{"legacyResourceId": "820982911946154508", "name": "#1001", "createdAt": "2026-11-01T00:00:00Z",
	  "displayFinancialStatus": "PAID", "displayFulfillmentStatus": "PARTIALLY_FULFILLED",
	  "totalPriceSet": {"shopMoney": {"amount": "10.00"}}, "lineItems": {"nodes": []}}`)))
	body, err := s.WebhookBody("820982911946154508")
	require.NoError(t, err)
	require.Contains(t, string(body), `"id":820982911946154508`, "the id is a JSON number, exact")
	require.Contains(t, string(body), `"fulfillment_status":"partial"`)
	require.Contains(t, string(body), `"total_price":"10.00"`)

	d := NewDelivery("http://x/hook", "secret", "orders/updated", body)
	r1, _ := d.Request()
	r2, _ := d.Request()
	require.Equal(t, r1.Header.Get("X-Shopify-Webhook-Id"), r2.Header.Get("X-Shopify-Webhook-Id"))
	require.Equal(t, Signature("secret", body), r1.Header.Get("X-Shopify-Hmac-Sha256"))
	r3, _ := SignedWebhook("http://x/hook", "secret", "orders/updated", body)
	require.NotEqual(t, r1.Header.Get("X-Shopify-Webhook-Id"), r3.Header.Get("X-Shopify-Webhook-Id"))
}

// TestFaultPlan: a seeded plan fails a share of the requests, never with
// an "executed" kind (every query is a read), and SetFaults(nil) stops it.
func TestFaultPlan(t *testing.T) {
	plan := &faultplan.Plan{Rate: 1, Seed: 1, Kinds: []faultplan.Kind{faultplan.ExecutedThenError, faultplan.ServerError}}
	s := New(Options{AccessToken: testToken, Faults: plan})
	for range 10 {
		code, _ := post(t, s, `{ shop { name } }`, nil)
		require.GreaterOrEqual(t, code, 500)
	}
	require.Equal(t, map[faultplan.Kind]int{faultplan.ServerError: 10}, plan.Counts(), "a read got an executed kind")
	require.Equal(t, 10, plan.ByEndpoint()[FaultEndpoint])
	require.Equal(t, 10, s.Calls()["faults"])
	require.Zero(t, s.Calls()["shop"], "a faulted request was served")
	for _, r := range s.Requests() {
		require.Equal(t, "fault", r.Outcome)
	}

	s.SetFaults(nil)
	code, out := post(t, s, `{ shop { name } }`, nil)
	require.Equal(t, 200, code)
	require.Empty(t, out.Errors)
	require.Equal(t, 1, s.Calls()["shop"])
}

// download GETs a result URL the fake gave.
func download(t *testing.T, h http.Handler, url string) (int, string) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, url, nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code, w.Body.String()
}

const bulkMutation = `mutation($q: String!, $g: Boolean!) { bulkOperationRunQuery(query: $q, groupObjects: $g) {
  bulkOperation { id status } userErrors { field message code } } }`

const bulkPoll = `query($id: ID!) { node(id: $id) { ... on BulkOperation { id status errorCode objectCount fileSize url } } }`

type bulkPayload struct {
	BulkOperation *struct{ ID, Status string } `json:"bulkOperation"`
	UserErrors    []struct {
		Field   []string `json:"field"`
		Message string   `json:"message"`
		Code    string   `json:"code"`
	} `json:"userErrors"`
}

func runBulk(t *testing.T, s *Server, q string, group bool) bulkPayload {
	t.Helper()
	_, out := post(t, s, bulkMutation, map[string]any{"q": q, "g": group})
	require.Empty(t, out.Errors)
	var p bulkPayload
	require.NoError(t, json.Unmarshal(out.Data["bulkOperationRunQuery"], &p))
	return p
}

type bulkView struct {
	ID, Status  string
	ErrorCode   *string `json:"errorCode"`
	ObjectCount string  `json:"objectCount"`
	FileSize    *string `json:"fileSize"`
	URL         *string `json:"url"`
}

func poll(t *testing.T, s *Server, id string) bulkView {
	t.Helper()
	_, out := post(t, s, bulkPoll, map[string]any{"id": id})
	require.Empty(t, out.Errors)
	var v bulkView
	require.NoError(t, json.Unmarshal(out.Data["node"], &v))
	return v
}

// TestBulkOperation runs a bulk query: CREATED, RUNNING for Bulk.Polls
// polls, COMPLETED with a signed URL on the same server whose JSONL has
// each order's line items right after it (groupObjects) or after all the
// orders (without), and refuses a second operation while one runs.
func TestBulkOperation(t *testing.T) {
	s := New(Options{AccessToken: testToken, Bulk: Bulk{Polls: 2}})
	for i := 1; i <= 3; i++ {
		require.NoError(t, s.AddOrder(order(i, fmt.Sprintf("2026-11-0%dT00:00:00Z", 4-i), "2026-11-10T00:00:00Z")))
	}
	const q = `{ orders(sortKey: CREATED_AT, query: "created_at:>='2026-11-02T00:00:00Z'") {
	  edges { node { id legacyResourceId lineItems { edges { node { id product { title } } } } } } } }`
	p := runBulk(t, s, q, true)
	require.Empty(t, p.UserErrors)
	require.Equal(t, "CREATED", p.BulkOperation.Status)
	id := p.BulkOperation.ID

	again := runBulk(t, s, q, true)
	require.Nil(t, again.BulkOperation)
	require.Equal(t, "OPERATION_IN_PROGRESS", again.UserErrors[0].Code)

	require.Equal(t, "RUNNING", poll(t, s, id).Status)
	require.Equal(t, "RUNNING", poll(t, s, id).Status)
	v := poll(t, s, id)
	require.Equal(t, "COMPLETED", v.Status)
	require.Equal(t, "8", v.ObjectCount, "2 orders and their 3 lines each")
	require.NotNil(t, v.URL)
	require.True(t, strings.HasPrefix(*v.URL, "http://example.com/bulk/1.jsonl?sig="), *v.URL)
	code, body := download(t, s, *v.URL)
	require.Equal(t, 200, code)
	require.Equal(t, *v.FileSize, fmt.Sprint(len(body)))
	lines := strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	require.Equal(t, []string{
		`{"id":"gid://shopify/Order/2","legacyResourceId":"2"}`,
		`{"id":"gid://shopify/LineItem/1","product":{"title":"embedded"},"__parentId":"gid://shopify/Order/2"}`,
		`{"id":"gid://shopify/LineItem/2","product":null,"__parentId":"gid://shopify/Order/2"}`,
		`{"id":"gid://shopify/LineItem/3","product":null,"__parentId":"gid://shopify/Order/2"}`,
		`{"id":"gid://shopify/Order/1","legacyResourceId":"1"}`,
		`{"id":"gid://shopify/LineItem/1","product":{"title":"embedded"},"__parentId":"gid://shopify/Order/1"}`,
		`{"id":"gid://shopify/LineItem/2","product":null,"__parentId":"gid://shopify/Order/1"}`,
		`{"id":"gid://shopify/LineItem/3","product":null,"__parentId":"gid://shopify/Order/1"}`,
	}, lines)
	code, _ = download(t, s, strings.Replace(*v.URL, "sig=", "sig=x", 1))
	require.Equal(t, http.StatusForbidden, code, "the URL is signed")

	// Without groupObjects the line items come after every order.
	s.SetBulk(Bulk{})
	p = runBulk(t, s, q, false)
	require.Empty(t, p.UserErrors)
	v = poll(t, s, p.BulkOperation.ID)
	_, body = download(t, s, *v.URL)
	lines = strings.Split(strings.TrimSuffix(body, "\n"), "\n")
	require.Contains(t, lines[1], "gid://shopify/Order/1")
	require.NotContains(t, lines[1], "__parentId")

	// An empty result has no file.
	p = runBulk(t, s, `{ orders(query: "created_at:>='2030-01-01T00:00:00Z'") { edges { node { id } } } }`, true)
	v = poll(t, s, p.BulkOperation.ID)
	require.Equal(t, "COMPLETED", v.Status)
	require.Nil(t, v.URL)
	require.Equal(t, "0", v.ObjectCount)

	calls := s.Calls()
	require.Equal(t, 4, calls["bulkOperationRunQuery"])
	require.Equal(t, 5, calls["node"])
	require.Equal(t, 2, calls["bulk_download"])
	for _, r := range s.Requests() {
		if r.Method == http.MethodGet {
			require.False(t, r.Token)
		}
	}
}

// TestBulkOperation_Rules: the fake refuses what Shopify refuses in a bulk
// query, as a userError INVALID.
func TestBulkOperation_Rules(t *testing.T) {
	s := New(Options{AccessToken: testToken})
	for name, q := range map[string]string{
		"first":      `{ orders(first: 10) { edges { node { id } } } }`,
		"nested":     `{ orders { edges { node { id lineItems(first: 5) { edges { node { id } } } } } } }`,
		"node":       `{ node(id: "gid://shopify/Order/1") { id } }`,
		"two roots":  `{ orders { edges { node { id } } } shop { name } }`,
		"no conn":    `{ shop { name } }`,
		"three deep": `{ orders { edges { node { lineItems { edges { node { a { edges { node { id } } } } } } } } } }`,
		"mutation":   `mutation { x }`,
	} {
		p := runBulk(t, s, q, true)
		require.Nil(t, p.BulkOperation, name)
		require.Equal(t, "INVALID", p.UserErrors[0].Code, name)
	}
}

// TestBulkOperation_Outcomes: Bulk makes an operation fail, be canceled or
// expire, and makes a download end halfway.
func TestBulkOperation_Outcomes(t *testing.T) {
	const q = `{ orders { edges { node { id } } } }`
	for _, b := range []Bulk{{ErrorCode: "ACCESS_DENIED"}, {Status: "FAILED"}, {Status: "CANCELED"}, {Status: "EXPIRED"}} {
		s := New(Options{AccessToken: testToken, Bulk: b})
		require.NoError(t, s.AddOrder(order(1, "2026-11-01T00:00:00Z", "2026-11-01T00:00:00Z")))
		v := poll(t, s, runBulk(t, s, q, true).BulkOperation.ID)
		require.Nil(t, v.URL)
		if b.ErrorCode != "" || b.Status == "FAILED" {
			require.Equal(t, "FAILED", v.Status)
			require.NotNil(t, v.ErrorCode)
		} else {
			require.Equal(t, b.Status, v.Status)
		}
	}

	s := New(Options{AccessToken: testToken, Bulk: Bulk{CutDownloads: 1}})
	require.NoError(t, s.AddOrder(order(1, "2026-11-01T00:00:00Z", "2026-11-01T00:00:00Z")))
	v := poll(t, s, runBulk(t, s, q, true).BulkOperation.ID)
	_, cut := download(t, s, *v.URL)
	_, full := download(t, s, *v.URL)
	require.Equal(t, *v.FileSize, fmt.Sprint(len(full)))
	require.Equal(t, full[:len(full)/2], cut)

	s.Fail(Fault{Status: 503, Download: true})
	code, _ := post(t, s, `{ shop { name } }`, nil)
	require.Equal(t, 200, code, "a download fault waits for a download")
	code, _ = download(t, s, *v.URL)
	require.Equal(t, 503, code)
	s.SetBulk(Bulk{InProgress: true})
	require.Equal(t, "OPERATION_IN_PROGRESS", runBulk(t, s, q, true).UserErrors[0].Code)
}

// TestSchemaRefusesWhatShopifyRefuses: a field the type does not have, an
// argument the field does not take, a missing required argument and a
// selection on a scalar are answered as Shopify answers them (HTTP 200,
// an errors array with extensions.code, no data), never with null.
func TestSchemaRefusesWhatShopifyRefuses(t *testing.T) {
	s := New(Options{AccessToken: testToken})
	require.NoError(t, s.AddOrder(order(1, "2026-11-01T00:00:00Z", "2026-11-01T00:00:00Z")))
	tests := []struct {
		query, code, message string
		path                 []any
	}{
		{`query RosyncOrder { order(id: "gid://shopify/Order/1") { id currentSubtotalPrizeSet { shopMoney { amount } } } }`,
			"undefinedField", "Field 'currentSubtotalPrizeSet' doesn't exist on type 'Order'",
			[]any{"query RosyncOrder", "order", "currentSubtotalPrizeSet"}},
		{`{ shop { plan { publicDisplayNme } } }`, "undefinedField", "Field 'publicDisplayNme' doesn't exist on type 'ShopPlan'",
			[]any{"query", "shop", "plan", "publicDisplayNme"}},
		{`{ orders(first: 1, status: ANY) { nodes { id } } }`, "argumentNotAccepted", "Field 'orders' doesn't accept argument 'status'",
			[]any{"query", "orders"}},
		{`{ order { id } }`, "missingRequiredArguments", "Field 'order' is missing required arguments: id", []any{"query", "order"}},
		{`{ shop { name { x } } }`, "selectionMismatch", "Selections can't be made on scalars (field 'name' returns String but has selections [x])",
			[]any{"query", "shop", "name"}},
		{`{ shop { plan } }`, "selectionMismatch", "Field must have selections (field 'plan' returns ShopPlan but has no selections. Did you mean 'plan { ... }'?)",
			[]any{"query", "shop", "plan"}},
	}
	for _, tc := range tests {
		t.Run(tc.code+" "+tc.message, func(t *testing.T) {
			status, out := post(t, s, tc.query, nil)
			require.Equal(t, http.StatusOK, status)
			require.Nil(t, out.Data, "no data beside validation errors")
			require.Len(t, out.Errors, 1)
			e := out.Errors[0]
			require.Equal(t, tc.message, e["message"])
			require.Equal(t, tc.path, e["path"])
			ext := e["extensions"].(map[string]any)
			require.Equal(t, tc.code, ext["code"])
			require.NotEmpty(t, e["locations"])
		})
	}
}

// TestSearchUnknownTerm: Shopify drops a search term it does not know
// (status:any is the REST parameter, not a GraphQL orders filter) from the
// query and says so in extensions.search; the fake does the same, so that
// a client that ignores the warning reads the wrong set of orders.
func TestSearchUnknownTerm(t *testing.T) {
	s := New(Options{AccessToken: testToken})
	for i := 1; i <= 3; i++ {
		require.NoError(t, s.AddOrder(order(i, fmt.Sprintf("2026-11-0%dT00:00:00Z", i), "2026-11-05T00:00:00Z")))
	}
	body, _ := json.Marshal(map[string]any{"query": `{ orders(first: 10, query: "created_at:>='2026-11-02T00:00:00Z' creted_at:<'2026-11-03T00:00:00Z'") { nodes { id } } }`})
	r := httptest.NewRequest(http.MethodPost, "/admin/api/2025-10/graphql.json", bytes.NewReader(body))
	r.Header.Set("X-Shopify-Access-Token", testToken)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	require.Equal(t, http.StatusOK, w.Code)
	var out struct {
		Data struct {
			Orders struct {
				Nodes []struct{ ID string } `json:"nodes"`
			} `json:"orders"`
		} `json:"data"`
		Extensions struct {
			Search []struct {
				Path     []string         `json:"path"`
				Query    string           `json:"query"`
				Warnings []map[string]any `json:"warnings"`
			} `json:"search"`
		} `json:"extensions"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &out))
	require.Len(t, out.Data.Orders.Nodes, 2, "the misspelled term is dropped: orders 2 and 3")
	require.Len(t, out.Extensions.Search, 1)
	require.Equal(t, []string{"orders"}, out.Extensions.Search[0].Path)
	require.Equal(t, []map[string]any{{"field": "creted_at", "message": "Invalid search field for this query.", "code": "invalid_field"}},
		out.Extensions.Search[0].Warnings)
}
