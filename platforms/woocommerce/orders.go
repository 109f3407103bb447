package woocommerce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"time"

	"github.com/rosync/rosync"
)

// Order fetches one order with GET /orders/{id} and completes it (refunds,
// product descriptions, categories). A missing order, or an id that is not
// a positive integer, is an error wrapping rosync.ErrNotFound; an order that
// cannot be decoded or breaks a data rule an *rosync.InvalidOrderError.
func (p *Platform) Order(ctx context.Context, id string) (rosync.Order, error) {
	oid, err := parseOrderID(id)
	if err != nil {
		return rosync.Order{}, err
	}
	body, _, err := p.c.get(ctx, "/orders/{id}", "/orders/"+strconv.FormatInt(oid, 10), nil)
	if err != nil {
		return rosync.Order{}, err
	}
	return p.build(ctx, body)
}

// Orders streams the orders that q selects, oldest first, with
// GET /orders?status=any&orderby=date&order=asc&dates_are_gmt=true and
// per_page (100 by default), page by page by X-WP-TotalPages. The bounds go
// out as GMT: CreatedSince as after, UpdatedSince as modified_after, Until
// as modified_before when UpdatedSince is set and as before otherwise.
// WooCommerce compares after/before strictly, so the lower bounds are sent
// one second early to include orders at exactly that second. An initial
// import (CreatedSince set) then reads status=trash the same way, since
// status=any leaves the trash out and WOO-1 rejects trashed orders.
//
// An order that cannot be decoded is yielded as an *rosync.InvalidOrderError
// and the stream goes on; an order deleted between the list and the
// follow-up calls is skipped; any other error (network, HTTP) is yielded
// last. The next page is fetched only when the consumer asks for more.
func (p *Platform) Orders(ctx context.Context, q rosync.Query) iter.Seq2[rosync.Order, error] {
	return func(yield func(rosync.Order, error) bool) {
		params := p.listParams(q)
		if !p.stream(ctx, params, yield) || q.CreatedSince.IsZero() {
			return
		}
		// status=any leaves out the trash. The initial import reads it
		// too, so that trashed orders of the window are recorded as
		// rejected under WOO-1 rather than never seen.
		params.Set("status", "trash")
		p.stream(ctx, params, yield)
	}
}

// stream yields the orders of every page of one list query. It reports
// whether the consumer wants more (false after the consumer stopped or an
// error ended the stream).
func (p *Platform) stream(ctx context.Context, params url.Values, yield func(rosync.Order, error) bool) bool {
	for page := 1; ; page++ {
		if err := ctx.Err(); err != nil {
			yield(rosync.Order{}, err)
			return false
		}
		params.Set("page", strconv.Itoa(page))
		body, hdr, err := p.c.get(ctx, "/orders", "/orders", params)
		if err != nil {
			yield(rosync.Order{}, err)
			return false
		}
		items, err := decodeArray(body)
		if err != nil {
			yield(rosync.Order{}, fmt.Errorf("woocommerce: GET /orders page %d: %w", page, err))
			return false
		}
		p.log.DebugContext(ctx, "orders page", "page", page, "orders", len(items), "status", params.Get("status"))
		for _, raw := range items {
			o, err := p.build(ctx, raw)
			var inv *rosync.InvalidOrderError
			switch {
			case err == nil:
				if !yield(o, nil) {
					return false
				}
			case errors.As(err, &inv):
				if !yield(rosync.Order{}, err) {
					return false
				}
			case errors.Is(err, rosync.ErrNotFound):
				// Deleted after the list was read: nothing to import.
				p.log.DebugContext(ctx, "order vanished while being read", "error", err)
			default:
				yield(rosync.Order{}, err)
				return false
			}
		}
		if !morePages(hdr, page, len(items), p.perPage) {
			return true
		}
	}
}

func (p *Platform) listParams(q rosync.Query) url.Values {
	v := url.Values{
		"per_page":      {strconv.Itoa(p.perPage)},
		"orderby":       {"date"},
		"order":         {"asc"},
		"status":        {"any"},
		"dates_are_gmt": {"true"},
	}
	if !q.CreatedSince.IsZero() {
		v.Set("after", lowerBound(q.CreatedSince))
	}
	if !q.UpdatedSince.IsZero() {
		v.Set("modified_after", lowerBound(q.UpdatedSince))
	}
	if !q.Until.IsZero() {
		if !q.UpdatedSince.IsZero() {
			v.Set("modified_before", upperBound(q.Until))
		} else {
			v.Set("before", upperBound(q.Until))
		}
	}
	return v
}

// lowerBound formats an inclusive lower bound for WooCommerce's exclusive
// after/modified_after, in GMT.
func lowerBound(t time.Time) string {
	return t.UTC().Truncate(time.Second).Add(-time.Second).Format(wcTimeLayout)
}

// upperBound formats an exclusive upper bound in GMT, rounded up to the
// second so that nothing before t is left out.
func upperBound(t time.Time) string {
	t = t.UTC()
	if tr := t.Truncate(time.Second); !tr.Equal(t) {
		t = tr.Add(time.Second)
	}
	return t.Format(wcTimeLayout)
}

// build decodes a native order and completes it with the API calls it
// needs: refunds when the order has any, then each line's product.
func (p *Platform) build(ctx context.Context, raw []byte) (rosync.Order, error) {
	d, err := decodeOrder(raw)
	if err != nil {
		return rosync.Order{}, err
	}
	// Validate before spending API calls on an order that is invalid anyway.
	if err := d.order.Validate(); err != nil {
		return rosync.Order{}, err
	}
	if d.hasRefunds {
		refunds, err := p.refunds(ctx, d.order.ID)
		if err != nil {
			var bad *badDataError
			if errors.As(err, &bad) {
				return rosync.Order{}, &rosync.InvalidOrderError{OrderID: d.order.ID, Number: d.order.Number, Field: "refunds", Err: err}
			}
			return rosync.Order{}, err
		}
		if err := applyRefunds(d, refunds); err != nil {
			return rosync.Order{}, err
		}
	}
	for i := range d.order.Lines {
		if err := p.cat.complete(ctx, &d.order.Lines[i].Product, d.refs[i]); err != nil {
			var bad *badDataError
			if errors.As(err, &bad) {
				return rosync.Order{}, &rosync.InvalidOrderError{OrderID: d.order.ID, Number: d.order.Number,
					Field: fmt.Sprintf("line_items[%d].product", i), Err: err}
			}
			return rosync.Order{}, err
		}
	}
	if err := d.order.Validate(); err != nil {
		return rosync.Order{}, err
	}
	return d.order, nil
}

// refunds reads all of an order's refunds (GET /orders/{id}/refunds).
func (p *Platform) refunds(ctx context.Context, id string) ([]json.RawMessage, error) {
	var all []json.RawMessage
	q := url.Values{"per_page": {strconv.Itoa(MaxPerPage)}}
	path := "/orders/" + id + "/refunds"
	for page := 1; ; page++ {
		q.Set("page", strconv.Itoa(page))
		body, hdr, err := p.c.get(ctx, "/orders/{id}/refunds", path, q)
		if err != nil {
			return nil, err
		}
		items, err := decodeArray(body)
		if err != nil {
			return nil, &badDataError{what: "GET /orders/{id}/refunds", err: err}
		}
		all = append(all, items...)
		if !morePages(hdr, page, len(items), MaxPerPage) {
			return all, nil
		}
	}
}
