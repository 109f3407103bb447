package roapptest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/platformkit/fakekit"
)

// routes registers every served endpoint. The pattern is the endpoint
// template of the request accounting.
func (e *Emulator) routes() {
	m := http.NewServeMux()
	hs := e.handlers()
	for _, rt := range Routes() {
		m.HandleFunc(rt.Method+" "+rt.Path, hs[rt.Method+" "+rt.Path])
	}
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "Not found")
	})
	e.mux = m
}

// --------------------------------------------------------------- helpers

// decodeBody reads a JSON object body (up to 1 MiB) with numbers kept exact.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	data, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err == nil {
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		err = d.Decode(v)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "Malformed JSON body: "+err.Error())
		return false
	}
	return true
}

// pathID reads a numeric path value; false (after a 404) when invalid.
func pathID(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusNotFound, "Not found")
		return 0, false
	}
	return id, true
}

// writePage answers a v2 paged list of all, for the page the request asks
// (page, from 1; the size is Options.PageSize). The paging object counts at
// least one page, an empty one.
func (e *Emulator) writePage(w http.ResponseWriter, r *http.Request, all []any) {
	pq := fakekit.PageQuery{PageParam: "page", DefaultSize: e.opts.PageSize}
	page, err := pq.Parse(r.URL.Query())
	if err != nil {
		writeValidation(w, "page", "must be a positive integer")
		return
	}
	data := fakekit.Slice(all, page.Offset(), page.Size)
	if data == nil {
		data = []any{}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"data": data,
		"paging": map[string]int{"page": page.Number, "total_pages": max(1, fakekit.PageCount(len(all), page.Size)),
			"count": len(all), "limit": page.Size},
	})
}

// timeRange reads a 1–2 value date filter; ok is false after a 422.
func timeRange(w http.ResponseWriter, q url.Values, name string) (from, to time.Time, ok bool) {
	vs := fakekit.List(q, name)
	for i, v := range vs {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil || i > 1 {
			writeValidation(w, name, "expects 1 or 2 ISO 8601 dates")
			return from, to, false
		}
		if i == 0 {
			from = t
		} else {
			to = t
		}
	}
	return from, to, true
}

func inRange(t, from, to time.Time) bool {
	return (from.IsZero() || !t.Before(from)) && (to.IsZero() || !t.After(to))
}

var nonDigits = regexp.MustCompile(`\D`)

// samePhoneDigits compares phones by their digits, as a lenient search does.
func samePhoneDigits(a, b string) bool {
	da, db := nonDigits.ReplaceAllString(a, ""), nonDigits.ReplaceAllString(b, "")
	return da != "" && da == db
}

// created answers a create with the new id, after Options.AfterCreate saw
// it. e.mu must not be held: the hook may block.
func (e *Emulator) created(w http.ResponseWriter, r *http.Request, id int64) {
	if f := e.opts.AfterCreate; f != nil {
		f(r.Pattern, id)
	}
	writeJSON(w, http.StatusCreated, map[string]int64{"id": id})
}

// sortedIDs returns the keys of m in increasing order.
func sortedIDs[V any](m map[int64]V) []int64 {
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// --------------------------------------------------------------- company

func (e *Emulator) getCompany(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"name": "RO App emulator", "currency": e.currency})
}

func (e *Emulator) getEmployees(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := []any{}
	for _, em := range e.employees {
		out = append(out, em)
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
}

// employee reports whether id is an employee; e.mu is held.
func (e *Emulator) employee(id int64) bool {
	return slices.ContainsFunc(e.employees, func(em Employee) bool { return em.ID == id })
}

func (e *Emulator) getStatuses(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := []map[string]any{}
	for _, s := range e.statuses {
		out = append(out, map[string]any{"id": s.ID, "name": s.Name, "color": s.Color,
			"group": map[string]any{"type": s.Group, "name": groupNames[s.Group]}})
	}
	writeJSON(w, http.StatusOK, out)
}

func (e *Emulator) getLocations(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := []any{}
	for _, l := range e.locations {
		out = append(out, l)
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
}

func (e *Emulator) getOrderTypes(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := []map[string]any{}
	for _, t := range e.orderTypes {
		out = append(out, map[string]any{"id": t.ID, "name": t.Name})
	}
	writeJSON(w, http.StatusOK, out)
}

// --------------------------------------------------------------- contacts

func personJSON(c *Contact) map[string]any {
	phones := []map[string]any{}
	for _, p := range c.Phones {
		phones = append(phones, map[string]any{"title": "Mobile", "phone": p, "notify": false})
	}
	return map[string]any{"id": c.ID, "first_name": c.FirstName, "last_name": c.LastName,
		"email": c.Email, "phones": phones, "address": c.Address}
}

func (e *Emulator) listPeople(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	phones, names := fakekit.List(q, "phones"), fakekit.List(q, "names")
	var emails []string
	if e.opts.HonourUndocumentedFilters {
		emails = fakekit.List(q, "emails") // not a documented filter: ignored by default
	}
	mFrom, mTo, ok := timeRange(w, q, "modified_at")
	if !ok {
		return
	}
	cFrom, cTo, ok := timeRange(w, q, "created_at")
	if !ok {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []any
	for _, id := range sortedIDs(e.contacts) {
		c := e.contacts[id]
		if !inRange(e.modified[modKey{"contact", id}], mFrom, mTo) || !inRange(e.createdAt[modKey{"contact", id}], cFrom, cTo) {
			continue
		}
		if len(phones) > 0 && !slices.ContainsFunc(phones, func(p string) bool {
			return slices.ContainsFunc(c.Phones, func(cp string) bool { return samePhoneDigits(p, cp) })
		}) {
			continue
		}
		if len(emails) > 0 && !slices.ContainsFunc(emails, func(m string) bool {
			return c.Email != "" && strings.EqualFold(strings.TrimSpace(m), strings.TrimSpace(c.Email))
		}) {
			continue
		}
		if len(names) > 0 && !slices.ContainsFunc(names, func(n string) bool {
			return strings.Contains(strings.ToLower(c.FirstName+" "+c.LastName), strings.ToLower(n))
		}) {
			continue
		}
		out = append(out, personJSON(c))
	}
	e.writePage(w, r, out)
}

// wirePerson is the body of POST and PATCH /contacts/people; phones must be
// objects, as RO App requires.
type wirePerson struct {
	FirstName *string         `json:"first_name"`
	LastName  *string         `json:"last_name"`
	Email     *string         `json:"email"`
	RawPhones json.RawMessage `json:"phones"`
	Phones    *[]struct {
		Title string `json:"title"`
		Phone string `json:"phone"`
	} `json:"-"`
	Address *string `json:"address"`
}

// decodePerson reads a person body; phones must be an array of objects
// {title, phone, …} (RO App: "phones is a list of objects, not a list of
// strings"), else 422.
func decodePerson(w http.ResponseWriter, r *http.Request) (wirePerson, bool) {
	var p wirePerson
	if !decodeBody(w, r, &p) {
		return p, false
	}
	if raw := bytes.TrimSpace(p.RawPhones); len(raw) > 0 && string(raw) != "null" {
		var ps []struct {
			Title string `json:"title"`
			Phone string `json:"phone"`
		}
		if err := json.Unmarshal(raw, &ps); err != nil {
			writeValidation(w, "phones", "must be a list of objects {title, phone}")
			return p, false
		}
		for _, ph := range ps {
			if strings.TrimSpace(ph.Phone) == "" {
				writeValidation(w, "phones.phone", "is required")
				return p, false
			}
		}
		p.Phones = &ps
	}
	return p, true
}

func (p wirePerson) apply(c *Contact) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	set(&c.FirstName, p.FirstName)
	set(&c.LastName, p.LastName)
	set(&c.Email, p.Email)
	set(&c.Address, p.Address)
	if p.Phones != nil {
		c.Phones = []string{}
		for _, ph := range *p.Phones {
			if s := strings.TrimSpace(ph.Phone); s != "" {
				c.Phones = append(c.Phones, s)
			}
		}
	}
}

func (e *Emulator) createPerson(w http.ResponseWriter, r *http.Request) {
	p, ok := decodePerson(w, r)
	if !ok {
		return
	}
	if p.FirstName == nil || strings.TrimSpace(*p.FirstName) == "" {
		writeValidation(w, "first_name", "is required")
		return
	}
	e.mu.Lock()
	c := &Contact{ID: e.newID("contact"), Phones: []string{}}
	e.modified[modKey{"contact", c.ID}] = e.clock()
	e.createdAt[modKey{"contact", c.ID}] = e.clock()
	p.apply(c)
	e.contacts[c.ID] = c
	e.mu.Unlock()
	e.created(w, r, c.ID)
}

func (e *Emulator) getPerson(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.contacts[id]
	if c == nil {
		writeError(w, http.StatusNotFound, "Client not found")
		return
	}
	writeJSON(w, http.StatusOK, personJSON(c))
}

func (e *Emulator) patchPerson(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	p, ok := decodePerson(w, r)
	if !ok {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.contacts[id]
	if c == nil {
		writeError(w, http.StatusNotFound, "Client not found")
		return
	}
	if p.FirstName != nil && strings.TrimSpace(*p.FirstName) == "" {
		writeValidation(w, "first_name", "is required")
		return
	}
	p.apply(c)
	e.modified[modKey{"contact", c.ID}] = e.clock()
	writeJSON(w, http.StatusOK, personJSON(c))
}

// --------------------------------------------------------------- catalogue

// productJSON renders a product; its unit is the entity {id, title}
// (id 0 for a seeded title that names no unit). e.mu is held.
func (e *Emulator) productJSON(p *Product) map[string]any {
	uom := map[string]any{"id": 0, "title": p.UOM}
	for _, u := range e.uoms {
		if u.Title == p.UOM {
			uom["id"] = u.ID
			break
		}
	}
	return map[string]any{"id": p.ID, "title": p.Title, "description": p.Description, "code": p.Code,
		"sku": p.SKU, "category_id": p.CategoryID, "uom": uom}
}

func (e *Emulator) listUOMs(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []any
	for _, u := range e.uoms {
		out = append(out, u)
	}
	e.writePage(w, r, out)
}

func (e *Emulator) listProducts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var titles, skus, codes []string
	if e.opts.HonourUndocumentedFilters { // not documented: ignored by default
		titles, skus, codes = fakekit.List(q, "titles"), fakekit.List(q, "skus"), fakekit.List(q, "codes")
	}
	mFrom, mTo, ok := timeRange(w, q, "modified_at")
	if !ok {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []any
	for _, id := range sortedIDs(e.products) {
		p := e.products[id]
		if !inRange(e.modified[modKey{"product", id}], mFrom, mTo) {
			continue
		}
		if (len(titles) > 0 && !slices.Contains(titles, p.Title)) ||
			(len(skus) > 0 && !slices.Contains(skus, p.SKU)) ||
			(len(codes) > 0 && !slices.Contains(codes, p.Code)) {
			continue
		}
		out = append(out, e.productJSON(p))
	}
	e.writePage(w, r, out)
}

func (e *Emulator) createProduct(w http.ResponseWriter, r *http.Request) {
	var p struct {
		Title       string          `json:"title"`
		Description string          `json:"description"`
		SKU         string          `json:"sku"`
		Code        string          `json:"code"`
		CategoryID  *int64          `json:"category_id"`
		UOMID       json.Number     `json:"uom_id"`
		UOM         json.RawMessage `json:"uom"`
	}
	if !decodeBody(w, r, &p) {
		return
	}
	if strings.TrimSpace(p.Title) == "" {
		writeValidation(w, "title", "is required")
		return
	}
	if len(p.UOM) > 0 {
		writeValidation(w, "uom", "is not a field: the unit of measure is an entity, send uom_id")
		return
	}
	uomID, err := strconv.ParseInt(p.UOMID.String(), 10, 64)
	if err != nil {
		writeValidation(w, "uom_id", "is required: the id of a unit of measure")
		return
	}
	e.mu.Lock()
	uomIdx := slices.IndexFunc(e.uoms, func(u UOM) bool { return u.ID == uomID })
	if uomIdx < 0 {
		e.mu.Unlock()
		writeValidation(w, "uom_id", "unknown unit of measure")
		return
	}
	if p.CategoryID != nil && *p.CategoryID != 0 && e.categories[*p.CategoryID] == nil {
		e.mu.Unlock()
		writeValidation(w, "category_id", "unknown category")
		return
	}
	np := &Product{ID: e.newID("product"), Title: p.Title, Description: p.Description, SKU: p.SKU,
		Code: p.Code, CategoryID: cloneID(p.CategoryID), UOM: e.uoms[uomIdx].Title}
	e.modified[modKey{"product", np.ID}] = e.clock()
	e.products[np.ID] = np
	e.mu.Unlock()
	e.created(w, r, np.ID)
}

func (e *Emulator) listCategories(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []any
	for _, id := range sortedIDs(e.categories) {
		c := e.categories[id]
		out = append(out, map[string]any{"id": c.ID, "title": c.Title, "parent_id": c.ParentID})
	}
	e.writePage(w, r, out)
}

func (e *Emulator) createCategory(w http.ResponseWriter, r *http.Request) {
	var c struct {
		Title    string `json:"title"`
		ParentID *int64 `json:"parent_id"`
	}
	if !decodeBody(w, r, &c) {
		return
	}
	if strings.TrimSpace(c.Title) == "" {
		writeValidation(w, "title", "is required")
		return
	}
	e.mu.Lock()
	if c.ParentID != nil && *c.ParentID != 0 && e.categories[*c.ParentID] == nil {
		e.mu.Unlock()
		writeValidation(w, "parent_id", "unknown category")
		return
	}
	nc := &Category{ID: e.newID("category"), Title: c.Title, ParentID: cloneID(c.ParentID)}
	e.categories[nc.ID] = nc
	e.mu.Unlock()
	e.created(w, r, nc.ID)
}

// --------------------------------------------------------------- orders

func (e *Emulator) statusName(id int64) string {
	for _, s := range e.statuses {
		if s.ID == id {
			return s.Name
		}
	}
	return ""
}

func (e *Emulator) orderJSON(o *order) map[string]any {
	custom := map[string]string{}
	for k, v := range o.custom {
		custom[k] = v
	}
	return map[string]any{
		"id": o.id, "number": strconv.FormatInt(o.id, 10),
		"status":        map[string]any{"id": o.statusID, "name": e.statusName(o.statusID)},
		"client":        map[string]any{"id": o.clientID},
		"order_type":    map[string]any{"id": o.typeID},
		"branch_id":     o.branchID,
		"manager_notes": o.notes,
		"custom_fields": custom,
		"created_at":    o.created.Format(time.RFC3339),
		"modified_at":   o.modified.Format(time.RFC3339),
	}
}

func (e *Emulator) listOrders(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	cFrom, cTo, ok := timeRange(w, q, "created_at")
	if !ok {
		return
	}
	mFrom, mTo, ok := timeRange(w, q, "modified_at")
	if !ok {
		return
	}
	clients, ids, statuses := fakekit.List(q, "clients_ids"), fakekit.List(q, "ids"), fakekit.List(q, "statuses")
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []any
	for _, id := range sortedIDs(e.orders) {
		o := e.orders[id]
		if !inRange(o.created, cFrom, cTo) || !inRange(o.modified, mFrom, mTo) ||
			(len(clients) > 0 && !slices.Contains(clients, strconv.FormatInt(o.clientID, 10))) ||
			(len(ids) > 0 && !slices.Contains(ids, strconv.FormatInt(o.id, 10))) ||
			(len(statuses) > 0 && !slices.Contains(statuses, strconv.FormatInt(o.statusID, 10))) {
			continue
		}
		out = append(out, e.orderJSON(o))
	}
	e.writePage(w, r, out)
}

func (e *Emulator) createOrder(w http.ResponseWriter, r *http.Request) {
	var b struct {
		BranchID     int64                      `json:"branch_id"`
		OrderTypeID  int64                      `json:"order_type_id"`
		ClientID     int64                      `json:"client_id"`
		ManagerNotes string                     `json:"manager_notes"`
		CustomFields map[string]json.RawMessage `json:"custom_fields"`
	}
	if !decodeBody(w, r, &b) {
		return
	}
	id := func() int64 {
		e.mu.Lock()
		defer e.mu.Unlock()
		if b.BranchID <= 0 {
			writeValidation(w, "branch_id", "is required")
			return 0
		}
		if !slices.ContainsFunc(e.locations, func(l Location) bool { return l.ID == b.BranchID }) {
			writeValidation(w, "branch_id", "unknown location")
			return 0
		}
		var typ *OrderType
		for i := range e.orderTypes {
			if e.orderTypes[i].ID == b.OrderTypeID {
				typ = &e.orderTypes[i]
			}
		}
		if typ == nil {
			writeValidation(w, "order_type_id", "unknown order type")
			return 0
		}
		if e.contacts[b.ClientID] == nil {
			writeValidation(w, "client_id", "unknown client")
			return 0
		}
		status := typ.InitialStatusID // SHO-3: the order type sets the first status
		if status == 0 && len(e.statuses) > 0 {
			status = e.statuses[0].ID
		}
		now := e.clock()
		o := &order{id: e.newID("order"), branchID: b.BranchID, typeID: b.OrderTypeID, clientID: b.ClientID,
			statusID: status, notes: b.ManagerNotes, custom: map[string]string{}, created: now, modified: now}
		for k, v := range b.CustomFields {
			var s string
			if json.Unmarshal(v, &s) != nil {
				s = string(v)
			}
			o.custom[k] = s
		}
		e.orders[o.id] = o
		return o.id
	}()
	if id != 0 {
		e.created(w, r, id)
	}
}

// lookupOrder finds the path's order; e.mu is held. It answers 404 itself.
func (e *Emulator) lookupOrder(w http.ResponseWriter, r *http.Request) *order {
	id, ok := pathID(w, r, "id")
	if !ok {
		return nil
	}
	o := e.orders[id]
	if o == nil {
		writeError(w, http.StatusNotFound, "Order not found")
	}
	return o
}

func (e *Emulator) getOrder(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if o := e.lookupOrder(w, r); o != nil {
		writeJSON(w, http.StatusOK, map[string]any{"data": e.orderJSON(o)})
	}
}

func (e *Emulator) digits() int32 {
	if d, ok := rosync.CurrencyDigits(e.currency); ok {
		return d
	}
	return 2
}

func (e *Emulator) listItems(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	o := e.lookupOrder(w, r)
	if o == nil {
		return
	}
	out := []map[string]any{}
	for _, it := range o.items {
		title := ""
		if p := e.products[it.productID]; p != nil {
			title = p.Title
		}
		m := map[string]any{"id": it.id, "entity_id": it.productID,
			"entity":      map[string]any{"id": it.productID, "title": title},
			"assignee_id": it.assigneeID,
			"quantity":    it.quantity, "price": json.Number(it.price.StringFixed(e.digits())),
			"cost": json.Number(it.cost.StringFixed(e.digits())),
			"discount": map[string]any{"type": "value", "percentage": 0, "sponsor": "company",
				"amount": json.Number(it.discount.StringFixed(e.digits()))},
			"warranty": map[string]any{"period": "0", "periodUnits": "days"}}
		if f := e.opts.DeductionField; f != "" {
			m[f] = it.deducted
		}
		out = append(out, m)
	}
	writeJSON(w, http.StatusOK, out)
}

// itemBody is the body of POST and PATCH /orders/{id}/items, each field
// kept raw so that a missing one can be named.
type itemBody map[string]json.RawMessage

// present reports whether the body has the field, not null.
func (b itemBody) present(field string) bool {
	raw := bytes.TrimSpace(b[field])
	return len(raw) > 0 && string(raw) != "null"
}

// object reads a nested object field; ok is false after a 422.
func (b itemBody) object(w http.ResponseWriter, field string) (itemBody, bool) {
	var o itemBody
	d := json.NewDecoder(bytes.NewReader(b[field]))
	d.UseNumber()
	if err := d.Decode(&o); err != nil || o == nil {
		writeValidation(w, field, "must be an object")
		return nil, false
	}
	return o, true
}

// requiredItemFields are the required fields of POST /orders/{id}/items
// (RO App's create-order-item reference).
var requiredItemFields = []string{"entity_id", "assignee_id", "quantity", "price", "cost", "discount", "warranty"}

// amount parses a JSON number (not a string) that must be a non-negative
// amount in the currency's precision; it answers 422 itself.
func (e *Emulator) amount(w http.ResponseWriter, field string, b json.RawMessage) (decimal.Decimal, bool) {
	raw := bytes.TrimSpace(b)
	if len(raw) == 0 || !(raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9')) {
		writeValidation(w, field, "must be a number")
		return decimal.Zero, false
	}
	p, err := decimal.NewFromString(string(raw))
	if err != nil || p.IsNegative() || !p.Equal(p.Truncate(e.digits())) {
		writeValidation(w, field, "must be a non-negative amount in the currency's precision")
		return decimal.Zero, false
	}
	return p, true
}

// itemFields are the values of an item write; a nil pointer is a field the
// body left out (PATCH).
type itemFields struct {
	assignee, quantity  *int64
	price, cost         *decimal.Decimal
	discount            *decimal.Decimal
	entityID            int64
	entityGiven         bool
	quantityForDiscount int64
}

// check validates the fields present in b (all required when create is
// true); it answers 422 itself, naming the field. e.mu is held.
func (e *Emulator) check(w http.ResponseWriter, b itemBody, create bool, cur *item) (f itemFields, ok bool) {
	if create {
		for _, name := range requiredItemFields {
			if !b.present(name) {
				writeValidation(w, name, "is required")
				return f, false
			}
		}
	}
	if b.present("entity_id") {
		id, err := strconv.ParseInt(string(bytes.TrimSpace(b["entity_id"])), 10, 64)
		if err != nil || e.products[id] == nil {
			writeValidation(w, "entity_id", "unknown product")
			return f, false
		}
		f.entityID, f.entityGiven = id, true
	}
	if b.present("assignee_id") {
		id, err := strconv.ParseInt(string(bytes.TrimSpace(b["assignee_id"])), 10, 64)
		if err != nil || !e.employee(id) {
			writeValidation(w, "assignee_id", "unknown employee")
			return f, false
		}
		f.assignee = &id
	}
	f.quantityForDiscount = 1
	if cur != nil {
		f.quantityForDiscount = cur.quantity
	}
	if b.present("quantity") {
		q, err := strconv.ParseInt(string(bytes.TrimSpace(b["quantity"])), 10, 64)
		if err != nil || q <= 0 {
			writeValidation(w, "quantity", "must be a positive integer")
			return f, false
		}
		f.quantity, f.quantityForDiscount = &q, q
	}
	for _, m := range []struct {
		name string
		dst  **decimal.Decimal
	}{{"price", &f.price}, {"cost", &f.cost}} {
		if b.present(m.name) {
			v, ok := e.amount(w, m.name, b[m.name])
			if !ok {
				return f, false
			}
			*m.dst = &v
		}
	}
	if b.present("discount") {
		d, ok := b.object(w, "discount")
		if !ok {
			return f, false
		}
		for _, name := range []string{"type", "percentage", "amount", "sponsor"} {
			if !d.present(name) {
				writeValidation(w, "discount."+name, "is required")
				return f, false
			}
		}
		var typ, sponsor string
		if json.Unmarshal(d["sponsor"], &sponsor) != nil || (sponsor != "staff" && sponsor != "company") {
			writeValidation(w, "discount.sponsor", `must be "staff" or "company"`)
			return f, false
		}
		_ = json.Unmarshal(d["type"], &typ)
		price := decimal.Zero
		switch {
		case f.price != nil:
			price = *f.price
		case cur != nil:
			price = cur.price
		}
		switch typ {
		case "value":
			if _, ok := e.amount(w, "discount.percentage", d["percentage"]); !ok {
				return f, false
			}
			v, ok := e.amount(w, "discount.amount", d["amount"])
			if !ok {
				return f, false
			}
			if v.GreaterThan(price.Mul(decimal.NewFromInt(f.quantityForDiscount))) {
				writeValidation(w, "discount.amount", "must not exceed the item's amount")
				return f, false
			}
			f.discount = &v
		case "percentage":
			if _, ok := e.amount(w, "discount.amount", d["amount"]); !ok {
				return f, false
			}
			if pct, ok := e.amount(w, "discount.percentage", d["percentage"]); !ok {
				return f, false
			} else if !pct.IsZero() {
				writeValidation(w, "discount.percentage", "the emulator takes value discounts only")
				return f, false
			}
			z := decimal.Zero
			f.discount = &z
		default:
			writeValidation(w, "discount.type", `must be "percentage" or "value"`)
			return f, false
		}
	}
	if b.present("warranty") {
		wr, ok := b.object(w, "warranty")
		if !ok {
			return f, false
		}
		for _, name := range []string{"period", "periodUnits"} {
			if !wr.present(name) {
				writeValidation(w, "warranty."+name, "is required")
				return f, false
			}
		}
		var units string
		if json.Unmarshal(wr["periodUnits"], &units) != nil || units == "" {
			writeValidation(w, "warranty.periodUnits", "must be a unit such as \"days\"")
			return f, false
		}
	}
	return f, true
}

func (e *Emulator) addItem(w http.ResponseWriter, r *http.Request) {
	var b itemBody
	if !decodeBody(w, r, &b) {
		return
	}
	id := func() int64 {
		e.mu.Lock()
		defer e.mu.Unlock()
		o := e.lookupOrder(w, r)
		if o == nil {
			return 0
		}
		if !e.rights[RightAddWithoutDeduction] {
			writeError(w, http.StatusForbidden, "Access denied: the employee has no right to add products without deduction")
			return 0
		}
		f, ok := e.check(w, b, true, nil)
		if !ok {
			return 0
		}
		it := &item{id: e.newID("item"), productID: f.entityID, quantity: *f.quantity, price: *f.price,
			cost: *f.cost, discount: *f.discount, assigneeID: *f.assignee}
		o.items = append(o.items, it)
		o.modified = e.clock()
		return it.id
	}()
	if id != 0 {
		e.created(w, r, id)
	}
}

// lookupItem finds the path's item of o; it answers 404 itself.
func lookupItem(w http.ResponseWriter, r *http.Request, o *order) (int, bool) {
	id, ok := pathID(w, r, "item_id")
	if !ok {
		return 0, false
	}
	i := slices.IndexFunc(o.items, func(it *item) bool { return it.id == id })
	if i < 0 {
		writeError(w, http.StatusNotFound, "Item not found")
		return 0, false
	}
	return i, true
}

func (e *Emulator) patchItem(w http.ResponseWriter, r *http.Request) {
	var b itemBody
	if !decodeBody(w, r, &b) {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	o := e.lookupOrder(w, r)
	if o == nil {
		return
	}
	i, ok := lookupItem(w, r, o)
	if !ok {
		return
	}
	it := o.items[i]
	if it.deducted {
		writeValidation(w, "item", "a deducted item cannot be changed")
		return
	}
	if b.present("entity_id") {
		writeValidation(w, "entity_id", "cannot be changed")
		return
	}
	f, ok := e.check(w, b, false, it)
	if !ok {
		return
	}
	if f.quantity != nil {
		it.quantity = *f.quantity
	}
	if f.price != nil {
		it.price = *f.price
	}
	if f.cost != nil {
		it.cost = *f.cost
	}
	if f.discount != nil {
		it.discount = *f.discount
	}
	if f.assignee != nil {
		it.assigneeID = *f.assignee
	}
	if it.discount.GreaterThan(it.price.Mul(decimal.NewFromInt(it.quantity))) {
		writeValidation(w, "discount.amount", "must not exceed the item's amount")
		return
	}
	o.modified = e.clock()
	writeJSON(w, http.StatusOK, map[string]int64{"id": it.id})
}

func (e *Emulator) deleteItem(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	o := e.lookupOrder(w, r)
	if o == nil {
		return
	}
	i, ok := lookupItem(w, r, o)
	if !ok {
		return
	}
	if o.items[i].deducted {
		writeValidation(w, "item", "a deducted item cannot be removed")
		return
	}
	o.items = slices.Delete(o.items, i, i+1)
	o.modified = e.clock()
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) listComments(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	o := e.lookupOrder(w, r)
	if o == nil {
		return
	}
	out := []map[string]any{}
	for _, c := range o.comments {
		out = append(out, map[string]any{"id": c.id, "comment": c.text, "is_private": c.private,
			"created_at": c.created.Format(time.RFC3339)})
	}
	writeJSON(w, http.StatusOK, out)
}

func (e *Emulator) addComment(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Comment   string `json:"comment"`
		IsPrivate bool   `json:"is_private"`
	}
	if !decodeBody(w, r, &b) {
		return
	}
	if strings.TrimSpace(b.Comment) == "" {
		writeValidation(w, "comment", "is required")
		return
	}
	id := func() int64 {
		e.mu.Lock()
		defer e.mu.Unlock()
		o := e.lookupOrder(w, r)
		if o == nil {
			return 0
		}
		c := comment{id: e.newID("comment"), text: b.Comment, private: b.IsPrivate, created: e.clock()}
		o.comments = append(o.comments, c)
		return c.id
	}()
	if id != 0 {
		e.created(w, r, id)
	}
}

func (e *Emulator) setStatus(w http.ResponseWriter, r *http.Request) {
	var b struct {
		StatusID int64  `json:"status_id"`
		Comment  string `json:"comment"`
	}
	if !decodeBody(w, r, &b) {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	o := e.lookupOrder(w, r)
	if o == nil {
		return
	}
	i := slices.IndexFunc(e.statuses, func(s Status) bool { return s.ID == b.StatusID })
	if i < 0 {
		writeValidation(w, "status_id", "unknown status")
		return
	}
	if o.statusID != b.StatusID {
		e.moveStatus(o, e.statuses[i])
		o.modified = e.clock()
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true})
}
