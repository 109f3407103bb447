package roapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shopspring/decimal"
)

// The RO App API is loosely typed across versions and endpoints: ids come as
// numbers or strings, prices as numbers or strings, references as ids or
// objects. The flex types below accept every form seen in public clients.

// flexInt is an integer sent as a number, a numeric string or null.
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s, null, err := scalar(b)
	if err != nil || null || s == "" {
		*f = 0
		return err
	}
	d, err := decimal.NewFromString(s)
	if err != nil || !d.IsInteger() {
		return fmt.Errorf("not an integer: %s", truncate(string(b), 40))
	}
	*f = flexInt(d.IntPart())
	return nil
}

// flexDecimal is a decimal sent as a number, a string or null; it is never
// converted through float64.
type flexDecimal struct{ decimal.Decimal }

func (f *flexDecimal) UnmarshalJSON(b []byte) error {
	s, null, err := scalar(b)
	if err != nil || null || s == "" {
		f.Decimal = decimal.Zero
		return err
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return fmt.Errorf("not a decimal: %s", truncate(string(b), 40))
	}
	f.Decimal = d
	return nil
}

// flexString is text sent as a string, a number, a bool or null.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	s, _, err := scalar(b)
	*f = flexString(s)
	return err
}

// flexBool is a bool sent as true/false, 0/1, "true"/"1" or null.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	s, _, err := scalar(b)
	if err != nil {
		return err
	}
	switch strings.ToLower(s) {
	case "true", "1", "yes":
		*f = true
	default:
		*f = false
	}
	return nil
}

// idRef is an id sent bare or as an object {"id": N, ...}.
type idRef int64

func (f *idRef) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var o struct {
			ID flexInt `json:"id"`
		}
		if err := json.Unmarshal(b, &o); err != nil {
			return err
		}
		*f = idRef(o.ID)
		return nil
	}
	var n flexInt
	err := n.UnmarshalJSON(b)
	*f = idRef(n)
	return err
}

// titleRef is a name sent bare or as an object {"title": "..."} (units of
// measure).
type titleRef string

func (f *titleRef) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var o struct {
			Title flexString `json:"title"`
			Name  flexString `json:"name"`
			Code  flexString `json:"code"`
		}
		if err := json.Unmarshal(b, &o); err != nil {
			return err
		}
		*f = titleRef(firstNonEmpty(string(o.Title), string(o.Name), string(o.Code)))
		return nil
	}
	var s flexString
	err := s.UnmarshalJSON(b)
	*f = titleRef(s)
	return err
}

// flexTime is a time sent as RFC 3339 (with or without fractions), as
// "2006-01-02 15:04:05" (UTC), or as epoch seconds or milliseconds.
type flexTime time.Time

func (f *flexTime) UnmarshalJSON(b []byte) error {
	s, null, err := scalar(b)
	if err != nil || null || s == "" {
		*f = flexTime{}
		return err
	}
	if b = bytes.TrimSpace(b); b[0] != '"' {
		d, err := decimal.NewFromString(s)
		if err != nil {
			return fmt.Errorf("not a time: %s", truncate(s, 40))
		}
		if d.GreaterThan(decimal.New(1, 11)) { // milliseconds
			*f = flexTime(time.UnixMilli(d.IntPart()).UTC())
		} else {
			*f = flexTime(time.Unix(d.IntPart(), 0).UTC())
		}
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			*f = flexTime(t.UTC())
			return nil
		}
	}
	return fmt.Errorf("not a time: %s", truncate(s, 40))
}

// scalar reads a JSON scalar as text: a string unquoted, a number or bool
// as written; null reports null. Arrays and objects are errors.
func scalar(b []byte) (s string, null bool, err error) {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		return "", true, nil
	case b[0] == '"':
		err = json.Unmarshal(b, &s)
		return strings.TrimSpace(s), false, err
	case b[0] == '{' || b[0] == '[':
		return "", false, fmt.Errorf("unexpected %s", truncate(string(b), 40))
	}
	return string(b), false, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// customFields reads order custom fields sent as an object {"f123": v} or
// as an array [{"id": 123, "value": v}].
type customFields map[string]string

func (f *customFields) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	m := customFields{}
	switch {
	case len(b) == 0 || b[0] == 'n':
	case b[0] == '{':
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			return err
		}
		for k, v := range raw {
			s, _, err := scalar(v)
			if err == nil {
				m[k] = s
			}
		}
	case b[0] == '[':
		var raw []struct {
			ID    flexString      `json:"id"`
			Value json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal(b, &raw); err != nil {
			return err
		}
		for _, r := range raw {
			s, _, err := scalar(r.Value)
			if err != nil || r.ID == "" {
				continue
			}
			id := string(r.ID)
			m[id] = s
			if !strings.HasPrefix(id, "f") {
				m["f"+id] = s
			}
		}
	default:
		return fmt.Errorf("unexpected custom_fields %s", truncate(string(b), 40))
	}
	*f = m
	return nil
}

// unwrapData returns the object inside {"data": {...}} or the body itself.
func unwrapData(body []byte) []byte {
	var w struct {
		Data json.RawMessage `json:"data"`
	}
	if json.Unmarshal(body, &w) == nil {
		if d := bytes.TrimSpace(w.Data); len(d) > 0 && d[0] == '{' {
			return d
		}
	}
	return body
}

// parseID reads the id of a created object: {"id":N}, {"data":{"id":N}},
// {"data":N} or a bare N.
func parseID(body []byte) (int64, error) {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '{' {
		var w struct {
			ID   json.RawMessage `json:"id"`
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(body, &w); err != nil {
			return 0, err
		}
		switch {
		case len(w.ID) > 0:
			body = w.ID
		case len(w.Data) > 0:
			return parseID(w.Data)
		default:
			return 0, errors.New("no id in the answer")
		}
	}
	var id flexInt
	if err := id.UnmarshalJSON(body); err != nil {
		return 0, fmt.Errorf("no id in the answer: %w", err)
	}
	if id <= 0 {
		return 0, errors.New("no id in the answer")
	}
	return int64(id), nil
}

// paging is the v2 list envelope's paging object.
type paging struct {
	Page       flexInt `json:"page"`
	TotalPages flexInt `json:"total_pages"`
	Count      flexInt `json:"count"`
	Limit      flexInt `json:"limit"`
}

// decodeList reads a list answer: a bare array, or {"data":[...],
// "paging":{...}}. pg is nil when the answer has no paging.
func decodeList(body []byte) (items []json.RawMessage, pg *paging, err error) {
	body = bytes.TrimSpace(body)
	switch {
	case len(body) == 0 || string(body) == "null":
		return nil, nil, nil
	case body[0] == '[':
		err = json.Unmarshal(body, &items)
		return items, nil, err
	case body[0] == '{':
		var env struct {
			Data   json.RawMessage `json:"data"`
			Paging *paging         `json:"paging"`
		}
		if err := json.Unmarshal(body, &env); err != nil {
			return nil, nil, err
		}
		d := bytes.TrimSpace(env.Data)
		if len(d) == 0 || string(d) == "null" {
			return nil, env.Paging, nil
		}
		if d[0] != '[' {
			return nil, nil, errors.New("list answer: data is not an array")
		}
		err = json.Unmarshal(d, &items)
		return items, env.Paging, err
	}
	return nil, nil, errors.New("list answer is neither an array nor an object")
}

// maxPages stops a runaway pagination.
const maxPages = 100_000

// list streams the raw items of a list endpoint, page by page (page=1, 2, …
// until page == total_pages); a bare array is one page. Once page 1 told
// the number of pages, up to c.ahead of the next ones are requested at once
// (each through the rate limiter) and yielded in order.
func (c *Client) list(ctx context.Context, ep Endpoint, args []int64, q url.Values) iter.Seq2[json.RawMessage, error] {
	return func(yield func(json.RawMessage, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		first, err := c.page(ctx, ep, args, q, 1)
		if err != nil {
			yield(nil, err)
			return
		}
		for _, it := range first.items {
			if !yield(it, nil) {
				return
			}
		}
		if first.paging == nil || len(first.items) == 0 {
			return
		}
		last := min(int(first.paging.TotalPages), maxPages)
		// Pages 2..last, at most c.ahead in flight; each page's answer
		// comes on its own channel, read in page order.
		type result struct {
			p   listPage
			err error
		}
		var wg sync.WaitGroup
		defer wg.Wait() // after cancel (deferred later, run first)
		defer cancel()
		pending := make([]chan result, 0, c.ahead)
		next := 2
		start := func() {
			ch := make(chan result, 1)
			pending = append(pending, ch)
			page := next
			next++
			wg.Add(1)
			go func() {
				defer wg.Done()
				p, err := c.page(ctx, ep, args, q, page)
				ch <- result{p, err}
			}()
		}
		for next <= last && len(pending) < c.ahead {
			start()
		}
		for len(pending) > 0 {
			r := <-pending[0]
			pending = pending[1:]
			if r.err != nil {
				yield(nil, r.err)
				return
			}
			for _, it := range r.p.items {
				if !yield(it, nil) {
					return
				}
			}
			if len(r.p.items) == 0 {
				return // fewer pages than announced
			}
			if next <= last {
				start()
			}
		}
	}
}

// listPage is one page of a list answer.
type listPage struct {
	items  []json.RawMessage
	paging *paging
}

// page reads one page of a list endpoint and checks it is the page asked.
func (c *Client) page(ctx context.Context, ep Endpoint, args []int64, q url.Values, page int) (listPage, error) {
	qq := url.Values{}
	for k, v := range q {
		qq[k] = v
	}
	qq.Set("page", strconv.Itoa(page))
	body, err := c.do(ctx, call{ep: ep, args: args, query: qq})
	if err != nil {
		return listPage{}, err
	}
	items, pg, err := decodeList(body)
	if err != nil {
		return listPage{}, c.decodeError(ep, err)
	}
	if pg != nil && pg.Page != 0 && int(pg.Page) != page {
		return listPage{}, c.decodeError(ep, fmt.Errorf("asked for page %d, got page %d", page, pg.Page))
	}
	return listPage{items: items, paging: pg}, nil
}

// decodeError names the call whose answer could not be read.
func (c *Client) decodeError(ep Endpoint, err error) error {
	return fmt.Errorf("roapp: %s %s: unexpected answer: %w", paths[ep].Method, display(c.paths[ep]), err)
}

// get performs a GET and decodes its (possibly data-wrapped) object.
func (c *Client) getObject(ctx context.Context, ep Endpoint, args []int64, v any) error {
	body, err := c.do(ctx, call{ep: ep, args: args})
	if err != nil {
		return err
	}
	if err := json.Unmarshal(unwrapData(body), v); err != nil {
		return c.decodeError(ep, err)
	}
	return nil
}

// create performs a create call and reads the new id. A 2xx answer whose id
// cannot be read is ambiguous: the object may exist.
func (c *Client) create(ctx context.Context, ep Endpoint, args []int64, body any) (int64, error) {
	data, err := c.do(ctx, call{ep: ep, args: args, body: body})
	if err != nil {
		return 0, err
	}
	id, err := parseID(data)
	if err != nil {
		return 0, ambiguous(c.decodeError(ep, err))
	}
	return id, nil
}

// money renders a decimal as an exact JSON number.
func money(d decimal.Decimal) json.Number { return json.Number(d.String()) }

// apiTime formats a time as RO App filters expect: UTC, RFC 3339, no
// fractions.
func apiTime(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }
