package fakekit

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Window returns the bounds [lo, hi) of the items that a page of at most
// limit items starting at offset shows among total items. A page past the
// end is empty (lo == hi == total); a negative offset or limit counts as 0.
func Window(total, offset, limit int) (lo, hi int) {
	lo = min(total, max(0, offset))
	hi = lo + min(total-lo, max(0, limit))
	return lo, hi
}

// Slice returns the page of items that Window bounds, sharing items'
// backing array.
func Slice[T any](items []T, offset, limit int) []T {
	lo, hi := Window(len(items), offset, limit)
	return items[lo:hi]
}

// PageCount returns the number of pages of size items that total items
// fill: 0 for no items.
func PageCount(total, size int) int {
	if size <= 0 {
		return 0
	}
	return (total + size - 1) / size
}

// PageQuery describes a platform's page-number paging: the query
// parameters that carry the page number (from 1) and the page size, the
// sizes it accepts, and the headers that tell the totals. Every name and
// number is the platform's, given by the fake.
type PageQuery struct {
	// PageParam is the page number's parameter ("page"); an absent one
	// means page 1.
	PageParam string
	// SizeParam is the page size's parameter ("per_page"); empty when the
	// platform has a fixed page size (DefaultSize).
	SizeParam string
	// DefaultSize is the size of a page when SizeParam is absent.
	DefaultSize int
	// MinSize and MaxSize bound SizeParam (MinSize 0 means 1; MaxSize 0,
	// no bound).
	MinSize, MaxSize int
	// TotalHeader and PagesHeader, when set, are the headers that
	// SetHeaders fills with the number of items and of pages
	// ("X-WP-Total", "X-WP-TotalPages").
	TotalHeader, PagesHeader string
}

// Page is a page asked for: its number (from 1) and size.
type Page struct {
	Number, Size int
}

// Offset returns the index of the page's first item.
func (p Page) Offset() int { return (p.Number - 1) * p.Size }

// Bounds returns the bounds [lo, hi) of the page among total items.
func (p Page) Bounds(total int) (lo, hi int) { return Window(total, p.Offset(), p.Size) }

// Parse reads the page asked for by q. The size is read first, then the
// number; a value that is not an integer in range is a *ParamError naming
// the parameter (the first at fault).
func (pq PageQuery) Parse(q url.Values) (Page, error) {
	p := Page{Number: 1, Size: pq.DefaultSize}
	if pq.SizeParam != "" {
		minSize := max(1, pq.MinSize)
		n, err := IntParam(q, pq.SizeParam, pq.DefaultSize, minSize, pq.MaxSize)
		if err != nil {
			return Page{}, err
		}
		p.Size = n
	}
	n, err := IntParam(q, pq.PageParam, 1, 1, 0)
	if err != nil {
		return Page{}, err
	}
	p.Number = n
	return p, nil
}

// SetHeaders sets the totals headers of a list of total items cut in pages
// of size items (the headers that are named).
func (pq PageQuery) SetHeaders(h http.Header, total, size int) {
	if pq.TotalHeader != "" {
		h.Set(pq.TotalHeader, strconv.Itoa(total))
	}
	if pq.PagesHeader != "" {
		h.Set(pq.PagesHeader, strconv.Itoa(PageCount(total, size)))
	}
}

// IntParam reads the integer parameter name of q: def when it is absent or
// empty, else an integer in [lo, hi] (hi 0: no upper bound), or a
// *ParamError.
func IntParam(q url.Values, name string, def, lo, hi int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || (hi > 0 && n > hi) {
		return 0, &ParamError{Param: name, Value: v, Min: lo, Max: hi}
	}
	return n, nil
}

// EncodeCursor makes an opaque cursor of v (a struct of the sort key and
// the id of the last item served): its JSON, base64url-encoded, as opaque
// to a client as a platform's own cursors are.
func EncodeCursor(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("fakekit: cursor of %T: %v", v, err))
	}
	return base64.RawURLEncoding.EncodeToString(data)
}

// DecodeCursor reads a cursor made by EncodeCursor into v; an error when s
// is not one.
func DecodeCursor(s string, v any) error {
	data, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(data, v)
	}
	if err != nil {
		return fmt.Errorf("fakekit: invalid cursor %q: %w", s, err)
	}
	return nil
}
