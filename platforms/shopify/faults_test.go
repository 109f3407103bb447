package shopify_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/faultplan"
	"github.com/rosync/rosync/platforms/platformtest"
	"github.com/rosync/rosync/platforms/shopify"
	"github.com/rosync/rosync/platforms/shopify/shopifytest"
)

// TestOrders_UnderFaults reads a shop through seeded faults of every kind
// the fake gives a read (5xx, 429 with and without Retry-After, slow
// answers past the client's timeout, dropped connections): with retries
// enough, every order is streamed once and every order is fetched (ENG-2:
// nothing lost to a transient failure; ENG-3: Retry-After honoured).
func TestOrders_UnderFaults(t *testing.T) {
	for seed := int64(1); seed <= 3; seed++ {
		t.Run(strconv.FormatInt(seed, 10), func(t *testing.T) {
			t.Parallel()
			plan := &faultplan.Plan{Rate: 0.3, Seed: seed, Delay: 300 * time.Millisecond, RetryAfter: "0"}
			srv := shopifytest.New(shopifytest.Options{AccessToken: confToken, Currency: "UAH", Faults: plan})
			ts := httptest.NewServer(srv)
			t.Cleanup(ts.Close)
			hc := ts.Client()
			hc.Timeout = 100 * time.Millisecond
			p, err := shopify.New(ts.URL, shopify.Credentials{AccessToken: confToken}, &shopify.Options{
				HTTPClient: hc, WebhookSecret: confHook, OrdersPerPage: 3,
				RetryMax: 30, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond,
			})
			require.NoError(t, err)
			base := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
			var want []string
			for i := range 12 {
				id := strconv.Itoa(8000 + i)
				at := base.Add(time.Duration(i) * time.Minute)
				s := platformtest.Spec{ID: id, Number: id, CreatedAt: at, UpdatedAt: at,
					Customer: platformtest.SpecCustomer{FirstName: "Olena", LastName: "Kovalenko", Email: "olena@example.com"},
					Lines:    []platformtest.SpecLine{{SKU: "A-1", Name: "Cup", Quantity: 2, Price: decimal.RequireFromString("10.50")}}}
				raw, err := json.Marshal(native(s))
				require.NoError(t, err)
				require.NoError(t, srv.AddOrder(raw))
				want = append(want, id)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_, err = p.Shop(ctx)
			require.NoError(t, err)
			var got []string
			for o, err := range p.Orders(ctx, rosync.Query{CreatedSince: base}) {
				require.NoError(t, err)
				got = append(got, o.ID)
			}
			slices.Sort(got)
			require.Equal(t, want, got)
			for _, id := range want {
				o, err := p.Order(ctx, id)
				require.NoError(t, err, "order %s", id)
				require.Equal(t, id, o.ID)
			}
			require.Positive(t, plan.Total(), "no fault injected")
			t.Logf("faults: %s", plan.Summary())
		})
	}
}
