package roapptest_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp/roapptest"

	"github.com/stretchr/testify/require"
)

// TestAfterCreate checks the crash-test hook: it sees every create with its
// endpoint template and new id, after the entity exists (the hook can read
// the emulator, so the lock is not held) and before the answer is written.
func TestAfterCreate(t *testing.T) {
	ctx := context.Background()
	type call struct {
		endpoint string
		id       int64
	}
	var (
		mu    sync.Mutex
		calls []call
		emu   *roapptest.Emulator
	)
	hold := make(chan struct{}) // closed: let the answers go
	opts := &roapptest.Options{AfterCreate: func(endpoint string, id int64) {
		snap := emu.Snapshot() // deadlocks if the emulator's lock were held
		exists := false
		switch endpoint {
		case "POST /orders":
			for _, o := range snap.Orders {
				exists = exists || o.ID == id
			}
		case "POST /contacts/people":
			for _, c := range snap.Contacts {
				exists = exists || c.ID == id
			}
		default:
			exists = true
		}
		if !exists {
			t.Errorf("AfterCreate(%s, %d) before the entity exists", endpoint, id)
		}
		mu.Lock()
		calls = append(calls, call{endpoint, id})
		mu.Unlock()
		<-hold
	}}
	emu, c, _ := start(t, opts)

	// The answer waits for the hook.
	done := make(chan int64)
	go func() {
		id, err := c.CreateContact(ctx, rosync.Contact{FirstName: "Iryna", Phones: []string{"+380931234567"}})
		if err != nil {
			t.Errorf("CreateContact: %v", err)
		}
		done <- id
	}()
	for {
		mu.Lock()
		n := len(calls)
		mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	select {
	case <-done:
		t.Fatal("the create was answered while AfterCreate was still running")
	case <-time.After(20 * time.Millisecond):
	}
	close(hold)
	cid := <-done

	catID, err := c.CreateCategory(ctx, rosync.ROCategory{Title: "Smartphones", ParentID: 4})
	require.NoError(t, err)
	pid, err := c.CreateProduct(ctx, rosync.ROProduct{Title: "Phone Y", SKU: "PY", CategoryID: catID})
	require.NoError(t, err)
	oid, err := c.CreateOrder(ctx, rosync.NewOrder{BranchID: 1, OrderTypeID: 1, ClientID: cid, Ref: ref("1001")})
	require.NoError(t, err)
	iid, err := c.AddItem(ctx, oid, rosync.ROItem{ProductID: pid, Quantity: 1, AssigneeID: 1, Price: decimal.RequireFromString("10")})
	require.NoError(t, err)
	require.NoError(t, c.AddComment(ctx, oid, "Delivery: Nova Poshta"))
	// A refused create is not one.
	_, err = c.CreateOrder(ctx, rosync.NewOrder{BranchID: 1, OrderTypeID: 99, ClientID: cid, Ref: ref("1002")})
	require.Error(t, err)

	mu.Lock()
	defer mu.Unlock()
	want := []call{
		{"POST /contacts/people", cid},
		{"POST /catalog/products/categories", catID},
		{"POST /catalog/products", pid},
		{"POST /orders", oid},
		{"POST /orders/{id}/items", iid},
	}
	require.Len(t, calls, len(want)+1)
	if diff := cmp.Diff(want, calls[:len(want)], cmp.AllowUnexported(call{})); diff != "" {
		t.Errorf("AfterCreate calls (-want +got):\n%s", diff)
	}
	if got := calls[len(want)].endpoint; got != "POST /orders/{id}/comments" {
		t.Errorf("last AfterCreate endpoint = %q, want POST /orders/{id}/comments", got)
	}
}
