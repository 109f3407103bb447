package roapp

import (
	"cmp"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Endpoint names one RO App API call whose path template the client uses.
// Options.Paths overrides the template of an Endpoint; the HTTP method is
// fixed. Templates may hold the placeholders {id} (an order or contact id)
// and {item_id} (an order item id).
//
// A template is a URL reference resolved against Options.BaseURL as RFC
// 3986 says, with BaseURL read as a directory:
//
//	"orders/{id}"                           relative: BaseURL + "/orders/{id}"
//	                                        (https://api.roapp.io/v2/orders/{id})
//	"/warehouse/goods/{id}"                 from the host root of BaseURL
//	                                        (https://api.roapp.io/warehouse/goods/{id}),
//	                                        for the calls RO App serves outside /v2
//	"https://api.roapp.io/warehouse/goods"  an absolute URL; it must name BaseURL's
//	                                        scheme and host (the API key goes nowhere else)
//
// The default templates are all relative.
type Endpoint string

// The endpoints the client calls. The comment gives the method and the
// default path template relative to Options.BaseURL; UNVERIFIED marks calls
// that no public RO App documentation confirms (see Endpoints and the
// package doc).
const (
	EndpointCompany        Endpoint = "company"         // GET company (UNVERIFIED shape)
	EndpointEmployees      Endpoint = "employees"       // GET company/employees
	EndpointStatuses       Endpoint = "statuses"        // GET orders/statuses
	EndpointLocations      Endpoint = "locations"       // GET company/locations (UNVERIFIED shape)
	EndpointOrderTypes     Endpoint = "order_types"     // GET orders/types (UNVERIFIED shape)
	EndpointFindContacts   Endpoint = "find_contacts"   // GET contacts/people
	EndpointCreateContact  Endpoint = "create_contact"  // POST contacts/people
	EndpointUpdateContact  Endpoint = "update_contact"  // PATCH contacts/people/{id}
	EndpointFindProducts   Endpoint = "find_products"   // GET catalog/products (filters UNVERIFIED)
	EndpointCreateProduct  Endpoint = "create_product"  // POST catalog/products (UNVERIFIED)
	EndpointUOMs           Endpoint = "uoms"            // GET catalogs/uoms (UNVERIFIED)
	EndpointCategories     Endpoint = "categories"      // GET catalog/products/categories
	EndpointCreateCategory Endpoint = "create_category" // POST catalog/products/categories (UNVERIFIED)
	EndpointCreateOrder    Endpoint = "create_order"    // POST orders
	EndpointOrders         Endpoint = "orders"          // GET orders
	EndpointOrder          Endpoint = "order"           // GET orders/{id}
	EndpointItems          Endpoint = "items"           // GET orders/{id}/items
	EndpointAddItem        Endpoint = "add_item"        // POST orders/{id}/items
	EndpointUpdateItem     Endpoint = "update_item"     // PATCH orders/{id}/items/{item_id}
	EndpointDeleteItem     Endpoint = "delete_item"     // DELETE orders/{id}/items/{item_id} (UNVERIFIED)
	EndpointAddComment     Endpoint = "add_comment"     // POST orders/{id}/comments (UNVERIFIED)
	EndpointComments       Endpoint = "comments"        // GET orders/{id}/comments (UNVERIFIED)
	EndpointSetStatus      Endpoint = "set_status"      // POST orders/{id}/status
)

// EndpointInfo is one row of the wire table: a call the client makes, its
// default path template, whether a public source confirms it, and which.
type EndpointInfo struct {
	Endpoint Endpoint
	// Method is the HTTP method; Path the default template (relative).
	Method string
	Path   string
	// Create marks a create call, never retried blindly.
	Create bool
	// Unverified is true when no public source confirms the call, or the
	// part of it the client relies on (Note says which part).
	Unverified bool
	// Source names the documentation or public client that shows the
	// call; for an UNVERIFIED one, the closest evidence there is.
	Source string
	// Note says what is assumed and what rosync does if the guess is
	// wrong.
	Note string
}

// Sources cited in the wire table.
const (
	srcReadme   = "roapp.readme.io reference; mindcloud-inc/universal-api-reference apis/r/rOApp/native-api/actions/"
	srcCreateIt = "roapp.readme.io create-order-item (mindcloud-inc/universal-api-reference actions/create-order-item.md)"
)

// table is the wire table: every call the client makes, in one place.
var table = []EndpointInfo{
	{EndpointCompany, "GET", "company", false, true, srcReadme + "get-company.md (the path; no public source shows a currency field)",
		"the currency field: Company accepts currency as a code or an object; without one it fails with a decode error, so ORD-4 cannot pass silently"},
	{EndpointEmployees, "GET", "company/employees", false, false, srcReadme + "list-employees.md; answers {\"data\":[...]}", ""},
	{EndpointStatuses, "GET", "orders/statuses", false, false, srcReadme + "list-order-statuses.md; a bare array of {id,name,color,group}",
		"group is read as a number or {type,name}; its numbering (6, 7 closed) is UNVERIFIED, see ROStatus.Group"},
	{EndpointLocations, "GET", "company/locations", false, true, srcReadme + "list-locations.md (roapp.readme.io get-company-locations); GregoryBiter/roapp-sdk-php Setting::getLocations; no public source shows the answer",
		"the shape: read as a list ({\"data\":[...]}, paged or bare) of {id, name or title}; an answer read otherwise, or empty, leaves Settings.BranchID unchecked (logged), never blocks Connect"},
	{EndpointOrderTypes, "GET", "orders/types", false, true, srcReadme + "list-order-types.md (roapp.readme.io get-order-types); GregoryBiter/roapp-sdk-php Setting::getOrderTypes; no public source shows the answer",
		"the shape: read as a list (bare, {\"data\":[...]} or paged) of {id, name or title}; an answer read otherwise, or empty, leaves Settings.OrderTypeID unchecked (logged), never blocks Connect"},
	{EndpointFindContacts, "GET", "contacts/people", false, false, srcReadme + "list-people.md: page, names[], phones[], managers[], created_at[], modified_at[], sort",
		"emails[] is not documented: a first page that shows it ignored ends the search (one call), see FindContacts"},
	{EndpointCreateContact, "POST", "contacts/people", true, false, srcReadme + "create-person.md: first_name required, phones[] objects", ""},
	{EndpointUpdateContact, "PATCH", "contacts/people/{id}", false, false, srcReadme + "update-person.md", ""},
	{EndpointFindProducts, "GET", "catalog/products", false, true, "reads: public clients (reference/roapp-and-cartum-api.md 4.4); no source documents titles[], skus[], codes[]",
		"the filters: every match is confirmed on the client side and the pages read on, so an ignored filter costs pages, never a duplicate product"},
	{EndpointCreateProduct, "POST", "catalog/products", true, true, "none: no public document or client creates products",
		"404/405 is an *EndpointError naming the override; the order fails and is kept (pre-create the products, or set the path)"},
	{EndpointUOMs, "GET", "catalogs/uoms", false, true, "units of measure are entities uom{id,title} in public clients' reads; the path is a guess",
		"404/405 is an *EndpointError; set Options.UOMID instead"},
	{EndpointCategories, "GET", "catalog/products/categories", false, false, "public clients: {id,title,parent_id}, paged or bare", ""},
	{EndpointCreateCategory, "POST", "catalog/products/categories", true, true, "none: no public document or client creates categories",
		"404/405 is an *EndpointError naming the override; the order fails and is kept"},
	{EndpointCreateOrder, "POST", "orders", true, false, srcReadme + "create-order.md: branch_id, order_type_id, client_id required", ""},
	{EndpointOrders, "GET", "orders", false, false, srcReadme + "list-orders.md", ""},
	{EndpointOrder, "GET", "orders/{id}", false, false, srcReadme + "get-order.md", ""},
	{EndpointItems, "GET", "orders/{id}/items", false, false, srcReadme + "list-order-items.md; a bare array",
		"no source shows a field saying an item is written off: Options.DeductionFields (default none)"},
	{EndpointAddItem, "POST", "orders/{id}/items", true, false, srcCreateIt + ": entity_id, assignee_id, quantity, price, cost, discount, warranty required", ""},
	{EndpointUpdateItem, "PATCH", "orders/{id}/items/{item_id}", false, false, srcReadme + "update-order-item.md: every field optional",
		"a 422 is read as a written-off item: rosync.ErrItemLocked (ORD-5)"},
	{EndpointDeleteItem, "DELETE", "orders/{id}/items/{item_id}", false, true, "none: not in the operation list",
		"404/405 is an *EndpointError wrapping the 404 (the item may be gone, or the path wrong); a 422 is rosync.ErrItemLocked"},
	{EndpointAddComment, "POST", "orders/{id}/comments", true, true, "GregoryBiter/roapp-sdk-php src/Models/V2/Order.php and a TypeScript client; not in the operation list",
		"404/405 is an *EndpointError naming the override"},
	{EndpointComments, "GET", "orders/{id}/comments", false, true, "none: no source reads comments back",
		"404/405 is an *EndpointError; the caller cannot check for a comment it added after a doubt"},
	{EndpointSetStatus, "POST", "orders/{id}/status", false, false, srcReadme + "update-order-status.md: {status_id}", ""},
}

// paths indexes table.
var paths = func() map[Endpoint]EndpointInfo {
	m := make(map[Endpoint]EndpointInfo, len(table))
	for _, e := range table {
		m[e.Endpoint] = e
	}
	return m
}()

// Endpoints returns the wire table, sorted by Endpoint: every call the
// client makes, verified or UNVERIFIED, with its source.
func Endpoints() []EndpointInfo {
	out := slices.Clone(table)
	slices.SortFunc(out, func(a, b EndpointInfo) int { return cmp.Compare(a.Endpoint, b.Endpoint) })
	return out
}

// DefaultPaths returns a copy of the default path template of every
// Endpoint.
func DefaultPaths() map[Endpoint]string {
	m := make(map[Endpoint]string, len(paths))
	for ep, info := range paths {
		m[ep] = info.Path
	}
	return m
}

// Unverified reports whether no public RO App documentation confirms the
// endpoint's path or the shape the client assumes for it.
func (e Endpoint) Unverified() bool { return paths[e].Unverified }

// Method returns the HTTP method of the endpoint ("" for an unknown one).
func (e Endpoint) Method() string { return paths[e].Method }

// resolvePaths merges overrides into the default table.
func resolvePaths(overrides map[Endpoint]string) map[Endpoint]string {
	m := DefaultPaths()
	for ep, p := range overrides {
		if p = strings.TrimSpace(p); p != "" {
			m[ep] = p
		}
	}
	return maps.Clone(m)
}

// display is how errors and logs name a template: a relative one as
// "/orders/{id}" (under the API root, as before), one from the host root
// with a leading "//", an absolute URL as its path from the host root.
func display(tmpl string) string {
	switch {
	case strings.Contains(tmpl, "://"):
		if u, err := url.Parse(tmpl); err == nil {
			return "/" + u.Path
		}
		return tmpl
	case strings.HasPrefix(tmpl, "/"):
		return "/" + tmpl
	}
	return "/" + tmpl
}

// resolve turns an expanded template into the request URL under base (the
// API root), refusing an absolute URL on another host.
func resolve(base, path string) (string, error) {
	b, err := url.Parse(strings.TrimRight(base, "/") + "/")
	if err != nil {
		return "", fmt.Errorf("roapp: BaseURL %q: %w", base, err)
	}
	ref, err := url.Parse(path)
	if err != nil {
		return "", fmt.Errorf("roapp: path %q: %w", path, err)
	}
	u := b.ResolveReference(ref)
	if u.Scheme != b.Scheme || u.Host != b.Host {
		return "", fmt.Errorf("roapp: path %q leaves the API host %s: refused, the API key goes nowhere else", path, b.Host)
	}
	return u.String(), nil
}

// expand fills the placeholders of a path template.
func expand(tmpl string, args []int64) string {
	if len(args) > 0 {
		tmpl = strings.ReplaceAll(tmpl, "{id}", strconv.FormatInt(args[0], 10))
	}
	if len(args) > 1 {
		tmpl = strings.ReplaceAll(tmpl, "{item_id}", strconv.FormatInt(args[1], 10))
	}
	return tmpl
}
