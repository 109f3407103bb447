package crash

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/rosync/rosync/roapp/roapptest"
)

// The generated shop: 200 WooCommerce orders in native JSON, as
// replay/woocommerce.go loads a fixture into woocommercetest, with repeat
// customers (some changing their name or phone between orders), shared
// products in a category tree (one variable product), delivery lines, and
// an RO App account that already knows a few of the customers, products and
// categories.

const (
	shopOrders   = 200
	firstOrderID = 5001
	currency     = "UAH"
	shopSeed     = 20261127 // the shop is the same in every run
)

// shop is the generated shop's native objects.
type shop struct {
	categories []json.RawMessage
	products   []json.RawMessage // simple and variable products
	variations []variation
	orders     []json.RawMessage
}

type variation struct {
	parent int64
	raw    json.RawMessage
}

type wooCategory struct {
	id, parent int64
	name       string
}

var wooCategories = []wooCategory{
	{1, 0, "Electronics"}, {2, 1, "Phones"}, {3, 2, "Smartphones"}, {4, 0, "Accessories"},
	{5, 4, "Cases"}, {6, 4, "Cables"}, {7, 0, "Gifts"}, {8, 0, "Clothing"}, {9, 0, "Home"},
	{10, 9, "Kitchen"}, {11, 1, "Audio"},
}

type wooProduct struct {
	id         int64
	name, sku  string
	price      string // a decimal with the currency's two digits
	categories []int64
}

// genProducts returns the simple products and the variable product with
// its variations (variations have no categories: the parent's apply).
func genProducts() (simple []wooProduct, hoodie wooProduct, variants []wooProduct) {
	names := []string{"Phone", "Case", "Cable", "Charger", "Headphones", "Mug", "Stand", "Kettle",
		"Speaker", "Screen protector", "Power bank", "Tablet", "Watch", "Cup", "Gift card"}
	cats := [][]int64{{3}, {5}, {6}, {6}, {11}, {10}, {2, 7}, {10}, {11}, {5}, {4}, {1}, {1, 7}, {10}, {7}}
	for i := range 30 {
		k := i % len(names)
		price := fmt.Sprintf("%d.%02d", 99+(i*137)%4900, (i*25)%100)
		simple = append(simple, wooProduct{id: int64(101 + i), name: fmt.Sprintf("%s %d", names[k], i/len(names)+1),
			sku: fmt.Sprintf("SKU-%03d", i+1), price: price, categories: cats[k]})
	}
	hoodie = wooProduct{id: 201, name: "Hoodie", sku: "HOOD", price: "900.00", categories: []int64{8}}
	for i, v := range []string{"Blue, M", "Blue, L", "Grey, M"} {
		variants = append(variants, wooProduct{id: int64(202 + i), name: "Hoodie - " + v,
			sku: fmt.Sprintf("HOOD-%d", i+1), price: "900.00"})
	}
	return simple, hoodie, variants
}

type customer struct {
	first, last, phone, phone2, email, city string
}

func genCustomers() []customer {
	firsts := []string{"Olena", "Andrii", "Iryna", "Taras", "Oksana", "Dmytro", "Natalia", "Serhii", "Yulia", "Bohdan"}
	lasts := []string{"Kovalenko", "Shevchuk", "Melnyk", "Bondarenko", "Tkachenko", "Kravchenko", "Oliinyk", "Lysenko"}
	cities := []string{"Kyiv", "Lviv", "Odesa", "Dnipro", "Kharkiv"}
	var out []customer
	for i := range 60 {
		c := customer{first: firsts[i%len(firsts)], last: lasts[(i/3)%len(lasts)], city: cities[i%len(cities)]}
		n := 1000000 + i*7919
		// Phones in the formats shoppers type them (CUS-3 normalises).
		switch i % 3 {
		case 0:
			c.phone = fmt.Sprintf("+38050%07d", n)
		case 1:
			d := fmt.Sprintf("%07d", n)
			c.phone = fmt.Sprintf("067 %s %s %s", d[:3], d[3:5], d[5:])
		default:
			c.phone = fmt.Sprintf("(093) %07d", n)
		}
		c.email = fmt.Sprintf("%s.%s%d@example.com", strings.ToLower(c.first), strings.ToLower(c.last), i)
		switch i % 10 {
		case 3:
			c.phone = "" // email only
		case 7:
			c.email = "" // phone only
		case 5:
			c.phone2 = fmt.Sprintf("+38063%07d", n) // a second phone on some orders
		}
		out = append(out, c)
	}
	return out
}

// genShop builds the shop; orders are created one every 3 h from base, so
// that the import reads them (oldest first) in id order.
func genShop(base time.Time) shop {
	rng := rand.New(rand.NewPCG(shopSeed, 1))
	var s shop
	catByID := map[int64]wooCategory{}
	for _, c := range wooCategories {
		catByID[c.id] = c
		s.categories = append(s.categories, mustJSON(map[string]any{
			"id": c.id, "name": c.name, "slug": strings.ToLower(c.name), "parent": c.parent,
			"description": "", "display": "default", "image": nil, "menu_order": 0, "count": 0,
		}))
	}
	nativeProduct := func(p wooProduct, typ string, parent int64) json.RawMessage {
		cats := []map[string]any{}
		for _, id := range p.categories {
			cats = append(cats, map[string]any{"id": id, "name": catByID[id].name, "slug": strings.ToLower(catByID[id].name)})
		}
		return mustJSON(map[string]any{
			"id": p.id, "name": p.name, "slug": strings.ToLower(strings.ReplaceAll(p.name, " ", "-")),
			"type": typ, "status": "publish", "parent_id": parent, "description": "<p>" + p.name + "</p>",
			"short_description": "", "sku": p.sku, "price": p.price, "regular_price": p.price,
			"sale_price": "", "categories": cats, "attributes": []any{}, "variations": []any{},
		})
	}
	simple, hoodie, variants := genProducts()
	for _, p := range simple {
		s.products = append(s.products, nativeProduct(p, "simple", 0))
	}
	s.products = append(s.products, nativeProduct(hoodie, "variable", 0))
	for _, v := range variants {
		s.variations = append(s.variations, variation{parent: hoodie.id, raw: nativeProduct(v, "variation", hoodie.id)})
	}

	customers := genCustomers()
	statuses := []string{"processing", "processing", "processing", "on-hold", "pending"}
	lineID := int64(1)
	for i := range shopOrders {
		id := int64(firstOrderID + i)
		created := base.Add(time.Duration(i) * 3 * time.Hour).Format("2006-01-02T15:04:05")
		// Repeat customers: a few are regulars, most come back now and then.
		c := customers[min(len(customers)-1, int(rng.ExpFloat64()*18))]
		phone, last := c.phone, c.last
		if c.phone2 != "" && rng.IntN(2) == 0 {
			phone = c.phone2
		}
		if i%9 == 4 {
			last += "-Shevchenko" // CUS-3: a matched contact takes the order's data
		}
		var (
			lines []map[string]any
			total int64 // in kopiyky
		)
		addLine := func(p wooProduct, parent int64, qty int64) {
			cents := parseCents(p.price)
			productID, variationID := p.id, int64(0)
			if parent != 0 {
				productID, variationID = parent, p.id
			}
			lines = append(lines, map[string]any{
				"id": lineID, "name": p.name, "product_id": productID, "variation_id": variationID,
				"quantity": qty, "tax_class": "", "subtotal": money(cents * qty), "subtotal_tax": "0.00",
				"total": money(cents * qty), "total_tax": "0.00", "taxes": []any{}, "meta_data": []any{},
				"sku": p.sku, "price": json.Number(p.price),
				"parent_name": nil,
			})
			lineID++
			total += cents * qty
		}
		nlines := 1 + rng.IntN(3)
		if i%11 == 0 {
			nlines = 4
		}
		for range nlines {
			if rng.IntN(8) == 0 {
				addLine(variants[rng.IntN(len(variants))], hoodie.id, 1)
				continue
			}
			// Popular products first: shared by many orders.
			p := simple[min(len(simple)-1, int(rng.ExpFloat64()*8))]
			addLine(p, 0, 1+int64(rng.IntN(3)))
		}
		if i%17 == 8 {
			// The same product on two lines of one order.
			p := simple[0]
			addLine(p, 0, 2)
		}
		shipping := []map[string]any{}
		shipAddr := map[string]any{"first_name": "", "last_name": "", "company": "", "address_1": "",
			"address_2": "", "city": "", "state": "", "postcode": "", "country": "", "phone": ""}
		shipTotal := "0.00"
		if i%2 == 0 {
			shipping = append(shipping, map[string]any{"id": 10000 + id, "method_title": "Nova Poshta",
				"method_id": "flat_rate", "instance_id": "1", "total": "70.00", "total_tax": "0.00",
				"taxes": []any{}, "meta_data": []any{}})
			shipAddr = map[string]any{"first_name": c.first, "last_name": last, "company": "",
				"address_1": fmt.Sprintf("Branch %d", 1+i%40), "address_2": "", "city": c.city, "state": "",
				"postcode": "", "country": "UA", "phone": phone}
			shipTotal = "70.00"
			total += 7000
		}
		s.orders = append(s.orders, mustJSON(map[string]any{
			"id": id, "parent_id": 0, "number": fmt.Sprint(id), "order_key": fmt.Sprintf("wc_order_%d", id),
			"created_via": "checkout", "version": "8.9.1", "status": statuses[rng.IntN(len(statuses))],
			"currency": currency, "date_created": created, "date_created_gmt": created,
			"date_modified": created, "date_modified_gmt": created,
			"discount_total": "0.00", "discount_tax": "0.00", "shipping_total": shipTotal, "shipping_tax": "0.00",
			"cart_tax": "0.00", "total": money(total), "total_tax": "0.00", "prices_include_tax": false,
			"customer_id": 0, "customer_ip_address": "", "customer_user_agent": "", "customer_note": "",
			"billing": map[string]any{"first_name": c.first, "last_name": last, "company": "",
				"address_1": "Main st. 1", "address_2": "", "city": c.city, "state": "", "postcode": "01001",
				"country": "UA", "email": c.email, "phone": phone},
			"shipping": shipAddr, "payment_method": "cod", "payment_method_title": "Cash on delivery",
			"transaction_id": "", "date_paid": nil, "date_paid_gmt": nil, "date_completed": nil,
			"date_completed_gmt": nil, "cart_hash": "", "meta_data": []any{}, "line_items": lines,
			"tax_lines": []any{}, "shipping_lines": shipping, "fee_lines": []any{}, "coupon_lines": []any{},
			"refunds": []any{}, "currency_symbol": "₴",
		}))
	}
	return s
}

// roSeed is the RO App account before the import: it already has one of
// the shop's customers (by phone), another one (by email only), a product
// with one of the shop's SKUs and a top-level category of the shop's tree.
func roSeed() roapptest.Seed {
	cs := genCustomers()
	cat := int64(1)
	return roapptest.Seed{
		Currency: currency,
		Rights:   []string{roapptest.RightAddWithoutDeduction},
		Contacts: []roapptest.Contact{
			{ID: 1, FirstName: "Olena", LastName: "K.", Phones: []string{"+380501000000"}},
			{ID: 2, FirstName: "Someone", Email: cs[4].email, Phones: []string{}},
			{ID: 3, FirstName: "Unrelated", LastName: "Person", Phones: []string{"+380670000000"}, Email: "someone@example.com"},
		},
		Categories: []roapptest.Category{{ID: 1, Title: "Accessories"}},
		Products:   []roapptest.Product{{ID: 1, Title: "Cable (RO)", SKU: "SKU-003", CategoryID: &cat, UOM: "piece"}},
		Statuses:   []roapptest.Status{{ID: 1, Name: "New"}, {ID: 2, Name: "In progress"}, {ID: 3, Name: "Closed"}, {ID: 4, Name: "Cancelled"}},
		OrderTypes: []roapptest.OrderType{{ID: 1, Name: "Online store", InitialStatusID: 1}},
	}
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// parseCents reads "123.45" as 12345.
func parseCents(s string) int64 {
	var whole, frac int64
	if _, err := fmt.Sscanf(s, "%d.%d", &whole, &frac); err != nil {
		panic(err)
	}
	return whole*100 + frac
}

func money(cents int64) string { return fmt.Sprintf("%d.%02d", cents/100, cents%100) }
