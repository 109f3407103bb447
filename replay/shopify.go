package replay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/faultplan"
	"github.com/rosync/rosync/platforms/shopify"
	"github.com/rosync/rosync/platforms/shopify/shopifytest"
	"github.com/rosync/rosync/roapp/roapptest"
)

func init() { Register("shopify", newShopify) }

// The replay's Shopify credentials. They are test values, but they are
// still never printed: the replay checks that secrets stay out of logs.
const (
	shopifyToken         = "shpat_replay_0123456789abcdef"
	shopifyWebhookSecret = "shpss_replay_webhook_secret"
)

// shopifyHarness plays a Shopify fixture: shop.orders and events[].order
// are GraphQL order nodes, shop.products product nodes (their description
// and category answer the line items' product), shop.plan the plan's
// display name.
type shopifyHarness struct {
	srv    *shopifytest.Server
	faults *faultplan.Plan

	mu   sync.Mutex
	last map[string]delivered // by legacyResourceId: the last webhook sent
}

// delivered is the last webhook of an order, so that an event repeating
// the order unchanged is played as Shopify's redelivery of that webhook
// (the same X-Shopify-Webhook-Id).
type delivered struct {
	node      []byte
	cancelled bool
	delivery  *shopifytest.Delivery
}

func newShopify(fx *Fixture, _ func() time.Time) (Harness, error) {
	if len(fx.Shop.Categories) > 0 {
		return nil, &FixtureError{Field: "shop.categories", Err: errors.New("shopify products carry their category (product.category); leave categories empty")}
	}
	if len(fx.Shop.Statuses) > 0 {
		return nil, &FixtureError{Field: "shop.statuses", Err: errors.New("shopify has no status list; leave statuses empty")}
	}
	// The cost bucket runs on the wall clock, as the adapter's view of it
	// does; it is large enough that a replay never waits.
	srv := shopifytest.New(shopifytest.Options{
		AccessToken: shopifyToken, APIVersion: shopify.DefaultAPIVersion,
		Currency: fx.Shop.Currency, Plan: fx.Shop.Plan, Timezone: fx.Settings.Timezone,
		Bucket: shopifytest.Bucket{Max: 20000, RestoreRate: 1000},
	})
	for i, raw := range fx.Shop.Products {
		if err := srv.AddProduct(raw); err != nil {
			return nil, &FixtureError{Field: fmt.Sprintf("shop.products[%d]", i), Err: err}
		}
	}
	h := &shopifyHarness{srv: srv, last: map[string]delivered{}}
	for i, raw := range fx.Shop.Orders {
		if _, err := h.PutOrder(raw); err != nil {
			return nil, &FixtureError{Field: fmt.Sprintf("shop.orders[%d]", i), Err: err}
		}
	}
	return h, nil
}

// SetFaults applies a fault plan to the fake shop; the adapter then
// retries quickly and often.
func (h *shopifyHarness) SetFaults(p *faultplan.Plan) {
	h.faults = p
	h.srv.SetFaults(p)
}

func (h *shopifyHarness) Handler() http.Handler { return h.srv }

func (h *shopifyHarness) Credentials() SandboxCredentials {
	return SandboxCredentials{AccessToken: shopifyToken, WebhookSecret: shopifyWebhookSecret}
}

func (h *shopifyHarness) Connect(baseURL string, client *http.Client, log *slog.Logger) (rosync.Platform, error) {
	opts := &shopify.Options{
		HTTPClient: client, WebhookSecret: shopifyWebhookSecret,
		RetryWaitMin: time.Millisecond, RetryWaitMax: 10 * time.Millisecond,
	}
	opts.Logger = log
	if h.faults != nil {
		opts.RetryMax = 30
	}
	return shopify.New(baseURL, shopify.Credentials{AccessToken: shopifyToken}, opts)
}

func (h *shopifyHarness) PutOrder(raw json.RawMessage) (bool, error) {
	id, ok := nativeID(raw)
	if !ok {
		return false, errors.New("order node without legacyResourceId")
	}
	_, existed := h.srv.Order(id)
	return !existed, h.srv.AddOrder(raw)
}

// Webhook builds the webhook Shopify sends for the order: orders/create for
// a new order, orders/cancelled when the order has just been cancelled,
// orders/updated otherwise, with the REST-shaped order as body. An event
// that repeats the previous state of the order is the redelivery of the
// previous webhook (so are the copies of a duplicated delivery).
func (h *shopifyHarness) Webhook(target string, raw json.RawMessage, created bool) (*http.Request, error) {
	id, ok := nativeID(raw)
	if !ok {
		return nil, errors.New("order node without legacyResourceId")
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, err
	}
	node := buf.Bytes()
	var head struct {
		CancelledAt *string `json:"cancelledAt"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, err
	}
	cancelled := head.CancelledAt != nil && strings.TrimSpace(*head.CancelledAt) != ""

	h.mu.Lock()
	defer h.mu.Unlock()
	prev, seen := h.last[id]
	if seen && bytes.Equal(prev.node, node) {
		return prev.delivery.Request()
	}
	topic := shopify.TopicOrdersUpdated
	switch {
	case created:
		topic = shopify.TopicOrdersCreate
	case cancelled && !(seen && prev.cancelled):
		topic = shopify.TopicOrdersCancelled
	}
	body, err := h.srv.WebhookBody(id)
	if err != nil {
		return nil, err
	}
	d := shopifytest.NewDelivery(target, shopifyWebhookSecret, topic, body)
	h.last[id] = delivered{node: node, cancelled: cancelled, delivery: d}
	return d.Request()
}

// StatusUpdates is always empty: rosync never pushes a status to Shopify
// (SHO-2), and the adapter's SetStatus cannot.
func (h *shopifyHarness) StatusUpdates() []roapptest.StatusUpdate { return nil }
