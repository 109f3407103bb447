package rosync_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp/roapptest"
)

// TestEngine_DeliveryComment: DEL-1, DEL-2 and WOO-4, the delivery comment
// as each delivery policy of the engine adds it.
func TestEngine_DeliveryComment(t *testing.T) { // DEL-1, DEL-2, WOO-4
	first := &rosync.Delivery{Service: "Nova Poshta", Fee: dec("50"), Address: "Kyiv, Khreshchatyk 1"}
	second := &rosync.Delivery{Service: "Nova Poshta", Fee: dec("75.50"), Address: "Lviv, Rynok 5"}
	firstText := "Delivery: Nova Poshta\nFee: 50.00\nAddress: Kyiv, Khreshchatyk 1"
	tests := []struct {
		name        string
		mode        rosync.DeliveryMode
		afterCreate []string // the comments after the import
		afterSame   []string // after a re-sync of the unchanged order
		afterChange []string // after the delivery changed
	}{
		{"DEL-1 on create", rosync.DeliveryOnCreate,
			[]string{firstText}, []string{firstText}, []string{firstText}},
		{"DEL-2 on change", rosync.DeliveryOnChange,
			[]string{firstText}, []string{firstText}, []string{firstText, second.Comment()}},
		{"WOO-4 none", rosync.DeliveryNone, []string{}, []string{}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol := basePolicy()
			pol.Delivery = tt.mode
			e := newEnv(t, pol)
			o := newOrder("901", time.Time{})
			o.Delivery = first
			e.addOrder(o)
			comments := func() []string {
				snap := e.emu.Snapshot()
				require.Len(t, snap.Orders, 1)
				return snap.Orders[0].Comments
			}

			e.sync(t, "901")
			// DEL-1: one comment with the service, the fee and the address.
			if diff := cmp.Diff(tt.afterCreate, comments()); diff != "" {
				t.Errorf("after create (-want +got):\n%s", diff)
			}

			e.clock.Advance(time.Minute)
			e.change("901", func(o *rosync.Order) {}) // touched, delivery unchanged
			e.sync(t, "901")
			require.Equal(t, 1, e.calls("POST /orders"))
			if diff := cmp.Diff(tt.afterSame, comments()); diff != "" {
				t.Errorf("DEL-1/DEL-2: a re-sync of an unchanged delivery added a comment (-want +got):\n%s", diff)
			}

			e.clock.Advance(time.Minute)
			e.change("901", func(o *rosync.Order) { o.Delivery = second })
			e.sync(t, "901")
			if diff := cmp.Diff(tt.afterChange, comments()); diff != "" {
				t.Errorf("DEL-2: after a delivery change (-want +got):\n%s", diff)
			}

			e.clock.Advance(time.Minute)
			e.sync(t, "901") // and once more, unchanged since
			if diff := cmp.Diff(tt.afterChange, comments()); diff != "" {
				t.Errorf("DEL-2: unchanged since the change (-want +got):\n%s", diff)
			}
			require.Equal(t, len(tt.afterChange), e.calls("POST /orders/{id}/comments"))
		})
	}
}

// TestEngine_QuantityChange: PRD-7, a quantity changed on the platform
// before deduction updates the item; after deduction it does not (ORD-5).
func TestEngine_QuantityChange(t *testing.T) { // PRD-7, ORD-5
	for _, deducted := range []bool{false, true} {
		name := map[bool]string{false: "before deduction", true: "after deduction"}[deducted]
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, basePolicy())
			e.addOrder(newOrder("1001", time.Time{}))
			e.sync(t, "1001")
			roID := e.roOrderID(t, "N-1001")
			if deducted {
				require.NoError(t, e.emu.Deduct(roID))
			}
			e.clock.Advance(time.Minute)
			e.change("1001", func(o *rosync.Order) { o.Lines[0].Quantity = 5 })
			e.sync(t, "1001")

			items := e.emu.Snapshot().Orders[0].Items
			want := []roapptest.Item{{ProductID: 1, Quantity: 5, Price: "499.50", Discount: "0.00"}}
			patches := 1
			if deducted {
				want[0].Quantity, want[0].Deducted, patches = 2, true, 0
			}
			if diff := cmp.Diff(want, items); diff != "" {
				t.Errorf("PRD-7 %s: items (-want +got):\n%s", name, diff)
			}
			require.Equal(t, patches, e.calls("PATCH /orders/{id}/items/{item_id}"), "PRD-7")
			require.Equal(t, 1, e.calls("POST /orders/{id}/items"))
			require.Equal(t, deducted, e.record(t, "1001").Deducted)
		})
	}
}

// TestEngine_NoChangesAfterDeduction: ORD-5, once the products are deducted
// in RO App, platform changes of quantity, lines, price or delivery are not
// applied and cost no RO App write.
func TestEngine_NoChangesAfterDeduction(t *testing.T) { // ORD-5, PRD-7
	ctx := context.Background()
	tests := []struct {
		name string
		edit func(*rosync.Order)
	}{
		{"quantity", func(o *rosync.Order) { o.Lines[0].Quantity = 9 }},
		{"price", func(o *rosync.Order) { o.Lines[0].Price = dec("1.00") }},
		{"delivery", func(o *rosync.Order) {
			o.Delivery = &rosync.Delivery{Service: "Ukrposhta", Fee: dec("30"), Address: "Odesa"}
		}},
		{"line added", func(o *rosync.Order) { o.Lines = append(o.Lines, line("x", "NEW", 1, "5.00")) }},
		{"line removed", func(o *rosync.Order) { o.Lines = o.Lines[:0] }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol := basePolicy()
			pol.Delivery = rosync.DeliveryOnChange
			e := newEnv(t, pol)
			e.addOrder(newOrder("1101", time.Time{}))
			e.sync(t, "1101")
			require.NoError(t, e.emu.Deduct(e.roOrderID(t, "N-1101")))
			before := e.emu.Snapshot()
			writes := e.writes()

			e.clock.Advance(time.Minute)
			e.change("1101", tt.edit)
			require.Equal(t, 200, e.webhook(t, "1101", "", ""))
			e.clock.Advance(10 * time.Minute)
			require.NoError(t, e.syncer.Poll(ctx))
			e.sync(t, "1101")

			after := e.emu.Snapshot()
			if diff := cmp.Diff(before.Orders, after.Orders); diff != "" {
				t.Errorf("ORD-5: the RO App order changed after deduction (-before +after):\n%s", diff)
			}
			if diff := cmp.Diff(before.Products, after.Products); diff != "" {
				t.Errorf("ORD-5: the catalogue changed after deduction (-before +after):\n%s", diff)
			}
			if diff := cmp.Diff(writes, e.writes()); diff != "" {
				t.Errorf("ORD-5: RO App writes after deduction (-before +after):\n%s", diff)
			}
			rec := e.record(t, "1101")
			require.True(t, rec.Deducted, "ORD-5: the Store knows the order is deducted")
			require.False(t, rec.Failed())

			// Once known deducted, a platform change costs no RO App call.
			total := e.emu.Calls().Total
			e.clock.Advance(time.Minute)
			e.change("1101", func(o *rosync.Order) { o.Lines = append(o.Lines, line("y", "LATE", 1, "2.00")) })
			e.sync(t, "1101")
			require.Equal(t, total, e.emu.Calls().Total, "ORD-5: RO App called for a deducted order")
		})
	}
}

// An order that reaches a status the policy comments on gets that comment
// once, and no status change (Shopify's cancellation under SHO-2).
func TestEngine_StatusComment(t *testing.T) { // SHO-2
	e := statusCommentEnv(t, "911")
	order := func() roapptest.Order {
		snap := e.emu.Snapshot()
		require.Len(t, snap.Orders, 1)
		return snap.Orders[0]
	}
	require.Empty(t, order().Comments)
	status := order().Status

	for range 2 { // the second time changes nothing
		e.clock.Advance(time.Minute)
		e.change("911", func(o *rosync.Order) { o.Status = "cancelled" })
		e.sync(t, "911")
		if diff := cmp.Diff([]string{"Cancelled on the platform"}, order().Comments); diff != "" {
			t.Errorf("comments (-want +got):\n%s", diff)
		}
		require.Equal(t, status, order().Status, "SHO-2: the RO App status must not change")
	}
	require.Equal(t, 1, e.calls("POST /orders/{id}/comments"))
	require.Zero(t, e.calls("POST /orders/{id}/status"))
}
