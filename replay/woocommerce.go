package replay

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/faultplan"
	"github.com/rosync/rosync/platforms/woocommerce"
	"github.com/rosync/rosync/platforms/woocommerce/woocommercetest"
	"github.com/rosync/rosync/roapp/roapptest"
)

// The replay's WooCommerce credentials. They are test values, but they are
// still never printed: the replay checks that secrets stay out of logs.
const (
	wooKey           = "ck_replay_0123456789abcdef"
	wooSecret        = "cs_replay_fedcba9876543210"
	wooWebhookSecret = "whsec-replay-woo"
)

func init() { Register("woocommerce", newWooCommerce) }

type wooHarness struct {
	srv    *woocommercetest.Server
	faults *faultplan.Plan
}

// SetFaults applies a fault plan to the fake shop; the adapter then
// retries quickly and often.
func (h *wooHarness) SetFaults(p *faultplan.Plan) {
	h.faults = p
	h.srv.SetFaults(p)
}

func newWooCommerce(fx *Fixture, now func() time.Time) (Harness, error) {
	srv := woocommercetest.New(woocommercetest.Options{Key: wooKey, Secret: wooSecret, Currency: fx.Shop.Currency, Now: now})
	for i, raw := range fx.Shop.Categories {
		if err := srv.AddCategory(raw); err != nil {
			return nil, &FixtureError{Field: fmt.Sprintf("shop.categories[%d]", i), Err: err}
		}
	}
	for i, raw := range fx.Shop.Products {
		var head struct {
			Type     string `json:"type"`
			ParentID int64  `json:"parent_id"`
		}
		if err := json.Unmarshal(raw, &head); err != nil {
			return nil, &FixtureError{Field: fmt.Sprintf("shop.products[%d]", i), Err: err}
		}
		var err error
		if head.Type == "variation" && head.ParentID != 0 {
			err = srv.AddVariation(head.ParentID, raw)
		} else {
			err = srv.AddProduct(raw)
		}
		if err != nil {
			return nil, &FixtureError{Field: fmt.Sprintf("shop.products[%d]", i), Err: err}
		}
	}
	h := &wooHarness{srv: srv}
	for i, raw := range fx.Shop.Orders {
		if _, err := h.PutOrder(raw); err != nil {
			return nil, &FixtureError{Field: fmt.Sprintf("shop.orders[%d]", i), Err: err}
		}
	}
	return h, nil
}

func (h *wooHarness) Handler() http.Handler { return h.srv }

func (h *wooHarness) Credentials() SandboxCredentials {
	return SandboxCredentials{Key: wooKey, Secret: wooSecret, WebhookSecret: wooWebhookSecret}
}

func (h *wooHarness) Connect(baseURL string, client *http.Client, log *slog.Logger) (rosync.Platform, error) {
	opts := &woocommerce.Options{HTTPClient: client, WebhookSecret: wooWebhookSecret}
	opts.Logger = log
	if h.faults != nil {
		opts.RetryMax, opts.RetryWaitMin, opts.RetryWaitMax = 30, time.Millisecond, 10*time.Millisecond
	}
	return woocommerce.New(baseURL, woocommerce.Credentials{Key: wooKey, Secret: wooSecret}, opts)
}

func (h *wooHarness) PutOrder(raw json.RawMessage) (bool, error) {
	var head struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return false, err
	}
	_, existed := h.srv.Order(head.ID)
	return !existed, h.srv.AddOrder(raw)
}

func (h *wooHarness) Webhook(target string, raw json.RawMessage, created bool) (*http.Request, error) {
	topic := "order.updated"
	if created {
		topic = "order.created"
	}
	// WooCommerce sends the order as its REST API returns it, which is
	// what the fake server now serves.
	var head struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, err
	}
	body, ok := h.srv.Order(head.ID)
	if !ok {
		return nil, fmt.Errorf("order %s is not on the fake server", strconv.FormatInt(head.ID, 10))
	}
	return woocommercetest.SignedWebhook(target, wooWebhookSecret, topic, body)
}

func (h *wooHarness) StatusUpdates() []roapptest.StatusUpdate {
	var out []roapptest.StatusUpdate
	for _, u := range h.srv.StatusUpdates() {
		out = append(out, roapptest.StatusUpdate{PlatformOrderID: u.OrderID, Status: u.Status})
	}
	return out
}
