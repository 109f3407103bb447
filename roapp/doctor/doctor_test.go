package doctor_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp"
	"github.com/rosync/rosync/roapp/doctor"
	"github.com/rosync/rosync/roapp/roapptest"
)

const key = "doctor-key"

func seed() roapptest.Seed {
	return roapptest.Seed{
		Currency: "UAH",
		Rights:   []string{roapptest.RightAddWithoutDeduction},
		Contacts: []roapptest.Contact{
			{ID: 1, FirstName: "Olena", Email: "olena@example.com", Phones: []string{"+380501112233"}},
			{ID: 2, FirstName: "Petro", Email: "petro@example.com"},
		},
		Products: []roapptest.Product{
			{ID: 1, Title: "Phone", SKU: "PH-1", Code: "c1", UOM: "piece"},
			{ID: 2, Title: "Case", SKU: "CS-1", Code: "c2", UOM: "piece"},
		},
		Statuses: []roapptest.Status{
			{ID: 1, Name: "New", Group: roapptest.GroupNew},
			{ID: 2, Name: "In work", Group: roapptest.GroupInProgress},
			{ID: 3, Name: "Closed", Group: roapptest.GroupClosedSuccessfully},
			{ID: 4, Name: "Cancelled", Group: roapptest.GroupClosedUnsuccessfully},
		},
		OrderTypes: []roapptest.OrderType{{ID: 1, Name: "Online store", InitialStatusID: 1}},
	}
}

// permissive is the emulator of an account that honours the undocumented
// filters, sends a deduction field and writes off on closing.
var permissive = &roapptest.Options{APIKey: key, HonourUndocumentedFilters: true,
	DeductionField: "deducted", DeductOnClosedStatus: true}

type fakeShop struct{ currency string }

func (f fakeShop) Shop(context.Context) (rosync.ShopInfo, error) {
	return rosync.ShopInfo{Currency: f.currency}, nil
}

func config(url string) doctor.Config {
	return doctor.Config{
		APIKey:     key,
		Client:     roapp.Options{BaseURL: url + "/v2", RequestsPerSecond: 1000, RetryMax: -1},
		AssigneeID: roapptest.DefaultEmployee.ID,
		Shops: []doctor.Shop{{Name: "main", Info: fakeShop{"UAH"}, Settings: rosync.Settings{
			BranchID: 1, OrderTypeID: 1, StatusMap: map[string]string{"completed": "Closed", "cancelled": "cancelled"}}}},
	}
}

func run(t *testing.T, emu *roapptest.Emulator, edit func(*doctor.Config)) *doctor.Report {
	t.Helper()
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	cfg := config(srv.URL)
	if edit != nil {
		edit(&cfg)
	}
	rep, err := doctor.Run(context.Background(), cfg)
	require.NoError(t, err)
	var b strings.Builder
	require.NoError(t, rep.WriteTable(&b))
	t.Log("\n" + b.String())
	return rep
}

func result(t *testing.T, rep *doctor.Report, check string) doctor.Result {
	t.Helper()
	row, ok := rep.Row(check)
	require.True(t, ok, "no row %q", check)
	return row.Result
}

// TestStrictAndPermissive runs the read-only doctor against the strict and
// the permissive emulator: the rows of the undocumented filters differ.
func TestStrictAndPermissive(t *testing.T) {
	tests := []struct {
		name string
		opts *roapptest.Options
		want doctor.Result
	}{
		{"strict", &roapptest.Options{APIKey: key}, doctor.UnverifiedNo},
		{"permissive", permissive, doctor.UnverifiedOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := run(t, roapptest.New(seed(), tc.opts), nil)
			require.False(t, rep.Failed(), "a correct configuration has no FAIL")
			for _, check := range []string{"filter find_contacts emails[]", "filter find_products titles[]",
				"filter find_products skus[]", "filter find_products codes[]"} {
				if got := result(t, rep, check); got != tc.want {
					t.Errorf("%s: %s is %s, want %s (CUS-3: an ignored filter must show)", tc.name, check, got, tc.want)
				}
			}
			for check, want := range map[string]doctor.Result{
				"api_key": doctor.OK, "assignee": doctor.OK, "company_currency": doctor.UnverifiedOK,
				"shop_currency[main]": doctor.OK, "status_map[main]": doctor.OK, "order_type[1]": doctor.OK,
				"branch[1]": doctor.OK, "endpoint uoms": doctor.UnverifiedOK,
				"endpoint comments":           doctor.Unverified, // no order yet
				"right_add_without_deduction": doctor.Unverified,
			} {
				if got := result(t, rep, check); got != want {
					t.Errorf("%s is %s, want %s", check, got, want)
				}
			}
		})
	}
}

// TestFailures: each wrong setting is a FAIL row and fails the report.
func TestFailures(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*doctor.Config)
		check string
	}{
		{"wrong key", func(c *doctor.Config) { c.APIKey = "wrong" }, "api_key"},
		{"wrong assignee", func(c *doctor.Config) { c.AssigneeID = 99 }, "assignee"},
		{"no assignee", func(c *doctor.Config) { c.AssigneeID = 0 }, "assignee"},
		{"currency", func(c *doctor.Config) { c.Shops[0].Info = fakeShop{"EUR"} }, "shop_currency[main]"}, // ORD-4
		{"status map", func(c *doctor.Config) { c.Shops[0].Settings.StatusMap = map[string]string{"x": "Shipped"} }, "status_map[main]"},
		{"deduction status", func(c *doctor.Config) { c.Deduction.Statuses = []string{"Written off"} }, "deduction_statuses"},
		{"order type", func(c *doctor.Config) { c.Shops[0].Settings.OrderTypeID = 9 }, "order_type[9]"},
		{"uom", func(c *doctor.Config) { c.Client.UOMID = 42 }, "endpoint uoms"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := run(t, roapptest.New(seed(), &roapptest.Options{APIKey: key}), tc.edit)
			require.Equal(t, doctor.Fail, result(t, rep, tc.check), tc.name)
			require.True(t, rep.Failed(), "a FAIL row fails the report")
		})
	}
}

// TestWrite runs -write against both emulators: the order ends closed,
// and the deduction rows show what each account sends (ORD-5).
func TestWrite(t *testing.T) {
	tests := []struct {
		name              string
		opts              *roapptest.Options
		field, refusal    doctor.Result
		deleteItem        doctor.Result
		itemsLeft         int
		deductedAfterward bool
	}{
		{"strict", &roapptest.Options{APIKey: key}, doctor.UnverifiedNo, doctor.Info, doctor.UnverifiedOK, 0, false},
		{"permissive", permissive, doctor.UnverifiedOK, doctor.UnverifiedOK, doctor.UnverifiedOK, 1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			emu := roapptest.New(seed(), tc.opts)
			rep := run(t, emu, func(c *doctor.Config) { c.Write = true })
			require.False(t, rep.Failed())
			for check, want := range map[string]struct {
				res  doctor.Result
				rule string
			}{
				"deduction item field":        {tc.field, "ORD-5: the item field shows only where the account sends it"},
				"deduction refusal":           {tc.refusal, "ORD-5: a refused write to a written-off item"},
				"endpoint delete_item":        {tc.deleteItem, "delete_item probed"},
				"right_add_without_deduction": {doctor.OK, "ORD-2"},
				"endpoint add_comment":        {doctor.UnverifiedOK, "add_comment probed"},
				"endpoint comments":           {doctor.UnverifiedOK, "comments read back"},
				"initial_status":              {doctor.OK, "SHO-3"},
				"write close":                 {doctor.OK, "the test order is closed"},
			} {
				if got := result(t, rep, check); got != want.res {
					t.Errorf("%s: %s is %s, want %s", want.rule, check, got, want.res)
				}
			}
			row, _ := rep.Row("item_fields")
			require.Contains(t, row.Evidence["item_keys"], "assignee_id", "the raw item keys are dumped")
			if tc.deductedAfterward {
				require.Contains(t, row.Evidence["item_keys"], "deducted")
			}
			snap := emu.Snapshot()
			require.Len(t, snap.Orders, 1)
			o := snap.Orders[0]
			require.Equal(t, "Closed", o.Status, "-write leaves the test order closed")
			require.Len(t, o.Items, tc.itemsLeft)
			require.Equal(t, []string{doctor.CommentText}, o.Comments)
			require.NotEmpty(t, rep.LeftBehind)

			// A second run reuses the contact.
			rep2 := run(t, emu, func(c *doctor.Config) { c.Write = true })
			row, _ = rep2.Row("write contact")
			require.Contains(t, row.Detail, "reusing")
			require.Len(t, emu.Snapshot().Contacts, 3)
		})
	}
}

// TestWriteWithoutRight: an account without "Can add products without
// deduction" is a FAIL naming the right (ORD-2).
func TestWriteWithoutRight(t *testing.T) {
	emu := roapptest.New(seed(), &roapptest.Options{APIKey: key})
	emu.Revoke(roapptest.RightAddWithoutDeduction)
	rep := run(t, emu, func(c *doctor.Config) { c.Write = true })
	row, ok := rep.Row("right_add_without_deduction")
	require.True(t, ok)
	require.Equal(t, doctor.Fail, row.Result, "ORD-2")
	require.Contains(t, row.Action, "Can add products without deduction")
	require.Equal(t, "Closed", emu.Snapshot().Orders[0].Status, "the order is closed all the same")
}

// TestJSON: the JSON form carries every row.
func TestJSON(t *testing.T) {
	rep := run(t, roapptest.New(seed(), &roapptest.Options{APIKey: key}), nil)
	var b strings.Builder
	require.NoError(t, rep.WriteJSON(&b))
	require.Contains(t, b.String(), `"check": "filter find_contacts emails[]"`)
	require.Contains(t, b.String(), `"result": "UNVERIFIED-NO"`)
}

// serveExtra answers the read outside the client's table, which the
// emulator does not serve, as the reference documents it.
func serveExtra(endpoint string, w http.ResponseWriter, r *http.Request) bool {
	var body string
	switch strings.TrimPrefix(r.URL.Path, "/v2") {
	case "/orders/custom-fields":
		body = `[{"id":5294178,"title":"Shop order","type":1}]`
	default:
		return false
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(body))
	return true
}

// TestBranchAndRefField: with the documented reads served, a wrong branch
// or custom field is a FAIL and the right ones are OK; with -write the
// custom field is read back from the test order.
func TestBranchAndRefField(t *testing.T) {
	tests := []struct {
		name          string
		branch        int64
		field         string
		branch1, refF doctor.Result
	}{
		{"right", 1, "f5294178", doctor.OK, doctor.OK},
		{"wrong", 2, "f1", doctor.Fail, doctor.Fail},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			emu := roapptest.New(seed(), &roapptest.Options{APIKey: key, Intercept: serveExtra})
			rep := run(t, emu, func(c *doctor.Config) {
				c.Shops[0].Settings.BranchID = tc.branch
				c.Client.ExternalRefField = tc.field
			})
			require.Equal(t, tc.branch1, result(t, rep, "branch["+strconv.FormatInt(tc.branch, 10)+"]"))
			require.Equal(t, tc.refF, result(t, rep, "external_ref_field"))
		})
	}
	t.Run("not served", func(t *testing.T) {
		emu := roapptest.New(seed(), &roapptest.Options{APIKey: key})
		rep := run(t, emu, func(c *doctor.Config) { c.Client.ExternalRefField = "f5294178"; c.Write = true })
		require.Equal(t, doctor.Unverified, result(t, rep, "external_ref_field"), "an unserved read is never a FAIL")
		require.Equal(t, doctor.OK, result(t, rep, "external_ref_field written"))
	})
}
