package cartum_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"time"

	"github.com/rosync/rosync/platforms/cartum"
	"github.com/rosync/rosync/platforms/cartum/cartumtest"
)

// ExampleNew connects the adapter to the fake Cartum API (the shop's own
// URL in production) and reads one order as rosync sees it. Cartum does
// not report the shop currency, so the adapter is told; its dates are the
// shop's local time.
func ExampleNew() {
	kyiv, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		log.Fatal(err)
	}
	fake := cartumtest.New(cartumtest.Options{Login: "api", Password: "example-password", Location: kyiv})
	err = fake.SetStatuses([]byte(`[{"id": 1, "title": {"en": "New"}, "is_successful": 0},
		{"id": 3, "title": {"en": "Delivered"}, "is_successful": 1}]`))
	if err != nil {
		log.Fatal(err)
	}
	err = fake.AddOrder([]byte(`{"order_id": 1001, "user": {"id": 0},
		"delivery_name": "Olena Kovalenko", "delivery_email": "olena@example.com", "delivery_phone": "+380 50 111 22 33",
		"stat_status": 1, "stat_created": "2026-11-20 10:15:00", "comment": "",
		"products": [
			{"article": "PHX-128", "title": {"en": "Phone X 128 GB"}, "quantity": 1, "price": 12999},
			{"article": "CBL-USBC", "title": "USB-C cable", "quantity": 2, "price": "199.00"}]}`))
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	defer srv.Close()

	shop, err := cartum.New(srv.URL, cartum.Credentials{Login: "api", Password: "example-password"},
		&cartum.Options{Currency: "UAH", Location: kyiv, HTTPClient: srv.Client(), WebhookSecret: "hook-secret"})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	if _, err := shop.Shop(ctx); err != nil { // reads the statuses too
		log.Fatal(err)
	}
	o, err := shop.Order(ctx, "1001")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(o.Number, o.Status, o.Currency, o.CreatedAt.Format(time.RFC3339))
	fmt.Println(o.Customer.FirstName, o.Customer.LastName, o.Customer.Phone)
	for _, l := range o.Lines {
		fmt.Println(l.Product.SKU, l.Product.Name, l.Quantity, l.Price.StringFixed(2))
	}
	// Output:
	// 1001 1 UAH 2026-11-20T08:15:00Z
	// Olena Kovalenko +380 50 111 22 33
	// PHX-128 Phone X 128 GB 1 12999.00
	// CBL-USBC USB-C cable 2 199.00
}
