package woocommerce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/platformkit"
)

// Name is the platform name that Platform.Name returns and that goes into
// rosync.Order.Platform.
const Name = "woocommerce"

// MaxPerPage is WordPress's cap on per_page for REST collections.
const MaxPerPage = 100

// Credentials are a WooCommerce REST API key pair (WooCommerce > Settings >
// Advanced > REST API). The key needs read access for the import and
// read_write access for SetStatus (WOO-3). Credentials never print their
// values: String, GoString and LogValue redact them.
type Credentials struct {
	Key    string // consumer key, ck_…
	Secret string // consumer secret, cs_…
}

// String returns a redacted description of c.
func (c Credentials) String() string { return "woocommerce.Credentials{[redacted]}" }

// GoString returns a redacted description of c for %#v.
func (c Credentials) GoString() string { return c.String() }

// LogValue redacts c in slog output.
func (c Credentials) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// Options configure a Platform. The zero value (or nil) is valid.
type Options struct {
	// HTTPClient is the client requests go through; nil means a pooled
	// client with a 60 s timeout. Its Transport is wrapped (not modified)
	// for rate limiting.
	HTTPClient *http.Client
	// WebhookSecret is the secret of the shop's webhooks, as WooCommerce
	// shows it. VerifyWebhook refuses every signed delivery when it is "".
	WebhookSecret string
	// Logger receives debug and warning lines. When nil, the adapter
	// takes the Syncer's logger (TakeLogger, which rosync.New calls), and
	// discards them until then. No line carries a secret.
	Logger *slog.Logger
	// RequestsPerSecond caps the request rate to the shop; 0 means no cap
	// (WooCommerce core has no rate limit, but hosts and WAFs may).
	RequestsPerSecond float64
	// RetryMax is how many times a GET or PUT is retried after a network
	// error, a 429 or a 5xx; 0 means 4, a negative value no retry.
	RetryMax int
	// RetryWaitMin and RetryWaitMax bound the back-off between retries
	// (defaults 500 ms and 30 s). A Retry-After longer than RetryWaitMax is
	// not waited for: the call returns a *rosync.RateLimitError (inside
	// the *rosync.APIError) for the caller to retry later.
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration
	// PerPage is the page size of order lists; 0 or more than 100 means 100.
	PerPage int
}

// Platform is the WooCommerce adapter: REST API v3 reads, status updates and
// webhook verification. It is safe for concurrent use.
type Platform struct {
	c             *client
	log           *slog.Logger
	logs          *platformkit.LoggerSlot
	perPage       int
	webhookSecret func() string // a func so that fmt never prints it
	cat           *catalog
}

var _ rosync.Platform = (*Platform)(nil)

var _ rosync.LoggerTaker = (*Platform)(nil)

// TakeLogger makes l the adapter's logger when Options.Logger was nil and
// no logger was taken before (rosync.LoggerTaker: rosync.New offers the
// Syncer's); it reports whether it took l.
func (p *Platform) TakeLogger(l *slog.Logger) bool { return p.logs.Take(l) }

// New returns the adapter for the shop at baseURL, the site root (e.g.
// "https://shop.example.com" or "https://example.com/shop"); the API lives
// under baseURL + "/wp-json/wc/v3". Requests use HTTP Basic auth, which
// WooCommerce accepts over HTTPS only (plain http is for tests and local
// fakes). baseURL must not carry credentials.
func New(baseURL string, creds Credentials, opts *Options) (*Platform, error) {
	if opts == nil {
		opts = &Options{}
	}
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("woocommerce: base URL must be an absolute http(s) URL")
	}
	if u.User != nil {
		return nil, errors.New("woocommerce: base URL must not carry credentials; pass them as Credentials")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("woocommerce: base URL must not have a query or fragment")
	}
	if creds.Key == "" || creds.Secret == "" {
		return nil, errors.New("woocommerce: consumer key and secret are required")
	}
	logs := platformkit.NewLoggerSlot(opts.Logger)
	log := logs.Logger().With("platform", Name)
	perPage := opts.PerPage
	if perPage <= 0 || perPage > MaxPerPage {
		perPage = MaxPerPage
	}
	api := strings.TrimRight(u.String(), "/") + "/wp-json/wc/v3"
	c := newClient(api, creds, opts, log)
	secret := wpSpecialcharsDecode(opts.WebhookSecret)
	p := &Platform{
		c:             c,
		log:           log,
		logs:          logs,
		perPage:       perPage,
		webhookSecret: func() string { return secret },
	}
	p.cat = newCatalog(c, log)
	return p, nil
}

// Name returns "woocommerce".
func (p *Platform) Name() string { return Name }

// Policy returns the WooCommerce rules as data (WOO-1..WOO-4, WOO-C1, WOO-C2,
// WOO-P1). The Syncer applies them.
func (p *Platform) Policy() rosync.Policy {
	return rosync.Policy{
		WindowRule:   "WOO-1",
		ImportMonths: 2,
		// WOO-1: Completed, Cancelled, Refunded, Failed and Trash.
		ExcludedStatuses: []string{"completed", "cancelled", "refunded", "failed", "trash"},
		StatusSync:       rosync.StatusSyncToPlatform,
		// WOO-3: Completed waits until the products are deducted in RO App.
		HoldUntilDeducted: []string{"completed"},
		IdentifyBy:        []rosync.IdentifyBy{rosync.IdentifyByName, rosync.IdentifyBySKU, rosync.IdentifyByID},
		Delivery:          rosync.DeliveryNone, // WOO-4
		RequireLines:      true,                // WOO-2
		RequireCustomer:   true,                // WOO-2, WOO-C2
		RequireRule:       "WOO-2",
		MatchEmail:        true, // WOO-C1
		TransfersAddress:  false,
	}
}

// Shop reads the store currency from GET /settings/general (the setting
// "woocommerce_currency"). WooCommerce does not report its timezone through
// the REST API v3 settings in a stable form, so Timezone is "".
func (p *Platform) Shop(ctx context.Context) (rosync.ShopInfo, error) {
	body, _, err := p.c.get(ctx, "/settings/general", "/settings/general", nil)
	if err != nil {
		return rosync.ShopInfo{}, err
	}
	var settings []struct {
		ID    string          `json:"id"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(body, &settings); err != nil {
		return rosync.ShopInfo{}, fmt.Errorf("woocommerce: GET /settings/general: decoding: %w", err)
	}
	for _, s := range settings {
		if s.ID != "woocommerce_currency" {
			continue
		}
		var cur string
		if err := json.Unmarshal(s.Value, &cur); err != nil || strings.TrimSpace(cur) == "" {
			return rosync.ShopInfo{}, errors.New("woocommerce: setting woocommerce_currency has no currency code")
		}
		return rosync.ShopInfo{Currency: strings.TrimSpace(cur)}, nil
	}
	return rosync.ShopInfo{}, errors.New("woocommerce: GET /settings/general: no woocommerce_currency setting (does the API key's user have the manage_woocommerce capability?)")
}

// SetStatus sets an order's status with PUT /orders/{id} {"status": status}.
// WooCommerce answers with an order.updated webhook and may email the
// customer. A missing order is an error wrapping rosync.ErrNotFound.
func (p *Platform) SetStatus(ctx context.Context, id, status string) error {
	oid, err := parseOrderID(id)
	if err != nil {
		return err
	}
	status = strings.TrimSpace(status)
	if status == "" {
		return errors.New("woocommerce: SetStatus: empty status")
	}
	body, err := json.Marshal(map[string]string{"status": status})
	if err != nil {
		return err
	}
	_, _, err = p.c.do(ctx, http.MethodPut, "/orders/{id}", "/orders/"+strconv.FormatInt(oid, 10), nil, body)
	if err != nil {
		return err
	}
	p.log.DebugContext(ctx, "order status set", "order_id", oid, "status", status)
	return nil
}

// parseOrderID accepts a positive decimal integer: anything else cannot be
// a WooCommerce order id (and must not be spliced into a URL path).
func parseOrderID(id string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(id), 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("woocommerce: %q is not an order id: %w", id, rosync.ErrNotFound)
	}
	return n, nil
}
