package woocommercetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rosync/rosync/platforms/platformkit/fakekit"
)

// This file holds the endpoint handlers and the WordPress answer shapes.

func (s *Server) listOrders(w http.ResponseWriter, r *http.Request, _ []string) {
	q := r.URL.Query()
	page, ok := paging(w, q)
	if !ok {
		return
	}
	gmt := q.Get("dates_are_gmt") == "true" || q.Get("dates_are_gmt") == "1"
	var bounds [4]time.Time // after, before, modified_after, modified_before
	for i, name := range []string{"after", "before", "modified_after", "modified_before"} {
		v := q.Get(name)
		if v == "" {
			continue
		}
		t, err := s.parseDate(v, gmt)
		if err != nil {
			writeInvalidParam(w, name, "Invalid date.")
			return
		}
		bounds[i] = t
	}
	statuses := map[string]bool{}
	for _, v := range fakekit.List(q, "status") {
		for _, st := range strings.Split(v, ",") {
			if st = strings.TrimPrefix(strings.TrimSpace(st), "wc-"); st != "" {
				statuses[st] = true
			}
		}
	}
	anyStatus := len(statuses) == 0 || statuses["any"]

	s.mu.Lock()
	list := make([]*storedOrder, 0, len(s.orders))
	for _, so := range s.orders {
		created, modified := so.created, so.modified
		if !gmt {
			created, modified = so.cLocal, so.mLoc
		}
		switch {
		case anyStatus && so.status == "trash":
			continue
		case !anyStatus && !statuses[so.status]:
			continue
		case !bounds[0].IsZero() && !created.After(bounds[0]):
			continue
		case !bounds[1].IsZero() && !created.Before(bounds[1]):
			continue
		case !bounds[2].IsZero() && !modified.After(bounds[2]):
			continue
		case !bounds[3].IsZero() && !modified.Before(bounds[3]):
			continue
		}
		list = append(list, so)
	}
	s.mu.Unlock()

	desc := q.Get("order") != "asc"
	orderby := q.Get("orderby")
	sort.Slice(list, func(i, j int) bool {
		a, b := list[i], list[j]
		var less bool
		switch orderby {
		case "id":
			less = a.id < b.id
		case "modified":
			less = a.modified.Before(b.modified) || (a.modified.Equal(b.modified) && a.id < b.id)
		default:
			less = a.created.Before(b.created) || (a.created.Equal(b.created) && a.id < b.id)
		}
		if desc {
			return !less
		}
		return less
	})
	items := make([]json.RawMessage, len(list))
	for i, so := range list {
		items[i] = so.raw
	}
	writePage(w, items, page)
}

func (s *Server) getOrder(w http.ResponseWriter, _ *http.Request, seg []string) {
	id, _ := strconv.ParseInt(seg[1], 10, 64)
	s.mu.Lock()
	so, ok := s.orders[id]
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
		return
	}
	writeJSON(w, http.StatusOK, so.raw)
}

// orderStatuses are WooCommerce core's order statuses.
var orderStatuses = map[string]bool{
	"pending": true, "processing": true, "on-hold": true, "completed": true,
	"cancelled": true, "refunded": true, "failed": true, "trash": true, "checkout-draft": true,
}

func (s *Server) putOrder(w http.ResponseWriter, r *http.Request, seg []string) {
	id, _ := strconv.ParseInt(seg[1], 10, 64)
	var req struct {
		Status *string `json:"status"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "rest_invalid_json", "Invalid JSON body passed.")
		return
	}
	if req.Status != nil && !orderStatuses[*req.Status] {
		writeInvalidParam(w, "status", "status is not one of pending, processing, on-hold, completed, cancelled, refunded, failed, trash, and checkout-draft.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	so, ok := s.orders[id]
	if !ok {
		writeError(w, http.StatusNotFound, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
		return
	}
	if req.Status != nil {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(so.raw, &obj); err != nil {
			writeError(w, http.StatusInternalServerError, "internal", err.Error())
			return
		}
		var was string
		_ = json.Unmarshal(obj["status"], &was)
		obj["status"], _ = json.Marshal(*req.Status)
		s.touch(obj)
		nso, err := s.reindex(obj)
		if err != nil {
			writeError(w, http.StatusInternalServerError, "internal", err.Error())
			return
		}
		s.orders[id] = nso
		so = nso
		if was != *req.Status {
			// WooCommerce records a status transition only when the status
			// changes: WC_Order::set_status sets status_transition only if
			// from !== to (includes/class-wc-order.php). A repeated PUT of
			// the same status, e.g. the adapter's retry after a lost
			// answer, changes nothing and is no status update.
			s.updates.Add(StatusUpdate{OrderID: strconv.FormatInt(id, 10), Status: *req.Status})
		}
	}
	writeJSON(w, http.StatusOK, so.raw)
}

func (s *Server) listRefunds(w http.ResponseWriter, r *http.Request, seg []string) {
	id, _ := strconv.ParseInt(seg[1], 10, 64)
	page, ok := paging(w, r.URL.Query())
	if !ok {
		return
	}
	s.mu.Lock()
	_, exists := s.orders[id]
	refunds := append([]json.RawMessage(nil), s.refunds[id]...)
	s.mu.Unlock()
	if !exists {
		writeError(w, http.StatusNotFound, "woocommerce_rest_order_invalid_id", "Invalid order ID.")
		return
	}
	writePage(w, refunds, page)
}

func (s *Server) getProduct(w http.ResponseWriter, _ *http.Request, seg []string) {
	id, _ := strconv.ParseInt(seg[1], 10, 64)
	s.mu.Lock()
	raw, ok := s.products[id]
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "woocommerce_rest_product_invalid_id", "Invalid ID.")
		return
	}
	writeJSON(w, http.StatusOK, raw)
}

func (s *Server) getVariation(w http.ResponseWriter, _ *http.Request, seg []string) {
	pid, _ := strconv.ParseInt(seg[1], 10, 64)
	vid, _ := strconv.ParseInt(seg[3], 10, 64)
	s.mu.Lock()
	raw, ok := s.variations[[2]int64{pid, vid}]
	s.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "woocommerce_rest_product_variation_invalid_id", "Invalid ID.")
		return
	}
	writeJSON(w, http.StatusOK, raw)
}

func (s *Server) listCategories(w http.ResponseWriter, r *http.Request, _ []string) {
	page, ok := paging(w, r.URL.Query())
	if !ok {
		return
	}
	type entry struct {
		id   int64
		name string
		raw  json.RawMessage
	}
	s.mu.Lock()
	list := make([]entry, 0, len(s.categories))
	for id, raw := range s.categories {
		var c struct {
			Name string `json:"name"`
		}
		_ = json.Unmarshal(raw, &c)
		list = append(list, entry{id, c.Name, raw})
	}
	s.mu.Unlock()
	// WooCommerce's default: orderby=name, order=asc.
	sort.Slice(list, func(i, j int) bool {
		if list[i].name != list[j].name {
			return list[i].name < list[j].name
		}
		return list[i].id < list[j].id
	})
	items := make([]json.RawMessage, len(list))
	for i, e := range list {
		items[i] = e.raw
	}
	writePage(w, items, page)
}

func (s *Server) settings(w http.ResponseWriter, _ *http.Request, _ []string) {
	settings := []map[string]any{
		{"id": "woocommerce_store_address", "label": "Address line 1", "description": "The street address for your business location.", "type": "text", "default": "", "value": ""},
		{"id": "woocommerce_currency", "label": "Currency", "description": "This controls what currency prices are listed at in the catalog and which currency gateways will take payments in.", "type": "select", "default": "USD", "value": s.opts.Currency},
		{"id": "woocommerce_price_num_decimals", "label": "Number of decimals", "description": "This sets the number of decimal points shown in displayed prices.", "type": "number", "default": "2", "value": "2"},
	}
	b, _ := json.Marshal(settings)
	writeJSON(w, http.StatusOK, b)
}

// touch sets date_modified(_gmt) to the server clock. Callers hold s.mu.
func (s *Server) touch(obj map[string]json.RawMessage) {
	now := s.opts.Now()
	obj["date_modified_gmt"], _ = json.Marshal(now.UTC().Format(dateLayout))
	obj["date_modified"], _ = json.Marshal(now.In(s.opts.Location).Format(dateLayout))
}

func (s *Server) reindex(obj map[string]json.RawMessage) (*storedOrder, error) {
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	return s.index(raw)
}

// index reads the fields the filters use. Dates that are missing or
// unreadable count as the zero time (so that malformed fixture orders can
// still be served).
func (s *Server) index(raw json.RawMessage) (*storedOrder, error) {
	var o struct {
		ID              int64   `json:"id"`
		Status          any     `json:"status"`
		DateCreated     *string `json:"date_created"`
		DateCreatedGMT  *string `json:"date_created_gmt"`
		DateModified    *string `json:"date_modified"`
		DateModifiedGMT *string `json:"date_modified_gmt"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&o); err != nil {
		var te *json.UnmarshalTypeError
		if !errors.As(err, &te) || te.Field == "id" {
			return nil, err
		}
	}
	so := &storedOrder{raw: raw, id: o.ID}
	so.status, _ = o.Status.(string)
	so.created = parseStored(o.DateCreatedGMT, time.UTC)
	so.cLocal = parseStored(o.DateCreated, time.UTC)
	so.modified = parseStored(o.DateModifiedGMT, time.UTC)
	so.mLoc = parseStored(o.DateModified, time.UTC)
	return so, nil
}

func parseStored(s *string, loc *time.Location) time.Time {
	if s == nil {
		return time.Time{}
	}
	if t, err := time.ParseInLocation(dateLayout, *s, loc); err == nil {
		return t
	}
	if t, err := time.Parse(time.RFC3339, *s); err == nil {
		return t
	}
	return time.Time{}
}

// parseDate reads a date filter. With dates_are_gmt it is GMT; without, it
// is site time (WooCommerce ignores a Z or an offset then; so does this
// server). Local dates are compared as wall-clock values against the
// stored site-time fields.
func (s *Server) parseDate(v string, gmt bool) (time.Time, error) {
	v = strings.TrimSpace(v)
	if gmt {
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t.UTC(), nil
		}
		return time.ParseInLocation(dateLayout, v, time.UTC)
	}
	if len(v) > len(dateLayout) {
		v = v[:len(dateLayout)]
	}
	return time.ParseInLocation(dateLayout, v, time.UTC)
}

// wpPaging is WordPress's paging of collections: page and per_page
// (default 10, at most 100: WP_REST_Controller::get_collection_params),
// with the totals in X-WP-Total and X-WP-TotalPages.
var wpPaging = fakekit.PageQuery{PageParam: "page", SizeParam: "per_page", DefaultSize: 10, MaxSize: 100,
	TotalHeader: "X-WP-Total", PagesHeader: "X-WP-TotalPages"}

// paging reads the page a list asks for; ok is false after a
// rest_invalid_param answer.
func paging(w http.ResponseWriter, q url.Values) (page fakekit.Page, ok bool) {
	page, err := wpPaging.Parse(q)
	if pe := (*fakekit.ParamError)(nil); errors.As(err, &pe) {
		writeInvalidParam(w, pe.Param, pe.Error())
		return page, false
	}
	return page, true
}

func writePage(w http.ResponseWriter, items []json.RawMessage, page fakekit.Page) {
	wpPaging.SetHeaders(w.Header(), len(items), page.Size)
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i, it := range fakekit.Slice(items, page.Offset(), page.Size) {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(it)
	}
	buf.WriteByte(']')
	writeJSON(w, http.StatusOK, buf.Bytes())
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	b, _ := json.Marshal(map[string]any{"code": code, "message": message, "data": map[string]int{"status": status}})
	writeJSON(w, status, b)
}

func writeInvalidParam(w http.ResponseWriter, param, detail string) {
	b, _ := json.Marshal(map[string]any{
		"code":    "rest_invalid_param",
		"message": "Invalid parameter(s): " + param,
		"data":    map[string]any{"status": 400, "params": map[string]string{param: detail}},
	})
	writeJSON(w, http.StatusBadRequest, b)
}

func idOf(obj map[string]json.RawMessage) (int64, error) {
	raw, ok := obj["id"]
	if !ok {
		return 0, errors.New(`missing "id"`)
	}
	id, err := strconv.ParseInt(string(bytes.TrimSpace(raw)), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf(`"id" %s is not a positive integer`, raw)
	}
	return id, nil
}

func rawID(raw json.RawMessage) (int64, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return 0, fmt.Errorf("not a JSON object: %w", err)
	}
	return idOf(obj)
}

func nonEmptyArray(raw json.RawMessage) bool {
	var a []json.RawMessage
	return json.Unmarshal(raw, &a) == nil && len(a) > 0
}

// refundSummary is the order's refunds[] entry for a refund object:
// {"id","reason","total"} with total negative, as WooCommerce shows it.
func refundSummary(raw json.RawMessage) map[string]any {
	var r struct {
		ID     int64  `json:"id"`
		Reason string `json:"reason"`
		Amount string `json:"amount"`
	}
	_ = json.Unmarshal(raw, &r)
	total := strings.TrimSpace(r.Amount)
	if total == "" {
		total = "0.00"
	}
	if !strings.HasPrefix(total, "-") {
		total = "-" + total
	}
	return map[string]any{"id": r.ID, "reason": r.Reason, "total": total}
}
