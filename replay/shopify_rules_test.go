package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp/roapptest"
)

// shopifyDemo replays the Shopify demo shop once per test binary, logging
// everything at debug level into a buffer.
var shopifyDemo = sync.OnceValues(func() (*Result, string) {
	fx, err := loadFile(filepath.Join(demoDir, "shopify-demo.json"))
	if err != nil {
		panic(err)
	}
	return runLogged(fx)
})

func runLogged(fx *Fixture) (*Result, string) {
	var (
		mu  sync.Mutex
		buf bytes.Buffer
	)
	logger := slog.New(slog.NewTextHandler(&lockedWriter{mu: &mu, w: &buf}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	res, err := Run(context.Background(), fx, &Options{Memory: true, Logger: logger})
	if err != nil {
		panic(err)
	}
	mu.Lock()
	defer mu.Unlock()
	return res, buf.String()
}

// shopifyID is the legacyResourceId of demo order number n.
func shopifyID(n string) string { return "583000000" + n }

func placeholders(s roapptest.Snapshot) []roapptest.Contact {
	return slices.DeleteFunc(slices.Clone(s.Contacts), func(c roapptest.Contact) bool {
		return c.FirstName != rosync.PlaceholderFirstName
	})
}

// TestShopifyDemoRules checks, on the replayed demo shop, each Shopify rule
// and the general rules it exercises end to end, through the real adapter
// against the fake GraphQL Admin API, the real RO App client and the engine.
func TestShopifyDemoRules(t *testing.T) {
	res, logs := shopifyDemo()
	s := res.Snapshot

	t.Run("SHO-1 initial import window and excluded statuses", func(t *testing.T) {
		for _, n := range []string{"1002", "1003", "1004"} { // fulfilled, cancelled, refunded
			require.Equal(t, "SHO-1", rejectedRule(s, shopifyID(n)), "order %s", n) // SHO-1
			require.False(t, hasOrder(s, n), "excluded order %s imported", n)
		}
		require.True(t, hasOrder(s, "1005"), "a partially fulfilled order was not imported") // SHO-1
		require.True(t, hasOrder(s, "1006"), "a partially refunded order was not imported")  // SHO-1
		require.False(t, hasOrder(s, "1007"), "an order older than two months was imported") // SHO-1: window
		require.Empty(t, rejectedRule(s, shopifyID("1007")), "the window is the query's: the old order is not even read")
		require.True(t, hasOrder(s, "1014"), "the order of the last minute before connecting was not imported")
		// The refunded line of 1006 (currentQuantity 0) is not in RO App.
		require.Len(t, orderByNumber(t, s, "1006").Items, 1)
	})
	t.Run("SHO-2 statuses not synchronised in either direction", func(t *testing.T) {
		require.Empty(t, s.PlatformStatusUpdates) // SHO-2: RO App -> Shopify never
		// 1015 was closed in RO App, then fulfilled on Shopify: RO App keeps its own.
		require.Equal(t, "Closed", orderByNumber(t, s, "1015").Status) // SHO-2: Shopify -> RO App never
		// 1013 was cancelled on Shopify after its import: a comment, no status change.
		o := orderByNumber(t, s, "1013")
		require.Equal(t, "In progress", o.Status)                                                         // SHO-2
		require.Equal(t, 1, slices.Index(o.Comments, "Cancelled on Shopify"), "comments: %q", o.Comments) // SHO-2, Policy.StatusComments
		require.Len(t, slices.DeleteFunc(slices.Clone(o.Comments), func(c string) bool { return c != "Cancelled on Shopify" }), 1)
		require.NotContains(t, o.Comments[0], "Cancelled")
	})
	t.Run("SHO-3 the initial status is the order type's", func(t *testing.T) {
		for _, o := range s.Orders {
			if o.PlatformNumber == "1015" {
				continue // closed by an RO App user
			}
			// The order type's initial status is "In progress", not the
			// first status ("New"): the library set only the type.
			require.Equal(t, "In progress", o.Status, "order %s", o.PlatformNumber) // SHO-3
			require.EqualValues(t, 1, o.OrderTypeID)                                // SHO-3
		}
	})
	t.Run("SHO-P1 SKU to SKU, product id to Code", func(t *testing.T) {
		p := product(t, s, "PHX-128")
		require.Equal(t, "8350000000101", p.Code) // SHO-P1: the product id
		require.Equal(t, "Phone X", p.Title)
		require.Equal(t, "6.1-inch phone, 128 GB.", p.Description) // PRD-3
		require.Equal(t, "piece", p.UOM)                           // PRD-4
		// A product with variants: each variant is a product, its id the Code.
		require.Equal(t, "9350000000131", product(t, s, "HOOD-BLUE-M").Code) // SHO-P1
		require.Equal(t, "9350000000132", product(t, s, "HOOD-BLUE-L").Code) // SHO-P1
		// PRD-5: the taxonomy's deepest level, one category at the top
		// level; its ancestors are not created.
		require.Equal(t, "Mobile Phones", categoryPath(t, s, p.CategoryID))
		require.Equal(t, "Hoodies", categoryPath(t, s, product(t, s, "HOOD-BLUE-L").CategoryID))
		require.Len(t, s.Categories, 3, "PRD-5: no ancestor chains")
		require.Nil(t, product(t, s, "MUG-01").CategoryID, "a product without category")
	})
	t.Run("SHO-C1 the address goes to the contact", func(t *testing.T) {
		c := contact(t, s, orderByNumber(t, s, "1001").ClientID)
		require.Equal(t, "Khreshchatyk 1, Kyiv, 01001, Ukraine", c.Address) // SHO-C1
		require.Equal(t, []string{"+380501112233"}, c.Phones)               // CUS-2
		require.Equal(t, "olena@example.com", c.Email)
		require.Equal(t, "Derybasivska 3, apt. 12, Odesa, 65000, Ukraine", contact(t, s, orderByNumber(t, s, "1006").ClientID).Address) // SHO-C1
		// 1010's customer gave only an email, matching RO App contact 1,
		// which takes the order's name and address (CUS-3, SHO-C1).
		require.EqualValues(t, 1, orderByNumber(t, s, "1010").ClientID)
		c1 := contact(t, s, 1)
		require.Equal(t, "Melnyk", c1.LastName)
		require.Equal(t, "Shevchenka 20, Kharkiv, 61000, Ukraine", c1.Address) // SHO-C1
	})
	t.Run("SHO-C2 a withheld customer is the shared Not specified contact", func(t *testing.T) {
		ph := placeholders(s)
		require.Len(t, ph, 1) // SHO-C2: one placeholder
		require.Equal(t, ph[0].ID, orderByNumber(t, s, "1009").ClientID)
		require.Empty(t, ph[0].Phones)
		require.Empty(t, ph[0].Email)
	})
	t.Run("DEL-1 delivery as a comment: service, fee, address", func(t *testing.T) {
		require.Equal(t, []string{"Delivery: Nova Poshta\nFee: 70.00\nAddress: Khreshchatyk 1, Kyiv, 01001, Ukraine"},
			orderByNumber(t, s, "1001").Comments) // DEL-1
		require.Equal(t, []string{"Delivery: Pickup in store\nFee: 0.00"}, orderByNumber(t, s, "1009").Comments) // DEL-1
	})
	t.Run("DEL-2 a new comment when the delivery changes, none otherwise", func(t *testing.T) {
		// 1020: created, its shipping address changed (a second comment),
		// then paid (no comment), and that webhook delivered twice.
		require.Equal(t, []string{
			"Delivery: Nova Poshta\nFee: 70.00\nAddress: Naukova 7, Lviv, 79060, Ukraine",
			"Delivery: Nova Poshta\nFee: 70.00\nAddress: Stryiska 100, Lviv, 79026, Ukraine", // DEL-2
		}, orderByNumber(t, s, "1020").Comments) // DEL-2: nothing for the payment
	})
	t.Run("general rules on the demo", func(t *testing.T) {
		// PRD-7: 1001's cable went from 2 to 1 by an order edit before the
		// deduction; ORD-5: the phone's later 1 -> 2 was not synchronised.
		o := orderByNumber(t, s, "1001")
		require.Len(t, o.Items, 2)
		require.Equal(t, int64(1), o.Items[0].Quantity) // ORD-5
		require.Equal(t, int64(1), o.Items[1].Quantity) // PRD-7
		require.True(t, o.Items[0].Deducted)
		require.Len(t, slices.DeleteFunc(slices.Clone(s.Orders), func(o roapptest.Order) bool { // ENG-1: a redelivered webhook
			return o.PlatformNumber != "1020"
		}), 1)
		require.Equal(t, orderByNumber(t, s, "1001").ClientID, orderByNumber(t, s, "1008").ClientID, "CUS-3: repeat customer")
		require.Equal(t, orderByNumber(t, s, "1020").ClientID, orderByNumber(t, s, "1021").ClientID, "CUS-3: repeat customer after connecting")
		require.EqualValues(t, 1, orderByNumber(t, s, "1011").Items[0].ProductID) // PRD-2: matched by SKU
		require.Equal(t, "ORD-3", rejectedRule(s, shopifyID("1012")))             // ORD-3, ENG-5: 249.995 UAH
		require.Empty(t, s.Failed)
		require.Equal(t, "5830000001001", o.PlatformOrderID, "platform_order_id is legacyResourceId")
		require.Equal(t, "2026-11-02T10:00:00Z", o.PlatformCreatedAt)
	})
	t.Run("ENG-6 no secret in any log line", func(t *testing.T) {
		require.NotEmpty(t, logs)
		for _, secret := range []string{roKey, roWebhookSecret, shopifyToken, shopifyWebhookSecret} {
			require.NotContains(t, logs, secret) // ENG-6
		}
	})
}

// TestShopifyBasicPlan replays the demo shop on the Basic plan: no customer
// data is transferred and every order goes to the one shared "Not
// specified" contact (SHO-C2).
func TestShopifyBasicPlan(t *testing.T) { // SHO-C2
	fx, err := loadFile(filepath.Join(demoDir, "shopify-demo.json"))
	require.NoError(t, err)
	fx.Shop.Plan = "Basic"
	res, logs := runLogged(fx)
	s := res.Snapshot

	ph := placeholders(s)
	require.Len(t, ph, 1) // SHO-C2: one placeholder contact
	require.NotEmpty(t, s.Orders)
	for _, o := range s.Orders {
		require.Equal(t, ph[0].ID, o.ClientID, "order %s", o.PlatformNumber) // SHO-C2
	}
	// Only the seeded contacts and the placeholder: no customer data was
	// transferred, not even to update a matching contact.
	require.Len(t, s.Contacts, 3)
	for _, c := range s.Contacts {
		require.False(t, strings.Contains(c.FirstName+c.LastName+c.Email+c.Address, "Kovalenko"), "customer data transferred: %+v", c)
	}
	require.Equal(t, "Iryna", contact(t, s, 1).FirstName)
	require.Equal(t, "M.", contact(t, s, 1).LastName, "CUS-3 update must not happen without customer data")
	require.Empty(t, contact(t, s, 1).Address)
	// The rest of the import is the same: products, delivery comments.
	require.Equal(t, "8350000000101", product(t, s, "PHX-128").Code)
	require.Len(t, orderByNumber(t, s, "1020").Comments, 2) // DEL-2
	for _, secret := range []string{shopifyToken, shopifyWebhookSecret} {
		require.NotContains(t, logs, secret) // ENG-6
	}
}

// TestShopifyRealShapes replays orders in the shapes the GraphQL Admin API
// really sends (testdata/replay/shopify-real.json): Shopify's documented
// order #1001 after two of its three lines were refunded, with the code
// TENOFF; an order whose code discount was allocated to a line that was
// then partly refunded, with a free-shipping code; and a tax-inclusive
// shop's order with a line discount and a half-price shipping line. Each
// RO App order amounts, to the cent, to what the customer pays for the
// products (ORD-3), and each delivery comment carries the discounted fee
// (DEL-1).
func TestShopifyRealShapes(t *testing.T) {
	path := filepath.Join(demoDir, "shopify-real.json")
	fx, err := loadFile(path)
	require.NoError(t, err)
	res, _ := runLogged(fx)
	s := res.Snapshot
	require.Empty(t, s.Rejected, "ORD-3: no real order is refused")
	require.Empty(t, s.Failed)

	// What the platform states: currentSubtotalPriceSet of each order node.
	var raw struct {
		Shop struct {
			Orders []struct {
				Name     string `json:"name"`
				Subtotal struct {
					ShopMoney struct {
						Amount string `json:"amount"`
					} `json:"shopMoney"`
				} `json:"currentSubtotalPriceSet"`
			} `json:"orders"`
		} `json:"shop"`
	}
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &raw))
	require.Len(t, raw.Shop.Orders, 3)
	for _, o := range raw.Shop.Orders {
		number := strings.TrimPrefix(o.Name, "#")
		ro := orderByNumber(t, s, number)
		sum := decimal.Zero
		for _, it := range ro.Items {
			sum = sum.Add(decimal.RequireFromString(it.Price).Mul(decimal.NewFromInt(it.Quantity)).Sub(decimal.RequireFromString(it.Discount)))
		}
		require.Equal(t, o.Subtotal.ShopMoney.Amount, sum.StringFixed(2), "ORD-3: RO App order %s against currentSubtotalPriceSet", number)
	}
	require.Equal(t, "195.67", raw.Shop.Orders[0].Subtotal.ShopMoney.Amount, "Shopify's documented #1001 pays 195.67")
	o := orderByNumber(t, s, "1001")
	require.Len(t, o.Items, 1, "PRD-7: the refunded lines are not in RO App")
	require.Equal(t, "3.33", o.Items[0].Discount, "ORD-3: the line's share of TENOFF")

	require.Equal(t, []string{"Delivery: Standard\nFee: 0.00\nAddress: 1 Main St, Ottawa, Ontario, K1A 0B1, Canada"},
		orderByNumber(t, s, "1002").Comments) // DEL-1: the free-shipping code applied
	require.Equal(t, []string{"Delivery: DHL\nFee: 2.50\nAddress: Hauptstrasse 5, Berlin, 10115, Germany"},
		orderByNumber(t, s, "1003").Comments) // DEL-1: half-price shipping
}
