package woocommerce

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// catTree builds a tree from (id, name, parent) triples.
func catTree(nodes ...category) map[int64]category {
	m := make(map[int64]category, len(nodes))
	for _, n := range nodes {
		m[n.ID] = n
	}
	return m
}

func TestChooseCategory(t *testing.T) {
	// Electronics > Phones > Smartphones, Electronics > Phones > Accessories,
	// Electronics > Laptops, Sale (top), Sale > Black Friday, apple (top),
	// Apple (top), Zebra (top).
	shop := catTree(
		category{ID: 1, Name: "Electronics"},
		category{ID: 2, Name: "Phones", Parent: 1},
		category{ID: 3, Name: "Smartphones", Parent: 2},
		category{ID: 4, Name: "Accessories", Parent: 2},
		category{ID: 5, Name: "Laptops", Parent: 1},
		category{ID: 6, Name: "Sale"},
		category{ID: 7, Name: "Black Friday", Parent: 6},
		category{ID: 8, Name: "apple"},
		category{ID: 9, Name: "Apple"},
		category{ID: 10, Name: "Zebra"},
		category{ID: 11, Name: "Cables", Parent: 4},
	)
	tests := []struct {
		name string
		tree map[int64]category
		ids  []int64
		want []string
	}{
		{"no categories", shop, nil, nil},
		{"unknown ids only", shop, []int64{99}, nil},
		{"one top-level category", shop, []int64{6}, []string{"Sale"}},
		{"one nested category gives its full path", shop, []int64{3}, []string{"Electronics", "Phones", "Smartphones"}},

		// WOO-P2: the whole chain ticked -> the deepest level.
		{"WOO-P2 chain gives the deepest", shop, []int64{1, 2, 3}, []string{"Electronics", "Phones", "Smartphones"}},
		{"WOO-P2 chain in any order", shop, []int64{3, 1, 2}, []string{"Electronics", "Phones", "Smartphones"}},
		{"WOO-P2 grandparent only ancestor", shop, []int64{1, 3}, []string{"Electronics", "Phones", "Smartphones"}},

		// WOO-P3: same level -> alphabetical.
		{"WOO-P3 two siblings alphabetical", shop, []int64{3, 4}, []string{"Electronics", "Phones", "Accessories"}},
		{"WOO-P3 two top-level alphabetical", shop, []int64{10, 6}, []string{"Sale"}},
		{"WOO-P3 case-insensitive first", shop, []int64{10, 9}, []string{"Apple"}},
		{"WOO-P3 case-insensitive tie then bytewise", shop, []int64{8, 9}, []string{"Apple"}}, // "Apple" < "apple" bytewise
		{"WOO-P3 same level in different branches", shop, []int64{5, 7}, []string{"Sale", "Black Friday"}},

		// WOO-P4: different levels in different branches -> the most general.
		{"WOO-P4 different levels, most general wins", shop, []int64{3, 6}, []string{"Sale"}},
		{"WOO-P4 depth 3 vs depth 2", shop, []int64{11, 5}, []string{"Electronics", "Laptops"}},
		{"WOO-P4 tie at the smallest depth alphabetical", shop, []int64{3, 10, 6}, []string{"Sale"}},

		// WOO-P2 then WOO-P3/P4: ancestors dropped first, then the tie.
		{"WOO-P2 ancestor dropped then WOO-P3 tie", shop, []int64{2, 3, 4}, []string{"Electronics", "Phones", "Accessories"}},
		{"WOO-P2 ancestor dropped then WOO-P4", shop, []int64{1, 2, 3, 6, 7}, []string{"Sale", "Black Friday"}},
		{"WOO-P2 ancestor of a deeper one dropped before WOO-P4", shop, []int64{6, 7, 11}, []string{"Sale", "Black Friday"}},

		// Broken trees.
		{
			"cycle guarded",
			catTree(category{ID: 1, Name: "A", Parent: 2}, category{ID: 2, Name: "B", Parent: 1}),
			[]int64{1},
			[]string{"B", "A"},
		},
		{
			"cycle with both ids kept, alphabetical",
			catTree(category{ID: 1, Name: "A", Parent: 2}, category{ID: 2, Name: "B", Parent: 1}),
			[]int64{2, 1},
			[]string{"B", "A"},
		},
		{
			"self parent",
			catTree(category{ID: 1, Name: "Loop", Parent: 1}),
			[]int64{1},
			[]string{"Loop"},
		},
		{
			"missing parent counts as top level",
			catTree(category{ID: 3, Name: "Orphan", Parent: 42}, category{ID: 4, Name: "Top"}),
			[]int64{3, 4},
			[]string{"Orphan"},
		},
		{"duplicate ids", shop, []int64{3, 3}, []string{"Electronics", "Phones", "Smartphones"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := chooseCategory(tt.tree, tt.ids)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("chooseCategory(%v) (-want +got):\n%s", tt.ids, diff)
			}
		})
	}
}

func TestChooseCategory_DeepChainBounded(t *testing.T) {
	tree := map[int64]category{}
	for i := int64(1); i <= 500; i++ {
		tree[i] = category{ID: i, Name: "c", Parent: i - 1}
	}
	got := chooseCategory(tree, []int64{500})
	if len(got) != maxCategoryDepth {
		t.Errorf("path length %d, want %d", len(got), maxCategoryDepth)
	}
}
