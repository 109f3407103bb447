package rosync_test

import (
	"context"
	"iter"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp/roapptest"
)

// TestEngine_ProductMatchedByKey: PRD-2, for each identify-by key an RO App
// product already in the catalogue is matched and not duplicated; the
// other fields differ, so that matching by the wrong key would create one.
func TestEngine_ProductMatchedByKey(t *testing.T) { // PRD-1, PRD-2
	p := rosync.Product{ID: "501", SKU: "PH-1", Name: "Phone X", Description: "A phone"}
	tests := []struct {
		by   rosync.IdentifyBy
		seed roapptest.Product
	}{
		{rosync.IdentifyByName, roapptest.Product{ID: 40, Title: "Phone X", SKU: "OTHER", Code: "999", UOM: "piece"}},
		{rosync.IdentifyBySKU, roapptest.Product{ID: 40, Title: "Telephone", SKU: "PH-1", Code: "999", UOM: "piece"}},
		{rosync.IdentifyByID, roapptest.Product{ID: 40, Title: "Telephone", SKU: "OTHER", Code: "501", UOM: "piece"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.by), func(t *testing.T) {
			e := newEnv(t, basePolicy(),
				withSettings(func(s *rosync.Settings) { s.IdentifyProductsBy = tt.by }),
				withSeed(func(s *roapptest.Seed) { s.Products = []roapptest.Product{tt.seed} }))
			o := newOrder("701", time.Time{})
			o.Lines[0].Product = p
			// A second, new product in the same order is imported (PRD-1).
			o.Lines = append(o.Lines, rosync.LineItem{ID: "701-2", Quantity: 1, Price: dec("10.00"),
				Product: rosync.Product{ID: "502", SKU: "CS-1", Name: "Case"}})
			e.addOrder(o)
			e.sync(t, "701")

			snap := e.emu.Snapshot()
			want := []roapptest.Product{tt.seed,
				{ID: 41, Title: "Case", SKU: "CS-1", Code: "502", UOM: "piece"}}
			if diff := cmp.Diff(want, snap.Products); diff != "" {
				t.Errorf("PRD-2 by %s: catalogue (-want +got):\n%s", tt.by, diff)
			}
			require.Len(t, snap.Orders, 1)
			require.Equal(t, int64(40), snap.Orders[0].Items[0].ProductID, "PRD-2: the matched product is the item's")
			require.Equal(t, int64(41), snap.Orders[0].Items[1].ProductID, "PRD-1: the new product is the item's")
			require.Equal(t, 1, e.calls("POST /catalog/products"))
		})
	}
}

// TestEngine_SharedProductCreatedOnce: PRD-2, two orders sharing a new
// product create it once, for each identify-by key.
func TestEngine_SharedProductCreatedOnce(t *testing.T) { // PRD-1, PRD-2
	for _, by := range []rosync.IdentifyBy{rosync.IdentifyByName, rosync.IdentifyBySKU, rosync.IdentifyByID} {
		t.Run(string(by), func(t *testing.T) {
			e := newEnv(t, basePolicy(), withSettings(func(s *rosync.Settings) { s.IdentifyProductsBy = by }))
			e.addOrder(newOrder("711", time.Time{}))
			e.addOrder(newOrder("712", time.Time{}))
			e.sync(t, "711")
			e.sync(t, "712")
			snap := e.emu.Snapshot()
			require.Len(t, snap.Products, 1, "PRD-2: one catalogue product for both orders")
			require.Equal(t, 1, e.calls("POST /catalog/products"))
			require.Len(t, snap.Orders, 2)
			for _, o := range snap.Orders {
				require.Equal(t, snap.Products[0].ID, o.Items[0].ProductID)
			}
		})
	}
}

// TestEngine_ProductCategory: PRD-5, the product's category is one RO App
// category: one of that title anywhere in RO App's tree (trimmed, case and
// HTML entities ignored), the one whose parents match the platform's chain
// among several, else one new category at the top level; ancestors are
// never created.
func TestEngine_ProductCategory(t *testing.T) { // PRD-5, WOO-P2
	pid := func(v int64) *int64 { return &v }
	seed := []roapptest.Category{
		{ID: 10, Title: "Electronics"},
		{ID: 11, Title: "Phones", ParentID: pid(10)},
		{ID: 12, Title: "Phones"}, // same title at the top level
		{ID: 13, Title: "Cases", ParentID: pid(11)},
		{ID: 14, Title: "Tools & Garden"},
		{ID: 15, Title: "Gadgets"},
		{ID: 16, Title: "Phones", ParentID: pid(15)},
	}
	tests := []struct {
		name string
		path []string
		want *int64 // nil: no category
	}{
		{"PRD-5: the one whose parents match the chain", []string{"Electronics", "Phones"}, pid(11)},
		{"PRD-5: the nearest parent decides", []string{"Shop", "Gadgets", "Phones"}, pid(16)},
		{"PRD-5: a top-level one for a chain without parents", []string{"Phones"}, pid(12)},
		{"PRD-5: the first by id when no parents match", []string{"Other", "Phones"}, pid(11)},
		{"PRD-5: anywhere in the tree", []string{"Accessories", "Cases"}, pid(13)},
		{"PRD-5: trimmed, case and HTML entities ignored", []string{" tools &amp; GARDEN "}, pid(14)},
		{"PRD-5: a new one is created alone at the top level", []string{"Electronics", "Phones", "Smartphones"}, pid(17)},
		{"PRD-5: created once for every chain", []string{"Mobile", "Smartphones"}, pid(17)},
		{"PRD-5: a new leaf of a new chain", []string{"Home", "Kitchen"}, pid(18)},
		{"no category", nil, nil},
	}
	e := newEnv(t, basePolicy(), withSeed(func(s *roapptest.Seed) { s.Categories = seed }))
	o := newOrder("801", time.Time{})
	o.Lines = nil
	for i, tt := range tests {
		sku := string(rune('A' + i))
		o.Lines = append(o.Lines, rosync.LineItem{ID: sku, Quantity: 1, Price: dec("1.00"),
			Product: rosync.Product{SKU: sku, Name: "Product " + sku, Category: tt.path}})
	}
	e.addOrder(o)
	e.sync(t, "801")

	snap := e.emu.Snapshot()
	wantCats := append(seed,
		roapptest.Category{ID: 17, Title: "Smartphones"},
		roapptest.Category{ID: 18, Title: "Kitchen"})
	if diff := cmp.Diff(wantCats, snap.Categories); diff != "" {
		t.Errorf("PRD-5: categories (-want +got):\n%s", diff)
	}
	got := map[string]*int64{}
	for _, p := range snap.Products {
		got[p.SKU] = p.CategoryID
		require.Equal(t, "piece", p.UOM, "PRD-4")
	}
	for i, tt := range tests {
		sku := string(rune('A' + i))
		if diff := cmp.Diff(tt.want, got[sku]); diff != "" {
			t.Errorf("%s: %v: category (-want +got):\n%s", tt.name, tt.path, diff)
		}
	}
	require.Equal(t, 2, e.calls("POST /catalog/products/categories"), "PRD-5: one create per new title")
}

// TestEngine_CategoryListCached: PRD-5, RO App's category list is read
// once and kept; a title it lacks lists again at most once per
// IndexMaxAge, and a category created meanwhile in RO App is then found.
func TestEngine_CategoryListCached(t *testing.T) { // PRD-5
	e := newEnv(t, basePolicy(), withSeed(func(s *roapptest.Seed) {
		s.Categories = []roapptest.Category{{ID: 10, Title: "Phones"}}
	}))
	lists := func() int { return e.calls("GET /catalog/products/categories") }
	// Connect lists the categories with the mirror of the account.
	base := lists() - 1
	require.Equal(t, 0, base, "PRD-5: Connect lists the categories once")
	order := func(id string, path ...string) {
		o := newOrder(id, time.Time{})
		o.Lines[0].Product = rosync.Product{SKU: "S-" + id, Name: "P " + id, Category: path}
		e.addOrder(o)
		e.sync(t, id)
	}
	order("1", "Phones")
	order("2", "Phones")
	require.Equal(t, base+1, lists(), "PRD-5: the list is read once")
	order("3", "Cases") // a miss within the interval: no second listing
	require.Equal(t, base+1, lists(), "PRD-5: at most one listing per interval")

	// Someone creates a category in RO App.
	chargers, err := e.client.CreateCategory(t.Context(), rosync.ROCategory{Title: "Chargers"})
	require.NoError(t, err)
	e.clock.Advance(2 * time.Minute)
	order("4", "Chargers")
	require.Equal(t, base+2, lists(), "PRD-5: a miss after the interval lists again")
	snap := e.emu.Snapshot()
	for _, p := range snap.Products {
		if p.SKU == "S-4" {
			require.Equal(t, chargers, *p.CategoryID, "PRD-5: the category created in RO App is used")
		}
	}
}

// listingRO is an ROClient with the listing capability whose next
// category creates reach RO App and then report an unknown outcome.
type listingRO struct {
	rosync.ROClient
	blur atomic.Int32
}

func (l *listingRO) CreateCategory(ctx context.Context, c rosync.ROCategory) (int64, error) {
	id, err := l.ROClient.CreateCategory(ctx, c)
	if err == nil && l.blur.Add(-1) >= 0 {
		return 0, &rosync.AmbiguousError{Err: errLost}
	}
	return id, err
}

func (l *listingRO) ListContacts(ctx context.Context, since time.Time, region string) iter.Seq2[rosync.Contact, error] {
	return l.ROClient.(rosync.ROIndexLister).ListContacts(ctx, since, region)
}

func (l *listingRO) ListProducts(ctx context.Context, since time.Time) iter.Seq2[rosync.ROProduct, error] {
	return l.ROClient.(rosync.ROIndexLister).ListProducts(ctx, since)
}

func (l *listingRO) ListCategories(ctx context.Context) iter.Seq2[rosync.ROCategory, error] {
	return l.ROClient.(rosync.ROIndexLister).ListCategories(ctx)
}

// TestEngine_AmbiguousCategoryCreate: ENG-1 and PRD-5, a category create
// whose answer was lost is looked up in a fresh listing before it is made
// again, however recent the Syncer's copy of the list.
func TestEngine_AmbiguousCategoryCreate(t *testing.T) { // ENG-1, PRD-5
	var ro *listingRO
	e := newEnv(t, basePolicy(), withROClient(func(c rosync.ROClient) rosync.ROClient {
		ro = &listingRO{ROClient: c}
		ro.blur.Store(1)
		return ro
	}))
	e.addOrder(newOrder("811", time.Time{}))
	var amb *rosync.AmbiguousError
	require.ErrorAs(t, e.syncer.Sync(t.Context(), "811"), &amb, "precondition: the create's answer is lost")
	require.Len(t, e.emu.Snapshot().Categories, 1, "precondition: RO App made it")
	e.sync(t, "811")
	snap := e.emu.Snapshot()
	require.Len(t, snap.Categories, 1, "ENG-1: one category")
	require.Equal(t, 1, e.calls("POST /catalog/products/categories"), "ENG-1: not created again")
	require.Equal(t, snap.Categories[0].ID, *snap.Products[0].CategoryID)
}
