package woocommerce_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/rosync/rosync/platforms/woocommerce"
	"github.com/rosync/rosync/platforms/woocommerce/woocommercetest"
)

// ExampleNew connects the adapter to the fake WooCommerce server (a real
// shop's URL in production) and reads one order as rosync sees it.
func ExampleNew() {
	fake := woocommercetest.New(woocommercetest.Options{Key: "ck_example", Secret: "cs_example", Currency: "UAH"})
	err := fake.AddOrder([]byte(`{
		"id": 1001, "number": "1001", "status": "processing", "currency": "UAH",
		"date_created_gmt": "2026-11-02T10:00:00", "date_modified_gmt": "2026-11-02T10:00:00",
		"total": "13397.00",
		"billing": {"first_name": "Olena", "last_name": "Kovalenko", "phone": "050 111 22 33",
		            "email": "olena@example.com", "country": "UA"},
		"line_items": [
			{"id": 1, "name": "Phone X", "product_id": 11, "variation_id": 0, "sku": "PHX-128", "quantity": 1, "price": 12999, "total": "12999.00"},
			{"id": 2, "name": "USB-C cable", "product_id": 12, "variation_id": 0, "sku": "CBL-USBC", "quantity": 2, "price": 199, "total": "398.00"}
		]}`))
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	defer srv.Close()

	shop, err := woocommerce.New(srv.URL, woocommerce.Credentials{Key: "ck_example", Secret: "cs_example"},
		&woocommerce.Options{HTTPClient: srv.Client(), WebhookSecret: "whsec"})
	if err != nil {
		log.Fatal(err)
	}
	o, err := shop.Order(context.Background(), "1001")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(o.Number, o.Status, o.Currency, o.Total.StringFixed(2), o.CreatedAt.Format("2006-01-02 15:04 MST"))
	fmt.Println(o.Customer.FirstName, o.Customer.LastName, o.Customer.Phone)
	for _, l := range o.Lines {
		fmt.Println(l.Product.SKU, l.Quantity, l.Price.StringFixed(2))
	}
	// Output:
	// 1001 processing UAH 13397.00 2026-11-02 10:00 UTC
	// Olena Kovalenko 050 111 22 33
	// PHX-128 1 12999.00
	// CBL-USBC 2 199.00
}
