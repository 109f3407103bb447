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

	"example.com/rosync-prestashop/prestashop"
	"example.com/rosync-prestashop/prestashop/prestashoptest"
)

var line = []prestashoptest.Line{{ID: "1", ProductID: "7", SKU: "A-1", Name: "Cup", Quantity: 2, Price: decimal.RequireFromString("10.50")}}

func setup(t *testing.T, tz string, loc *time.Location) (*prestashoptest.Server, *prestashop.Platform, *[]string) {
	t.Helper()
	srv := prestashoptest.New(testKey, "UAH", loc)
	var queries []string
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		queries = append(queries, r.URL.Query().Encode())
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(hs.Close)
	p, err := prestashop.New(hs.URL, testKey, &prestashop.Options{Currency: "UAH", Timezone: tz})
	require.NoError(t, err)
	require.NoError(t, srv.PutCustomer(prestashoptest.NativeCustomer(1, "Olena", "K", "o@example.com")))
	require.NoError(t, srv.PutAddress(prestashoptest.NativeAddress(1, "+380501112233")))
	return srv, p, &queries
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
			srv, p, _ := setup(t, "Europe/Kyiv", kyiv)
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
			_, p, queries := setup(t, "", nil)
			for _, err := range p.Orders(context.Background(), tt.q) {
				require.NoError(t, err, "an empty list (a bare []) ends the stream")
			}
			require.Len(t, *queries, 1)
			require.Contains(t, unescape(t, (*queries)[0]), tt.field, "PRS-1/PRS-2: the window is a date filter with date=1")
			require.Contains(t, (*queries)[0], "date=1")
		})
	}
}

func unescape(t *testing.T, q string) string {
	v, err := url.QueryUnescape(q)
	require.NoError(t, err)
	return v
}

func TestSetStatus(t *testing.T) {
	_, p, _ := setup(t, "", nil)
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
