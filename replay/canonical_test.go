package replay

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/rosync/rosync/roapp/roapptest"
)

// canonicalIDs renumbers the RO App ids of a snapshot in an order of its
// objects' own content (contacts by name, email and phones, categories by
// title, products by SKU, code and title, orders by platform order id) and
// rewrites every reference to them. Under faults a create in doubt waits
// out its quarantine while later orders go ahead (ENG-1), so RO App hands
// out ids in another sequence: what must match the fault-free run is what
// was created and how it is linked, not the sequence. A duplicate still
// shows, as an extra object.
func canonicalIDs(s roapptest.Snapshot) roapptest.Snapshot {
	out := s
	cm := renumber(&out.Contacts, func(c *roapptest.Contact) *int64 { return &c.ID }, func(c roapptest.Contact) string {
		return strings.Join([]string{c.FirstName, c.LastName, c.Email, strings.Join(c.Phones, ","), c.Address}, "\x00")
	})

	titles := map[int64]string{}
	for _, c := range s.Categories {
		titles[c.ID] = c.Title
	}
	gm := renumber(&out.Categories, func(c *roapptest.Category) *int64 { return &c.ID }, func(c roapptest.Category) string {
		parent := ""
		if c.ParentID != nil {
			parent = titles[*c.ParentID]
		}
		return c.Title + "\x00" + parent
	})
	for i := range out.Categories {
		out.Categories[i].ParentID = ref(gm, out.Categories[i].ParentID)
	}

	pm := renumber(&out.Products, func(p *roapptest.Product) *int64 { return &p.ID }, func(p roapptest.Product) string {
		return strings.Join([]string{p.SKU, p.Code, p.Title}, "\x00")
	})
	for i := range out.Products {
		out.Products[i].CategoryID = ref(gm, out.Products[i].CategoryID)
	}

	renumber(&out.Orders, func(o *roapptest.Order) *int64 { return &o.ID }, func(o roapptest.Order) string {
		return fmt.Sprintf("%s\x00%020s\x00%s", o.Platform, o.PlatformOrderID, o.PlatformNumber)
	})
	for i := range out.Orders {
		o := &out.Orders[i]
		o.ClientID = *ref(cm, &o.ClientID)
		o.Items = slices.Clone(o.Items)
		for j := range o.Items {
			o.Items[j].ProductID = *ref(pm, &o.Items[j].ProductID)
		}
	}
	return out
}

// renumber replaces *list by a copy whose ids are 1..n in the order of
// key, sorted by the new id, and returns the map from old to new ids.
func renumber[T any](list *[]T, id func(*T) *int64, key func(T) string) map[int64]int64 {
	xs := slices.Clone(*list)
	slices.SortStableFunc(xs, func(a, b T) int { return cmp.Compare(key(a), key(b)) })
	m := make(map[int64]int64, len(xs))
	for n := range xs {
		p := id(&xs[n])
		m[*p] = int64(n + 1)
		*p = int64(n + 1)
	}
	*list = xs
	return m
}

// ref maps a reference through m; a reference to nothing in the snapshot
// becomes its negative, so that it stays visible.
func ref(m map[int64]int64, id *int64) *int64 {
	if id == nil {
		return nil
	}
	v, ok := m[*id]
	if !ok {
		v = -*id
	}
	return &v
}
