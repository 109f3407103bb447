package cartum_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync/platforms/cartum"
	"github.com/rosync/rosync/platforms/cartum/cartumtest"
	"github.com/rosync/rosync/platforms/platformkit/fakekit"
)

// Test credentials. They are never expected in an error or a log line.
const (
	testLogin    = "api"
	testPassword = "pw-S3cr3t-cartum-0123"
	testSecret   = "hook-secret-cartum-4567"
)

// statusesJSON are the shop's statuses: 3 is Delivered with a Ukrainian
// title only, 8 a renamed successful status, 9 a status titled "Delivered"
// that is not successful.
const statusesJSON = `{
 "1": {"id": 1, "title": {"en": "New", "ua": "Нове"}, "is_successful": 0},
 "2": {"id": 2, "title": {"en": "Processing"}, "is_successful": 0},
 "3": {"id": 3, "title": {"ua": "Доставлене"}, "is_successful": 1},
 "4": {"id": 4, "title": {"en": "Canceled"}, "is_successful": 0},
 "8": {"id": 8, "title": {"en": "Picked up ✓"}, "is_successful": 1},
 "9": {"id": 9, "title": {"en": "Delivered"}, "is_successful": 0}
}`

// fakeClock is a settable clock shared by the adapter and the fake server.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a fake shop with the adapter connected to it.
type env struct {
	srv   *cartumtest.Server
	p     *cartum.Platform
	clock *fakeClock
	logs  *fakekit.LogBuffer
	url   string
}

var kyiv = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		panic(err)
	}
	return loc
}()

// setup starts a fake shop in Europe/Kyiv and connects the adapter to it;
// edit adjusts the adapter's options.
func setup(t *testing.T, edit func(*cartum.Options)) *env {
	t.Helper()
	clock := &fakeClock{t: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)}
	srv := cartumtest.New(cartumtest.Options{Login: testLogin, Password: testPassword, Location: kyiv, Now: clock.Now})
	require.NoError(t, srv.SetStatuses(json.RawMessage(statusesJSON)))
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	logs := &fakekit.LogBuffer{}
	opts := &cartum.Options{
		Currency:      "UAH",
		Timezone:      "Europe/Kyiv",
		HTTPClient:    hs.Client(),
		WebhookSecret: testSecret,
		Logger:        slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		RetryWaitMin:  time.Millisecond,
		RetryWaitMax:  2 * time.Millisecond,
		Now:           clock.Now,
	}
	if edit != nil {
		edit(opts)
	}
	p, err := cartum.New(hs.URL, cartum.Credentials{Login: testLogin, Password: testPassword}, opts)
	require.NoError(t, err)
	return &env{srv: srv, p: p, clock: clock, logs: logs, url: hs.URL}
}

func (e *env) addOrders(t *testing.T, orders ...string) {
	t.Helper()
	for _, o := range orders {
		require.NoError(t, e.srv.AddOrder(json.RawMessage(o)))
	}
}

func (e *env) shop(t *testing.T) {
	t.Helper()
	_, err := e.p.Shop(context.Background())
	require.NoError(t, err)
}

// orderJSON is a valid native order with the given id, status and
// stat_created.
func orderJSON(id int, status int, created string) string {
	b, _ := json.Marshal(map[string]any{
		"order_id":         id,
		"user":             map[string]any{"id": 0},
		"delivery_name":    "Olena Kovalenko",
		"delivery_email":   "olena@example.com",
		"delivery_phone":   "+380501112233",
		"delivery_city":    "Kyiv",
		"delivery_address": "Branch 12",
		"delivery_type":    map[string]any{"id": 1, "title": "Nova Poshta"},
		"delivery_price":   70,
		"stat_status":      status,
		"stat_created":     created,
		"comment":          "",
		"products": []map[string]any{
			{"article": "PHX-128", "title": "Phone X", "quantity": 1, "price": 12999},
		},
	})
	return string(b)
}
