package prestashop_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/faultplan"

	"example.com/rosync-prestashop/prestashop"
	"example.com/rosync-prestashop/prestashop/prestashoptest"
)

var line = []prestashoptest.Line{{ID: "1", ProductID: "7", SKU: "A-1", Name: "Cup", Quantity: 2, Price: decimal.RequireFromString("10.50")}}

func setup(t *testing.T, tz string, loc *time.Location) (*prestashoptest.Server, *prestashop.Platform) {
	t.Helper()
	srv := prestashoptest.New(testKey, "UAH", loc)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	p, err := prestashop.New(hs.URL, testKey, &prestashop.Options{Currency: "UAH", Timezone: tz})
	require.NoError(t, err)
	require.NoError(t, srv.PutCustomer(prestashoptest.NativeCustomer(1, "Olena", "K", "o@example.com")))
	require.NoError(t, srv.PutAddress(prestashoptest.NativeAddress(1, "+380501112233")))
	return srv, p
}

func TestDecode(t *testing.T) {
	kyiv, err := time.LoadLocation("Europe/Kyiv")
	require.NoError(t, err)
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		mutate  func([]byte) []byte
		wantErr error
		check   func(t *testing.T, o rosync.Order)
	}{
		{name: "shop-local dates become UTC", check: func(t *testing.T, o rosync.Order) {
			require.True(t, o.CreatedAt.Equal(at) && o.CreatedAt.Location() == time.UTC, "PRS-6: date_add %v read in the shop's timezone, want %v UTC", o.CreatedAt, at)
		}},
		{name: "another currency", mutate: func(b []byte) []byte { return replace(b, `"id_currency":"1"`, `"id_currency":"2"`) },
			wantErr: rosync.ErrCurrencyMismatch},
		{name: "a number where a string is sent", mutate: func(b []byte) []byte { return replace(b, `"total_paid":"21.000000"`, `"total_paid":21`) },
			wantErr: &rosync.InvalidOrderError{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p := setup(t, "Europe/Kyiv", kyiv)
			raw := prestashoptest.NativeOrder(1, "REF", "2", at, at, kyiv, line)
			if tt.mutate != nil {
				raw = tt.mutate(raw)
			}
			_, err := srv.PutOrder(raw)
			require.NoError(t, err)
			o, err := p.Order(context.Background(), "1")
			switch want := tt.wantErr.(type) {
			case nil:
				require.NoError(t, err)
				tt.check(t, o)
			case *rosync.InvalidOrderError:
				require.ErrorAs(t, err, &want, "PRS-5")
				require.Equal(t, "1", want.OrderID)
			default:
				require.ErrorIs(t, err, want, "PRS-5: an order in another currency is not imported")
				var inv *rosync.InvalidOrderError
				require.ErrorAs(t, err, &inv, "PRS-5: kept as invalid, with its id")
			}
		})
	}
}

func replace(b []byte, old, new string) []byte {
	return []byte(strings.Replace(string(b), old, new, 1))
}

func TestOrders_Filters(t *testing.T) {
	since := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		q     rosync.Query
		field string
	}{
		{"initial import", rosync.Query{CreatedSince: since}, "filter[date_add]=[2026-10-31 23:59:59,9999-12-31 23:59:59]"}, // PRS-1
		{"poll", rosync.Query{UpdatedSince: since}, "filter[date_upd]=[2026-10-31 23:59:59,9999-12-31 23:59:59]"},           // PRS-2
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, p := setup(t, "", nil)
			for _, err := range p.Orders(context.Background(), tt.q) {
				require.NoError(t, err, "an empty list (a bare []) ends the stream")
			}
			reqs := srv.Requests()
			require.Len(t, reqs, 1)
			require.Equal(t, "GET /api/orders", reqs[0].Endpoint)
			query := reqs[0].Query.Encode()
			require.Contains(t, unescape(t, query), tt.field, "PRS-1/PRS-2: the window is a date filter with date=1")
			require.Contains(t, query, "date=1")
		})
	}
}

func unescape(t *testing.T, q string) string {
	v, err := url.QueryUnescape(q)
	require.NoError(t, err)
	return v
}

func TestSetStatus(t *testing.T) {
	_, p := setup(t, "", nil)
	err := p.SetStatus(context.Background(), "1", "4")
	require.ErrorIs(t, err, rosync.ErrUnsupported, "PRS-4: no status sync")
	require.Equal(t, rosync.StatusSyncNone, p.Policy().StatusSync, "PRS-4")
}

func TestWrongKey(t *testing.T) {
	srv := prestashoptest.New("another-key-0123456789", "UAH", nil)
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	p, err := prestashop.New(hs.URL, testKey, &prestashop.Options{Currency: "UAH"})
	require.NoError(t, err)
	_, err = p.Shop(context.Background())
	require.Error(t, err)
	require.NotContains(t, err.Error(), testKey, "the key never appears in an error text")
	require.False(t, errors.Is(err, rosync.ErrNotFound))
}

// TestServerError: a 503 the fake answers once (a fault queued with Fail,
// fakekit's queue) is an error the engine retries (ENG-2), not a missing
// order, and names no key (ENG-6); the next read goes through.
func TestServerError(t *testing.T) {
	srv, p := setup(t, "", nil)
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	_, err := srv.PutOrder(prestashoptest.NativeOrder(1, "REF", "2", at, at, nil, line))
	require.NoError(t, err)
	srv.Fail("GET /api/orders/{id}", prestashoptest.Fault{Status: http.StatusServiceUnavailable, Times: 1})

	_, err = p.Order(context.Background(), "1")
	require.Error(t, err)
	require.Contains(t, err.Error(), "503")
	require.False(t, errors.Is(err, rosync.ErrNotFound), "ENG-2: a 5xx is not a missing order")
	require.True(t, rosync.Retryable(err), "ENG-2: a 5xx is retried")
	require.NotContains(t, err.Error(), testKey, "ENG-6")

	o, err := p.Order(context.Background(), "1")
	require.NoError(t, err, "the fault was queued once")
	require.Equal(t, "1", o.ID)
	require.Equal(t, 2, srv.Calls()["GET /api/orders/{id}"])
}

// TestFaultPlan: the fake takes a seeded fault plan (fakekit.Faults under
// faultplan) as the fakes inside rosync do; each kind the adapter meets is
// an error the engine retries (ENG-2) that names no key (ENG-6), and the
// shop is read again once the plan is removed.
func TestFaultPlan(t *testing.T) {
	for _, kind := range []faultplan.Kind{faultplan.ServerError, faultplan.RateLimited, faultplan.Drop} {
		t.Run(kind.String(), func(t *testing.T) {
			srv, p := setup(t, "", nil)
			plan := &faultplan.Plan{Rate: 1, Seed: 1, Kinds: []faultplan.Kind{kind}}
			srv.SetFaults(plan)
			_, err := p.Shop(context.Background())
			require.Error(t, err)
			require.True(t, rosync.Retryable(err), "ENG-2: %v is retried", err)
			require.NotContains(t, err.Error(), testKey, "ENG-6")
			require.Equal(t, map[faultplan.Kind]int{kind: 1}, plan.Counts())
			require.Equal(t, map[string]int{"GET /api/currencies/{id}": 1}, plan.ByEndpoint())

			srv.SetFaults(nil)
			_, err = p.Shop(context.Background())
			require.NoError(t, err)
		})
	}
}
