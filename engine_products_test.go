package rosync_test

import (
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

// TestEngine_ProductCategory: PRD-5, an existing category is used and a
// missing chain is created under its parents.
func TestEngine_ProductCategory(t *testing.T) { // PRD-5
	pid := func(v int64) *int64 { return &v }
	e := newEnv(t, basePolicy(), withSeed(func(s *roapptest.Seed) {
		s.Categories = []roapptest.Category{
			{ID: 10, Title: "Electronics"},
			{ID: 11, Title: "Phones", ParentID: pid(10)},
			{ID: 12, Title: "Phones"}, // same title at the top level: not the one under Electronics
		}
	}))
	o := newOrder("801", time.Time{})
	o.Lines = []rosync.LineItem{
		{ID: "a", Quantity: 1, Price: dec("1.00"), Product: rosync.Product{SKU: "A", Name: "Existing leaf",
			Category: []string{"Electronics", "Phones"}}},
		{ID: "b", Quantity: 1, Price: dec("1.00"), Product: rosync.Product{SKU: "B", Name: "New leaf",
			Category: []string{"Electronics", "Phones", "Smartphones"}}},
		{ID: "c", Quantity: 1, Price: dec("1.00"), Product: rosync.Product{SKU: "C", Name: "New chain",
			Category: []string{"Home", "Kitchen"}}},
		{ID: "d", Quantity: 1, Price: dec("1.00"), Product: rosync.Product{SKU: "D", Name: "Same chain",
			Category: []string{"Home", "Kitchen"}}},
		{ID: "e", Quantity: 1, Price: dec("1.00"), Product: rosync.Product{SKU: "E", Name: "No category"}},
	}
	e.addOrder(o)
	e.sync(t, "801")

	snap := e.emu.Snapshot()
	wantCats := []roapptest.Category{
		{ID: 10, Title: "Electronics"},
		{ID: 11, Title: "Phones", ParentID: pid(10)},
		{ID: 12, Title: "Phones"},
		{ID: 13, Title: "Smartphones", ParentID: pid(11)},
		{ID: 14, Title: "Home"},
		{ID: 15, Title: "Kitchen", ParentID: pid(14)},
	}
	if diff := cmp.Diff(wantCats, snap.Categories); diff != "" {
		t.Errorf("PRD-5: categories (-want +got):\n%s", diff)
	}
	got := map[string]*int64{}
	for _, p := range snap.Products {
		got[p.SKU] = p.CategoryID
	}
	want := map[string]*int64{"A": pid(11), "B": pid(13), "C": pid(15), "D": pid(15), "E": nil}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PRD-5: product categories (-want +got):\n%s", diff)
	}
	for _, p := range snap.Products {
		require.Equal(t, "piece", p.UOM, "PRD-4")
	}
}
