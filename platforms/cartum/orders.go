package cartum

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"time"

	"github.com/rosync/rosync"

	"github.com/rosync/rosync/platforms/platformkit"
)

// Order fetches one order with orders/get {"ids":[id]}. A missing order, or
// an id that is not a positive integer, is an error wrapping
// rosync.ErrNotFound; an order that cannot be decoded or breaks a data rule
// an *rosync.InvalidOrderError.
func (p *Platform) Order(ctx context.Context, id string) (rosync.Order, error) {
	oid, err := parseID(id)
	if err != nil {
		return rosync.Order{}, fmt.Errorf("cartum: %q is not an order id: %w", id, rosync.ErrNotFound)
	}
	orders, err := p.page(ctx, map[string]any{"ids": []int64{oid}})
	if err != nil {
		return rosync.Order{}, err
	}
	want := strconv.FormatInt(oid, 10)
	dec := p.decoder()
	for _, raw := range orders {
		if peekOrderID(raw) == want {
			return dec.decode(raw)
		}
	}
	if len(orders) == 1 && peekOrderID(orders[0]) == "" {
		// The order asked for, too broken to show its id.
		o, err := dec.decode(orders[0])
		var inv *rosync.InvalidOrderError
		if errors.As(err, &inv) && inv.OrderID == "" {
			inv.OrderID, inv.Number = want, want
		}
		return o, err
	}
	return rosync.Order{}, fmt.Errorf("cartum: order %d: %w", oid, rosync.ErrNotFound)
}

// Orders streams the orders that q selects with orders/get, offset and
// limit (Options.PageSize, at most 500), page after page until a short
// page. from and to go out as "YYYY-MM-DD HH:MM:SS" in the shop's timezone.
//
// orders/get filters on the creation date only (stat_created) and
// documents no modification date, so:
//   - q.CreatedSince (the initial import) is from;
//   - q.UpdatedSince (a poll) becomes from = UpdatedSince minus
//     Options.PollLookBack (two calendar months by default): every order
//     created in that span is read again and the Syncer skips the
//     unchanged ones, which costs no RO App call;
//   - q.Until is to, for both (an order created after Until cannot have
//     been modified before it).
//
// The bounds sent are widened (from one second early, in case Cartum
// compares strictly, and by an hour around an ambiguous local time), so
// the decoded orders are filtered again on q's exact bounds: an initial
// import yields no order created before CreatedSince, and no stream an
// order created after Until.
//
// An order that cannot be decoded is yielded as an *rosync.InvalidOrderError
// and the stream goes on (its date is unknown, so it is not filtered); any
// other error ends it. The next page is read only when the consumer asks
// for more.
func (p *Platform) Orders(ctx context.Context, q rosync.Query) iter.Seq2[rosync.Order, error] {
	return func(yield func(rosync.Order, error) bool) {
		params := p.listParams(q)
		dec := p.decoder()
		var prevFirst []byte
		for offset := 0; ; offset += p.pageSize {
			if err := ctx.Err(); err != nil {
				yield(rosync.Order{}, err)
				return
			}
			params["offset"] = offset
			orders, err := p.page(ctx, params)
			if err != nil {
				yield(rosync.Order{}, err)
				return
			}
			p.log.DebugContext(ctx, "orders page", "offset", offset, "orders", len(orders))
			if len(orders) > 0 {
				// A server that ignored the offset would serve the same
				// full page forever: stop on a page that starts as the
				// previous one did.
				first := bytes.Clone(orders[0])
				if offset > 0 && bytes.Equal(first, prevFirst) {
					yield(rosync.Order{}, &rosync.APIError{Service: "cartum", Method: "POST", Path: "orders/get",
						Message: fmt.Sprintf("the page at offset %d repeats the previous one: the server ignores the offset", offset)})
					return
				}
				prevFirst = first
			}
			for _, raw := range orders {
				o, err := dec.decode(raw)
				if err == nil && !p.selects(q, o) {
					continue
				}
				if !yield(o, err) {
					return
				}
			}
			if len(orders) < p.pageSize {
				return
			}
		}
	}
}

// selects reports whether a decoded order falls within q's exact bounds on
// creation: CreatedSince for an initial import (a poll's look-back reaches
// before UpdatedSince on purpose), and Until for both.
func (p *Platform) selects(q rosync.Query, o rosync.Order) bool {
	if q.UpdatedSince.IsZero() && !q.CreatedSince.IsZero() && o.CreatedAt.Before(q.CreatedSince) {
		return false
	}
	return q.Until.IsZero() || !o.CreatedAt.After(q.Until)
}

// listParams builds the orders/get parameters of q (without offset).
func (p *Platform) listParams(q rosync.Query) map[string]any {
	params := map[string]any{"limit": p.pageSize}
	from := q.CreatedSince
	if !q.UpdatedSince.IsZero() {
		since := q.UpdatedSince
		switch {
		case p.lookBack == 0:
			since = since.AddDate(0, -2, 0)
		case p.lookBack > 0:
			since = since.Add(-p.lookBack)
		}
		if from.IsZero() || since.Before(from) {
			from = since
		}
	}
	if !from.IsZero() {
		params["from"] = lowerBound(from, p.loc)
	}
	if !q.Until.IsZero() {
		params["to"] = upperBound(q.Until, p.loc)
	}
	return params
}

// lowerBound formats an inclusive lower bound in the shop's local time,
// one second early in case Cartum compares strictly, and an hour earlier
// when the local time is ambiguous (the repeated hour when clocks go back),
// so that no order is left out.
func lowerBound(t time.Time, loc *time.Location) string {
	t = t.Truncate(time.Second).Add(-time.Second)
	s := t.In(loc).Format(TimeLayout)
	if back, err := time.ParseInLocation(TimeLayout, s, loc); err == nil && back.After(t) {
		s = t.Add(-time.Hour).In(loc).Format(TimeLayout)
	}
	return s
}

// upperBound formats an upper bound in the shop's local time, rounded up
// to the second, and an hour later when the local time is ambiguous.
func upperBound(t time.Time, loc *time.Location) string {
	if tr := t.Truncate(time.Second); !tr.Equal(t) {
		t = tr.Add(time.Second)
	}
	s := t.In(loc).Format(TimeLayout)
	if back, err := time.ParseInLocation(TimeLayout, s, loc); err == nil && back.Before(t) {
		s = t.Add(time.Hour).In(loc).Format(TimeLayout)
	}
	return s
}

// page runs one orders/get and splits response.orders into raw orders.
func (p *Platform) page(ctx context.Context, params map[string]any) ([]json.RawMessage, error) {
	resp, err := p.c.call(ctx, "orders/get", params, true)
	if err != nil {
		return nil, err
	}
	var env struct {
		Orders json.RawMessage `json:"orders"`
	}
	if err := json.Unmarshal(resp, &env); err != nil {
		return nil, &rosync.APIError{Service: Name, Method: "POST", Path: "orders/get", Message: "response is not an object"}
	}
	if isNull(env.Orders) {
		return nil, nil
	}
	var orders []json.RawMessage
	if err := json.Unmarshal(env.Orders, &orders); err != nil {
		return nil, &rosync.APIError{Service: Name, Method: "POST", Path: "orders/get",
			Message: fmt.Sprintf("response.orders is a JSON %s, want an array", platformkit.JSONKind(env.Orders))}
	}
	return orders, nil
}
