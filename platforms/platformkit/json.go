package platformkit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
)

// The helpers the platform adapters share to read native JSON strictly and
// to say, in words a shop owner can act on, which field is wrong and why.

// JSONKind names the JSON type of a raw value: "string", "number", "object",
// "array", "boolean", "null", or "nothing" when it is absent.
func JSONKind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch c := raw[0]; {
	case c == '"':
		return "string"
	case c == '{':
		return "object"
	case c == '[':
		return "array"
	case c == 't' || c == 'f':
		return "boolean"
	case c == 'n':
		return "null"
	case c == '-' || (c >= '0' && c <= '9'):
		return "number"
	}
	return "value"
}

// Truncate returns raw as text, cut to 40 bytes, for error messages.
func Truncate(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 40 {
		return string(raw[:40]) + "…"
	}
	return string(raw)
}

// FieldError turns an encoding/json error into the field at fault (under
// prefix) and a readable error.
func FieldError(prefix string, err error) (string, error) {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		field := te.Field
		if prefix != "" {
			if field != "" {
				field = prefix + "." + field
			} else {
				field = prefix
			}
		}
		return field, fmt.Errorf("got a JSON %s, want %s", te.Value, wantKind(te.Type))
	case errors.As(err, &se):
		return prefix, fmt.Errorf("malformed JSON at byte %d: %w", se.Offset, err)
	}
	return prefix, fmt.Errorf("malformed JSON: %w", err)
}

func wantKind(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Pointer:
		return wantKind(t.Elem())
	}
	return t.String()
}

// ScanObject calls visit with each top-level key of a JSON object and its
// raw value, in order, as far as the JSON can be read: it may be malformed
// or truncated, as when an adapter wants an order's id for an error report.
// visit returns false to stop.
func ScanObject(raw []byte, visit func(key string, v json.RawMessage) bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return
	}
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return
		}
		key, _ := kt.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil || !visit(key, v) {
			return
		}
	}
}
