package roapptest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"golang.org/x/time/rate"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp"
	"github.com/rosync/rosync/roapp/roapptest"

	"github.com/stretchr/testify/require"
)

// send makes one raw request to the emulator and returns the status and
// the decoded body.
func send(t *testing.T, base, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(data, &m)
	return resp.StatusCode, m
}

// validationField returns the one field a 422 answer names.
func validationField(m map[string]any) string {
	v, _ := m["validation"].(map[string]any)
	for k := range v {
		return k
	}
	return ""
}

const goodItem = `{"entity_id":7,"assignee_id":1,"quantity":1,"price":5,"cost":0,` +
	`"discount":{"type":"value","percentage":0,"amount":0,"sponsor":"company"},"warranty":{"period":"0","periodUnits":"days"}}`

// TestItemRequiredFields: POST /orders/{id}/items refuses a body without
// any field create-order-item marks required, naming it; PATCH takes any
// subset.
func TestItemRequiredFields(t *testing.T) {
	ctx := context.Background()
	_, c, base := start(t, nil)
	oid, err := c.CreateOrder(ctx, rosync.NewOrder{BranchID: 1, OrderTypeID: 1, ClientID: 3, Ref: ref("1")})
	require.NoError(t, err)
	path := "/v2/orders/" + jsonInt(oid) + "/items"
	drop := func(field string) string {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(goodItem), &m))
		parts := strings.SplitN(field, ".", 2)
		if len(parts) == 2 {
			delete(m[parts[0]].(map[string]any), parts[1])
		} else {
			delete(m, field)
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	for _, field := range []string{"entity_id", "assignee_id", "quantity", "price", "cost", "discount", "warranty",
		"discount.type", "discount.percentage", "discount.amount", "discount.sponsor", "warranty.period", "warranty.periodUnits"} {
		t.Run("without "+field, func(t *testing.T) {
			status, m := send(t, base, "POST", path, drop(field))
			require.Equal(t, 422, status, "%s missing: %v", field, m)
			require.Equal(t, field, validationField(m))
		})
	}
	t.Run("unknown assignee", func(t *testing.T) {
		status, m := send(t, base, "POST", path, strings.Replace(goodItem, `"assignee_id":1`, `"assignee_id":42`, 1))
		require.Equal(t, 422, status)
		require.Equal(t, "assignee_id", validationField(m))
	})
	status, m := send(t, base, "POST", path, goodItem)
	require.Equal(t, 201, status, "%v", m)
	item := path + "/" + jsonInt(int64(m["id"].(float64)))
	status, m = send(t, base, "PATCH", item, `{"quantity":3}`)
	require.Equal(t, 200, status, "PATCH: every field optional: %v", m)
	status, _ = send(t, base, "PATCH", item, `{"entity_id":7}`)
	require.Equal(t, 422, status, "PATCH cannot change the product")
}

func jsonInt(v int64) string { b, _ := json.Marshal(v); return string(b) }

func TestPersonStrict(t *testing.T) {
	_, _, base := start(t, nil)
	for _, tt := range []struct{ name, body, field string }{
		{"no first_name", `{"last_name":"K"}`, "first_name"},
		{"phones as strings", `{"first_name":"O","phones":["+380501112233"]}`, "phones"},
		{"phone object without phone", `{"first_name":"O","phones":[{"title":"Mobile"}]}`, "phones.phone"},
	} {
		status, m := send(t, base, "POST", "/v2/contacts/people", tt.body)
		require.Equal(t, 422, status, tt.name)
		require.Equal(t, tt.field, validationField(m), tt.name)
	}
	status, _ := send(t, base, "POST", "/v2/contacts/people", `{"first_name":"O","phones":[{"title":"Mobile","phone":"+380501112234","notify":true}]}`)
	require.Equal(t, 201, status)
}

// TestUndocumentedFilters: a filter no public document shows is ignored
// (the whole list comes back), unless the account is permissive.
func TestUndocumentedFilters(t *testing.T) {
	s := seed()
	s.Contacts = append(s.Contacts, roapptest.Contact{ID: 4, FirstName: "Petro", Email: "p@example.com", Phones: []string{"0671234567"}})
	s.Products = append(s.Products, roapptest.Product{ID: 8, Title: "Case", SKU: "CS", UOM: "piece"})
	count := func(base, path string) int {
		_, m := send(t, base, "GET", path, "")
		return len(m["data"].([]any))
	}
	for _, permissive := range []bool{false, true} {
		emu := roapptest.New(s, &roapptest.Options{APIKey: key, HonourUndocumentedFilters: permissive})
		srv := httptest.NewServer(emu)
		defer srv.Close()
		want := 2
		if permissive {
			want = 1
		}
		require.Equal(t, want, count(srv.URL, "/v2/contacts/people?emails[]=p@example.com"), "emails[], permissive=%v", permissive)
		require.Equal(t, want, count(srv.URL, "/v2/catalog/products?skus[]=CS"), "skus[], permissive=%v", permissive)
		require.Equal(t, want, count(srv.URL, "/v2/catalog/products?titles[]=Case"), "titles[], permissive=%v", permissive)
		// Documented filters are always honoured.
		require.Equal(t, 1, count(srv.URL, "/v2/contacts/people?phones[]=0671234567"))
		require.Equal(t, 1, count(srv.URL, "/v2/contacts/people?names[]=Petro"))
	}
}

// TestPhoneForms: the client finds a contact stored in the national form
// when it searches for the E.164 number (CUS-3).
func TestPhoneForms(t *testing.T) {
	s := seed()
	s.Contacts = append(s.Contacts, roapptest.Contact{ID: 4, FirstName: "Petro", Phones: []string{"067 123 45 67"}})
	emu2 := roapptest.New(s, &roapptest.Options{APIKey: key})
	srv := httptest.NewServer(emu2)
	t.Cleanup(srv.Close)
	c := roapp.New(key, &roapp.Options{BaseURL: srv.URL + "/v2", Limiter: rate.NewLimiter(rate.Inf, 1)})
	got, err := c.FindContacts(context.Background(), "+380671234567", "")
	require.NoError(t, err)
	require.Len(t, got, 1, "CUS-3: a number stored in the national form is found")
	require.Equal(t, int64(4), got[0].ID)
	require.Equal(t, 1, emu2.Calls().ByEndpoint["GET /contacts/people"], "both forms in one call")
}

func TestUOMs(t *testing.T) {
	ctx := context.Background()
	emu, c, base := start(t, nil)
	status, m := send(t, base, "POST", "/v2/catalog/products", `{"title":"T","uom":"piece"}`)
	require.Equal(t, 422, status, "PRD-4: a unit given as a string is refused")
	require.Equal(t, "uom", validationField(m))
	status, m = send(t, base, "POST", "/v2/catalog/products", `{"title":"T","uom_id":99}`)
	require.Equal(t, 422, status)
	require.Equal(t, "uom_id", validationField(m))

	id, err := c.CreateProduct(ctx, rosync.ROProduct{Title: "Case"})
	require.NoError(t, err)
	p, err := c.FindProduct(ctx, rosync.IdentifyByName, "Case")
	require.NoError(t, err)
	require.Equal(t, id, p.ID)
	require.Equal(t, "piece", p.UOM, "PRD-4")
	_, err = c.CreateProduct(ctx, rosync.ROProduct{Title: "Cable"})
	require.NoError(t, err)
	require.Equal(t, 1, emu.Calls().ByEndpoint["GET /catalogs/uoms"], "units read once")

	// An account whose unit is "шт" only.
	s := seed()
	s.UOMs = []roapptest.UOM{{ID: 9, Title: "шт"}}
	emu2 := roapptest.New(s, nil)
	srv := httptest.NewServer(emu2)
	t.Cleanup(srv.Close)
	c2 := roapp.New("", &roapp.Options{BaseURL: srv.URL, Limiter: rate.NewLimiter(rate.Inf, 1)})
	_, err = c2.CreateProduct(ctx, rosync.ROProduct{Title: "Case"})
	require.NoError(t, err)
	require.Equal(t, "шт", emu2.Snapshot().Products[1].UOM)
	// None at all: a clear error naming the setting.
	s.UOMs = []roapptest.UOM{{ID: 9, Title: "kg"}}
	srv3 := httptest.NewServer(roapptest.New(s, nil))
	t.Cleanup(srv3.Close)
	c3 := roapp.New("", &roapp.Options{BaseURL: srv3.URL, Limiter: rate.NewLimiter(rate.Inf, 1)})
	_, err = c3.CreateProduct(ctx, rosync.ROProduct{Title: "Case"})
	require.ErrorIs(t, err, roapp.ErrNoUOM)
	require.Contains(t, err.Error(), "Options.UOMID")
}

func TestStatusesAndEmployees(t *testing.T) {
	ctx := context.Background()
	_, c, _ := start(t, nil)
	st, err := c.Statuses(ctx)
	require.NoError(t, err)
	want := []rosync.ROStatus{{ID: 1, Name: "New", Group: 1}, {ID: 2, Name: "Awaiting payment", Group: 3},
		{ID: 3, Name: "Closed", Group: 6, Closed: true}}
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("ORD-5: statuses (-want +got):\n%s", diff)
	}
	em, err := c.Employees(ctx)
	require.NoError(t, err)
	if diff := cmp.Diff([]rosync.ROEmployee{{ID: 1, Name: "Emulator User"}}, em); diff != "" {
		t.Errorf("employees (-want +got):\n%s", diff)
	}
}

// TestDeductionSignals: the three ways the emulator shows a written-off
// item, each configurable (ORD-5).
func TestDeductionSignals(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		emu        roapptest.Options
		client     []string
		act        func(*roapptest.Emulator, *roapp.Client, int64) error
		wantField  bool // ROItem.Deducted read from the item
		wantLocked bool // a write answers 422
	}{
		{name: "field off (default), Deduct", act: deduct, wantLocked: true},
		{name: "field on, Deduct", emu: roapptest.Options{DeductionField: "deducted"}, client: []string{"deducted"},
			act: deduct, wantField: true, wantLocked: true},
		{name: "field on, client reads another name", emu: roapptest.Options{DeductionField: "written_off"}, client: []string{"deducted"},
			act: deduct, wantLocked: true},
		{name: "closed group, by the user", emu: roapptest.Options{DeductOnClosedStatus: true},
			act: func(e *roapptest.Emulator, _ *roapp.Client, oid int64) error { return e.SetStatus(ctx, oid, "Closed") }, wantLocked: true},
		{name: "closed group, by the API", emu: roapptest.Options{DeductOnClosedStatus: true},
			act: func(_ *roapptest.Emulator, c *roapp.Client, oid int64) error { return c.SetStatus(ctx, oid, 3) }, wantLocked: true},
		{name: "closed group, option off", act: func(e *roapptest.Emulator, _ *roapp.Client, oid int64) error { return e.SetStatus(ctx, oid, "Closed") }},
		{name: "open group", emu: roapptest.Options{DeductOnClosedStatus: true},
			act: func(e *roapptest.Emulator, _ *roapp.Client, oid int64) error {
				return e.SetStatus(ctx, oid, "Awaiting payment")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.emu
			emu, _, base := start(t, &o)
			c := roapp.New(key, &roapp.Options{BaseURL: base + "/v2", Limiter: rate.NewLimiter(rate.Inf, 1),
				DeductionFields: tt.client})
			oid, err := c.CreateOrder(ctx, rosync.NewOrder{BranchID: 1, OrderTypeID: 1, ClientID: 3, Ref: ref("1")})
			require.NoError(t, err)
			iid, err := c.AddItem(ctx, oid, rosync.ROItem{ProductID: 7, Quantity: 1, AssigneeID: 1, Price: decimal.NewFromInt(5)})
			require.NoError(t, err)
			require.NoError(t, tt.act(emu, c, oid))
			got, err := c.Order(ctx, oid)
			require.NoError(t, err)
			require.Equal(t, tt.wantField, got.Deducted(), "ORD-5: item field")
			err = c.UpdateItem(ctx, oid, rosync.ROItem{ID: iid, Quantity: 2, Price: decimal.NewFromInt(5)})
			require.Equal(t, tt.wantLocked, errors.Is(err, rosync.ErrItemLocked), "ORD-5: write refused: %v", err)
			if !tt.wantLocked {
				require.NoError(t, err)
			}
			_, hasField := itemFields(t, base, oid)["deducted"]
			require.Equal(t, tt.emu.DeductionField == "deducted", hasField, "the item JSON has the field only when configured")
		})
	}
}

func deduct(e *roapptest.Emulator, _ *roapp.Client, oid int64) error { return e.Deduct(oid) }

// itemFields returns the raw fields of the order's first item.
func itemFields(t *testing.T, base string, oid int64) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/v2/orders/"+jsonInt(oid)+"/items", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var items []map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&items))
	require.NotEmpty(t, items)
	return items[0]
}

// TestWebhookSignatures: the emulator signs as RO App does, over the
// delivery id, in either construction; the client accepts both (ENG-4).
func TestWebhookSignatures(t *testing.T) {
	ctx := context.Background()
	for _, mode := range []string{"", roapptest.SignatureHMAC, roapptest.SignatureConcat} {
		t.Run("mode "+mode, func(t *testing.T) {
			var raw []byte
			var sig string
			events := make(chan rosync.ROEvent, 1)
			verify := roapp.WebhookHandler("hook-secret", func(_ context.Context, ev rosync.ROEvent) error {
				events <- ev
				return nil
			})
			hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				raw, _ = io.ReadAll(r.Body)
				sig = r.Header.Get(roapp.SignatureHeader)
				r.Body = io.NopCloser(bytes.NewReader(raw))
				verify.ServeHTTP(w, r)
			}))
			t.Cleanup(hooks.Close)
			emu, c, _ := start(t, &roapptest.Options{WebhookURL: hooks.URL, WebhookSecret: "hook-secret", WebhookSignature: mode})
			oid, err := c.CreateOrder(ctx, rosync.NewOrder{BranchID: 1, OrderTypeID: 1, ClientID: 3, Ref: ref("1")})
			require.NoError(t, err)
			require.NoError(t, emu.SetStatus(ctx, oid, "Closed"), "ENG-4: the delivery is accepted")
			ev := <-events
			want := roapp.Sign([]byte("hook-secret"), ev.ID)
			if mode == roapptest.SignatureConcat {
				want = roapp.SignConcat([]byte("hook-secret"), ev.ID)
			}
			require.Equal(t, want, sig)
			var payload map[string]any
			require.NoError(t, json.Unmarshal(raw, &payload))
			for _, k := range []string{"id", "created_at", "created_at_ts", "event_name", "context", "metadata", "employee"} {
				require.Contains(t, payload, k, "documented payload field")
			}
		})
	}
}

// TestEndpointTableDrift: the client's wire table and the emulator's
// routes agree on every endpoint, its method and path, and whether it is
// UNVERIFIED; and the emulator serves each one.
func TestEndpointTableDrift(t *testing.T) {
	emu, _, base := start(t, nil)
	routes := map[string]roapptest.Route{}
	for _, r := range roapptest.Routes() {
		routes[r.Method+" "+r.Path] = r
	}
	for _, ep := range roapp.Endpoints() {
		k := ep.Method + " /" + ep.Path
		r, ok := routes[k]
		if !ok {
			t.Errorf("client endpoint %s (%s) is not an emulator route", ep.Endpoint, k)
			continue
		}
		if r.Unverified != ep.Unverified {
			t.Errorf("%s: UNVERIFIED in the client %v, in the emulator %v", k, ep.Unverified, r.Unverified)
		}
		if ep.Unverified && (ep.Note == "" || r.Choice == "") {
			t.Errorf("%s: an UNVERIFIED endpoint needs the client's note and the emulator's choice", k)
		}
		if ep.Source == "" {
			t.Errorf("%s: no source", k)
		}
		path := strings.NewReplacer("{id}", "1", "{item_id}", "1").Replace(ep.Path)
		before := emu.Calls().ByEndpoint[k]
		req, _ := http.NewRequest(ep.Method, base+"/v2/"+path, strings.NewReader("{}"))
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		if resp.StatusCode == http.StatusMethodNotAllowed {
			t.Errorf("%s: 405", k)
		}
		if after := emu.Calls().ByEndpoint[k]; after != before+1 {
			t.Errorf("%s: not served by its own route", k)
		}
	}
}
