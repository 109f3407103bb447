package rosync

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
)

// planView is an orderPlan as the cases of TestPlan state it: lines as
// "id×quantity@price", claims as "line=item", refusals by their rule.
type planView struct {
	Skip           bool
	Refuse         string // the rule; "ORD-3" for an invalid order
	Create         bool
	FindFirst      bool
	OrderDoubt     time.Time
	LearnStatus    bool
	RecordStatus   bool
	Changes        bool
	NeedRO         bool
	Deducted       bool
	FollowCustomer bool
	Claims         []string
	InDoubt        time.Time // the quarantine's end; zero for none
	Add            []string
	Update         []string
	Delete         []string
	PendingComment string
	Comments       []string
	SetStatus      int64
}

func viewPlan(t *testing.T, p orderPlan) planView {
	t.Helper()
	v := planView{Skip: p.Skip, Create: p.Create, FindFirst: p.FindFirst, OrderDoubt: p.OrderDoubtUntil,
		LearnStatus: p.LearnStatus, RecordStatus: p.RecordStatus, Changes: p.Changes, NeedRO: p.NeedRO,
		Deducted: p.Deducted, FollowCustomer: p.FollowCustomer, Delete: p.Delete,
		PendingComment: p.PendingComment, Comments: p.Comments, SetStatus: p.SetStatus}
	var (
		rej *RejectedError
		inv *InvalidOrderError
	)
	switch {
	case p.Refuse == nil:
	case errors.As(p.Refuse, &rej):
		v.Refuse = rej.Rule
	case errors.As(p.Refuse, &inv):
		v.Refuse = "ORD-3"
	default:
		t.Fatalf("plan refuses with %T %v, neither a rejection nor an invalid order", p.Refuse, p.Refuse)
	}
	if p.InDoubt != nil {
		v.InDoubt = p.InDoubt.Until
	}
	if len(v.Comments) == 0 {
		v.Comments = nil
	}
	line := func(l LineItem) string { return fmt.Sprintf("%s×%d@%s", l.ID, l.Quantity, l.Price) }
	for _, l := range p.Add {
		v.Add = append(v.Add, line(l))
	}
	for _, l := range p.Update {
		v.Update = append(v.Update, line(l))
	}
	for _, c := range p.Claims {
		v.Claims = append(v.Claims, fmt.Sprintf("%s=%d", c.LineID, c.Link.ROItemID))
	}
	return v
}

var (
	planT0  = time.Date(2026, 4, 30, 12, 0, 0, 0, time.UTC) // connected
	planNow = planT0.Add(time.Hour)
)

// RO App statuses of the plan's account.
const (
	planStNew      int64 = 1
	planStProgress int64 = 2
	planStClosed   int64 = 3 // a closed group: deducted
	planStShipped  int64 = 4
)

func planLine(id string, product int, qty int64, price string) LineItem {
	return LineItem{ID: id, Product: Product{ID: fmt.Sprint(product), Name: fmt.Sprintf("Product %d", product)},
		Quantity: qty, Price: decimal.RequireFromString(price)}
}

func planOrder(lines ...LineItem) Order {
	o := Order{ID: "1001", Number: "#1001", Status: "processing", Currency: "UAH",
		CreatedAt: planT0.Add(10 * time.Minute), UpdatedAt: planT0.Add(30 * time.Minute),
		Customer: &Customer{FirstName: "Olena", LastName: "K", Phone: "050 111 22 33", Email: "o@x.ua", Country: "UA"},
		Lines:    lines}
	o.Total = o.LinesTotal()
	return o
}

var firstDelivery = &Delivery{Service: "Nova Poshta", Fee: decimal.RequireFromString("50"), Address: "Kyiv, Khreshchatyk 1"}

// newPlanInput is a new order of two lines, never seen before.
func newPlanInput() planInput {
	return planInput{
		Rec:   Record{Shop: "shop", OrderID: "1001", State: StateNew},
		Order: planOrder(planLine("L1", 21, 2, "100"), planLine("L2", 22, 1, "50.50")),
		Now:   planNow,
		Env: planEnv{
			Policy: Policy{WindowRule: "WOO-1", ImportMonths: 2, ExcludedStatuses: []string{"completed"},
				RequireLines: true, RequireCustomer: true, RequireRule: "WOO-2", Delivery: DeliveryOnCreate},
			Currency:    "UAH",
			ConnectedAt: planT0,
			StatusIDs: map[string]int64{"pending": planStNew, "processing": planStProgress,
				"completed": planStClosed, "shipped": planStShipped},
			DeductedStatuses: map[int64]bool{planStClosed: true},
			Quarantine:       5 * time.Minute,
			DefaultRegion:    "UA",
		},
	}
}

// importedPlanInput is that order imported: its RO App order 500 has both
// lines as items 11 and 12, the contact the order's customer data.
func importedPlanInput() planInput {
	in := newPlanInput()
	hash, phone, _ := digestCustomer(in.Order, "UA", false)
	in.Rec = Record{Shop: "shop", OrderID: "1001", Number: "#1001", State: StateImported,
		ROOrderID: 500, ClientID: 70, PlatformStatus: "processing", ROStatusID: planStProgress,
		CustomerHash: hash, CustomerPhone: phone, UpdatedAt: planT0.Add(20 * time.Minute),
		Lines: map[string]LineLink{
			"L1": {ROItemID: 11, ProductID: 21, Quantity: 2, Price: decimal.RequireFromString("100")},
			"L2": {ROItemID: 12, ProductID: 22, Quantity: 1, Price: decimal.RequireFromString("50.50")},
		}}
	return in
}

// roRead is the RO App order of importedPlanInput as a read shows it.
func roRead(status int64, items ...ROItem) *ROOrder {
	if items == nil {
		items = []ROItem{
			{ID: 11, ProductID: 21, Quantity: 2, Price: decimal.RequireFromString("100")},
			{ID: 12, ProductID: 22, Quantity: 1, Price: decimal.RequireFromString("50.50")},
		}
	}
	return &ROOrder{ID: 500, ClientID: 70, StatusID: status, Items: items}
}

// pendingL2 makes L2's add an intent without an item (ENG-1).
func pendingL2(in *planInput) {
	in.Rec.Lines["L2"] = LineLink{ProductID: 22, Quantity: 1, Price: decimal.RequireFromString("50.50")}
}

// setLines replaces the order's lines, keeping its total right (ORD-3).
func setLines(in *planInput, lines ...LineItem) {
	in.Order.Lines = lines
	in.Order.Total = in.Order.LinesTotal()
}

// TestPlan states, rule by rule, what one order's plan is: the writes the
// rules ask for, decided without HTTP, a Store or a clock.
func TestPlan(t *testing.T) {
	l1, l2 := "L1×2@100", "L2×1@50.5"
	tests := []struct {
		name string
		base func() planInput
		edit func(*planInput)
		want planView
	}{
		// ORD-1, PRD-6: a new order is created with all its lines.
		{"ORD-1 a new order is created with its lines", newPlanInput, nil,
			planView{Create: true, RecordStatus: true, Changes: true, Add: []string{l1, l2}}},
		{"ORD-3 an invalid order is refused", newPlanInput,
			func(in *planInput) { in.Order.Lines[0].Price = decimal.RequireFromString("-1") },
			planView{Refuse: "ORD-3"}},
		{"ORD-3 lines that do not amount to the total are refused", newPlanInput,
			func(in *planInput) { in.Order.Total = in.Order.Total.Add(decimal.NewFromInt(1)) },
			planView{Refuse: "ORD-3"}},
		{"ORD-4 an order in another currency is rejected, never converted", newPlanInput,
			func(in *planInput) { in.Order.Currency = "EUR" },
			planView{Refuse: "ORD-4"}},
		{"WOO-1 an order created before the two-month window is not imported", newPlanInput,
			func(in *planInput) { in.Order.CreatedAt = windowStart(planT0, 2).Add(-time.Second) },
			planView{Refuse: "WOO-1"}},
		{"WOO-1 an order created on the window's first second is imported", newPlanInput,
			func(in *planInput) { in.Order.CreatedAt = windowStart(planT0, 2) },
			planView{Create: true, RecordStatus: true, Changes: true, Add: []string{l1, l2}}},
		{"WOO-1 the initial import leaves out an excluded status", newPlanInput,
			func(in *planInput) { in.Order.CreatedAt, in.Order.Status = planT0.Add(-time.Hour), "completed" },
			planView{Refuse: "WOO-1"}},
		{"WOO-1 an excluded status is imported for an order created after the connection", newPlanInput,
			func(in *planInput) { in.Order.Status = "completed" },
			planView{Create: true, RecordStatus: true, Changes: true, Add: []string{l1, l2}}},
		{"WOO-2 an order without products is rejected", newPlanInput,
			func(in *planInput) { setLines(in) },
			planView{Refuse: "WOO-2"}},
		{"WOO-2 an order that names no customer is rejected", newPlanInput,
			func(in *planInput) { in.Order.Customer = nil },
			planView{Refuse: "WOO-2"}},
		{"WOO-C2 a customer with neither email nor phone is rejected", newPlanInput,
			func(in *planInput) { in.Order.Customer.Phone, in.Order.Customer.Email = "n/a", "-" },
			planView{Refuse: "WOO-2"}},
		{"ENG-1 a pending create is looked up first and not admitted again", newPlanInput,
			func(in *planInput) {
				in.Rec.State, in.Rec.IntentAt, in.Rec.ClientID = StatePending, planNow.Add(-time.Minute), 70
				in.Order.Currency = "EUR" // admission passed before the intent; RO App may have the order
			},
			planView{Create: true, FindFirst: true, OrderDoubt: planNow.Add(4 * time.Minute),
				RecordStatus: true, Changes: true, Add: []string{l1, l2}}},
		{"WOO-3 an order created where statuses go to the platform learns its initial status", newPlanInput,
			func(in *planInput) { in.Env.Policy.StatusSync = StatusSyncToPlatform },
			planView{Create: true, LearnStatus: true, RecordStatus: true, Changes: true, Add: []string{l1, l2}}},
		{"CUS-3 a new order's customer is written by the create, no correction", newPlanInput,
			func(in *planInput) { in.Rec.CustomerHash = "an earlier digest" },
			planView{Create: true, RecordStatus: true, Changes: true, Add: []string{l1, l2}}},
		{"DEL-1 a new order's delivery details become a comment", newPlanInput,
			func(in *planInput) { in.Order.Delivery = firstDelivery },
			planView{Create: true, RecordStatus: true, Changes: true, Add: []string{l1, l2},
				Comments: []string{firstDelivery.Comment()}}},
		{"WOO-4 no delivery comment where the policy transfers none", newPlanInput,
			func(in *planInput) { in.Order.Delivery, in.Env.Policy.Delivery = firstDelivery, DeliveryNone },
			planView{Create: true, RecordStatus: true, Changes: true, Add: []string{l1, l2}}},
		{"CAR-2 the created order takes the platform's status", newPlanInput,
			func(in *planInput) {
				in.Env.Policy.StatusSync = StatusSyncBoth
				in.Rec.ROOrderID, in.Rec.ROStatusID, in.Created = 500, planStNew, true
			},
			planView{LearnStatus: false, Changes: true, Add: []string{l1, l2}, SetStatus: planStProgress}},

		// ORD-5, PRD-7: after deduction nothing follows.
		{"ORD-5 a deducted order is left alone", importedPlanInput,
			func(in *planInput) {
				in.Rec.Deducted = true
				setLines(in, planLine("L1", 21, 5, "100"))
				in.Order.Currency = "EUR"
			},
			planView{Skip: true}},
		{"PRD-7 an unchanged order writes nothing and reads nothing", importedPlanInput, nil,
			planView{RecordStatus: true}},
		{"ORD-5 a changed order is read from RO App before any write", importedPlanInput,
			func(in *planInput) { in.Order.Lines[0].Quantity = 3; in.Order.Total = in.Order.LinesTotal() },
			planView{RecordStatus: true, Changes: true, NeedRO: true, Update: []string{"L1×3@100"}}},
		{"PRD-7 a quantity changed before deduction updates the item", importedPlanInput,
			func(in *planInput) {
				in.Order.Lines[0].Quantity = 3
				in.Order.Total = in.Order.LinesTotal()
				in.RO = roRead(planStProgress)
			},
			planView{RecordStatus: true, Changes: true, Update: []string{"L1×3@100"}}},
		{"PRD-7 a price changed before deduction updates the item", importedPlanInput,
			func(in *planInput) {
				in.Order.Lines[1].Price = decimal.RequireFromString("45")
				in.Order.Total = in.Order.LinesTotal()
				in.RO = roRead(planStProgress)
			},
			planView{RecordStatus: true, Changes: true, Update: []string{"L2×1@45"}}},
		{"PRD-7 a new line is added, removed lines deleted in id order", importedPlanInput,
			func(in *planInput) {
				in.Rec.Lines["L0"] = LineLink{ROItemID: 10, ProductID: 20, Quantity: 1, Price: decimal.NewFromInt(9)}
				setLines(in, planLine("L3", 23, 4, "10"), planLine("L1", 21, 2, "100"))
				in.RO = roRead(planStProgress)
			},
			planView{RecordStatus: true, Changes: true, Add: []string{"L3×4@10"}, Delete: []string{"L0", "L2"}}},
		{"PRD-7 deducted order gets no item writes (an item shows deducted)", importedPlanInput,
			func(in *planInput) {
				setLines(in, planLine("L1", 21, 3, "100"), planLine("L3", 23, 1, "5"))
				in.RO = roRead(planStProgress)
				in.RO.Items[0].Deducted = true
			},
			planView{RecordStatus: true, Changes: true, Deducted: true}},
		{"ORD-5 an order in a status that means deduction is frozen", importedPlanInput,
			func(in *planInput) {
				in.Order.Lines[0].Quantity = 3
				in.Order.Total = in.Order.LinesTotal()
				in.RO = roRead(planStClosed)
			},
			planView{RecordStatus: true, Changes: true, Deducted: true}},
		{"ORD-5 an unchanged order is not read for deduction", importedPlanInput,
			func(in *planInput) { in.RO = roRead(planStClosed) },
			planView{RecordStatus: true}},

		{"DEL-1 the delivery comment is made once where the policy does not follow changes", importedPlanInput,
			func(in *planInput) {
				in.Rec.DeliveryHash = firstDelivery.Hash()
				in.Order.Delivery = &Delivery{Service: "Nova Poshta", Fee: decimal.NewFromInt(75), Address: "Lviv"}
			},
			planView{RecordStatus: true}},
		{"DEL-2 changed delivery details add a new comment", importedPlanInput,
			func(in *planInput) {
				in.Env.Policy.Delivery = DeliveryOnChange
				in.Rec.DeliveryHash = firstDelivery.Hash()
				in.Order.Delivery = &Delivery{Service: "Nova Poshta", Fee: decimal.NewFromInt(75), Address: "Lviv"}
				in.RO = roRead(planStProgress)
			},
			planView{RecordStatus: true, Changes: true, Comments: []string{(&Delivery{Service: "Nova Poshta",
				Fee: decimal.NewFromInt(75), Address: "Lviv"}).Comment()}}},
		{"DEL-2 unchanged delivery details add no comment", importedPlanInput,
			func(in *planInput) {
				in.Env.Policy.Delivery = DeliveryOnChange
				in.Rec.DeliveryHash = firstDelivery.Hash()
				in.Order.Delivery = &Delivery{Service: "Nova Poshta", Fee: decimal.NewFromInt(50), Address: "Kyiv, Khreshchatyk 1"}
			},
			planView{RecordStatus: true}},

		{"SHO-2 a cancelled order gets the policy's comment instead of a status", importedPlanInput,
			func(in *planInput) {
				in.Env.Policy.StatusComments = map[string]string{"cancelled": "Cancelled on Shopify"}
				in.Env.StatusIDs["cancelled"] = planStShipped // mapped, but the policy syncs no status
				in.Order.Status = "cancelled"
				in.RO = roRead(planStProgress)
			},
			planView{RecordStatus: true, Changes: true, Comments: []string{"Cancelled on Shopify"}}},
		{"SHO-2 the status comment is made once", importedPlanInput,
			func(in *planInput) {
				in.Env.Policy.StatusComments = map[string]string{"cancelled": "Cancelled on Shopify"}
				in.Order.Status, in.Rec.PlatformStatus = "cancelled", "cancelled"
			},
			planView{RecordStatus: true}},
		{"CAR-2 a platform status moves the RO App order", importedPlanInput,
			func(in *planInput) {
				in.Env.Policy.StatusSync = StatusSyncBoth
				in.Order.Status = "shipped"
				in.RO = roRead(planStProgress)
			},
			planView{Changes: true, SetStatus: planStShipped}},
		{"CAR-2 a status RO App already has is not set again (no echo)", importedPlanInput,
			func(in *planInput) {
				in.Env.Policy.StatusSync = StatusSyncBoth
				in.Order.Status, in.Rec.ROStatusID = "shipped", planStShipped
			},
			planView{RecordStatus: true}},
		{"CAR-2 a status without a mapping moves nothing", importedPlanInput,
			func(in *planInput) {
				in.Env.Policy.StatusSync = StatusSyncBoth
				in.Order.Status = "on-hold"
			},
			planView{RecordStatus: true}},
		{"WOO-3 statuses that go only to the platform do not move the RO App order", importedPlanInput,
			func(in *planInput) {
				in.Env.Policy.StatusSync = StatusSyncToPlatform
				in.Order.Status = "shipped"
			},
			planView{RecordStatus: true}},

		{"CUS-3 a corrected customer updates the contact before deduction", importedPlanInput,
			func(in *planInput) {
				in.Order.Customer.LastName = "Kovalenko"
				in.RO = roRead(planStProgress)
			},
			planView{RecordStatus: true, Changes: true, FollowCustomer: true}},
		{"CUS-3 a customer the platform withholds is no correction (SHO-C2)", importedPlanInput,
			func(in *planInput) {
				in.Order.Customer, in.Order.CustomerRedacted = nil, true
				in.Env.Policy.RequireCustomer = false
			},
			planView{RecordStatus: true}},
		{"CUS-3 a corrected customer of a deducted order is not followed", importedPlanInput,
			func(in *planInput) {
				in.Order.Customer.LastName = "Kovalenko"
				in.RO = roRead(planStClosed)
			},
			planView{RecordStatus: true, Changes: true, Deducted: true}},

		{"ENG-1 an interrupted add claims the item RO App shows", importedPlanInput,
			func(in *planInput) { pendingL2(in); in.RO = roRead(planStProgress) },
			planView{RecordStatus: true, Changes: true, Claims: []string{"L2=12"}}},
		{"ENG-1 a claimed item is brought up to date, not added", importedPlanInput,
			func(in *planInput) {
				pendingL2(in)
				in.Order.Lines[1].Quantity = 2
				in.Order.Total = in.Order.LinesTotal()
				in.RO = roRead(planStProgress)
			},
			planView{RecordStatus: true, Changes: true, Claims: []string{"L2=12"}, Update: []string{"L2×2@50.5"}}},
		{"ENG-1 an interrupted add RO App does not show waits for its quarantine", importedPlanInput,
			func(in *planInput) {
				pendingL2(in)
				in.Rec.DoubtAt = planNow.Add(-time.Minute)
				in.RO = roRead(planStProgress, ROItem{ID: 11, ProductID: 21, Quantity: 2, Price: decimal.NewFromInt(100)})
			},
			planView{RecordStatus: true, Changes: true, Add: []string{l2}, InDoubt: planNow.Add(4 * time.Minute)}},
		{"ENG-1 after a crash the quarantine runs from the record's last save", importedPlanInput,
			func(in *planInput) {
				pendingL2(in)
				in.Rec.UpdatedAt = planNow.Add(-2 * time.Minute)
				in.RO = roRead(planStProgress, ROItem{ID: 11, ProductID: 21, Quantity: 2, Price: decimal.NewFromInt(100)})
			},
			planView{RecordStatus: true, Changes: true, Add: []string{l2}, InDoubt: planNow.Add(3 * time.Minute)}},
		{"ENG-1 an interrupted add still missing after its quarantine is added again", importedPlanInput,
			func(in *planInput) {
				pendingL2(in)
				in.Rec.DoubtAt = planNow.Add(-5 * time.Minute)
				in.RO = roRead(planStProgress, ROItem{ID: 11, ProductID: 21, Quantity: 2, Price: decimal.NewFromInt(100)})
			},
			planView{RecordStatus: true, Changes: true, Add: []string{l2}}},
		{"ENG-1 two interrupted adds of one product claim its items in line order", importedPlanInput,
			func(in *planInput) {
				in.Rec.Lines["L1"] = LineLink{ProductID: 21, Quantity: 2, Price: decimal.NewFromInt(100)}
				in.Rec.Lines["L2"] = LineLink{ProductID: 21, Quantity: 1, Price: decimal.RequireFromString("50.50")}
				setLines(in, planLine("L2", 21, 1, "50.50"), planLine("L1", 21, 2, "100"))
				in.RO = roRead(planStProgress,
					ROItem{ID: 31, ProductID: 21, Quantity: 1, Price: decimal.RequireFromString("50.50")},
					ROItem{ID: 32, ProductID: 21, Quantity: 2, Price: decimal.NewFromInt(100)})
			},
			planView{RecordStatus: true, Changes: true, Claims: []string{"L2=31", "L1=32"}}},
		{"ENG-1 a comment an earlier attempt may have added is looked up, alone a change", importedPlanInput,
			func(in *planInput) { in.Rec.PendingComment = "Cancelled on Shopify" },
			planView{RecordStatus: true, Changes: true, NeedRO: true, PendingComment: "Cancelled on Shopify"}},
		{"ENG-1 a new comment equal to the pending one is that one", importedPlanInput,
			func(in *planInput) {
				in.Env.Policy.Delivery = DeliveryOnChange
				in.Rec.DeliveryHash = "an earlier delivery"
				in.Order.Delivery = firstDelivery
				in.Rec.PendingComment = firstDelivery.Comment()
				in.RO = roRead(planStProgress)
			},
			planView{RecordStatus: true, Changes: true, PendingComment: firstDelivery.Comment()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.base()
			if tt.edit != nil {
				tt.edit(&in)
			}
			before := cloneInput(in)
			got := plan(in)
			if diff := cmp.Diff(tt.want, viewPlan(t, got)); diff != "" {
				t.Errorf("%s: plan (-want +got):\n%s", tt.name, diff)
			}
			// Pure: the input is not changed, and the same input gives the
			// same plan.
			if diff := cmp.Diff(before, in, decimalEqual); diff != "" {
				t.Errorf("plan changed its input (-before +after):\n%s", diff)
			}
			if diff := cmp.Diff(viewPlan(t, got), viewPlan(t, plan(cloneInput(in)))); diff != "" {
				t.Errorf("plan is not deterministic (-first +second):\n%s", diff)
			}
		})
	}
}

var decimalEqual = cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })

// cloneInput copies in deeply enough that a change plan made to it would show.
func cloneInput(in planInput) planInput {
	out := in
	out.Rec.Lines = maps.Clone(in.Rec.Lines)
	out.Order.Lines = slices.Clone(in.Order.Lines)
	if in.Order.Customer != nil {
		c := *in.Order.Customer
		out.Order.Customer = &c
	}
	if in.Order.Delivery != nil {
		d := *in.Order.Delivery
		out.Order.Delivery = &d
	}
	if in.RO != nil {
		ro := *in.RO
		ro.Items = slices.Clone(in.RO.Items)
		out.RO = &ro
	}
	out.Env.StatusIDs = maps.Clone(in.Env.StatusIDs)
	out.Env.DeductedStatuses = maps.Clone(in.Env.DeductedStatuses)
	out.Env.Policy.StatusComments = maps.Clone(in.Env.Policy.StatusComments)
	out.Env.Policy.ExcludedStatuses = slices.Clone(in.Env.Policy.ExcludedStatuses)
	return out
}
