package roapptest

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"
	"golang.org/x/time/rate"

	"github.com/rosync/rosync/faultplan"
)

// RightAddWithoutDeduction is the seed name of the RO App right "Can add
// products without deduction" (ORD-2); without it POST /orders/{id}/items
// answers 403.
const RightAddWithoutDeduction = "add_products_without_deduction"

// Seed is the emulator's starting state: the "roapp" object of a replay
// fixture (DESIGN.md). New ids continue after the highest seeded id of each
// kind.
type Seed struct {
	Currency   string      `json:"currency"`
	Rights     []string    `json:"rights"`
	Contacts   []Contact   `json:"contacts"`
	Products   []Product   `json:"products"`
	Categories []Category  `json:"categories"`
	Statuses   []Status    `json:"statuses"`
	OrderTypes []OrderType `json:"order_types"`
	// Employees are the account's employees, the ids an item's assignee_id
	// may name; none means one, DefaultEmployee.
	Employees []Employee `json:"employees,omitempty"`
	// UOMs are the units of measure a product's uom_id may name; none
	// means DefaultUOMs.
	UOMs []UOM `json:"uoms,omitempty"`
	// Locations are the account's locations (branches), the ids an
	// order's branch_id may name; none means one, DefaultLocation.
	Locations []Location `json:"locations,omitempty"`
}

// Location is a location (branch) of the account (GET /company/locations).
type Location struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// DefaultLocation is the one location of a seed that names none.
var DefaultLocation = Location{ID: 1, Name: "Main"}

// Employee is an employee of the account (GET /company/employees).
type Employee struct {
	ID        int64  `json:"id"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name,omitempty"`
	Email     string `json:"email,omitempty"`
}

// DefaultEmployee is the one employee of a seed that names none.
var DefaultEmployee = Employee{ID: 1, FirstName: "Emulator", LastName: "User", Email: "user@example.com"}

// UOM is a unit of measure (GET /catalogs/uoms, UNVERIFIED), an entity
// {id, title} as RO App's reads show it.
type UOM struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
}

// DefaultUOMs are the units of a seed that names none. A product's UOM in
// the snapshot is its unit's title.
func DefaultUOMs() []UOM { return []UOM{{ID: 1, Title: "piece"}, {ID: 2, Title: "шт"}} }

// Status groups: the type of a status's group (GET /orders/statuses
// answers "group":{"type":N,"name":...}). The numbering is read from a
// public RemOnline integration's enum and is UNVERIFIED; 6 and 7 are the
// closed groups.
const (
	GroupCustom               = 0
	GroupNew                  = 1
	GroupInProgress           = 2
	GroupDeferred             = 3
	GroupDone                 = 4
	GroupDelivery             = 5
	GroupClosedSuccessfully   = 6
	GroupClosedUnsuccessfully = 7
)

// groupNames are the names the emulator gives the groups.
var groupNames = map[int]string{GroupCustom: "Custom", GroupNew: "New", GroupInProgress: "In progress",
	GroupDeferred: "Deferred", GroupDone: "Done", GroupDelivery: "Delivery",
	GroupClosedSuccessfully: "Closed successfully", GroupClosedUnsuccessfully: "Closed unsuccessfully"}

// closedGroup reports whether a status group is a closed one.
func closedGroup(g int) bool { return g == GroupClosedSuccessfully || g == GroupClosedUnsuccessfully }

// Contact is a person contact, in the snapshot's shape.
type Contact struct {
	ID        int64    `json:"id"`
	FirstName string   `json:"first_name"`
	LastName  string   `json:"last_name"`
	Phones    []string `json:"phones"`
	Email     string   `json:"email"`
	Address   string   `json:"address"`
}

// Category is a catalogue category; ParentID is nil at the top level.
type Category struct {
	ID       int64  `json:"id"`
	Title    string `json:"title"`
	ParentID *int64 `json:"parent_id"`
}

// Product is a catalogue product; CategoryID is nil for none.
type Product struct {
	ID          int64  `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	SKU         string `json:"sku"`
	Code        string `json:"code"`
	CategoryID  *int64 `json:"category_id"`
	UOM         string `json:"uom"`
}

// Status is an order status; Group is its group's type (GroupNew, …).
type Status struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Color string `json:"color,omitempty"`
	Group int    `json:"group,omitempty"`
}

// OrderType is an order type; a new order of the type starts in
// InitialStatusID (SHO-3), or in the first status when it is 0.
type OrderType struct {
	ID              int64  `json:"id"`
	Name            string `json:"name"`
	InitialStatusID int64  `json:"initial_status_id"`
}

// The constructions of Options.WebhookSignature.
const (
	SignatureHMAC   = "hmac"   // hex HMAC-SHA256(secret, id)
	SignatureConcat = "concat" // hex sha256(id + secret)
)

// Options configure an Emulator. A nil *Options is the zero value.
type Options struct {
	// APIKey, when set, is required as "Authorization: Bearer <APIKey>";
	// other requests get 401.
	APIKey string
	// Prefix is the path prefix also accepted before every path ("/v2"
	// when empty; "-" for none).
	Prefix string
	// PageSize is the page size of lists (50).
	PageSize int
	// RequestsPerSecond, when positive, limits requests (burst Burst,
	// default 1); over the limit the emulator answers 429.
	RequestsPerSecond float64
	Burst             int
	// RetryAfter, when positive, is sent (rounded up to whole seconds) as
	// the Retry-After of 429 answers.
	RetryAfter time.Duration
	// Latency delays every answer.
	Latency time.Duration
	// WebhookURL, when set, receives an Order.Status.Changed webhook signed
	// with WebhookSecret (roapp.Sign) from SetStatus. WebhookClient sends it
	// (http.DefaultClient when nil).
	WebhookURL    string
	WebhookSecret string
	WebhookClient *http.Client
	// WebhookSignature is how the webhooks' X-Signature is made:
	// SignatureHMAC (the default, roapp.Sign) or SignatureConcat
	// (roapp.SignConcat), the two readings of RO App's documentation.
	WebhookSignature string
	// HonourUndocumentedFilters makes the emulator honour the list filters
	// no public document shows (emails[] on /contacts/people; titles[],
	// skus[], codes[] on /catalog/products), a permissive account. By
	// default it ignores them as a real server ignores an unknown
	// parameter: the answer is the unfiltered list.
	HonourUndocumentedFilters bool
	// DeductionField, when set, is the name of an item field ("deducted")
	// that tells whether the item is written off. By default items have
	// no such field: no public source shows one (the harsher reading).
	DeductionField string
	// DeductOnClosedStatus writes off an order's items when the order
	// moves into a status of a closed group (GroupClosedSuccessfully,
	// GroupClosedUnsuccessfully), by the API or by SetStatus, as closing
	// an order in RO App does.
	DeductOnClosedStatus bool
	// Now is the emulator's clock (time.Now when nil).
	Now func() time.Time
	// Intercept, when set, sees every counted request before it is served,
	// with its endpoint template ("POST /orders"); returning true means it
	// wrote the answer itself. It is the hook for fault injection and must
	// be safe for concurrent use.
	Intercept func(endpoint string, w http.ResponseWriter, r *http.Request) bool
	// AfterCreate, when set, is called after a create (POST /orders,
	// /orders/{id}/items, /orders/{id}/comments, /contacts/people,
	// /catalog/products, /catalog/products/categories) was executed and
	// before its answer is written, with the endpoint template and the new
	// id: the entity exists, the client does not know its id yet. It is
	// the hook for crash tests (kill the client in that window), may block,
	// is called without the emulator's lock held and must be safe for
	// concurrent use.
	AfterCreate func(endpoint string, id int64)
	// Faults, when set, makes a share of the counted requests fail (after
	// Latency, before Intercept) by a seeded plan. Every request but a GET
	// changes state and may get the plan's "executed, then failed" kinds:
	// the emulator serves it, then answers 500, times out or closes the
	// connection. The creates (POST /orders, /orders/{id}/items,
	// /orders/{id}/comments, /contacts/people, /catalog/products,
	// /catalog/products/categories) may also get faultplan.ExecutedLate:
	// no answer or 504, and the create executed later on the emulator's
	// clock (Now): before the first request served, or the Snapshot
	// taken, once the clock has passed its due time (see RunLate).
	Faults *faultplan.Plan
}

// Calls is the request accounting of an Emulator.
type Calls struct {
	// Total and ByEndpoint count the requests served or intercepted, keyed
	// by endpoint template ("GET /orders/{id}/items").
	Total      int            `json:"total"`
	ByEndpoint map[string]int `json:"by_endpoint"`
	// RateLimited counts the requests refused with 429 by the rate limit;
	// they are not in Total.
	RateLimited int `json:"-"`
}

// Emulator is an in-memory RO App account served over HTTP. It is safe for
// concurrent use.
type Emulator struct {
	opts    Options
	prefix  string
	mux     *http.ServeMux
	limiter *rate.Limiter
	now     func() time.Time
	late    *faultplan.LateQueue

	mu         sync.Mutex
	currency   string
	rights     map[string]bool
	contacts   map[int64]*Contact
	products   map[int64]*Product
	categories map[int64]*Category
	statuses   []Status
	orderTypes []OrderType
	employees  []Employee
	locations  []Location
	uoms       []UOM
	orders     map[int64]*order
	next       map[string]int64
	// modified is when a contact or product was last written, for the
	// modified_at[] filter of their lists.
	modified map[modKey]time.Time
	// createdAt is when a contact was created, for created_at[].
	createdAt map[modKey]time.Time
	events    int64
	calls     Calls
}

// modKey names a contact or a product in Emulator.modified.
type modKey struct {
	kind string
	id   int64
}

// order is an RO App order.
type order struct {
	id, branchID, typeID, clientID, statusID int64
	notes                                    string
	custom                                   map[string]string
	created, modified                        time.Time
	items                                    []*item
	comments                                 []comment
}

type item struct {
	id, productID, quantity, assigneeID int64
	price, cost                         decimal.Decimal
	discount                            decimal.Decimal // a value discount for the whole item
	deducted                            bool
}

type comment struct {
	id      int64
	text    string
	private bool
	created time.Time
}

// New returns an emulator holding seed. opts may be nil.
func New(seed Seed, opts *Options) *Emulator {
	e := &Emulator{
		currency:   seed.Currency,
		rights:     map[string]bool{},
		contacts:   map[int64]*Contact{},
		products:   map[int64]*Product{},
		categories: map[int64]*Category{},
		statuses:   slices.Clone(seed.Statuses),
		orderTypes: slices.Clone(seed.OrderTypes),
		employees:  slices.Clone(seed.Employees),
		locations:  slices.Clone(seed.Locations),
		uoms:       slices.Clone(seed.UOMs),
		orders:     map[int64]*order{},
		next:       map[string]int64{},
		modified:   map[modKey]time.Time{},
		createdAt:  map[modKey]time.Time{},
		calls:      Calls{ByEndpoint: map[string]int{}},
		now:        time.Now,
	}
	if opts != nil {
		e.opts = *opts
	}
	if e.opts.Now != nil {
		e.now = e.opts.Now
	}
	e.late = &faultplan.LateQueue{Now: e.now}
	switch e.opts.Prefix {
	case "":
		e.prefix = "/v2"
	case "-":
	default:
		e.prefix = "/" + strings.Trim(e.opts.Prefix, "/")
	}
	if e.opts.PageSize <= 0 {
		e.opts.PageSize = 50
	}
	if e.opts.RequestsPerSecond > 0 {
		e.limiter = rate.NewLimiter(rate.Limit(e.opts.RequestsPerSecond), max(1, e.opts.Burst))
	}
	if len(e.employees) == 0 {
		e.employees = []Employee{DefaultEmployee}
	}
	if len(e.locations) == 0 {
		e.locations = []Location{DefaultLocation}
	}
	if len(e.uoms) == 0 {
		e.uoms = DefaultUOMs()
	}
	for _, r := range seed.Rights {
		e.rights[r] = true
	}
	for _, c := range seed.Contacts {
		c.Phones = slices.Clone(c.Phones)
		e.modified[modKey{"contact", c.ID}] = e.clock()
		e.createdAt[modKey{"contact", c.ID}] = e.clock()
		e.contacts[c.ID] = &c
		e.bump("contact", c.ID)
	}
	for _, p := range seed.Products {
		p.CategoryID = cloneID(p.CategoryID)
		e.modified[modKey{"product", p.ID}] = e.clock()
		e.products[p.ID] = &p
		e.bump("product", p.ID)
	}
	for _, c := range seed.Categories {
		c.ParentID = cloneID(c.ParentID)
		e.categories[c.ID] = &c
		e.bump("category", c.ID)
	}
	e.routes()
	return e
}

func cloneID(p *int64) *int64 {
	if p == nil || *p == 0 {
		return nil
	}
	v := *p
	return &v
}

// bump makes the next id of kind greater than id.
func (e *Emulator) bump(kind string, id int64) {
	if id >= e.next[kind] {
		e.next[kind] = id
	}
}

// newID returns the next id of kind; e.mu is held.
func (e *Emulator) newID(kind string) int64 {
	e.next[kind]++
	return e.next[kind]
}

// clock returns the emulator's time in UTC, in whole seconds as the API
// shows it.
func (e *Emulator) clock() time.Time { return e.now().UTC().Truncate(time.Second) }

// ServeHTTP serves the RO App API.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p := e.prefix; p != "" && (r.URL.Path == p || strings.HasPrefix(r.URL.Path, p+"/")) {
		r2 := new(http.Request)
		*r2 = *r
		u := *r.URL
		u.Path = strings.TrimPrefix(u.Path, p)
		u.RawPath = ""
		r2.URL = &u
		r = r2
	}
	// RO App's clock, as an origin server sends it (RFC 9110 §6.6.1).
	w.Header().Set("Date", e.clock().Format(http.TimeFormat))
	// Creates executed late land before anything that comes after them.
	e.late.RunDue()
	_, pattern := e.mux.Handler(r)
	endpoint := pattern
	if endpoint == "" || endpoint == "/" {
		endpoint = r.Method + " (unmatched)"
	}
	if e.limiter != nil && !e.limiter.Allow() {
		e.mu.Lock()
		e.calls.RateLimited++
		e.mu.Unlock()
		if ra := e.opts.RetryAfter; ra > 0 {
			w.Header().Set("Retry-After", fmt.Sprint(int64(math.Ceil(ra.Seconds()))))
		}
		writeError(w, http.StatusTooManyRequests, "Too many requests")
		return
	}
	e.mu.Lock()
	e.calls.Total++
	e.calls.ByEndpoint[endpoint]++
	e.mu.Unlock()
	if d := e.opts.Latency; d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	serve := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if e.opts.Intercept != nil && e.opts.Intercept(endpoint, w, r) {
			return
		}
		if e.opts.APIKey != "" && r.Header.Get("Authorization") != "Bearer "+e.opts.APIKey {
			writeError(w, http.StatusUnauthorized, "Unauthorized: invalid API key")
			return
		}
		e.mux.ServeHTTP(w, r)
	})
	if p := e.opts.Faults; p != nil {
		p.ApplyLater(p.DecideFor(endpoint, lateCreates[endpoint], r.Method != http.MethodGet), w, r, serve, e.late)
		return
	}
	serve(w, r)
}

// lateCreates are the endpoints that faultplan.ExecutedLate applies to.
var lateCreates = map[string]bool{
	"POST /orders": true, "POST /orders/{id}/items": true, "POST /orders/{id}/comments": true,
	"POST /contacts/people": true, "POST /catalog/products": true, "POST /catalog/products/categories": true,
}

// RunLate executes the creates held by faultplan.ExecutedLate whose due
// time the emulator's clock has passed (the emulator does so itself before
// each request and in Snapshot), and returns how many it executed.
func (e *Emulator) RunLate() int { return e.late.RunDue() }

// LatePending returns how many creates held by faultplan.ExecutedLate are
// not yet due, and the latest due time among them (zero when none).
func (e *Emulator) LatePending() (int, time.Time) { return e.late.Pending() }

// LateExecuted returns how many late creates were executed.
func (e *Emulator) LateExecuted() int { return e.late.Executed() }

// Calls returns a copy of the request accounting.
func (e *Emulator) Calls() Calls {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.calls
	c.ByEndpoint = maps.Clone(c.ByEndpoint)
	return c
}

// Grant gives the API key's employee a right (e.g. RightAddWithoutDeduction).
func (e *Emulator) Grant(right string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rights[right] = true
}

// Revoke takes a right away.
func (e *Emulator) Revoke(right string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.rights, right)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"message": msg})
}

// writeValidation answers 422 with a message naming the field.
func writeValidation(w http.ResponseWriter, field, msg string) {
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
		"message":    "Validation failed",
		"validation": map[string][]string{field: {msg}},
	})
}
