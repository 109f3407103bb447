package woocommerce

import (
	"encoding/json"
	"fmt"
	"html"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/rosync/rosync"

	"github.com/rosync/rosync/platforms/platformkit"
)

// This file maps a native REST v3 order to rosync.Order without any API call.
// Types are strict: a string where WooCommerce sends a number, or the
// reverse, is an *rosync.InvalidOrderError naming the field, because a shop
// whose plugins rewrite the shapes needs a human to look at it, not a guess.

// wcTimeLayout is WooCommerce's date format: no offset; *_gmt fields are UTC.
const wcTimeLayout = "2006-01-02T15:04:05"

// nativeOrder is the part of a REST v3 order (GET /orders/{id}, or an
// order.* webhook body) that rosync reads. Money fields and ids that need a
// strict JSON type are kept raw and checked by hand.
type nativeOrder struct {
	ID              int64             `json:"id"`
	Number          string            `json:"number"`
	Status          string            `json:"status"`
	Currency        string            `json:"currency"`
	DateCreated     *string           `json:"date_created"`
	DateCreatedGMT  *string           `json:"date_created_gmt"`
	DateModified    *string           `json:"date_modified"`
	DateModifiedGMT *string           `json:"date_modified_gmt"`
	Total           json.RawMessage   `json:"total"`
	Billing         nativeAddress     `json:"billing"`
	Shipping        nativeAddress     `json:"shipping"`
	LineItems       []json.RawMessage `json:"line_items"`
	ShippingLines   []json.RawMessage `json:"shipping_lines"`
	Refunds         []json.RawMessage `json:"refunds"`
}

// nativeAddress is an order's billing or shipping block. shipping has no
// email; shipping.phone exists since WooCommerce 5.6.
type nativeAddress struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Company   string `json:"company"`
	Address1  string `json:"address_1"`
	Address2  string `json:"address_2"`
	City      string `json:"city"`
	State     string `json:"state"`
	Postcode  string `json:"postcode"`
	Country   string `json:"country"`
	Email     string `json:"email"`
	Phone     string `json:"phone"`
}

func (a nativeAddress) hasName() bool {
	return strings.TrimSpace(a.FirstName) != "" || strings.TrimSpace(a.LastName) != ""
}

// line is the postal address on one line: street, city, state, postcode,
// country (names and company are left out).
func (a nativeAddress) line() string {
	parts := make([]string, 0, 6)
	for _, s := range []string{a.Address1, a.Address2, a.City, a.State, a.Postcode, a.Country} {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

// nativeLine is an element of line_items. The amounts are strings rounded
// to the shop's price decimals, all without tax: subtotal before
// discounts, total after them, and their taxes apart. price (a JSON number,
// total / quantity unrounded) is derived from total and not read.
type nativeLine struct {
	ID          int64           `json:"id"`
	Name        string          `json:"name"`
	ProductID   json.RawMessage `json:"product_id"`
	VariationID json.RawMessage `json:"variation_id"`
	Quantity    int64           `json:"quantity"`
	SKU         string          `json:"sku"`
	Subtotal    json.RawMessage `json:"subtotal"`
	SubtotalTax json.RawMessage `json:"subtotal_tax"`
	Total       json.RawMessage `json:"total"`
	TotalTax    json.RawMessage `json:"total_tax"`
}

// nativeShippingLine is an element of shipping_lines.
type nativeShippingLine struct {
	MethodTitle string          `json:"method_title"`
	Total       json.RawMessage `json:"total"`
}

// nativeRefund is an element of GET /orders/{id}/refunds. Its line items
// carry negative quantities and point at the order's line through the meta
// _refunded_item_id.
type nativeRefund struct {
	ID        int64 `json:"id"`
	LineItems []struct {
		Quantity int64 `json:"quantity"`
		MetaData []struct {
			Key   string          `json:"key"`
			Value json.RawMessage `json:"value"`
		} `json:"meta_data"`
	} `json:"line_items"`
}

// decoded is an order decoded from native JSON, before the API calls that
// complete it (refunds, product descriptions and categories).
type decoded struct {
	order rosync.Order
	// refs is parallel to order.Lines.
	refs []lineRef
	// hasRefunds is true when the order's refunds summary is non-empty, so
	// that GET /orders/{id}/refunds is worth a call.
	hasRefunds bool
	// digits is the number of decimals of the order's currency.
	digits int32
}

// lineRef keeps the native ids of a line for the catalogue calls, and
// its amounts as WooCommerce states them for the quantity ordered.
type lineRef struct {
	lineID      int64
	productID   int64 // 0: the product was deleted
	variationID int64 // 0: not a variation (or a deleted one)
	// ordered is line_items[].quantity, which refunds do not lower.
	ordered int64
	// subtotal and total are what the customer pays for the ordered
	// quantity before and after discounts, tax included: subtotal +
	// subtotal_tax and total + total_tax.
	subtotal, total decimal.Decimal
}

// decodeOrder maps one native order. Every error is an
// *rosync.InvalidOrderError with the order's id and number when they can be
// read, even from malformed JSON.
func decodeOrder(raw []byte) (*decoded, error) {
	var n nativeOrder
	if err := json.Unmarshal(raw, &n); err != nil {
		id, number := peekIdentity(raw)
		field, e := platformkit.FieldError("", err)
		return nil, &rosync.InvalidOrderError{OrderID: id, Number: number, Field: field, Err: e}
	}
	d := &decoded{}
	o := &d.order
	o.Platform = Name
	if n.ID > 0 {
		o.ID = strconv.FormatInt(n.ID, 10)
	}
	o.Number = strings.TrimSpace(n.Number)
	bad := func(field string, format string, args ...any) error {
		return &rosync.InvalidOrderError{OrderID: o.ID, Number: o.Number, Field: field, Err: fmt.Errorf(format, args...)}
	}
	if n.ID <= 0 {
		return nil, bad("id", "missing or non-positive order id")
	}
	if o.Number == "" {
		// WooCommerce fills number with the id unless a plugin renumbers.
		o.Number = o.ID
	}
	o.Status = strings.TrimSpace(n.Status)
	if o.Status == "" {
		return nil, bad("status", "missing status")
	}
	o.Currency = strings.TrimSpace(n.Currency)

	var err error
	if o.CreatedAt, err = gmtDate(n.DateCreatedGMT, n.DateCreated); err != nil {
		return nil, bad("date_created_gmt", "%v", err)
	}
	if n.DateModifiedGMT == nil && n.DateModified == nil {
		o.UpdatedAt = o.CreatedAt
	} else if o.UpdatedAt, err = gmtDate(n.DateModifiedGMT, n.DateModified); err != nil {
		return nil, bad("date_modified_gmt", "%v", err)
	}
	if o.Total, err = moneyString(n.Total); err != nil {
		return nil, bad("total", "%v", err)
	}

	o.Customer = customerOf(n.Billing, n.Shipping)

	o.Lines = make([]rosync.LineItem, 0, len(n.LineItems))
	d.refs = make([]lineRef, 0, len(n.LineItems))
	for i, rl := range n.LineItems {
		f := "line_items[" + strconv.Itoa(i) + "]"
		var nl nativeLine
		if err := json.Unmarshal(rl, &nl); err != nil {
			field, e := platformkit.FieldError(f, err)
			return nil, &rosync.InvalidOrderError{OrderID: o.ID, Number: o.Number, Field: field, Err: e}
		}
		if nl.ID <= 0 {
			return nil, bad(f+".id", "missing or non-positive line id")
		}
		if nl.Quantity <= 0 {
			return nil, bad(f+".quantity", "quantity %d is not a positive integer", nl.Quantity)
		}
		if nl.Quantity > rosync.MaxQuantity {
			return nil, bad(f+".quantity", "quantity %d exceeds %d", nl.Quantity, rosync.MaxQuantity)
		}
		pid, err := optionalID(nl.ProductID)
		if err != nil {
			return nil, bad(f+".product_id", "%v", err)
		}
		vid, err := optionalID(nl.VariationID)
		if err != nil {
			return nil, bad(f+".variation_id", "%v", err)
		}
		sub, tot, ferr := lineAmounts(nl, f)
		if ferr != nil {
			return nil, &rosync.InvalidOrderError{OrderID: o.ID, Number: o.Number, Field: ferr.field, Err: ferr.err}
		}
		var productID string
		switch {
		case vid > 0:
			productID = strconv.FormatInt(vid, 10)
		case pid > 0:
			productID = strconv.FormatInt(pid, 10)
		}
		o.Lines = append(o.Lines, rosync.LineItem{
			ID:       strconv.FormatInt(nl.ID, 10),
			Quantity: nl.Quantity,
			Product: rosync.Product{
				ID:  productID, // WOO-P1: goes to the RO App Code field
				SKU: strings.TrimSpace(nl.SKU),
				// WordPress keeps product and variation names with HTML
				// entities ("Hoodie &ndash; Blue"), as it does categories.
				Name: strings.TrimSpace(html.UnescapeString(nl.Name)),
			},
		})
		d.refs = append(d.refs, lineRef{lineID: nl.ID, productID: pid, variationID: vid,
			ordered: nl.Quantity, subtotal: sub, total: tot})
	}

	var del rosync.Delivery
	var services []string
	for i, rs := range n.ShippingLines {
		f := "shipping_lines[" + strconv.Itoa(i) + "]"
		var ns nativeShippingLine
		if err := json.Unmarshal(rs, &ns); err != nil {
			field, e := platformkit.FieldError(f, err)
			return nil, &rosync.InvalidOrderError{OrderID: o.ID, Number: o.Number, Field: field, Err: e}
		}
		fee, err := moneyString(ns.Total)
		if err != nil {
			return nil, bad(f+".total", "%v", err)
		}
		del.Fee = del.Fee.Add(fee)
		if t := strings.TrimSpace(ns.MethodTitle); t != "" {
			services = append(services, t)
		}
	}
	del.Service = strings.Join(services, ", ")
	del.Address = n.Shipping.line()
	if del.Address == "" {
		// A guest who ships to the billing address leaves shipping empty.
		del.Address = n.Billing.line()
	}
	if len(n.ShippingLines) > 0 || del.Address != "" {
		o.Delivery = &del
	}
	d.hasRefunds = len(n.Refunds) > 0
	var ok bool
	if d.digits, ok = rosync.CurrencyDigits(o.Currency); !ok {
		d.digits = 2 // Validate rejects the currency
	}
	if err := d.settle(); err != nil {
		return nil, err
	}
	return d, nil
}

// fieldError is a bad amount and the native field it came from.
type fieldError struct {
	field string
	err   error
}

// lineAmounts reads a line's four amounts (strings, never negative) and
// returns what the customer pays for it before and after discounts, tax
// included. A total above its subtotal is WooCommerce stating the line
// wrongly (ORD-3).
func lineAmounts(nl nativeLine, f string) (subtotal, total decimal.Decimal, _ *fieldError) {
	var v [4]decimal.Decimal
	for i, a := range []struct {
		name string
		raw  json.RawMessage
	}{{"subtotal", nl.Subtotal}, {"subtotal_tax", nl.SubtotalTax}, {"total", nl.Total}, {"total_tax", nl.TotalTax}} {
		d, err := moneyString(a.raw)
		if err == nil && d.IsNegative() {
			err = fmt.Errorf("amount %s is negative", d)
		}
		if err != nil {
			return decimal.Zero, decimal.Zero, &fieldError{f + "." + a.name, err}
		}
		v[i] = d
	}
	if v[2].GreaterThan(v[0]) {
		return decimal.Zero, decimal.Zero, &fieldError{f + ".total", fmt.Errorf("line total %s exceeds its subtotal %s", v[2], v[0])}
	}
	subtotal, total = v[0].Add(v[1]), v[2].Add(v[3])
	if total.GreaterThan(subtotal) {
		return decimal.Zero, decimal.Zero, &fieldError{f + ".total_tax", fmt.Errorf("line total with tax %s exceeds its subtotal with tax %s", total, subtotal)}
	}
	return subtotal, total, nil
}

// settle sets each line's unit price and discount and the order's Total
// from the amounts WooCommerce states, for the lines' current quantities
// (ORD-3). A line whose quantity refunds lowered keeps the share of its
// amounts that its remaining units bear, rounded to the currency:
// 100.00 for 3 units with one refunded is 66.67 for 2. Total is the sum of
// those line amounts, reckoned apart from the price and discount split, so
// that Validate checks the split is exact.
func (d *decoded) settle() error {
	o := &d.order
	o.Total = decimal.Zero
	for i := range o.Lines {
		l, ref := &o.Lines[i], d.refs[i]
		sub, tot := ref.subtotal, ref.total
		if l.Quantity != ref.ordered {
			q, n := decimal.NewFromInt(l.Quantity), decimal.NewFromInt(ref.ordered)
			sub, tot = sub.Mul(q).Div(n), tot.Mul(q).Div(n)
		}
		sub, tot = sub.Round(d.digits), tot.Round(d.digits)
		price, discount, err := rosync.LinePrice(sub, tot, l.Quantity, d.digits)
		if err != nil {
			return &rosync.InvalidOrderError{OrderID: o.ID, Number: o.Number,
				Field: "line_items[" + strconv.Itoa(i) + "].total", Err: err}
		}
		l.Price, l.Discount = price, discount
		o.Total = o.Total.Add(tot)
	}
	return nil
}

// customerOf maps billing and shipping to the customer (WOO-C1): names from
// billing, else shipping; email from billing (shipping has none); phone from
// shipping when it can be a number, else billing; country of the block the
// phone came from (it is the region a phone without country code is read
// in), else the other one. A phone or email that cannot be one ("-",
// "n/a", too few digits: WooCommerce's is_phone accepts "-") is left
// empty, so that the engine sees no contact data (WOO-C2). Nil when
// neither block names anyone or gives a way to reach them.
func customerOf(b, s nativeAddress) *rosync.Customer {
	c := &rosync.Customer{}
	if e := strings.TrimSpace(b.Email); rosync.EmailLike(e) {
		c.Email = e
	}
	if b.hasName() || !s.hasName() {
		c.FirstName, c.LastName = strings.TrimSpace(b.FirstName), strings.TrimSpace(b.LastName)
	} else {
		c.FirstName, c.LastName = strings.TrimSpace(s.FirstName), strings.TrimSpace(s.LastName)
	}
	if p := strings.TrimSpace(s.Phone); rosync.PhoneLike(p) {
		c.Phone = p
		c.Country = firstNonEmpty(s.Country, b.Country)
	} else if p := strings.TrimSpace(b.Phone); rosync.PhoneLike(p) {
		c.Phone = p
		c.Country = firstNonEmpty(b.Country, s.Country)
	} else {
		c.Country = firstNonEmpty(s.Country, b.Country)
	}
	c.Country = strings.ToUpper(c.Country)
	if !c.HasName() && !c.HasContact() {
		return nil
	}
	return c
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// applyRefunds subtracts the refunded quantities (GET /orders/{id}/refunds)
// from the lines and drops the lines that fell to zero. WooCommerce does not
// change line_items[].quantity when it refunds.
func applyRefunds(d *decoded, refunds []json.RawMessage) error {
	refunded := map[int64]int64{}
	for i, rr := range refunds {
		f := "refunds[" + strconv.Itoa(i) + "]"
		var nr nativeRefund
		if err := json.Unmarshal(rr, &nr); err != nil {
			field, e := platformkit.FieldError(f, err)
			return &rosync.InvalidOrderError{OrderID: d.order.ID, Number: d.order.Number, Field: field, Err: e}
		}
		for _, li := range nr.LineItems {
			var item int64
			for _, m := range li.MetaData {
				if m.Key == "_refunded_item_id" {
					item = metaInt(m.Value)
				}
			}
			if item <= 0 {
				continue
			}
			q := li.Quantity
			if q < 0 {
				q = -q
			}
			refunded[item] += q
		}
	}
	if len(refunded) == 0 {
		return nil
	}
	lines, refs := d.order.Lines[:0], d.refs[:0]
	for i, l := range d.order.Lines {
		l.Quantity -= refunded[d.refs[i].lineID]
		if l.Quantity <= 0 {
			continue
		}
		lines = append(lines, l)
		refs = append(refs, d.refs[i])
	}
	d.order.Lines, d.refs = lines, refs
	return d.settle()
}

// metaInt reads a meta value holding an integer, as a string ("424", the
// usual form) or a number.
func metaInt(raw json.RawMessage) int64 {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		n, _ := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		return n
	}
	var n int64
	if json.Unmarshal(raw, &n) == nil {
		return n
	}
	return 0
}
