package shopifytest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// This file answers a parsed query: the root fields, the projection of
// stored nodes onto the selection, connections with cursors, the orders
// search syntax, and query costs.

// MaxPageSize is the largest first/last of a connection.
const MaxPageSize = 250

// executor answers one request; it runs with s.mu held.
type executor struct {
	s    *Server
	cost int // actual cost so far
}

func (e *executor) root(f *field) (any, error) {
	switch f.name {
	case "__typename":
		return "QueryRoot", nil
	case "shop":
		shop := map[string]any{
			"name":            "rosync test shop",
			"myshopifyDomain": "rosync-test.myshopify.com",
			"currencyCode":    e.s.opts.Currency,
			"ianaTimezone":    e.s.opts.Timezone,
			"plan": map[string]any{
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
	}
	return nil, fmt.Errorf("field '%s' doesn't exist on type 'QueryRoot'", f.name)
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
	key := "ID"
	if k, ok, err := f.stringArg("sortKey"); err != nil {
		return nil, err
	} else if ok {
		key = k
	}
	switch key {
	case "ID", "CREATED_AT", "UPDATED_AT", "PROCESSED_AT":
	default:
		return nil, fmt.Errorf("sortKey %s is not served by this fake", key)
	}
	reverse, err := f.boolArg("reverse")
	if err != nil {
		return nil, err
	}
	q, _, err := f.stringArg("query")
	if err != nil {
		return nil, err
	}
	filter, err := parseSearch(q)
	if err != nil {
		return nil, err
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
		if nodes, ok := x["nodes"].([]any); ok && isConnectionField(f) {
			return e.nestedConnection(nodes, f, typ)
		}
		e.cost++
		out := make(map[string]any, len(f.sel))
		for _, c := range f.sel {
			if c.name == "__typename" {
				out[c.key()] = typ
				continue
			}
			val := x[c.name]
			if c.name == "product" {
				val = e.product(val)
			}
			p, err := e.project(val, c, typeName(c.name))
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

// nestedConnection pages a connection stored as {"nodes": [...]} with
// index cursors.
func (e *executor) nestedConnection(nodes []any, f *field, typ string) (any, error) {
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
	return e.connection(nodes[start:end], cursors, end < len(nodes), start > 0, f, typeName(f.name))
}

func isConnectionField(f *field) bool {
	_, first := f.args["first"]
	_, last := f.args["last"]
	return first || last || f.child("nodes") != nil || f.child("edges") != nil || f.child("pageInfo") != nil
}

// typeName guesses a GraphQL type name from a field name, for __typename.
func typeName(fieldName string) string {
	switch fieldName {
	case "lineItems":
		return "LineItem"
	case "shippingAddress", "billingAddress", "defaultAddress":
		return "MailingAddress"
	case "originalUnitPriceSet", "totalPriceSet", "originalPriceSet":
		return "MoneyBag"
	case "shopMoney", "presentmentMoney":
		return "MoneyV2"
	case "category":
		return "TaxonomyCategory"
	case "variant":
		return "ProductVariant"
	}
	if fieldName == "" {
		return ""
	}
	return strings.ToUpper(fieldName[:1]) + fieldName[1:]
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

func encodeCursor(k cursorKey) string {
	data, _ := json.Marshal(k)
	return base64.RawURLEncoding.EncodeToString(data)
}

func decodeCursor(s string) (cursorKey, error) {
	var k cursorKey
	data, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(data, &k) != nil {
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

// ---------------------------------------------------------- search syntax

// search is a parsed orders query argument: AND of terms.
type search struct {
	terms []term
}

type term struct {
	field string // created_at, updated_at, status
	op    string // ">=", ">", "<=", "<", "="
	at    time.Time
	value string
}

// parseSearch reads Shopify's search syntax as far as the fake serves it:
// created_at/updated_at with :>= :> :<= :< or an exact value (RFC 3339 or
// a date, quoted with ' or " or bare), and status:any|open|closed|cancelled.
func parseSearch(q string) (search, error) {
	var s search
	for _, tok := range splitSearch(q) {
		name, val, ok := strings.Cut(tok, ":")
		if !ok {
			return s, fmt.Errorf("search term %q is not served by this fake (want field:value)", tok)
		}
		t := term{field: strings.ToLower(name), op: "="}
		for _, op := range []string{">=", "<=", ">", "<"} {
			if rest, ok := strings.CutPrefix(val, op); ok {
				t.op, val = op, rest
				break
			}
		}
		val = strings.Trim(val, `'"`)
		switch t.field {
		case "created_at", "updated_at", "processed_at":
			at, err := parseSearchTime(val)
			if err != nil {
				return s, fmt.Errorf("search term %q: %w", tok, err)
			}
			t.at = at
		case "status":
			switch strings.ToLower(val) {
			case "any", "open", "closed", "cancelled":
				t.value = strings.ToLower(val)
			default:
				return s, fmt.Errorf("search term %q: unknown status", tok)
			}
			if t.op != "=" {
				return s, fmt.Errorf("search term %q: status takes no comparison", tok)
			}
		default:
			return s, fmt.Errorf("search field %q is not served by this fake", name)
		}
		s.terms = append(s.terms, t)
	}
	return s, nil
}

// splitSearch splits on white space outside quotes.
func splitSearch(q string) []string {
	var out []string
	var b strings.Builder
	var quote rune
	for _, r := range q {
		switch {
		case quote != 0:
			b.WriteRune(r)
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
			b.WriteRune(r)
		case r == ' ' || r == '\t' || r == '\n':
			if b.Len() > 0 {
				out = append(out, b.String())
				b.Reset()
			}
		default:
			b.WriteRune(r)
		}
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	// "AND" between terms is the default conjunction.
	kept := out[:0]
	for _, t := range out {
		if t != "AND" {
			kept = append(kept, t)
		}
	}
	return kept
}

func parseSearchTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date", s)
}

func (s search) match(so *storedOrder) bool {
	for _, t := range s.terms {
		var v time.Time
		switch t.field {
		case "created_at":
			v = so.created
		case "updated_at":
			v = so.updated
		case "processed_at":
			v = so.processed
		case "status":
			switch t.value {
			case "open":
				if so.closed || so.cancelled {
					return false
				}
			case "closed":
				if !so.closed {
					return false
				}
			case "cancelled":
				if !so.cancelled {
					return false
				}
			}
			continue
		}
		var ok bool
		switch t.op {
		case ">=":
			ok = !v.Before(t.at)
		case ">":
			ok = v.After(t.at)
		case "<=":
			ok = !v.After(t.at)
		case "<":
			ok = v.Before(t.at)
		default:
			ok = v.Equal(t.at)
		}
		if !ok {
			return false
		}
	}
	return true
}
