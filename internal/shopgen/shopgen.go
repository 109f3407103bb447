// Package shopgen generates WooCommerce shops and the RO App accounts they
// are imported into, deterministically from a seed: native REST v3 objects
// as platforms/woocommerce/woocommercetest serves them, and a
// roapptest.Seed. It is shared by the benchmark (examples/bench) and by
// tests that need a shop of a given size.
package shopgen

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/rosync/rosync/roapp/roapptest"
)

// Options describe the shop. Zero fields take the documented defaults.
type Options struct {
	Orders     int     // orders in the shop (1000)
	Seed       uint64  // the same seed gives the same shop (1)
	Products   int     // products in the shop (500)
	RepeatRate float64 // share of orders by a returning customer (0.6)
	ROContacts int     // contacts already in RO App (1000)
	ROProducts int     // catalogue products already in RO App (200)
	// Now is the connection time: orders are created in the six weeks
	// before it (inside the two-month import window). Default
	// 2026-11-27T12:00:00Z.
	Now time.Time
}

// Shop is a generated shop.
type Shop struct {
	Now        time.Time
	Currency   string
	Categories []json.RawMessage // /products/categories objects
	Products   []json.RawMessage // /products objects (all simple)
	Orders     []json.RawMessage // /orders objects, oldest first
	RO         roapptest.Seed
	Stats      Stats
}

// Stats are what the shop asks of RO App, for the lower bound of calls an
// import needs.
type Stats struct {
	Orders int `json:"orders"`
	Lines  int `json:"lines"`
	// Customers are the distinct customers; KnownCustomers those already
	// in RO App (matched by phone, their name differs: one update each).
	Customers      int `json:"customers"`
	KnownCustomers int `json:"known_customers"`
	// Products are the distinct products ordered; KnownProducts those
	// already in RO App's catalogue (same SKU).
	Products      int `json:"products"`
	KnownProducts int `json:"known_products"`
	// NewCategories are the categories the new products need that RO App
	// lacks; CategoryLevels every distinct category (title, parent) they need.
	NewCategories  int `json:"new_categories"`
	CategoryLevels int `json:"category_levels"`
	// Deliveries counts orders with delivery (not transferred, WOO-4).
	Deliveries int `json:"deliveries"`
	// ROContacts, ROProducts, ROCategories size the existing account.
	ROContacts   int `json:"ro_contacts"`
	ROProducts   int `json:"ro_products"`
	ROCategories int `json:"ro_categories"`
}

const currency = "UAH"

var tops = []string{"Electronics", "Home", "Garden", "Clothing", "Toys", "Sports", "Books", "Beauty", "Auto", "Pets"}
var subs = []string{"Basics", "Premium"}

// Generate builds the shop for o.
func Generate(o Options) *Shop {
	if o.Orders <= 0 {
		o.Orders = 1000
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Products <= 0 {
		o.Products = 500
	}
	if o.RepeatRate <= 0 {
		o.RepeatRate = 0.6
	}
	if o.ROContacts <= 0 {
		o.ROContacts = 1000
	}
	if o.ROProducts <= 0 {
		o.ROProducts = 200
	}
	if o.Now.IsZero() {
		o.Now = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	}
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	s := &Shop{Now: o.Now, Currency: currency}

	// Categories: ten top-level ones with two children each; a product
	// sits in a child. RO App already has the first three top-level ones.
	type cat struct {
		id, parent int64
		name       string
	}
	var cats []cat
	for i, t := range tops {
		top := cat{id: int64(1 + i*3), name: t}
		cats = append(cats, top)
		for j, sub := range subs {
			cats = append(cats, cat{id: top.id + 1 + int64(j), parent: top.id, name: t + " " + sub})
		}
	}
	catByID := map[int64]cat{}
	for _, c := range cats {
		catByID[c.id] = c
		s.Categories = append(s.Categories, mustJSON(map[string]any{
			"id": c.id, "name": c.name, "slug": slug(c.name), "parent": c.parent,
			"description": "", "display": "default", "image": nil, "menu_order": 0, "count": 0,
		}))
	}
	roTops := 3
	for i := range roTops {
		s.RO.Categories = append(s.RO.Categories, roapptest.Category{ID: int64(i + 1), Title: tops[i]})
	}

	type product struct {
		id    int64
		name  string
		sku   string
		cents int64
		cat   cat
	}
	products := make([]product, o.Products)
	for i := range products {
		c := cats[(i%len(tops))*3+1+(i/len(tops))%2]
		cents := int64(5000 + (i*7919)%200000)
		products[i] = product{id: int64(1000 + i), name: fmt.Sprintf("%s item %d", c.name, i),
			sku: fmt.Sprintf("SKU-%04d", i), cents: cents, cat: c}
		p := products[i]
		s.Products = append(s.Products, mustJSON(map[string]any{
			"id": p.id, "name": p.name, "slug": slug(p.name), "type": "simple", "status": "publish",
			"parent_id": 0, "description": "<p>" + p.name + "</p>", "short_description": "", "sku": p.sku,
			"price": money(p.cents), "regular_price": money(p.cents), "sale_price": "",
			"categories": []map[string]any{{"id": c.id, "name": c.name, "slug": slug(c.name)}},
			"attributes": []any{}, "variations": []any{},
		}))
	}
	// RO App's catalogue: half of it the shop's most popular SKUs, half
	// unrelated products.
	known := min(o.ROProducts/2, o.Products)
	for i := range o.ROProducts {
		p := roapptest.Product{ID: int64(i + 1), UOM: "piece"}
		if i < known {
			p.Title, p.SKU = products[i].name+" (RO)", products[i].sku
		} else {
			p.Title, p.SKU = fmt.Sprintf("Service part %d", i), fmt.Sprintf("RO-%04d", i)
		}
		s.RO.Products = append(s.RO.Products, p)
	}

	// Contacts: the first 30% of RO App's contacts are future customers
	// (same phone, a shorter name); the rest are unrelated.
	knownCustomers := o.ROContacts * 3 / 10
	for i := range o.ROContacts {
		if i < knownCustomers {
			s.RO.Contacts = append(s.RO.Contacts, roapptest.Contact{ID: int64(i + 1), FirstName: firstName(i),
				Phones: []string{customerPhone(i)}})
			continue
		}
		s.RO.Contacts = append(s.RO.Contacts, roapptest.Contact{ID: int64(i + 1), FirstName: "Walk-in",
			LastName: fmt.Sprintf("Client %d", i), Phones: []string{fmt.Sprintf("+38067%07d", 5000000+i)},
			Email: fmt.Sprintf("walkin%d@example.org", i)})
	}
	s.RO.Currency = currency
	s.RO.Rights = []string{roapptest.RightAddWithoutDeduction}
	s.RO.Statuses = []roapptest.Status{{ID: 1, Name: "New"}, {ID: 2, Name: "In progress"}, {ID: 3, Name: "Closed"}, {ID: 4, Name: "Cancelled"}}
	s.RO.OrderTypes = []roapptest.OrderType{{ID: 1, Name: "Online store", InitialStatusID: 1}}

	// Orders.
	zipf := rand.NewZipf(rng, 1.1, 2, uint64(o.Products-1))
	customers := 0
	usedProduct := map[int]bool{}
	span := 42 * 24 * time.Hour
	start := o.Now.Add(-span)
	step := span / time.Duration(o.Orders+1)
	lineID := int64(1)
	for i := range o.Orders {
		id := int64(100000 + i)
		var c int
		if customers > 0 && rng.Float64() < o.RepeatRate {
			c = rng.IntN(customers)
		} else {
			c = customers
			customers++
		}
		nlines := 1 + rng.IntN(5)
		var lines []map[string]any
		var total int64
		seen := map[int]bool{}
		for len(lines) < nlines {
			k := int(zipf.Uint64())
			if seen[k] {
				continue
			}
			seen[k] = true
			usedProduct[k] = true
			p := products[k]
			qty := int64(1 + rng.IntN(3))
			lines = append(lines, map[string]any{
				"id": lineID, "name": p.name, "product_id": p.id, "variation_id": 0, "quantity": qty,
				"tax_class": "", "subtotal": money(p.cents * qty), "subtotal_tax": "0.00",
				"total": money(p.cents * qty), "total_tax": "0.00", "taxes": []any{}, "meta_data": []any{},
				"sku": p.sku, "price": json.Number(money(p.cents)), "parent_name": nil,
			})
			lineID++
			total += p.cents * qty
		}
		s.Stats.Lines += len(lines)
		shipping := []map[string]any{}
		shipAddr := map[string]any{"first_name": "", "last_name": "", "company": "", "address_1": "",
			"address_2": "", "city": "", "state": "", "postcode": "", "country": "", "phone": ""}
		shipTotal := "0.00"
		if rng.IntN(2) == 0 {
			s.Stats.Deliveries++
			shipping = append(shipping, map[string]any{"id": 1000000 + id, "method_title": "Nova Poshta",
				"method_id": "flat_rate", "instance_id": "1", "total": "70.00", "total_tax": "0.00",
				"taxes": []any{}, "meta_data": []any{}})
			shipAddr = map[string]any{"first_name": firstName(c), "last_name": lastName(c), "company": "",
				"address_1": fmt.Sprintf("Branch %d", 1+c%40), "address_2": "", "city": "Kyiv", "state": "",
				"postcode": "", "country": "UA", "phone": ""}
			shipTotal = "70.00"
			total += 7000
		}
		created := start.Add(time.Duration(i+1) * step).UTC().Format("2006-01-02T15:04:05")
		s.Orders = append(s.Orders, mustJSON(map[string]any{
			"id": id, "parent_id": 0, "number": fmt.Sprint(id), "order_key": fmt.Sprintf("wc_order_%d", id),
			"created_via": "checkout", "version": "8.9.1", "status": "processing",
			"currency": currency, "date_created": created, "date_created_gmt": created,
			"date_modified": created, "date_modified_gmt": created,
			"discount_total": "0.00", "discount_tax": "0.00", "shipping_total": shipTotal, "shipping_tax": "0.00",
			"cart_tax": "0.00", "total": money(total), "total_tax": "0.00", "prices_include_tax": false,
			"customer_id": 0, "customer_ip_address": "", "customer_user_agent": "", "customer_note": "",
			"billing": map[string]any{"first_name": firstName(c), "last_name": lastName(c), "company": "",
				"address_1": "Main st. 1", "address_2": "", "city": "Kyiv", "state": "", "postcode": "01001",
				"country": "UA", "email": fmt.Sprintf("customer%d@example.com", c), "phone": shopPhone(c)},
			"shipping": shipAddr, "payment_method": "cod", "payment_method_title": "Cash on delivery",
			"transaction_id": "", "date_paid": nil, "date_paid_gmt": nil, "date_completed": nil,
			"date_completed_gmt": nil, "cart_hash": "", "meta_data": []any{}, "line_items": lines,
			"tax_lines": []any{}, "shipping_lines": shipping, "fee_lines": []any{}, "coupon_lines": []any{},
			"refunds": []any{}, "currency_symbol": "₴",
		}))
	}

	// What the import needs from RO App.
	s.Stats.Orders = o.Orders
	s.Stats.Customers = customers
	s.Stats.KnownCustomers = min(customers, knownCustomers)
	s.Stats.Products = len(usedProduct)
	newCats := map[string]bool{}
	levels := map[string]bool{}
	for k := range usedProduct {
		if k < known {
			s.Stats.KnownProducts++
			continue
		}
		c := products[k].cat
		top := catByID[c.parent]
		levels[top.name] = true
		levels[top.name+"/"+c.name] = true
		if int(top.id-1)/3 >= roTops {
			newCats[top.name] = true
		}
		newCats[top.name+"/"+c.name] = true
	}
	s.Stats.NewCategories = len(newCats)
	s.Stats.CategoryLevels = len(levels)
	s.Stats.ROContacts, s.Stats.ROProducts, s.Stats.ROCategories = o.ROContacts, o.ROProducts, roTops
	return s
}

var firsts = []string{"Olena", "Andrii", "Iryna", "Taras", "Oksana", "Dmytro", "Natalia", "Serhii", "Yulia", "Bohdan"}
var lasts = []string{"Kovalenko", "Shevchuk", "Melnyk", "Bondarenko", "Tkachenko", "Kravchenko", "Oliinyk", "Lysenko"}

func firstName(c int) string { return firsts[c%len(firsts)] }
func lastName(c int) string  { return fmt.Sprintf("%s-%d", lasts[(c/len(firsts))%len(lasts)], c) }

// customerPhone is customer c's number in E.164; shopPhone the way the
// customer typed it at checkout (CUS-3 normalises it).
func customerPhone(c int) string { return fmt.Sprintf("+38050%07d", c) }

func shopPhone(c int) string {
	d := fmt.Sprintf("%07d", c)
	switch c % 3 {
	case 0:
		return "+38050" + d
	case 1:
		return "050 " + d[:3] + " " + d[3:5] + " " + d[5:]
	default:
		return "(050) " + d
	}
}

func slug(s string) string { return strings.ToLower(strings.ReplaceAll(s, " ", "-")) }

func money(cents int64) string { return fmt.Sprintf("%d.%02d", cents/100, cents%100) }

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}
