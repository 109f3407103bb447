package woocommercetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/shopspring/decimal"
)

// This file gives a fixture order's line items the shape WooCommerce's REST
// API gives them (WC_REST_Orders_V2_Controller::get_order_item_data): the
// four amounts as strings, price as total / quantity in floating point,
// and the fields WooCommerce always sends.

// priceSlack is how far a fixture's price may be from total / quantity:
// WooCommerce divides the stored line total, which keeps up to six
// decimals (17.647059), while the REST total is rounded to the shop's two
// price decimals (17.65). Half a cent covers that rounding, and a
// billionth the float noise of the division.
var priceSlack = decimal.RequireFromString("0.005000001")

// completeLines fills in what WooCommerce sends for every product line and
// the fixture left out, and refuses a price WooCommerce could not have
// computed. A line whose quantity or amounts have the wrong JSON type is
// left as given: it stands for a plugin that rewrote the shape, which the
// adapter must refuse.
// It reports whether it changed anything.
func completeLines(obj map[string]json.RawMessage) (bool, error) {
	raw, ok := obj["line_items"]
	if !ok {
		return false, nil
	}
	var lines []json.RawMessage
	if json.Unmarshal(raw, &lines) != nil {
		return false, nil // not an array: served as given
	}
	changed := false
	for i, rl := range lines {
		var line map[string]json.RawMessage
		if json.Unmarshal(rl, &line) != nil {
			continue
		}
		done, err := completeLine(line)
		if err != nil {
			return false, fmt.Errorf("line_items[%d]: %w", i, err)
		}
		if done {
			if lines[i], err = json.Marshal(line); err != nil {
				return false, err
			}
			changed = true
		}
	}
	if changed {
		b, err := json.Marshal(lines)
		if err != nil {
			return false, err
		}
		obj["line_items"] = b
	}
	return changed, nil
}

// completeLine completes one line; it reports whether it changed it.
func completeLine(line map[string]json.RawMessage) (bool, error) {
	qty, ok := jsonInt(line["quantity"])
	if !ok {
		return false, nil
	}
	changed := false
	setDefault := func(key string, v any) {
		if _, ok := line[key]; !ok {
			line[key], _ = json.Marshal(v)
			changed = true
		}
	}
	price, hasPrice := jsonDecimal(line["price"])
	if _, ok := line["total"]; !ok && hasPrice {
		// A fixture may give only the unit price: the total follows.
		setDefault("total", price.Mul(decimal.NewFromInt(qty)).StringFixed(2))
	}
	if t, ok := line["total"]; ok {
		setDefault("subtotal", json.RawMessage(t))
	}
	setDefault("subtotal_tax", "0.00")
	setDefault("total_tax", "0.00")
	setDefault("taxes", []any{})
	setDefault("meta_data", []any{})
	setDefault("parent_name", nil) // null unless the product is a variation

	total, ok := stringDecimal(line["total"])
	if !ok {
		return changed, nil
	}
	if _, present := line["price"]; !present {
		// PHP: $item->get_total() / $item->get_quantity(), a float, or 0.
		f := 0.0
		if qty != 0 {
			t, _ := total.Float64()
			f = t / float64(qty)
		}
		line["price"] = json.RawMessage(strconv.FormatFloat(f, 'g', -1, 64))
		return true, nil
	}
	if hasPrice && qty > 0 {
		if diff := price.Mul(decimal.NewFromInt(qty)).Sub(total).Abs(); diff.GreaterThan(priceSlack) {
			return false, fmt.Errorf("price %s is not total / quantity (%s / %d), which is how WooCommerce computes it", price, total, qty)
		}
	}
	return changed, nil
}

func jsonInt(raw json.RawMessage) (int64, bool) {
	raw = bytes.TrimSpace(raw)
	n, err := strconv.ParseInt(string(raw), 10, 64)
	return n, err == nil
}

func jsonDecimal(raw json.RawMessage) (decimal.Decimal, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] == '"' || raw[0] == 'n' {
		return decimal.Decimal{}, false
	}
	d, err := decimal.NewFromString(string(raw))
	return d, err == nil
}

func stringDecimal(raw json.RawMessage) (decimal.Decimal, bool) {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return decimal.Decimal{}, false
	}
	d, err := decimal.NewFromString(s)
	return d, err == nil
}
