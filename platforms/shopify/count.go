package shopify

import (
	"context"
	"errors"

	"github.com/rosync/rosync"
)

var _ rosync.OrderCounter = (*Platform)(nil)

// ordersCountQuery counts the orders of a search query. ordersCount is a
// QueryRoot field since API version 2024-07
// (https://shopify.dev/changelog/added-new-field-orderscount-to-the-query-root)
// returning a Count {count, precision}
// (https://shopify.dev/docs/api/admin-graphql/2025-10/objects/count); its
// limit argument defaults to 10000 and limit: null asks for the uncapped
// count (https://shopify.dev/changelog/uncapped-graphql-counts, 2025-07).
const ordersCountQuery = `query RosyncOrdersCount($query: String) { ordersCount(query: $query, limit: null) { count precision } }`

// ordersCountCost is the requested cost of ordersCountQuery: one object.
const ordersCountCost = 1

// CountOrders returns how many orders Orders(ctx, q) yields, for the
// initial import's progress (rosync.OrderCounter), from ordersCount with
// the search query Orders uses. A count whose precision is AT_LEAST (a
// limit was reached) is returned as it is, a lower bound.
func (p *Platform) CountOrders(ctx context.Context, q rosync.Query) (int, error) {
	var data struct {
		OrdersCount *struct {
			Count     int    `json:"count"`
			Precision string `json:"precision"`
		} `json:"ordersCount"`
	}
	if err := p.c.query(ctx, "ordersCount", ordersCountQuery, map[string]any{"query": searchQuery(q)}, ordersCountCost, &data); err != nil {
		return 0, err
	}
	if data.OrdersCount == nil {
		return 0, errors.New("shopify: ordersCount answered null")
	}
	if data.OrdersCount.Precision != "EXACT" {
		p.log.DebugContext(ctx, "orders count is a lower bound", "count", data.OrdersCount.Count, "precision", data.OrdersCount.Precision)
	}
	return data.OrdersCount.Count, nil
}
