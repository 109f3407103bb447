package cartum

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rosync/rosync"

	"github.com/rosync/rosync/platforms/platformkit"
)

// Name is the platform name that Platform.Name returns and that goes into
// rosync.Order.Platform.
const Name = "cartum"

// MaxPageSize is the largest orders/get page the adapter asks for (the
// limit Cartum documents for catalog/export; orders/get documents none).
const MaxPageSize = 500

// Credentials are the login and password of a Cartum API user (admin:
// Settings → Users). Credentials never print their values: String,
// GoString and LogValue redact them.
type Credentials struct {
	Login    string
	Password string
}

// String returns a redacted description of c.
func (c Credentials) String() string { return "cartum.Credentials{[redacted]}" }

// GoString returns a redacted description of c for %#v.
func (c Credentials) GoString() string { return c.String() }

// LogValue redacts c in slog output.
func (c Credentials) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// Options configure a Platform. Currency is required; the zero value of
// every other field is its documented default.
type Options struct {
	// Currency is the shop's ISO 4217 currency code. Required: Cartum's API
	// documents no call that returns the shop currency, so it cannot be
	// read, and ORD-4 needs it. An order that carries its own "currency"
	// field uses that one instead.
	Currency string
	// Timezone is the shop's IANA timezone ("Europe/Kyiv"). stat_created
	// and the from/to filters of orders/get are the shop's local time;
	// default UTC. Location, when set, takes precedence.
	Timezone string
	// Location is the shop's timezone as a *time.Location.
	Location *time.Location
	// Language is the key taken from titles given per language
	// ({"ua": …, "en": …}); when empty or missing from a title, the first
	// key of the title object (in the order the API sent it) is used.
	Language string
	// HTTPClient sends the requests; nil means a client with a 60 s timeout.
	HTTPClient *http.Client
	// WebhookSecret is the secret that the hook's target_url carries in its
	// WebhookSecretParam query parameter (see Subscribe). VerifyWebhook
	// refuses every request when it is "".
	WebhookSecret string
	// Logger receives debug and warning lines. When nil, the adapter
	// takes the Syncer's logger (TakeLogger, which rosync.New calls), and
	// discards them until then. No line carries a secret.
	Logger *slog.Logger
	// PageSize is the orders/get limit; 0 or more than MaxPageSize means
	// MaxPageSize.
	PageSize int
	// PollLookBack is how far before Query.UpdatedSince a poll reaches in
	// creation dates: Cartum's orders/get filters on creation only, so a
	// poll re-reads every order created in the look-back and the engine
	// skips the unchanged ones. Zero means two calendar months (the import
	// window); a negative value means none (only orders created since
	// UpdatedSince: changes to older orders are then never seen).
	PollLookBack time.Duration
	// RetryMax is how many times an idempotent call (auth, orders/get,
	// orders/get_available_statuses, and orders/update, which sets an
	// absolute status) is retried after a network error, a 429 or a 5xx;
	// 0 means 4, a negative value no retry. hooks/subscribe is not
	// retried: it would add a second subscription.
	RetryMax int
	// RetryWaitMin and RetryWaitMax bound the exponential back-off between
	// retries (defaults 500 ms and 30 s).
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration
	// Now is the clock of the token cache; default time.Now.
	Now func() time.Time
}

// Platform is the Cartum adapter. It is safe for concurrent use.
type Platform struct {
	c             *client
	log           *slog.Logger
	logs          *platformkit.LoggerSlot
	loc           *time.Location
	currency      string
	lang          string
	pageSize      int
	lookBack      time.Duration
	webhookSecret func() string // a func so that fmt never prints it

	mu       sync.Mutex
	statuses []Status // from Shop; nil until then
}

var _ rosync.Platform = (*Platform)(nil)

var _ rosync.LoggerTaker = (*Platform)(nil)

// TakeLogger makes l the adapter's logger when Options.Logger was nil and
// no logger was taken before (rosync.LoggerTaker: rosync.New offers the
// Syncer's); it reports whether it took l.
func (p *Platform) TakeLogger(l *slog.Logger) bool { return p.logs.Take(l) }

// Status is a native order status of orders/get_available_statuses.
type Status struct {
	// ID is the status id, as orders carry it in stat_status.
	ID int64
	// Title is the status title in Options.Language (or the first
	// language given), for logs only: rules never read it.
	Title string
	// Successful is is_successful == 1: the shop's "Delivered" (CAR-1).
	Successful bool
}

// New returns the adapter for the shop at shopURL, the shop's root
// ("https://shop.example.com", or a bare host, taken as https). Every API
// call is POST shopURL + "/api/<function>/". shopURL must not carry
// credentials, a query or a fragment.
func New(shopURL string, creds Credentials, opts *Options) (*Platform, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	raw := strings.TrimSpace(shopURL)
	if raw != "" && !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("cartum: shop URL must be an absolute http(s) URL or a host name")
	}
	if u.User != nil {
		return nil, errors.New("cartum: shop URL must not carry credentials; pass them as Credentials")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("cartum: shop URL must not have a query or fragment")
	}
	if strings.TrimSpace(creds.Login) == "" || creds.Password == "" {
		return nil, errors.New("cartum: API login and password are required")
	}
	cur := strings.ToUpper(strings.TrimSpace(o.Currency))
	if cur == "" {
		return nil, errors.New("cartum: Options.Currency is required (Cartum's API does not report the shop currency)")
	}
	if _, ok := rosync.CurrencyDigits(cur); !ok {
		return nil, fmt.Errorf("cartum: Options.Currency %q is not an ISO 4217 code", o.Currency)
	}
	loc := o.Location
	if loc == nil {
		loc = time.UTC
		if tz := strings.TrimSpace(o.Timezone); tz != "" {
			if loc, err = time.LoadLocation(tz); err != nil {
				return nil, fmt.Errorf("cartum: Options.Timezone: %w", err)
			}
		}
	}
	logs := platformkit.NewLoggerSlot(o.Logger)
	log := logs.Logger().With("platform", Name)
	pageSize := o.PageSize
	if pageSize <= 0 || pageSize > MaxPageSize {
		pageSize = MaxPageSize
	}
	secret := o.WebhookSecret
	api := strings.TrimRight(u.String(), "/") + "/api/"
	p := &Platform{
		log:           log,
		logs:          logs,
		loc:           loc,
		currency:      cur,
		lang:          strings.TrimSpace(o.Language),
		pageSize:      pageSize,
		lookBack:      o.PollLookBack,
		webhookSecret: func() string { return secret },
	}
	p.c = newClient(api, creds, &o, log, secret)
	return p, nil
}

// Name returns "cartum".
func (p *Platform) Name() string { return Name }

// Location returns the shop's timezone.
func (p *Platform) Location() *time.Location { return p.loc }

// Policy returns the Cartum rules as data. The initial import covers two
// months and skips the statuses whose is_successful is 1 (the shop's
// Delivered, whatever its title or language) (CAR-1); statuses are synced
// both ways through the shop's status map (CAR-2); delivery details go to a
// comment once, when the order is imported (DEL-1; DEL-2 is Shopify's);
// products are identified by SKU (Cartum's article) or name; contacts
// match by phone or email.
//
// The excluded statuses come from Shop: before Shop has succeeded, the
// list is empty. The Syncer always calls Shop first.
func (p *Platform) Policy() rosync.Policy {
	return rosync.Policy{
		WindowRule:       "CAR-1",
		ImportMonths:     2,
		ExcludedStatuses: p.excludedStatuses(),  // CAR-1
		StatusSync:       rosync.StatusSyncBoth, // CAR-2
		IdentifyBy:       []rosync.IdentifyBy{rosync.IdentifyBySKU, rosync.IdentifyByName},
		Delivery:         rosync.DeliveryOnCreate, // DEL-1
		RequireLines:     false,
		RequireCustomer:  false,
		MatchEmail:       true,
		TransfersAddress: false,
	}
}

// excludedStatuses lists, as strings, the ids of the statuses Shop found
// with is_successful == 1.
func (p *Platform) excludedStatuses() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, s := range p.statuses {
		if s.Successful {
			out = append(out, strconv.FormatInt(s.ID, 10))
		}
	}
	return out
}

// Statuses returns the statuses Shop read, by id; nil before Shop.
func (p *Platform) Statuses() []Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Status(nil), p.statuses...)
}

// Shop returns the currency of Options.Currency and the timezone of
// Options.Timezone, and reads the shop's order statuses with
// orders/get_available_statuses for Policy (CAR-1) and SetStatus.
func (p *Platform) Shop(ctx context.Context) (rosync.ShopInfo, error) {
	resp, err := p.c.call(ctx, "orders/get_available_statuses", nil, true)
	if err != nil {
		return rosync.ShopInfo{}, err
	}
	sts, err := decodeStatuses(resp, p.lang)
	if err != nil {
		return rosync.ShopInfo{}, fmt.Errorf("cartum: orders/get_available_statuses: %w", err)
	}
	p.mu.Lock()
	p.statuses = sts
	p.mu.Unlock()
	if len(p.excludedStatuses()) == 0 {
		p.log.WarnContext(ctx, "no order status has is_successful = 1: the initial import excludes none (CAR-1)")
	}
	return rosync.ShopInfo{Currency: p.currency, Timezone: p.loc.String()}, nil
}

// decodeStatuses reads response.statuses, an object keyed by id (or, to be
// safe, an array) of {id, title, is_successful}. is_successful must be 0 or
// 1 (a number, a boolean or the strings "0"/"1"): the import must not guess
// which statuses are Delivered.
func decodeStatuses(resp json.RawMessage, lang string) ([]Status, error) {
	var env struct {
		Statuses json.RawMessage `json:"statuses"`
	}
	if err := json.Unmarshal(resp, &env); err != nil {
		return nil, fmt.Errorf("response is not an object: %w", err)
	}
	var items []json.RawMessage
	switch platformkit.JSONKind(env.Statuses) {
	case "object":
		var m map[string]json.RawMessage
		if err := json.Unmarshal(env.Statuses, &m); err != nil {
			return nil, err
		}
		for _, v := range m {
			items = append(items, v)
		}
	case "array":
		if err := json.Unmarshal(env.Statuses, &items); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("statuses is a JSON %s, want an object", platformkit.JSONKind(env.Statuses))
	}
	out := make([]Status, 0, len(items))
	for _, it := range items {
		var n struct {
			ID           json.RawMessage `json:"id"`
			Title        json.RawMessage `json:"title"`
			IsSuccessful json.RawMessage `json:"is_successful"`
		}
		if err := json.Unmarshal(it, &n); err != nil {
			return nil, fmt.Errorf("status is not an object: %w", err)
		}
		id, ok, err := readInt(n.ID)
		if err != nil || !ok || id <= 0 {
			return nil, fmt.Errorf("status id %s is not a positive integer", platformkit.Truncate(n.ID))
		}
		title, err := readTitle(n.Title, lang)
		if err != nil {
			return nil, fmt.Errorf("status %d: title: %w", id, err)
		}
		succ, err := readFlag(n.IsSuccessful)
		if err != nil {
			return nil, fmt.Errorf("status %d: is_successful: %w", id, err)
		}
		out = append(out, Status{ID: id, Title: title, Successful: succ})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// SetStatus sets an order's status with orders/update
// {"orders":[{"order_id":N,"status":S}]}. id and status are decimal ids;
// a status that Shop did not list is refused before any call. Cartum
// answers OK, or WARNING when an order failed, with response.log[] per
// order: an entry whose status is not OK, or a WARNING answer, is an
// *rosync.APIError whose message is the entry's reason ("messages", as in
// Cartum's own example, or "message"). Log entries may lack order_id (the
// official example has none): the entry for the order is then the first,
// since one order is sent. Setting an absolute status is idempotent, so
// the call is retried after network errors, 429 and 5xx like a read (the
// customer may then get a status notification twice, if the shop sends
// them).
func (p *Platform) SetStatus(ctx context.Context, id, status string) error {
	oid, err := parseID(id)
	if err != nil {
		return fmt.Errorf("cartum: SetStatus: order id %q: %w", id, rosync.ErrNotFound)
	}
	sid, err := parseID(status)
	if err != nil {
		return fmt.Errorf("cartum: SetStatus: status %q is not a Cartum status id", status)
	}
	if known := p.Statuses(); known != nil {
		found := false
		for _, s := range known {
			found = found || s.ID == sid
		}
		if !found {
			return fmt.Errorf("cartum: SetStatus: the shop has no status %d", sid)
		}
	}
	params := map[string]any{"orders": []map[string]any{{"order_id": oid, "status": sid}}}
	// Setting an absolute status is idempotent: retried like a read.
	st, resp, err := p.c.callAccepting(ctx, "orders/update", params, true, statusWarning)
	if err != nil {
		return err
	}
	// An OK answer may still log a failure for the order.
	msg, failed := orderLogFailure(resp, oid)
	if !failed && st == statusWarning {
		msg, failed = statusWarning, true
		if why := envMessage(&envelope{Response: resp}); why != "" {
			msg += ": " + why
		}
	}
	if failed {
		text := fmt.Sprintf("order %d: status %d not set: %s", oid, sid, msg)
		if st == statusWarning && !strings.HasPrefix(msg, statusWarning) {
			text = statusWarning + ": " + text
		}
		return &rosync.APIError{Service: Name, Method: "POST", Path: "orders/update", Message: p.c.redact(clip(text))}
	}
	p.log.DebugContext(ctx, "order status set", "order_id", oid, "status", sid)
	return nil
}

// orderLogFailure reads response.log[] of orders/update and reports the
// reason of a non-OK entry for order id: the entry naming id, or, when no
// entry carries an order_id, the first one (one order is sent).
func orderLogFailure(resp json.RawMessage, id int64) (string, bool) {
	var env struct {
		Log []logEntry `json:"log"`
	}
	if json.Unmarshal(resp, &env) != nil || len(env.Log) == 0 {
		return "", false
	}
	entry, named := -1, false
	for i, l := range env.Log {
		oid, ok, err := readIntOrString(l.OrderID)
		if err != nil || !ok {
			continue
		}
		named = true
		if oid == id && entry < 0 {
			entry = i
		}
	}
	if !named {
		entry = 0
	}
	if entry < 0 {
		return "", false
	}
	l := env.Log[entry]
	st := messageText(l.Status)
	if st == "" || strings.EqualFold(st, statusOK) {
		return "", false
	}
	msg := l.reason()
	if msg == "" {
		return st, true
	}
	return st + ": " + msg, true
}

// WebhookSecretParam is the query parameter of the hook's target_url that
// carries Options.WebhookSecret.
const WebhookSecretParam = "secret"

// EventOrderCreated is the only order event Cartum's hooks/subscribe
// documents.
const EventOrderCreated = "order_created"

// Subscribe registers targetURL for the order_created event with
// hooks/subscribe, adding Options.WebhookSecret as the WebhookSecretParam
// query parameter (Cartum documents no webhook signature; the secret in the
// URL is what VerifyWebhook checks). Cartum allows 5 subscriptions per
// event. Cartum sends no event when an order changes: status changes on
// Cartum are found by the reconciliation poll (Syncer.Poll).
func (p *Platform) Subscribe(ctx context.Context, targetURL string) error {
	secret := p.webhookSecret()
	if secret == "" {
		return errors.New("cartum: Subscribe needs Options.WebhookSecret")
	}
	u, err := url.Parse(strings.TrimSpace(targetURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("cartum: Subscribe: target URL must be an absolute http(s) URL")
	}
	q := u.Query()
	q.Set(WebhookSecretParam, secret)
	u.RawQuery = q.Encode()
	params := map[string]any{"event": EventOrderCreated, "target_url": u.String()}
	if _, err := p.c.call(ctx, "hooks/subscribe", params, false); err != nil {
		return err
	}
	p.log.InfoContext(ctx, "subscribed to order_created")
	return nil
}

// parseID accepts a positive decimal integer.
func parseID(s string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 {
		return 0, errors.New("not a positive integer")
	}
	return n, nil
}
