package roapp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/platformkit"
)

// apiError maps an error answer to the rosync error taxonomy (see the
// package doc).
func (c *Client) apiError(ep Endpoint, method, tmpl string, resp *http.Response, body []byte) error {
	status := resp.StatusCode
	msg := c.redact(errorMessage(body))
	if msg == "" {
		msg = http.StatusText(status)
	}
	apiErr := &rosync.APIError{Service: service, Method: method, Path: tmpl, Status: status, Message: truncate(msg, maxMessage)}
	switch {
	case status == http.StatusTooManyRequests:
		ra, _ := platformkit.RetryAfter(resp.Header.Get("Retry-After"), c.now())
		return &rosync.RateLimitError{Service: service, RetryAfter: ra}
	case status == http.StatusForbidden:
		right := rightFrom(apiErr.Message)
		if ep == EndpointAddItem {
			// ORD-2: adding order items needs "Can add products without deduction".
			right = rosync.RightAddWithoutDeduction
		}
		return &rosync.PermissionError{Right: right, Err: apiErr}
	case status == http.StatusNotFound:
		apiErr.Err = rosync.ErrNotFound
	case status == http.StatusConflict:
		apiErr.Err = rosync.ErrConflict
	case status == http.StatusUnprocessableEntity && (ep == EndpointUpdateItem || ep == EndpointDeleteItem):
		// ORD-5: RO App refuses writes to a written-off item; rosync sends
		// only fields it checked, so a refusal of an item write is read as
		// a lock, and the order is frozen rather than overwritten.
		apiErr.Err = rosync.ErrItemLocked
	}
	if paths[ep].Unverified && (status == http.StatusNotFound || status == http.StatusMethodNotAllowed) {
		return &EndpointError{Endpoint: ep, Method: method, Path: tmpl, Status: status, Override: string(ep), Err: apiErr}
	}
	return apiErr
}

// EndpointError says that an UNVERIFIED endpoint (see Endpoints) answered
// 404 or 405: the path rosync guessed may not exist on this account. It
// wraps the *rosync.APIError (so a 404 still matches rosync.ErrNotFound:
// the object may really be missing) and names the Options.Paths key that
// overrides the path.
type EndpointError struct {
	Endpoint Endpoint
	Method   string
	Path     string // the template, as errors show it
	Status   int
	// Override is the Options.Paths key (and configuration key) of the
	// endpoint.
	Override string
	Err      error
}

func (e *EndpointError) Error() string {
	return fmt.Sprintf("roapp: %s %s answered HTTP %d: this endpoint is UNVERIFIED (no public RO App document confirms it); "+
		"if the account serves it elsewhere, set its path with Options.Paths[%q] (paths: %s: ...)",
		e.Method, e.Path, e.Status, e.Override, e.Override)
}

func (e *EndpointError) Unwrap() error { return e.Err }

// redact removes the API key from a server message, in case an error page
// echoes the request headers.
func (c *Client) redact(s string) string {
	if len(c.key) >= 4 {
		s = strings.ReplaceAll(s, c.key, "[redacted]")
	}
	return s
}

// rightFrom derives the name of a refused right from a 403 message: the
// first quoted phrase, else the message itself, else "unknown right".
func rightFrom(msg string) string {
	for _, q := range [][2]string{{"\"", "\""}, {"«", "»"}, {"“", "”"}, {"'", "'"}} {
		if _, rest, ok := strings.Cut(msg, q[0]); ok {
			if inner, _, ok := strings.Cut(rest, q[1]); ok && strings.TrimSpace(inner) != "" {
				return strings.TrimSpace(inner)
			}
		}
	}
	if m := strings.TrimSpace(msg); m != "" && m != http.StatusText(http.StatusForbidden) {
		return m
	}
	return "unknown right"
}

// errorMessage reads an error body loosely: message (string or object),
// error, detail, errors, validation; a non-JSON body is kept as text.
func errorMessage(body []byte) string {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return ""
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		var s string
		if json.Unmarshal(body, &s) == nil {
			return s
		}
		if !utf8.Valid(body) {
			return ""
		}
		return strings.Join(strings.Fields(truncate(string(body), 2*maxMessage)), " ")
	}
	var parts []string
	for _, k := range []string{"message", "error", "detail", "errors", "validation"} {
		if raw, ok := obj[k]; ok {
			if s := flatten(raw); s != "" && !slices.Contains(parts, s) {
				parts = append(parts, s)
			}
		}
	}
	return strings.Join(parts, "; ")
}

// flatten renders any JSON value as one line of text.
func flatten(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	switch raw[0] {
	case '"':
		var s string
		_ = json.Unmarshal(raw, &s)
		return strings.TrimSpace(s)
	case '[':
		var arr []json.RawMessage
		_ = json.Unmarshal(raw, &arr)
		var out []string
		for _, a := range arr {
			if s := flatten(a); s != "" {
				out = append(out, s)
			}
		}
		return strings.Join(out, ", ")
	case '{':
		var m map[string]json.RawMessage
		_ = json.Unmarshal(raw, &m)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		var out []string
		for _, k := range keys {
			if s := flatten(m[k]); s != "" {
				out = append(out, k+": "+s)
			}
		}
		return strings.Join(out, "; ")
	case 'n':
		return ""
	}
	return string(raw)
}

// truncate cuts s to at most n bytes on a rune boundary, an ellipsis
// included.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	n -= len("…")
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
