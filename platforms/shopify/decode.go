package shopify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/rosync/rosync"

	"github.com/rosync/rosync/platforms/platformkit"
)

// This file maps a GraphQL order node to rosync.Order without any API call.
// Types are strict: a number where Shopify sends a string (money, ids) or
// the reverse is an *rosync.InvalidOrderError naming the field.

// The derived order statuses (Order.Status). Shopify has no single order
// status; see deriveStatus.
const (
	StatusOpen      = "open"
	StatusFulfilled = "fulfilled"
	StatusCancelled = "cancelled"
	StatusRefunded  = "refunded"
)

// deriveStatus gives an order's status: "cancelled" when cancelledAt is
// set, else "refunded" when fully refunded, else "fulfilled" when fully
// fulfilled, else "open". Partial fulfilment and partial refund stay open
// (SHO-1).
func deriveStatus(cancelled bool, financial, fulfillment string) string {
	switch {
	case cancelled:
		return StatusCancelled
	case strings.EqualFold(financial, "REFUNDED"):
		return StatusRefunded
	case strings.EqualFold(fulfillment, "FULFILLED"):
		return StatusFulfilled
	}
	return StatusOpen
}

type nativeOrder struct {
	ID                       string          `json:"id"`
	LegacyResourceID         json.RawMessage `json:"legacyResourceId"`
	Name                     string          `json:"name"`
	CreatedAt                *string         `json:"createdAt"`
	UpdatedAt                *string         `json:"updatedAt"`
	CancelledAt              *string         `json:"cancelledAt"`
	CurrencyCode             string          `json:"currencyCode"`
	DisplayFinancialStatus   *string         `json:"displayFinancialStatus"`
	DisplayFulfillmentStatus string          `json:"displayFulfillmentStatus"`
	Email                    *string         `json:"email"`
	Phone                    *string         `json:"phone"`
	Customer                 *nativeCustomer `json:"customer"`
	ShippingAddress          *nativeAddress  `json:"shippingAddress"`
	ShippingLine             *struct {
		Title *string `json:"title"`
		// CurrentDiscountedPriceSet is the shipping price after
		// discounts and refunds (originalPriceSet is before them).
		CurrentDiscountedPriceSet *moneyBag `json:"currentDiscountedPriceSet"`
	} `json:"shippingLine"`
	// CurrentSubtotalPriceSet is what the customer pays for the current
	// line items after line and order discounts, without shipping; it
	// holds taxes only when the shop's prices include them.
	CurrentSubtotalPriceSet *moneyBag        `json:"currentSubtotalPriceSet"`
	LineItems               *nativeLineItems `json:"lineItems"`
}

type nativeLineItems struct {
	PageInfo struct {
		HasNextPage bool    `json:"hasNextPage"`
		EndCursor   *string `json:"endCursor"`
	} `json:"pageInfo"`
	Nodes []json.RawMessage `json:"nodes"`
}

type nativeCustomer struct {
	FirstName           *string `json:"firstName"`
	LastName            *string `json:"lastName"`
	DefaultEmailAddress *struct {
		EmailAddress *string `json:"emailAddress"`
	} `json:"defaultEmailAddress"`
	DefaultPhoneNumber *struct {
		PhoneNumber *string `json:"phoneNumber"`
	} `json:"defaultPhoneNumber"`
	DefaultAddress *nativeAddress `json:"defaultAddress"`
}

type nativeAddress struct {
	FirstName     *string `json:"firstName"`
	LastName      *string `json:"lastName"`
	Address1      *string `json:"address1"`
	Address2      *string `json:"address2"`
	City          *string `json:"city"`
	Province      *string `json:"province"`
	Zip           *string `json:"zip"`
	Country       *string `json:"country"`
	CountryCodeV2 *string `json:"countryCodeV2"`
	Phone         *string `json:"phone"`
}

// line is the postal address on one line: street, city, province, zip,
// country (names and phone left out).
func (a *nativeAddress) line() string {
	if a == nil {
		return ""
	}
	country := str(a.Country)
	if country == "" {
		country = str(a.CountryCodeV2)
	}
	parts := make([]string, 0, 6)
	for _, s := range []string{str(a.Address1), str(a.Address2), str(a.City), str(a.Province), str(a.Zip), country} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ", ")
}

type moneyBag struct {
	ShopMoney *struct {
		Amount       json.RawMessage `json:"amount"`
		CurrencyCode *string         `json:"currencyCode"`
	} `json:"shopMoney"`
}

type nativeLine struct {
	ID              string         `json:"id"`
	SKU             *string        `json:"sku"`
	Name            *string        `json:"name"`
	Title           *string        `json:"title"`
	Quantity        *int64         `json:"quantity"`
	CurrentQuantity *int64         `json:"currentQuantity"`
	Variant         *nativeRef     `json:"variant"`
	Product         *nativeProduct `json:"product"`
	Price           *moneyBag      `json:"originalUnitPriceSet"`
	// DiscountAllocations are the line's shares of every discount (line
	// discounts and order discounts such as a code), for all its units,
	// refunded and removed ones included.
	DiscountAllocations []struct {
		AllocatedAmountSet *moneyBag `json:"allocatedAmountSet"`
	} `json:"discountAllocations"`
}

type nativeRef struct {
	ID               string          `json:"id"`
	LegacyResourceID json.RawMessage `json:"legacyResourceId"`
}

type nativeProduct struct {
	ID                    string          `json:"id"`
	LegacyResourceID      json.RawMessage `json:"legacyResourceId"`
	Description           *string         `json:"description"`
	HasOnlyDefaultVariant *bool           `json:"hasOnlyDefaultVariant"`
	Category              *struct {
		Name     *string `json:"name"`
		FullName *string `json:"fullName"`
	} `json:"category"`
}

// decoded is an order being decoded; lines may come in several pages.
type decoded struct {
	order     rosync.Order
	moreLines bool   // lineItems has a next page
	cursor    string // its endCursor
	lineIndex int    // raw lines seen, for field names
	// prorated are the indexes in order.Lines of the lines whose discount
	// was prorated to their current quantity (see addLines).
	prorated []int
}

// decodeOrder maps one order node. limited is true when the shop's plan
// withholds customer data (SHO-C2). Every error is an
// *rosync.InvalidOrderError with the order's id and number when they can be
// read, even from malformed JSON.
func decodeOrder(raw []byte, limited bool) (*decoded, error) {
	var n nativeOrder
	if err := json.Unmarshal(raw, &n); err != nil {
		id, number := peekIdentity(raw)
		field, e := platformkit.FieldError("", err)
		return nil, &rosync.InvalidOrderError{OrderID: id, Number: number, Field: field, Err: e}
	}
	d := &decoded{}
	o := &d.order
	o.Platform = Name
	id, idErr := legacyID(n.LegacyResourceID)
	o.ID = id
	o.Number = strings.TrimPrefix(strings.TrimSpace(n.Name), "#")
	bad := func(field, format string, args ...any) error {
		return &rosync.InvalidOrderError{OrderID: o.ID, Number: o.Number, Field: field, Err: fmt.Errorf(format, args...)}
	}
	if idErr != nil {
		return nil, bad("legacyResourceId", "%v", idErr)
	}
	if o.Number == "" {
		o.Number = o.ID
	}
	o.Currency = strings.TrimSpace(n.CurrencyCode)
	if o.Currency == "" {
		return nil, bad("currencyCode", "missing currency code")
	}
	var err error
	if o.CreatedAt, err = dateTime(n.CreatedAt, true); err != nil {
		return nil, bad("createdAt", "%v", err)
	}
	if o.UpdatedAt, err = dateTime(n.UpdatedAt, false); err != nil {
		return nil, bad("updatedAt", "%v", err)
	}
	if o.UpdatedAt.IsZero() {
		o.UpdatedAt = o.CreatedAt
	}
	cancelled := n.CancelledAt != nil && strings.TrimSpace(*n.CancelledAt) != ""
	if cancelled {
		if _, err := dateTime(n.CancelledAt, true); err != nil {
			return nil, bad("cancelledAt", "%v", err)
		}
	}
	o.Status = deriveStatus(cancelled, str(n.DisplayFinancialStatus), n.DisplayFulfillmentStatus)
	// ORD-3: the products' total as Shopify states it, after discounts
	// and refunds, without shipping; the lines must add up to it.
	if n.CurrentSubtotalPriceSet == nil {
		return nil, bad("currentSubtotalPriceSet", "missing order subtotal")
	}
	if o.Total, err = shopMoney(n.CurrentSubtotalPriceSet, o.Currency); err != nil {
		return nil, bad("currentSubtotalPriceSet.shopMoney", "%v", err)
	}

	if limited {
		o.CustomerRedacted = true // SHO-C2: the plan withholds customer data
	} else {
		o.Customer = customerOf(&n)
		o.CustomerRedacted = o.Customer == nil
	}

	if n.ShippingLine != nil || n.ShippingAddress.line() != "" {
		del := &rosync.Delivery{Address: n.ShippingAddress.line()}
		if sl := n.ShippingLine; sl != nil {
			del.Service = str(sl.Title)
			if sl.CurrentDiscountedPriceSet != nil { // DEL-1: what the customer pays for delivery
				if del.Fee, err = shopMoney(sl.CurrentDiscountedPriceSet, o.Currency); err != nil {
					return nil, bad("shippingLine.currentDiscountedPriceSet.shopMoney", "%v", err)
				}
			}
		}
		o.Delivery = del // DEL-1
	}

	if n.LineItems == nil {
		return nil, bad("lineItems", "missing line items")
	}
	o.Lines = make([]rosync.LineItem, 0, len(n.LineItems.Nodes))
	if err := d.addLines(n.LineItems.Nodes, n.LineItems.PageInfo.HasNextPage, str(n.LineItems.PageInfo.EndCursor)); err != nil {
		return nil, err
	}
	return d, nil
}

// addLines decodes a page of line item nodes into the order.
func (d *decoded) addLines(nodes []json.RawMessage, more bool, cursor string) error {
	o := &d.order
	bad := func(field, format string, args ...any) error {
		return &rosync.InvalidOrderError{OrderID: o.ID, Number: o.Number, Field: field, Err: fmt.Errorf(format, args...)}
	}
	for _, raw := range nodes {
		f := "lineItems.nodes[" + strconv.Itoa(d.lineIndex) + "]"
		d.lineIndex++
		var nl nativeLine
		if err := json.Unmarshal(raw, &nl); err != nil {
			field, e := platformkit.FieldError(f, err)
			return &rosync.InvalidOrderError{OrderID: o.ID, Number: o.Number, Field: field, Err: e}
		}
		lineID, err := gidTail(nl.ID, "LineItem")
		if err != nil {
			return bad(f+".id", "%v", err)
		}
		if nl.CurrentQuantity == nil {
			return bad(f+".currentQuantity", "missing current quantity")
		}
		q := *nl.CurrentQuantity
		switch {
		case q < 0:
			return bad(f+".currentQuantity", "quantity %d is negative", q)
		case q > rosync.MaxQuantity:
			return bad(f+".currentQuantity", "quantity %d exceeds %d", q, rosync.MaxQuantity)
		case q == 0:
			continue // removed by an edit or a refund
		}
		if nl.Price == nil {
			return bad(f+".originalUnitPriceSet", "missing unit price")
		}
		price, err := shopMoney(nl.Price, o.Currency)
		if err != nil {
			return bad(f+".originalUnitPriceSet.shopMoney", "%v", err)
		}
		discount, prorated, err := lineDiscount(&nl, q, o.Currency)
		if err != nil {
			return bad(f+".discountAllocations", "%v", err)
		}
		p := rosync.Product{SKU: str(nl.SKU), Name: str(nl.Name)}
		if p.Name == "" {
			p.Name = str(nl.Title)
		}
		var productID, variantID string
		if nl.Product != nil {
			if productID, err = optionalLegacyID(nl.Product.LegacyResourceID); err != nil {
				return bad(f+".product.legacyResourceId", "%v", err)
			}
			p.Description = str(nl.Product.Description)
			if c := nl.Product.Category; c != nil {
				p.Category = categoryPath(str(c.FullName), str(c.Name))
			}
		}
		if nl.Variant != nil {
			if variantID, err = optionalLegacyID(nl.Variant.LegacyResourceID); err != nil {
				return bad(f+".variant.legacyResourceId", "%v", err)
			}
		}
		// SHO-P1: the product id goes to the RO App Code field. A product
		// with variants is sold per variant, so each variant is a product
		// of its own there, with the variant's id (as rosync.Product.ID
		// says, and as WooCommerce variations are).
		p.ID = productID
		if variantID != "" && (productID == "" || (nl.Product.HasOnlyDefaultVariant != nil && !*nl.Product.HasOnlyDefaultVariant)) {
			p.ID = variantID
		}
		if prorated {
			d.prorated = append(d.prorated, len(o.Lines))
		}
		o.Lines = append(o.Lines, rosync.LineItem{ID: lineID, Product: p, Quantity: q, Price: price, Discount: discount})
	}
	d.moreLines, d.cursor = more, cursor
	if more && cursor == "" {
		return bad("lineItems.pageInfo.endCursor", "a next page without a cursor")
	}
	return nil
}

// customerOf maps the customer (SHO-C1, CUS-2): names, email and phone from
// customer (email and phone falling back to the order's, then the phone to
// the shipping address's), the address and country from the shipping
// address, else the customer's default address. Nil when nothing names or
// reaches the buyer: Shopify returns redacted protected customer data as
// nulls (SHO-C2).
func customerOf(n *nativeOrder) *rosync.Customer {
	c := &rosync.Customer{}
	if nc := n.Customer; nc != nil {
		c.FirstName, c.LastName = str(nc.FirstName), str(nc.LastName)
		if e := nc.DefaultEmailAddress; e != nil {
			c.Email = str(e.EmailAddress)
		}
		if ph := nc.DefaultPhoneNumber; ph != nil {
			c.Phone = str(ph.PhoneNumber)
		}
	}
	if c.Email == "" {
		c.Email = str(n.Email)
	}
	if c.Phone == "" {
		c.Phone = str(n.Phone)
	}
	if c.Phone == "" && n.ShippingAddress != nil {
		c.Phone = str(n.ShippingAddress.Phone)
	}
	addr := n.ShippingAddress
	if addr.line() == "" && n.Customer != nil {
		addr = n.Customer.DefaultAddress
	}
	if addr != nil {
		c.Address = addr.line()
		c.Country = strings.ToUpper(str(addr.CountryCodeV2))
	}
	if !c.HasName() && !c.HasContact() {
		return nil
	}
	return c
}

// lineDiscount is the discount of a line's current units: the sum of its
// discount allocations (line discounts and its share of order discounts
// such as a code, in the shop's money), which Shopify gives for all the
// units ordered, refunded and removed ones included. When some units are
// gone (currentQuantity below quantity), the allocations are prorated to
// the units left, rounded half up to the currency, and prorated is true:
// Shopify splits a line's discount per unit only approximately, so such a
// line may be a minor unit off, which settle corrects against the order's
// subtotal.
func lineDiscount(nl *nativeLine, current int64, currency string) (discount decimal.Decimal, prorated bool, err error) {
	discount = decimal.Zero
	for i, a := range nl.DiscountAllocations {
		amount, err := shopMoney(a.AllocatedAmountSet, currency)
		if err != nil {
			return decimal.Zero, false, fmt.Errorf("[%d].allocatedAmountSet.shopMoney: %w", i, err)
		}
		if amount.IsNegative() {
			return decimal.Zero, false, fmt.Errorf("[%d]: allocated amount %s is negative", i, amount)
		}
		discount = discount.Add(amount)
	}
	ordered := current
	if nl.Quantity != nil {
		ordered = *nl.Quantity
	}
	if discount.IsZero() || ordered <= current {
		return discount, false, nil
	}
	digits, ok := rosync.CurrencyDigits(currency)
	if !ok {
		digits = 2
	}
	share := discount.Mul(decimal.NewFromInt(current)).Div(decimal.NewFromInt(ordered)).Round(digits)
	return share, true, nil
}

// settle makes the lines of an order whose discounts were prorated (see
// lineDiscount) add up to the subtotal Shopify states (ORD-3): the
// difference, when it is at most one minor unit of the currency per
// prorated line, is taken from or given back to those lines one unit at a
// time. A larger difference is left for Order.Validate to refuse: the
// order carries something the adapter does not read.
func (d *decoded) settle() {
	o := &d.order
	if len(d.prorated) == 0 {
		return
	}
	digits, ok := rosync.CurrencyDigits(o.Currency)
	if !ok {
		return
	}
	unit := decimal.New(1, -digits)
	diff := o.LinesTotal().Sub(o.Total) // > 0: the lines ask too much, discount more
	if diff.IsZero() || diff.Abs().GreaterThan(unit.Mul(decimal.NewFromInt(int64(len(d.prorated))))) {
		return
	}
	step := unit
	if diff.IsNegative() {
		step = unit.Neg()
	}
	for _, i := range d.prorated {
		if diff.IsZero() {
			return
		}
		l := &o.Lines[i]
		next := l.Discount.Add(step)
		if next.IsNegative() || next.GreaterThan(l.Price.Mul(decimal.NewFromInt(l.Quantity))) {
			continue
		}
		l.Discount = next
		diff = diff.Sub(step)
	}
}

// categoryPath splits a taxonomy category's full name ("Apparel &
// Accessories > Clothing > Shirts") into its path; nil for none.
func categoryPath(fullName, name string) []string {
	if fullName == "" {
		if name == "" {
			return nil
		}
		return []string{name}
	}
	var path []string
	for _, part := range strings.Split(fullName, " > ") {
		if part = strings.TrimSpace(part); part != "" {
			path = append(path, part)
		}
	}
	return path
}

// ------------------------------------------------------------ strict readers

func str(s *string) string {
	if s == nil {
		return ""
	}
	return strings.TrimSpace(*s)
}

// dateTime reads a DateTime (ISO 8601 with an offset) as UTC.
func dateTime(s *string, required bool) (time.Time, error) {
	if s == nil || strings.TrimSpace(*s) == "" {
		if required {
			return time.Time{}, errors.New("missing date")
		}
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(*s))
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an ISO 8601 date-time with an offset", *s)
	}
	return t.UTC(), nil
}

// legacyID reads a legacyResourceId, an UnsignedInt64 that GraphQL sends as
// a string of digits.
func legacyID(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", errors.New("missing id")
	}
	if raw[0] != '"' {
		return "", fmt.Errorf("id %s is a JSON %s, want a string of digits", platformkit.Truncate(raw), platformkit.JSONKind(raw))
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", err
	}
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil || n == 0 {
		return "", fmt.Errorf("id %q is not a positive integer", s)
	}
	return strconv.FormatUint(n, 10), nil
}

// optionalLegacyID is legacyID where null or absence means none (a deleted
// product or variant).
func optionalLegacyID(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	return legacyID(raw)
}

// gidTail returns the numeric id of a GID "gid://shopify/<kind>/<n>".
func gidTail(gid, kind string) (string, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(gid), "gid://shopify/"+kind+"/")
	if !ok {
		if gid == "" {
			return "", errors.New("missing id")
		}
		return "", fmt.Errorf("%q is not a %s id", platformkit.Truncate([]byte(gid)), kind)
	}
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		rest = rest[:i]
	}
	n, err := strconv.ParseUint(rest, 10, 64)
	if err != nil || n == 0 {
		return "", fmt.Errorf("%q is not a %s id", platformkit.Truncate([]byte(gid)), kind)
	}
	return strconv.FormatUint(n, 10), nil
}

// shopMoney reads a MoneyBag's shopMoney amount (a Decimal, sent as a JSON
// string), in the order's currency.
func shopMoney(b *moneyBag, currency string) (decimal.Decimal, error) {
	if b == nil || b.ShopMoney == nil {
		return decimal.Decimal{}, errors.New("missing shop money")
	}
	if cc := str(b.ShopMoney.CurrencyCode); cc != "" && !strings.EqualFold(cc, currency) {
		return decimal.Decimal{}, fmt.Errorf("amount in %s, the order is in %s", cc, currency)
	}
	raw := bytes.TrimSpace(b.ShopMoney.Amount)
	if len(raw) == 0 || string(raw) == "null" {
		return decimal.Decimal{}, errors.New("missing amount")
	}
	if raw[0] != '"' {
		return decimal.Decimal{}, fmt.Errorf("amount %s is a JSON %s, want a string", platformkit.Truncate(raw), platformkit.JSONKind(raw))
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return decimal.Decimal{}, err
	}
	d, err := decimal.NewFromString(strings.TrimSpace(s))
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("amount %q is not a decimal number", platformkit.Truncate([]byte(s)))
	}
	return d, nil
}

// peekIdentity reads the top-level legacyResourceId and name of an order
// node whose JSON may be malformed or truncated, for error reports.
func peekIdentity(raw []byte) (id, number string) {
	platformkit.ScanObject(raw, func(key string, v json.RawMessage) bool {
		switch key {
		case "legacyResourceId":
			if s, err := legacyID(v); err == nil {
				id = s
			}
		case "name":
			var s string
			if json.Unmarshal(v, &s) == nil {
				number = strings.TrimPrefix(strings.TrimSpace(s), "#")
			}
		}
		return id == "" || number == ""
	})
	return id, number
}
