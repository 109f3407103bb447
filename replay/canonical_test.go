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
	renumber := func(ids []int64, key func(i int) string) map[int64]int64 {
		idx := make([]int, len(ids))
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(key(a), key(b)) })
		m := make(map[int64]int64, len(ids))
		for n, i := range idx {
			m[ids[i]] = int64(n + 1)
		}
		return m
	}
	ref := func(m map[int64]int64, id *int64) *int64 {
		if id == nil {
			return nil
		}
		v, ok := m[*id]
		if !ok {
			v = -*id // a reference to nothing in the snapshot stays visible
		}
		return &v
	}

	out.Contacts = slices.Clone(s.Contacts)
	cids := make([]int64, len(out.Contacts))
	for i, c := range out.Contacts {
		cids[i] = c.ID
	}
	cm := renumber(cids, func(i int) string {
		c := out.Contacts[i]
		return strings.Join([]string{c.FirstName, c.LastName, c.Email, strings.Join(c.Phones, ","), c.Address}, "\x00")
	})
	for i := range out.Contacts {
		out.Contacts[i].ID = cm[out.Contacts[i].ID]
	}
	slices.SortFunc(out.Contacts, func(a, b roapptest.Contact) int { return cmp.Compare(a.ID, b.ID) })

	out.Categories = slices.Clone(s.Categories)
	gids := make([]int64, len(out.Categories))
	titles := map[int64]string{}
	for i, c := range out.Categories {
		gids[i] = c.ID
		titles[c.ID] = c.Title
	}
	gm := renumber(gids, func(i int) string {
		c := out.Categories[i]
		parent := ""
		if c.ParentID != nil {
			parent = titles[*c.ParentID]
		}
		return c.Title + "\x00" + parent
	})
	for i := range out.Categories {
		out.Categories[i].ID = gm[out.Categories[i].ID]
		out.Categories[i].ParentID = ref(gm, out.Categories[i].ParentID)
	}
	slices.SortFunc(out.Categories, func(a, b roapptest.Category) int { return cmp.Compare(a.ID, b.ID) })

	out.Products = slices.Clone(s.Products)
	pids := make([]int64, len(out.Products))
	for i, p := range out.Products {
		pids[i] = p.ID
	}
	pm := renumber(pids, func(i int) string {
		p := out.Products[i]
		return strings.Join([]string{p.SKU, p.Code, p.Title}, "\x00")
	})
	for i := range out.Products {
		out.Products[i].ID = pm[out.Products[i].ID]
		out.Products[i].CategoryID = ref(gm, out.Products[i].CategoryID)
	}
	slices.SortFunc(out.Products, func(a, b roapptest.Product) int { return cmp.Compare(a.ID, b.ID) })

	out.Orders = slices.Clone(s.Orders)
	oids := make([]int64, len(out.Orders))
	for i, o := range out.Orders {
		oids[i] = o.ID
	}
	om := renumber(oids, func(i int) string {
		o := out.Orders[i]
		return fmt.Sprintf("%s\x00%020s\x00%s", o.Platform, o.PlatformOrderID, o.PlatformNumber)
	})
	for i := range out.Orders {
		o := &out.Orders[i]
		o.ID = om[o.ID]
		o.ClientID = *ref(cm, &o.ClientID)
		o.Items = slices.Clone(o.Items)
		for j := range o.Items {
			o.Items[j].ProductID = *ref(pm, &o.Items[j].ProductID)
		}
	}
	slices.SortFunc(out.Orders, func(a, b roapptest.Order) int { return cmp.Compare(a.ID, b.ID) })
	return out
}
