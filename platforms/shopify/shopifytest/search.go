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

// parseSearch reads Shopify's search syntax as far as the fake serves it:
// created_at/updated_at with :>= :> :<= :< or an exact value (RFC 3339 or
// a date, quoted with ' or " or bare), and status:any|open|closed|cancelled.
func parseSearch(q string) (search, error) {
	var s search
	for _, tok := range splitSearch(q) {
		name, val, ok := strings.Cut(tok, ":")
		if !ok {
			return s, fmt.Errorf("search term %q is not served by this fake (want field:value)", tok)
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
				return s, fmt.Errorf("search term %q: %w", tok, err)
			}
			t.at = at
		case "status":
			switch strings.ToLower(val) {
			case "any", "open", "closed", "cancelled":
				t.value = strings.ToLower(val)
			default:
				return s, fmt.Errorf("search term %q: unknown status", tok)
			}
			if t.op != "=" {
				return s, fmt.Errorf("search term %q: status takes no comparison", tok)
			}
		default:
			return s, fmt.Errorf("search field %q is not served by this fake", name)
		}
		s.terms = append(s.terms, t)
	}
	return s, nil
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
			case "open":
				if so.closed || so.cancelled {
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
