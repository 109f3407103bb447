package cartum

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/rosync/rosync/platforms/platformkit"
)

// This file holds the strict readers of Cartum's JSON values. Each takes a
// raw value (absent is an empty RawMessage) and says what is wrong with it
// in words a shop owner can act on.

func isNull(raw []byte) bool {
	k := platformkit.JSONKind(raw)
	return k == "nothing" || k == "null"
}

// readString reads a JSON string; null or absent is "".
func readString(raw json.RawMessage) (string, error) {
	if isNull(raw) {
		return "", nil
	}
	if k := platformkit.JSONKind(raw); k != "string" {
		return "", fmt.Errorf("got a JSON %s, want a string", k)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", err
	}
	return strings.TrimSpace(s), nil
}

// readInt reads a JSON integer; ok is false for null or absent.
func readInt(raw json.RawMessage) (n int64, ok bool, err error) {
	if isNull(raw) {
		return 0, false, nil
	}
	if k := platformkit.JSONKind(raw); k != "number" {
		return 0, false, fmt.Errorf("got a JSON %s, want an integer", k)
	}
	n, err = strconv.ParseInt(string(bytes.TrimSpace(raw)), 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("%s is not an integer", platformkit.Truncate(raw))
	}
	return n, true, nil
}

// readIntOrString reads an integer sent as a number or a decimal string
// (only where the answer is not an order: the log of orders/update).
func readIntOrString(raw json.RawMessage) (int64, bool, error) {
	if platformkit.JSONKind(raw) == "string" {
		s, err := readString(raw)
		if err != nil {
			return 0, false, err
		}
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil, err
	}
	return readInt(raw)
}

// readFlag reads a 0/1 flag: a number, a boolean or the strings "0"/"1".
func readFlag(raw json.RawMessage) (bool, error) {
	switch v := string(bytes.TrimSpace(raw)); v {
	case "1", "true", `"1"`:
		return true, nil
	case "0", "false", `"0"`, "", "null":
		return false, nil
	}
	return false, fmt.Errorf("%s is not 0 or 1", platformkit.Truncate(raw))
}

// readMoney reads an amount sent as a JSON number or a decimal string,
// never through float64. ok is false for null, absent or "".
func readMoney(raw json.RawMessage) (d decimal.Decimal, ok bool, err error) {
	var s string
	switch k := platformkit.JSONKind(raw); k {
	case "nothing", "null":
		return decimal.Decimal{}, false, nil
	case "number":
		s = string(bytes.TrimSpace(raw))
	case "string":
		if s, err = readString(raw); err != nil {
			return decimal.Decimal{}, false, err
		}
		if s == "" {
			return decimal.Decimal{}, false, nil
		}
	default:
		return decimal.Decimal{}, false, fmt.Errorf("got a JSON %s, want a number or a decimal string", k)
	}
	d, err = decimal.NewFromString(s)
	if err != nil {
		return decimal.Decimal{}, false, fmt.Errorf("%q is not a decimal number", s)
	}
	return d, true, nil
}

// readTitle reads a title given as a string or as an object of strings by
// language ({"ua": "…", "en": "…"}): the lang key when present and not
// empty, else the first non-empty value in the order the API sent them.
func readTitle(raw json.RawMessage, lang string) (string, error) {
	switch k := platformkit.JSONKind(raw); k {
	case "nothing", "null", "string":
		return readString(raw)
	case "object":
	default:
		return "", fmt.Errorf("got a JSON %s, want a string or an object by language", k)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // {
		return "", err
	}
	first := ""
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return "", err
		}
		key, _ := kt.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return "", err
		}
		s, err := readString(v)
		if err != nil {
			return "", fmt.Errorf("language %q: %w", key, err)
		}
		if lang != "" && strings.EqualFold(key, lang) && s != "" {
			return s, nil
		}
		if first == "" {
			first = s
		}
	}
	return first, nil
}

// peekOrderID reads the top-level order_id of an order whose JSON may be
// malformed or truncated, for error reports.
func peekOrderID(raw []byte) (id string) {
	platformkit.ScanObject(raw, func(key string, v json.RawMessage) bool {
		if key != "order_id" {
			return true
		}
		if n, ok, err := readIntOrString(v); err == nil && ok && n > 0 {
			id = strconv.FormatInt(n, 10)
		}
		return false
	})
	return id
}

// syntaxError words a malformed-JSON error.
func syntaxError(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("malformed JSON at byte %d: %w", se.Offset, err)
	}
	return fmt.Errorf("malformed JSON: %w", err)
}
