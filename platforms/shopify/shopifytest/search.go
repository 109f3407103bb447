package shopifytest

import (
	"fmt"
	"strings"
	"time"
)

// This file reads the search syntax of the orders query argument.

// search is a parsed orders query argument: AND of terms.
type search struct {
	terms []term
}

type term struct {
	field string // created_at, updated_at, status
	op    string // ">=", ">", "<=", "<", "="
	at    time.Time
	value string
}

// ordersSearchFields are the filter fields that the orders query argument
// documents (https://shopify.dev/docs/api/admin-graphql/2025-10/queries/orders,
// argument query). A field outside this list is not known to Shopify: it
// drops the term and reports it in extensions.search (see parseSearch).
var ordersSearchFields = map[string]bool{
	"cart_token": true, "channel": true, "channel_id": true, "chargeback_status": true, "checkout_token": true,
	"confirmation_number": true, "created_at": true, "credit_card_last4": true, "current_total_price": true,
	"customer_id": true, "delivery_method": true, "discount_code": true, "email": true, "financial_status": true,
	"fraud_protection_level": true, "fulfillment_location_id": true, "fulfillment_status": true, "gateway": true,
	"id": true, "location_id": true, "name": true, "payment_id": true, "payment_provider_id": true, "po_number": true,
	"processed_at": true, "reference_location_id": true, "return_status": true, "risk_level": true,
	"sales_channel": true, "sku": true, "source_identifier": true, "source_name": true, "status": true,
	"subtotal_line_items_quantity": true, "tag": true, "tag_not": true, "test": true, "total_weight": true,
	"updated_at": true,
}

// searchWarning is the warning Shopify gives for a term it does not know.
func searchWarning(field, message, code string) map[string]any {
	return map[string]any{"field": field, "message": message, "code": code}
}

// parseSearch reads Shopify's search syntax as far as the fake serves it:
// created_at/updated_at/processed_at with :>= :> :<= :< or an exact value
// (RFC 3339 or a date, quoted with ' or " or bare), and
// status:open|closed|cancelled|not_closed. A field the orders search does
// not know is dropped with a warning "Invalid search field for this
// query." (code invalid_field), as Shopify does; so is a status value
// outside the four (UNVERIFIED: the fake's choice, see the package doc).
// A known field the fake does not filter on is an error.
func parseSearch(q string) (search, []any, error) {
	var s search
	var warnings []any
	for _, tok := range splitSearch(q) {
		name, val, ok := strings.Cut(tok, ":")
		if !ok {
			return s, nil, fmt.Errorf("search term %q is not served by this fake (want field:value)", tok)
		}
		if !ordersSearchFields[strings.ToLower(name)] {
			warnings = append(warnings, searchWarning(name, "Invalid search field for this query.", "invalid_field"))
			continue
		}
		t := term{field: strings.ToLower(name), op: "="}
		for _, op := range []string{">=", "<=", ">", "<"} {
			if rest, ok := strings.CutPrefix(val, op); ok {
				t.op, val = op, rest
				break
			}
		}
		val = strings.Trim(val, `'"`)
		switch t.field {
		case "created_at", "updated_at", "processed_at":
			at, err := parseSearchTime(val)
			if err != nil {
				return s, nil, fmt.Errorf("search term %q: %w", tok, err)
			}
			t.at = at
		case "status":
			switch strings.ToLower(val) {
			case "open", "closed", "cancelled", "not_closed":
				t.value = strings.ToLower(val)
			default:
				warnings = append(warnings, searchWarning(name, "Invalid search value for this field.", "invalid_value"))
				continue
			}
			if t.op != "=" {
				return s, nil, fmt.Errorf("search term %q: status takes no comparison", tok)
			}
		default:
			return s, nil, fmt.Errorf("search field %q is not served by this fake", name)
		}
		s.terms = append(s.terms, t)
	}
	return s, warnings, nil
}

// splitSearch splits on white space outside quotes.
func splitSearch(q string) []string {
	var out []string
	var b strings.Builder
	var quote rune
	for _, r := range q {
		switch {
		case quote != 0:
			b.WriteRune(r)
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"':
			quote = r
			b.WriteRune(r)
		case r == ' ' || r == '\t' || r == '\n':
			if b.Len() > 0 {
				out = append(out, b.String())
				b.Reset()
			}
		default:
			b.WriteRune(r)
		}
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	// "AND" between terms is the default conjunction.
	kept := out[:0]
	for _, t := range out {
		if t != "AND" {
			kept = append(kept, t)
		}
	}
	return kept
}

func parseSearchTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date", s)
}

func (s search) match(so *storedOrder) bool {
	for _, t := range s.terms {
		var v time.Time
		switch t.field {
		case "created_at":
			v = so.created
		case "updated_at":
			v = so.updated
		case "processed_at":
			v = so.processed
		case "status":
			switch t.value {
			case "open", "not_closed":
				if so.closed || (t.value == "open" && so.cancelled) {
					return false
				}
			case "closed":
				if !so.closed {
					return false
				}
			case "cancelled":
				if !so.cancelled {
					return false
				}
			}
			continue
		}
		var ok bool
		switch t.op {
		case ">=":
			ok = !v.Before(t.at)
		case ">":
			ok = v.After(t.at)
		case "<=":
			ok = !v.After(t.at)
		case "<":
			ok = v.Before(t.at)
		default:
			ok = v.Equal(t.at)
		}
		if !ok {
			return false
		}
	}
	return true
}
