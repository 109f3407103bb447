package shopify_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/rosync/rosync/platforms/shopify"
	"github.com/rosync/rosync/platforms/shopify/shopifytest"
)

// ExampleNew connects the adapter to the fake Shopify GraphQL Admin API
// (a shop's "name.myshopify.com" in production) and reads one order as
// rosync sees it.
func ExampleNew() {
	fake := shopifytest.New(shopifytest.Options{AccessToken: "shpat_example", Currency: "UAH"})
	err := fake.AddOrder([]byte(`{
		"id": "gid://shopify/Order/5830000001001", "legacyResourceId": "5830000001001", "name": "#1001",
		"createdAt": "2026-11-02T10:00:00Z", "updatedAt": "2026-11-02T10:00:00Z", "processedAt": "2026-11-02T10:00:00Z",
		"cancelledAt": null, "closedAt": null, "currencyCode": "UAH",
		"displayFinancialStatus": "PAID", "displayFulfillmentStatus": "UNFULFILLED", "email": null, "phone": null,
		"customer": {"firstName": "Olena", "lastName": "Kovalenko", "defaultEmailAddress": {"emailAddress": "olena@example.com"},
		  "defaultPhoneNumber": {"phoneNumber": "+380501112233"}, "defaultAddress": null},
		"shippingAddress": null, "shippingLine": null,
		"currentSubtotalPriceSet": {"shopMoney": {"amount": "13397.00", "currencyCode": "UAH"}},
		"lineItems": {"nodes": [
			{"id": "gid://shopify/LineItem/1", "sku": "PHX-128", "name": "Phone X", "title": "Phone X", "quantity": 1, "currentQuantity": 1,
			 "variant": {"id": "gid://shopify/ProductVariant/91", "legacyResourceId": "91"},
			 "product": {"id": "gid://shopify/Product/81", "legacyResourceId": "81"},
			 "originalUnitPriceSet": {"shopMoney": {"amount": "12999.00", "currencyCode": "UAH"}}},
			{"id": "gid://shopify/LineItem/2", "sku": "CBL-USBC", "name": "USB-C cable", "title": "USB-C cable", "quantity": 2, "currentQuantity": 2,
			 "variant": {"id": "gid://shopify/ProductVariant/92", "legacyResourceId": "92"},
			 "product": {"id": "gid://shopify/Product/82", "legacyResourceId": "82"},
			 "originalUnitPriceSet": {"shopMoney": {"amount": "199.00", "currencyCode": "UAH"}}}
		]}}`))
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(fake)
	defer srv.Close()

	shop, err := shopify.New(srv.URL, shopify.Credentials{AccessToken: "shpat_example"},
		&shopify.Options{HTTPClient: srv.Client(), WebhookSecret: "shpss_example"})
	if err != nil {
		log.Fatal(err)
	}
	o, err := shop.Order(context.Background(), "5830000001001")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(o.ID, o.Number, o.Currency, o.Total.StringFixed(2), o.CreatedAt.Format("2006-01-02 15:04 MST"))
	fmt.Println(o.Customer.FirstName, o.Customer.LastName, o.Customer.Phone)
	for _, l := range o.Lines {
		fmt.Println(l.Product.SKU, l.Quantity, l.Price.StringFixed(2))
	}
	// Output:
	// 5830000001001 1001 UAH 13397.00 2026-11-02 10:00 UTC
	// Olena Kovalenko +380501112233
	// PHX-128 1 12999.00
	// CBL-USBC 2 199.00
}
