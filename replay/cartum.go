package replay

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/faultplan"
	"github.com/rosync/rosync/platforms/cartum"
	"github.com/rosync/rosync/platforms/cartum/cartumtest"
	"github.com/rosync/rosync/roapp/roapptest"
)

// The replay's Cartum credentials: test values, still never printed.
const (
	cartumLogin         = "replay-api"
	cartumPassword      = "cartum-replay-password-0123"
	cartumWebhookSecret = "cartum-replay-hook-secret"
)

func init() { Register("cartum", newCartum) }

// cartumHarness plays a Cartum shop: shop.statuses are the objects of
// orders/get_available_statuses, shop.orders and events[].order the objects
// of orders/get, shop.currency the currency the adapter is configured with
// (Cartum's API does not report it), settings.timezone the shop's timezone
// (stat_created is local time) and settings.status_map maps a Cartum status
// id (a string) to an RO App status name (CAR-2).
//
// Webhooks: Cartum fires only order_created, with no signature; the secret
// is a query parameter of the subscribed URL. The fixture contract delivers
// every platform change as a webhook, so a changed order is delivered the
// same way (its body, hence its event id, differs from the first delivery).
// A real Cartum sends nothing for a change: the reconciliation poll finds
// it, and the replay's final poll re-reads every order of the last two
// months as it would.
type cartumHarness struct {
	srv    *cartumtest.Server
	loc    *time.Location
	now    func() time.Time
	cur    string
	faults *faultplan.Plan
}

// SetFaults applies a fault plan to the fake shop; the adapter then
// retries quickly and often.
func (h *cartumHarness) SetFaults(p *faultplan.Plan) {
	h.faults = p
	h.srv.SetFaults(p)
}

func newCartum(fx *Fixture, now func() time.Time) (Harness, error) {
	loc := time.UTC
	if tz := fx.Settings.Timezone; tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil {
			return nil, &FixtureError{Field: "settings.timezone", Err: err}
		}
		loc = l
	}
	if fx.Shop.Currency == "" {
		return nil, &FixtureError{Field: "shop.currency", Err: errors.New("missing: Cartum's adapter needs the shop currency")}
	}
	srv := cartumtest.New(cartumtest.Options{Login: cartumLogin, Password: cartumPassword, Location: loc, Now: now})
	statuses, err := json.Marshal(fx.Shop.Statuses)
	if err != nil {
		return nil, &FixtureError{Field: "shop.statuses", Err: err}
	}
	if err := srv.SetStatuses(statuses); err != nil {
		return nil, &FixtureError{Field: "shop.statuses", Err: err}
	}
	h := &cartumHarness{srv: srv, loc: loc, now: now, cur: fx.Shop.Currency}
	for i, raw := range fx.Shop.Orders {
		if _, err := h.PutOrder(raw); err != nil {
			return nil, &FixtureError{Field: fmt.Sprintf("shop.orders[%d]", i), Err: err}
		}
	}
	return h, nil
}

func (h *cartumHarness) Handler() http.Handler { return h.srv }

func (h *cartumHarness) Credentials() SandboxCredentials {
	return SandboxCredentials{Login: cartumLogin, Password: cartumPassword, WebhookSecret: cartumWebhookSecret}
}

func (h *cartumHarness) Connect(baseURL string, client *http.Client, log *slog.Logger) (rosync.Platform, error) {
	opts := &cartum.Options{
		Currency:      h.cur,
		Location:      h.loc,
		HTTPClient:    client,
		WebhookSecret: cartumWebhookSecret,
		// The replay's clock drives the token cache, so that the events
		// (a minute apart) outlive tokens as a real day would.
		Now:          h.now,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 10 * time.Millisecond,
	}
	opts.Logger = log
	if h.faults != nil {
		opts.RetryMax = 30
	}
	return cartum.New(baseURL, cartum.Credentials{Login: cartumLogin, Password: cartumPassword}, opts)
}

func cartumOrderID(raw json.RawMessage) (int64, error) {
	var head struct {
		OrderID int64 `json:"order_id"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return 0, err
	}
	if head.OrderID <= 0 {
		return 0, errors.New("order without a positive order_id")
	}
	return head.OrderID, nil
}

func (h *cartumHarness) PutOrder(raw json.RawMessage) (bool, error) {
	id, err := cartumOrderID(raw)
	if err != nil {
		return false, err
	}
	_, existed := h.srv.Order(id)
	return !existed, h.srv.AddOrder(raw)
}

func (h *cartumHarness) Webhook(target string, raw json.RawMessage, _ bool) (*http.Request, error) {
	id, err := cartumOrderID(raw)
	if err != nil {
		return nil, err
	}
	body, ok := h.srv.Order(id)
	if !ok {
		return nil, fmt.Errorf("order %s is not on the fake server", strconv.FormatInt(id, 10))
	}
	return cartumtest.Webhook(target, cartumWebhookSecret, body), nil
}

func (h *cartumHarness) StatusUpdates() []roapptest.StatusUpdate {
	var out []roapptest.StatusUpdate
	for _, u := range h.srv.StatusUpdates() {
		out = append(out, roapptest.StatusUpdate{PlatformOrderID: u.OrderID, Status: u.Status})
	}
	return out
}
