package cartum

import (
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

// This file maps a native orders/get order to rosync.Order without any API
// call. Types are strict: a value of the wrong JSON type is an
// *rosync.InvalidOrderError naming the field, not a guess.

// TimeLayout is Cartum's date format: the shop's local time, no offset.
const TimeLayout = "2006-01-02 15:04:05"

// nativeOrder is the part of an orders/get order that rosync reads. Every
// field is kept raw and read by the strict readers.
type nativeOrder struct {
	OrderID            json.RawMessage `json:"order_id"`
	StatStatus         json.RawMessage `json:"stat_status"`
	StatCreated        json.RawMessage `json:"stat_created"`
	Currency           json.RawMessage `json:"currency"`
	DeliveryName       json.RawMessage `json:"delivery_name"`
	DeliveryPhone      json.RawMessage `json:"delivery_phone"`
	DeliveryEmail      json.RawMessage `json:"delivery_email"`
	DeliveryCity       json.RawMessage `json:"delivery_city"`
	DeliveryCityStable json.RawMessage `json:"delivery_city_stable"`
	DeliveryAddress    json.RawMessage `json:"delivery_address"`
	DeliveryType       json.RawMessage `json:"delivery_type"`
	DeliveryPrice      json.RawMessage `json:"delivery_price"`
	TotalSum           json.RawMessage `json:"total_sum"`
	Products           json.RawMessage `json:"products"`
}

// nativeLine is an element of products[].
type nativeLine struct {
	Article  json.RawMessage `json:"article"`
	Title    json.RawMessage `json:"title"`
	Quantity json.RawMessage `json:"quantity"`
	Price    json.RawMessage `json:"price"`
	// TotalPrice is what the customer pays for the line, when it explains
	// the order's discount line by line (see lineTotals).
	TotalPrice json.RawMessage `json:"total_price"`
}

// decoder holds what decoding needs from the Platform.
type decoder struct {
	loc      *time.Location
	currency string
	lang     string
}

func (p *Platform) decoder() decoder {
	return decoder{loc: p.loc, currency: p.currency, lang: p.lang}
}

// decode maps one native order. Every error is an *rosync.InvalidOrderError
// carrying the order's id when it can be read, even from malformed JSON.
func (d decoder) decode(raw []byte) (rosync.Order, error) {
	var n nativeOrder
	if err := json.Unmarshal(raw, &n); err != nil {
		id := peekOrderID(raw)
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return rosync.Order{}, &rosync.InvalidOrderError{OrderID: id, Number: id, Err: fmt.Errorf("the order is a JSON %s, want an object", te.Value)}
		}
		return rosync.Order{}, &rosync.InvalidOrderError{OrderID: id, Number: id, Err: syntaxError(err)}
	}
	o := rosync.Order{Platform: Name}
	bad := func(field string, err error) error {
		return &rosync.InvalidOrderError{OrderID: o.ID, Number: o.Number, Field: field, Err: err}
	}
	id, ok, err := readInt(n.OrderID)
	if err != nil {
		// A numeric string still names the order in the report.
		o.ID = peekOrderID(raw)
		o.Number = o.ID
		return rosync.Order{}, bad("order_id", err)
	}
	if !ok || id <= 0 {
		return rosync.Order{}, bad("order_id", errors.New("missing or non-positive order id"))
	}
	o.ID = strconv.FormatInt(id, 10)
	o.Number = o.ID // customers see order_id

	st, ok, err := readInt(n.StatStatus)
	if err != nil {
		return rosync.Order{}, bad("stat_status", err)
	}
	if !ok || st <= 0 {
		return rosync.Order{}, bad("stat_status", errors.New("missing status id"))
	}
	o.Status = strconv.FormatInt(st, 10)

	created, err := readString(n.StatCreated)
	if err != nil {
		return rosync.Order{}, bad("stat_created", err)
	}
	if o.CreatedAt, err = parseLocal(created, d.loc); err != nil {
		return rosync.Order{}, bad("stat_created", err)
	}
	// orders/get documents no modification date.
	o.UpdatedAt = o.CreatedAt

	o.Currency = d.currency
	if cur, err := readString(n.Currency); err != nil {
		return rosync.Order{}, bad("currency", err)
	} else if cur != "" {
		o.Currency = strings.ToUpper(cur)
	}
	digits, ok := rosync.CurrencyDigits(o.Currency)
	if !ok {
		return rosync.Order{}, bad("currency", fmt.Errorf("unknown currency %q", o.Currency))
	}

	if o.Customer, err = customerOf(&n); err != nil {
		return rosync.Order{}, err.(*fieldError).in(&o)
	}

	var lineTotals []*decimal.Decimal
	if o.Lines, lineTotals, err = d.lines(n.Products, digits); err != nil {
		return rosync.Order{}, err.(*fieldError).in(&o)
	}

	if o.Delivery, err = d.delivery(&n, digits); err != nil {
		return rosync.Order{}, err.(*fieldError).in(&o)
	}

	if o.Total, err = orderTotal(n.TotalSum, o.Lines, lineTotals, digits); err != nil {
		return rosync.Order{}, err.(*fieldError).in(&o)
	}
	if err := o.Validate(); err != nil {
		return rosync.Order{}, err
	}
	return o, nil
}

// fieldError is a decoding error of one field, before the order's identity
// is attached.
type fieldError struct {
	field string
	err   error
}

func (e *fieldError) Error() string { return e.field + ": " + e.err.Error() }

func (e *fieldError) in(o *rosync.Order) error {
	return &rosync.InvalidOrderError{OrderID: o.ID, Number: o.Number, Field: e.field, Err: e.err}
}

func fieldErr(field string, err error) error { return &fieldError{field: field, err: err} }

// parseLocal reads stat_created: "YYYY-MM-DD HH:MM:SS" in the shop's
// timezone (also accepted: a "T" separator, or RFC 3339 with an offset).
func parseLocal(s string, loc *time.Location) (time.Time, error) {
	if s == "" {
		return time.Time{}, errors.New("missing date")
	}
	for _, layout := range []string{TimeLayout, "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date (want %q)", s, "YYYY-MM-DD HH:MM:SS")
}

// customerOf reads the delivery_* fields: delivery_name is split into the
// first word (first name) and the rest (last name). Nil when the order
// names no one and gives no phone or email.
func customerOf(n *nativeOrder) (*rosync.Customer, error) {
	name, err := readString(n.DeliveryName)
	if err != nil {
		return nil, fieldErr("delivery_name", err)
	}
	phone, err := readString(n.DeliveryPhone)
	if err != nil {
		return nil, fieldErr("delivery_phone", err)
	}
	email, err := readString(n.DeliveryEmail)
	if err != nil {
		return nil, fieldErr("delivery_email", err)
	}
	c := &rosync.Customer{Phone: phone, Email: email}
	if words := strings.Fields(name); len(words) > 0 {
		c.FirstName, c.LastName = words[0], strings.Join(words[1:], " ")
	}
	if !c.HasName() && !c.HasContact() {
		return nil, nil
	}
	return c, nil
}

// lines reads products[]. Cartum has no line id: a line's ID is its article
// (its title when it has none), with "#2", "#3"… added to the second and
// later lines of the same article, so it is stable as long as the order's
// lines keep their order. Cartum has no product id apart from the article,
// so Product.ID is the article too.
//
// The second result holds each line's total_price when it is a readable
// amount with the currency's decimals (nil otherwise): it is used only to
// explain the order's discount (orderTotal), so a line is never refused for
// it.
func (d decoder) lines(raw json.RawMessage, digits int32) ([]rosync.LineItem, []*decimal.Decimal, error) {
	if isNull(raw) {
		return nil, nil, nil
	}
	if k := platformkit.JSONKind(raw); k != "array" {
		return nil, nil, fieldErr("products", fmt.Errorf("got a JSON %s, want an array", k))
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, nil, fieldErr("products", err)
	}
	lines := make([]rosync.LineItem, 0, len(items))
	totals := make([]*decimal.Decimal, 0, len(items))
	seen := make(map[string]int, len(items))
	for i, it := range items {
		f := "products[" + strconv.Itoa(i) + "]"
		if k := platformkit.JSONKind(it); k != "object" {
			return nil, nil, fieldErr(f, fmt.Errorf("got a JSON %s, want an object", k))
		}
		var nl nativeLine
		if err := json.Unmarshal(it, &nl); err != nil {
			return nil, nil, fieldErr(f, err)
		}
		article, err := readString(nl.Article)
		if err != nil {
			return nil, nil, fieldErr(f+".article", err)
		}
		title, err := readTitle(nl.Title, d.lang)
		if err != nil {
			return nil, nil, fieldErr(f+".title", err)
		}
		qty, ok, err := readInt(nl.Quantity)
		if err != nil {
			return nil, nil, fieldErr(f+".quantity", err)
		}
		if !ok || qty <= 0 {
			return nil, nil, fieldErr(f+".quantity", fmt.Errorf("quantity %d is not a positive integer", qty))
		}
		if qty > rosync.MaxQuantity {
			return nil, nil, fieldErr(f+".quantity", fmt.Errorf("quantity %d exceeds %d", qty, rosync.MaxQuantity))
		}
		price, ok, err := readMoney(nl.Price)
		if err != nil {
			return nil, nil, fieldErr(f+".price", err)
		}
		if !ok {
			return nil, nil, fieldErr(f+".price", errors.New("missing price"))
		}
		if err := checkMoney(price, digits); err != nil {
			return nil, nil, fieldErr(f+".price", err)
		}
		key := article
		if key == "" {
			key = "title:" + title
		}
		if key == "title:" {
			key = "line"
		}
		seen[key]++
		lineID := key
		if n := seen[key]; n > 1 {
			lineID = key + "#" + strconv.Itoa(n)
		}
		lines = append(lines, rosync.LineItem{
			ID:       lineID,
			Quantity: qty,
			Price:    price,
			Product:  rosync.Product{ID: article, SKU: article, Name: title},
		})
		var tp *decimal.Decimal
		if v, ok, err := readMoney(nl.TotalPrice); err == nil && ok && checkMoney(v, digits) == nil {
			tp = &v
		}
		totals = append(totals, tp)
	}
	return lines, totals, nil
}

// delivery reads DEL-1's details: delivery_type.title, delivery_price, and
// delivery_city (delivery_city_stable when empty) with delivery_address.
// Nil when all are empty.
func (d decoder) delivery(n *nativeOrder, digits int32) (*rosync.Delivery, error) {
	var del rosync.Delivery
	switch k := platformkit.JSONKind(n.DeliveryType); k {
	case "nothing", "null":
	case "object":
		var t struct {
			Title json.RawMessage `json:"title"`
		}
		if err := json.Unmarshal(n.DeliveryType, &t); err != nil {
			return nil, fieldErr("delivery_type", err)
		}
		title, err := readTitle(t.Title, d.lang)
		if err != nil {
			return nil, fieldErr("delivery_type.title", err)
		}
		del.Service = title
	default:
		return nil, fieldErr("delivery_type", fmt.Errorf("got a JSON %s, want an object", k))
	}
	fee, _, err := readMoney(n.DeliveryPrice)
	if err != nil {
		return nil, fieldErr("delivery_price", err)
	}
	if fee.Equal(feeNotCalculated) {
		// -1: the shop did not calculate the delivery cost (most orders
		// on real shops). No fee, and the comment says so.
		del.FeeNotCalculated = true
	} else {
		if err := checkMoney(fee, digits); err != nil {
			return nil, fieldErr("delivery_price", err)
		}
		del.Fee = fee
	}
	city, err := readString(n.DeliveryCity)
	if err != nil {
		return nil, fieldErr("delivery_city", err)
	}
	if city == "" {
		if city, err = readString(n.DeliveryCityStable); err != nil {
			return nil, fieldErr("delivery_city_stable", err)
		}
	}
	addr, err := readString(n.DeliveryAddress)
	if err != nil {
		return nil, fieldErr("delivery_address", err)
	}
	parts := make([]string, 0, 2)
	for _, s := range []string{city, addr} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	del.Address = strings.Join(parts, ", ")
	if del.IsZero() {
		return nil, nil
	}
	return &del, nil
}

// feeNotCalculated is the delivery_price Cartum sends when the delivery
// cost was not calculated.
var feeNotCalculated = decimal.NewFromInt(-1)

// orderTotal reads total_sum, what the customer pays for the products after
// coupon and manager discounts and without delivery, and carries the
// difference from the lines' prices (Σ price × quantity − total_sum) as line
// discounts, so that the lines amount to total_sum to the cent (ORD-3).
//
// The discount is taken line by line from products[].total_price when every
// line has one, none exceeds its line's price × quantity, and they add up
// to total_sum; otherwise it is spread over the lines in proportion to
// their amounts (rosync.SpreadDiscount). A total_sum that is negative, has
// more decimals than the currency, or exceeds the lines' sum is the
// platform stating the order wrongly: an error naming total_sum. Without a
// total_sum (absent or null) the lines' sum is taken: no discount.
func orderTotal(raw json.RawMessage, lines []rosync.LineItem, lineTotals []*decimal.Decimal, digits int32) (decimal.Decimal, error) {
	sum := decimal.Zero
	for _, l := range lines {
		sum = sum.Add(l.Amount())
	}
	total, ok, err := readMoney(raw)
	if err != nil {
		return decimal.Zero, fieldErr("total_sum", err)
	}
	if !ok {
		return sum, nil
	}
	if err := checkMoney(total, digits); err != nil {
		return decimal.Zero, fieldErr("total_sum", err)
	}
	if total.GreaterThan(sum) {
		return decimal.Zero, fieldErr("total_sum", fmt.Errorf("total_sum %s exceeds the lines' sum %s (price × quantity)", total, sum))
	}
	discount := sum.Sub(total)
	if discount.IsZero() {
		return total, nil
	}
	if byLine(lines, lineTotals, total) {
		return total, nil
	}
	if err := rosync.SpreadDiscount(lines, discount, digits); err != nil {
		return decimal.Zero, fieldErr("total_sum", err)
	}
	return total, nil
}

// byLine sets each line's discount from its total_price when they explain
// total: every line has one, none is above its line's amount, and they add
// up to total. It reports whether it did.
func byLine(lines []rosync.LineItem, lineTotals []*decimal.Decimal, total decimal.Decimal) bool {
	if len(lineTotals) != len(lines) {
		return false
	}
	sum := decimal.Zero
	for i, tp := range lineTotals {
		if tp == nil || tp.GreaterThan(lines[i].Amount()) {
			return false
		}
		sum = sum.Add(*tp)
	}
	if !sum.Equal(total) {
		return false
	}
	for i, tp := range lineTotals {
		lines[i].Discount = lines[i].Discount.Add(lines[i].Amount().Sub(*tp))
	}
	return true
}

// checkMoney refuses a negative amount or one with more decimals than the
// currency has (ENG-5: amounts are never rounded).
func checkMoney(v decimal.Decimal, digits int32) error {
	if v.IsNegative() {
		return fmt.Errorf("amount %s is negative", v)
	}
	if !v.Equal(v.Truncate(digits)) {
		return fmt.Errorf("amount %s has more than %d decimals", v, digits)
	}
	return nil
}
