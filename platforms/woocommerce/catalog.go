package woocommerce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/rosync/rosync"
)

// maxCached bounds each product cache; past it an arbitrary entry is
// evicted (a product fetched again costs one GET, nothing else).
const maxCached = 10_000

// catalog completes order lines with what the order does not carry: the
// product's description and category. Products are cached by id and the
// category tree is fetched once, then again once when an unknown category
// id shows up. Safe for concurrent use.
type catalog struct {
	c   *client
	log *slog.Logger

	mu         sync.Mutex
	products   map[int64]*productInfo // nil value: the product does not exist
	variations map[[2]int64]*string   // nil value: the variation does not exist

	treeMu     sync.Mutex // serialises category loads
	tree       map[int64]category
	treeLoaded bool
	refetched  map[int64]bool // unknown ids a reload was already done for
}

// productInfo is what GET /products/{id} says that rosync uses.
type productInfo struct {
	Description string
	Categories  []category // id and name only; the product API gives no parent
}

// badDataError is an answer of the catalogue API that cannot be decoded:
// the order that needs it is reported invalid.
type badDataError struct {
	what string
	err  error
}

func (e *badDataError) Error() string { return e.what + ": " + e.err.Error() }
func (e *badDataError) Unwrap() error { return e.err }

func newCatalog(c *client, log *slog.Logger) *catalog {
	return &catalog{
		c:          c,
		log:        log,
		products:   map[int64]*productInfo{},
		variations: map[[2]int64]*string{},
		refetched:  map[int64]bool{},
	}
}

// complete fills p.Description and p.Category for a line. A deleted
// product (id 0, or 404) leaves them empty.
func (c *catalog) complete(ctx context.Context, p *rosync.Product, ref lineRef) error {
	if ref.productID == 0 {
		return nil
	}
	info, err := c.product(ctx, ref.productID)
	if err != nil || info == nil {
		return err
	}
	p.Description = info.Description
	if ref.variationID > 0 {
		desc, err := c.variation(ctx, ref.productID, ref.variationID)
		if err != nil {
			return err
		}
		if desc != nil && strings.TrimSpace(*desc) != "" {
			p.Description = *desc
		}
	}
	// Variations have no categories of their own: the parent's apply.
	p.Category, err = c.categoryPath(ctx, info.Categories)
	return err
}

func (c *catalog) product(ctx context.Context, id int64) (*productInfo, error) {
	c.mu.Lock()
	info, ok := c.products[id]
	c.mu.Unlock()
	if ok {
		return info, nil
	}
	path := "/products/" + strconv.FormatInt(id, 10)
	body, _, err := c.c.get(ctx, "/products/{id}", path, nil)
	switch {
	case errors.Is(err, rosync.ErrNotFound):
		c.log.DebugContext(ctx, "product not found; line keeps its SKU and name", "product_id", id)
		info = nil
	case err != nil:
		return nil, err
	default:
		var np struct {
			Description string `json:"description"`
			Categories  []struct {
				ID   int64  `json:"id"`
				Name string `json:"name"`
			} `json:"categories"`
		}
		if err := json.Unmarshal(body, &np); err != nil {
			return nil, &badDataError{what: "GET " + path, err: err}
		}
		info = &productInfo{Description: np.Description}
		for _, cat := range np.Categories {
			info.Categories = append(info.Categories, category{ID: cat.ID, Name: html.UnescapeString(cat.Name)})
		}
	}
	c.mu.Lock()
	evictOne(c.products)
	c.products[id] = info
	c.mu.Unlock()
	return info, nil
}

func (c *catalog) variation(ctx context.Context, productID, variationID int64) (*string, error) {
	key := [2]int64{productID, variationID}
	c.mu.Lock()
	desc, ok := c.variations[key]
	c.mu.Unlock()
	if ok {
		return desc, nil
	}
	path := "/products/" + strconv.FormatInt(productID, 10) + "/variations/" + strconv.FormatInt(variationID, 10)
	body, _, err := c.c.get(ctx, "/products/{id}/variations/{id}", path, nil)
	switch {
	case errors.Is(err, rosync.ErrNotFound):
		desc = nil
	case err != nil:
		return nil, err
	default:
		var nv struct {
			Description string `json:"description"`
		}
		if err := json.Unmarshal(body, &nv); err != nil {
			return nil, &badDataError{what: "GET " + path, err: err}
		}
		desc = &nv.Description
	}
	c.mu.Lock()
	evictOne(c.variations)
	c.variations[key] = desc
	c.mu.Unlock()
	return desc, nil
}

// evictOne makes room in a cache map that reached maxCached. Callers hold
// the lock.
func evictOne[K comparable, V any](m map[K]V) {
	if len(m) < maxCached {
		return
	}
	for k := range m {
		delete(m, k)
		return
	}
}

// categoryPath applies the category rule (WOO-P2..P4) to a product's
// categories and returns the chosen path of names.
func (c *catalog) categoryPath(ctx context.Context, cats []category) ([]string, error) {
	if len(cats) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(cats))
	for i, cat := range cats {
		ids[i] = cat.ID
	}
	tree, err := c.categories(ctx, ids)
	if err != nil {
		return nil, err
	}
	// A local view with the chains of the product's categories; a category
	// still unknown to the tree counts as a top-level one with the name the
	// product gives it.
	local := make(map[int64]category, len(cats)*3)
	for _, cat := range cats {
		if _, ok := tree[cat.ID]; !ok {
			local[cat.ID] = category{ID: cat.ID, Name: cat.Name}
			continue
		}
		id := cat.ID
		for i := 0; i < maxCategoryDepth; i++ {
			n, ok := tree[id]
			if !ok {
				break
			}
			if _, dup := local[id]; dup {
				break
			}
			local[id] = n
			if n.Parent == 0 {
				break
			}
			id = n.Parent
		}
	}
	return chooseCategory(local, ids), nil
}

// categories returns the category tree, loading it the first time and
// reloading it once for ids it does not know. The returned map is never
// modified afterwards.
func (c *catalog) categories(ctx context.Context, ids []int64) (map[int64]category, error) {
	c.treeMu.Lock()
	defer c.treeMu.Unlock()
	if !c.treeLoaded {
		tree, err := c.loadCategories(ctx)
		if err != nil {
			return nil, err
		}
		c.tree, c.treeLoaded = tree, true
		return c.tree, nil
	}
	var unknown []int64
	for _, id := range ids {
		if _, ok := c.tree[id]; !ok && !c.refetched[id] {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) == 0 {
		return c.tree, nil
	}
	tree, err := c.loadCategories(ctx)
	if err != nil {
		return nil, err
	}
	c.tree = tree
	if len(c.refetched) >= maxCached {
		clear(c.refetched)
	}
	for _, id := range unknown {
		c.refetched[id] = true
		if _, ok := tree[id]; !ok {
			c.log.WarnContext(ctx, "product category missing from /products/categories; taken as top level", "category_id", id)
		}
	}
	return c.tree, nil
}

func (c *catalog) loadCategories(ctx context.Context) (map[int64]category, error) {
	tree := map[int64]category{}
	q := url.Values{"per_page": {strconv.Itoa(MaxPerPage)}}
	for page := 1; ; page++ {
		q.Set("page", strconv.Itoa(page))
		body, hdr, err := c.c.get(ctx, "/products/categories", "/products/categories", q)
		if err != nil {
			return nil, err
		}
		items, err := decodeArray(body)
		if err != nil {
			return nil, &badDataError{what: "GET /products/categories", err: err}
		}
		for i, raw := range items {
			var nc struct {
				ID     int64  `json:"id"`
				Name   string `json:"name"`
				Parent int64  `json:"parent"`
			}
			if err := json.Unmarshal(raw, &nc); err != nil {
				return nil, &badDataError{what: fmt.Sprintf("GET /products/categories page %d item %d", page, i), err: err}
			}
			if nc.ID <= 0 {
				continue
			}
			// WordPress stores term names HTML-escaped ("Phones &amp; Tablets").
			tree[nc.ID] = category{ID: nc.ID, Name: html.UnescapeString(nc.Name), Parent: nc.Parent}
		}
		if !morePages(hdr, page, len(items), MaxPerPage) {
			break
		}
	}
	c.log.DebugContext(ctx, "category tree loaded", "categories", len(tree))
	return tree, nil
}

// morePages reports whether a paged list goes on after page: by
// X-WP-TotalPages when present, else by a full page.
func morePages(hdr http.Header, page, got, perPage int) bool {
	if got == 0 {
		return false
	}
	if n, ok := pageCount(hdr); ok {
		return page < n
	}
	return got >= perPage
}
