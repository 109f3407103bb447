package shopifytest

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/rosync/rosync/platforms/platformkit/fakekit"
)

// This file answers a parsed query: the root fields, the projection of
// stored nodes onto the selection, connections with cursors, and query
// costs (the orders search syntax is in search.go, bulk operations in
// bulk.go).

// MaxPageSize is the largest first/last of a connection.
const MaxPageSize = 250

// executor answers one request; it runs with s.mu held.
type executor struct {
	s    *Server
	cost int // actual cost so far
	// base is the scheme and host the request came to, for the URLs of
	// bulk operation results; version is the API version of its path.
	base    string
	version string
	// search are the reports of search query arguments with terms
	// Shopify would not know (extensions.search).
	search []any
}

func (e *executor) root(f *field) (any, error) {
	switch f.name {
	case "__typename":
		return "QueryRoot", nil
	case "shop":
		shop := map[string]any{
			"id":              "gid://shopify/Shop/1",
			"name":            "rosync test shop",
			"email":           "owner@rosync-test.example",
			"myshopifyDomain": "rosync-test.myshopify.com",
			"currencyCode":    e.s.opts.Currency,
			"ianaTimezone":    e.s.opts.Timezone,
			"taxesIncluded":   false,
			"plan": map[string]any{
				"publicDisplayName":  e.s.plan,
				"displayName":        e.s.plan,
				"partnerDevelopment": false,
				"shopifyPlus":        strings.Contains(strings.ToLower(e.s.plan), "plus"),
			},
		}
		return e.project(shop, f, "Shop")
	case "order":
		id, ok, err := f.stringArg("id")
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("field 'order' is missing required argument 'id'")
		}
		legacy, found := strings.CutPrefix(id, "gid://shopify/Order/")
		if !found {
			return nil, fmt.Errorf("invalid id %q", id)
		}
		so, ok := e.s.orders[legacy]
		if !ok {
			return nil, nil
		}
		return e.project(so.node, f, "Order")
	case "orders":
		return e.orders(f)
	case "ordersCount":
		return e.ordersCount(f)
	case "node":
		return e.node(f)
	case "currentBulkOperation":
		return e.currentBulkOperation(f)
	}
	return nil, fmt.Errorf("field '%s' doesn't exist on type 'QueryRoot'", f.name)
}

// node answers node(id:) for the ids the fake holds: bulk operations and
// orders; other ids answer null.
func (e *executor) node(f *field) (any, error) {
	id, ok, err := f.stringArg("id")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("field 'node' is missing required argument 'id'")
	}
	if op, ok := e.s.bulkOps[id]; ok {
		return e.project(e.s.observeBulk(op, e.base), f, "BulkOperation")
	}
	if legacy, ok := strings.CutPrefix(id, "gid://shopify/Order/"); ok {
		if so, ok := e.s.orders[legacy]; ok {
			return e.project(so.node, f, "Order")
		}
	}
	return nil, nil
}

// orderArgs reads the sortKey, reverse and query arguments of an orders
// connection. A search term Shopify would not know is dropped from the
// filter and reported in warnings, as Shopify does.
func orderArgs(f *field) (key string, reverse bool, filter search, warnings []any, err error) {
	key = "ID"
	if k, ok, err := f.stringArg("sortKey"); err != nil {
		return "", false, search{}, nil, err
	} else if ok {
		key = k
	}
	switch key {
	case "ID", "CREATED_AT", "UPDATED_AT", "PROCESSED_AT":
	default:
		return "", false, search{}, nil, fmt.Errorf("sortKey %s is not served by this fake", key)
	}
	if reverse, err = f.boolArg("reverse"); err != nil {
		return "", false, search{}, nil, err
	}
	q, _, err := f.stringArg("query")
	if err != nil {
		return "", false, search{}, nil, err
	}
	if filter, warnings, err = parseSearch(q); err != nil {
		return "", false, search{}, nil, err
	}
	return key, reverse, filter, warnings, nil
}

// orders answers the orders connection.
func (e *executor) orders(f *field) (any, error) {
	first, err := f.intArg("first", -1)
	if err != nil {
		return nil, err
	}
	if first < 0 {
		return nil, fmt.Errorf("you must provide one of first or last (this fake serves first only)")
	}
	if first > MaxPageSize {
		return nil, fmt.Errorf("the first argument of orders must be at most %d", MaxPageSize)
	}
	key, reverse, filter, warnings, err := orderArgs(f)
	if err != nil {
		return nil, err
	}
	if len(warnings) > 0 {
		q, _, _ := f.stringArg("query")
		e.search = append(e.search, map[string]any{"path": []any{f.key()}, "query": q, "warnings": warnings})
	}
	after, hasAfter, err := f.stringArg("after")
	if err != nil {
		return nil, err
	}
	var cur cursorKey
	if hasAfter {
		if cur, err = decodeCursor(after); err != nil {
			return nil, err
		}
	}
	var page []*storedOrder
	before := false
	more := false
	for _, so := range e.s.sortedOrders(key, reverse) {
		if !filter.match(so) {
			continue
		}
		if hasAfter {
			c := compareKey(sortValue(so, key), so.id, cur.Value, cur.ID)
			if reverse {
				c = -c
			}
			if c <= 0 {
				before = true
				continue
			}
		}
		if len(page) == first {
			more = true
			break
		}
		page = append(page, so)
	}
	nodes := make([]any, len(page))
	cursors := make([]string, len(page))
	for i, so := range page {
		nodes[i] = so.node
		cursors[i] = encodeCursor(cursorKey{ID: so.id, Value: sortValue(so, key)})
	}
	return e.connection(nodes, cursors, more, before, f, "Order")
}

// DefaultCountLimit is the limit of ordersCount when the query gives none
// (https://shopify.dev/changelog/uncapped-graphql-counts): a count that
// reaches it is that limit with precision AT_LEAST; limit: null counts
// without one.
const DefaultCountLimit = 10000

// ordersCount answers ordersCount(query:, limit:) with the orders the
// search selects, as the orders connection does.
func (e *executor) ordersCount(f *field) (any, error) {
	_, _, filter, warnings, err := orderArgs(f)
	if err != nil {
		return nil, err
	}
	if len(warnings) > 0 {
		q, _, _ := f.stringArg("query")
		e.search = append(e.search, map[string]any{"path": []any{f.key()}, "query": q, "warnings": warnings})
	}
	limit := DefaultCountLimit
	if v, present := f.args["limit"]; present && v == nil {
		limit = -1 // limit: null, uncapped
	} else if limit, err = f.intArg("limit", DefaultCountLimit); err != nil {
		return nil, err
	}
	n := 0
	for _, so := range e.s.orders {
		if filter.match(so) {
			n++
		}
	}
	precision := "EXACT"
	if limit >= 0 && n > limit {
		n, precision = limit, "AT_LEAST"
	}
	e.cost++
	return e.project(map[string]any{"count": n, "precision": precision}, f, "Count")
}

// connection projects a page of nodes onto a connection selection
// (nodes, edges { cursor node }, pageInfo).
func (e *executor) connection(nodes []any, cursors []string, hasNext, hasPrev bool, f *field, typ string) (any, error) {
	e.cost += 2
	if f.child("pageInfo") != nil {
		e.cost++
	}
	out := map[string]any{}
	for _, c := range f.sel {
		switch c.name {
		case "__typename":
			out[c.key()] = typ + "Connection"
		case "nodes":
			list := make([]any, len(nodes))
			for i, n := range nodes {
				v, err := e.project(n, c, typ)
				if err != nil {
					return nil, err
				}
				list[i] = v
			}
			out[c.key()] = list
		case "edges":
			list := make([]any, len(nodes))
			for i, n := range nodes {
				edge := map[string]any{}
				for _, ec := range c.sel {
					switch ec.name {
					case "cursor":
						edge[ec.key()] = cursors[i]
					case "node":
						v, err := e.project(n, ec, typ)
						if err != nil {
							return nil, err
						}
						edge[ec.key()] = v
					default:
						edge[ec.key()] = nil
					}
				}
				list[i] = edge
			}
			out[c.key()] = list
		case "pageInfo":
			info := map[string]any{"hasNextPage": hasNext, "hasPreviousPage": hasPrev, "startCursor": nil, "endCursor": nil}
			if len(cursors) > 0 {
				info["startCursor"], info["endCursor"] = cursors[0], cursors[len(cursors)-1]
			}
			pi := map[string]any{}
			for _, pc := range c.sel {
				pi[pc.key()] = info[pc.name]
			}
			out[c.key()] = pi
		default:
			out[c.key()] = nil
		}
	}
	return out, nil
}

// project answers field f on value v (a stored JSON value).
func (e *executor) project(v any, f *field, typ string) (any, error) {
	if f.sel == nil {
		switch v.(type) {
		case map[string]any:
			return nil, fmt.Errorf("field '%s' of type '%s' must have a selection of subfields", f.name, typ)
		}
		return v, nil
	}
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []any:
		out := make([]any, len(x))
		for i, el := range x {
			p, err := e.project(el, f, typ)
			if err != nil {
				return nil, err
			}
			out[i] = p
		}
		return out, nil
	case map[string]any:
		if nodes, ok := x["nodes"].([]any); ok && isConnection(typ) {
			return e.nestedConnection(nodes, f, typ)
		}
		e.cost++
		out := make(map[string]any, len(f.sel))
		for _, c := range f.sel {
			if c.on != "" && c.on != typ {
				continue
			}
			if c.name == "__typename" {
				out[c.key()] = typ
				continue
			}
			val := x[c.name]
			if c.name == "product" {
				val = e.product(val)
			}
			p, err := e.project(val, c, adminSchema.fieldType(typ, c.name))
			if err != nil {
				return nil, err
			}
			out[c.key()] = p
		}
		return out, nil
	}
	return nil, fmt.Errorf("field '%s' is a scalar in the stored node and takes no selection", f.name)
}

// product returns the stored product for an embedded one with the same id,
// overlaid on the embedded fields.
func (e *executor) product(v any) any {
	emb, ok := v.(map[string]any)
	if !ok {
		return v
	}
	id, _ := emb["id"].(string)
	if id == "" {
		if lid, err := legacyID(emb["legacyResourceId"]); err == nil {
			id = "gid://shopify/Product/" + strconv.FormatUint(lid, 10)
		}
	}
	stored, ok := e.s.products[id].(map[string]any)
	if !ok {
		return v
	}
	merged := make(map[string]any, len(emb)+len(stored))
	for k, val := range emb {
		merged[k] = val
	}
	for k, val := range stored {
		merged[k] = val
	}
	return merged
}

// nestedConnection pages a connection (of type conn) stored as
// {"nodes": [...]} with index cursors.
func (e *executor) nestedConnection(nodes []any, f *field, conn string) (any, error) {
	first, err := f.intArg("first", -1)
	if err != nil {
		return nil, err
	}
	if first < 0 {
		return nil, fmt.Errorf("you must provide one of first or last on %s (this fake serves first only)", f.name)
	}
	if first > MaxPageSize {
		return nil, fmt.Errorf("the first argument of %s must be at most %d", f.name, MaxPageSize)
	}
	start := 0
	if after, ok, err := f.stringArg("after"); err != nil {
		return nil, err
	} else if ok {
		c, err := decodeCursor(after)
		if err != nil {
			return nil, err
		}
		start = int(c.ID) + 1
	}
	start = min(start, len(nodes))
	end := min(start+first, len(nodes))
	cursors := make([]string, 0, end-start)
	for i := start; i < end; i++ {
		cursors = append(cursors, encodeCursor(cursorKey{ID: uint64(i)}))
	}
	return e.connection(nodes[start:end], cursors, end < len(nodes), start > 0, f, adminSchema.nodeType(conn))
}

// requestedCost is Shopify's static cost of a selection: scalars and enums
// 0, objects 1, connections 2 + first × the cost of one node (pageInfo
// counted as one more object).
func requestedCost(sel []*field) int {
	total := 0
	for _, f := range sel {
		total += fieldCost(f)
	}
	return total
}

func fieldCost(f *field) int {
	if f.sel == nil {
		return 0
	}
	if n, ok := pageSize(f); ok {
		node, fixed := 0, 2
		for _, c := range f.sel {
			switch c.name {
			case "pageInfo":
				fixed++
			case "nodes":
				node += 1 + requestedCost(c.sel)
			case "edges":
				if nc := c.child("node"); nc != nil {
					node += 1 + requestedCost(nc.sel)
				}
			}
		}
		return fixed + n*node
	}
	return 1 + requestedCost(f.sel)
}

func pageSize(f *field) (int, bool) {
	for _, name := range []string{"first", "last"} {
		if n, err := f.intArg(name, -1); err == nil && n >= 0 {
			if _, present := f.args[name]; present {
				return n, true
			}
		}
	}
	return 0, false
}

// ---------------------------------------------------------------- cursors

type cursorKey struct {
	ID    uint64 `json:"last_id"`
	Value int64  `json:"last_value"`
}

func encodeCursor(k cursorKey) string { return fakekit.EncodeCursor(k) }

func decodeCursor(s string) (cursorKey, error) {
	var k cursorKey
	if fakekit.DecodeCursor(s, &k) != nil {
		return k, fmt.Errorf("invalid cursor %q", s)
	}
	return k, nil
}

func sortValue(so *storedOrder, key string) int64 {
	switch key {
	case "CREATED_AT":
		return so.created.UnixNano()
	case "UPDATED_AT":
		return so.updated.UnixNano()
	case "PROCESSED_AT":
		return so.processed.UnixNano()
	}
	return 0
}

// sortedOrders returns the stored orders sorted by key, ties by id.
func (s *Server) sortedOrders(key string, reverse bool) []*storedOrder {
	list := make([]*storedOrder, 0, len(s.orders))
	for _, so := range s.orders {
		list = append(list, so)
	}
	sort.Slice(list, func(i, j int) bool {
		c := compareKey(sortValue(list[i], key), list[i].id, sortValue(list[j], key), list[j].id)
		if reverse {
			return c > 0
		}
		return c < 0
	})
	return list
}

func compareKey(v1 int64, id1 uint64, v2 int64, id2 uint64) int {
	switch {
	case v1 < v2:
		return -1
	case v1 > v2:
		return 1
	case id1 < id2:
		return -1
	case id1 > id2:
		return 1
	}
	return 0
}
