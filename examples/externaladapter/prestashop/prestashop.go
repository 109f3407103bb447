package prestashop

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/platformkit"
)

// Name is the platform name that Platform.Name returns.
const Name = "prestashop"

// The adapter's limits.
const (
	// DefaultPageSize is the number of orders asked for per page.
	DefaultPageSize = 50
	// MaxPages bounds one stream (DefaultPageSize × MaxPages orders).
	MaxPages = 10000
	// MaxWebhookBody is the largest relay webhook body read (PRS-3).
	MaxWebhookBody = 64 << 10
	// maxResponse is the largest API answer read.
	maxResponse = 32 << 20
	// HeaderSignature carries the relay module's signature (PRS-3).
	HeaderSignature = "X-Rosync-Signature"
	// DateLayout is PrestaShop's date format, in the shop's timezone.
	DateLayout = "2006-01-02 15:04:05"
)

// DefaultExcludedStates are the order state ids of a fresh PrestaShop
// install that the initial import skips (PRS-1): 5 Delivered, 6 Canceled,
// 7 Refunded.
var DefaultExcludedStates = []string{"5", "6", "7"}

// Options configure a Platform.
type Options struct {
	// HTTPClient sends the requests; nil means a client with a 60 s
	// timeout.
	HTTPClient *http.Client
	// Currency is the ISO 4217 code of the shop's currency, and CurrencyID
	// its PrestaShop id (default 1); an order in another currency is an
	// *rosync.InvalidOrderError (PRS-5).
	Currency   string
	CurrencyID string
	// Timezone is the shop's IANA timezone (its PS_TIMEZONE); default UTC.
	Timezone string
	// WebhookSecret is the relay module's shared secret (PRS-3); "" refuses
	// every webhook.
	WebhookSecret string
	// ExcludedStates overrides DefaultExcludedStates.
	ExcludedStates []string
	// PageSize is the page size; default DefaultPageSize.
	PageSize int
	// Logger receives debug lines; nil discards them.
	Logger *slog.Logger
}

// Platform is the PrestaShop adapter. It is safe for concurrent use.
type Platform struct {
	base     *url.URL
	key      string
	hc       *http.Client
	loc      *time.Location
	opts     Options
	excluded []string
}

// New returns the adapter for the shop at baseURL (its root, without
// /api) with the webservice key.
func New(baseURL, key string, opts *Options) (*Platform, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("prestashop: base URL %q is not an absolute http(s) URL", baseURL)
	}
	if key == "" {
		return nil, errors.New("prestashop: missing webservice key")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if _, ok := rosync.CurrencyDigits(o.Currency); !ok {
		return nil, fmt.Errorf("prestashop: Options.Currency %q is not an ISO 4217 code (the Webservice order does not carry it)", o.Currency)
	}
	if o.CurrencyID == "" {
		o.CurrencyID = "1"
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 60 * time.Second}
	}
	if o.PageSize <= 0 {
		o.PageSize = DefaultPageSize
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	loc := time.UTC
	if o.Timezone != "" {
		if loc, err = time.LoadLocation(o.Timezone); err != nil {
			return nil, fmt.Errorf("prestashop: Options.Timezone: %w", err)
		}
	}
	ex := o.ExcludedStates
	if ex == nil {
		ex = DefaultExcludedStates
	}
	return &Platform{base: u, key: key, hc: o.HTTPClient, loc: loc, opts: o, excluded: ex}, nil
}

// Name returns "prestashop".
func (p *Platform) Name() string { return Name }

// Policy is PrestaShop's policy (PRS-1..PRS-5).
func (p *Platform) Policy() rosync.Policy {
	return rosync.Policy{
		WindowRule: "PRS-1", ImportMonths: 2, ExcludedStatuses: p.excluded,
		StatusSync: rosync.StatusSyncNone,
		IdentifyBy: []rosync.IdentifyBy{rosync.IdentifyBySKU, rosync.IdentifyByName, rosync.IdentifyByID},
		Delivery:   rosync.DeliveryNone, RequireLines: true, RequireCustomer: true, RequireRule: "PRS-5",
		MatchEmail: true,
	}
}

// Shop reads the configured currency back from the shop (GET
// /api/currencies/{CurrencyID}), which also checks the key.
func (p *Platform) Shop(ctx context.Context) (rosync.ShopInfo, error) {
	var out struct {
		Currency struct {
			ISOCode string `json:"iso_code"`
		} `json:"currency"`
	}
	if err := p.get(ctx, "currencies/"+url.PathEscape(p.opts.CurrencyID), nil, &out); err != nil {
		return rosync.ShopInfo{}, err
	}
	if !strings.EqualFold(out.Currency.ISOCode, p.opts.Currency) {
		return rosync.ShopInfo{}, fmt.Errorf("prestashop: currency %s is %q, not Options.Currency %q: %w",
			p.opts.CurrencyID, out.Currency.ISOCode, p.opts.Currency, rosync.ErrCurrencyMismatch)
	}
	return rosync.ShopInfo{Currency: strings.ToUpper(p.opts.Currency), Timezone: p.loc.String()}, nil
}

// SetStatus returns an error wrapping rosync.ErrUnsupported (PRS-4).
func (p *Platform) SetStatus(context.Context, string, string) error {
	return fmt.Errorf("prestashop: status sync: %w", rosync.ErrUnsupported)
}

// Orders streams the orders q selects, by id, page by page (PRS-1, PRS-2).
func (p *Platform) Orders(ctx context.Context, q rosync.Query) iter.Seq2[rosync.Order, error] {
	return func(yield func(rosync.Order, error) bool) {
		field, since := "date_add", q.CreatedSince
		if !q.UpdatedSince.IsZero() {
			field, since = "date_upd", q.UpdatedSince
		}
		lo, hi := "0000-00-00 00:00:00", "9999-12-31 23:59:59"
		if !since.IsZero() {
			lo = since.Add(-time.Second).In(p.loc).Format(DateLayout) // UNVERIFIED bounds: a second early
		}
		if !q.Until.IsZero() {
			hi = q.Until.In(p.loc).Format(DateLayout)
		}
		for page := range MaxPages {
			v := url.Values{
				"display": {"full"}, "date": {"1"}, "sort": {"[id_ASC]"},
				"filter[" + field + "]": {"[" + lo + "," + hi + "]"},
				"limit":                 {fmt.Sprintf("%d,%d", page*p.opts.PageSize, p.opts.PageSize)},
			}
			var raw json.RawMessage
			if err := p.get(ctx, "orders", v, &raw); err != nil {
				yield(rosync.Order{}, err)
				return
			}
			list, err := orderList(raw)
			if err != nil {
				yield(rosync.Order{}, err)
				return
			}
			for _, r := range list {
				o, err := p.decode(ctx, r)
				if err == nil && !since.IsZero() && stamp(o, field).Before(since) {
					continue // the a-second-early lower bound
				}
				var inv *rosync.InvalidOrderError
				if err != nil && !errors.As(err, &inv) {
					yield(rosync.Order{}, err)
					return
				}
				if !yield(o, err) {
					return
				}
			}
			if len(list) < p.opts.PageSize {
				return
			}
		}
		yield(rosync.Order{}, fmt.Errorf("prestashop: more than %d pages of orders", MaxPages))
	}
}

func stamp(o rosync.Order, field string) time.Time {
	if field == "date_upd" {
		return o.UpdatedAt
	}
	return o.CreatedAt
}

// orderList reads a list answer: {"orders": [...]} or a bare [] when empty
// (UNVERIFIED, see the package doc).
func orderList(raw json.RawMessage) ([]json.RawMessage, error) {
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) == nil {
		if len(list) != 0 {
			return nil, errors.New("prestashop: orders list answer is a non-empty bare array")
		}
		return nil, nil
	}
	var wrap struct {
		Orders *[]json.RawMessage `json:"orders"`
	}
	if err := json.Unmarshal(raw, &wrap); err != nil || wrap.Orders == nil {
		return nil, fmt.Errorf("prestashop: orders list answer is not {\"orders\": [...]}: %s", platformkit.Truncate(raw))
	}
	return *wrap.Orders, nil
}

// Order reads one order (GET /api/orders/{id}).
func (p *Platform) Order(ctx context.Context, id string) (rosync.Order, error) {
	if _, err := strconv.ParseUint(id, 10, 64); err != nil {
		return rosync.Order{}, fmt.Errorf("prestashop: order id %q is not a number: %w", id, rosync.ErrNotFound)
	}
	var out struct {
		Order json.RawMessage `json:"order"`
	}
	if err := p.get(ctx, "orders/"+id, nil, &out); err != nil {
		return rosync.Order{}, err
	}
	return p.decode(ctx, out.Order)
}

// get reads /api/{path}?output_format=JSON&v into out. 404 is
// rosync.ErrNotFound.
func (p *Platform) get(ctx context.Context, path string, v url.Values, out any) error {
	if v == nil {
		v = url.Values{}
	}
	v.Set("output_format", "JSON")
	u := p.base.JoinPath("api", path)
	u.RawQuery = v.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	req.SetBasicAuth(p.key, "")
	resp, err := p.hc.Do(req)
	if err != nil {
		return &platformkit.TransportError{Msg: "prestashop: " + platformkit.Redact(err.Error(), p.key), Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return &platformkit.TransportError{Msg: "prestashop: reading " + path + ": " + platformkit.Redact(err.Error(), p.key), Err: err}
	}
	switch {
	case len(body) > maxResponse:
		return fmt.Errorf("prestashop: %s: answer over %d bytes: %w", path, maxResponse, rosync.ErrBodyTooLarge)
	case resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("prestashop: %s: %w", path, rosync.ErrNotFound)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("prestashop: GET %s: %s: %s", path, resp.Status, platformkit.Redact(platformkit.Truncate(body), p.key))
	}
	if err := json.Unmarshal(body, out); err != nil {
		field, ferr := platformkit.FieldError(path, err)
		return fmt.Errorf("prestashop: %s: %w", field, ferr)
	}
	return nil
}

// VerifyWebhook verifies the relay module's webhook (PRS-3, ENG-4).
func (p *Platform) VerifyWebhook(r *http.Request) (rosync.Hint, error) {
	if r.ContentLength > MaxWebhookBody {
		return rosync.Hint{}, fmt.Errorf("prestashop: webhook body of %d bytes: %w", r.ContentLength, rosync.ErrBodyTooLarge)
	}
	if r.Body == nil {
		return rosync.Hint{}, fmt.Errorf("prestashop: webhook without body: %w", rosync.ErrSignature)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxWebhookBody+1))
	if err != nil {
		return rosync.Hint{}, fmt.Errorf("prestashop: reading webhook body: %w", err)
	}
	if len(body) > MaxWebhookBody {
		return rosync.Hint{}, fmt.Errorf("prestashop: webhook body over %d bytes: %w", MaxWebhookBody, rosync.ErrBodyTooLarge)
	}
	if p.opts.WebhookSecret == "" {
		return rosync.Hint{}, fmt.Errorf("prestashop: no webhook secret configured: %w", rosync.ErrSignature)
	}
	got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(r.Header.Get(HeaderSignature)))
	if err != nil || len(got) == 0 || !hmac.Equal(got, Sign(p.opts.WebhookSecret, body)) {
		return rosync.Hint{}, fmt.Errorf("prestashop: webhook %s missing or wrong: %w", HeaderSignature, rosync.ErrSignature)
	}
	sum := sha256.Sum256(body)
	hint := rosync.Hint{Topic: "order", EventID: hex.EncodeToString(sum[:])}
	var payload struct {
		IDOrder json.RawMessage `json:"id_order"`
	}
	if err := json.Unmarshal(body, &payload); err != nil {
		return rosync.Hint{}, fmt.Errorf("prestashop: webhook body is not a JSON object: %w", err)
	}
	id := strings.Trim(strings.TrimSpace(string(payload.IDOrder)), `"`)
	if n, err := strconv.ParseUint(id, 10, 64); err != nil || n == 0 {
		return rosync.Hint{}, fmt.Errorf("prestashop: webhook id_order %s is not an order id", platformkit.Truncate(payload.IDOrder))
	}
	hint.OrderID = id
	return hint, nil
}

// Sign is the relay module's signature of body: HMAC-SHA256 under secret
// (sent base64 in HeaderSignature).
func Sign(secret string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return m.Sum(nil)
}
