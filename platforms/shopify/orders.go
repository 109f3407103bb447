package shopify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/rosync/rosync"
)

// Order fetches one order with order(id: "gid://shopify/Order/{id}"), with
// all its lines. A missing order, or an id that is not a positive integer,
// is an error wrapping rosync.ErrNotFound; an order that cannot be decoded
// or breaks a data rule an *rosync.InvalidOrderError.
func (p *Platform) Order(ctx context.Context, id string) (rosync.Order, error) {
	n, err := strconv.ParseUint(strings.TrimSpace(id), 10, 64)
	if err != nil || n == 0 {
		return rosync.Order{}, fmt.Errorf("shopify: %q is not an order id: %w", id, rosync.ErrNotFound)
	}
	legacy := strconv.FormatUint(n, 10)
	var data struct {
		Order json.RawMessage `json:"order"`
		Shop  shopPlan        `json:"shop"`
	}
	vars := map[string]any{"id": orderGID(legacy), "lines": linesPerFollowUp}
	if err := p.c.query(ctx, "order", orderQuery, vars, orderCost(linesPerFollowUp), &data); err != nil {
		return rosync.Order{}, err
	}
	if len(data.Order) == 0 || string(data.Order) == "null" {
		return rosync.Order{}, fmt.Errorf("shopify: order %s: %w", legacy, rosync.ErrNotFound)
	}
	return p.build(ctx, data.Order, p.limitedPlan(data.Shop.name()))
}

// shopPlan is the shop { plan { publicDisplayName } } that comes with
// order queries (displayName is deprecated).
type shopPlan struct {
	Plan *struct {
		PublicDisplayName string `json:"publicDisplayName"`
	} `json:"plan"`
}

func (s shopPlan) name() string {
	if s.Plan == nil {
		return ""
	}
	return s.Plan.PublicDisplayName
}

// Orders streams the orders that q selects, oldest first: the initial
// import (Query.CreatedSince) by sortKey CREATED_AT with the search query
// "created_at:>='…'", a poll (Query.UpdatedSince) by UPDATED_AT with
// "updated_at:>='…'"; Query.Until adds created_at:<'…' or updated_at:<'…'.
//
// The initial import (CreatedSince set, UpdatedSince zero) runs one bulk
// operation and streams its result one order at a time (see the package
// doc); it reads page by page, as a poll does, when Options.PagedImport is
// set, when Shopify will not start the operation (another bulk query of
// the app is running on the shop) or when the operation fails with
// ACCESS_DENIED. Pages hold OrdersPerPage orders; an order with more than
// LinesPerOrder lines has the rest read by follow-up queries.
//
// An order that cannot be decoded is yielded as an *rosync.InvalidOrderError
// and the stream goes on; an order deleted between the list and a
// follow-up query is skipped; any other error (network, HTTP, GraphQL, a
// *BulkOperationError) is yielded last. The next page, or the next part of
// a bulk result, is read only when the consumer asks for more.
func (p *Platform) Orders(ctx context.Context, q rosync.Query) iter.Seq2[rosync.Order, error] {
	return func(yield func(rosync.Order, error) bool) {
		if !p.pagedImport && !q.CreatedSince.IsZero() && q.UpdatedSince.IsZero() {
			if p.bulkOrders(ctx, q, yield) {
				return
			}
		}
		p.pagedOrders(ctx, q, yield)
	}
}

// pagedOrders lists the orders page by page.
func (p *Platform) pagedOrders(ctx context.Context, q rosync.Query, yield func(rosync.Order, error) bool) {
	vars := map[string]any{
		"first":   p.ordersPerPage,
		"lines":   p.linesPerOrder,
		"query":   searchQuery(q),
		"sortKey": "CREATED_AT",
	}
	if !q.UpdatedSince.IsZero() {
		vars["sortKey"] = "UPDATED_AT"
	}
	cost := listCost(p.ordersPerPage, p.linesPerOrder)
	seen := map[string]bool{}
	for page := 1; ; page++ {
		if err := ctx.Err(); err != nil {
			yield(rosync.Order{}, err)
			return
		}
		var data struct {
			Orders *struct {
				PageInfo struct {
					HasNextPage bool    `json:"hasNextPage"`
					EndCursor   *string `json:"endCursor"`
				} `json:"pageInfo"`
				Nodes []json.RawMessage `json:"nodes"`
			} `json:"orders"`
			Shop shopPlan `json:"shop"`
		}
		if err := p.c.query(ctx, "orders", ordersQuery, vars, cost, &data); err != nil {
			yield(rosync.Order{}, err)
			return
		}
		if data.Orders == nil {
			yield(rosync.Order{}, errors.New("shopify: orders query answered without orders"))
			return
		}
		limited := p.limitedPlan(data.Shop.name())
		p.log.DebugContext(ctx, "orders page", "page", page, "orders", len(data.Orders.Nodes))
		for _, raw := range data.Orders.Nodes {
			o, err := p.build(ctx, raw, limited)
			var inv *rosync.InvalidOrderError
			switch {
			case err == nil:
				if !yield(o, nil) {
					return
				}
			case errors.As(err, &inv):
				if !yield(rosync.Order{}, err) {
					return
				}
			case errors.Is(err, rosync.ErrNotFound):
				p.log.DebugContext(ctx, "order vanished while being read", "error", err)
			default:
				yield(rosync.Order{}, err)
				return
			}
		}
		next := ""
		if data.Orders.PageInfo.EndCursor != nil {
			next = *data.Orders.PageInfo.EndCursor
		}
		if !data.Orders.PageInfo.HasNextPage || next == "" || len(data.Orders.Nodes) == 0 {
			return
		}
		if seen[next] {
			// A server that answers a page already read would
			// stream the same orders forever.
			yield(rosync.Order{}, &rosync.APIError{Service: Name, Method: "POST", Path: apiPath + " orders", Status: 200,
				Message: "the orders pages do not end: a cursor came back"})
			return
		}
		seen[next] = true
		vars["after"] = next
	}
}

// searchQuery renders the orders search query of q.
func searchQuery(q rosync.Query) string {
	var terms []string
	field := "created_at"
	if !q.UpdatedSince.IsZero() {
		field = "updated_at"
		terms = append(terms, "updated_at:>='"+searchTime(q.UpdatedSince.UTC().Truncate(time.Second))+"'")
	}
	if !q.CreatedSince.IsZero() {
		terms = append(terms, "created_at:>='"+searchTime(q.CreatedSince.UTC().Truncate(time.Second))+"'")
	}
	if !q.Until.IsZero() {
		t := q.Until.UTC()
		if tr := t.Truncate(time.Second); !tr.Equal(t) {
			t = tr.Add(time.Second)
		}
		terms = append(terms, field+":<'"+searchTime(t)+"'")
	}
	// No status term: the GraphQL orders search has none that means
	// "any" (status:any is the REST parameter), and an unknown term is
	// dropped by Shopify with a warning, not refused; the query then
	// selects orders of every status.
	return strings.Join(terms, " ")
}

func searchTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func orderGID(legacy string) string { return "gid://shopify/Order/" + legacy }

// maxLinePages bounds the follow-up queries for the lines of one order:
// maxLinePages × linesPerFollowUp lines.
const maxLinePages = 125

// build decodes an order node, reads the rest of its lines when the node
// holds only their first page, and validates it.
func (p *Platform) build(ctx context.Context, raw []byte, limited bool) (rosync.Order, error) {
	d, err := decodeOrder(raw, limited)
	if err != nil {
		return rosync.Order{}, err
	}
	// A server that keeps answering a next page (the same cursor again,
	// or pages without end) must not hold the adapter in a loop that
	// grows the order without bound.
	seen := map[string]bool{}
	for pages := 0; d.moreLines; pages++ {
		if seen[d.cursor] || pages >= maxLinePages {
			return rosync.Order{}, &rosync.InvalidOrderError{OrderID: d.order.ID, Number: d.order.Number,
				Field: "lineItems.pageInfo", Err: fmt.Errorf("the line item pages do not end (cursor repeated or over %d follow-up pages)", maxLinePages)}
		}
		seen[d.cursor] = true
		var data struct {
			Order *struct {
				LineItems nativeLineItems `json:"lineItems"`
			} `json:"order"`
		}
		vars := map[string]any{"id": orderGID(d.order.ID), "after": d.cursor, "lines": linesPerFollowUp}
		if err := p.c.query(ctx, "order lines", orderLinesQuery, vars, linesCost(linesPerFollowUp), &data); err != nil {
			var bad *badDataError
			if errors.As(err, &bad) {
				return rosync.Order{}, &rosync.InvalidOrderError{OrderID: d.order.ID, Number: d.order.Number, Field: "lineItems", Err: err}
			}
			return rosync.Order{}, err
		}
		if data.Order == nil {
			return rosync.Order{}, fmt.Errorf("shopify: order %s: %w", d.order.ID, rosync.ErrNotFound)
		}
		li := data.Order.LineItems
		if err := d.addLines(li.Nodes, li.PageInfo.HasNextPage, str(li.PageInfo.EndCursor)); err != nil {
			return rosync.Order{}, err
		}
		if len(li.Nodes) == 0 {
			break
		}
	}
	d.settle()
	if err := d.order.Validate(); err != nil {
		return rosync.Order{}, err
	}
	return d.order, nil
}
