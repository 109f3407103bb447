package roapp_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp"
	"github.com/rosync/rosync/roapp/roapptest"

	"github.com/stretchr/testify/require"
)

func TestCompanyAndStatuses(t *testing.T) {
	ctx := context.Background()
	_, c := newEmulator(t, baseSeed(), nil, nil)
	co, err := c.Company(ctx)
	require.NoError(t, err)
	if diff := cmp.Diff(rosync.Company{Currency: "UAH"}, co); diff != "" {
		t.Errorf("Company (-want +got):\n%s", diff)
	}
	st, err := c.Statuses(ctx)
	require.NoError(t, err)
	want := []rosync.ROStatus{{ID: 1, Name: "New"}, {ID: 2, Name: "In progress"}, {ID: 3, Name: "Closed"}}
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("Statuses (-want +got):\n%s", diff)
	}
}

func TestCompanyShapes(t *testing.T) {
	tests := []struct {
		name, body, want string
		wantErr          bool
	}{
		{"plain", `{"name":"Shop","currency":"UAH"}`, "UAH", false},
		{"wrapped", `{"data":{"currency":"usd"}}`, "USD", false},
		{"object", `{"currency":{"code":"EUR","symbol":"€"}}`, "EUR", false},
		{"wrapped object", `{"data":{"currency":{"code":"PLN"}}}`, "PLN", false},
		{"missing", `{"name":"Shop"}`, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := newScripted(t, nil, ok(tt.body))
			co, err := c.Company(context.Background())
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			if co.Currency != tt.want {
				t.Errorf("currency = %q, want %q", co.Currency, tt.want)
			}
		})
	}
}

func TestStatusesPagedOrBare(t *testing.T) {
	for _, body := range []string{
		`[{"id":1,"name":"New","color":"#fff","group":{"type":0,"name":"New"}}]`,
		`{"data":[{"id":"1","name":"New"}],"paging":{"page":1,"total_pages":1,"count":1,"limit":50}}`,
	} {
		_, c := newScripted(t, nil, ok(body))
		st, err := c.Statuses(context.Background())
		require.NoError(t, err)
		if diff := cmp.Diff([]rosync.ROStatus{{ID: 1, Name: "New"}}, st); diff != "" {
			t.Errorf("Statuses(%s) (-want +got):\n%s", body, diff)
		}
	}
}

func TestFindContacts(t *testing.T) { // CUS-3
	ctx := context.Background()
	_, c := newEmulator(t, baseSeed(), nil, nil)
	olena := rosync.Contact{ID: 10, FirstName: "Olena", LastName: "K", Email: "olena@example.com", Phones: []string{"+380501112233"}}
	petro := rosync.Contact{ID: 11, FirstName: "Petro", Email: "Petro@Example.com", Phones: []string{"+380671234567"}}
	tests := []struct {
		name, phone, email string
		want               []rosync.Contact
	}{
		{"by phone", "+380501112233", "", []rosync.Contact{olena}},
		{"by email, case-insensitive", "", "PETRO@example.com", []rosync.Contact{petro}},
		{"union, phone first", "+380671234567", "olena@example.com", []rosync.Contact{petro, olena}},
		{"same contact once", "+380501112233", "olena@example.com", []rosync.Contact{olena}},
		{"no match", "+380931111111", "nobody@example.com", []rosync.Contact{}},
		{"nothing asked", "", "", []rosync.Contact{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.FindContacts(ctx, tt.phone, tt.email)
			require.NoError(t, err)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("FindContacts (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFindContactsConfirmsMatches checks that the client does not trust the
// server's filter: a server that ignores phones[] and emails[] returns
// everyone, and only real matches come back.
func TestFindContactsConfirmsMatches(t *testing.T) {
	body := `{"data":[
	 {"id":1,"first_name":"A","phones":[{"title":"Mobile","phone":"050 111 22 33"}]},
	 {"id":2,"first_name":"B","phones":["+380 67 000 00 00"],"email":"b@example.com"},
	 {"id":3,"first_name":"C","phone":["+380501112233"]},
	 {"id":4,"first_name":"D","phones":[{"phone":"+380501112234"}],"email":" B@Example.COM "}
	],"paging":{"page":1,"total_pages":1,"count":4,"limit":50}}`
	_, c := newScripted(t, nil, ok(body))
	got, err := c.FindContacts(context.Background(), "+380501112233", "b@example.com")
	require.NoError(t, err)
	var ids []int64
	for _, ct := range got {
		ids = append(ids, ct.ID)
	}
	if diff := cmp.Diff([]int64{1, 3, 2, 4}, ids); diff != "" {
		t.Errorf("matched ids (-want +got):\n%s", diff)
	}
	// A stored local number is returned in E.164 (the searched number's region).
	if diff := cmp.Diff([]string{"+380501112233"}, got[0].Phones); diff != "" {
		t.Errorf("phones (-want +got):\n%s", diff)
	}
}

func TestPagination(t *testing.T) {
	ctx := context.Background()
	seed := baseSeed()
	for i := range 120 {
		seed.Contacts = append(seed.Contacts, roapptest.Contact{ID: int64(100 + i), FirstName: fmt.Sprint("Buyer ", i),
			Email: "shared@example.com", Phones: []string{}})
		seed.Products = append(seed.Products, roapptest.Product{ID: int64(100 + i), Title: fmt.Sprint("Widget ", i),
			SKU: fmt.Sprint("W-", i), UOM: "piece"})
	}

	t.Run("contacts, emails[] honoured (permissive account)", func(t *testing.T) {
		emu, c := newEmulator(t, seed, &roapptest.Options{HonourUndocumentedFilters: true}, nil)
		got, err := c.FindContacts(ctx, "", "shared@example.com")
		require.NoError(t, err)
		require.Len(t, got, 120)
		if got[0].ID != 100 || got[119].ID != 219 {
			t.Errorf("first/last id = %d/%d, want 100/219", got[0].ID, got[119].ID)
		}
		if n := emu.Calls().ByEndpoint["GET /contacts/people"]; n != 3 {
			t.Errorf("GET /contacts/people calls = %d, want 3 pages", n)
		}
	})

	t.Run("contacts, emails[] ignored (as documented: no such filter)", func(t *testing.T) {
		var logs bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&logs, nil))
		emu, c := newEmulator(t, seed, nil, &roapp.Options{Logger: logger})
		for range 2 {
			got, err := c.FindContacts(ctx, "", "shared@example.com")
			require.NoError(t, err)
			// Page 1 holds Olena and Petro: the filter was ignored, the
			// search stops there with the matches it confirmed.
			require.Len(t, got, 48, "CUS-3: the first page's matches")
		}
		if n := emu.Calls().ByEndpoint["GET /contacts/people"]; n != 2 {
			t.Errorf("GET /contacts/people calls = %d, want 1 per search, never the whole list", n)
		}
		if n := strings.Count(logs.String(), "ignores a contact search filter"); n != 1 {
			t.Errorf("warnings = %d, want 1:\n%s", n, logs.String())
		}
	})

	t.Run("products, filter ignored by the server", func(t *testing.T) {
		emu := roapptest.New(seed, nil)
		ignoring := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.URL.RawQuery = url.Values{"page": {r.URL.Query().Get("page")}}.Encode()
			emu.ServeHTTP(w, r)
		})
		srv := httptest.NewServer(ignoring)
		t.Cleanup(srv.Close)
		c := roapp.New(testKey, fastOptions(srv.URL))
		p, err := c.FindProduct(ctx, rosync.IdentifyBySKU, "W-119")
		require.NoError(t, err)
		if p.ID != 219 {
			t.Errorf("product id = %d, want 219", p.ID)
		}
		_, err = c.FindProduct(ctx, rosync.IdentifyBySKU, "W-999")
		if !errors.Is(err, rosync.ErrNotFound) {
			t.Errorf("missing product: err = %v, want ErrNotFound", err)
		}
		if n := emu.Calls().ByEndpoint["GET /catalog/products"]; n != 6 {
			t.Errorf("GET /catalog/products calls = %d, want 3 pages twice", n)
		}
	})

	t.Run("orders modified", func(t *testing.T) {
		emu, c := newEmulator(t, seed, nil, nil)
		for i := range 60 {
			_, err := c.CreateOrder(ctx, rosync.NewOrder{BranchID: 1, OrderTypeID: 1, ClientID: 10, Ref: ref(fmt.Sprint(1000 + i))})
			require.NoError(t, err)
		}
		var n int
		for o, err := range c.OrdersModified(ctx, t0.Add(-time.Hour)) {
			require.NoError(t, err)
			n++
			require.True(t, o.HasRef)
		}
		if n != 60 {
			t.Errorf("orders = %d, want 60", n)
		}
		if got := emu.Calls().ByEndpoint["GET /orders"]; got != 2 {
			t.Errorf("GET /orders calls = %d, want 2 pages", got)
		}
		for _, err := range c.OrdersModified(ctx, t0.Add(time.Hour)) {
			t.Fatalf("no order modified after now, got one (err %v)", err)
		}
	})
}

func TestContactsCreateUpdate(t *testing.T) {
	ctx := context.Background()
	emu, c := newEmulator(t, baseSeed(), nil, nil)
	id, err := c.CreateContact(ctx, rosync.Contact{FirstName: "Iryna", LastName: "S", Email: "iryna@example.com",
		Phones: []string{"+380931234567"}, Address: "Kyiv"})
	require.NoError(t, err)
	if id != 12 {
		t.Errorf("new id = %d, want 12 (after the highest seeded id)", id)
	}
	require.NoError(t, c.UpdateContact(ctx, rosync.Contact{ID: 11, FirstName: "Petro", LastName: "P",
		Email: "petro@example.com", Phones: []string{"+380671234567", "+380931112233"}}))
	want := []roapptest.Contact{
		{ID: 10, FirstName: "Olena", LastName: "K", Phones: []string{"+380501112233"}, Email: "olena@example.com"},
		{ID: 11, FirstName: "Petro", LastName: "P", Phones: []string{"+380671234567", "+380931112233"}, Email: "petro@example.com"},
		{ID: 12, FirstName: "Iryna", LastName: "S", Phones: []string{"+380931234567"}, Email: "iryna@example.com", Address: "Kyiv"},
	}
	if diff := cmp.Diff(want, emu.Snapshot().Contacts); diff != "" {
		t.Errorf("contacts (-want +got):\n%s", diff)
	}
	err = c.UpdateContact(ctx, rosync.Contact{ID: 999, FirstName: "X"})
	if !errors.Is(err, rosync.ErrNotFound) {
		t.Errorf("update of a missing contact: err = %v, want ErrNotFound", err)
	}
}

func TestContactWireFormat(t *testing.T) {
	emu := roapptest.New(baseSeed(), nil)
	rec := &recorder{next: emu}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	c := roapp.New(testKey, fastOptions(srv.URL))
	_, err := c.CreateContact(context.Background(), rosync.Contact{FirstName: "A", Phones: []string{"+380931234567"}})
	require.NoError(t, err)
	want := `{"first_name":"A","phones":[{"title":"Mobile","phone":"+380931234567"}]}`
	if got := rec.last("POST").Body; got != want {
		t.Errorf("POST body = %s, want %s", got, want)
	}
	// CUS-3: a phone that is no E.164 number goes to the documented notes,
	// never to phones.
	_, err = c.CreateContact(context.Background(), rosync.Contact{FirstName: "B", Notes: "Phone as given: 12-34"})
	require.NoError(t, err)
	want = `{"first_name":"B","notes":"Phone as given: 12-34"}`
	if got := rec.last("POST").Body; got != want {
		t.Errorf("POST body = %s, want %s", got, want)
	}
}

func TestCatalog(t *testing.T) { // PRD-2, PRD-3, PRD-4, PRD-5
	ctx := context.Background()
	emu, c := newEmulator(t, baseSeed(), nil, nil)
	px := rosync.ROProduct{ID: 20, Title: "Phone X", SKU: "PX-1", Code: "1001", CategoryID: 6, UOM: "piece"}
	for _, tt := range []struct {
		by    rosync.IdentifyBy
		value string
	}{{rosync.IdentifyByName, "Phone X"}, {rosync.IdentifyBySKU, " PX-1 "}, {rosync.IdentifyByID, "1001"}} {
		got, err := c.FindProduct(ctx, tt.by, tt.value)
		require.NoError(t, err, "FindProduct(%s, %q)", tt.by, tt.value)
		if diff := cmp.Diff(px, got); diff != "" {
			t.Errorf("FindProduct(%s) (-want +got):\n%s", tt.by, diff)
		}
	}
	if _, err := c.FindProduct(ctx, rosync.IdentifyBySKU, "px-1"); !errors.Is(err, rosync.ErrNotFound) {
		t.Errorf("SKU differing in case: err = %v, want ErrNotFound", err)
	}

	cat, err := c.FindCategory(ctx, "  phones ", 5)
	require.NoError(t, err)
	if diff := cmp.Diff(rosync.ROCategory{ID: 6, Title: "Phones", ParentID: 5}, cat); diff != "" {
		t.Errorf("FindCategory (-want +got):\n%s", diff)
	}
	if _, err := c.FindCategory(ctx, "Phones", 0); !errors.Is(err, rosync.ErrNotFound) {
		t.Errorf("Phones at top level: err = %v, want ErrNotFound", err)
	}
	top, err := c.CreateCategory(ctx, rosync.ROCategory{Title: "Audio"})
	require.NoError(t, err)
	sub, err := c.CreateCategory(ctx, rosync.ROCategory{Title: "Headphones", ParentID: top})
	require.NoError(t, err)
	pid, err := c.CreateProduct(ctx, rosync.ROProduct{Title: "Buds", Description: "Wireless", SKU: "BD-1", Code: "77", CategoryID: sub})
	require.NoError(t, err)
	got, err := c.FindProduct(ctx, rosync.IdentifyByID, "77")
	require.NoError(t, err)
	want := rosync.ROProduct{ID: pid, Title: "Buds", Description: "Wireless", SKU: "BD-1", Code: "77", CategoryID: sub, UOM: rosync.UOMPiece}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("created product (-want +got):\n%s", diff)
	}
	snap := emu.Snapshot()
	wantCats := []roapptest.Category{{ID: 5, Title: "Electronics"}, {ID: 6, Title: "Phones", ParentID: id(5)},
		{ID: 7, Title: "Audio"}, {ID: 8, Title: "Headphones", ParentID: id(7)}}
	if diff := cmp.Diff(wantCats, snap.Categories); diff != "" {
		t.Errorf("categories (-want +got):\n%s", diff)
	}
}

func TestProductShapes(t *testing.T) {
	_, c := newScripted(t, nil, ok(`[{"id":"5","title":"T","sku":"S","code":7,"category":{"id":3},"uom":"piece"}]`))
	got, err := c.FindProduct(context.Background(), rosync.IdentifyByID, "7")
	require.NoError(t, err)
	if diff := cmp.Diff(rosync.ROProduct{ID: 5, Title: "T", SKU: "S", Code: "7", CategoryID: 3, UOM: "piece"}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestOrders(t *testing.T) {
	ctx := context.Background()
	emu, c := newEmulator(t, baseSeed(), nil, nil)
	r := ref("1001")
	oid, err := c.CreateOrder(ctx, rosync.NewOrder{BranchID: 1, OrderTypeID: 2, ClientID: 10, Ref: r})
	require.NoError(t, err)

	t.Run("Order", func(t *testing.T) {
		got, err := c.Order(ctx, oid)
		require.NoError(t, err)
		want := rosync.ROOrder{ID: oid, ClientID: 10, StatusID: 2 /* SHO-3: Pre-order starts In progress */, Ref: r,
			HasRef: true, Items: []rosync.ROItem{}, Modified: t0}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Order (-want +got):\n%s", diff)
		}
	})

	t.Run("FindOrder", func(t *testing.T) {
		tests := []struct {
			name    string
			lookup  rosync.OrderLookup
			wantErr error
		}{
			{"by ref", rosync.OrderLookup{Ref: r}, nil},
			{"with client and since", rosync.OrderLookup{Ref: r, ClientID: 10, Since: t0}, nil},
			{"created a few minutes before the intent (clock skew)", rosync.OrderLookup{Ref: r, Since: t0.Add(5 * time.Minute)}, nil},
			{"other client", rosync.OrderLookup{Ref: r, ClientID: 11}, rosync.ErrNotFound},
			{"created long before", rosync.OrderLookup{Ref: r, Since: t0.Add(time.Hour)}, rosync.ErrNotFound},
			{"other ref", rosync.OrderLookup{Ref: ref("1002")}, rosync.ErrNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := c.FindOrder(ctx, tt.lookup)
				if tt.wantErr != nil {
					if !errors.Is(err, tt.wantErr) {
						t.Fatalf("err = %v, want %v", err, tt.wantErr)
					}
					return
				}
				require.NoError(t, err)
				if got.ID != oid || got.Ref.Key() != r.Key() || got.Items == nil {
					t.Errorf("FindOrder = %+v, want order %d with ref %s and items", got, oid, r.Key())
				}
			})
		}
	})

	t.Run("items", func(t *testing.T) {
		i1, err := c.AddItem(ctx, oid, rosync.ROItem{ProductID: 20, Quantity: 2, AssigneeID: 1, Price: decimal.RequireFromString("499.50")})
		require.NoError(t, err)
		i2, err := c.AddItem(ctx, oid, rosync.ROItem{ProductID: 21, Quantity: 1, AssigneeID: 1, Price: decimal.RequireFromString("10")})
		require.NoError(t, err)
		i3, err := c.AddItem(ctx, oid, rosync.ROItem{ProductID: 21, Quantity: 5, AssigneeID: 1, Price: decimal.RequireFromString("0.1")})
		require.NoError(t, err)
		require.NoError(t, c.UpdateItem(ctx, oid, rosync.ROItem{ID: i2, ProductID: 21, Quantity: 3, Price: decimal.RequireFromString("9.99")}))
		require.NoError(t, c.DeleteItem(ctx, oid, i3))
		if err := c.DeleteItem(ctx, oid, i3); !errors.Is(err, rosync.ErrNotFound) {
			t.Errorf("second delete: err = %v, want ErrNotFound", err)
		}
		got, err := c.Order(ctx, oid)
		require.NoError(t, err)
		want := []rosync.ROItem{
			{ID: i1, ProductID: 20, Quantity: 2, Price: decimal.RequireFromString("499.5"), AssigneeID: 1},
			{ID: i2, ProductID: 21, Quantity: 3, Price: decimal.RequireFromString("9.99"), AssigneeID: 1},
		}
		if diff := cmp.Diff(want, got.Items, cmp.Comparer(decimal.Decimal.Equal)); diff != "" {
			t.Errorf("items (-want +got):\n%s", diff)
		}
		if got.Deducted() {
			t.Error("order deducted before Deduct")
		}
		require.NoError(t, emu.Deduct(oid))
		got, err = c.Order(ctx, oid)
		require.NoError(t, err)
		require.False(t, got.Deducted(), "no deduction field by default: nothing read from the items")
		// ORD-5: a refused write to a written-off item is the signal.
		err = c.UpdateItem(ctx, oid, rosync.ROItem{ID: i1, Quantity: 1, Price: decimal.NewFromInt(1)})
		require.ErrorIs(t, err, rosync.ErrItemLocked, "ORD-5: PATCH of a written-off item")
		var perm *rosync.PermissionError
		require.False(t, errors.As(err, &perm), "ORD-5 is not the ORD-2 permission error")
		require.ErrorIs(t, c.DeleteItem(ctx, oid, i2), rosync.ErrItemLocked, "ORD-5: DELETE of a written-off item")
	})

	t.Run("comments", func(t *testing.T) { // DEL-1
		require.NoError(t, c.AddComment(ctx, oid, "Delivery: Nova Poshta\nFee: 70.00"))
		require.NoError(t, c.AddComment(ctx, oid, "Delivery: Ukrposhta\nFee: 50.00"))
		got, err := c.Comments(ctx, oid)
		require.NoError(t, err)
		want := []string{"Delivery: Nova Poshta\nFee: 70.00", "Delivery: Ukrposhta\nFee: 50.00"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Comments (-want +got):\n%s", diff)
		}
	})

	t.Run("status", func(t *testing.T) {
		require.NoError(t, c.SetStatus(ctx, oid, 3))
		got, err := c.Order(ctx, oid)
		require.NoError(t, err)
		if got.StatusID != 3 {
			t.Errorf("status = %d, want 3", got.StatusID)
		}
		var api *rosync.APIError
		if err := c.SetStatus(ctx, oid, 99); !errors.As(err, &api) || api.Status != 422 || rosync.Retryable(err) {
			t.Errorf("unknown status: err = %v, want a permanent 422 APIError", err)
		}
	})

	t.Run("missing order", func(t *testing.T) {
		if _, err := c.Order(ctx, 999); !errors.Is(err, rosync.ErrNotFound) {
			t.Errorf("err = %v, want ErrNotFound", err)
		}
	})
}

func TestOrderWireFormat(t *testing.T) {
	ctx := context.Background()
	seed := baseSeed()
	seed.Locations = []roapptest.Location{{ID: 7, Name: "Second shop"}} // the emulator refuses an unknown branch_id
	emu := roapptest.New(seed, &roapptest.Options{Now: func() time.Time { return t0 }})
	rec := &recorder{next: emu}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	o := fastOptions(srv.URL)
	o.ExternalRefField = "f5294178"
	c := roapp.New(testKey, o)
	r := ref("1001")
	oid, err := c.CreateOrder(ctx, rosync.NewOrder{BranchID: 7, OrderTypeID: 1, ClientID: 10, Ref: r})
	require.NoError(t, err)
	wantBody := fmt.Sprintf(`{"branch_id":7,"order_type_id":1,"client_id":10,"manager_notes":%q,"custom_fields":{"f5294178":%q}}`,
		r.Notes(), r.Key())
	if got := rec.last("POST").Body; got != wantBody {
		t.Errorf("POST /orders body\n got %s\nwant %s", got, wantBody)
	}

	_, err = c.AddItem(ctx, oid, rosync.ROItem{ProductID: 20, Quantity: 1, AssigneeID: 5,
		Price: decimal.RequireFromString("0.1").Add(decimal.RequireFromString("0.2")), Discount: decimal.RequireFromString("0.01")})
	require.NoError(t, err)
	// Every field create-order-item marks required, with exact JSON numbers;
	// the discount is a value for the whole item (ORD-3).
	if got, want := rec.last("POST").Body, `{"entity_id":20,"assignee_id":5,"quantity":1,"price":0.3,"cost":0,`+
		`"discount":{"type":"value","percentage":0,"amount":0.01,"sponsor":"company"},"warranty":{"period":"0","periodUnits":"days"}}`; got != want {
		t.Errorf("POST items body = %s, want %s (an exact JSON number)", got, want)
	}

	_, err = c.FindOrder(ctx, rosync.OrderLookup{Ref: r, ClientID: 10, Since: t0.Add(123 * time.Millisecond)})
	require.NoError(t, err)
	var q url.Values
	for _, rq := range rec.reqs {
		if rq.Method == "GET" && rq.Path == "/orders" {
			q, _ = url.ParseQuery(rq.Query)
		}
	}
	wantQ := url.Values{"clients_ids[]": {"10"}, "created_at[]": {"2026-11-27T11:45:00Z"} /* since less FindOrderSkew, no fractions */, "page": {"1"}}
	if diff := cmp.Diff(wantQ, q); diff != "" {
		t.Errorf("GET /orders query (-want +got):\n%s", diff)
	}
}

// TestFindOrderByCustomField finds an order whose notes were edited away but
// whose custom field still carries the reference.
func TestFindOrderByCustomField(t *testing.T) {
	r := ref("1001")
	body := fmt.Sprintf(`{"data":[{"id":1,"manager_notes":"edited","custom_fields":{"f1":"x"}},
	 {"id":2,"status_id":4,"client_id":10,"manager_notes":"","custom_fields":[{"id":5294178,"value":%q}],"modified_at":"2026-11-27T12:00:00.123Z"}],
	 "paging":{"page":1,"total_pages":1,"count":2,"limit":50}}`, r.Key())
	o := &roapp.Options{ExternalRefField: "f5294178"}
	_, c := newScripted(t, o, ok(body), ok(`[]`))
	got, err := c.FindOrder(context.Background(), rosync.OrderLookup{Ref: r})
	require.NoError(t, err)
	want := rosync.ROOrder{ID: 2, ClientID: 10, StatusID: 4, HasRef: true,
		Ref:      rosync.ExternalRef{Platform: r.Platform, Shop: r.Shop, OrderID: r.OrderID},
		Items:    []rosync.ROItem{},
		Modified: time.Date(2026, 11, 27, 12, 0, 0, 123e6, time.UTC)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestItemShapes(t *testing.T) {
	items := `[{"id":1,"entity_id":20,"quantity":2,"price":"12.50","deducted":true},
	 {"id":2,"entity":{"id":21,"title":"Cable"},"quantity":"1","price":0.30000000000000004},
	 {"id":3,"entity_id":22,"quantity":1.0,"price":null,"deducted":0}]`
	order := `{"data":{"id":9,"status":{"id":1,"name":"New"},"client":{"id":10}}}`
	// By default no item field is read as deduction: no public source
	// shows one (ORD-5 then rests on the status group and ErrItemLocked).
	_, plain := newScripted(t, nil, ok(order), ok(items))
	got, err := plain.Order(context.Background(), 9)
	require.NoError(t, err)
	require.False(t, got.Deducted(), "ORD-5: no deduction field configured, none read")
	_, c := newScripted(t, &roapp.Options{DeductionFields: []string{"written_off", "deducted"}}, ok(order), ok(items))
	got, err = c.Order(context.Background(), 9)
	require.NoError(t, err)
	want := []rosync.ROItem{
		{ID: 1, ProductID: 20, Quantity: 2, Price: decimal.RequireFromString("12.5"), Deducted: true},
		{ID: 2, ProductID: 21, Quantity: 1, Price: decimal.RequireFromString("0.30000000000000004")},
		{ID: 3, ProductID: 22, Quantity: 1, Price: decimal.Zero},
	}
	if diff := cmp.Diff(want, got.Items, cmp.Comparer(decimal.Decimal.Equal)); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	if got.ClientID != 10 || got.StatusID != 1 {
		t.Errorf("order = %+v", got)
	}
}

func TestCreateResponseForms(t *testing.T) {
	tests := []struct {
		name, body string
		want       int64
	}{
		{"id", `{"id":42}`, 42},
		{"data id", `{"data":{"id":42}}`, 42},
		{"bare number", `42`, 42},
		{"string id", `{"id":"42"}`, 42},
		{"data number", `{"data":42}`, 42},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := newScripted(t, nil, answer{status: 201, body: tt.body})
			got, err := c.CreateContact(context.Background(), rosync.Contact{FirstName: "A"})
			require.NoError(t, err)
			if got != tt.want {
				t.Errorf("id = %d, want %d", got, tt.want)
			}
		})
	}
	t.Run("no id is ambiguous", func(t *testing.T) {
		s, c := newScripted(t, nil, answer{status: 201, body: `{"success":true}`})
		_, err := c.CreateOrder(context.Background(), rosync.NewOrder{})
		var amb *rosync.AmbiguousError
		if !errors.As(err, &amb) {
			t.Errorf("err = %v, want AmbiguousError (the order may exist)", err)
		}
		if s.count() != 1 {
			t.Errorf("requests = %d, want 1", s.count())
		}
	})
}

func TestEmulatorPrefixes(t *testing.T) {
	emu := roapptest.New(baseSeed(), nil)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	for _, base := range []string{srv.URL, srv.URL + "/v2", srv.URL + "/v2/"} {
		c := roapp.New(testKey, fastOptions(base))
		co, err := c.Company(context.Background())
		require.NoError(t, err, base)
		if co.Currency != "UAH" {
			t.Errorf("%s: currency %q", base, co.Currency)
		}
	}
	if strings.Contains(fmt.Sprint(emu.Calls().ByEndpoint), "unmatched") {
		t.Errorf("calls = %v", emu.Calls().ByEndpoint)
	}
}
