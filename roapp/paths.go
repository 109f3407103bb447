package roapp

import (
	"maps"
	"strconv"
	"strings"
)

// Endpoint names one RO App API call whose path template the client uses.
// Options.Paths overrides the template of an Endpoint; the HTTP method is
// fixed. Templates may hold the placeholders {id} (an order or contact id)
// and {item_id} (an order item id).
type Endpoint string

// The endpoints the client calls. The comment gives the method and the
// default path template relative to Options.BaseURL; UNVERIFIED marks calls
// that no public RO App documentation confirms (see the package doc).
const (
	EndpointCompany        Endpoint = "company"         // GET /company (UNVERIFIED shape)
	EndpointStatuses       Endpoint = "statuses"        // GET /orders/statuses
	EndpointFindContacts   Endpoint = "find_contacts"   // GET /contacts/people (emails[] UNVERIFIED)
	EndpointCreateContact  Endpoint = "create_contact"  // POST /contacts/people
	EndpointUpdateContact  Endpoint = "update_contact"  // PATCH /contacts/people/{id}
	EndpointFindProducts   Endpoint = "find_products"   // GET /catalog/products (filters UNVERIFIED)
	EndpointCreateProduct  Endpoint = "create_product"  // POST /catalog/products (UNVERIFIED)
	EndpointCategories     Endpoint = "categories"      // GET /catalog/products/categories
	EndpointCreateCategory Endpoint = "create_category" // POST /catalog/products/categories (UNVERIFIED)
	EndpointCreateOrder    Endpoint = "create_order"    // POST /orders
	EndpointOrders         Endpoint = "orders"          // GET /orders
	EndpointOrder          Endpoint = "order"           // GET /orders/{id}
	EndpointItems          Endpoint = "items"           // GET /orders/{id}/items (deducted UNVERIFIED)
	EndpointAddItem        Endpoint = "add_item"        // POST /orders/{id}/items
	EndpointUpdateItem     Endpoint = "update_item"     // PATCH /orders/{id}/items/{item_id}
	EndpointDeleteItem     Endpoint = "delete_item"     // DELETE /orders/{id}/items/{item_id} (UNVERIFIED)
	EndpointAddComment     Endpoint = "add_comment"     // POST /orders/{id}/comments (UNVERIFIED)
	EndpointComments       Endpoint = "comments"        // GET /orders/{id}/comments (UNVERIFIED)
	EndpointSetStatus      Endpoint = "set_status"      // POST /orders/{id}/status
)

// endpointInfo is one row of the wire table.
type endpointInfo struct {
	method     string
	path       string
	create     bool // a create call: never retried blindly
	unverified bool
}

// paths is the wire table: every call the client makes, in one place.
var paths = map[Endpoint]endpointInfo{
	EndpointCompany:        {method: "GET", path: "/company", unverified: true},
	EndpointStatuses:       {method: "GET", path: "/orders/statuses"},
	EndpointFindContacts:   {method: "GET", path: "/contacts/people"},
	EndpointCreateContact:  {method: "POST", path: "/contacts/people", create: true},
	EndpointUpdateContact:  {method: "PATCH", path: "/contacts/people/{id}"},
	EndpointFindProducts:   {method: "GET", path: "/catalog/products"},
	EndpointCreateProduct:  {method: "POST", path: "/catalog/products", create: true, unverified: true},
	EndpointCategories:     {method: "GET", path: "/catalog/products/categories"},
	EndpointCreateCategory: {method: "POST", path: "/catalog/products/categories", create: true, unverified: true},
	EndpointCreateOrder:    {method: "POST", path: "/orders", create: true},
	EndpointOrders:         {method: "GET", path: "/orders"},
	EndpointOrder:          {method: "GET", path: "/orders/{id}"},
	EndpointItems:          {method: "GET", path: "/orders/{id}/items"},
	EndpointAddItem:        {method: "POST", path: "/orders/{id}/items", create: true},
	EndpointUpdateItem:     {method: "PATCH", path: "/orders/{id}/items/{item_id}"},
	EndpointDeleteItem:     {method: "DELETE", path: "/orders/{id}/items/{item_id}", unverified: true},
	EndpointAddComment:     {method: "POST", path: "/orders/{id}/comments", create: true, unverified: true},
	EndpointComments:       {method: "GET", path: "/orders/{id}/comments", unverified: true},
	EndpointSetStatus:      {method: "POST", path: "/orders/{id}/status"},
}

// DefaultPaths returns a copy of the default path template of every
// Endpoint.
func DefaultPaths() map[Endpoint]string {
	m := make(map[Endpoint]string, len(paths))
	for ep, info := range paths {
		m[ep] = info.path
	}
	return m
}

// Unverified reports whether no public RO App documentation confirms the
// endpoint's path or the shape the client assumes for it.
func (e Endpoint) Unverified() bool { return paths[e].unverified }

// Method returns the HTTP method of the endpoint ("" for an unknown one).
func (e Endpoint) Method() string { return paths[e].method }

// resolvePaths merges overrides into the default table.
func resolvePaths(overrides map[Endpoint]string) map[Endpoint]string {
	m := DefaultPaths()
	maps.Copy(m, overrides)
	for ep, p := range m {
		if p != "" && !strings.HasPrefix(p, "/") {
			m[ep] = "/" + p
		}
	}
	return m
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
