package prestashop

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/platformkit"
)

// nativeOrder is a Webservice order with display=full, its scalars as
// strings (UNVERIFIED, see the package doc).
type nativeOrder struct {
	ID                json.Number `json:"id"`
	Reference         string      `json:"reference"`
	IDCustomer        string      `json:"id_customer"`
	IDAddressDelivery string      `json:"id_address_delivery"`
	IDCurrency        string      `json:"id_currency"`
	CurrentState      string      `json:"current_state"`
	DateAdd           string      `json:"date_add"`
	DateUpd           string      `json:"date_upd"`
	TotalPaid         string      `json:"total_paid"`
	Associations      struct {
		OrderRows []nativeRow `json:"order_rows"`
	} `json:"associations"`
}

type nativeRow struct {
	ID                 string `json:"id"`
	ProductID          string `json:"product_id"`
	ProductAttributeID string `json:"product_attribute_id"`
	ProductName        string `json:"product_name"`
	ProductReference   string `json:"product_reference"`
	ProductQuantity    string `json:"product_quantity"`
	UnitPriceTaxIncl   string `json:"unit_price_tax_incl"`
}

// decode turns a native order into a rosync.Order, reading its customer
// and delivery address. A bad order is an *rosync.InvalidOrderError (with
// its id when readable); a failed customer or address read another error.
func (p *Platform) decode(ctx context.Context, raw json.RawMessage) (rosync.Order, error) {
	var n nativeOrder
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&n); err != nil {
		inv := &rosync.InvalidOrderError{}
		platformkit.ScanObject(raw, func(k string, v json.RawMessage) bool {
			if k == "id" {
				inv.OrderID = strings.Trim(string(v), `"`)
				return false
			}
			return true
		})
		inv.Field, inv.Err = platformkit.FieldError("", err)
		return rosync.Order{}, inv
	}
	bad := func(field string, err error) (rosync.Order, error) {
		return rosync.Order{}, &rosync.InvalidOrderError{OrderID: n.ID.String(), Number: n.Reference, Field: field, Err: err}
	}
	if _, err := strconv.ParseUint(n.ID.String(), 10, 64); err != nil {
		return bad("id", errors.New("not an order id"))
	}
	if n.IDCurrency != p.opts.CurrencyID {
		return bad("id_currency", fmt.Errorf("currency %s, the shop's is %s (%s): %w", n.IDCurrency, p.opts.CurrencyID, p.opts.Currency, rosync.ErrCurrencyMismatch)) // PRS-5
	}
	created, err := p.date(n.DateAdd)
	if err != nil {
		return bad("date_add", err)
	}
	updated, err := p.date(n.DateUpd)
	if err != nil {
		return bad("date_upd", err)
	}
	total, err := decimal.NewFromString(n.TotalPaid)
	if err != nil {
		return bad("total_paid", fmt.Errorf("%q is not an amount", n.TotalPaid))
	}
	o := rosync.Order{
		Platform: Name, ID: n.ID.String(), Number: n.Reference, Status: n.CurrentState,
		Currency: strings.ToUpper(p.opts.Currency), CreatedAt: created, UpdatedAt: updated, Total: total,
	}
	for i, r := range n.Associations.OrderRows {
		f := fmt.Sprintf("associations.order_rows[%d]", i)
		q, err := strconv.ParseInt(r.ProductQuantity, 10, 64)
		if err != nil || q <= 0 {
			return bad(f+".product_quantity", fmt.Errorf("%q is not a positive quantity", r.ProductQuantity))
		}
		price, err := decimal.NewFromString(r.UnitPriceTaxIncl)
		if err != nil || price.IsNegative() {
			return bad(f+".unit_price_tax_incl", fmt.Errorf("%q is not a price", r.UnitPriceTaxIncl))
		}
		if r.ID == "" {
			return bad(f+".id", errors.New("missing"))
		}
		pid := r.ProductID
		if r.ProductAttributeID != "" && r.ProductAttributeID != "0" {
			pid += "-" + r.ProductAttributeID // a combination is its own product
		}
		o.Lines = append(o.Lines, rosync.LineItem{
			ID: r.ID, Quantity: q, Price: price,
			Product: rosync.Product{ID: pid, SKU: r.ProductReference, Name: r.ProductName},
		})
	}
	if n.IDCustomer != "" && n.IDCustomer != "0" {
		c, err := p.customer(ctx, n.IDCustomer, n.IDAddressDelivery)
		if errors.Is(err, rosync.ErrNotFound) {
			return bad("id_customer", err)
		}
		if err != nil {
			return rosync.Order{}, err
		}
		o.Customer = c
	}
	return o, nil
}

func (p *Platform) date(s string) (time.Time, error) {
	t, err := time.ParseInLocation(DateLayout, s, p.loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date like 2026-01-31 23:59:00", s)
	}
	return t.UTC(), nil
}

// customer reads the order's customer and the phone of its delivery
// address.
func (p *Platform) customer(ctx context.Context, id, addressID string) (*rosync.Customer, error) {
	var c struct {
		Customer struct {
			FirstName string `json:"firstname"`
			LastName  string `json:"lastname"`
			Email     string `json:"email"`
		} `json:"customer"`
	}
	if err := p.get(ctx, "customers/"+url.PathEscape(id), nil, &c); err != nil {
		return nil, err
	}
	out := &rosync.Customer{FirstName: c.Customer.FirstName, LastName: c.Customer.LastName, Email: c.Customer.Email}
	if addressID == "" || addressID == "0" {
		return out, nil
	}
	var a struct {
		Address struct {
			Phone       string `json:"phone"`
			PhoneMobile string `json:"phone_mobile"`
		} `json:"address"`
	}
	if err := p.get(ctx, "addresses/"+url.PathEscape(addressID), nil, &a); err != nil {
		return nil, err
	}
	out.Phone = a.Address.PhoneMobile
	if out.Phone == "" {
		out.Phone = a.Address.Phone
	}
	return out, nil
}
