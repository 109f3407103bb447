// Package prestashoptest is a fake PrestaShop Webservice for the adapter's
// tests and the replay: it serves orders, customers, addresses and
// currencies as native JSON, and refuses what the real Webservice refuses
// or what the adapter must not rely on (see the prestashop package doc for
// the sources): a request without the Basic key, without
// output_format=JSON, a date filter without date=1 or with a bare day, a
// list without display=full, sort=[id_ASC] or a limit=offset,count.
//
// It is built on rosync's public toolkit for fakes (fakekit), as a fake
// outside the rosync module is: the requests are recorded (Calls,
// Requests), a seeded fault plan fails a share of them (SetFaults, which
// replay.Run calls under replay.Options.Faults) after the faults a test
// queues (Fail), and a list is cut by fakekit.Slice.
package prestashoptest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rosync/rosync/faultplan"
	"github.com/rosync/rosync/platforms/platformkit/fakekit"
)

// Server is the fake Webservice. It is safe for concurrent use.
type Server struct {
	key string
	loc *time.Location

	mu        sync.Mutex
	orders    map[int64]json.RawMessage
	customers map[string]json.RawMessage
	addresses map[string]json.RawMessage
	currency  map[string]json.RawMessage

	rec    fakekit.Recorder[Request] // by endpoint
	faults fakekit.Faults[Fault]     // by endpoint
}

// Request is a request the server received.
type Request struct {
	// Endpoint is its template: "GET /api/orders", "GET /api/orders/{id}",
	// "GET (unmatched)" for a path the Webservice does not serve here.
	Endpoint string
	Path     string
	Query    url.Values
}

// Fault makes the next Times requests of an endpoint fail with HTTP Status.
type Fault struct {
	Status int
	Times  int
}

// New returns a server accepting key, whose dates are in loc (nil: UTC),
// with currency 1 = iso.
func New(key, iso string, loc *time.Location) *Server {
	if loc == nil {
		loc = time.UTC
	}
	s := &Server{key: key, loc: loc, orders: map[int64]json.RawMessage{}, customers: map[string]json.RawMessage{},
		addresses: map[string]json.RawMessage{}, currency: map[string]json.RawMessage{}}
	s.currency["1"] = json.RawMessage(fmt.Sprintf(`{"id":1,"iso_code":%q}`, iso))
	return s
}

// PutOrder stores a native order (its "id" a number) and reports whether
// it is new.
func (s *Server) PutOrder(raw json.RawMessage) (bool, error) {
	var head struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(raw, &head); err != nil || head.ID <= 0 {
		return false, fmt.Errorf("prestashoptest: order without a numeric id: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, had := s.orders[head.ID]
	s.orders[head.ID] = append(json.RawMessage(nil), raw...)
	return !had, nil
}

// PutCustomer and PutAddress store a native customer or address under its
// "id".
func (s *Server) PutCustomer(raw json.RawMessage) error { return s.put(s.customers, raw) }

// PutAddress stores a native address under its "id".
func (s *Server) PutAddress(raw json.RawMessage) error { return s.put(s.addresses, raw) }

func (s *Server) put(m map[string]json.RawMessage, raw json.RawMessage) error {
	var head struct {
		ID json.Number `json:"id"`
	}
	if err := json.Unmarshal(raw, &head); err != nil || head.ID == "" {
		return fmt.Errorf("prestashoptest: object without an id: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m[head.ID.String()] = append(json.RawMessage(nil), raw...)
	return nil
}

// Calls counts the requests received, per endpoint (a Request.Endpoint).
func (s *Server) Calls() map[string]int { return s.rec.Calls() }

// Requests returns the requests received, in order.
func (s *Server) Requests() []Request { return s.rec.Requests() }

// Fail queues a fault for an endpoint (a Request.Endpoint), after a check
// of the key and before the request is served.
func (s *Server) Fail(endpoint string, f Fault) { s.faults.Queue(endpoint, f, f.Times) }

// SetFaults makes a share of the requests fail by a seeded plan (nil:
// none), after the faults queued by Fail. No request is given the plan's
// "executed, then failed" kinds: the fake serves reads only.
func (s *Server) SetFaults(p *faultplan.Plan) { s.faults.SetPlan(p) }

var (
	pathRE     = regexp.MustCompile(`^/api/(orders|customers|addresses|currencies)(?:/([0-9]+))?$`)
	intervalRE = regexp.MustCompile(`^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\]$`)
	limitRE    = regexp.MustCompile(`^(\d+),(\d+)$`)
)

// ServeHTTP serves the Webservice.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m := pathRE.FindStringSubmatch(r.URL.Path)
	endpoint := r.Method + " (unmatched)"
	if m != nil {
		endpoint = r.Method + " /api/" + m[1]
		if m[2] != "" {
			endpoint += "/{id}"
		}
	}
	q := r.URL.Query()
	s.rec.Record(endpoint, Request{Endpoint: endpoint, Path: r.URL.Path, Query: fakekit.CloneValues(q)})
	if user, pass, ok := r.BasicAuth(); !ok || user != s.key || pass != "" {
		w.Header().Set("WWW-Authenticate", `Basic realm="Welcome to PrestaShop Webservice, please enter the authentication key as the login. No password required."`)
		http.Error(w, "401 Unauthorized", http.StatusUnauthorized)
		return
	}
	if r.Method != http.MethodGet {
		http.Error(w, "method", http.StatusMethodNotAllowed)
		return
	}
	if fakekit.Expect(q, "output_format", "JSON") != nil {
		http.Error(w, "<?xml version=\"1.0\"?><prestashop/>", http.StatusBadRequest) // XML is the default
		return
	}
	if m == nil {
		http.Error(w, "no such resource", http.StatusNotFound)
		return
	}
	if f, ok := s.faults.Next(endpoint); ok {
		http.Error(w, http.StatusText(f.Status), f.Status)
		return
	}
	s.faults.Serve(w, r, endpoint, false, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.serve(w, q, m[1], m[2])
	}))
}

// serve answers a request for resource res (one object when id is set);
// s.mu is held.
func (s *Server) serve(w http.ResponseWriter, q url.Values, res, id string) {
	if id != "" {
		raw, ok := s.object(res, id)
		if !ok {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		wrap := map[string]string{"customers": "customer", "addresses": "address", "currencies": "currency", "orders": "order"}[res]
		writeJSON(w, map[string]json.RawMessage{wrap: raw})
		return
	}
	if res != "orders" {
		http.Error(w, "only orders are listed", http.StatusBadRequest)
		return
	}
	s.list(w, q)
}

// object returns the stored object id of resource res; s.mu is held.
func (s *Server) object(res, id string) (json.RawMessage, bool) {
	if res == "orders" {
		n, _ := strconv.ParseInt(id, 10, 64)
		raw, ok := s.orders[n]
		return raw, ok
	}
	store := map[string]map[string]json.RawMessage{"customers": s.customers, "addresses": s.addresses, "currencies": s.currency}[res]
	raw, ok := store[id]
	return raw, ok
}

func (s *Server) list(w http.ResponseWriter, q url.Values) {
	get := q.Get
	if fakekit.Expect(q, "display", "full") != nil || fakekit.Expect(q, "sort", "[id_ASC]") != nil {
		http.Error(w, "the fake serves only display=full&sort=[id_ASC]", http.StatusBadRequest)
		return
	}
	lm := limitRE.FindStringSubmatch(get("limit"))
	if lm == nil {
		http.Error(w, "limit must be offset,count", http.StatusBadRequest)
		return
	}
	offset, _ := strconv.Atoi(lm[1])
	count, _ := strconv.Atoi(lm[2])
	field, lo, hi := "", time.Time{}, time.Time{}
	for _, f := range []string{"date_add", "date_upd"} {
		v := get("filter[" + f + "]")
		if v == "" {
			continue
		}
		if get("date") != "1" {
			http.Error(w, "a date filter needs date=1", http.StatusBadRequest)
			return
		}
		im := intervalRE.FindStringSubmatch(v)
		if im == nil || field != "" {
			http.Error(w, "filter["+f+"] must be [YYYY-MM-DD HH:MM:SS,YYYY-MM-DD HH:MM:SS]", http.StatusBadRequest)
			return
		}
		field = f
		lo, _ = s.parse(im[1])
		hi, _ = s.parse(im[2])
		if im[1] == "0000-00-00 00:00:00" {
			lo = time.Time{}
		}
	}
	ids := make([]int64, 0, len(s.orders))
	for id := range s.orders {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var out []json.RawMessage
	for _, id := range ids {
		raw := s.orders[id]
		if field != "" {
			var head map[string]json.RawMessage
			var d string
			if json.Unmarshal(raw, &head) != nil || json.Unmarshal(head[field], &d) != nil {
				continue // a corrupt order is still listed by id only when unfiltered
			}
			t, err := s.parse(d)
			if err != nil || (!lo.IsZero() && t.Before(lo)) || t.After(hi) { // both bounds included
				continue
			}
		}
		out = append(out, raw)
	}
	out = fakekit.Slice(out, offset, count)
	if len(out) == 0 {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("[]")) // an empty list is a bare array
		return
	}
	writeJSON(w, map[string][]json.RawMessage{"orders": out})
}

func (s *Server) parse(v string) (time.Time, error) {
	if strings.HasPrefix(v, "9999-") {
		return time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), nil
	}
	return time.ParseInLocation("2006-01-02 15:04:05", v, s.loc)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
