package roapp

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rosync/rosync"
	"github.com/shopspring/decimal"
)

// FindOrderSkew widens the created_at filter of FindOrder backwards, so that
// a server clock behind ours does not hide the order created after a doubt.
const FindOrderSkew = 15 * time.Minute

// wireNewOrder is the body of POST /orders.
type wireNewOrder struct {
	BranchID     int64             `json:"branch_id"`
	OrderTypeID  int64             `json:"order_type_id"`
	ClientID     int64             `json:"client_id"`
	ManagerNotes string            `json:"manager_notes"`
	CustomFields map[string]string `json:"custom_fields,omitempty"`
}

// CreateOrder creates an order with POST /orders. The external reference
// goes into manager_notes (ExternalRef.Notes) and, when
// Options.ExternalRefField is set, into that custom field (Ref.Key()). The
// status is the order type's initial one (SHO-3). It is a create call: on
// doubt it returns an *rosync.AmbiguousError and the caller runs FindOrder.
func (c *Client) CreateOrder(ctx context.Context, o rosync.NewOrder) (int64, error) {
	body := wireNewOrder{
		BranchID: o.BranchID, OrderTypeID: o.OrderTypeID, ClientID: o.ClientID,
		ManagerNotes: o.Ref.Notes(),
	}
	if c.refField != "" {
		body.CustomFields = map[string]string{c.refField: o.Ref.Key()}
	}
	return c.create(ctx, EndpointCreateOrder, nil, body)
}

// wireOrder is an order as GET /orders and GET /orders/{id} return it.
type wireOrder struct {
	ID           flexInt      `json:"id"`
	Number       flexString   `json:"number"`
	Status       idRef        `json:"status"`
	StatusID     flexInt      `json:"status_id"`
	Client       idRef        `json:"client"`
	ClientID     flexInt      `json:"client_id"`
	ManagerNotes flexString   `json:"manager_notes"`
	CustomFields customFields `json:"custom_fields"`
	CreatedAt    flexTime     `json:"created_at"`
	ModifiedAt   flexTime     `json:"modified_at"`
}

// refKey reads an ExternalRef back from its Key form.
func refFromKey(key string) (rosync.ExternalRef, bool) {
	parts := strings.SplitN(strings.TrimSpace(key), ":", 4)
	if len(parts) != 4 || parts[0] != "rosync" || parts[3] == "" {
		return rosync.ExternalRef{}, false
	}
	return rosync.ExternalRef{Platform: parts[1], Shop: parts[2], OrderID: parts[3]}, true
}

func (c *Client) order(w wireOrder) rosync.ROOrder {
	o := rosync.ROOrder{
		ID:       int64(w.ID),
		ClientID: cmp.Or(int64(w.Client), int64(w.ClientID)),
		StatusID: cmp.Or(int64(w.Status), int64(w.StatusID)),
		Modified: time.Time(w.ModifiedAt),
	}
	if o.Modified.IsZero() {
		o.Modified = time.Time(w.CreatedAt)
	}
	if ref, ok := rosync.ParseNotes(string(w.ManagerNotes)); ok {
		o.Ref, o.HasRef = ref, true
	} else if c.refField != "" {
		if ref, ok := refFromKey(w.CustomFields[c.refField]); ok {
			o.Ref, o.HasRef = ref, true
		}
	}
	return o
}

// carries reports whether w holds the reference key.
func (c *Client) carries(w wireOrder, key string) bool {
	if ref, ok := rosync.ParseNotes(string(w.ManagerNotes)); ok && ref.Key() == key {
		return true
	}
	return c.refField != "" && strings.TrimSpace(w.CustomFields[c.refField]) == key
}

// FindOrder finds the order that carries l.Ref, with its items. It lists
// GET /orders?clients_ids[]=…&created_at[]=… (since l.Since less
// FindOrderSkew) and matches the reference in manager_notes or in the
// Options.ExternalRefField custom field. No match is an error wrapping
// rosync.ErrNotFound.
func (c *Client) FindOrder(ctx context.Context, l rosync.OrderLookup) (rosync.ROOrder, error) {
	for o, err := range c.ordersCarrying(ctx, l) {
		if err != nil {
			return rosync.ROOrder{}, err
		}
		if o.Items, err = c.items(ctx, o.ID); err != nil {
			return rosync.ROOrder{}, err
		}
		return o, nil
	}
	return rosync.ROOrder{}, fmt.Errorf("roapp: order with reference %q: %w", l.Ref.Key(), rosync.ErrNotFound)
}

// FindOrders returns every order that carries l.Ref, without items, by
// ascending id (rosync.ROOrderFinder): the same listing as FindOrder, GET
// /orders with the documented filters clients_ids[] and created_at[]
// (since l.Since less FindOrderSkew), read to its end. A second order
// among them is a duplicate that a late-executed create left.
func (c *Client) FindOrders(ctx context.Context, l rosync.OrderLookup) ([]rosync.ROOrder, error) {
	out := []rosync.ROOrder{}
	for o, err := range c.ordersCarrying(ctx, l) {
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	slices.SortFunc(out, func(a, b rosync.ROOrder) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// ordersCarrying streams the orders of GET /orders?clients_ids[]=…&
// created_at[]=… that carry l.Ref, without items.
func (c *Client) ordersCarrying(ctx context.Context, l rosync.OrderLookup) iter.Seq2[rosync.ROOrder, error] {
	key := l.Ref.Key()
	q := url.Values{}
	if l.ClientID != 0 {
		q.Set("clients_ids[]", strconv.FormatInt(l.ClientID, 10))
	}
	if !l.Since.IsZero() {
		q.Set("created_at[]", apiTime(l.Since.Add(-FindOrderSkew)))
	}
	return c.listOrders(ctx, q, func(w wireOrder) bool { return c.carries(w, key) })
}

// Order returns an order (GET /orders/{id}, possibly wrapped in data) with
// its items (GET /orders/{id}/items). A missing order is an *rosync.APIError
// wrapping rosync.ErrNotFound.
func (c *Client) Order(ctx context.Context, id int64) (rosync.ROOrder, error) {
	var w wireOrder
	if err := c.getObject(ctx, EndpointOrder, []int64{id}, &w); err != nil {
		return rosync.ROOrder{}, err
	}
	o := c.order(w)
	if o.ID == 0 {
		o.ID = id
	}
	var err error
	if o.Items, err = c.items(ctx, id); err != nil {
		return rosync.ROOrder{}, err
	}
	return o, nil
}

// wireItem is an order item as GET /orders/{id}/items returns it. Whether
// it is written off is read from Options.DeductionFields (UNVERIFIED).
type wireItem struct {
	ID       flexInt     `json:"id"`
	EntityID flexInt     `json:"entity_id"`
	Entity   idRef       `json:"entity"`
	Quantity flexDecimal `json:"quantity"`
	Price    flexDecimal `json:"price"`
	Cost     flexDecimal `json:"cost"`
	Assignee flexInt     `json:"assignee_id"`
	Discount struct {
		Type       flexString  `json:"type"`
		Amount     flexDecimal `json:"amount"`
		Percentage flexDecimal `json:"percentage"`
	} `json:"discount"`
}

// deducted reports whether one of the configured deduction fields of the
// raw item is true.
func (c *Client) deductedItem(raw json.RawMessage) (bool, error) {
	if len(c.deducted) == 0 {
		return false, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return false, err
	}
	for _, f := range c.deducted {
		if v, ok := m[f]; ok {
			var b flexBool
			if err := json.Unmarshal(v, &b); err != nil {
				return false, fmt.Errorf("item field %q: %w", f, err)
			}
			if b {
				return true, nil
			}
		}
	}
	return false, nil
}

// discount is the item's discount as a value for the whole item: a
// percentage discount (set by a person in RO App) is converted at the
// price's precision.
func (w wireItem) discount() decimal.Decimal {
	if string(w.Discount.Type) == "percentage" {
		whole := w.Price.Mul(w.Quantity.Decimal)
		return whole.Mul(w.Discount.Percentage.Decimal).Div(decimal.NewFromInt(100)).Round(max(w.Price.Exponent()*-1, 2))
	}
	return w.Discount.Amount.Decimal
}

func (c *Client) items(ctx context.Context, orderID int64) ([]rosync.ROItem, error) {
	out := []rosync.ROItem{}
	for raw, err := range c.list(ctx, EndpointItems, []int64{orderID}, nil) {
		if err != nil {
			return nil, err
		}
		var w wireItem
		if err := json.Unmarshal(raw, &w); err != nil {
			return nil, c.decodeError(EndpointItems, err)
		}
		deducted, err := c.deductedItem(raw)
		if err != nil {
			return nil, c.decodeError(EndpointItems, err)
		}
		if !w.Quantity.IsInteger() {
			return nil, c.decodeError(EndpointItems, fmt.Errorf("item %d: quantity %s is not whole", w.ID, w.Quantity))
		}
		out = append(out, rosync.ROItem{
			ID:         int64(w.ID),
			ProductID:  cmp.Or(int64(w.EntityID), int64(w.Entity)),
			Quantity:   w.Quantity.IntPart(),
			Price:      w.Price.Decimal,
			Discount:   w.discount(),
			Cost:       w.Cost.Decimal,
			AssigneeID: int64(w.Assignee),
			Deducted:   deducted,
		})
	}
	return out, nil
}

// OrdersModified streams the orders modified at or after since, without
// items, from GET /orders?modified_at[]=… page by page. The stream ends at
// the first error.
func (c *Client) OrdersModified(ctx context.Context, since time.Time) iter.Seq2[rosync.ROOrder, error] {
	q := url.Values{}
	if !since.IsZero() {
		q.Set("modified_at[]", apiTime(since))
	}
	return c.listOrders(ctx, q, nil)
}

// listOrders streams GET /orders with the query q, page by page, without
// items, keeping the orders keep accepts (all when keep is nil). The stream
// ends at the first error.
func (c *Client) listOrders(ctx context.Context, q url.Values, keep func(wireOrder) bool) iter.Seq2[rosync.ROOrder, error] {
	return func(yield func(rosync.ROOrder, error) bool) {
		for raw, err := range c.list(ctx, EndpointOrders, nil, q) {
			if err != nil {
				yield(rosync.ROOrder{}, err)
				return
			}
			var w wireOrder
			if err := json.Unmarshal(raw, &w); err != nil {
				yield(rosync.ROOrder{}, c.decodeError(EndpointOrders, err))
				return
			}
			if keep != nil && !keep(w) {
				continue
			}
			if !yield(c.order(w), nil) {
				return
			}
		}
	}
}

// wireNewItem is the body of POST /orders/{id}/items. RO App's reference
// (create-order-item) marks entity_id, assignee_id, quantity, price, cost,
// discount and warranty as required; a production client sends cost 0, a
// zero discount and a warranty of 0 days, as this one does.
type wireNewItem struct {
	EntityID   int64        `json:"entity_id"`
	AssigneeID int64        `json:"assignee_id"`
	Quantity   int64        `json:"quantity"`
	Price      json.Number  `json:"price"`
	Cost       json.Number  `json:"cost"`
	Discount   wireDiscount `json:"discount"`
	Warranty   wireWarranty `json:"warranty"`
}

// wireDiscount is an item's discount: a value discount carries the
// platform's exact line total (ORD-3). Sponsor "company": the shop, not
// an employee, gave it.
type wireDiscount struct {
	Type       string      `json:"type"` // "value" or "percentage"
	Percentage json.Number `json:"percentage"`
	Amount     json.Number `json:"amount"`
	Sponsor    string      `json:"sponsor"` // "staff" or "company"
}

// wireWarranty is an item's warranty; imported products carry none.
type wireWarranty struct {
	Period      string `json:"period"`
	PeriodUnits string `json:"periodUnits"`
}

// itemDiscount is the wire discount of an item: its value discount for the
// whole line.
func itemDiscount(it rosync.ROItem) wireDiscount {
	return wireDiscount{Type: "value", Percentage: "0", Amount: money(it.Discount), Sponsor: "company"}
}

// wireItemUpdate is the body of PATCH /orders/{id}/items/{item_id} (every
// field optional).
type wireItemUpdate struct {
	Quantity int64        `json:"quantity"`
	Price    json.Number  `json:"price"`
	Discount wireDiscount `json:"discount"`
}

// AddItem adds a product without deduction with POST /orders/{id}/items
// {entity_id, assignee_id, quantity, price, cost, discount, warranty} and
// returns the item id. A 403 is a
// *rosync.PermissionError for rosync.RightAddWithoutDeduction (ORD-2). It
// is a create call: on doubt it returns an *rosync.AmbiguousError and the
// caller reads the order's items before adding again.
func (c *Client) AddItem(ctx context.Context, orderID int64, it rosync.ROItem) (int64, error) {
	return c.create(ctx, EndpointAddItem, []int64{orderID}, wireNewItem{
		EntityID: it.ProductID, AssigneeID: it.AssigneeID, Quantity: it.Quantity,
		Price: money(it.Price), Cost: money(it.Cost), Discount: itemDiscount(it),
		Warranty: wireWarranty{Period: "0", PeriodUnits: "days"},
	})
}

// UpdateItem sets an item's quantity, price and discount with PATCH
// /orders/{id}/items/{item_id} (PRD-7). A 422 is an *rosync.APIError
// wrapping rosync.ErrItemLocked: RO App refuses writes to a written-off
// item, a deduction signal (ORD-5); a 403 stays a *rosync.PermissionError
// (ORD-2).
func (c *Client) UpdateItem(ctx context.Context, orderID int64, it rosync.ROItem) error {
	if it.ID <= 0 {
		return errors.New("roapp: UpdateItem: item has no id")
	}
	_, err := c.do(ctx, call{ep: EndpointUpdateItem, args: []int64{orderID, it.ID},
		body: wireItemUpdate{Quantity: it.Quantity, Price: money(it.Price), Discount: itemDiscount(it)}})
	return err
}

// DeleteItem removes an item with DELETE /orders/{id}/items/{item_id}
// (UNVERIFIED). A 404 or 405 is an *EndpointError naming the override; a
// 404 also wraps rosync.ErrNotFound (the item may be gone, or the path
// wrong: callers must not take it as done without reading the items). A
// 422 wraps rosync.ErrItemLocked (ORD-5).
func (c *Client) DeleteItem(ctx context.Context, orderID, itemID int64) error {
	_, err := c.do(ctx, call{ep: EndpointDeleteItem, args: []int64{orderID, itemID}})
	return err
}

// wireNewComment is the body of POST /orders/{id}/comments (UNVERIFIED).
type wireNewComment struct {
	Comment   string `json:"comment"`
	IsPrivate bool   `json:"is_private"`
}

// AddComment adds a public comment to the order's event feed with POST
// /orders/{id}/comments (UNVERIFIED). It is a create call: on doubt it
// returns an *rosync.AmbiguousError and the caller reads Comments first.
func (c *Client) AddComment(ctx context.Context, orderID int64, text string) error {
	_, err := c.do(ctx, call{ep: EndpointAddComment, args: []int64{orderID}, body: wireNewComment{Comment: text}})
	return err
}

// Comments lists the texts of the order's comments, oldest first, from GET
// /orders/{id}/comments (UNVERIFIED: an array of {id,comment,created_at};
// a paged list is accepted too).
func (c *Client) Comments(ctx context.Context, orderID int64) ([]string, error) {
	type comment struct {
		ID        flexInt    `json:"id"`
		Comment   flexString `json:"comment"`
		Text      flexString `json:"text"`
		CreatedAt flexTime   `json:"created_at"`
	}
	var cs []comment
	for raw, err := range c.list(ctx, EndpointComments, []int64{orderID}, nil) {
		if err != nil {
			return nil, err
		}
		var w comment
		if err := json.Unmarshal(raw, &w); err != nil {
			return nil, c.decodeError(EndpointComments, err)
		}
		cs = append(cs, w)
	}
	slices.SortStableFunc(cs, func(a, b comment) int {
		return cmp.Or(time.Time(a.CreatedAt).Compare(time.Time(b.CreatedAt)), cmp.Compare(a.ID, b.ID))
	})
	out := make([]string, 0, len(cs))
	for _, w := range cs {
		out = append(out, firstNonEmpty(string(w.Comment), string(w.Text)))
	}
	return out, nil
}

// wireStatus is the body of POST /orders/{id}/status.
type wireStatus struct {
	StatusID int64 `json:"status_id"`
}

// SetStatus moves an order to a status with POST /orders/{id}/status. Setting
// a status is idempotent, so the call is retried like a GET.
func (c *Client) SetStatus(ctx context.Context, orderID, statusID int64) error {
	_, err := c.do(ctx, call{ep: EndpointSetStatus, args: []int64{orderID}, body: wireStatus{StatusID: statusID}})
	return err
}
