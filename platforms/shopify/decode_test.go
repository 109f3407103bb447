package shopify

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
)

func decodeValid(raw []byte, limited bool) (rosync.Order, error) {
	d, err := decodeOrder(raw, limited)
	if err != nil {
		return rosync.Order{}, err
	}
	d.settle() // as build does
	if err := d.order.Validate(); err != nil {
		return rosync.Order{}, err
	}
	return d.order, nil
}

// TestDecodeOrder_Example maps Shopify's documented example order #1001
// in GraphQL shape: refunded lines are dropped by currentQuantity (PRD-7),
// the line left carries its share of the code TENOFF so that the order
// amounts to the 195.67 the customer pays, not 199.00 (ORD-3), SKU and id
// go to SKU and Code (SHO-P1), the address to the customer (SHO-C1) and
// the delivery details to Delivery (DEL-1).
func TestDecodeOrder_Example(t *testing.T) {
	got, err := decodeValid([]byte(exampleNode), false)
	require.NoError(t, err)
	want := rosync.Order{
		Platform:  "shopify",
		ID:        "450789469",
		Number:    "1001",
		Status:    "open", // partially refunded stays open (SHO-1)
		Currency:  "USD",
		CreatedAt: time.Date(2008, 1, 10, 16, 0, 0, 0, time.UTC),
		UpdatedAt: time.Date(2008, 1, 10, 16, 0, 0, 0, time.UTC),
		Customer: &rosync.Customer{
			FirstName: "Bob", LastName: "Norman", Email: "bob.norman@mail.example.com", Phone: "+16136120707",
			Country: "US", Address: "Chestnut Street 92, Louisville, Kentucky, 40202, United States", // SHO-C1
		},
		Lines: []rosync.LineItem{{
			ID: "518995019",
			Product: rosync.Product{
				ID: "49148385", SKU: "IPOD2008RED", Name: "IPod Nano - 8gb - red", // SHO-P1: a variant's own id
				Description: "It's the small iPod with one very big idea: Video.",
				Category:    []string{"Electronics", "Audio", "Audio Players & Recorders", "MP3 Players"},
			},
			Quantity: 1,
			Price:    decimal.RequireFromString("199.00"),
			Discount: decimal.RequireFromString("3.33"), // ORD-3: its share of TENOFF
		}},
		Total: decimal.RequireFromString("195.67"), // ORD-3: currentSubtotalPriceSet, what the customer pays
		Delivery: &rosync.Delivery{ // DEL-1
			Service: "Free Shipping", Fee: decimal.RequireFromString("0.00"),
			Address: "Chestnut Street 92, Louisville, Kentucky, 40202, United States",
		},
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("decoded order (-want +got):\n%s", diff)
	}
}

// TestDeriveStatus is the status derivation that SHO-1's exclusions read.
func TestDeriveStatus(t *testing.T) { // SHO-1
	tests := []struct {
		cancelled              bool
		financial, fulfillment string
		want                   string
	}{
		{false, "PAID", "UNFULFILLED", "open"},
		{false, "PENDING", "UNFULFILLED", "open"},
		{false, "PAID", "PARTIALLY_FULFILLED", "open"}, // partial fulfilment is imported
		{false, "PARTIALLY_REFUNDED", "UNFULFILLED", "open"},
		{false, "PARTIALLY_REFUNDED", "PARTIALLY_FULFILLED", "open"},
		{false, "PAID", "FULFILLED", "fulfilled"},
		{false, "REFUNDED", "UNFULFILLED", "refunded"},
		{false, "REFUNDED", "FULFILLED", "refunded"},
		{true, "PAID", "UNFULFILLED", "cancelled"},
		{true, "REFUNDED", "FULFILLED", "cancelled"},
		{false, "", "", "open"},
	}
	for _, tc := range tests {
		if got := deriveStatus(tc.cancelled, tc.financial, tc.fulfillment); got != tc.want {
			t.Errorf("deriveStatus(%v, %s, %s) = %q, want %q", tc.cancelled, tc.financial, tc.fulfillment, got, tc.want)
		}
	}
	// And through the decoder, with the policy's exclusions.
	pol := (&Platform{}).Policy()
	for _, tc := range []struct {
		edit     func(map[string]any)
		excluded bool
	}{
		{func(o map[string]any) { o["displayFulfillmentStatus"] = "FULFILLED" }, true},
		{func(o map[string]any) { o["cancelledAt"] = "2026-11-20T10:00:00Z" }, true},
		{func(o map[string]any) { o["displayFinancialStatus"] = "REFUNDED" }, true},
		{func(o map[string]any) { o["displayFulfillmentStatus"] = "PARTIALLY_FULFILLED" }, false},
		{func(o map[string]any) { o["displayFinancialStatus"] = "PARTIALLY_REFUNDED" }, false},
	} {
		o, err := decodeValid(node(t, 5, "2026-11-01T10:00:00Z", tc.edit), false)
		require.NoError(t, err)
		require.Equal(t, tc.excluded, pol.Excluded(o.Status), "status %s", o.Status) // SHO-1
	}
}

func TestDecodeOrder_Customer(t *testing.T) {
	t.Run("SHO-C2 redacted fields are null", func(t *testing.T) {
		raw := node(t, 7, "2026-11-01T10:00:00Z", func(o map[string]any) {
			o["customer"] = map[string]any{"firstName": nil, "lastName": nil, "defaultEmailAddress": nil, "defaultPhoneNumber": nil, "defaultAddress": nil}
			o["shippingAddress"] = map[string]any{"firstName": nil, "lastName": nil, "address1": nil, "address2": nil,
				"city": "Ottawa", "province": nil, "zip": nil, "country": "Canada", "countryCodeV2": "CA", "phone": nil}
		})
		o, err := decodeValid(raw, false)
		require.NoError(t, err)
		require.True(t, o.CustomerRedacted) // SHO-C2
		require.Nil(t, o.Customer)
	})
	t.Run("SHO-C2 no customer at all", func(t *testing.T) {
		o, err := decodeValid(node(t, 7, "2026-11-01T10:00:00Z", func(o map[string]any) {
			o["customer"] = nil
			o["shippingAddress"] = nil
		}), false)
		require.NoError(t, err)
		require.True(t, o.CustomerRedacted)
		require.Nil(t, o.Customer)
		require.Equal(t, "Standard", o.Delivery.Service, "delivery without an address")
	})
	t.Run("SHO-C2 Basic plan withholds everything", func(t *testing.T) {
		o, err := decodeValid(node(t, 7, "2026-11-01T10:00:00Z", nil), true)
		require.NoError(t, err)
		require.True(t, o.CustomerRedacted) // SHO-C2
		require.Nil(t, o.Customer)
	})
	t.Run("phone falls back to the shipping address", func(t *testing.T) {
		o, err := decodeValid(node(t, 7, "2026-11-01T10:00:00Z", func(o map[string]any) {
			c := o["customer"].(map[string]any)
			c["defaultPhoneNumber"] = nil
			o["shippingAddress"].(map[string]any)["phone"] = "+1 613 555 0199"
		}), false)
		require.NoError(t, err)
		require.Equal(t, "+1 613 555 0199", o.Customer.Phone)
	})
	t.Run("SHO-C1 address from the default address without shipping", func(t *testing.T) {
		o, err := decodeValid(node(t, 7, "2026-11-01T10:00:00Z", func(o map[string]any) {
			o["shippingAddress"] = nil
			o["shippingLine"] = nil
			o["customer"].(map[string]any)["defaultAddress"] = map[string]any{"address1": "2 Elm St", "city": "Kyiv", "countryCodeV2": "UA"}
		}), false)
		require.NoError(t, err)
		require.Equal(t, "2 Elm St, Kyiv, UA", o.Customer.Address) // SHO-C1
		require.Equal(t, "UA", o.Customer.Country)
		require.Nil(t, o.Delivery, "no shipping line and no shipping address")
	})
}

func TestDecodeOrder_Products(t *testing.T) { // SHO-P1, PRD-3, PRD-5
	o, err := decodeValid(node(t, 8, "2026-11-01T10:00:00Z", func(o map[string]any) {
		l := line0(o)
		l["product"].(map[string]any)["category"] = map[string]any{"name": "Shirts", "fullName": "Apparel & Accessories > Clothing > Shirts"}
	}), false)
	require.NoError(t, err)
	p := o.Lines[0].Product
	require.Equal(t, "9001", p.ID, "a product without variants: the product id") // SHO-P1
	require.Equal(t, "MUG-1", p.SKU)                                             // SHO-P1
	require.Equal(t, []string{"Apparel & Accessories", "Clothing", "Shirts"}, p.Category)
	require.Equal(t, "A mug.", p.Description)

	o, err = decodeValid(node(t, 8, "2026-11-01T10:00:00Z", func(o map[string]any) {
		l := line0(o)
		l["product"] = nil // a custom item or a deleted product
		l["variant"] = nil
		l["sku"] = nil
	}), false)
	require.NoError(t, err)
	require.Equal(t, rosync.Product{Name: "Mug"}, o.Lines[0].Product)
}

// TestDecodeOrder_BadInput: every bad node is an *rosync.InvalidOrderError
// that names the field and, where readable, the order.
func TestDecodeOrder_BadInput(t *testing.T) {
	good := string(node(t, 42, "2026-11-01T10:00:00Z", nil))
	edit := func(f func(map[string]any)) []byte { return node(t, 42, "2026-11-01T10:00:00Z", f) }
	tests := []struct {
		name  string
		raw   []byte
		field string
		id    string
	}{
		{"malformed", []byte(`{"legacyResourceId": "42", "name": "#42", "lineItems": {`), "", "42"},
		{"truncated", []byte(good[:len(good)/2]), "", "42"},
		{"not an object", []byte(`[1,2]`), "", ""},
		{"id as a number", edit(func(o map[string]any) { o["legacyResourceId"] = 42 }), "legacyResourceId", ""},
		{"missing id", edit(func(o map[string]any) { delete(o, "legacyResourceId") }), "legacyResourceId", ""},
		{"quantity as a string", edit(func(o map[string]any) { line0(o)["currentQuantity"] = "2" }), "lineItems.nodes[0].currentQuantity", "42"},
		{"negative currentQuantity", edit(func(o map[string]any) { line0(o)["currentQuantity"] = -1 }), "lineItems.nodes[0].currentQuantity", "42"},
		{"huge quantity", edit(func(o map[string]any) { line0(o)["currentQuantity"] = 1e7 }), "lineItems.nodes[0].currentQuantity", "42"},
		{"quantity over int64", []byte(strings.Replace(good, `"currentQuantity": 2`, `"currentQuantity": 99999999999999999999`, 1)), "lineItems.nodes[0].currentQuantity", "42"},
		{"fractional quantity", edit(func(o map[string]any) { line0(o)["currentQuantity"] = 1.5 }), "lineItems.nodes[0].currentQuantity", "42"},
		{"missing currentQuantity", edit(func(o map[string]any) { delete(line0(o), "currentQuantity") }), "lineItems.nodes[0].currentQuantity", "42"},
		{"price as a number", edit(func(o map[string]any) {
			line0(o)["originalUnitPriceSet"] = map[string]any{"shopMoney": map[string]any{"amount": 10.5}}
		}), "lineItems.nodes[0].originalUnitPriceSet.shopMoney", "42"},
		{"3-decimal price", edit(func(o map[string]any) {
			line0(o)["originalUnitPriceSet"] = map[string]any{"shopMoney": map[string]any{"amount": "10.005", "currencyCode": "USD"}}
		}), "lines[0].price", "42"},
		{"price not a number", edit(func(o map[string]any) {
			line0(o)["originalUnitPriceSet"] = map[string]any{"shopMoney": map[string]any{"amount": "ten"}}
		}), "lineItems.nodes[0].originalUnitPriceSet.shopMoney", "42"},
		{"price in another currency", edit(func(o map[string]any) {
			line0(o)["originalUnitPriceSet"] = map[string]any{"shopMoney": map[string]any{"amount": "10.00", "currencyCode": "EUR"}}
		}), "lineItems.nodes[0].originalUnitPriceSet.shopMoney", "42"},
		{"negative price", edit(func(o map[string]any) {
			line0(o)["originalUnitPriceSet"] = map[string]any{"shopMoney": map[string]any{"amount": "-1.00"}}
		}), "lines[0].price", "42"},
		{"line id not a GID", edit(func(o map[string]any) { line0(o)["id"] = "101" }), "lineItems.nodes[0].id", "42"},
		{"line as a string", edit(func(o map[string]any) {
			o["lineItems"] = map[string]any{"nodes": []any{"oops"}}
		}), "lineItems.nodes[0]", "42"},
		{"created date without offset", edit(func(o map[string]any) { o["createdAt"] = "2026-11-01T10:00:00" }), "createdAt", "42"},
		{"missing created date", edit(func(o map[string]any) { o["createdAt"] = nil }), "createdAt", "42"},
		{"unknown currency", edit(func(o map[string]any) {
			o["currencyCode"] = "XYZ"
			line0(o)["originalUnitPriceSet"] = map[string]any{"shopMoney": map[string]any{"amount": "10.00"}}
			o["currentSubtotalPriceSet"] = map[string]any{"shopMoney": map[string]any{"amount": "20.00"}}
			o["shippingLine"] = nil
		}), "currency", "42"},
		{"name as a number", edit(func(o map[string]any) { o["name"] = 42 }), "name", "42"},
		{"missing subtotal", edit(func(o map[string]any) { delete(o, "currentSubtotalPriceSet") }), "currentSubtotalPriceSet", "42"},
		{"ORD-3 subtotal the lines do not reach", edit(func(o map[string]any) {
			o["currentSubtotalPriceSet"] = map[string]any{"shopMoney": map[string]any{"amount": "18.00"}}
		}), "total", "42"},
		{"allocation in another currency", edit(func(o map[string]any) {
			line0(o)["discountAllocations"] = []any{map[string]any{"allocatedAmountSet": map[string]any{"shopMoney": map[string]any{"amount": "1.00", "currencyCode": "EUR"}}}}
		}), "lineItems.nodes[0].discountAllocations", "42"},
		{"allocation over the line", edit(func(o map[string]any) {
			line0(o)["discountAllocations"] = []any{map[string]any{"allocatedAmountSet": map[string]any{"shopMoney": map[string]any{"amount": "21.00"}}}}
		}), "lines[0].discount", "42"},
		{"missing line items", edit(func(o map[string]any) { delete(o, "lineItems") }), "lineItems", "42"},
		{"variant id as a number", edit(func(o map[string]any) {
			line0(o)["variant"] = map[string]any{"id": "gid://shopify/ProductVariant/7001", "legacyResourceId": 7001}
		}), "lineItems.nodes[0].variant.legacyResourceId", "42"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeValid(tc.raw, false)
			var inv *rosync.InvalidOrderError
			require.True(t, errors.As(err, &inv), "got %v, want *rosync.InvalidOrderError", err)
			require.Equal(t, tc.field, inv.Field, "field of %v", err)
			require.Equal(t, tc.id, inv.OrderID, "order id of %v", err)
			// ENG-2: bytes that are not JSON are a transport fault (a cut
			// answer), retried; JSON that states a wrong order is permanent.
			notJSON := tc.name == "malformed" || tc.name == "truncated"
			require.Equal(t, notJSON, rosync.Retryable(err), "ENG-2: retryable only when the answer is not JSON")
		})
	}
}

func TestDecodeOrder_ZeroLinesDropped(t *testing.T) { // PRD-7
	o, err := decodeValid(node(t, 9, "2026-11-01T10:00:00Z", func(o map[string]any) { line0(o)["currentQuantity"] = 0 }), false)
	require.NoError(t, err)
	require.Empty(t, o.Lines)
}
