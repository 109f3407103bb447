package woocommerce

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/rosync/rosync"
)

var _ rosync.OrderCounter = (*Platform)(nil)

// CountOrders returns how many orders Orders(ctx, q) yields, for the
// initial import's progress (rosync.OrderCounter): the X-WP-Total header
// of GET /orders with q's parameters and per_page=1, so that the answer
// carries one order. WooCommerce sends X-WP-Total (the number of records
// the query matches) and X-WP-TotalPages on every list answer (REST API
// docs, "Pagination", woocommerce-rest-api-docs
// source/includes/wp-api-v3/_introduction.md; a public Go client reads
// both, see /work/shared/reference/shopify-and-woocommerce-api.md). An
// initial import also reads the trash (see Orders), so its count adds the
// trash's. An answer without the header is an error: the total is then
// unknown, which never stops the import.
func (p *Platform) CountOrders(ctx context.Context, q rosync.Query) (int, error) {
	params := p.listParams(q)
	params.Set("per_page", "1")
	params.Set("page", "1")
	n, err := p.total(ctx, params)
	if err != nil || q.CreatedSince.IsZero() {
		return n, err
	}
	params.Set("status", "trash")
	trash, err := p.total(ctx, params)
	if err != nil {
		return 0, err
	}
	return n + trash, nil
}

// total reads X-WP-Total of one list answer.
func (p *Platform) total(ctx context.Context, params url.Values) (int, error) {
	_, hdr, err := p.c.get(ctx, "/orders", "/orders", params)
	if err != nil {
		return 0, err
	}
	v := strings.TrimSpace(hdr.Get("X-WP-Total"))
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("woocommerce: GET /orders answered without a readable X-WP-Total header (%q)", v)
	}
	return n, nil
}
