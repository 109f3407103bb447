package rosync_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp/roapptest"
)

// requireOneOrder checks ENG-1's promise for one platform order: one RO
// App order with one item and one delivery comment, one contact, one
// catalogue product.
func requireOneOrder(t *testing.T, e *env, o rosync.Order) {
	t.Helper()
	snap := e.emu.Snapshot()
	require.Len(t, snap.Contacts, 1, "ENG-1: one contact")
	require.Len(t, snap.Products, 1, "ENG-1: one catalogue product")
	require.Len(t, snap.Orders, 1, "ENG-1: one RO App order")
	want := roapptest.Order{
		ID: snap.Orders[0].ID, Platform: "fake", PlatformOrderID: o.ID, PlatformNumber: o.Number,
		PlatformCreatedAt: o.CreatedAt.Format(time.RFC3339), ClientID: snap.Contacts[0].ID, OrderTypeID: 1,
		Status:   "New",
		Items:    []roapptest.Item{{ProductID: snap.Products[0].ID, Quantity: 2, Price: "499.50", Discount: "0.00"}},
		Comments: []string{o.Delivery.Comment()},
	}
	if diff := cmp.Diff(want, snap.Orders[0]); diff != "" {
		t.Errorf("ENG-1: the RO App order (-want +got):\n%s", diff)
	}
	rec := e.record(t, o.ID)
	require.Equal(t, rosync.StateImported, rec.State)
	require.Equal(t, snap.Orders[0].ID, rec.ROOrderID)
	require.False(t, rec.Failed(), "last error: %s", rec.LastError)
}

// TestEngine_IdempotentConcurrent: ENG-1, the same order applied at once
// from many goroutines, by duplicate webhooks and by a poll creates one
// order, one contact and one product.
func TestEngine_IdempotentConcurrent(t *testing.T) { // ENG-1
	ctx := context.Background()
	e := newEnv(t, basePolicy())
	o := e.addOrder(newOrder("1201", time.Time{}))
	e.clock.Advance(5 * time.Minute)

	var wg sync.WaitGroup
	codes := make(chan int, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch i % 4 {
			case 0:
				_ = e.syncer.Sync(ctx, "1201")
			case 1: // a redelivery of one event
				codes <- e.webhook(t, "1201", "evt-1", "")
			case 2: // distinct events about the same order
				codes <- e.webhook(t, "1201", fmt.Sprintf("evt-%d", 100+i), "")
			case 3:
				_ = e.syncer.Poll(ctx)
			}
		}()
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		require.Equal(t, 200, c)
	}
	requireOneOrder(t, e, o)
	require.Equal(t, 1, e.calls("POST /orders"), "ENG-1")
	require.Equal(t, 1, e.calls("POST /contacts/people"), "ENG-1")
	require.Equal(t, 1, e.calls("POST /catalog/products"), "ENG-1")
	require.Equal(t, 1, e.calls("POST /orders/{id}/items"), "ENG-1")

	// Two different orders of one customer and one product, at once.
	e2 := newEnv(t, basePolicy())
	for _, id := range []string{"1211", "1212", "1213", "1214"} {
		e2.addOrder(newOrder(id, time.Time{}))
	}
	var wg2 sync.WaitGroup
	for _, id := range []string{"1211", "1212", "1213", "1214"} {
		wg2.Add(1)
		go func() { defer wg2.Done(); _ = e2.syncer.Sync(ctx, id) }()
	}
	wg2.Wait()
	snap := e2.emu.Snapshot()
	require.Len(t, snap.Orders, 4)
	require.Len(t, snap.Contacts, 1, "ENG-1: one contact for one customer")
	require.Len(t, snap.Products, 1, "ENG-1: one product for one product")
	require.Len(t, snap.Categories, 1, "ENG-1: one category")
}

// TestEngine_AmbiguousCreates: ENG-1, a create whose outcome is unknown is
// looked up before it is made again: the order by its external reference,
// an item among the order's items, a comment among its comments.
func TestEngine_AmbiguousCreates(t *testing.T) { // ENG-1
	ctx := context.Background()
	tests := []struct {
		name     string
		blur     func(a *ambiguousRO)
		endpoint string
	}{
		{"CreateOrder", func(a *ambiguousRO) { a.createOrder.Store(1) }, "POST /orders"},
		{"AddItem", func(a *ambiguousRO) { a.addItem.Store(1) }, "POST /orders/{id}/items"},
		{"AddComment", func(a *ambiguousRO) { a.addComment.Store(1) }, "POST /orders/{id}/comments"},
		{"CreateOrder twice", func(a *ambiguousRO) { a.createOrder.Store(2) }, "POST /orders"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			amb := &ambiguousRO{}
			e := newEnv(t, basePolicy(), withROClient(func(c rosync.ROClient) rosync.ROClient {
				amb.ROClient = c
				return amb
			}))
			o := e.addOrder(newOrder("1301", time.Time{}))
			tt.blur(amb)

			err := e.syncer.Sync(ctx, "1301")
			var ae *rosync.AmbiguousError
			require.ErrorAs(t, err, &ae, "precondition: the create was blurred")
			rec := e.record(t, "1301")
			require.True(t, rec.Failed())
			require.False(t, rec.Permanent, "ENG-2: an unknown outcome is retried")
			require.Equal(t, 1, e.calls(tt.endpoint), "precondition: the create reached RO App")

			// The next attempts find what the blurred create made.
			for range 3 {
				e.clock.Advance(time.Minute)
				if err := e.syncer.Sync(ctx, "1301"); err == nil {
					break
				}
			}
			requireOneOrder(t, e, o)
			require.Equal(t, 1, e.calls(tt.endpoint), "ENG-1: %s was not made twice", tt.endpoint)
		})
	}
}

// TestEngine_CrashAfterCreate: ENG-1, a record left pending by a crash
// after the RO App order was created (the link never saved) resumes on
// that order instead of creating a second one.
func TestEngine_CrashAfterCreate(t *testing.T) { // ENG-1
	ctx := context.Background()
	for _, via := range []string{"sync", "poll", "retry"} {
		t.Run(via, func(t *testing.T) {
			e := newEnv(t, basePolicy())
			o := e.addOrder(newOrder("1401", time.Time{}))
			e.clock.Advance(2 * time.Minute)

			// What the crashed process did: contact created, intent
			// recorded, order created in RO App; then it died.
			clientID, err := e.client.CreateContact(ctx, rosync.Contact{FirstName: "Olena", LastName: "Kovalenko",
				Email: "olena.k@example.com", Phones: []string{"+380501112233"}})
			require.NoError(t, err)
			intent := e.clock.Now()
			require.NoError(t, e.store.PutRecord(ctx, &rosync.Record{
				Shop: shopName, OrderID: "1401", Number: o.Number, State: rosync.StatePending,
				PlatformCreatedAt: o.CreatedAt, ClientID: clientID, IntentAt: intent,
				LastError: "process killed", Attempts: 1, NextRetry: intent,
			}))
			ref := rosync.ExternalRef{Platform: "fake", Shop: shopName, OrderID: "1401", Number: o.Number, CreatedAt: o.CreatedAt}
			_, err = e.client.CreateOrder(ctx, rosync.NewOrder{BranchID: 1, OrderTypeID: 1, ClientID: clientID, Ref: ref})
			require.NoError(t, err)
			require.Equal(t, 1, e.calls("POST /orders"))

			e.clock.Advance(time.Minute) // the restart
			switch via {
			case "sync":
				e.sync(t, "1401")
			case "poll":
				require.NoError(t, e.syncer.Poll(ctx))
			case "retry":
				require.NoError(t, e.syncer.Retry(ctx))
			}
			requireOneOrder(t, e, o)
			require.Equal(t, 1, e.calls("POST /orders"), "ENG-1: the pending order was created again")
		})
	}
}

// TestEngine_TransientOutage: ENG-2, an order that fails because RO App
// answers 503 is kept as failed (not permanent) with a back-off, not
// retried before it is due, and completed once by the poll after it.
func TestEngine_TransientOutage(t *testing.T) { // ENG-2
	ctx := context.Background()
	e := newEnv(t, basePolicy())
	o := e.addOrder(newOrder("1501", time.Time{}))

	e.down.Store(true) // RO App answers 503 to every request for a while
	e.clock.Advance(10 * time.Minute)
	require.NoError(t, e.syncer.Poll(ctx)) // the poll brings the order in; it fails
	failedAt := e.clock.Now()
	rec := e.record(t, "1501")
	require.True(t, rec.Failed(), "ENG-2: the order is recorded as failed")
	require.False(t, rec.Permanent, "ENG-2: a 503 is transient")
	require.Equal(t, 1, rec.Attempts)
	require.Equal(t, failedAt.Add(30*time.Second), rec.NextRetry, "ENG-2: NextRetry after the base back-off")
	require.Contains(t, rec.LastError, "503")

	// Due, still down: retried, fails again, the back-off doubles.
	e.clock.Advance(31 * time.Second)
	require.NoError(t, e.syncer.Poll(ctx))
	rec = e.record(t, "1501")
	require.Equal(t, 2, rec.Attempts, "ENG-2: retried once it was due")
	require.Equal(t, e.clock.Now().Add(time.Minute), rec.NextRetry, "ENG-2: exponential back-off")

	// RO App is back; a poll before NextRetry does not retry.
	e.down.Store(false)
	e.clock.Advance(30 * time.Second)
	before := e.emu.Calls().Total
	require.NoError(t, e.syncer.Poll(ctx))
	require.Equal(t, before, e.emu.Calls().Total, "ENG-2: nothing sent before the back-off is over")
	require.Empty(t, e.emu.Snapshot().Orders)
	require.Equal(t, 2, e.record(t, "1501").Attempts)

	// The poll after NextRetry completes it, once.
	e.clock.Advance(31 * time.Second)
	require.NoError(t, e.syncer.Poll(ctx))
	requireOneOrder(t, e, o)
	rec = e.record(t, "1501")
	require.Zero(t, rec.Attempts)
	require.True(t, rec.NextRetry.IsZero())
	e.clock.Advance(time.Hour)
	require.NoError(t, e.syncer.Poll(ctx))
	requireOneOrder(t, e, o)
	require.Equal(t, 1, e.calls("POST /orders"), "ENG-2: completed once")
}

// A create whose outcome is unknown is resolved within the same Sync by the
// in-place retries: the order is looked up, not created again, and nothing
// is left failed (ENG-1, ENG-2).
func TestEngine_InlineRetry(t *testing.T) {
	tests := []struct {
		retries int
		failed  bool // two blurred creates need two retries
		slept   []time.Duration
	}{
		// The settle wait (1.5 s) stretches the first wait after a lost
		// answer; the back-off (1 s, then 2 s) the later ones.
		{1, true, []time.Duration{1500 * time.Millisecond}},
		{2, false, []time.Duration{1500 * time.Millisecond, 2 * time.Second}},
		{4, false, []time.Duration{1500 * time.Millisecond, 2 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("retries=%d", tt.retries), func(t *testing.T) {
			amb := &ambiguousRO{}
			amb.createOrder.Store(1)
			amb.addItem.Store(1)
			var slept []time.Duration
			e := newEnv(t, basePolicy(),
				withROClient(func(c rosync.ROClient) rosync.ROClient { amb.ROClient = c; return amb }),
				withOptions(func(o *rosync.Options) {
					o.InlineRetries = tt.retries
					o.InlineWait = time.Second
					o.SettleWait = 1500 * time.Millisecond
					o.Sleep = func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }
				}))
			e.addOrder(newOrder("951", time.Time{}))
			err := e.syncer.Sync(context.Background(), "951")
			require.Equal(t, tt.failed, err != nil, "Sync = %v", err)
			require.Equal(t, tt.failed, e.record(t, "951").Failed()) // ENG-2: done in place, or kept for later
			require.Equal(t, tt.slept, slept)
			if tt.failed {
				require.NoError(t, e.syncer.Sync(context.Background(), "951"))
			}
			snap := e.emu.Snapshot()
			require.Len(t, snap.Orders, 1)          // ENG-1: one order after the blurred create
			require.Len(t, snap.Orders[0].Items, 1) // ENG-1: one item after the blurred add
		})
	}
	t.Run("permanent errors are not retried in place", func(t *testing.T) {
		slept := 0
		e := newEnv(t, basePolicy(), withOptions(func(o *rosync.Options) {
			o.InlineRetries = 5
			o.Sleep = func(context.Context, time.Duration) error { slept++; return nil }
		}))
		e.emu.Revoke("add_products_without_deduction")
		e.addOrder(newOrder("952", time.Time{}))
		var perm *rosync.PermissionError
		require.ErrorAs(t, e.syncer.Sync(context.Background(), "952"), &perm)
		require.Zero(t, slept, "ORD-2: a missing right is not retried in place")
		require.Equal(t, 1, e.calls("POST /orders/{id}/items"))
	})
}

// leaseStore is a Store with the Leaser capability whose lease is held by
// another replica until released.
type leaseStore struct {
	rosync.Store
	mu     sync.Mutex
	holder string
	taken  int
}

func (l *leaseStore) Lease(_ context.Context, name, holder string, _ time.Duration) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.holder == "" || l.holder == holder {
		l.holder = holder
		l.taken++
		return true, nil
	}
	return false, nil
}

func (l *leaseStore) Release(_ context.Context, name, holder string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.holder == holder {
		l.holder = ""
	}
	return nil
}

// With a Store shared by replicas, one replica at a time polls a shop.
func TestEngine_PollLease(t *testing.T) {
	e := newEnv(t, basePolicy())
	ls := &leaseStore{Store: e.store, holder: "other-replica"}
	s, err := rosync.New(e.plat, e.client, ls, &rosync.Options{Shop: shopName, Replica: "me",
		Settings: rosync.Settings{IdentifyProductsBy: rosync.IdentifyBySKU, DefaultRegion: "UA", BranchID: 1, OrderTypeID: 1, AssigneeID: 1},
		Now:      e.clock.Now})
	require.NoError(t, err)
	before := e.plat.lists
	require.NoError(t, s.Poll(context.Background()))
	require.Equal(t, before, e.plat.lists, "polled while another replica held the lease")

	require.NoError(t, ls.Release(context.Background(), "poll/"+shopName, "other-replica"))
	require.NoError(t, s.Poll(context.Background()))
	require.Equal(t, before+1, e.plat.lists, "did not poll once the lease was free")
	require.Empty(t, ls.holder, "the lease was not released after the poll")
}

// A contact that only its name identifies (the SHO-C2 "Not specified"
// placeholder, a customer without phone or email) is looked up by name
// after a doubtful create instead of being created twice (ENG-1).
func TestEngine_AmbiguousNamedContact(t *testing.T) {
	// The placeholder is shared by every order; a name-only customer gets
	// a contact per order (CUS-3 matches by phone or email only).
	tests := map[string]struct {
		edit     func(*rosync.Order)
		contacts int
	}{
		"placeholder": {func(o *rosync.Order) { o.Customer, o.CustomerRedacted = nil, true }, 1},
		"name only":   {func(o *rosync.Order) { o.Customer = &rosync.Customer{FirstName: "Taras", LastName: "Bulba"} }, 2},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			edit := tt.edit
			amb := &ambiguousRO{}
			amb.createContact.Store(1)
			e := newEnv(t, basePolicy(), withROClient(func(c rosync.ROClient) rosync.ROClient { amb.ROClient = c; return amb }))
			o := newOrder("961", time.Time{})
			edit(&o)
			e.addOrder(o)
			var ae *rosync.AmbiguousError
			require.ErrorAs(t, e.syncer.Sync(context.Background(), "961"), &ae, "precondition: the create was blurred")
			require.NoError(t, e.syncer.Sync(context.Background(), "961"))
			o2 := newOrder("962", time.Time{})
			edit(&o2)
			e.addOrder(o2)
			require.NoError(t, e.syncer.Sync(context.Background(), "962"))
			snap := e.emu.Snapshot()
			require.Len(t, snap.Contacts, len(defaultSeed().Contacts)+tt.contacts, "ENG-1: a contact was created twice")
			require.Equal(t, tt.contacts, e.calls("POST /contacts/people"))
			require.Equal(t, tt.contacts == 1, snap.Orders[0].ClientID == snap.Orders[1].ClientID)
		})
	}
}

// secondItemLost is an ROClient whose second AddItem of each order reaches
// RO App and then reports an unknown outcome.
type secondItemLost struct {
	rosync.ROClient
	mu    sync.Mutex
	count map[int64]int
}

func (s *secondItemLost) AddItem(ctx context.Context, orderID int64, it rosync.ROItem) (int64, error) {
	id, err := s.ROClient.AddItem(ctx, orderID, it)
	s.mu.Lock()
	s.count[orderID]++
	n := s.count[orderID]
	s.mu.Unlock()
	if err == nil && n == 2 {
		return 0, &rosync.AmbiguousError{Err: errLost}
	}
	return id, err
}

// TestEngine_AmbiguousItemKeepsLineOrder: ENG-1, when an item add's outcome
// is unknown and two lines of the order are of one product, the retry links
// the items RO App has to the lines in the sequence they were added: the
// RO App order ends with one item per line, in the platform's order, as
// without the fault. (Several orders, since a claim in random order would
// pass by chance on one.)
func TestEngine_AmbiguousItemKeepsLineOrder(t *testing.T) { // ENG-1
	ctx := context.Background()
	lost := &secondItemLost{count: map[int64]int{}}
	e := newEnv(t, basePolicy(), withROClient(func(c rosync.ROClient) rosync.ROClient {
		lost.ROClient = c
		return lost
	}))
	const orders = 8
	for i := range orders {
		id := fmt.Sprint(1400 + i)
		o := newOrder(id, time.Time{})
		o.Delivery = nil
		o.Lines = []rosync.LineItem{
			line(id+"-1", "SKU-A", 1, "10.00"),
			line(id+"-2", "SKU-B", 2, "20.00"),
			line(id+"-3", "SKU-B", 3, "20.00"),
		}
		o.Total = dec("110.00")
		e.addOrder(o)
		var ae *rosync.AmbiguousError
		require.ErrorAs(t, e.syncer.Sync(ctx, id), &ae, "precondition: the second item was blurred")
		e.clock.Advance(time.Minute)
		require.NoError(t, e.syncer.Sync(ctx, id))
	}
	snap := e.emu.Snapshot()
	require.Len(t, snap.Orders, orders)
	for _, o := range snap.Orders {
		var qty []int64
		for _, it := range o.Items {
			qty = append(qty, it.Quantity)
		}
		require.Equal(t, []int64{1, 2, 3}, qty, "ENG-1: order %s: items out of the lines' sequence, or added twice", o.PlatformOrderID)
	}
	require.Equal(t, 3*orders, e.calls("POST /orders/{id}/items"), "ENG-1: an item was added twice")
}
