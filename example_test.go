package rosync_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http/httptest"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/woocommerce"
	"github.com/rosync/rosync/platforms/woocommerce/woocommercetest"
	"github.com/rosync/rosync/roapp"
	"github.com/rosync/rosync/roapp/roapptest"
	"github.com/rosync/rosync/storage/memory"
)

// Example imports a WooCommerce shop into RO App: the real adapter and the
// real RO App client, here pointed at the fake WooCommerce server and the
// RO App emulator, with the in-memory store. It prints what RO App
// received.
func Example() {
	ctx := context.Background()

	// The shop: one order of a phone and two cables.
	shopFake := woocommercetest.New(woocommercetest.Options{Key: "ck_example", Secret: "cs_example", Currency: "UAH"})
	err := shopFake.AddOrder([]byte(`{
		"id": 1001, "number": "1001", "status": "processing", "currency": "UAH",
		"date_created_gmt": "2026-11-02T10:00:00", "date_modified_gmt": "2026-11-02T10:00:00", "total": "13397.00",
		"billing": {"first_name": "Olena", "last_name": "Kovalenko", "phone": "050 111 22 33", "email": "olena@example.com", "country": "UA"},
		"line_items": [
			{"id": 1, "name": "Phone X", "product_id": 11, "variation_id": 0, "sku": "PHX-128", "quantity": 1, "price": 12999, "total": "12999.00"},
			{"id": 2, "name": "USB-C cable", "product_id": 12, "variation_id": 0, "sku": "CBL-USBC", "quantity": 2, "price": 199, "total": "398.00"}
		]}`))
	if err != nil {
		log.Fatal(err)
	}
	shopSrv := httptest.NewServer(shopFake)
	defer shopSrv.Close()

	// RO App: an account in UAH with the right to add products without
	// deduction (ORD-2) and an order type for online orders.
	emu := roapptest.New(roapptest.Seed{
		Currency:   "UAH",
		Rights:     []string{roapptest.RightAddWithoutDeduction},
		Statuses:   []roapptest.Status{{ID: 1, Name: "New"}},
		OrderTypes: []roapptest.OrderType{{ID: 1, Name: "Online store", InitialStatusID: 1}},
	}, &roapptest.Options{APIKey: "ro-key"})
	roSrv := httptest.NewServer(emu)
	defer roSrv.Close()

	shop, err := woocommerce.New(shopSrv.URL, woocommerce.Credentials{Key: "ck_example", Secret: "cs_example"},
		&woocommerce.Options{HTTPClient: shopSrv.Client(), WebhookSecret: "whsec"})
	if err != nil {
		log.Fatal(err)
	}
	ro := roapp.New("ro-key", &roapp.Options{BaseURL: roSrv.URL, HTTPClient: roSrv.Client(), RequestsPerSecond: 1000})
	syncer, err := rosync.New(shop, ro, memory.New(), &rosync.Options{
		Shop: "example",
		Settings: rosync.Settings{IdentifyProductsBy: rosync.IdentifyBySKU, DefaultRegion: "UA",
			BranchID: 1, OrderTypeID: 1, AssigneeID: 1 /* an employee: RO App requires one per item */},
		Concurrency: 1,
		Now:         func() time.Time { return time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC) },
		OnEvent: func(ev rosync.Event) {
			fmt.Println("event:", ev.Kind, ev.OrderID)
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	// The initial import; a host service then serves syncer.Webhook() and
	// calls syncer.Poll periodically (see examples/server).
	if err := syncer.Connect(ctx); err != nil {
		log.Fatal(err)
	}

	snap := emu.Snapshot()
	for _, v := range []any{snap.Contacts, snap.Products, snap.Orders} {
		out, _ := json.Marshal(v)
		fmt.Println(string(out))
	}
	// Output:
	// event: imported 1001
	// [{"id":1,"first_name":"Olena","last_name":"Kovalenko","phones":["+380501112233"],"email":"olena@example.com","address":""}]
	// [{"id":1,"title":"Phone X","description":"","sku":"PHX-128","code":"11","category_id":null,"uom":"piece"},{"id":2,"title":"USB-C cable","description":"","sku":"CBL-USBC","code":"12","category_id":null,"uom":"piece"}]
	// [{"id":1,"platform":"woocommerce","platform_order_id":"1001","platform_number":"1001","platform_created_at":"2026-11-02T10:00:00Z","client_id":1,"order_type_id":1,"status":"New","items":[{"product_id":1,"quantity":1,"price":"12999.00","discount":"0.00","deducted":false},{"product_id":2,"quantity":2,"price":"199.00","discount":"0.00","deducted":false}],"comments":[]}]
}
