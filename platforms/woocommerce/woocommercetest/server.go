// Package woocommercetest is a fake WooCommerce REST API v3 for tests and
// fixture replays: an http.Handler (use it with httptest.NewServer) that
// holds native JSON objects exactly as WooCommerce returns them and serves
// the endpoints the woocommerce adapter uses, with WordPress's paging,
// filters and error shapes. It also builds webhook requests as WooCommerce
// sends them.
//
// Served under /wp-json/wc/v3:
//
//	GET  /orders                          page, per_page (≤ 100), status, after, before,
//	                                      modified_after, modified_before, dates_are_gmt,
//	                                      orderby (date, id, modified), order
//	GET  /orders/{id}
//	PUT  /orders/{id}                     {"status": …}
//	GET  /orders/{id}/refunds
//	GET  /products/{id}
//	GET  /products/{id}/variations/{id}
//	GET  /products/categories
//	GET  /settings/general
//
// A fixture order may carry its full refund objects (as GET
// /orders/{id}/refunds returns them) under the non-standard key RefundsKey;
// AddOrder moves them out of the order, which is then served without it.
//
// # What it models, and from where
//
// Sources: woocommerce/woocommerce, plugins/woocommerce/includes/rest-api/
// Controllers/Version2/class-wc-rest-orders-v2-controller.php (the order
// shape, get_order_item_data, the refunds summary) and
// class-wc-rest-order-refunds-v2-controller.php; the REST API docs
// (woocommerce/woocommerce-rest-api-docs, source/includes/wp-api-v3);
// a real WooCommerce 5.8 order webhook body (frappe/ecommerce_integrations,
// ecommerce_integrations/woocommerce/tests/test_order.json).
//
//   - Line items as get_order_item_data builds them: subtotal, subtotal_tax,
//     total and total_tax are strings; price is total / quantity as a PHP
//     float, unrounded (33.333333333333336 for 100.00 over 3); taxes,
//     meta_data and parent_name (null but for variations) are always
//     there. A fixture line may leave any of these out and gets
//     WooCommerce's value (the totals from price × quantity, taxes 0.00);
//     a fixture price that is not total / quantity within the half cent the
//     REST rounding moves (17.647059 for "17.65" is fine) is refused by
//     AddOrder, since WooCommerce cannot send it. A line whose quantity or
//     amounts have the wrong JSON type is served as given: it stands for a
//     plugin that rewrote the shape, which the adapter must refuse.
//   - Everything else in an order is served as the fixture gives it, so
//     fixtures carry WooCommerce's own values: null dates (date_paid,
//     date_completed), null sku for a deleted product, HTML entities in
//     product and variation names as WordPress stores them ("&ndash;",
//     "&amp;"), "-" in a phone field (is_phone accepts it), an empty
//     shipping block for a guest shipping to billing.
//   - The refunds summary {id, reason, total} with total negative, and
//     refund objects whose line items carry negative quantities and the
//     meta _refunded_item_id (refunds controller and docs).
//   - Lists: per_page 1..100 (WordPress's cap) else rest_invalid_param;
//     X-WP-Total and X-WP-TotalPages; status=any leaving out trash;
//     after/before/modified_after/modified_before compared strictly, in
//     GMT with dates_are_gmt and in site time without.
//   - Errors as WordPress shapes them: {code, message, data{status}}, 404
//     woocommerce_rest_shop_order_invalid_id, 401 for a wrong key pair.
//   - Webhooks (webhook.go): the X-WC-Webhook-* headers, the signature
//     base64(HMAC-SHA256(body, wp_specialchars_decode(secret))), a new
//     delivery id per delivery, and the form-encoded ping (WC_Webhook).
package woocommercetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rosync/rosync/faultplan"
	"github.com/rosync/rosync/platforms/platformkit/fakekit"
)

// RefundsKey is the non-standard key under which a fixture order carries its
// refund objects.
const RefundsKey = "x_refunds"

// APIPrefix is where the REST API v3 is served.
const APIPrefix = "/wp-json/wc/v3"

const dateLayout = "2006-01-02T15:04:05"

// Options configure a Server.
type Options struct {
	// Key and Secret are the consumer key pair requests must present (HTTP
	// Basic auth, or consumer_key/consumer_secret in the query). An empty
	// Key accepts every request.
	Key, Secret string
	// Currency is the shop currency of /settings/general; default "USD".
	Currency string
	// Now is the server clock (date_modified on PUT); default time.Now.
	Now func() time.Time
	// Location is the site timezone of the non-GMT date_modified the server
	// writes; default UTC. Date filters sent without dates_are_gmt are
	// compared with the stored site-time fields (date_created,
	// date_modified), as WooCommerce does.
	Location *time.Location
	// Faults, when set, makes a share of the authenticated requests fail
	// by a seeded plan (after the faults queued by Fail). A PUT is never
	// given the plan's "executed, then failed" kinds: a status update
	// pushed twice would be recorded twice.
	Faults *faultplan.Plan
}

// StatusUpdate records a PUT /orders/{id} that changed a status.
type StatusUpdate struct {
	OrderID string
	Status  string
}

// Request is a request the server received (after authentication).
type Request struct {
	Method   string
	Endpoint string // "GET /orders/{id}"
	Path     string // the path under APIPrefix, e.g. "/orders/12"
	Query    url.Values
}

// Fault makes the next Times requests to an endpoint fail with Status
// (a WordPress error object), and a Retry-After header when set.
type Fault struct {
	Status     int
	Times      int
	RetryAfter string
}

// Server is the fake WooCommerce shop. It is safe for concurrent use.
type Server struct {
	opts Options

	mu         sync.Mutex
	orders     map[int64]*storedOrder
	refunds    map[int64][]json.RawMessage
	products   map[int64]json.RawMessage
	variations map[[2]int64]json.RawMessage
	categories map[int64]json.RawMessage

	updates fakekit.Log[StatusUpdate]
	rec     fakekit.Recorder[Request] // by endpoint
	faults  *fakekit.Faults[Fault]    // by endpoint
}

// storedOrder is a native order and the fields the filters read.
type storedOrder struct {
	raw             json.RawMessage
	id              int64
	status          string
	created, cLocal time.Time
	modified, mLoc  time.Time
}

// New returns an empty shop.
func New(opts Options) *Server {
	if opts.Currency == "" {
		opts.Currency = "USD"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	return &Server{
		opts:       opts,
		orders:     map[int64]*storedOrder{},
		refunds:    map[int64][]json.RawMessage{},
		products:   map[int64]json.RawMessage{},
		variations: map[[2]int64]json.RawMessage{},
		categories: map[int64]json.RawMessage{},
		rec: fakekit.Recorder[Request]{Copy: func(r Request) Request {
			r.Query = fakekit.CloneValues(r.Query)
			return r
		}},
		faults: fakekit.NewFaults[Fault](opts.Faults),
	}
}

// AddOrder inserts or replaces (by id) a native order. Refund objects under
// RefundsKey are moved to the order's refunds; when the order's own refunds
// summary is empty it is filled from them.
func (s *Server) AddOrder(raw json.RawMessage) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return fmt.Errorf("woocommercetest: order is not a JSON object: %w", err)
	}
	id, err := idOf(obj)
	if err != nil {
		return fmt.Errorf("woocommercetest: order: %w", err)
	}
	completed, err := completeLines(obj)
	if err != nil {
		return fmt.Errorf("woocommercetest: order %d: %w", id, err)
	}
	var refunds []json.RawMessage
	r, hasRefunds := obj[RefundsKey]
	if hasRefunds {
		if err := json.Unmarshal(r, &refunds); err != nil {
			return fmt.Errorf("woocommercetest: order %d: %s is not an array: %w", id, RefundsKey, err)
		}
		delete(obj, RefundsKey)
		if !nonEmptyArray(obj["refunds"]) && len(refunds) > 0 {
			summary := make([]map[string]any, 0, len(refunds))
			for _, rr := range refunds {
				summary = append(summary, refundSummary(rr))
			}
			obj["refunds"], _ = json.Marshal(summary)
		}
	}
	if hasRefunds || completed {
		if raw, err = json.Marshal(obj); err != nil {
			return err
		}
	} else {
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return err
		}
		raw = buf.Bytes()
	}
	so, err := s.index(raw)
	if err != nil {
		return fmt.Errorf("woocommercetest: order %d: %w", id, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.orders[id] = so
	if refunds != nil {
		s.refunds[id] = refunds
	} else if _, ok := s.refunds[id]; !ok {
		s.refunds[id] = nil
	}
	return nil
}

// AddRefund adds a refund object (as GET /orders/{id}/refunds returns it) to
// an order, appends it to the order's refunds summary and moves the order's
// date_modified to the server clock, as WooCommerce does.
func (s *Server) AddRefund(orderID int64, raw json.RawMessage) error {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(raw, &probe); err != nil {
		return fmt.Errorf("woocommercetest: refund is not a JSON object: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	so, ok := s.orders[orderID]
	if !ok {
		return fmt.Errorf("woocommercetest: no order %d", orderID)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(so.raw, &obj); err != nil {
		return err
	}
	var summary []json.RawMessage
	_ = json.Unmarshal(obj["refunds"], &summary)
	one, _ := json.Marshal(refundSummary(raw))
	summary = append(summary, one)
	obj["refunds"], _ = json.Marshal(summary)
	s.touch(obj)
	nso, err := s.reindex(obj)
	if err != nil {
		return err
	}
	s.orders[orderID] = nso
	s.refunds[orderID] = append(s.refunds[orderID], append(json.RawMessage(nil), raw...))
	return nil
}

// DeleteOrder removes an order (a permanent delete); it reports whether the
// order existed.
func (s *Server) DeleteOrder(id int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.orders[id]
	delete(s.orders, id)
	delete(s.refunds, id)
	return ok
}

// AddProduct inserts or replaces (by id) a native product.
func (s *Server) AddProduct(raw json.RawMessage) error {
	id, err := rawID(raw)
	if err != nil {
		return fmt.Errorf("woocommercetest: product: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.products[id] = append(json.RawMessage(nil), raw...)
	return nil
}

// AddVariation inserts or replaces a native variation of product productID.
func (s *Server) AddVariation(productID int64, raw json.RawMessage) error {
	id, err := rawID(raw)
	if err != nil {
		return fmt.Errorf("woocommercetest: variation: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.variations[[2]int64{productID, id}] = append(json.RawMessage(nil), raw...)
	return nil
}

// AddCategory inserts or replaces (by id) a native product category
// ({"id","name","slug","parent",…}).
func (s *Server) AddCategory(raw json.RawMessage) error {
	id, err := rawID(raw)
	if err != nil {
		return fmt.Errorf("woocommercetest: category: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.categories[id] = append(json.RawMessage(nil), raw...)
	return nil
}

// Orders returns the stored orders by id, as they are served.
func (s *Server) Orders() []json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]int64, 0, len(s.orders))
	for id := range s.orders {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	out := make([]json.RawMessage, len(ids))
	for i, id := range ids {
		out[i] = append(json.RawMessage(nil), s.orders[id].raw...)
	}
	return out
}

// Order returns one stored order.
func (s *Server) Order(id int64) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	so, ok := s.orders[id]
	if !ok {
		return nil, false
	}
	return append(json.RawMessage(nil), so.raw...), true
}

// StatusUpdates returns the status changes made through PUT /orders/{id},
// in order.
func (s *Server) StatusUpdates() []StatusUpdate { return s.updates.All() }

// Calls returns the number of requests per endpoint ("GET /orders",
// "GET /orders/{id}", "PUT /orders/{id}", "GET /orders/{id}/refunds",
// "GET /products/{id}", "GET /products/{id}/variations/{id}",
// "GET /products/categories", "GET /settings/general"), failed ones included.
func (s *Server) Calls() map[string]int { return s.rec.Calls() }

// Requests returns the authenticated requests received, in order.
func (s *Server) Requests() []Request { return s.rec.Requests() }

// Fail queues a fault for an endpoint (a key of Calls).
func (s *Server) Fail(endpoint string, f Fault) { s.faults.Queue(endpoint, f, f.Times) }

// SetFaults replaces Options.Faults (nil: no more faults).
func (s *Server) SetFaults(p *faultplan.Plan) { s.faults.SetPlan(p) }

// ServeHTTP serves the REST API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, APIPrefix)
	if !ok {
		writeError(w, http.StatusNotFound, "rest_no_route", "No route was found matching the URL and request method.")
		return
	}
	path = "/" + strings.Trim(path, "/")
	seg := strings.Split(strings.TrimPrefix(path, "/"), "/")
	endpoint, handler := s.route(r.Method, seg)
	if handler == nil {
		writeError(w, http.StatusNotFound, "rest_no_route", "No route was found matching the URL and request method.")
		return
	}
	if !s.authorized(w, r) {
		return
	}
	s.rec.Record(endpoint, Request{Method: r.Method, Endpoint: endpoint, Path: path, Query: r.URL.Query()})
	if fault, ok := s.faults.Next(endpoint); ok {
		if fault.RetryAfter != "" {
			w.Header().Set("Retry-After", fault.RetryAfter)
		}
		writeError(w, fault.Status, "rosync_test_fault", http.StatusText(fault.Status))
		return
	}
	s.faults.Serve(w, r, endpoint, false, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler(w, r, seg)
	}))
}

type handlerFunc func(w http.ResponseWriter, r *http.Request, seg []string)

func (s *Server) route(method string, seg []string) (string, handlerFunc) {
	switch {
	case method == http.MethodGet && len(seg) == 1 && seg[0] == "orders":
		return "GET /orders", s.listOrders
	case method == http.MethodGet && len(seg) == 2 && seg[0] == "orders":
		return "GET /orders/{id}", s.getOrder
	case (method == http.MethodPut || method == http.MethodPost || method == http.MethodPatch) && len(seg) == 2 && seg[0] == "orders":
		return "PUT /orders/{id}", s.putOrder
	case method == http.MethodGet && len(seg) == 3 && seg[0] == "orders" && seg[2] == "refunds":
		return "GET /orders/{id}/refunds", s.listRefunds
	case method == http.MethodGet && len(seg) == 2 && seg[0] == "products" && seg[1] == "categories":
		return "GET /products/categories", s.listCategories
	case method == http.MethodGet && len(seg) == 2 && seg[0] == "products":
		return "GET /products/{id}", s.getProduct
	case method == http.MethodGet && len(seg) == 4 && seg[0] == "products" && seg[2] == "variations":
		return "GET /products/{id}/variations/{id}", s.getVariation
	case method == http.MethodGet && len(seg) == 2 && seg[0] == "settings" && seg[1] == "general":
		return "GET /settings/general", s.settings
	}
	return "", nil
}

func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	if s.opts.Key == "" {
		return true
	}
	key, secret, ok := r.BasicAuth()
	if !ok {
		key, secret = r.URL.Query().Get("consumer_key"), r.URL.Query().Get("consumer_secret")
		ok = key != ""
	}
	switch {
	case !ok:
		writeError(w, http.StatusUnauthorized, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.")
		return false
	case key != s.opts.Key:
		writeError(w, http.StatusUnauthorized, "woocommerce_rest_authentication_error", "Consumer key is invalid.")
		return false
	case secret != s.opts.Secret:
		writeError(w, http.StatusUnauthorized, "woocommerce_rest_authentication_error", "Invalid signature - provided signature does not match.")
		return false
	}
	return true
}
