package roapptest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/shopspring/decimal"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp"
	"github.com/rosync/rosync/roapp/roapptest"
)

// Example runs the real roapp client against the emulator and prints what
// RO App received.
func Example() {
	ctx := context.Background()
	emu := roapptest.New(roapptest.Seed{
		Currency:   "UAH",
		Rights:     []string{roapptest.RightAddWithoutDeduction},
		Products:   []roapptest.Product{{ID: 1, Title: "Phone", SKU: "PH-1", UOM: "piece"}},
		Statuses:   []roapptest.Status{{ID: 1, Name: "New"}},
		OrderTypes: []roapptest.OrderType{{ID: 1, Name: "Online store", InitialStatusID: 1}},
	}, &roapptest.Options{APIKey: "key"})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	client := roapp.New("key", &roapp.Options{BaseURL: srv.URL + "/v2"})

	contact, _ := client.CreateContact(ctx, rosync.Contact{FirstName: "Olena", Phones: []string{"+380501112233"}})
	ref := rosync.ExternalRef{Platform: "woocommerce", Shop: "shop", OrderID: "77", Number: "1001",
		CreatedAt: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	order, _ := client.CreateOrder(ctx, rosync.NewOrder{BranchID: 1, OrderTypeID: 1, ClientID: contact, Ref: ref})
	product, _ := client.FindProduct(ctx, rosync.IdentifyBySKU, "PH-1")
	_, err := client.AddItem(ctx, order, rosync.ROItem{ProductID: product.ID, Quantity: 2, AssigneeID: 1, Price: decimal.RequireFromString("499.5")})
	fmt.Println("add item:", err)

	snap := emu.Snapshot()
	out, _ := json.Marshal(snap.Orders)
	fmt.Println(string(out))
	fmt.Println("API calls:", snap.APICalls.Total)
	// Output:
	// add item: <nil>
	// [{"id":1,"platform":"woocommerce","platform_order_id":"77","platform_number":"1001","platform_created_at":"2026-11-20T09:00:00Z","client_id":1,"order_type_id":1,"status":"New","items":[{"product_id":1,"quantity":2,"price":"499.50","discount":"0.00","deducted":false}],"comments":[]}]
	// API calls: 4
}
