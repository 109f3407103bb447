package rosync

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// MaxQuantity is the largest line quantity an order may carry. Larger values
// are taken as corrupt input, not as an order.
const MaxQuantity = 1_000_000

// Order is a platform order in normalised form: decimal money, UTC times,
// platform-neutral fields. Adapters build it from native JSON.
type Order struct {
	// Platform is the adapter's Name(), e.g. "woocommerce".
	Platform string
	// ID is the platform's own id as a string (Shopify legacyResourceId,
	// WooCommerce id, Cartum order_id).
	ID string
	// Number is the number customers see, without a leading '#'.
	Number string
	// Status is the platform's native status (WooCommerce "processing",
	// Cartum status id, Shopify a derived "open"/"fulfilled"/"cancelled"/
	// "refunded"); Policy.ExcludedStatuses and Settings.StatusMap use it.
	Status string
	// Currency is the ISO 4217 code of the order's money.
	Currency string
	// CreatedAt and UpdatedAt are UTC.
	CreatedAt time.Time
	UpdatedAt time.Time
	// Customer is nil when the order names no customer.
	Customer *Customer
	// CustomerRedacted is true when the platform withholds customer data
	// (Shopify Basic plan, SHO-C2): the order goes to the shared
	// "Not specified" contact.
	CustomerRedacted bool
	// Lines are the order's products with their current quantities (after
	// edits and refunds). A line whose quantity fell to 0 is removed.
	Lines []LineItem
	// Total is what the customer pays for the products, as the platform
	// states it: after line and order discounts, without delivery. The
	// adapter sets it from the platform's own figure (Cartum total_sum,
	// WooCommerce line totals, Shopify's current subtotal); Validate
	// checks that the lines add up to it (ORD-3), so an order whose
	// discount an adapter failed to carry is refused, never imported at a
	// wrong amount. Zero with lines whose amounts are not zero is an
	// adapter that did not state it: Validate refuses that too.
	Total decimal.Decimal
	// Delivery is nil when the order has no delivery details.
	Delivery *Delivery
}

// LineItem is one product line of an order.
type LineItem struct {
	// ID is the platform's line id, stable across edits.
	ID       string
	Product  Product
	Quantity int64
	// Price is the unit price, with no more decimals than the currency
	// has (see LinePrice for platforms whose unit price is uneven).
	Price decimal.Decimal
	// Discount is the value taken off the whole line (not per unit), so
	// that Price×Quantity−Discount is exactly what the customer pays for
	// the line (ORD-3). It is sent to RO App as the item's value discount.
	Discount decimal.Decimal
}

// Amount is what the customer pays for the line: Price×Quantity−Discount.
func (l LineItem) Amount() decimal.Decimal {
	return l.Price.Mul(decimal.NewFromInt(l.Quantity)).Sub(l.Discount)
}

// LinesTotal is the sum of the lines' amounts.
func (o *Order) LinesTotal() decimal.Decimal {
	sum := decimal.Zero
	for _, l := range o.Lines {
		sum = sum.Add(l.Amount())
	}
	return sum
}

// LinePrice splits a line the platform states as totals into what RO App
// takes: a unit price with the currency's decimals and a value discount
// for the whole line (ORD-3). subtotal is the line's amount before
// discounts and total what the customer pays for it (WooCommerce's
// subtotal and total; equal when the line has no discount). The unit price
// is subtotal/quantity rounded up to the currency, so that the discount
// is never negative: 100.00 over 3 units is a unit price of 33.34 and a
// discount of 0.02. It returns an error when a figure is negative, when
// total exceeds subtotal, or when quantity is not positive.
func LinePrice(subtotal, total decimal.Decimal, quantity int64, digits int32) (price, discount decimal.Decimal, err error) {
	switch {
	case quantity <= 0:
		return decimal.Zero, decimal.Zero, fmt.Errorf("quantity %d is not positive", quantity)
	case subtotal.IsNegative() || total.IsNegative():
		return decimal.Zero, decimal.Zero, fmt.Errorf("line amounts %s and %s must not be negative", subtotal, total)
	case total.GreaterThan(subtotal):
		return decimal.Zero, decimal.Zero, fmt.Errorf("line total %s exceeds its subtotal %s", total, subtotal)
	}
	subtotal, total = subtotal.Round(digits), total.Round(digits)
	q := decimal.NewFromInt(quantity)
	price = subtotal.Div(q).RoundCeil(digits)
	return price, price.Mul(q).Sub(total), nil
}

// SpreadDiscount takes an order-level discount (a coupon, a manager's
// discount: Cartum's total_sum below the lines' sum) off the lines, in
// proportion to their amounts, as value discounts in whole minor units of
// the currency: the lines' amounts then add up to exactly their former sum
// minus discount (ORD-3). The largest remainders get the leftover cents,
// earlier lines first on a tie. It returns an error when discount is
// negative or larger than the lines' sum.
func SpreadDiscount(lines []LineItem, discount decimal.Decimal, digits int32) error {
	if discount.IsZero() {
		return nil
	}
	if discount.IsNegative() {
		return fmt.Errorf("order discount %s is negative", discount)
	}
	discount = discount.Round(digits)
	sum := decimal.Zero
	for _, l := range lines {
		sum = sum.Add(l.Amount())
	}
	if discount.GreaterThan(sum) {
		return fmt.Errorf("order discount %s exceeds the lines' amount %s", discount, sum)
	}
	unit := decimal.New(1, -digits)
	type share struct {
		i    int
		rest decimal.Decimal
	}
	shares := make([]share, 0, len(lines))
	given := decimal.Zero
	for i, l := range lines {
		exact := discount.Mul(l.Amount()).Div(sum)
		part := exact.RoundFloor(digits)
		lines[i].Discount = lines[i].Discount.Add(part)
		given = given.Add(part)
		shares = append(shares, share{i, exact.Sub(part)})
	}
	sort.SliceStable(shares, func(a, b int) bool { return shares[a].rest.GreaterThan(shares[b].rest) })
	for k := 0; given.LessThan(discount); k++ {
		i := shares[k%len(shares)].i
		if lines[i].Amount().LessThan(unit) {
			continue
		}
		lines[i].Discount = lines[i].Discount.Add(unit)
		given = given.Add(unit)
	}
	return nil
}

// Delivery holds what DEL-1 transfers as a comment: service, fee, address.
type Delivery struct {
	Service string
	Fee     decimal.Decimal
	// FeeNotCalculated says the platform did not calculate the delivery
	// cost (Cartum's delivery_price -1): Fee is zero and the comment says
	// "Fee: not calculated" instead of a sum.
	FeeNotCalculated bool
	Address          string
}

// IsZero reports whether d carries nothing worth a comment.
func (d *Delivery) IsZero() bool {
	return d == nil || (strings.TrimSpace(d.Service) == "" && d.Fee.IsZero() && strings.TrimSpace(d.Address) == "")
}

// deliveryPrefix starts every delivery comment.
const deliveryPrefix = "Delivery"

// isDeliveryComment reports whether a comment text is a delivery comment.
func isDeliveryComment(text string) bool { return strings.HasPrefix(text, deliveryPrefix) }

// Comment is the text of the RO App event-feed comment for d (DEL-1).
func (d *Delivery) Comment() string {
	var b strings.Builder
	b.WriteString(deliveryPrefix)
	if s := strings.TrimSpace(d.Service); s != "" {
		b.WriteString(": " + s)
	}
	if d.FeeNotCalculated && d.Fee.IsZero() {
		b.WriteString("\nFee: not calculated")
	} else {
		b.WriteString("\nFee: " + d.Fee.StringFixed(2))
	}
	if a := strings.TrimSpace(d.Address); a != "" {
		b.WriteString("\nAddress: " + a)
	}
	return b.String()
}

// Hash is a stable digest of d, used to add a new comment only when the
// delivery details changed (DEL-2). The hash of a nil Delivery is "".
func (d *Delivery) Hash() string {
	if d.IsZero() {
		return ""
	}
	return commentHash(d.Comment())
}

// commentHash is the digest of a comment text, so that a comment whose add
// was interrupted can be recognised among the order's comments.
func commentHash(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:8])
}

// Validate checks the order's data rules (ORD-3, PRD-6, ENG-5): an id, UTC
// times, positive bounded quantities, non-negative prices with no more
// decimals than the currency has, and a known currency. It returns an
// *InvalidOrderError naming the field at fault.
func (o *Order) Validate() error {
	bad := func(field, format string, args ...any) error {
		return &InvalidOrderError{OrderID: o.ID, Number: o.Number, Field: field, Err: fmt.Errorf(format, args...)}
	}
	if o.ID == "" {
		return bad("id", "missing order id")
	}
	if o.CreatedAt.IsZero() {
		return bad("created_at", "missing creation date")
	}
	digits, ok := CurrencyDigits(o.Currency)
	if !ok {
		return bad("currency", "unknown currency %q", o.Currency)
	}
	seen := make(map[string]bool, len(o.Lines))
	for i, l := range o.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		if l.ID == "" {
			return bad(f+".id", "missing line id")
		}
		if seen[l.ID] {
			return bad(f+".id", "duplicate line id %q", l.ID)
		}
		seen[l.ID] = true
		if l.Quantity <= 0 {
			return bad(f+".quantity", "quantity %d is not positive", l.Quantity)
		}
		if l.Quantity > MaxQuantity {
			return bad(f+".quantity", "quantity %d exceeds %d", l.Quantity, MaxQuantity)
		}
		if err := checkMoney(l.Price, digits); err != nil {
			return bad(f+".price", "%v", err)
		}
		if err := checkMoney(l.Discount, digits); err != nil {
			return bad(f+".discount", "%v", err)
		}
		if l.Amount().IsNegative() {
			return bad(f+".discount", "discount %s exceeds the line's %s", l.Discount, l.Price.Mul(decimal.NewFromInt(l.Quantity)))
		}
		if strings.TrimSpace(l.Product.Name) == "" && l.Product.SKU == "" && l.Product.ID == "" {
			return bad(f+".product", "line names no product")
		}
	}
	if o.Delivery != nil {
		if err := checkMoney(o.Delivery.Fee, digits); err != nil {
			return bad("delivery.fee", "%v", err)
		}
	}
	if len(o.Lines) > 0 {
		// ORD-3: the lines carry what the customer pays, to the cent.
		if sum := o.LinesTotal(); !sum.Equal(o.Total) {
			return bad("total", "the lines amount to %s but the platform states %s", sum.StringFixed(digits), o.Total.StringFixed(digits))
		}
	}
	return nil
}

func checkMoney(d decimal.Decimal, digits int32) error {
	if d.IsNegative() {
		return fmt.Errorf("amount %s is negative", d)
	}
	if !d.Equal(d.Truncate(digits)) {
		return fmt.Errorf("amount %s has more than %d decimals", d, digits)
	}
	if d.GreaterThan(maxAmount) {
		return fmt.Errorf("amount %s is too large", d)
	}
	return nil
}

var maxAmount = decimal.New(1, 12)

// currencyDigits lists ISO 4217 currencies whose minor unit is not 2.
var currencyDigits = map[string]int32{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
	"PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

// knownCurrencies is the ISO 4217 list of active currency codes.
var knownCurrencies = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range strings.Fields(`AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB
BRL BSD BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP
GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW
KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN
NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS
SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD
XCG XOF XPF YER ZAR ZMW ZWG MDL`) {
		m[c] = true
	}
	return m
}()

// CurrencyDigits returns the number of decimals of an ISO 4217 currency code
// (case-insensitive) and whether the code is known.
func CurrencyDigits(code string) (int32, bool) {
	c := strings.ToUpper(strings.TrimSpace(code))
	if !knownCurrencies[c] {
		return 0, false
	}
	if d, ok := currencyDigits[c]; ok {
		return d, true
	}
	return 2, true
}

// SameCurrency reports whether two currency codes name the same currency.
func SameCurrency(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// ExternalRef identifies a platform order in RO App. It is written into the
// RO App order (manager notes, and a custom field when one is configured) so
// that after any doubt the order can be found again instead of created twice.
type ExternalRef struct {
	Platform  string
	Shop      string
	OrderID   string
	Number    string
	CreatedAt time.Time
	// Zone is the shop's timezone (ShopInfo.Timezone): the human line of
	// Notes shows the order's date in it, as the shop's staff know it. The
	// machine lines stay in UTC. Nil means UTC.
	Zone *time.Location
}

// Key is the compact unique form "rosync:<platform>:<shop>:<order id>".
func (r ExternalRef) Key() string {
	return "rosync:" + r.Platform + ":" + r.Shop + ":" + r.OrderID
}

// Notes renders the manager notes of the RO App order: one human line with
// the order's date in the shop's timezone (Zone), then machine lines, in
// UTC, that ParseNotes reads back.
func (r ExternalRef) Notes() string {
	zone := r.Zone
	if zone == nil {
		zone = time.UTC
	}
	return fmt.Sprintf("%s order #%s of %s\nrosync-ref: %s\nrosync-number: %s\nrosync-created: %s",
		r.Platform, r.Number, r.CreatedAt.In(zone).Format("2006-01-02 15:04 -07:00 MST"), r.Key(), r.Number,
		r.CreatedAt.UTC().Format(time.RFC3339))
}

// ParseNotes reads back an ExternalRef written by Notes. ok is false when the
// notes hold no rosync reference.
func ParseNotes(notes string) (ref ExternalRef, ok bool) {
	for _, line := range strings.Split(notes, "\n") {
		k, v, found := strings.Cut(line, ": ")
		if !found {
			continue
		}
		switch k {
		case "rosync-ref":
			parts := strings.SplitN(v, ":", 4)
			if len(parts) != 4 || parts[0] != "rosync" {
				return ExternalRef{}, false
			}
			ref.Platform, ref.Shop, ref.OrderID = parts[1], parts[2], parts[3]
			ok = true
		case "rosync-number":
			ref.Number = v
		case "rosync-created":
			if t, err := time.Parse(time.RFC3339, v); err == nil {
				ref.CreatedAt = t.UTC()
			}
		}
	}
	return ref, ok
}
