package roapptest

import "net/http"

// Route is one endpoint the emulator serves, with the choice it makes where
// no public source says what RO App does. Routes mirrors the wire table of
// package roapp (roapp.Endpoints): a test fails when the two drift apart.
type Route struct {
	Method string
	Path   string // from the API root, without the /v2 prefix
	// Unverified marks a route whose existence or behaviour no public
	// source confirms; Choice then says what the emulator does instead.
	Unverified bool
	Choice     string
}

// Routes returns every route the emulator serves.
func Routes() []Route {
	return []Route{
		{"GET", "/company", true, `{"name","currency"}: the currency field is a guess`},
		{"GET", "/company/employees", false, `{"data":[{id,first_name,last_name,email}]}`},
		{"GET", "/orders/statuses", false, `a bare array of {id,name,color,group:{type,name}}; group types 6 and 7 are closed (UNVERIFIED numbering)`},
		{"GET", "/orders/types", true, `a bare array of {id,name} (the shape is a guess)`},
		{"GET", "/company/locations", true, `{"data":[{id,name}]} (the shape is a guess); the seed's Locations, DefaultLocation when it names none`},
		{"GET", "/contacts/people", false, `honours page, names[], phones[], created_at[], modified_at[], managers[], sort; ignores emails[] unless HonourUndocumentedFilters`},
		{"POST", "/contacts/people", false, `422 without first_name or with phones that are not objects`},
		{"GET", "/contacts/people/{id}", false, ``},
		{"PATCH", "/contacts/people/{id}", false, ``},
		{"GET", "/catalog/products", true, `ignores titles[], skus[], codes[] unless HonourUndocumentedFilters; uom{id,title}`},
		{"POST", "/catalog/products", true, `creates a product; 422 without title or without a known uom_id (a unit given as a string is refused)`},
		{"GET", "/catalogs/uoms", true, `{"data":[{id,title}]}`},
		{"GET", "/catalog/products/categories", false, `paged {id,title,parent_id}`},
		{"POST", "/catalog/products/categories", true, `creates a category; 422 without title or with an unknown parent_id`},
		{"GET", "/orders", false, ``},
		{"POST", "/orders", false, `422 without a known branch_id, a known order_type_id or a known client_id`},
		{"GET", "/orders/{id}", false, ``},
		{"GET", "/orders/{id}/items", false, `a bare array; a deduction field only with Options.DeductionField`},
		{"POST", "/orders/{id}/items", false, `422 naming each missing required field; 403 without the right (ORD-2)`},
		{"PATCH", "/orders/{id}/items/{item_id}", false, `every field optional; 422 on a written-off item`},
		{"DELETE", "/orders/{id}/items/{item_id}", true, `204; 422 on a written-off item`},
		{"GET", "/orders/{id}/comments", true, `a bare array of {id,comment,is_private,created_at}`},
		{"POST", "/orders/{id}/comments", true, `{comment,is_private}; 422 without comment`},
		{"POST", "/orders/{id}/status", false, `{status_id}; 422 on an unknown status`},
	}
}

// handlers maps each route of Routes to its handler.
func (e *Emulator) handlers() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"GET /company":                        e.getCompany,
		"GET /company/employees":              e.getEmployees,
		"GET /orders/statuses":                e.getStatuses,
		"GET /orders/types":                   e.getOrderTypes,
		"GET /company/locations":              e.getLocations,
		"GET /contacts/people":                e.listPeople,
		"POST /contacts/people":               e.createPerson,
		"GET /contacts/people/{id}":           e.getPerson,
		"PATCH /contacts/people/{id}":         e.patchPerson,
		"GET /catalog/products":               e.listProducts,
		"POST /catalog/products":              e.createProduct,
		"GET /catalogs/uoms":                  e.listUOMs,
		"GET /catalog/products/categories":    e.listCategories,
		"POST /catalog/products/categories":   e.createCategory,
		"GET /orders":                         e.listOrders,
		"POST /orders":                        e.createOrder,
		"GET /orders/{id}":                    e.getOrder,
		"GET /orders/{id}/items":              e.listItems,
		"POST /orders/{id}/items":             e.addItem,
		"PATCH /orders/{id}/items/{item_id}":  e.patchItem,
		"DELETE /orders/{id}/items/{item_id}": e.deleteItem,
		"GET /orders/{id}/comments":           e.listComments,
		"POST /orders/{id}/comments":          e.addComment,
		"POST /orders/{id}/status":            e.setStatus,
	}
}
