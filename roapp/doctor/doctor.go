// Package doctor checks a live RO App account before rosync's first import
// and reports one row per check: the API key, the company currency against
// each shop's, the branch, the order type and its initial status, the
// assignee, the status names of the status maps and of the deduction
// settings, the status groups, the custom field of the external reference,
// the right "Can add products without deduction", and every call and filter
// that package roapp's wire table (roapp.Endpoints) marks UNVERIFIED.
//
//	rep, err := doctor.Run(ctx, doctor.Config{APIKey: key, AssigneeID: 7, Shops: shops})
//	rep.WriteTable(os.Stdout)
//	if rep.Failed() { os.Exit(1) }
//
// By default every probe is a GET. Config.Write adds one test order in the
// configured branch (client: a contact "rosync doctor", created once and
// reused), with one item and one comment, reads them back (the raw item
// JSON, to show which fields the account really sends), closes the order
// with a status of a closed group and reports which deduction signals the
// account showed, then lists what it left behind.
//
// A report is what a user sends rosync's maintainers to turn an UNVERIFIED
// row of the wire table into a verified one: rows marked UNVERIFIED-OK are
// calls or filters this account served as rosync assumes, UNVERIFIED-NO
// ones it did not (rosync then falls back as the roapp package doc says),
// UNVERIFIED ones could not be told apart from here. WriteJSON gives the
// same report as JSON.
//
// The branch and order type rows read the client's own calls
// (roapp.EndpointLocations, roapp.EndpointOrderTypes, with their path
// overrides), the lists rosync.Syncer.Connect checks Settings.BranchID and
// OrderTypeID against; an account that does not serve one, or answers a
// shape they cannot read, gets an UNVERIFIED row, never a FAIL (Connect
// then leaves the setting unchecked too). One read is outside the
// client's table, read only, with the same rule:
//
//	GET orders/custom-fields  order custom fields [{id,title,type}], not in the
//	                          operation list; a public n8n node for RO App
//	                          reads it and names each field "f"+id, the form
//	                          of roapp.Options.ExternalRefField
//
// The filter probes compare a filtered first page with the unfiltered one
// and keep only counts as evidence: a report holds no customer's data.
package doctor

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp"
)

// Result is a row's verdict.
type Result string

// The verdicts of a row.
const (
	// OK: the check passed.
	OK Result = "OK"
	// Info: nothing to check, or a fact worth sending.
	Info Result = "INFO"
	// Warn: rosync works, with a cost or a limit the detail names.
	Warn Result = "WARN"
	// Fail: the first import would fail; the action says what to fix.
	Fail Result = "FAIL"
	// Skip: the check was not run (the detail says why).
	Skip Result = "SKIP"
	// Unverified: an UNVERIFIED call or behaviour this run could not
	// decide.
	Unverified Result = "UNVERIFIED"
	// UnverifiedOK: an UNVERIFIED call or behaviour that this account
	// served as rosync assumes.
	UnverifiedOK Result = "UNVERIFIED-OK"
	// UnverifiedNo: an UNVERIFIED call or behaviour this account does not
	// serve as rosync assumes; rosync falls back (see the detail).
	UnverifiedNo Result = "UNVERIFIED-NO"
)

// Row is one check.
type Row struct {
	// Check names the check ("api_key", "status_map[main-store]").
	Check  string `json:"check"`
	Result Result `json:"result"`
	// Detail says what the account answered.
	Detail string `json:"detail"`
	// Action says what to do; empty when nothing.
	Action string `json:"action,omitempty"`
	// Evidence holds what the account sent that decides an UNVERIFIED
	// row (an answer's keys, a raw item).
	Evidence map[string]any `json:"evidence,omitempty"`
}

// ShopInfoer reads a shop's settings; every rosync.Platform is one.
type ShopInfoer interface {
	Shop(ctx context.Context) (rosync.ShopInfo, error)
}

// Shop is one configured shop.
type Shop struct {
	// Name is the shop's name in the configuration.
	Name string
	// Settings are the shop's rosync settings: BranchID, OrderTypeID and
	// StatusMap are checked.
	Settings rosync.Settings
	// Info reads the shop's currency; nil skips the currency check.
	Info ShopInfoer
}

// Config is what the doctor checks.
type Config struct {
	// APIKey is the RO App API key.
	APIKey string
	// Client are the roapp.Options rosync runs with (BaseURL, Paths,
	// ExternalRefField, UOMID, DeductionFields, HTTPClient, …). Its
	// Limiter, when nil, is one of RequestsPerSecond (default 3) shared by
	// every probe.
	Client roapp.Options
	// AssigneeID is Settings.AssigneeID, the employee of imported items.
	AssigneeID int64
	// Deduction is Settings.Deduction (its Statuses must exist).
	Deduction rosync.DeductionSignal
	// BranchID and OrderTypeID are the account defaults; a shop's own
	// settings win. -write creates its order with the first shop's, or
	// these.
	BranchID    int64
	OrderTypeID int64
	// Shops are the configured shops.
	Shops []Shop
	// Write turns on the write probes (one test order, see the package
	// doc).
	Write bool
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Report is the outcome of Run.
type Report struct {
	// BaseURL is the API root that was checked.
	BaseURL string `json:"base_url"`
	// Write says whether the write probes ran.
	Write bool  `json:"write"`
	Rows  []Row `json:"rows"`
	// LeftBehind lists what the write probes left in the account.
	LeftBehind []string `json:"left_behind,omitempty"`
}

// Failed reports whether a row is a FAIL.
func (r *Report) Failed() bool {
	return slices.ContainsFunc(r.Rows, func(row Row) bool { return row.Result == Fail })
}

// Row returns the first row named check.
func (r *Report) Row(check string) (Row, bool) {
	for _, row := range r.Rows {
		if row.Check == check {
			return row, true
		}
	}
	return Row{}, false
}

// doctor is one run.
type doctor struct {
	cfg Config
	cl  *roapp.Client
	raw *raw
	rep *Report
	now func() time.Time

	employees []rosync.ROEmployee
	statuses  []rosync.ROStatus
}

func (d *doctor) add(check string, res Result, detail, action string) *Row {
	d.rep.Rows = append(d.rep.Rows, Row{Check: check, Result: res, Detail: detail, Action: action})
	return &d.rep.Rows[len(d.rep.Rows)-1]
}

func (d *doctor) addEvidence(check string, res Result, detail, action string, ev map[string]any) {
	d.rep.Rows = append(d.rep.Rows, Row{Check: check, Result: res, Detail: detail, Action: action, Evidence: ev})
}

// Run checks the account and returns the report. Its error is only for a
// context that ended; every finding is a row.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	opts := cfg.Client
	if opts.BaseURL == "" {
		opts.BaseURL = roapp.DefaultBaseURL
	}
	if opts.Limiter == nil {
		rps := opts.RequestsPerSecond
		if rps <= 0 {
			rps = roapp.DefaultRequestsPerSecond
		}
		opts.Limiter = roapp.NewRateLimiter(rps, 1)
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: roapp.DefaultTimeout}
	}
	paths := roapp.DefaultPaths()
	for ep, p := range opts.Paths {
		if p = strings.TrimSpace(p); p != "" {
			paths[ep] = p
		}
	}
	d := &doctor{
		cfg: cfg,
		cl:  roapp.New(cfg.APIKey, &opts),
		raw: &raw{key: cfg.APIKey, base: opts.BaseURL, hc: hc, lim: opts.Limiter, paths: paths},
		rep: &Report{BaseURL: opts.BaseURL, Write: cfg.Write},
		now: cfg.Now,
	}
	if d.now == nil {
		d.now = time.Now
	}
	if !d.checkKey(ctx) {
		return d.rep, ctx.Err()
	}
	d.checkAssignee()
	currency := d.checkCompany(ctx)
	d.checkShops(ctx, currency)
	d.checkStatuses(ctx)
	d.checkBranches(ctx)
	d.checkOrderTypes(ctx)
	d.checkRefField(ctx)
	d.checkUOMs(ctx)
	d.checkEmailFilter(ctx)
	d.checkProductFilters(ctx)
	if cfg.Write {
		d.write(ctx)
	} else {
		d.checkComments(ctx)
		d.add("right_add_without_deduction", Unverified, "provable only by adding an item (ORD-2)",
			"run with -write, or check that the API key's employee has \"Can add products without deduction\"")
		d.add("endpoint add_item", Unverified, "not probed (read-only)", "run with -write")
		d.add("endpoint add_comment", Unverified, "not probed (read-only)", "run with -write")
		d.add("endpoint delete_item", Unverified, "not probed (read-only)", "run with -write")
		d.add("endpoint create_product", Unverified, "not probed (read-only)", "run with -write on an account with an empty catalogue, or pre-create the products")
		d.add("deduction_signals", Unverified, "which deduction signals the account shows is seen only by closing a test order",
			"run with -write")
	}
	d.add("endpoint create_category", Unverified, "never probed: a category cannot be removed through the API",
		"if category creation fails during the import, set roapp.paths.create_category")
	d.add("retry_after", Unverified, "not probed: whether a 429 carries Retry-After", "")
	return d.rep, ctx.Err()
}

// status returns the HTTP status of an error from the client, or 0.
func status(err error) int {
	var ae *rosync.APIError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

func (d *doctor) checkKey(ctx context.Context) bool {
	if strings.TrimSpace(d.cfg.APIKey) == "" {
		d.add("api_key", Fail, "no API key", "set roapp.api_key or ROSYNC_ROAPP_API_KEY")
		return false
	}
	emps, err := d.cl.Employees(ctx)
	switch {
	case status(err) == http.StatusUnauthorized:
		d.add("api_key", Fail, "RO App refused the key: HTTP 401 on GET company/employees",
			"set roapp.api_key (or ROSYNC_ROAPP_API_KEY) to a valid key from RO App's API settings")
		return false
	case err != nil:
		d.add("api_key", Fail, "GET company/employees: "+err.Error(),
			"check roapp.base_url and the network; every other check needs this call")
		return false
	}
	d.employees = emps
	d.add("api_key", OK, fmt.Sprintf("accepted (GET company/employees: %d employees)", len(emps)), "")
	return true
}

func (d *doctor) employeeList() string {
	var parts []string
	for i, e := range d.employees {
		if i == 10 {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, fmt.Sprintf("%d %s", e.ID, e.Name))
	}
	return strings.Join(parts, ", ")
}

func (d *doctor) checkAssignee() {
	id := d.cfg.AssigneeID
	if id <= 0 {
		d.add("assignee", Fail, "roapp.assignee_id is not set: RO App requires an assignee on every order item",
			"set roapp.assignee_id to one of: "+d.employeeList())
		return
	}
	for _, e := range d.employees {
		if e.ID == id {
			d.add("assignee", OK, fmt.Sprintf("employee %d (%s)", id, e.Name), "")
			return
		}
	}
	d.add("assignee", Fail, fmt.Sprintf("no employee %d in GET company/employees", id),
		"set roapp.assignee_id to one of: "+d.employeeList())
}

func (d *doctor) checkCompany(ctx context.Context) string {
	co, err := d.cl.Company(ctx)
	if err == nil {
		d.add("company_currency", UnverifiedOK, "GET company answered currency "+co.Currency+
			" (the field rosync reads is UNVERIFIED; this row confirms it)", "")
		return co.Currency
	}
	ev := map[string]any{}
	if a, rerr := d.raw.get(ctx, d.raw.path(roapp.EndpointCompany), nil); rerr == nil && a.ok() {
		if m, oerr := object(a.body); oerr == nil {
			ev["company_keys"] = m.keys()
		}
	}
	d.addEvidence("company_currency", Fail, "GET company: "+err.Error(),
		"send us this row (the keys of GET company): rosync cannot compare currencies (ORD-4) without it", ev)
	return ""
}

func (d *doctor) checkShops(ctx context.Context, currency string) {
	for _, s := range d.cfg.Shops {
		check := "shop_currency[" + s.Name + "]"
		if s.Info == nil {
			d.add(check, Skip, "shops not contacted (-shops=false)", "")
			continue
		}
		info, err := s.Info.Shop(ctx)
		switch {
		case err != nil:
			d.add(check, Fail, "reading the shop: "+err.Error(), "check the shop's url and credentials")
		case currency == "":
			d.add(check, Warn, "shop currency "+info.Currency+"; RO App's is unknown (see company_currency)", "")
		case !rosync.SameCurrency(info.Currency, currency):
			d.add(check, Fail, fmt.Sprintf("shop uses %s, RO App uses %s: ORD-4 refuses the shop", info.Currency, currency),
				"import into an RO App account of the shop's currency; orders are never converted")
		default:
			d.add(check, OK, "shop and RO App both use "+currency, "")
		}
	}
}

func (d *doctor) statusByName(name string) (rosync.ROStatus, bool) {
	for _, st := range d.statuses {
		if strings.EqualFold(strings.TrimSpace(st.Name), strings.TrimSpace(name)) {
			return st, true
		}
	}
	return rosync.ROStatus{}, false
}

func (d *doctor) statusNames() string {
	var names []string
	for _, st := range d.statuses {
		names = append(names, strconv.Quote(st.Name))
	}
	return strings.Join(names, ", ")
}

func (d *doctor) checkStatuses(ctx context.Context) {
	sts, err := d.cl.Statuses(ctx)
	if err != nil {
		d.add("statuses", Fail, "GET orders/statuses: "+err.Error(), "")
		return
	}
	d.statuses = sts
	groups := map[int][]string{}
	var order []int
	var closed []string
	for _, st := range sts {
		if _, ok := groups[st.Group]; !ok {
			order = append(order, st.Group)
		}
		groups[st.Group] = append(groups[st.Group], st.Name)
		if st.Closed {
			closed = append(closed, st.Name)
		}
	}
	slices.Sort(order)
	var parts []string
	ev := map[string]any{}
	for _, g := range order {
		parts = append(parts, fmt.Sprintf("group %d: %s", g, strings.Join(groups[g], ", ")))
		ev["group_"+strconv.Itoa(g)] = groups[g]
	}
	detail := fmt.Sprintf("%d statuses; %s; closed (groups %d, %d): %s", len(sts), strings.Join(parts, "; "),
		roapp.GroupClosedSuccessfully, roapp.GroupClosedUnsuccessfully, strings.Join(closed, ", "))
	if len(closed) == 0 {
		d.addEvidence("status_groups", Warn, detail+"none",
			"no status is in a closed group as rosync numbers them (UNVERIFIED): the closed-status deduction signal never fires; send us this row", ev)
	} else {
		d.addEvidence("status_groups", Unverified, detail,
			"check that closing an order in the statuses listed as closed writes its products off; send us this row", ev)
	}
	for _, s := range d.cfg.Shops {
		check := "status_map[" + s.Name + "]"
		if len(s.Settings.StatusMap) == 0 {
			d.add(check, Info, "no status map", "")
			continue
		}
		var missing []string
		keys := make([]string, 0, len(s.Settings.StatusMap))
		for k := range s.Settings.StatusMap {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if _, ok := d.statusByName(s.Settings.StatusMap[k]); !ok {
				missing = append(missing, fmt.Sprintf("%s: %q", k, s.Settings.StatusMap[k]))
			}
		}
		if len(missing) > 0 {
			d.add(check, Fail, "RO App has no status "+strings.Join(missing, ", "),
				"fix shops["+s.Name+"].status_map; RO App's statuses: "+d.statusNames())
		} else {
			d.add(check, OK, fmt.Sprintf("all %d names exist", len(keys)), "")
		}
	}
	sig := d.cfg.Deduction
	if len(sig.Statuses) == 0 {
		res, detail := Info, "none named: deduction is read from closed-group statuses, item fields and refused item writes"
		if sig.IgnoreClosedGroups {
			res, detail = Warn, "none named and closed groups ignored: deduction is seen only from item fields and refused writes"
		}
		d.add("deduction_statuses", res, detail, "")
		return
	}
	var missing []string
	for _, n := range sig.Statuses {
		if _, ok := d.statusByName(n); !ok {
			missing = append(missing, strconv.Quote(n))
		}
	}
	if len(missing) > 0 {
		d.add("deduction_statuses", Fail, "RO App has no status "+strings.Join(missing, ", "),
			"fix the deduction statuses; RO App's statuses: "+d.statusNames())
		return
	}
	d.add("deduction_statuses", OK, "all exist: "+strings.Join(sig.Statuses, ", "), "")
}

// shopIDs returns the distinct non-zero ids get gives for the shops and
// the account default, with the shops that use each.
func (d *doctor) shopIDs(get func(rosync.Settings) int64, def int64) (ids []int64, missing []string) {
	seen := map[int64]bool{}
	addID := func(id int64) {
		if id > 0 && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, s := range d.cfg.Shops {
		id := get(s.Settings)
		if id == 0 {
			id = def
		}
		if id <= 0 {
			missing = append(missing, s.Name)
		}
		addID(id)
	}
	if len(d.cfg.Shops) == 0 {
		addID(def)
	}
	return ids, missing
}

// listIDs reads a list answer of a path outside the client's table and
// returns its records by id.
func (d *doctor) listIDs(ctx context.Context, path string) (map[string]record, answer, error) {
	a, err := d.raw.get(ctx, path, nil)
	if err != nil || !a.ok() {
		return nil, a, err
	}
	recs, err := records(a.body)
	if err != nil {
		return nil, a, err
	}
	out := map[string]record{}
	for _, r := range recs {
		out[r.str("id")] = r
	}
	return out, a, nil
}

func (d *doctor) checkBranches(ctx context.Context) {
	ids, missing := d.shopIDs(func(s rosync.Settings) int64 { return s.BranchID }, d.cfg.BranchID)
	for _, m := range missing {
		d.add("branch["+m+"]", Fail, "no branch_id", "set roapp.branch_id or shops["+m+"].branch_id")
	}
	if len(ids) == 0 {
		if len(missing) == 0 {
			d.add("branch", Fail, "no branch_id", "set roapp.branch_id")
		}
		return
	}
	path := d.raw.path(roapp.EndpointLocations)
	byID, a, err := d.listIDs(ctx, path)
	for _, id := range ids {
		check := fmt.Sprintf("branch[%d]", id)
		switch {
		case err != nil:
			d.add(check, Unverified, "GET "+path+": "+err.Error(), "run with -write to prove the branch")
		case !a.ok():
			d.add(check, Unverified, fmt.Sprintf("GET %s answered HTTP %d: the branch cannot be listed", path, a.status),
				"run with -write: creating the test order proves the branch")
		case byID[strconv.FormatInt(id, 10)] != nil:
			r := byID[strconv.FormatInt(id, 10)]
			d.addEvidence(check, OK, "location "+cmpOr(r.str("name"), r.str("title")), "",
				map[string]any{"location_keys": r.keys()})
		case len(byID) == 0:
			d.add(check, Unverified, "GET "+path+" listed no location rosync can read: the branch cannot be checked (Connect leaves it unchecked too)",
				"run with -write: creating the test order proves the branch; send us this report")
		default:
			var have []string
			for k, r := range byID {
				have = append(have, k+" "+cmpOr(r.str("name"), r.str("title")))
			}
			slices.Sort(have)
			d.add(check, Fail, "no such location in GET "+path, "set branch_id to one of: "+strings.Join(have, ", "))
		}
	}
}

func cmpOr(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func (d *doctor) checkOrderTypes(ctx context.Context) {
	ids, missing := d.shopIDs(func(s rosync.Settings) int64 { return s.OrderTypeID }, d.cfg.OrderTypeID)
	for _, m := range missing {
		d.add("order_type["+m+"]", Fail, "no order_type_id", "set roapp.order_type_id or shops["+m+"].order_type_id")
	}
	path := d.raw.path(roapp.EndpointOrderTypes)
	byID, a, err := d.listIDs(ctx, path)
	for _, id := range ids {
		check := fmt.Sprintf("order_type[%d]", id)
		after := "its initial status (SHO-3) is seen only with -write"
		if d.cfg.Write {
			after = "its initial status: see initial_status"
		}
		switch {
		case err != nil:
			d.add(check, Unverified, "GET "+path+": "+err.Error(), "")
		case !a.ok():
			d.add(check, Unverified, fmt.Sprintf("GET %s answered HTTP %d", path, a.status), "run with -write to prove the order type")
		case len(byID) == 0:
			d.add(check, Unverified, "GET "+path+" listed no order type rosync can read: it cannot be checked (Connect leaves it unchecked too)",
				"run with -write to prove the order type; send us this report")
		case byID[strconv.FormatInt(id, 10)] != nil:
			r := byID[strconv.FormatInt(id, 10)]
			d.addEvidence(check, OK, fmt.Sprintf("order type %q; %s", cmpOr(r.str("name"), r.str("title")), after), "",
				map[string]any{"order_type_keys": r.keys()})
		default:
			var have []string
			for k, r := range byID {
				have = append(have, k+" "+cmpOr(r.str("name"), r.str("title")))
			}
			slices.Sort(have)
			d.add(check, Fail, "no such order type in GET "+path, "set order_type_id to one of: "+strings.Join(have, ", "))
		}
	}
}

func (d *doctor) checkRefField(ctx context.Context) {
	f := strings.TrimSpace(d.cfg.Client.ExternalRefField)
	if f == "" {
		d.add("external_ref_field", Info, "not set: the external reference lives in manager_notes only", "")
		return
	}
	byID, a, err := d.listIDs(ctx, "orders/custom-fields")
	switch {
	case err != nil:
		d.add("external_ref_field", Unverified, "GET orders/custom-fields: "+err.Error(), "run with -write to prove the field")
	case !a.ok():
		d.add("external_ref_field", Unverified, fmt.Sprintf("GET orders/custom-fields answered HTTP %d", a.status), "run with -write to prove the field")
	default:
		id := strings.TrimPrefix(f, "f")
		if r := byID[id]; r != nil {
			d.add("external_ref_field", OK, fmt.Sprintf("%s is the order field %q", f, cmpOr(r.str("title"), r.str("name"))), "")
			return
		}
		var have []string
		for k, r := range byID {
			have = append(have, "f"+k+" "+cmpOr(r.str("title"), r.str("name")))
		}
		slices.Sort(have)
		d.add("external_ref_field", Fail, "no order custom field "+f,
			"set roapp.external_ref_field to one of: "+strings.Join(have, ", ")+" (or leave it empty)")
	}
}

// pieceTitles are the unit titles the client takes for "piece".
var pieceTitles = []string{"piece", "pieces", "pcs", "pc", "шт", "шт.", "штука", "szt", "szt.", "ks", "stk", "stk."}

func (d *doctor) checkUOMs(ctx context.Context) {
	const check = "endpoint uoms"
	a, err := d.raw.get(ctx, d.raw.path(roapp.EndpointUOMs), nil)
	uomID := d.cfg.Client.UOMID
	switch {
	case err != nil:
		d.add(check, Unverified, "GET catalogs/uoms: "+err.Error(), "")
		return
	case a.missing():
		if uomID != 0 {
			d.add(check, UnverifiedNo, fmt.Sprintf("GET %s answered HTTP %d; roapp.uom_id %d is used instead", d.raw.path(roapp.EndpointUOMs), a.status, uomID), "")
		} else {
			d.add(check, UnverifiedNo, fmt.Sprintf("GET %s answered HTTP %d: products cannot be created", d.raw.path(roapp.EndpointUOMs), a.status),
				"set roapp.uom_id to the id of the unit \"piece\", or roapp.paths.uoms")
		}
		return
	case !a.ok():
		d.add(check, Unverified, fmt.Sprintf("GET catalogs/uoms answered HTTP %d: %s", a.status, snippet(a.body)), "")
		return
	}
	recs, err := records(a.body)
	if err != nil {
		d.add(check, UnverifiedNo, "GET catalogs/uoms: unexpected answer: "+snippet(a.body), "set roapp.uom_id; send us this row")
		return
	}
	var units []string
	piece := ""
	for _, r := range recs {
		t := cmpOr(r.str("title"), r.str("name"))
		units = append(units, r.str("id")+" "+t)
		if piece == "" && slices.Contains(pieceTitles, strings.ToLower(t)) {
			piece = r.str("id") + " " + t
		}
		if uomID != 0 && r.str("id") == strconv.FormatInt(uomID, 10) {
			piece = r.str("id") + " " + t
		}
	}
	ev := map[string]any{"units": units}
	if len(recs) > 0 {
		ev["uom_keys"] = recs[0].keys()
	}
	switch {
	case uomID != 0 && !strings.HasPrefix(piece, strconv.FormatInt(uomID, 10)+" "):
		d.addEvidence(check, Fail, fmt.Sprintf("roapp.uom_id %d is not among the units: %s", uomID, strings.Join(units, ", ")),
			"set roapp.uom_id to one of the units listed", ev)
	case piece == "":
		d.addEvidence(check, UnverifiedOK, "served, but no unit titled piece: "+strings.Join(units, ", "),
			"set roapp.uom_id to the unit products are counted in", ev)
	default:
		d.addEvidence(check, UnverifiedOK, "served; products are created in unit "+piece, "", ev)
	}
}

// filterProbe compares a filtered first page of a list with the
// unfiltered one: honoured when the filtered page holds only records that
// match and fewer than the unfiltered list, ignored when it holds one that
// does not match.
func (d *doctor) filterProbe(ctx context.Context, check, path, param string, field func(record) string) {
	a, err := d.raw.get(ctx, path, nil)
	if err != nil || !a.ok() {
		d.add(check, Unverified, fmt.Sprintf("GET %s: %v", path, cmpOr(errText(err), "HTTP "+strconv.Itoa(a.status))), "")
		return
	}
	all, err := records(a.body)
	if err != nil {
		d.add(check, Unverified, "GET "+path+": "+err.Error(), "")
		return
	}
	// A value that some record of the page has and another record lacks.
	var value string
	for _, r := range all {
		v := field(r)
		if v == "" {
			continue
		}
		if slices.ContainsFunc(all, func(o record) bool { return !strings.EqualFold(field(o), v) }) {
			value = v
			break
		}
	}
	if value == "" {
		d.add(check, Unverified, fmt.Sprintf("cannot tell: the first page of %s has no two records with different values", path), "run again once the account has some")
		return
	}
	f, err := d.raw.get(ctx, path, map[string][]string{param: {value}})
	if err != nil || !f.ok() {
		d.add(check, Unverified, fmt.Sprintf("GET %s?%s: %v", path, param, cmpOr(errText(err), "HTTP "+strconv.Itoa(f.status))), "")
		return
	}
	got, err := records(f.body)
	if err != nil {
		d.add(check, Unverified, "GET "+path+"?"+param+": "+err.Error(), "")
		return
	}
	others := 0
	for _, r := range got {
		if !strings.EqualFold(field(r), value) {
			others++
		}
	}
	ev := map[string]any{"unfiltered_first_page": len(all), "filtered_first_page": len(got), "not_matching": others}
	if others > 0 {
		d.addEvidence(check, UnverifiedNo, fmt.Sprintf("ignored: the filtered page holds %d of %d records that do not match", others, len(got)), "", ev)
		return
	}
	d.addEvidence(check, UnverifiedOK, fmt.Sprintf("honoured: %d matching records instead of %d", len(got), len(all)), "", ev)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (d *doctor) checkEmailFilter(ctx context.Context) {
	d.filterProbe(ctx, "filter find_contacts emails[]", d.raw.path(roapp.EndpointFindContacts), "emails[]",
		func(r record) string { return r.str("email") })
	if row := &d.rep.Rows[len(d.rep.Rows)-1]; row.Result == UnverifiedNo {
		row.Detail += ": a search by email reads one page, then rosync matches emails from its mirror of the account"
	}
}

func (d *doctor) checkProductFilters(ctx context.Context) {
	for _, f := range []struct{ param, field string }{{"titles[]", "title"}, {"skus[]", "sku"}, {"codes[]", "code"}} {
		d.filterProbe(ctx, "filter find_products "+f.param, d.raw.path(roapp.EndpointFindProducts), f.param,
			func(r record) string { return r.str(f.field) })
		if row := &d.rep.Rows[len(d.rep.Rows)-1]; row.Result == UnverifiedNo {
			row.Detail += ": a product lookup reads the catalogue page by page (cost, not correctness)"
		}
	}
}

func (d *doctor) checkComments(ctx context.Context) {
	const check = "endpoint comments"
	a, err := d.raw.get(ctx, d.raw.path(roapp.EndpointOrders), nil)
	if err != nil || !a.ok() {
		d.add(check, Unverified, fmt.Sprintf("GET orders: %v", cmpOr(errText(err), "HTTP "+strconv.Itoa(a.status))), "")
		return
	}
	orders, err := records(a.body)
	if err != nil || len(orders) == 0 {
		d.add(check, Unverified, "no order to read comments of", "run with -write")
		return
	}
	id, _ := strconv.ParseInt(orders[0].str("id"), 10, 64)
	d.probeComments(ctx, id, "")
}

// probeComments reads an order's comments raw; want, when set, is a
// comment that must be among them.
func (d *doctor) probeComments(ctx context.Context, orderID int64, want string) {
	const check = "endpoint comments"
	path := strings.ReplaceAll(d.raw.path(roapp.EndpointComments), "{id}", strconv.FormatInt(orderID, 10))
	a, err := d.raw.get(ctx, path, nil)
	switch {
	case err != nil:
		d.add(check, Unverified, "GET "+d.raw.path(roapp.EndpointComments)+": "+err.Error(), "")
		return
	case a.missing():
		d.add(check, UnverifiedNo, fmt.Sprintf("GET %s answered HTTP %d for order %d", d.raw.path(roapp.EndpointComments), a.status, orderID),
			"set roapp.paths.comments if the account serves comments elsewhere; rosync cannot check a comment after a doubt")
		return
	case !a.ok():
		d.add(check, Unverified, fmt.Sprintf("GET comments answered HTTP %d: %s", a.status, snippet(a.body)), "")
		return
	}
	recs, err := records(a.body)
	if err != nil {
		d.add(check, UnverifiedNo, "unexpected answer: "+snippet(a.body), "send us this row")
		return
	}
	ev := map[string]any{"comments": len(recs)}
	if len(recs) > 0 {
		ev["comment_keys"] = recs[0].keys()
	}
	if want != "" {
		found := slices.ContainsFunc(recs, func(r record) bool { return cmpOr(r.str("comment"), r.str("text")) == want })
		if !found {
			d.addEvidence(check, UnverifiedNo, "the test comment is not among the order's comments", "send us this row", ev)
			return
		}
		d.addEvidence(check, UnverifiedOK, "served; the test comment reads back", "", ev)
		return
	}
	d.addEvidence(check, UnverifiedOK, fmt.Sprintf("served for order %d (%d comments)", orderID, len(recs)), "", ev)
}
