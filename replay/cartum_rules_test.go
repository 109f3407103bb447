package replay

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync/platforms/platformkit/fakekit"
	"github.com/rosync/rosync/roapp/roapptest"
)

// cartumDemo replays the Cartum demo shop once per test binary, logging
// everything at debug level into a buffer.
var cartumDemo = sync.OnceValues(func() (*Result, string) {
	f, err := os.Open(filepath.Join(demoDir, "cartum-demo.json"))
	if err != nil {
		panic(err)
	}
	defer f.Close()
	fx, err := Load(f)
	if err != nil {
		panic(err)
	}
	var buf fakekit.LogBuffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	res, err := Run(context.Background(), fx, &Options{Memory: true, Logger: logger})
	if err != nil {
		panic(err)
	}
	return res, buf.String()
})

// cartumOrders returns the RO App orders of a Cartum order number.
func cartumOrders(s roapptest.Snapshot, number string) []roapptest.Order {
	var out []roapptest.Order
	for _, o := range s.Orders {
		if o.Platform == "cartum" && o.PlatformNumber == number {
			out = append(out, o)
		}
	}
	return out
}

func cartumOrder(t *testing.T, s roapptest.Snapshot, number string) roapptest.Order {
	t.Helper()
	got := cartumOrders(s, number)
	require.Len(t, got, 1, "RO App orders for Cartum order %s", number)
	return got[0]
}

func cartumRejected(s roapptest.Snapshot, id string) (rule, reason string) {
	for _, r := range s.Rejected {
		if r.PlatformOrderID == id {
			return r.Rule, r.Reason
		}
	}
	return "", ""
}

func cartumContact(t *testing.T, s roapptest.Snapshot, id int64) roapptest.Contact {
	t.Helper()
	for _, c := range s.Contacts {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no contact %d", id)
	return roapptest.Contact{}
}

// TestCartumDemoRules checks, on the replayed Cartum demo shop, the Cartum
// rules and the general rules it exercises end to end, through the real
// adapter, the real RO App client and the engine.
func TestCartumDemoRules(t *testing.T) {
	res, logs := cartumDemo()
	s := res.Snapshot

	t.Run("CAR-1 two-month window without Delivered", func(t *testing.T) {
		// Statuses 3 (titled only "Доставлене") and 8 (renamed) have
		// is_successful 1: not imported, whatever the title.
		for _, id := range []string{"1002", "1003"} {
			rule, reason := cartumRejected(s, id)
			require.Equal(t, "CAR-1", rule, "order %s", id) // CAR-1
			require.Contains(t, reason, "status")
			require.Empty(t, cartumOrders(s, id), "a Delivered order was imported") // CAR-1
		}
		// Status 9 is titled "Delivered to pickup point" but is not
		// successful; Canceled (4) is not Delivered either: both imported.
		require.Len(t, cartumOrders(s, "1004"), 1) // CAR-1: the flag, not the title
		require.Len(t, cartumOrders(s, "1019"), 1) // CAR-1: only Delivered is excluded
		// The window is in the shop's time: 01:00 Kyiv summer time on
		// Sept 28 is 22:00 UTC, 30 minutes before the window (22:30 UTC);
		// 02:00 is inside.
		require.Empty(t, cartumOrders(s, "1009"), "an order before the window was imported") // CAR-1
		require.Empty(t, cartumOrders(s, "1011"), "an order of July was imported")           // CAR-1
		require.Equal(t, "2026-09-27T23:00:00Z", cartumOrder(t, s, "1010").PlatformCreatedAt)
		// Ten minutes after local midnight is the day before in UTC.
		require.Equal(t, "2026-11-27T22:10:00Z", cartumOrder(t, s, "1012").PlatformCreatedAt)
		imported := 0
		for _, o := range s.Orders {
			if o.Platform == "cartum" {
				imported++
			}
		}
		require.Equal(t, 17, imported)
	})

	t.Run("CAR-2 statuses synced both ways through the map", func(t *testing.T) {
		// An imported order starts in the RO App status its Cartum status
		// maps to (status_map {"1":"New","2":"In progress","6":"Shipped",
		// "3":"Done","4":"Cancelled"}); an unmapped one (9) keeps the order
		// type's initial status.
		require.Equal(t, "New", cartumOrder(t, s, "1001").Status)         // CAR-2: 1 -> New
		require.Equal(t, "In progress", cartumOrder(t, s, "1014").Status) // CAR-2: 2 -> In progress
		require.Equal(t, "Cancelled", cartumOrder(t, s, "1019").Status)   // CAR-2: 4 -> Cancelled
		// A status change on Cartum moves the RO App order.
		require.Equal(t, "Shipped", cartumOrder(t, s, "1005").Status)   // CAR-2: 2 -> 6
		require.Equal(t, "Cancelled", cartumOrder(t, s, "1008").Status) // CAR-2: 2 -> 4
		// An RO App change whose status maps back is pushed with
		// orders/update; an unmapped one (On hold) is not; and neither the
		// pushes nor the Cartum-side changes come back as echoes: 1008's
		// cancellation is not pushed to Cartum, and the final poll leaves
		// 1006 and 1004 in the statuses set in RO App.
		want := []roapptest.StatusUpdate{
			{PlatformOrderID: "1006", Status: "3"}, // Done -> 3
			{PlatformOrderID: "1004", Status: "4"}, // Cancelled -> 4
		}
		if diff := cmp.Diff(want, s.PlatformStatusUpdates); diff != "" { // CAR-2
			t.Errorf("status pushes (-want +got):\n%s", diff)
		}
		require.Equal(t, "Done", cartumOrder(t, s, "1006").Status)      // CAR-2: no echo
		require.Equal(t, "Cancelled", cartumOrder(t, s, "1004").Status) // CAR-2: no echo
		require.Equal(t, "On hold", cartumOrder(t, s, "1007").Status)   // CAR-2: unmapped, kept
	})

	t.Run("DEL-1 delivery comment once", func(t *testing.T) {
		o := cartumOrder(t, s, "1001")
		require.Equal(t, []string{"Delivery: Нова Пошта\nFee: 70.00\nAddress: Київ, Відділення №12"}, o.Comments) // DEL-1
		require.Equal(t, []string{"Delivery: Самовивіз\nFee: 0.00"}, cartumOrder(t, s, "1014").Comments)          // DEL-1: pickup, no address
		require.Equal(t, []string{"Delivery: Укрпошта\nFee: 45.00\nAddress: Харків, вул. Сумська, 10"}, cartumOrder(t, s, "1004").Comments)
		// 1010's address changed on Cartum after the import: DEL-1 adds
		// the comment once; DEL-2 (a new comment per change) is Shopify's.
		require.Equal(t, []string{"Delivery: Нова Пошта\nFee: 70.00\nAddress: Одеса, Відділення №7"}, cartumOrder(t, s, "1010").Comments) // DEL-1
		require.Empty(t, cartumOrder(t, s, "1020").Comments, "no delivery details, no comment")
		for _, o := range s.Orders {
			require.LessOrEqual(t, len(o.Comments), 1, "order %s", o.PlatformNumber) // DEL-1
		}
	})

	t.Run("customers from delivery fields", func(t *testing.T) {
		// CUS-3: one contact for the repeat customer across phone formats
		// ("+380 50 111 22 33", "0501112233", "+38 (050) 111-22-33").
		olena := cartumOrder(t, s, "1001").ClientID
		require.Equal(t, olena, cartumOrder(t, s, "1013").ClientID) // CUS-3
		require.Equal(t, olena, cartumOrder(t, s, "2001").ClientID) // CUS-3
		c := cartumContact(t, s, olena)
		require.Equal(t, []string{"+380501112233"}, c.Phones) // CUS-2, E.164
		require.Equal(t, "olena@example.com", c.Email)
		require.Equal(t, "Olena", c.FirstName)
		require.Equal(t, "Kovalenko", c.LastName)
		// CUS-3: "380671234567" matches RO App's contact 1, which is updated.
		require.EqualValues(t, 1, cartumOrder(t, s, "1015").ClientID)
		c = cartumContact(t, s, 1)
		require.Equal(t, "Іван", c.FirstName) // first word of delivery_name
		require.Equal(t, "Якович Франко", c.LastName)
		// CUS-3: matched by email (any case); the phone is added.
		madonna := cartumOrder(t, s, "1014").ClientID
		require.Equal(t, madonna, cartumOrder(t, s, "2002").ClientID)
		require.Equal(t, []string{"+380930001122"}, cartumContact(t, s, madonna).Phones)
	})

	t.Run("products by article", func(t *testing.T) {
		// PRD-2: SCR-PROT is RO App's product 1, matched by SKU.
		require.EqualValues(t, 1, cartumOrder(t, s, "1017").Items[0].ProductID) // PRD-2
		count := func(sku string) int {
			return len(slices.DeleteFunc(slices.Clone(s.Products), func(p roapptest.Product) bool { return p.SKU != sku }))
		}
		require.Equal(t, 1, count("SCR-PROT"))
		require.Equal(t, 1, count("CASE-01"), "the same article twice in one order is one product")
		for _, p := range s.Products {
			if p.ID != 1 {
				require.Equal(t, p.SKU, p.Code, "Cartum's only product id is the article") // PRD-3
			}
		}
		items := cartumOrder(t, s, "1016").Items
		require.Len(t, items, 3)
		require.Equal(t, items[0].ProductID, items[1].ProductID)
		require.Equal(t, []string{"499.00", "0.00", "25.00"}, []string{items[0].Price, items[1].Price, items[2].Price})
	})

	t.Run("general rules on the demo", func(t *testing.T) {
		rule, _ := cartumRejected(s, "1018")
		require.Equal(t, "ORD-3", rule)            // ORD-3, ENG-5: 199.999 UAH is not rounded
		require.Len(t, cartumOrders(s, "2001"), 1) // ENG-1: the webhook was delivered twice
		require.Empty(t, s.Failed)                 // ENG-2: nothing failed
		require.Zero(t, res.Summary.Warnings)
	})

	t.Run("ENG-6 no secret in any log line", func(t *testing.T) {
		require.NotEmpty(t, logs)
		for _, secret := range []string{roKey, roWebhookSecret, cartumPassword, cartumWebhookSecret} {
			require.NotContains(t, logs, secret) // ENG-6
		}
		// The fake shop's tokens are 32 hex digits.
		require.False(t, regexp.MustCompile(`(^|[^0-9a-f])[0-9a-f]{32}([^0-9a-f]|$)`).MatchString(logs), "a token in the logs") // ENG-6
	})
}

// TestCartumRealShapes replays testdata/replay/cartum-real.json, orders
// in the shapes of live Cartum shops (delivery_price -1, total_sum after a
// 25 % coupon and manager discounts, null fields, line total_price and
// discount_marker), through the real adapter and the RO App emulator:
// every order is imported, and each RO App order amounts to the platform's
// total_sum to the cent (ORD-3).
func TestCartumRealShapes(t *testing.T) {
	fx, err := loadFile(filepath.Join(demoDir, "cartum-real.json"))
	require.NoError(t, err)
	want := map[string]decimal.Decimal{} // order_id -> total_sum
	raws := slices.Clone(fx.Shop.Orders)
	for _, ev := range fx.Events {
		raws = append(raws, ev.Order)
	}
	for _, raw := range raws {
		var head struct {
			OrderID  int64           `json:"order_id"`
			TotalSum decimal.Decimal `json:"total_sum"`
		}
		require.NoError(t, json.Unmarshal(raw, &head))
		want[strconv.FormatInt(head.OrderID, 10)] = head.TotalSum
	}
	require.Len(t, want, 5)

	res, _ := runLogged(fx)
	s := res.Snapshot
	require.Empty(t, s.Rejected, "ORD-3: no real order is rejected")
	require.Empty(t, s.Failed)
	for id, total := range want {
		o := cartumOrder(t, s, id)
		amount := decimal.Zero
		for _, it := range o.Items {
			price, err := decimal.NewFromString(it.Price)
			require.NoError(t, err)
			discount := decimal.Zero
			if it.Discount != "" {
				discount, err = decimal.NewFromString(it.Discount)
				require.NoError(t, err)
			}
			amount = amount.Add(price.Mul(decimal.NewFromInt(it.Quantity)).Sub(discount))
		}
		require.True(t, amount.Equal(total), "ORD-3: order %s amounts to %s in RO App, the platform's total_sum is %s", id, amount, total) // ORD-3
	}
	// The measured coupon order: 799 with 25 % off is 599, the price kept.
	coupon := cartumOrder(t, s, "3001")
	require.Equal(t, []string{"799.00"}, []string{coupon.Items[0].Price})
	require.Equal(t, "200.00", coupon.Items[0].Discount) // ORD-3: the coupon is the item's discount
	// delivery_price -1: no fee, and the comment says so (DEL-1).
	require.Equal(t, []string{"Delivery: Нова Пошта\nFee: not calculated\nAddress: Київ, Відділення №12"}, coupon.Comments)             // DEL-1
	require.Equal(t, []string{"Delivery: Укрпошта\nFee: 0.00\nAddress: Львів, вул. Городоцька, 5"}, cartumOrder(t, s, "3003").Comments) // DEL-1
}
