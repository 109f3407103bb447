package roapp

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strings"
	"time"

	"github.com/rosync/rosync"
)

// wireProduct is a catalogue product as the API returns it.
type wireProduct struct {
	ID          flexInt    `json:"id"`
	Title       flexString `json:"title"`
	Description flexString `json:"description"`
	Code        flexString `json:"code"`
	SKU         flexString `json:"sku"`
	CategoryID  flexInt    `json:"category_id"`
	Category    idRef      `json:"category"`
	UOM         titleRef   `json:"uom"`
}

func (w wireProduct) product() rosync.ROProduct {
	cat := int64(w.CategoryID)
	if cat == 0 {
		cat = int64(w.Category)
	}
	return rosync.ROProduct{
		ID: int64(w.ID), Title: string(w.Title), Description: string(w.Description),
		SKU: string(w.SKU), Code: string(w.Code), CategoryID: cat, UOM: string(w.UOM),
	}
}

// productFilters maps identify-by keys to the GET /catalog/products filter
// (UNVERIFIED) and the field compared on the client side.
var productFilters = map[rosync.IdentifyBy]struct {
	param string
	field func(rosync.ROProduct) string
}{
	rosync.IdentifyByName: {"titles[]", func(p rosync.ROProduct) string { return p.Title }},
	rosync.IdentifyBySKU:  {"skus[]", func(p rosync.ROProduct) string { return p.SKU }},
	rosync.IdentifyByID:   {"codes[]", func(p rosync.ROProduct) string { return p.Code }},
}

// FindProduct finds the first catalogue product (in the API's order) whose
// title, SKU or code equals value exactly (surrounding spaces ignored). It
// filters GET /catalog/products with titles[], skus[] or codes[]
// (UNVERIFIED) and confirms every match itself, paging on, so it stays
// correct if the server ignores the filter. No match is an error wrapping
// rosync.ErrNotFound.
func (c *Client) FindProduct(ctx context.Context, by rosync.IdentifyBy, value string) (rosync.ROProduct, error) {
	f, ok := productFilters[by]
	if !ok {
		return rosync.ROProduct{}, fmt.Errorf("roapp: FindProduct: unknown identify-by key %q", by)
	}
	value = strings.TrimSpace(value)
	if value == "" {
		return rosync.ROProduct{}, fmt.Errorf("roapp: FindProduct: empty %s: %w", by, rosync.ErrNotFound)
	}
	for raw, err := range c.list(ctx, EndpointFindProducts, nil, url.Values{f.param: {value}}) {
		if err != nil {
			return rosync.ROProduct{}, err
		}
		var w wireProduct
		if err := json.Unmarshal(raw, &w); err != nil {
			return rosync.ROProduct{}, c.decodeError(EndpointFindProducts, err)
		}
		if p := w.product(); strings.TrimSpace(f.field(p)) == value {
			return p, nil
		}
	}
	return rosync.ROProduct{}, fmt.Errorf("roapp: product with %s %q: %w", by, value, rosync.ErrNotFound)
}

// wireNewProduct is the body of POST /catalog/products (UNVERIFIED).
type wireNewProduct struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	SKU         string `json:"sku,omitempty"`
	Code        string `json:"code,omitempty"`
	CategoryID  *int64 `json:"category_id"`
	UOMID       int64  `json:"uom_id"`
}

// pieceTitles are the titles a "piece" unit goes by in RO App accounts.
var pieceTitles = []string{"piece", "pieces", "pcs", "pc", "шт", "шт.", "штука", "szt", "szt.", "ks", "stk", "stk."}

// ErrNoUOM means the account has no unit of measure the client can use;
// set Options.UOMID.
var ErrNoUOM = errors.New("roapp: no unit of measure for products: set Options.UOMID")

// uom returns the id of the unit titled title (rosync.UOMPiece when empty):
// Options.UOMID, else the unit GET catalogs/uoms lists under that title
// (read once per client). Units are entities in RO App: the client never
// sends a unit's title.
func (c *Client) uom(ctx context.Context, title string) (int64, error) {
	if c.uomID != 0 {
		return c.uomID, nil
	}
	c.uomMu.Lock()
	defer c.uomMu.Unlock()
	if c.uoms == nil {
		m := map[string]int64{}
		for raw, err := range c.list(ctx, EndpointUOMs, nil, nil) {
			if err != nil {
				return 0, fmt.Errorf("roapp: reading the units of measure: %w", err)
			}
			var u struct {
				ID    flexInt    `json:"id"`
				Title flexString `json:"title"`
				Name  flexString `json:"name"`
			}
			if err := json.Unmarshal(raw, &u); err != nil {
				return 0, c.decodeError(EndpointUOMs, err)
			}
			t := strings.ToLower(strings.TrimSpace(firstNonEmpty(string(u.Title), string(u.Name))))
			if _, dup := m[t]; !dup && u.ID != 0 {
				m[t] = int64(u.ID)
			}
		}
		c.uoms = m
	}
	title = strings.ToLower(strings.TrimSpace(cmp.Or(title, rosync.UOMPiece)))
	if id, ok := c.uoms[title]; ok {
		return id, nil
	}
	if title == rosync.UOMPiece {
		for _, t := range pieceTitles {
			if id, ok := c.uoms[t]; ok {
				return id, nil
			}
		}
	}
	return 0, fmt.Errorf("%w (none titled %q among %d units)", ErrNoUOM, title, len(c.uoms))
}

// CreateProduct creates a catalogue product with POST /catalog/products
// (UNVERIFIED: no public document creates products) in the unit of
// measure p.UOM names (rosync.UOMPiece when empty), sent as uom_id (see
// Options.UOMID). It is a create call.
func (c *Client) CreateProduct(ctx context.Context, p rosync.ROProduct) (int64, error) {
	uom, err := c.uom(ctx, p.UOM)
	if err != nil {
		return 0, err
	}
	return c.create(ctx, EndpointCreateProduct, nil, wireNewProduct{
		Title: p.Title, Description: p.Description, SKU: p.SKU, Code: p.Code,
		CategoryID: optID(p.CategoryID), UOMID: uom,
	})
}

// optID is nil (JSON null) for 0.
func optID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// wireCategory is a catalogue category as the API returns it.
type wireCategory struct {
	ID       flexInt    `json:"id"`
	Title    flexString `json:"title"`
	ParentID flexInt    `json:"parent_id"`
}

// FindCategory finds the category titled title (trimmed, case-insensitive)
// under parentID (0: top level, which the API sends as null) by listing GET
// /catalog/products/categories. No match is an error wrapping
// rosync.ErrNotFound.
func (c *Client) FindCategory(ctx context.Context, title string, parentID int64) (rosync.ROCategory, error) {
	title = strings.TrimSpace(title)
	for raw, err := range c.list(ctx, EndpointCategories, nil, nil) {
		if err != nil {
			return rosync.ROCategory{}, err
		}
		var w wireCategory
		if err := json.Unmarshal(raw, &w); err != nil {
			return rosync.ROCategory{}, c.decodeError(EndpointCategories, err)
		}
		if int64(w.ParentID) == parentID && strings.EqualFold(strings.TrimSpace(string(w.Title)), title) {
			return rosync.ROCategory{ID: int64(w.ID), Title: string(w.Title), ParentID: int64(w.ParentID)}, nil
		}
	}
	return rosync.ROCategory{}, fmt.Errorf("roapp: category %q under %d: %w", title, parentID, rosync.ErrNotFound)
}

// wireNewCategory is the body of POST /catalog/products/categories
// (UNVERIFIED).
type wireNewCategory struct {
	Title    string `json:"title"`
	ParentID *int64 `json:"parent_id"`
}

// CreateCategory creates a catalogue category with POST
// /catalog/products/categories (UNVERIFIED). It is a create call.
func (c *Client) CreateCategory(ctx context.Context, cat rosync.ROCategory) (int64, error) {
	return c.create(ctx, EndpointCreateCategory, nil, wireNewCategory{
		Title: strings.TrimSpace(cat.Title), ParentID: optID(cat.ParentID),
	})
}

// ListProducts streams every catalogue product, page by page, from GET
// /catalog/products; with a non-zero modifiedSince only those modified at
// or after it (modified_at[], UNVERIFIED). The stream ends at the first
// error.
func (c *Client) ListProducts(ctx context.Context, modifiedSince time.Time) iter.Seq2[rosync.ROProduct, error] {
	return func(yield func(rosync.ROProduct, error) bool) {
		q := url.Values{}
		if !modifiedSince.IsZero() {
			q.Set("modified_at[]", apiTime(modifiedSince))
		}
		for raw, err := range c.list(ctx, EndpointFindProducts, nil, q) {
			if err != nil {
				yield(rosync.ROProduct{}, err)
				return
			}
			var w wireProduct
			if err := json.Unmarshal(raw, &w); err != nil {
				yield(rosync.ROProduct{}, c.decodeError(EndpointFindProducts, err))
				return
			}
			if !yield(w.product(), nil) {
				return
			}
		}
	}
}

// ListCategories streams every catalogue category, page by page, from GET
// /catalog/products/categories. The stream ends at the first error.
func (c *Client) ListCategories(ctx context.Context) iter.Seq2[rosync.ROCategory, error] {
	return func(yield func(rosync.ROCategory, error) bool) {
		for raw, err := range c.list(ctx, EndpointCategories, nil, nil) {
			if err != nil {
				yield(rosync.ROCategory{}, err)
				return
			}
			var w wireCategory
			if err := json.Unmarshal(raw, &w); err != nil {
				yield(rosync.ROCategory{}, c.decodeError(EndpointCategories, err))
				return
			}
			if !yield(rosync.ROCategory{ID: int64(w.ID), Title: string(w.Title), ParentID: int64(w.ParentID)}, nil) {
				return
			}
		}
	}
}

var _ rosync.ROIndexLister = (*Client)(nil)
