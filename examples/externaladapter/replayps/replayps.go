// Package replayps registers the PrestaShop adapter with rosync's replay
// (replay.Register), the way a platform outside the rosync module does:
// importing it makes "platform": "prestashop" fixtures playable by
// replay.Run and replay.NewSandbox.
//
// A PrestaShop fixture: shop.orders and events[].order are Webservice
// orders with display=full (prestashoptest.NativeOrder's shape), shop.extra
// "customers" and "addresses" the customers and delivery addresses they
// name, shop.currency the shop currency (its PrestaShop id is 1) and
// settings.timezone the shop's PS_TIMEZONE. shop.products, categories and
// statuses must be empty, and shop.extra holds no other key. Platform
// changes arrive as the relay module's signed webhook (PRS-3).
package replayps

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/replay"
	"github.com/rosync/rosync/roapp/roapptest"

	"example.com/rosync-prestashop/prestashop"
	"example.com/rosync-prestashop/prestashop/prestashoptest"
)

// The replay's credentials: test values, which the replay checks never
// reach a log.
const (
	key           = "PSREPLAY0123456789ABCDEFGHIJKLMN"
	webhookSecret = "ps-replay-relay-secret"
)

func init() { replay.Register(prestashop.Name, newHarness) }

type harness struct {
	srv *prestashoptest.Server
	fx  *replay.Fixture
}

func newHarness(fx *replay.Fixture, _ func() time.Time) (replay.Harness, error) {
	loc := time.UTC
	if tz := fx.Settings.Timezone; tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil {
			return nil, &replay.FixtureError{Field: "settings.timezone", Err: err}
		}
		loc = l
	}
	if len(fx.Shop.Products)+len(fx.Shop.Categories)+len(fx.Shop.Statuses) > 0 {
		return nil, &replay.FixtureError{Field: "shop", Err: errors.New("a PrestaShop fixture has no products, categories or statuses (the orders carry their rows)")}
	}
	srv := prestashoptest.New(key, fx.Shop.Currency, loc)
	for name, raw := range fx.Shop.Extra {
		var put func(json.RawMessage) error
		switch name {
		case "customers":
			put = srv.PutCustomer
		case "addresses":
			put = srv.PutAddress
		default:
			return nil, &replay.FixtureError{Field: "shop.extra." + name, Err: errors.New("unknown PrestaShop resource (customers, addresses)")}
		}
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, &replay.FixtureError{Field: "shop.extra." + name, Err: err}
		}
		for i, r := range list {
			if err := put(r); err != nil {
				return nil, &replay.FixtureError{Field: fmt.Sprintf("shop.extra.%s[%d]", name, i), Err: err}
			}
		}
	}
	for i, raw := range fx.Shop.Orders {
		if _, err := srv.PutOrder(raw); err != nil {
			return nil, &replay.FixtureError{Field: fmt.Sprintf("shop.orders[%d]", i), Err: err}
		}
	}
	return &harness{srv: srv, fx: fx}, nil
}

func (h *harness) Handler() http.Handler { return h.srv }

func (h *harness) Connect(baseURL string, client *http.Client, log *slog.Logger) (rosync.Platform, error) {
	return prestashop.New(baseURL, key, &prestashop.Options{HTTPClient: client, Currency: h.fx.Shop.Currency,
		Timezone: h.fx.Settings.Timezone, WebhookSecret: webhookSecret, Logger: log})
}

func (h *harness) PutOrder(raw json.RawMessage) (bool, error) { return h.srv.PutOrder(raw) }

func (h *harness) Webhook(target string, raw json.RawMessage, _ bool) (*http.Request, error) {
	var head struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, err
	}
	body := []byte(fmt.Sprintf(`{"id_order":%d}`, head.ID))
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(prestashop.HeaderSignature, base64.StdEncoding.EncodeToString(prestashop.Sign(webhookSecret, body)))
	return req, nil
}

// StatusUpdates is empty: PrestaShop has no status sync (PRS-4).
func (h *harness) StatusUpdates() []roapptest.StatusUpdate { return nil }

func (h *harness) Credentials() replay.SandboxCredentials {
	return replay.SandboxCredentials{Key: key, WebhookSecret: webhookSecret}
}
