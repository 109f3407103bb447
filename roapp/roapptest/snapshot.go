package roapptest

import (
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/rosync/rosync"
)

// Snapshot is the replay snapshot of DESIGN.md, a public contract: the
// emulator fills contacts, categories, products, orders and api_calls; the
// replay tool fills platform_status_updates, rejected and failed, which the
// emulator cannot know. Lists are sorted by id and encode as [] when empty.
type Snapshot struct {
	Contacts              []Contact      `json:"contacts"`
	Categories            []Category     `json:"categories"`
	Products              []Product      `json:"products"`
	Orders                []Order        `json:"orders"`
	PlatformStatusUpdates []StatusUpdate `json:"platform_status_updates"`
	Rejected              []Rejected     `json:"rejected"`
	Failed                []Failed       `json:"failed"`
	APICalls              APICalls       `json:"api_calls"`
}

// Order is an RO App order in the snapshot. The platform fields come from
// the order's manager notes (rosync.ParseNotes) and are empty for an order
// rosync did not create.
type Order struct {
	ID                int64  `json:"id"`
	Platform          string `json:"platform"`
	PlatformOrderID   string `json:"platform_order_id"`
	PlatformNumber    string `json:"platform_number"`
	PlatformCreatedAt string `json:"platform_created_at"`
	ClientID          int64  `json:"client_id"`
	OrderTypeID       int64  `json:"order_type_id"`
	// Status is the status name.
	Status   string   `json:"status"`
	Items    []Item   `json:"items"`
	Comments []string `json:"comments"`
}

// Item is an order item in the snapshot; Price is a decimal string with the
// currency's digits (rosync.CurrencyDigits).
type Item struct {
	ProductID int64  `json:"product_id"`
	Quantity  int64  `json:"quantity"`
	Price     string `json:"price"`
	// Discount is the item's value discount for the whole item (ORD-3):
	// the item amounts to Price×Quantity−Discount.
	Discount string `json:"discount"`
	Deducted bool   `json:"deducted"`
}

// StatusUpdate is a status rosync pushed to the platform.
type StatusUpdate struct {
	PlatformOrderID string `json:"platform_order_id"`
	Status          string `json:"status"`
}

// Rejected is a platform order a rule kept out of RO App.
type Rejected struct {
	PlatformOrderID string `json:"platform_order_id"`
	PlatformNumber  string `json:"platform_number"`
	Rule            string `json:"rule"`
	Reason          string `json:"reason"`
}

// Failed is a platform order whose last attempt failed.
type Failed struct {
	PlatformOrderID string `json:"platform_order_id"`
	Error           string `json:"error"`
}

// APICalls is the request accounting in the snapshot.
type APICalls struct {
	Total      int            `json:"total"`
	ByEndpoint map[string]int `json:"by_endpoint"`
}

// MarshalJSON encodes s with every nil list as [] and a nil map as {}.
func (s Snapshot) MarshalJSON() ([]byte, error) {
	type plain Snapshot
	p := plain(s)
	p.Contacts = nonNil(p.Contacts)
	for i := range p.Contacts {
		p.Contacts[i].Phones = nonNil(p.Contacts[i].Phones)
	}
	p.Categories = nonNil(p.Categories)
	p.Products = nonNil(p.Products)
	p.Orders = nonNil(p.Orders)
	for i := range p.Orders {
		p.Orders[i].Items = nonNil(p.Orders[i].Items)
		p.Orders[i].Comments = nonNil(p.Orders[i].Comments)
	}
	p.PlatformStatusUpdates = nonNil(p.PlatformStatusUpdates)
	p.Rejected = nonNil(p.Rejected)
	p.Failed = nonNil(p.Failed)
	if p.APICalls.ByEndpoint == nil {
		p.APICalls.ByEndpoint = map[string]int{}
	}
	return json.Marshal(p)
}

// nonNil returns a copy of s that is never nil.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return slices.Clone(s)
}

// Snapshot returns the emulator's state in the snapshot's shape, with empty
// platform_status_updates, rejected and failed for the caller to fill.
func (e *Emulator) Snapshot() Snapshot {
	e.late.RunDue()
	e.mu.Lock()
	defer e.mu.Unlock()
	s := Snapshot{
		Contacts: []Contact{}, Categories: []Category{}, Products: []Product{}, Orders: []Order{},
		PlatformStatusUpdates: []StatusUpdate{}, Rejected: []Rejected{}, Failed: []Failed{},
		APICalls: APICalls{Total: e.calls.Total, ByEndpoint: maps.Clone(e.calls.ByEndpoint)},
	}
	for _, id := range sortedIDs(e.contacts) {
		c := *e.contacts[id]
		c.Phones = nonNil(c.Phones)
		s.Contacts = append(s.Contacts, c)
	}
	for _, id := range sortedIDs(e.categories) {
		c := *e.categories[id]
		c.ParentID = cloneID(c.ParentID)
		s.Categories = append(s.Categories, c)
	}
	for _, id := range sortedIDs(e.products) {
		p := *e.products[id]
		p.CategoryID = cloneID(p.CategoryID)
		s.Products = append(s.Products, p)
	}
	digits := e.digits()
	for _, id := range sortedIDs(e.orders) {
		o := e.orders[id]
		so := Order{ID: o.id, ClientID: o.clientID, OrderTypeID: o.typeID, Status: e.statusName(o.statusID),
			Items: []Item{}, Comments: []string{}}
		if ref, ok := rosync.ParseNotes(o.notes); ok {
			so.Platform, so.PlatformOrderID, so.PlatformNumber = ref.Platform, ref.OrderID, ref.Number
			if !ref.CreatedAt.IsZero() {
				so.PlatformCreatedAt = ref.CreatedAt.UTC().Format(time.RFC3339)
			}
		}
		items := slices.Clone(o.items)
		slices.SortFunc(items, func(a, b *item) int { return int(a.id - b.id) })
		for _, it := range items {
			so.Items = append(so.Items, Item{ProductID: it.productID, Quantity: it.quantity,
				Price: it.price.StringFixed(digits), Discount: it.discount.StringFixed(digits), Deducted: it.deducted})
		}
		for _, c := range o.comments {
			so.Comments = append(so.Comments, c.text)
		}
		s.Orders = append(s.Orders, so)
	}
	return s
}
