package prestashoptest

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Line is a product line of Native.
type Line struct {
	ID, ProductID, SKU, Name string
	Quantity                 int64
	Price                    decimal.Decimal
}

// NativeOrder builds a Webservice order with display=full as the fake
// serves it: scalars as strings, the id a number, dates in loc (nil: UTC).
func NativeOrder(id int64, reference, state string, created, updated time.Time, loc *time.Location, lines []Line) json.RawMessage {
	if loc == nil {
		loc = time.UTC
	}
	total := decimal.Zero
	rows := make([]map[string]any, 0, len(lines))
	for _, l := range lines {
		total = total.Add(l.Price.Mul(decimal.NewFromInt(l.Quantity)))
		rows = append(rows, map[string]any{
			"id": l.ID, "product_id": l.ProductID, "product_attribute_id": "0", "product_name": l.Name,
			"product_reference": l.SKU, "product_quantity": fmt.Sprint(l.Quantity),
			"unit_price_tax_incl": l.Price.StringFixed(6),
		})
	}
	ids := fmt.Sprint(id)
	o := map[string]any{
		"id": id, "reference": reference, "id_customer": ids, "id_address_delivery": ids, "id_currency": "1",
		"current_state": state, "date_add": created.In(loc).Format("2006-01-02 15:04:05"),
		"date_upd": updated.In(loc).Format("2006-01-02 15:04:05"), "total_paid": total.StringFixed(6),
		"associations": map[string]any{"order_rows": rows},
	}
	raw, _ := json.Marshal(o)
	return raw
}

// NativeCustomer and NativeAddress build the customer and delivery address
// that NativeOrder(id, …) names.
func NativeCustomer(id int64, first, last, email string) json.RawMessage {
	raw, _ := json.Marshal(map[string]any{"id": id, "firstname": first, "lastname": last, "email": email})
	return raw
}

// NativeAddress builds the delivery address that NativeOrder(id, …) names.
func NativeAddress(id int64, phone string) json.RawMessage {
	raw, _ := json.Marshal(map[string]any{"id": id, "phone": "", "phone_mobile": phone})
	return raw
}
