package roapptest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"golang.org/x/time/rate"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp"
	"github.com/rosync/rosync/roapp/roapptest"

	"github.com/stretchr/testify/require"
)

const key = "emu-key"

var t0 = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func ptr(v int64) *int64 { return &v }

func seed() roapptest.Seed {
	return roapptest.Seed{
		Currency:   "UAH",
		Rights:     []string{roapptest.RightAddWithoutDeduction},
		Contacts:   []roapptest.Contact{{ID: 3, FirstName: "Olena", Phones: []string{"+380501112233"}}},
		Categories: []roapptest.Category{{ID: 4, Title: "Phones"}},
		Products:   []roapptest.Product{{ID: 7, Title: "Phone X", SKU: "PX", Code: "1", CategoryID: ptr(4), UOM: "piece"}},
		Statuses: []roapptest.Status{{ID: 1, Name: "New", Group: roapptest.GroupNew},
			{ID: 2, Name: "Awaiting payment", Group: roapptest.GroupDeferred},
			{ID: 3, Name: "Closed", Group: roapptest.GroupClosedSuccessfully}},
		OrderTypes: []roapptest.OrderType{
			{ID: 1, Name: "Online store", InitialStatusID: 1},
			{ID: 2, Name: "Prepaid", InitialStatusID: 2},
		},
	}
}

func start(t *testing.T, opts *roapptest.Options) (*roapptest.Emulator, *roapp.Client, string) {
	t.Helper()
	if opts == nil {
		opts = &roapptest.Options{}
	}
	opts.APIKey = key
	opts.Now = func() time.Time { return t0 }
	emu := roapptest.New(seed(), opts)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	c := roapp.New(key, &roapp.Options{BaseURL: srv.URL + "/v2", Limiter: rate.NewLimiter(rate.Inf, 1),
		RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond})
	return emu, c, srv.URL
}

func ref(n string) rosync.ExternalRef {
	return rosync.ExternalRef{Platform: "woocommerce", Shop: "s", OrderID: "o" + n, Number: n,
		CreatedAt: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)}
}

func TestSnapshot(t *testing.T) {
	ctx := context.Background()
	emu, c, _ := start(t, nil)
	cid, err := c.CreateContact(ctx, rosync.Contact{FirstName: "Iryna", Email: "i@example.com", Phones: []string{"+380931234567"}})
	require.NoError(t, err)
	catID, err := c.CreateCategory(ctx, rosync.ROCategory{Title: "Smartphones", ParentID: 4})
	require.NoError(t, err)
	pid, err := c.CreateProduct(ctx, rosync.ROProduct{Title: "Phone Y", SKU: "PY", Code: "2", CategoryID: catID})
	require.NoError(t, err)
	oid, err := c.CreateOrder(ctx, rosync.NewOrder{BranchID: 1, OrderTypeID: 1, ClientID: cid, Ref: ref("1001")})
	require.NoError(t, err)
	_, err = c.AddItem(ctx, oid, rosync.ROItem{ProductID: pid, Quantity: 2, AssigneeID: 1, Price: decimal.RequireFromString("10.5")})
	require.NoError(t, err)
	_, err = c.AddItem(ctx, oid, rosync.ROItem{ProductID: 7, Quantity: 1, AssigneeID: 1, Price: decimal.RequireFromString("100")})
	require.NoError(t, err)
	require.NoError(t, c.AddComment(ctx, oid, "Delivery: Nova Poshta"))
	require.NoError(t, emu.Deduct(oid))

	want := roapptest.Snapshot{
		Contacts: []roapptest.Contact{
			{ID: 3, FirstName: "Olena", Phones: []string{"+380501112233"}},
			{ID: 4, FirstName: "Iryna", Email: "i@example.com", Phones: []string{"+380931234567"}},
		},
		Categories: []roapptest.Category{{ID: 4, Title: "Phones"}, {ID: 5, Title: "Smartphones", ParentID: ptr(4)}},
		Products: []roapptest.Product{
			{ID: 7, Title: "Phone X", SKU: "PX", Code: "1", CategoryID: ptr(4), UOM: "piece"},
			{ID: 8, Title: "Phone Y", SKU: "PY", Code: "2", CategoryID: ptr(5), UOM: "piece"},
		},
		Orders: []roapptest.Order{{
			ID: 1, Platform: "woocommerce", PlatformOrderID: "o1001", PlatformNumber: "1001",
			PlatformCreatedAt: "2026-11-01T08:00:00Z", ClientID: 4, OrderTypeID: 1, Status: "New",
			Items: []roapptest.Item{
				{ProductID: 8, Quantity: 2, Price: "10.50", Discount: "0.00", Deducted: true},
				{ProductID: 7, Quantity: 1, Price: "100.00", Discount: "0.00", Deducted: true},
			},
			Comments: []string{"Delivery: Nova Poshta"},
		}},
		PlatformStatusUpdates: []roapptest.StatusUpdate{},
		Rejected:              []roapptest.Rejected{},
		Failed:                []roapptest.Failed{},
		APICalls: roapptest.APICalls{Total: 8, ByEndpoint: map[string]int{
			"GET /catalogs/uoms": 1, "POST /contacts/people": 1, "POST /catalog/products/categories": 1, "POST /catalog/products": 1,
			"POST /orders": 1, "POST /orders/{id}/items": 2, "POST /orders/{id}/comments": 1,
		}},
	}
	if diff := cmp.Diff(want, emu.Snapshot()); diff != "" {
		t.Errorf("Snapshot (-want +got):\n%s", diff)
	}
}

func TestSnapshotJSON(t *testing.T) {
	b, err := json.Marshal(roapptest.Snapshot{Orders: []roapptest.Order{{ID: 1}}})
	require.NoError(t, err)
	want := `{"contacts":[],"categories":[],"products":[],"orders":[{"id":1,"platform":"","platform_order_id":"",` +
		`"platform_number":"","platform_created_at":"","client_id":0,"order_type_id":0,"status":"","items":[],"comments":[]}],` +
		`"platform_status_updates":[],"rejected":[],"failed":[],"api_calls":{"total":0,"by_endpoint":{}}}`
	if string(b) != want {
		t.Errorf("JSON\n got %s\nwant %s", b, want)
	}
	b, err = json.Marshal(roapptest.New(roapptest.Seed{
		Categories: []roapptest.Category{{ID: 1, Title: "Top"}},
		Products:   []roapptest.Product{{ID: 1, Title: "P", UOM: "piece"}},
	}, nil).Snapshot())
	require.NoError(t, err)
	for _, s := range []string{`{"id":1,"title":"Top","parent_id":null}`, `"category_id":null`} {
		if !strings.Contains(string(b), s) {
			t.Errorf("JSON %s lacks %s", b, s)
		}
	}
}

func TestOrderStatusFromType(t *testing.T) { // SHO-3
	ctx := context.Background()
	emu, c, _ := start(t, nil)
	oid, err := c.CreateOrder(ctx, rosync.NewOrder{BranchID: 1, OrderTypeID: 2, ClientID: 3, Ref: ref("1")})
	require.NoError(t, err)
	if got := emu.Snapshot().Orders[0].Status; got != "Awaiting payment" {
		t.Errorf("status = %q, want the Prepaid type's initial status", got)
	}
	o, err := c.Order(ctx, oid)
	require.NoError(t, err)
	if o.StatusID != 2 {
		t.Errorf("status id = %d, want 2", o.StatusID)
	}
}

func TestCreateOrderValidation(t *testing.T) {
	ctx := context.Background()
	_, c, _ := start(t, nil)
	for _, o := range []rosync.NewOrder{
		{BranchID: 0, OrderTypeID: 1, ClientID: 3},
		{BranchID: 2, OrderTypeID: 1, ClientID: 3}, // no such location: the seed has DefaultLocation only
		{BranchID: 1, OrderTypeID: 9, ClientID: 3},
		{BranchID: 1, OrderTypeID: 1, ClientID: 99},
	} {
		_, err := c.CreateOrder(ctx, o)
		var api *rosync.APIError
		if !errors.As(err, &api) || api.Status != 422 || rosync.Retryable(err) {
			t.Errorf("CreateOrder(%+v): err = %v, want a permanent 422", o, err)
		}
	}
}

func TestDeduct(t *testing.T) { // ORD-5
	ctx := context.Background()
	emu, c, _ := start(t, nil)
	oid, err := c.CreateOrder(ctx, rosync.NewOrder{BranchID: 1, OrderTypeID: 1, ClientID: 3, Ref: ref("1")})
	require.NoError(t, err)
	iid, err := c.AddItem(ctx, oid, rosync.ROItem{ProductID: 7, Quantity: 1, AssigneeID: 1, Price: decimal.NewFromInt(5)})
	require.NoError(t, err)

	require.NoError(t, emu.Deduct(oid))
	require.True(t, emu.Snapshot().Orders[0].Items[0].Deducted, "ORD-5: Deduct writes the items off")
	var api *rosync.APIError
	err = c.UpdateItem(ctx, oid, rosync.ROItem{ID: iid, Quantity: 2, Price: decimal.NewFromInt(5)})
	if !errors.As(err, &api) || api.Status != 422 || !errors.Is(err, rosync.ErrItemLocked) {
		t.Errorf("ORD-5: changing a deducted item: err = %v, want a 422 wrapping ErrItemLocked", err)
	}
	if err := emu.Deduct(999); !errors.Is(err, rosync.ErrNotFound) {
		t.Errorf("Deduct(999) = %v, want ErrNotFound", err)
	}
}

func TestDeductBumpsModified(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	now := t0
	emu := roapptest.New(seed(), &roapptest.Options{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	c := roapp.New("", &roapp.Options{BaseURL: srv.URL, Limiter: rate.NewLimiter(rate.Inf, 1)})
	oid, err := c.CreateOrder(ctx, rosync.NewOrder{BranchID: 1, OrderTypeID: 1, ClientID: 3, Ref: ref("1")})
	require.NoError(t, err)
	mu.Lock()
	now = t0.Add(time.Hour)
	mu.Unlock()
	require.NoError(t, emu.Deduct(oid))
	var got []int64
	for o, err := range c.OrdersModified(ctx, t0.Add(time.Minute)) {
		require.NoError(t, err)
		got = append(got, o.ID)
		if !o.Modified.Equal(t0.Add(time.Hour)) {
			t.Errorf("modified = %v", o.Modified)
		}
	}
	if diff := cmp.Diff([]int64{oid}, got); diff != "" {
		t.Errorf("modified orders (-want +got):\n%s", diff)
	}
}

func TestRights(t *testing.T) { // ORD-2
	ctx := context.Background()
	emu, c, _ := start(t, nil)
	oid, err := c.CreateOrder(ctx, rosync.NewOrder{BranchID: 1, OrderTypeID: 1, ClientID: 3, Ref: ref("1")})
	require.NoError(t, err)
	emu.Revoke(roapptest.RightAddWithoutDeduction)
	_, err = c.AddItem(ctx, oid, rosync.ROItem{ProductID: 7, Quantity: 1, AssigneeID: 1, Price: decimal.NewFromInt(5)})
	var perm *rosync.PermissionError
	if !errors.As(err, &perm) || perm.Right != rosync.RightAddWithoutDeduction || rosync.Retryable(err) {
		t.Fatalf("err = %v, want a permanent PermissionError naming the right (ORD-2)", err)
	}
	emu.Grant(roapptest.RightAddWithoutDeduction)
	_, err = c.AddItem(ctx, oid, rosync.ROItem{ProductID: 7, Quantity: 1, AssigneeID: 1, Price: decimal.NewFromInt(5)})
	require.NoError(t, err)
}

func TestAuthAndPrefix(t *testing.T) {
	_, _, url := start(t, nil)
	tests := []struct {
		path, auth string
		want       int
	}{
		{"/v2/company", "Bearer " + key, 200},
		{"/company", "Bearer " + key, 200},
		{"/v2/company", "Bearer wrong", 401},
		{"/v2/company", "", 401},
		{"/v2/nowhere", "Bearer " + key, 404},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(http.MethodGet, url+tt.path, nil)
		if tt.auth != "" {
			req.Header.Set("Authorization", tt.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("GET %s (%q) = %d, want %d", tt.path, tt.auth, resp.StatusCode, tt.want)
		}
	}
}

func TestRateLimit(t *testing.T) {
	emu := roapptest.New(seed(), &roapptest.Options{RequestsPerSecond: 1e-9, Burst: 2, RetryAfter: 1500 * time.Millisecond})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	var codes []int
	var retryAfter string
	for range 4 {
		resp, err := http.Get(srv.URL + "/orders/statuses")
		require.NoError(t, err)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
		if resp.StatusCode == 429 {
			retryAfter = resp.Header.Get("Retry-After")
		}
	}
	if diff := cmp.Diff([]int{200, 200, 429, 429}, codes); diff != "" {
		t.Errorf("codes (-want +got):\n%s", diff)
	}
	if retryAfter != "2" {
		t.Errorf("Retry-After = %q, want 2", retryAfter)
	}
	calls := emu.Calls()
	if calls.Total != 2 || calls.RateLimited != 2 || calls.ByEndpoint["GET /orders/statuses"] != 2 {
		t.Errorf("calls = %+v", calls)
	}
}

func TestIntercept(t *testing.T) {
	var seen []string
	var mu sync.Mutex
	emu := roapptest.New(seed(), &roapptest.Options{Intercept: func(ep string, w http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		seen = append(seen, ep)
		mu.Unlock()
		if ep == "GET /orders/{id}/items" {
			http.Error(w, "fault", http.StatusBadGateway)
			return true
		}
		return false
	}})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	for _, p := range []string{"/v2/orders/5/items", "/orders/statuses"} {
		resp, err := http.Get(srv.URL + p)
		require.NoError(t, err)
		resp.Body.Close()
	}
	if diff := cmp.Diff([]string{"GET /orders/{id}/items", "GET /orders/statuses"}, seen); diff != "" {
		t.Errorf("endpoints (-want +got):\n%s", diff)
	}
	if got := emu.Calls().ByEndpoint["GET /orders/{id}/items"]; got != 1 {
		t.Errorf("intercepted calls counted %d, want 1", got)
	}
}

func TestOrderIDByNumber(t *testing.T) {
	ctx := context.Background()
	emu, c, _ := start(t, nil)
	var ids []int64
	for _, n := range []string{"1001", "1002"} {
		id, err := c.CreateOrder(ctx, rosync.NewOrder{BranchID: 1, OrderTypeID: 1, ClientID: 3, Ref: ref(n)})
		require.NoError(t, err)
		ids = append(ids, id)
	}
	if got, ok := emu.OrderIDByNumber("1002"); !ok || got != ids[1] {
		t.Errorf("OrderIDByNumber(1002) = %d, %v; want %d", got, ok, ids[1])
	}
	if _, ok := emu.OrderIDByNumber("9"); ok {
		t.Error("OrderIDByNumber(9) found an order")
	}
	if err := emu.SetStatus(ctx, ids[0], "Closed"); err != nil {
		t.Fatal(err)
	}
	if err := emu.SetStatus(ctx, ids[0], "No such"); !errors.Is(err, rosync.ErrNotFound) {
		t.Errorf("unknown status: %v", err)
	}
	if got := emu.Snapshot().Orders[0].Status; got != "Closed" {
		t.Errorf("status = %q", got)
	}
}

func TestConcurrentUse(t *testing.T) {
	ctx := context.Background()
	emu, c, _ := start(t, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Go(func() {
			oid, err := c.CreateOrder(ctx, rosync.NewOrder{BranchID: 1, OrderTypeID: 1, ClientID: 3, Ref: ref(fmt.Sprint(i))})
			if err == nil {
				_, err = c.AddItem(ctx, oid, rosync.ROItem{ProductID: 7, Quantity: 1, AssigneeID: 1, Price: decimal.NewFromInt(1)})
			}
			if err == nil {
				_ = emu.Snapshot()
				err = emu.Deduct(oid)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	s := emu.Snapshot()
	if len(s.Orders) != 20 || s.APICalls.ByEndpoint["POST /orders/{id}/items"] != 20 {
		t.Errorf("orders %d, calls %v", len(s.Orders), s.APICalls)
	}
}
