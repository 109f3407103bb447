package woocommerce

import (
	"sort"
	"strings"
)

// category is a node of the shop's product category tree
// (GET /products/categories: id, name, parent; parent 0 is the top level).
type category struct {
	ID     int64
	Name   string
	Parent int64
}

// maxCategoryDepth bounds a chain to the top, whatever the data says.
const maxCategoryDepth = 64

// chooseCategory applies the WooCommerce category rule to a product's
// category ids and returns the path from the top level down to the chosen
// category, as names; nil when no id is in the tree.
//
//   - WOO-P2: every category that is an ancestor of another of the product's
//     categories is dropped, so a chain Electronics > Phones > Smartphones
//     yields its deepest level, Smartphones.
//   - WOO-P3: if the remaining categories are all on the same level, the
//     first in alphabetical order wins (case-insensitive, then bytewise,
//     then the lower id).
//   - WOO-P4: if they are on different levels, the most general one (the
//     smallest depth) wins, ties broken as in WOO-P3.
//
// WOO-P3 and WOO-P4 together amount to "smallest depth, then alphabetical".
//
// The tree may be incomplete or broken: a chain stops at a missing parent
// (that category counts as top level) and at a cycle (the chain is cut before
// the repeated category). Two categories that are each other's ancestor
// (a cycle) are both kept. It is a pure function.
func chooseCategory(tree map[int64]category, ids []int64) []string {
	type cand struct {
		id    int64
		chain []int64 // from the top down to id
	}
	var cands []cand
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if _, ok := tree[id]; !ok {
			continue
		}
		cands = append(cands, cand{id: id, chain: chainToTop(tree, id)})
	}
	if len(cands) == 0 {
		return nil
	}

	// WOO-P2: drop the ancestors of another candidate.
	ancestors := make([]map[int64]bool, len(cands))
	for i, c := range cands {
		ancestors[i] = make(map[int64]bool, len(c.chain))
		for _, a := range c.chain[:len(c.chain)-1] {
			ancestors[i][a] = true
		}
	}
	kept := cands[:0:0]
	for i, c := range cands {
		dropped := false
		for j, d := range cands {
			if i == j {
				continue
			}
			// c is an ancestor of d, and not the reverse (a cycle).
			if ancestors[j][c.id] && !ancestors[i][d.id] {
				dropped = true
				break
			}
		}
		if !dropped {
			kept = append(kept, c)
		}
	}

	// WOO-P3 / WOO-P4: the smallest depth, then alphabetical order.
	sort.SliceStable(kept, func(a, b int) bool {
		ca, cb := kept[a], kept[b]
		if len(ca.chain) != len(cb.chain) {
			return len(ca.chain) < len(cb.chain) // WOO-P4: the most general
		}
		x, y := tree[ca.id], tree[cb.id]
		x.ID, y.ID = ca.id, cb.id
		return nameLess(x, y) // WOO-P3
	})
	best := kept[0]
	path := make([]string, len(best.chain))
	for i, id := range best.chain {
		path[i] = tree[id].Name
	}
	return path
}

// chainToTop returns the ids from the top level down to id, stopping at a
// missing parent, a cycle or maxCategoryDepth.
func chainToTop(tree map[int64]category, id int64) []int64 {
	chain := []int64{id}
	visited := map[int64]bool{id: true}
	for cur := tree[id]; cur.Parent != 0 && len(chain) < maxCategoryDepth; {
		pid := cur.Parent
		p, ok := tree[pid]
		if !ok || visited[pid] {
			break
		}
		visited[pid] = true
		chain = append(chain, pid)
		cur = p
	}
	// reverse: top first
	for i, j := 0, len(chain)-1; i < j; i, j = i+1, j-1 {
		chain[i], chain[j] = chain[j], chain[i]
	}
	return chain
}

// nameLess orders categories alphabetically: case-insensitively, then
// bytewise, then by id so that the order is total.
func nameLess(a, b category) bool {
	la, lb := strings.ToLower(a.Name), strings.ToLower(b.Name)
	if la != lb {
		return la < lb
	}
	if a.Name != b.Name {
		return a.Name < b.Name
	}
	return a.ID < b.ID
}
