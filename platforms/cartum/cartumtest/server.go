// Package cartumtest is a fake Cartum (Horoshop) API for tests and fixture
// replays: an http.Handler (use it with httptest.NewServer) that holds
// native order and status objects as orders/get and
// orders/get_available_statuses return them, and serves the functions the
// cartum adapter uses with Cartum's envelope: HTTP 200 and
// {"status": "OK"|…, "response": {…}}, errors included.
//
// Served, each as POST /api/<function>/ with a JSON body:
//
//	auth                           {login, password} → {token}; tokens expire after Options.TokenTTL
//	orders/get                     token, from, to (shop local time, on stat_created, inclusive),
//	                               ids, status (one or an array), offset, limit (≤ Options.MaxLimit)
//	orders/get_available_statuses  token → {statuses: {id: {id, title, is_successful}}}
//	orders/update                  token, orders [{order_id, status}] → OK, or WARNING with log[]
//	hooks/subscribe                token, event, target_url → HTTP 201 {"id": N}
//
// Orders are listed by stat_created, then order_id.
//
// # What it models, and from where
//
// The fake answers as the real platform does where a source says how, so
// that an adapter that expects a tidier API fails here rather than on a
// shop:
//
//   - A wrong login or password answers ERROR (wire evidence; the mock in
//     ecomkit-com-ua/horoshop-mcp test/support/mock-horoshop.mjs).
//   - A token older than Options.TokenTTL (600 s, Horoshop's "Authorization"
//     page) answers UNAUTHORIZED, the documented status; a missing, forged
//     or revoked one (ExpireTokens) answers AUTHORIZATION_ERROR, which
//     ecomkit-com-ua/horoshop-mcp src/client.ts treats as a token failure
//     and its mock sends for a token it does not know.
//   - An unknown function answers UNDEFINED_FUNCTION (the same client and
//     IgorShutko/horoshop-mcp src/client.ts).
//   - Orders carry the fields the platform computes when the order given
//     to AddOrder lacks them (see complete): delivery_price -1 ("not
//     calculated": on 264 live orders of two shops it was only ever -1 or
//     0), products[].total_price and discount_marker, total_default,
//     coupon_discount_value from coupon_percent, and total_sum after the
//     coupon and without delivery (a 799 line with a 25 % coupon:
//     coupon_discount_value 200, total_sum 599, the line's price still
//     799). Source: the measurements in IgorShutko/horoshop-mcp
//     src/tools/orders.ts. Fields a fixture states, null included, are
//     served as given (tnNumber is null on an unprocessed order there).
//   - orders/update answers OK, or WARNING when an order failed, with
//     response.log[] in the request's order, each entry {status,
//     messages} with no order_id: "UPDATED", or "status is not defined or
//     defined incorrectly" for an unknown status, as in the example answer
//     of https://horoshop.atlassian.net/wiki/spaces/DOCS/pages/3693183321/Updating+Orders
//     (whose field list still says "message").
//   - hooks/subscribe answers HTTP 201 {"id": N}, at most 5 per event
//     (https://horoshop.atlassian.net/wiki/spaces/DOCS/pages/3693183047).
//
// Not modelled, for want of a source: numbers sent as strings. No public
// client or measurement shows orders/get sending order_id, stat_status,
// quantity or the amounts as strings (IgorShutko/horoshop-claude-skill
// horoshop-sales-report/scripts/sales_report.py, run on live shops,
// compares stat_status with the integer 3), so the fake sends what the
// fixture states; the only measured type surprise, utm_campaign as a
// number, is in a block rosync does not read. Also not modelled: a manager
// discount (a fixture states total_sum for it), and whether total_price
// reflects an order-level coupon (it is price × quantity here).
package cartumtest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/rosync/rosync/faultplan"
	"github.com/rosync/rosync/platforms/platformkit/fakekit"
)

// TimeLayout is Cartum's date format (shop local time).
const TimeLayout = "2006-01-02 15:04:05"

// Options configure a Server.
type Options struct {
	// Login and Password are the API user's credentials that auth checks.
	// An empty Login accepts any.
	Login, Password string
	// Location is the shop's timezone, in which stat_created and the
	// from/to filters are read; default UTC.
	Location *time.Location
	// Now is the server clock of token expiry; default time.Now.
	Now func() time.Time
	// TokenTTL is a token's lifetime; default 600 s, as Cartum documents.
	TokenTTL time.Duration
	// MaxLimit is the largest orders/get limit accepted; default 500.
	MaxLimit int
	// EmptyStatus makes orders/get answer {"status": "EMPTY"} instead of
	// an empty list (some Horoshop mocks do; unverified).
	EmptyStatus bool
	// Faults, when set, makes a share of the calls fail by a seeded plan
	// (after the faults queued by Fail), by function ("POST orders/get").
	// No call is given the plan's "executed, then failed" kinds: none of
	// them creates anything that a retry could duplicate except
	// hooks/subscribe, which a replay does not call.
	Faults *faultplan.Plan
}

// StatusUpdate records an orders/update that changed a status.
type StatusUpdate struct {
	OrderID string
	Status  string
}

// Hook is a hooks/subscribe subscription.
type Hook struct {
	ID        int64
	Event     string
	TargetURL string
}

// Request is a function call the server received. Body is the request body
// with the token and password removed.
type Request struct {
	Function string
	Body     map[string]json.RawMessage
}

// Fault makes the next Times calls of a function fail: with HTTP status
// HTTPStatus when it is set, else HTTP 200 with Status (and Message).
type Fault struct {
	HTTPStatus int
	Status     string
	Message    string
	Times      int
}

// Server is the fake Cartum shop. It is safe for concurrent use.
type Server struct {
	opts Options

	mu       sync.Mutex
	orders   map[int64]*storedOrder
	statuses map[int64]json.RawMessage
	tokens   map[string]time.Time // token -> expiry
	hooks    []Hook

	updates fakekit.Log[StatusUpdate]
	rec     fakekit.Recorder[Request] // by function
	faults  *fakekit.Faults[Fault]    // by function; the plan's by "POST "+function
}

type storedOrder struct {
	raw     json.RawMessage
	id      int64
	status  int64
	created time.Time // stat_created in the shop's timezone
}

// New returns an empty shop.
func New(opts Options) *Server {
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = 600 * time.Second
	}
	if opts.MaxLimit <= 0 {
		opts.MaxLimit = 500
	}
	return &Server{
		opts:     opts,
		orders:   map[int64]*storedOrder{},
		statuses: map[int64]json.RawMessage{},
		tokens:   map[string]time.Time{},
		faults:   fakekit.NewFaults[Fault](opts.Faults),
	}
}

// SetFaults replaces Options.Faults (nil: no more faults).
func (s *Server) SetFaults(p *faultplan.Plan) { s.faults.SetPlan(p) }

// AddOrder inserts or replaces (by order_id) a native order, as orders/get
// returns it. order_id and stat_status must be integers and stat_created a
// "YYYY-MM-DD HH:MM:SS" date; the rest is served as given.
func (s *Server) AddOrder(raw json.RawMessage) error {
	so, err := s.index(raw)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.orders[so.id] = so
	return nil
}

func (s *Server) index(raw json.RawMessage) (*storedOrder, error) {
	var head struct {
		OrderID     int64  `json:"order_id"`
		StatStatus  int64  `json:"stat_status"`
		StatCreated string `json:"stat_created"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, fmt.Errorf("cartumtest: order: %w", err)
	}
	if head.OrderID <= 0 {
		return nil, errors.New("cartumtest: order without a positive order_id")
	}
	created, err := time.ParseInLocation(TimeLayout, head.StatCreated, s.opts.Location)
	if err != nil {
		return nil, fmt.Errorf("cartumtest: order %d: stat_created: %w", head.OrderID, err)
	}
	full, err := complete(raw)
	if err != nil {
		return nil, fmt.Errorf("cartumtest: order %d: %w", head.OrderID, err)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, full); err != nil {
		return nil, err
	}
	return &storedOrder{raw: buf.Bytes(), id: head.OrderID, status: head.StatStatus, created: created}, nil
}

// complete adds to an order the fields the platform computes and always
// sends, when the order given to AddOrder lacks them (a field given, null
// included, is served as given):
//
//   - delivery_price -1: the delivery cost was not calculated, as on most
//     real orders;
//   - products[].total_price, price × quantity (a product discount is
//     already in price), and discount_marker "NONE";
//   - total_default, Σ price × quantity;
//   - coupon_discount_value, when coupon_percent is given: total_default ×
//     coupon_percent / 100 rounded to a whole unit (799 at 25 % is 200);
//   - total_sum, total_default − coupon_discount_value.
//
// An order whose prices or quantities cannot be read gets no computed
// totals: it is served as given, for the adapter to refuse.
func complete(raw json.RawMessage) (json.RawMessage, error) {
	var o map[string]json.RawMessage
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, err
	}
	if _, ok := o["delivery_price"]; !ok {
		o["delivery_price"] = json.RawMessage(`-1`)
	}
	var products []map[string]json.RawMessage
	if json.Unmarshal(o["products"], &products) == nil && products != nil {
		total, ok := decimal.Zero, true
		for _, p := range products {
			price, err1 := number(p["price"])
			qty, err2 := number(p["quantity"])
			if err1 != nil || err2 != nil {
				ok = false
				continue
			}
			line := price.Mul(qty)
			total = total.Add(line)
			if _, has := p["total_price"]; !has {
				p["total_price"] = json.RawMessage(line.String())
			}
			if _, has := p["discount_marker"]; !has {
				p["discount_marker"] = json.RawMessage(`"NONE"`)
			}
		}
		b, err := json.Marshal(products)
		if err != nil {
			return nil, err
		}
		o["products"] = b
		if ok {
			if _, has := o["total_default"]; !has {
				o["total_default"] = json.RawMessage(total.String())
			}
			coupon := decimal.Zero
			if v, has := o["coupon_discount_value"]; has {
				coupon, _ = number(v)
			} else if pct, err := number(o["coupon_percent"]); err == nil && pct.IsPositive() {
				coupon = total.Mul(pct).Div(decimal.NewFromInt(100)).Round(0)
				o["coupon_discount_value"] = json.RawMessage(coupon.String())
			}
			if _, has := o["total_sum"]; !has {
				o["total_sum"] = json.RawMessage(total.Sub(coupon).String())
			}
		}
	}
	return json.Marshal(o)
}

// number reads a JSON number or a decimal string.
func number(raw json.RawMessage) (decimal.Decimal, error) {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		s = string(bytes.TrimSpace(raw))
	}
	return decimal.NewFromString(strings.TrimSpace(s))
}

// Order returns one stored order as it is served.
func (s *Server) Order(id int64) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	so, ok := s.orders[id]
	if !ok {
		return nil, false
	}
	return append(json.RawMessage(nil), so.raw...), true
}

// DeleteOrder removes an order and reports whether it existed.
func (s *Server) DeleteOrder(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.orders[id]
	delete(s.orders, id)
	return ok
}

// SetStatuses replaces the shop's statuses: raw is the statuses object of
// orders/get_available_statuses (keyed by id) or an array of its values
// ({"id", "title", "is_successful"}).
func (s *Server) SetStatuses(raw json.RawMessage) error {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		var m map[string]json.RawMessage
		if err2 := json.Unmarshal(raw, &m); err2 != nil {
			return fmt.Errorf("cartumtest: statuses are neither an array nor an object: %w", err)
		}
		for _, v := range m {
			items = append(items, v)
		}
	}
	st := make(map[int64]json.RawMessage, len(items))
	for _, it := range items {
		var head struct {
			ID int64 `json:"id"`
		}
		if err := json.Unmarshal(it, &head); err != nil || head.ID <= 0 {
			return fmt.Errorf("cartumtest: status without a positive id: %s", it)
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, it); err != nil {
			return err
		}
		st[head.ID] = buf.Bytes()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.statuses = st
	return nil
}

// StatusUpdates returns the status changes made through orders/update, in
// order.
func (s *Server) StatusUpdates() []StatusUpdate { return s.updates.All() }

// Hooks returns the subscriptions made through hooks/subscribe.
func (s *Server) Hooks() []Hook {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Hook(nil), s.hooks...)
}

// Calls returns the number of calls per function ("auth", "orders/get",
// …), failed ones included.
func (s *Server) Calls() map[string]int { return s.rec.Calls() }

// Requests returns the calls received, in order.
func (s *Server) Requests() []Request { return s.rec.Requests() }

// ExpireTokens invalidates every issued token, as if they had all expired:
// the shop then answers AUTHORIZATION_ERROR to them.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// Fail queues a fault for a function.
func (s *Server) Fail(function string, f Fault) { s.faults.Queue(function, f, f.Times) }

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fn, ok := strings.CutPrefix(r.URL.Path, "/api/")
	fn = strings.Trim(fn, "/")
	if !ok || fn == "" {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(data, &body); err != nil {
		writeStatus(w, "ERROR", "request body is not a JSON object")
		return
	}
	logged := make(map[string]json.RawMessage, len(body))
	for k, v := range body {
		if k != "token" && k != "password" {
			logged[k] = v
		}
	}
	s.rec.Record(fn, Request{Function: fn, Body: logged})
	if fault, ok := s.faults.Next(fn); ok {
		if fault.HTTPStatus != 0 {
			http.Error(w, http.StatusText(fault.HTTPStatus), fault.HTTPStatus)
			return
		}
		writeStatus(w, fault.Status, fault.Message)
		return
	}
	s.faults.Serve(w, r, "POST "+fn, false, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		s.serve(w, fn, body)
	}))
}

// serve runs function fn.
func (s *Server) serve(w http.ResponseWriter, fn string, body map[string]json.RawMessage) {
	var handler func(http.ResponseWriter, map[string]json.RawMessage)
	switch fn {
	case "auth":
		s.auth(w, body)
		return
	case "orders/get":
		handler = s.getOrders
	case "orders/get_available_statuses":
		handler = s.getStatuses
	case "orders/update":
		handler = s.updateOrders
	case "hooks/subscribe":
		handler = s.subscribe
	default:
		writeStatus(w, "UNDEFINED_FUNCTION", "Function "+fn+" is not defined")
		return
	}
	switch s.checkToken(body["token"]) {
	case tokenExpired:
		writeStatus(w, "UNAUTHORIZED", "Token expired")
		return
	case tokenUnknown:
		writeStatus(w, "AUTHORIZATION_ERROR", "Token is missing or unknown")
		return
	}
	handler(w, body)
}

func (s *Server) auth(w http.ResponseWriter, body map[string]json.RawMessage) {
	var login, password string
	_ = json.Unmarshal(body["login"], &login)
	_ = json.Unmarshal(body["password"], &password)
	if s.opts.Login != "" && (login != s.opts.Login || password != s.opts.Password) {
		writeStatus(w, "ERROR", "Incorrect login or password")
		return
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	tok := hex.EncodeToString(b[:])
	s.mu.Lock()
	s.tokens[tok] = s.opts.Now().Add(s.opts.TokenTTL)
	s.mu.Unlock()
	writeOK(w, map[string]any{"token": tok})
}

// The results of checkToken.
const (
	tokenValid = iota
	tokenExpired
	tokenUnknown
)

// checkToken says whether a request's token is valid, expired (issued, and
// older than TokenTTL: UNAUTHORIZED, as Cartum documents) or unknown
// (missing, forged or revoked by ExpireTokens: AUTHORIZATION_ERROR, as a
// public client's mock answers).
func (s *Server) checkToken(raw json.RawMessage) int {
	var tok string
	if json.Unmarshal(raw, &tok) != nil || tok == "" {
		return tokenUnknown
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exp, ok := s.tokens[tok]
	if !ok {
		return tokenUnknown
	}
	if !s.opts.Now().Before(exp) {
		return tokenExpired
	}
	return tokenValid
}

func writeOK(w http.ResponseWriter, response any) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "OK", "response": response})
}

func writeStatus(w http.ResponseWriter, status, message string) {
	writeJSON(w, http.StatusOK, map[string]any{"status": status, "response": map[string]any{"message": message}})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// intList reads one integer or an array of integers (numbers or numeric
// strings).
func intList(raw json.RawMessage) ([]int64, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var items []json.RawMessage
	if raw[0] == '[' {
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, err
		}
	} else {
		items = []json.RawMessage{raw}
	}
	out := make([]int64, 0, len(items))
	for _, it := range items {
		s := strings.Trim(string(bytes.TrimSpace(it)), `"`)
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%s is not an integer", it)
		}
		out = append(out, n)
	}
	return out, nil
}

func (s *Server) getOrders(w http.ResponseWriter, body map[string]json.RawMessage) {
	var bounds [2]time.Time
	for i, name := range []string{"from", "to"} {
		raw, ok := body[name]
		if !ok {
			continue
		}
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			writeStatus(w, "ERROR", "Parameter "+name+" must be a date string")
			return
		}
		t, err := time.ParseInLocation(TimeLayout, v, s.opts.Location)
		if err != nil {
			writeStatus(w, "ERROR", "Parameter "+name+" is not a date (YYYY-MM-DD HH:MM:SS)")
			return
		}
		bounds[i] = t
	}
	ids, err := intList(body["ids"])
	if err != nil {
		writeStatus(w, "ERROR", "Parameter ids: "+err.Error())
		return
	}
	statuses, err := intList(body["status"])
	if err != nil {
		writeStatus(w, "ERROR", "Parameter status: "+err.Error())
		return
	}
	offset, limit := int64(0), int64(s.opts.MaxLimit)
	for name, dst := range map[string]*int64{"offset": &offset, "limit": &limit} {
		if raw, ok := body[name]; ok {
			v, err := intList(raw)
			if err != nil || len(v) != 1 || v[0] < 0 {
				writeStatus(w, "ERROR", "Parameter "+name+" must be a non-negative integer")
				return
			}
			*dst = v[0]
		}
	}
	if limit > int64(s.opts.MaxLimit) {
		writeStatus(w, "ERROR", fmt.Sprintf("Parameter limit must not exceed %d", s.opts.MaxLimit))
		return
	}
	idSet := map[int64]bool{}
	for _, id := range ids {
		idSet[id] = true
	}
	stSet := map[int64]bool{}
	for _, st := range statuses {
		stSet[st] = true
	}
	s.mu.Lock()
	list := make([]*storedOrder, 0, len(s.orders))
	for _, so := range s.orders {
		switch {
		case len(idSet) > 0 && !idSet[so.id]:
			continue
		case len(stSet) > 0 && !stSet[so.status]:
			continue
		case !bounds[0].IsZero() && so.created.Before(bounds[0]):
			continue
		case !bounds[1].IsZero() && so.created.After(bounds[1]):
			continue
		}
		list = append(list, so)
	}
	sort.Slice(list, func(i, j int) bool {
		if !list[i].created.Equal(list[j].created) {
			return list[i].created.Before(list[j].created)
		}
		return list[i].id < list[j].id
	})
	out := []json.RawMessage{}
	for _, so := range fakekit.Slice(list, int(offset), int(limit)) {
		out = append(out, append(json.RawMessage(nil), so.raw...))
	}
	s.mu.Unlock()
	if len(out) == 0 && s.opts.EmptyStatus {
		writeJSON(w, http.StatusOK, map[string]any{"status": "EMPTY", "response": map[string]any{}})
		return
	}
	writeOK(w, map[string]any{"orders": out})
}

func (s *Server) getStatuses(w http.ResponseWriter, _ map[string]json.RawMessage) {
	s.mu.Lock()
	st := make(map[string]json.RawMessage, len(s.statuses))
	for id, raw := range s.statuses {
		st[strconv.FormatInt(id, 10)] = append(json.RawMessage(nil), raw...)
	}
	s.mu.Unlock()
	writeOK(w, map[string]any{"statuses": st})
}

// logEntry is an element of orders/update's response.log, as in Cartum's
// own example answer: status and "messages" (a string), no order_id; the
// entries follow the request's orders.
type logEntry struct {
	Status   string `json:"status"`
	Messages string `json:"messages"`
}

// updated is the messages of a log entry whose order was updated, and
// statusUndefined that of one whose status is unknown (Cartum's example).
const (
	updated         = "UPDATED"
	statusUndefined = "status is not defined or defined incorrectly"
)

func (s *Server) updateOrders(w http.ResponseWriter, body map[string]json.RawMessage) {
	var orders []map[string]json.RawMessage
	if err := json.Unmarshal(body["orders"], &orders); err != nil || len(orders) == 0 {
		writeStatus(w, "ERROR", "Parameter orders must be a non-empty array")
		return
	}
	var log []logEntry
	warning := false
	s.mu.Lock()
	for _, o := range orders {
		ids, err := intList(o["order_id"])
		if err != nil || len(ids) != 1 {
			log = append(log, logEntry{Status: "ERROR", Messages: "order_id is not defined or defined incorrectly"})
			warning = true
			continue
		}
		id := ids[0]
		so, ok := s.orders[id]
		if !ok {
			log = append(log, logEntry{Status: "ERROR", Messages: "Order not found"})
			warning = true
			continue
		}
		raw, ok := o["status"]
		if !ok {
			log = append(log, logEntry{Status: "OK", Messages: updated})
			continue
		}
		sts, err := intList(raw)
		if err != nil || len(sts) != 1 {
			log = append(log, logEntry{Status: "ERROR", Messages: statusUndefined})
			warning = true
			continue
		}
		if _, known := s.statuses[sts[0]]; len(s.statuses) > 0 && !known {
			log = append(log, logEntry{Status: "ERROR", Messages: statusUndefined})
			warning = true
			continue
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(so.raw, &obj); err != nil {
			log = append(log, logEntry{Status: "ERROR", Messages: "stored order is broken"})
			warning = true
			continue
		}
		obj["stat_status"] = json.RawMessage(strconv.FormatInt(sts[0], 10))
		nraw, _ := json.Marshal(obj)
		s.orders[id] = &storedOrder{raw: nraw, id: id, status: sts[0], created: so.created}
		if so.status != sts[0] {
			// A repeated update to the status the order has (the adapter's
			// retry after a lost answer) changes nothing, so it is no status
			// change (as WooCommerce's; no Cartum source shows its log).
			s.updates.Add(StatusUpdate{OrderID: strconv.FormatInt(id, 10), Status: strconv.FormatInt(sts[0], 10)})
		}
		log = append(log, logEntry{Status: "OK", Messages: updated})
	}
	s.mu.Unlock()
	status := "OK"
	if warning {
		status = "WARNING"
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": status, "response": map[string]any{"log": log}})
}

func (s *Server) subscribe(w http.ResponseWriter, body map[string]json.RawMessage) {
	var event, target string
	_ = json.Unmarshal(body["event"], &event)
	_ = json.Unmarshal(body["target_url"], &target)
	switch event {
	case "order_created", "user_signup", "request_call_me":
	default:
		writeStatus(w, "ERROR", "Unknown event")
		return
	}
	if !strings.HasPrefix(target, "http://") && !strings.HasPrefix(target, "https://") {
		writeStatus(w, "ERROR", "target_url must be an http(s) URL")
		return
	}
	s.mu.Lock()
	n := 0
	for _, h := range s.hooks {
		if h.Event == event {
			n++
		}
	}
	if n >= 5 {
		s.mu.Unlock()
		writeStatus(w, "ERROR", "No more than 5 subscriptions per event")
		return
	}
	h := Hook{ID: int64(len(s.hooks) + 1), Event: event, TargetURL: target}
	s.hooks = append(s.hooks, h)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"id": h.ID})
}

// SecretParam is the query parameter that carries the webhook secret in the
// requests Webhook builds (the cartum adapter's WebhookSecretParam).
const SecretParam = "secret"

// Webhook builds the POST Cartum sends to a hook's target URL: body (the
// order, or {"order_id": N}) as JSON, with secret added to the URL's query
// as SecretParam, as the cartum adapter's Subscribe registers it. An empty
// secret adds none. It panics on a malformed URL (a test bug).
func Webhook(target, secret string, body []byte) *http.Request {
	if secret != "" {
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		target += sep + SecretParam + "=" + url.QueryEscape(secret)
	}
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		panic(fmt.Sprintf("cartumtest: webhook request: %v", err))
	}
	req.Header.Set("Content-Type", "application/json")
	return req
}
