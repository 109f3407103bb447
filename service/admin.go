package service

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rosync/rosync"
)

// The admin routes let an operator see and steer each shop's sync: the
// JSON API below and the status page (adminpage.go). They are mounted only
// when admin.token (or ROSYNC_ADMIN_TOKEN) is set, every one of them behind
// RequireToken and http.CrossOriginProtection:
//
//	GET  /admin/api/shops                                every shop: readiness, last progress, counts
//	GET  /admin/api/shops/{shop}/progress                the last rosync.Progress seen (null before one)
//	GET  /admin/api/shops/{shop}/rejected                orders a rule kept out (Syncer.Rejected)
//	GET  /admin/api/shops/{shop}/failed                  orders whose last attempt failed (Syncer.Failed)
//	GET  /admin/api/shops/{shop}/doubt                   orders with RO App writes in doubt (ENG-1)
//	GET  /admin/api/shops/{shop}/imported?after=&limit=  orders in RO App, by order id, a page at a time
//	POST /admin/api/shops/{shop}/orders/{order}/retry    re-check a rejected or failed order (Syncer.Retry)
//
// Lists answer an AdminOrderList, the shops an []AdminShop, a retry an
// AdminRetry; errors are text with 401 (no or wrong token), 404 (unknown
// shop or order), 409 (an order neither rejected nor failed), 400 (bad
// query) or 500 (the Store). The JSON field names are stable: a field may
// be added, none renamed or removed.

// AdminProgress is a shop's last rosync.Progress report, as the admin API
// shows it.
type AdminProgress struct {
	// Phase is "import" (the initial import) or "poll".
	Phase string `json:"phase"`
	// Orders is how many orders the run applied so far; Imported,
	// Updated, Rejected and Failed split them.
	Orders   int `json:"orders"`
	Imported int `json:"imported"`
	Updated  int `json:"updated"`
	Rejected int `json:"rejected"`
	Failed   int `json:"failed"`
	// Started is when the run began and Done whether this was its last
	// report.
	Started time.Time `json:"started"`
	Done    bool      `json:"done"`
	// At is when the service received the report (its clock, UTC).
	At time.Time `json:"at"`
}

// AdminShop is one shop in GET /admin/api/shops.
type AdminShop struct {
	Shop     string `json:"shop"`
	Platform string `json:"platform"`
	// Ready is true once the shop's initial import is done (/readyz).
	Ready bool `json:"ready"`
	// Progress is the last progress report; null before the first.
	Progress *AdminProgress `json:"progress"`
	// Rejected, Failed and InDoubt count the orders of the lists of the
	// same names (an order in doubt is usually failed too).
	Rejected int `json:"rejected"`
	Failed   int `json:"failed"`
	InDoubt  int `json:"in_doubt"`
}

// AdminOrder is one order (a rosync.Record) in the admin API. Optional
// fields are omitted when empty; times are UTC, RFC 3339.
type AdminOrder struct {
	// OrderID is the platform's order id, Number the number its admin shows.
	OrderID string `json:"order_id"`
	Number  string `json:"number"`
	// State is rosync.State: "new", "pending", "imported" or "rejected".
	State string `json:"state"`
	// ROOrderID is the RO App order, once it exists.
	ROOrderID int64 `json:"ro_order_id,omitempty"`
	// Rule and Reason say why a rejected order was kept out (ORD-2…).
	Rule   string `json:"rule,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Error is the last attempt's error; Permanent says it waits for a
	// retry (a cause to fix) rather than back-off; Attempts counts the
	// failed attempts and NextRetry is when back-off tries again.
	Error     string     `json:"error,omitempty"`
	Permanent bool       `json:"permanent,omitempty"`
	Attempts  int        `json:"attempts,omitempty"`
	NextRetry *time.Time `json:"next_retry,omitempty"`
	// InDoubt is true when writes to RO App of the order may or may not
	// have happened (ENG-1): they are looked up, not repeated, until
	// DoubtSince plus the quarantine.
	InDoubt    bool       `json:"in_doubt,omitempty"`
	DoubtSince *time.Time `json:"doubt_since,omitempty"`
	// Deducted is true once RO App wrote the order's goods off (ORD-5).
	Deducted bool `json:"deducted,omitempty"`
	// PlatformCreatedAt is the order's creation on the platform,
	// UpdatedAt the last write of its record.
	PlatformCreatedAt *time.Time `json:"platform_created_at,omitempty"`
	UpdatedAt         *time.Time `json:"updated_at,omitempty"`
}

// AdminOrderList is a list of a shop's orders. Next, when set, is the
// after= of the next page (GET …/imported only).
type AdminOrderList struct {
	Shop   string       `json:"shop"`
	Orders []AdminOrder `json:"orders"`
	Next   string       `json:"next,omitempty"`
}

// AdminRetry is the answer of a retry: the order as it stands after the
// re-check, and the re-check's error ("" when it went through; the order
// then left the failed list, or was rejected again with its rule).
type AdminRetry struct {
	Shop  string     `json:"shop"`
	Order AdminOrder `json:"order"`
	Error string     `json:"error,omitempty"`
}

// Limits of GET …/imported.
const (
	DefaultAdminPage = 100
	MaxAdminPage     = 1000
)

// inDoubtText is in the message of every *rosync.InDoubtError, the one
// form the Store keeps of it (Record.LastError); TestInDoubtText checks it.
const inDoubtText = "may still land in RO App"

// inDoubt reports whether writes of the record's order may or may not have
// reached RO App: a create intent recorded (StatePending), an attempt that
// ended with writes in doubt (DoubtAt), or an attempt that waits out such
// a doubt (an InDoubtError).
func inDoubt(r rosync.Record) bool {
	return r.State == rosync.StatePending || !r.DoubtAt.IsZero() || strings.Contains(r.LastError, inDoubtText)
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// adminOrder is the admin API's view of a record.
func adminOrder(r rosync.Record) AdminOrder {
	o := AdminOrder{OrderID: r.OrderID, Number: r.Number, State: string(r.State), ROOrderID: r.ROOrderID,
		Rule: r.Rule, Reason: r.Reason, Error: r.LastError, Permanent: r.Permanent, Attempts: r.Attempts,
		NextRetry: optTime(r.NextRetry), InDoubt: inDoubt(r), Deducted: r.Deducted,
		PlatformCreatedAt: optTime(r.PlatformCreatedAt), UpdatedAt: optTime(r.UpdatedAt)}
	if o.InDoubt {
		o.DoubtSince = optTime(r.DoubtAt)
		if o.DoubtSince == nil {
			o.DoubtSince = optTime(r.UpdatedAt) // after a crash the last save stands for it (rosync)
		}
	}
	return o
}

func adminOrders(recs []rosync.Record) []AdminOrder {
	out := make([]AdminOrder, 0, len(recs))
	for _, r := range recs {
		out = append(out, adminOrder(r))
	}
	return out
}

// RequireToken wraps h so that it answers only requests that carry token,
// as "Authorization: Bearer <token>" or as the password of HTTP Basic
// authentication (any user name), compared in constant time; any other
// request gets 401 with a WWW-Authenticate challenge (so that a browser
// asks for it) and never reaches h. An empty token refuses everything.
// The service guards its admin routes with it; an embedder may guard its
// own.
func RequireToken(token string, h http.Handler) http.Handler {
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := "", false
		if h := r.Header.Get("Authorization"); len(h) > len("Bearer ") && strings.EqualFold(h[:len("Bearer ")], "Bearer ") {
			got, ok = strings.TrimSpace(h[len("Bearer "):]), true // the scheme is case-insensitive (RFC 9110, 11.1)
		} else if _, pw, basic := r.BasicAuth(); basic {
			got, ok = pw, true
		}
		// Hashing first makes the comparison's time independent of the
		// lengths as well as the contents.
		sum := sha256.Sum256([]byte(got))
		if !ok || token == "" || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="rosync admin", charset="UTF-8"`)
			http.Error(w, "admin token required", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// AdminMux returns the handler of every route under /admin/ — the JSON
// API, the status page and ServiceOptions.AdminRoutes — behind
// RequireToken and http.CrossOriginProtection (a form posted from another
// site is refused even with the browser's saved credentials), or nil when
// no admin token is configured. Handler mounts it at /admin/.
func (s *Service) AdminMux() http.Handler {
	if s.cfg.Admin.Token == "" {
		return nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /admin/api/shops", s.apiShops)
	mux.HandleFunc("GET /admin/api/shops/{shop}/progress", s.withShop(s.apiProgress))
	mux.HandleFunc("GET /admin/api/shops/{shop}/rejected", s.withShop(s.apiRejected))
	mux.HandleFunc("GET /admin/api/shops/{shop}/failed", s.withShop(s.apiFailed))
	mux.HandleFunc("GET /admin/api/shops/{shop}/doubt", s.withShop(s.apiDoubt))
	mux.HandleFunc("GET /admin/api/shops/{shop}/imported", s.withShop(s.apiImported))
	mux.HandleFunc("POST /admin/api/shops/{shop}/orders/{order}/retry", s.withShop(s.apiRetry))
	s.pageRoutes(mux)
	s.jobRoutes(mux) // River's UI at /admin/jobs/ (jobs.go)
	if s.opts.AdminRoutes != nil {
		s.opts.AdminRoutes(mux)
	}
	return RequireToken(s.cfg.Admin.Token, http.NewCrossOriginProtection().Handler(mux))
}

// withShop resolves {shop} or answers 404.
func (s *Service) withShop(h func(http.ResponseWriter, *http.Request, *shop)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sh := s.shop(r.PathValue("shop"))
		if sh == nil {
			http.Error(w, "no shop "+strconv.Quote(r.PathValue("shop")), http.StatusNotFound)
			return
		}
		h(w, r, sh)
	}
}

func (s *Service) shop(name string) *shop {
	for _, sh := range s.shops {
		if sh.cfg.Name == name {
			return sh
		}
	}
	return nil
}

// onProgress keeps the shop's last report and passes it on.
func (s *Service) onProgress(p rosync.Progress) {
	s.progressMu.Lock()
	s.progress[p.Shop] = AdminProgress{Phase: p.Phase, Orders: p.Orders, Imported: p.Imported, Updated: p.Updated,
		Rejected: p.Rejected, Failed: p.Failed, Started: p.Started.UTC(), Done: p.Done, At: s.now().UTC()}
	s.progressMu.Unlock()
	if s.opts.Progress != nil {
		s.opts.Progress(p)
	}
}

// lastProgress is the shop's last progress report, or nil.
func (s *Service) lastProgress(shop string) *AdminProgress {
	s.progressMu.Lock()
	defer s.progressMu.Unlock()
	p, ok := s.progress[shop]
	if !ok {
		return nil
	}
	return &p
}

// shopLists are the lists of one shop the status page and the summary show.
type shopLists struct {
	rejected, failed, doubt []rosync.Record
}

// lists reads the shop's rejected, failed and in-doubt orders from the
// Store: three filtered listings (records in doubt are failed or pending),
// never a scan of every record.
func (s *Service) lists(ctx context.Context, sh *shop) (shopLists, error) {
	var l shopLists
	var err error
	if l.rejected, err = sh.syncer.Rejected(ctx); err != nil {
		return l, err
	}
	if l.failed, err = sh.syncer.Failed(ctx); err != nil {
		return l, err
	}
	pending, err := s.store.Records(ctx, sh.cfg.Name, rosync.RecordFilter{State: rosync.StatePending})
	if err != nil {
		return l, err
	}
	seen := map[string]bool{}
	for _, r := range slices.Concat(l.failed, pending) {
		if inDoubt(r) && !seen[r.OrderID] {
			seen[r.OrderID] = true
			l.doubt = append(l.doubt, r)
		}
	}
	return l, nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func (s *Service) storeFailed(w http.ResponseWriter, r *http.Request, err error) {
	s.log.ErrorContext(r.Context(), "admin: store", "path", r.URL.Path, "err", err)
	http.Error(w, "store: "+err.Error(), http.StatusInternalServerError)
}

func (s *Service) apiShops(w http.ResponseWriter, r *http.Request) {
	out := make([]AdminShop, 0, len(s.shops))
	for _, sh := range s.shops {
		l, err := s.lists(r.Context(), sh)
		if err != nil {
			s.storeFailed(w, r, err)
			return
		}
		out = append(out, AdminShop{Shop: sh.cfg.Name, Platform: sh.cfg.Platform, Ready: sh.ready.Load(),
			Progress: s.lastProgress(sh.cfg.Name), Rejected: len(l.rejected), Failed: len(l.failed), InDoubt: len(l.doubt)})
	}
	writeJSON(w, out)
}

func (s *Service) apiProgress(w http.ResponseWriter, _ *http.Request, sh *shop) {
	writeJSON(w, s.lastProgress(sh.cfg.Name))
}

func (s *Service) apiRejected(w http.ResponseWriter, r *http.Request, sh *shop) {
	recs, err := sh.syncer.Rejected(r.Context())
	if err != nil {
		s.storeFailed(w, r, err)
		return
	}
	writeJSON(w, AdminOrderList{Shop: sh.cfg.Name, Orders: adminOrders(recs)})
}

func (s *Service) apiFailed(w http.ResponseWriter, r *http.Request, sh *shop) {
	recs, err := sh.syncer.Failed(r.Context())
	if err != nil {
		s.storeFailed(w, r, err)
		return
	}
	writeJSON(w, AdminOrderList{Shop: sh.cfg.Name, Orders: adminOrders(recs)})
}

func (s *Service) apiDoubt(w http.ResponseWriter, r *http.Request, sh *shop) {
	l, err := s.lists(r.Context(), sh)
	if err != nil {
		s.storeFailed(w, r, err)
		return
	}
	writeJSON(w, AdminOrderList{Shop: sh.cfg.Name, Orders: adminOrders(l.doubt)})
}

// apiImported lists the imported orders by order id from after= (exclusive),
// limit= at a time (default DefaultAdminPage, at most MaxAdminPage).
func (s *Service) apiImported(w http.ResponseWriter, r *http.Request, sh *shop) {
	q := r.URL.Query()
	limit := DefaultAdminPage
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxAdminPage {
			http.Error(w, fmt.Sprintf("limit: a number from 1 to %d", MaxAdminPage), http.StatusBadRequest)
			return
		}
		limit = n
	}
	after := q.Get("after")
	// The Store lists a state's records ordered by order id; the page is
	// cut from that listing.
	recs, err := s.store.Records(r.Context(), sh.cfg.Name, rosync.RecordFilter{State: rosync.StateImported})
	if err != nil {
		s.storeFailed(w, r, err)
		return
	}
	start := 0
	if after != "" {
		for start < len(recs) && recs[start].OrderID <= after {
			start++
		}
	}
	end := min(start+limit, len(recs))
	out := AdminOrderList{Shop: sh.cfg.Name, Orders: adminOrders(recs[start:end])}
	if end < len(recs) {
		out.Next = recs[end-1].OrderID
	}
	writeJSON(w, out)
}

// errNotRetryable is a retry of an order neither rejected nor failed.
var errNotRetryable = errors.New("the order is neither rejected nor failed: nothing to re-check")

// retry re-checks one rejected or failed order with Syncer.Retry and
// returns its record afterwards; the error is the re-check's. It returns
// rosync.ErrNotFound for an order the Store does not know and
// errNotRetryable for one that is neither rejected nor failed.
func (s *Service) retry(ctx context.Context, sh *shop, orderID string) (rosync.Record, error, error) {
	rec, err := s.store.Record(ctx, sh.cfg.Name, orderID)
	if err != nil {
		return rec, nil, err
	}
	if rec.State != rosync.StateRejected && !rec.Failed() {
		return rec, nil, errNotRetryable
	}
	s.log.InfoContext(ctx, "admin: retry", "shop", sh.cfg.Name, "order", orderID)
	retryErr := sh.syncer.Retry(ctx, orderID)
	after, err := s.store.Record(ctx, sh.cfg.Name, orderID)
	if err != nil {
		return rec, nil, err
	}
	return after, retryErr, nil
}

func (s *Service) apiRetry(w http.ResponseWriter, r *http.Request, sh *shop) {
	rec, retryErr, err := s.retry(r.Context(), sh, r.PathValue("order"))
	switch {
	case errors.Is(err, rosync.ErrNotFound):
		http.Error(w, "no order "+strconv.Quote(r.PathValue("order"))+" in shop "+sh.cfg.Name, http.StatusNotFound)
		return
	case errors.Is(err, errNotRetryable):
		http.Error(w, err.Error(), http.StatusConflict)
		return
	case err != nil:
		s.storeFailed(w, r, err)
		return
	}
	out := AdminRetry{Shop: sh.cfg.Name, Order: adminOrder(rec)}
	if retryErr != nil {
		out.Error = retryErr.Error()
	}
	writeJSON(w, out)
}
