package woocommerce

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/rosync/rosync/platforms/platformkit"
)

// This file holds the strict readers of WooCommerce's JSON values: dates,
// money as strings or numbers, ids, and the translation of encoding/json
// errors into the field at fault.

// gmtDate reads a *_gmt date as UTC. When the _gmt field is missing it
// falls back to the site-time field only if that one carries an offset:
// taking site time for UTC would shift the order by the site's offset.
func gmtDate(gmt, local *string) (time.Time, error) {
	if gmt != nil && strings.TrimSpace(*gmt) != "" {
		s := strings.TrimSpace(*gmt)
		if t, err := time.ParseInLocation(wcTimeLayout, s, time.UTC); err == nil {
			return t, nil
		}
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t.UTC(), nil
		}
		return time.Time{}, fmt.Errorf("%q is not a date", s)
	}
	if local != nil && strings.TrimSpace(*local) != "" {
		s := strings.TrimSpace(*local)
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return t.UTC(), nil
		}
		return time.Time{}, fmt.Errorf("missing, and the site-time date %q has no UTC offset", s)
	}
	return time.Time{}, errors.New("missing date")
}

// moneyString reads an amount that WooCommerce sends as a JSON string.
func moneyString(raw json.RawMessage) (decimal.Decimal, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return decimal.Decimal{}, errors.New("missing amount")
	}
	if raw[0] != '"' {
		return decimal.Decimal{}, fmt.Errorf("amount %s is a JSON %s, want a string", platformkit.Truncate(raw), platformkit.JSONKind(raw))
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return decimal.Decimal{}, err
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return decimal.Decimal{}, errors.New("empty amount")
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("amount %q is not a decimal number", s)
	}
	return d, nil
}

// optionalID reads a product or variation id: a non-negative JSON integer,
// with 0, null, "" or absence meaning none (a deleted product comes back
// as 0, and older stores have sent "").
func optionalID(raw json.RawMessage) (int64, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" || string(raw) == `""` {
		return 0, nil
	}
	if k := platformkit.JSONKind(raw); k != "number" {
		return 0, fmt.Errorf("id %s is a JSON %s, want a number", platformkit.Truncate(raw), k)
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("id %s is not a non-negative integer", platformkit.Truncate(raw))
	}
	return n, nil
}

// peekIdentity reads the top-level "id" and "number" of an order whose JSON
// may be malformed or truncated, for error reports.
func peekIdentity(raw []byte) (id, number string) {
	platformkit.ScanObject(raw, func(key string, v json.RawMessage) bool {
		switch key {
		case "id":
			id = scalarString(v)
		case "number":
			number = scalarString(v)
		}
		return id == "" || number == ""
	})
	return id, number
}

// scalarString renders a short JSON number or string as text, "" otherwise.
func scalarString(v json.RawMessage) string {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || len(v) > 64 {
		return ""
	}
	switch platformkit.JSONKind(v) {
	case "number":
		return string(v)
	case "string":
		var s string
		if json.Unmarshal(v, &s) == nil {
			return strings.TrimSpace(s)
		}
	}
	return ""
}
