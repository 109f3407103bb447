package shopifytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rosync/rosync/faultplan"
	"github.com/rosync/rosync/platforms/platformkit/fakekit"
)

// Bucket is the cost bucket of the fake's throttling.
type Bucket struct {
	// Max is maximumAvailable; RestoreRate is restoreRate in points per
	// second. Zero values mean 2000 and 100 (a standard plan).
	Max         float64
	RestoreRate float64
}

// Options configure a Server.
type Options struct {
	// AccessToken is the token requests must present in
	// X-Shopify-Access-Token; "" accepts every request.
	AccessToken string
	// APIVersion, when set, is the only version served (others answer 404).
	APIVersion string
	// Currency is the shop's currencyCode; default "USD".
	Currency string
	// Plan is the shop's plan (ShopPlan.publicDisplayName, and the
	// deprecated displayName); default "Grow".
	Plan string
	// Timezone is the shop's ianaTimezone; default "UTC".
	Timezone string
	// Now is the server clock (the cost bucket refills on it); default
	// time.Now.
	Now func() time.Time
	// Bucket is the cost bucket; the bucket starts full.
	Bucket Bucket
	// MaxQueryCost is the largest requestedQueryCost of one query;
	// default 1000.
	MaxQueryCost int
	// Faults, when set, makes a share of the authenticated requests fail
	// by a seeded plan (after the faults queued by Fail), under the
	// endpoint "POST graphql.json", and of the downloads of bulk results
	// under BulkFaultEndpoint. Every query the fake answers is a read that
	// is safe to repeat, so only a mutation (which starts a bulk
	// operation) is given the plan's "executed, then failed" kinds.
	Faults *faultplan.Plan
	// Bulk controls bulk query operations; see SetBulk.
	Bulk Bulk
}

// Fault makes the next Times GraphQL requests fail (with Download, the next
// Times downloads of bulk results instead): with HTTP Status (and a
// Retry-After header when set), or, with Throttle, with a THROTTLED GraphQL
// error (HTTP 200) whose throttle status shows an empty bucket (a 429 for a
// download).
//
// With Malformed, the answer is HTTP Status (200 when unset) with a body
// that is not JSON, as a proxy's page or a body cut short looks. With
// Mutation, the fault waits for the next mutation (a bulk operation
// start) and leaves queries alone.
type Fault struct {
	Status     int
	Times      int
	RetryAfter string
	Throttle   bool
	Download   bool
	Malformed  bool
	Mutation   bool
}

// Request is a request the server received: a GraphQL request (after
// authentication) or a download of a bulk operation's result.
type Request struct {
	// Method and Path are the HTTP method and URL path.
	Method string
	Path   string
	// Token reports whether the request carried X-Shopify-Access-Token.
	Token bool
	// Range is the Range header of a download.
	Range     string
	Query     string
	Variables map[string]any
	// Fields are the root fields of the operation, in order.
	Fields []string
	// RequestedCost and ActualCost are the costs reported (0 when the
	// request did not get that far).
	RequestedCost int
	ActualCost    int
	// Outcome is "ok", "throttled", "max_cost", "error" or "fault" ("cut"
	// for a download cut short by Bulk.CutDownloads).
	Outcome string
}

// Server is the fake Shopify shop. It is safe for concurrent use.
type Server struct {
	opts Options

	mu        sync.Mutex
	orders    map[string]*storedOrder // by legacyResourceId
	products  map[string]any          // by GID
	plan      string
	available float64
	filledAt  time.Time

	rec    fakekit.Recorder[Request]
	faults *fakekit.Faults[Fault] // all under one key, ""

	bulk        Bulk
	bulkOps     map[string]*bulkOp // by GID
	bulkSeq     int
	bulkCurrent *bulkOp
}

// storedOrder is an order node and the fields the filters read.
type storedOrder struct {
	node      map[string]any // decoded with UseNumber
	raw       json.RawMessage
	id        uint64
	created   time.Time
	updated   time.Time
	processed time.Time
	cancelled bool
	closed    bool
}

// New returns an empty shop.
func New(opts Options) *Server {
	if opts.Currency == "" {
		opts.Currency = "USD"
	}
	if opts.Plan == "" {
		opts.Plan = "Grow"
	}
	if opts.Timezone == "" {
		opts.Timezone = "UTC"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Bucket.Max <= 0 {
		opts.Bucket.Max = 2000
	}
	if opts.Bucket.RestoreRate <= 0 {
		opts.Bucket.RestoreRate = 100
	}
	if opts.MaxQueryCost <= 0 {
		opts.MaxQueryCost = 1000
	}
	return &Server{
		opts:      opts,
		orders:    map[string]*storedOrder{},
		products:  map[string]any{},
		plan:      opts.Plan,
		available: opts.Bucket.Max,
		filledAt:  opts.Now(),
		faults:    fakekit.NewFaults[Fault](opts.Faults),
		bulk:      opts.Bulk,
		bulkOps:   map[string]*bulkOp{},
	}
}

// SetFaults replaces Options.Faults (nil: no more faults).
func (s *Server) SetFaults(p *faultplan.Plan) { s.faults.SetPlan(p) }

// FaultEndpoint is the endpoint name under which the fake draws the faults
// of Options.Faults.
const FaultEndpoint = "POST graphql.json"

// AddOrder inserts or replaces (by legacyResourceId) an order node. The node
// is kept as given: createdAt and updatedAt are not touched. It must have a
// legacyResourceId (a string of digits, or a number) and a parsable
// createdAt; id defaults to the Order GID of the legacy id.
func (s *Server) AddOrder(raw json.RawMessage) error {
	node, err := decodeObject(raw)
	if err != nil {
		return fmt.Errorf("shopifytest: order: %w", err)
	}
	id, err := legacyID(node["legacyResourceId"])
	if err != nil {
		return fmt.Errorf("shopifytest: order: legacyResourceId: %w", err)
	}
	if _, ok := node["id"]; !ok {
		node["id"] = OrderGID(strconv.FormatUint(id, 10))
	}
	so := &storedOrder{node: node, id: id}
	if so.created, err = timeField(node, "createdAt", true); err != nil {
		return fmt.Errorf("shopifytest: order %d: %w", id, err)
	}
	if so.updated, err = timeField(node, "updatedAt", false); err != nil {
		return fmt.Errorf("shopifytest: order %d: %w", id, err)
	}
	if so.updated.IsZero() {
		so.updated = so.created
	}
	if so.processed, err = timeField(node, "processedAt", false); err != nil {
		return fmt.Errorf("shopifytest: order %d: %w", id, err)
	}
	if so.processed.IsZero() {
		so.processed = so.created
	}
	so.cancelled = node["cancelledAt"] != nil
	so.closed = node["closedAt"] != nil || node["closed"] == true
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return err
	}
	so.raw = buf.Bytes()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.orders[strconv.FormatUint(id, 10)] = so
	return nil
}

// DeleteOrder removes an order; it reports whether it existed.
func (s *Server) DeleteOrder(legacyID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.orders[legacyID]
	delete(s.orders, legacyID)
	return ok
}

// Order returns a stored order node as it was added.
func (s *Server) Order(legacyID string) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	so, ok := s.orders[legacyID]
	if !ok {
		return nil, false
	}
	return append(json.RawMessage(nil), so.raw...), true
}

// AddProduct inserts or replaces (by its "id" GID, or by legacyResourceId)
// a product node ({"id", "legacyResourceId", "title", "description",
// "category": {"name", "fullName"}, …}). Line items whose product has the
// same id are answered with it.
func (s *Server) AddProduct(raw json.RawMessage) error {
	node, err := decodeObject(raw)
	if err != nil {
		return fmt.Errorf("shopifytest: product: %w", err)
	}
	gid, _ := node["id"].(string)
	if gid == "" {
		id, err := legacyID(node["legacyResourceId"])
		if err != nil {
			return fmt.Errorf("shopifytest: product without id or legacyResourceId")
		}
		gid = "gid://shopify/Product/" + strconv.FormatUint(id, 10)
		node["id"] = gid
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.products[gid] = node
	return nil
}

// SetPlan changes the shop's plan name (an upgrade or downgrade).
func (s *Server) SetPlan(displayName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.plan = displayName
}

// SetAvailable sets the bucket's currently available points (for throttling
// tests); the bucket refills from there.
func (s *Server) SetAvailable(points float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.available = math.Min(points, s.opts.Bucket.Max)
	s.filledAt = s.opts.Now()
}

// Fail queues a fault for the next GraphQL requests, or, with
// Fault.Download, for the next downloads of bulk results.
func (s *Server) Fail(f Fault) { s.faults.Queue("", f, f.Times) }

// Calls returns request counters: "requests" (every authenticated
// request, and every download of a bulk result), one per root field
// answered ("orders", "order", "shop", "node", "currentBulkOperation",
// "bulkOperationRunQuery"), "bulk_download" (results served), "throttled",
// "max_cost", "errors" and "faults".
func (s *Server) Calls() map[string]int { return s.rec.Calls() }

// Requests returns the authenticated requests received, in order.
func (s *Server) Requests() []Request { return s.rec.Requests() }

// ServeHTTP serves the GraphQL Admin API and the results of bulk
// operations.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/bulk/") {
		s.serveBulk(w, r)
		return
	}
	version, ok := apiVersion(r.URL.Path)
	if !ok || (s.opts.APIVersion != "" && version != s.opts.APIVersion) {
		writeJSON(w, http.StatusNotFound, map[string]any{"errors": "Not Found"})
		return
	}
	if r.Method != http.MethodPost {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"errors": "Method Not Allowed"})
		return
	}
	if s.opts.AccessToken != "" && r.Header.Get("X-Shopify-Access-Token") != s.opts.AccessToken {
		writeJSON(w, http.StatusUnauthorized, map[string]any{
			"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"})
		return
	}
	var body struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil || strings.TrimSpace(body.Query) == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": map[string]any{"query": "Required parameter missing or invalid"}})
		return
	}
	req := Request{Method: r.Method, Path: r.URL.Path, Token: r.Header.Get("X-Shopify-Access-Token") != "",
		Query: body.Query, Variables: body.Variables}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	ex := &executor{s: s, base: scheme + "://" + r.Host, version: version}

	s.mu.Lock()
	s.rec.Count("requests")
	if s.queuedFault(w, req, false) {
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	// A mutation starts a bulk operation: it may be executed and its
	// answer lost.
	mutation := strings.HasPrefix(strings.TrimSpace(body.Query), opMutation)
	served := s.faults.Serve(w, r, FaultEndpoint, mutation, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		s.answer(w, req, ex, body.Query, body.Variables)
	}))
	if !served {
		req.Outcome = "fault"
		s.rec.Record("faults", req)
	}
}

// queuedFault answers with the first fault queued by Fail for a GraphQL
// request (download false) or a download, and reports whether there was
// one. Called with s.mu held.
func (s *Server) queuedFault(w http.ResponseWriter, req Request, download bool) bool {
	mutation := strings.HasPrefix(strings.TrimSpace(req.Query), opMutation)
	f, ok := s.faults.NextMatch("", func(f Fault) bool { return f.Download == download && (!f.Mutation || mutation) })
	if !ok {
		return false
	}
	req.Outcome = "fault"
	s.rec.Record("faults", req)
	if f.Throttle && download {
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"errors": "Too Many Requests"})
		return true
	}
	if f.Throttle {
		s.refill()
		writeJSON(w, http.StatusOK, map[string]any{
			"errors":     []any{throttledError()},
			"extensions": s.costExtension(s.opts.MaxQueryCost, nil),
		})
		return true
	}
	if f.Malformed {
		status := f.Status
		if status == 0 {
			status = http.StatusOK
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"data":{"shop":{"currencyCo`))
		return true
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	writeJSON(w, f.Status, map[string]any{"errors": http.StatusText(f.Status)})
	return true
}

// answer runs a query or mutation and writes its answer.
func (s *Server) answer(w http.ResponseWriter, req Request, ex *executor, query string, vars map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	record := func(outcome string) {
		req.Outcome = outcome
		s.rec.Add(req)
	}
	op, name, sel, err := parseNamedOperation(query, vars)
	if err != nil {
		s.rec.Count("errors")
		record("error")
		writeJSON(w, http.StatusOK, map[string]any{"errors": []any{gqlError(err.Error(), "parseError")}})
		return
	}
	root, rootType := op, "QueryRoot"
	if op == opMutation {
		rootType = "Mutation"
	}
	if name != "" {
		root += " " + name
	}
	if verrs := adminSchema.validate(sel, rootType, query, []string{root}); len(verrs) > 0 {
		// As Shopify: HTTP 200, the errors, no data.
		s.rec.Count("errors")
		record("error")
		list := make([]any, len(verrs))
		for i, ve := range verrs {
			list[i] = ve.object()
		}
		writeJSON(w, http.StatusOK, map[string]any{"errors": list})
		return
	}
	for _, f := range sel {
		req.Fields = append(req.Fields, f.name)
	}
	requested := requestedCost(sel)
	if op == opMutation {
		requested = mutationCost * len(sel)
	}
	req.RequestedCost = requested
	if requested > s.opts.MaxQueryCost {
		s.rec.Count("max_cost")
		record("max_cost")
		e := gqlError(fmt.Sprintf("Query cost is %d, which exceeds the single query max cost limit (%d).", requested, s.opts.MaxQueryCost), "MAX_COST_EXCEEDED")
		e["extensions"].(map[string]any)["cost"] = requested
		e["extensions"].(map[string]any)["maxCost"] = s.opts.MaxQueryCost
		writeJSON(w, http.StatusOK, map[string]any{"errors": []any{e}})
		return
	}
	s.refill()
	if float64(requested) > s.available {
		s.rec.Count("throttled")
		record("throttled")
		writeJSON(w, http.StatusOK, map[string]any{
			"errors":     []any{throttledError()},
			"extensions": s.costExtension(requested, nil),
		})
		return
	}
	data := map[string]any{}
	for _, f := range sel {
		var v any
		var err error
		if op == opMutation {
			v, err = ex.mutation(f)
		} else {
			v, err = ex.root(f)
		}
		if err != nil {
			s.rec.Count("errors")
			record("error")
			writeJSON(w, http.StatusOK, map[string]any{"errors": []any{gqlError(err.Error(), "argumentError")}, "data": nil})
			return
		}
		data[f.key()] = v
		s.rec.Count(f.name)
	}
	actual := ex.cost
	if op == opMutation {
		actual = requested
	}
	s.available -= float64(actual)
	req.ActualCost = actual
	record("ok")
	ext := s.costExtension(requested, &actual)
	if len(ex.search) > 0 {
		ext["search"] = ex.search
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "extensions": ext})
}

// refill adds the points restored since the last refill. Called with s.mu held.
func (s *Server) refill() {
	now := s.opts.Now()
	if d := now.Sub(s.filledAt); d > 0 {
		s.available = math.Min(s.opts.Bucket.Max, s.available+d.Seconds()*s.opts.Bucket.RestoreRate)
	}
	s.filledAt = now
}

func (s *Server) costExtension(requested int, actual *int) map[string]any {
	var act any
	if actual != nil {
		act = *actual
	}
	return map[string]any{"cost": map[string]any{
		"requestedQueryCost": requested,
		"actualQueryCost":    act,
		"throttleStatus": map[string]any{
			"maximumAvailable":   s.opts.Bucket.Max,
			"currentlyAvailable": math.Floor(math.Max(0, s.available)),
			"restoreRate":        s.opts.Bucket.RestoreRate,
		},
	}}
}

// mutationCost is the requested cost of a mutation field, as Shopify
// counts it.
const mutationCost = 10

func throttledError() map[string]any {
	e := gqlError("Throttled", "THROTTLED")
	e["extensions"].(map[string]any)["documentation"] = "https://shopify.dev/api/usage/rate-limits"
	return e
}

func gqlError(msg, code string) map[string]any {
	return map[string]any{"message": msg, "extensions": map[string]any{"code": code}}
}

// apiVersion reads {version} of /admin/api/{version}/graphql.json.
func apiVersion(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "/admin/api/")
	if !ok {
		return "", false
	}
	version, tail, ok := strings.Cut(rest, "/")
	if !ok || tail != "graphql.json" || version == "" {
		return "", false
	}
	return version, true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

func decodeObject(raw []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not a JSON object")
	}
	return obj, nil
}

// legacyID reads a legacyResourceId: a string of digits (as Shopify sends
// UnsignedInt64) or a JSON number.
func legacyID(v any) (uint64, error) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case json.Number:
		s = x.String()
	default:
		return 0, fmt.Errorf("missing or not a string of digits")
	}
	id, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil || id == 0 {
		return 0, fmt.Errorf("%q is not a positive integer", s)
	}
	return id, nil
}

func timeField(node map[string]any, name string, required bool) (time.Time, error) {
	v, ok := node[name]
	if !ok || v == nil {
		if required {
			return time.Time{}, fmt.Errorf("%s missing", name)
		}
		return time.Time{}, nil
	}
	s, ok := v.(string)
	if !ok {
		return time.Time{}, fmt.Errorf("%s is not a string", name)
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %w", name, err)
	}
	return t.UTC(), nil
}

// OrderGID returns the GraphQL id of an order's legacy id.
func OrderGID(legacyID string) string { return "gid://shopify/Order/" + legacyID }
