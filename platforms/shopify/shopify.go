package shopify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/platformkit"
)

// Name is the platform name that Platform.Name returns and that goes into
// rosync.Order.Platform.
const Name = "shopify"

// DefaultAPIVersion is the GraphQL Admin API version requests are pinned to
// when Options.APIVersion is empty. Order.lineItems.currentQuantity and the
// product taxonomy category need 2024-07 or later.
const DefaultAPIVersion = "2025-10"

// MaxQueryCost is Shopify's limit on the requested cost of one query.
const MaxQueryCost = 1000

// The default page sizes: 10 orders of up to 8 lines each keep a list
// query's requested cost (about 865 points) under MaxQueryCost. An order
// with more lines has the rest read by a follow-up query.
const (
	DefaultOrdersPerPage = 10
	DefaultLinesPerOrder = 8
)

// The defaults of the bulk operation that reads the initial import: the
// first wait between two polls (the waits then grow by half each time, up
// to maxBulkPollInterval) and the longest the adapter polls one operation.
const (
	DefaultBulkPollInterval = 2 * time.Second
	DefaultBulkMaxWait      = time.Hour
	maxBulkPollInterval     = 30 * time.Second
)

// DefaultLimitedPlans are the plan names (ShopPlan.publicDisplayName,
// compared case-insensitively) whose stores do not give an admin-created
// custom app protected customer data (name, email, phone, address):
// Basic and Starter (SHO-C2). publicDisplayName documents "Basic" and
// "Starter"; the older names that the deprecated displayName gave are
// kept so that a list written for them still works.
var DefaultLimitedPlans = []string{"Basic", "Basic Shopify", "Shopify Basic", "Starter", "Shopify Starter"}

// Credentials are the Admin API access token of the app installed on the
// shop (shpat_…). Credentials never print their value: String, GoString and
// LogValue redact it.
type Credentials struct {
	AccessToken string
}

// String returns a redacted description of c.
func (c Credentials) String() string { return "shopify.Credentials{[redacted]}" }

// GoString returns a redacted description of c for %#v.
func (c Credentials) GoString() string { return c.String() }

// LogValue redacts c in slog output.
func (c Credentials) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// Options configure a Platform. The zero value (or nil) is valid.
type Options struct {
	// HTTPClient is the client requests go through; nil means a client
	// with a 60 s timeout. Its timeout bounds each query; for the download
	// of a bulk operation's result, which may take long, it bounds instead
	// each wait for the next bytes (60 s when the client has none).
	HTTPClient *http.Client
	// WebhookSecret is the app's client secret, which signs its webhooks
	// (or, for webhooks made by hand in the Shopify admin, the secret shown
	// there). VerifyWebhook refuses every delivery when it is "".
	WebhookSecret string
	// APIVersion is the GraphQL Admin API version, e.g. "2025-10"; empty
	// means DefaultAPIVersion.
	APIVersion string
	// Logger receives debug and warning lines. When nil, the adapter
	// takes the Syncer's logger (TakeLogger, which rosync.New calls), and
	// discards them until then. No line carries a secret.
	Logger *slog.Logger
	// MaxCostWait is the longest the adapter waits for the cost bucket to
	// refill before a query, or after a THROTTLED answer; a longer wait
	// returns an error wrapping *rosync.RateLimitError for the caller to
	// retry later. Zero means 60 s.
	MaxCostWait time.Duration
	// OrdersPerPage and LinesPerOrder are the page sizes of order lists
	// read page by page: polls, and the initial import when PagedImport is
	// set or a bulk operation cannot be used (defaults DefaultOrdersPerPage
	// and DefaultLinesPerOrder). New refuses sizes whose requested cost
	// would pass MaxQueryCost.
	OrdersPerPage int
	LinesPerOrder int
	// PagedImport makes the initial import (Orders with
	// Query.CreatedSince and no Query.UpdatedSince) read the orders page
	// by page, as a poll does. By default it runs one bulk operation
	// (bulkOperationRunQuery), which has no cost limit, and streams its
	// JSONL result one order at a time; see the package doc.
	PagedImport bool
	// BulkPollInterval is the first wait between two polls of a bulk
	// operation (the first poll goes out at once); the waits then grow
	// by half each time, up to 30 s or BulkPollInterval when longer. Zero
	// means DefaultBulkPollInterval.
	BulkPollInterval time.Duration
	// BulkMaxWait is the longest the adapter polls one bulk operation;
	// past it, Orders ends with an error wrapping
	// context.DeadlineExceeded. Zero means DefaultBulkMaxWait.
	BulkMaxWait time.Duration
	// RetryMax is how many times a request is retried after a network
	// error, a 429 or a 5xx; 0 means 4, a negative value no retry.
	RetryMax int
	// RetryWaitMin and RetryWaitMax bound the back-off between retries
	// (defaults 500 ms and 30 s). A Retry-After longer than RetryWaitMax is
	// not waited for: the call returns an error wrapping a
	// *rosync.RateLimitError.
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration
	// LimitedPlans are the plan display names whose stores withhold
	// customer data (SHO-C2); nil means DefaultLimitedPlans.
	LimitedPlans []string
	// Now is the clock of the cost bucket and of bulk operation polls;
	// default time.Now.
	Now func() time.Time
	// Sleep waits d or until ctx is done (returning ctx's error); default
	// a timer. Tests replace Now and Sleep to observe the adapter's waits
	// (retries, the cost bucket, bulk operation polls).
	Sleep func(ctx context.Context, d time.Duration) error
}

// Platform is the Shopify adapter: GraphQL Admin API reads and webhook
// verification. It is safe for concurrent use.
type Platform struct {
	c             *client
	log           *slog.Logger
	logs          *platformkit.LoggerSlot
	ordersPerPage int
	linesPerOrder int
	pagedImport   bool
	bulkPoll      time.Duration
	bulkMaxWait   time.Duration
	limited       map[string]bool
	webhookSecret func() string // a func so that fmt never prints it
}

var _ rosync.Platform = (*Platform)(nil)

var _ rosync.LoggerTaker = (*Platform)(nil)

// TakeLogger makes l the adapter's logger when Options.Logger was nil and
// no logger was taken before (rosync.LoggerTaker: rosync.New offers the
// Syncer's); it reports whether it took l.
func (p *Platform) TakeLogger(l *slog.Logger) bool { return p.logs.Take(l) }

// New returns the adapter for a shop. shopDomainOrBaseURL is the shop's
// myshopify domain ("example.myshopify.com", or just "example") or a base
// URL ("https://example.myshopify.com"; http is for tests and local fakes);
// the API lives under {base}/admin/api/{version}/graphql.json. The URL must
// not carry credentials, a query or a fragment.
func New(shopDomainOrBaseURL string, creds Credentials, opts *Options) (*Platform, error) {
	if opts == nil {
		opts = &Options{}
	}
	base, err := baseURL(shopDomainOrBaseURL)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(creds.AccessToken) == "" {
		return nil, errors.New("shopify: an Admin API access token is required")
	}
	version := strings.TrimSpace(opts.APIVersion)
	if version == "" {
		version = DefaultAPIVersion
	}
	if !validVersion(version) {
		return nil, fmt.Errorf("shopify: API version %q is not of the form YYYY-MM (or \"unstable\")", version)
	}
	perPage, lines := opts.OrdersPerPage, opts.LinesPerOrder
	if perPage <= 0 {
		perPage = DefaultOrdersPerPage
	}
	if lines <= 0 {
		lines = DefaultLinesPerOrder
	}
	if perPage > 250 || lines > 250 {
		return nil, errors.New("shopify: OrdersPerPage and LinesPerOrder must be at most 250")
	}
	if c := listCost(perPage, lines); c > MaxQueryCost {
		return nil, fmt.Errorf("shopify: %d orders of %d lines per page cost %d points, over Shopify's single query limit of %d",
			perPage, lines, c, MaxQueryCost)
	}
	logs := platformkit.NewLoggerSlot(opts.Logger)
	log := logs.Logger().With("platform", Name)
	plans := opts.LimitedPlans
	if plans == nil {
		plans = DefaultLimitedPlans
	}
	limited := make(map[string]bool, len(plans))
	for _, p := range plans {
		limited[normPlan(p)] = true
	}
	bulkPoll, bulkMaxWait := opts.BulkPollInterval, opts.BulkMaxWait
	if bulkPoll <= 0 {
		bulkPoll = DefaultBulkPollInterval
	}
	if bulkMaxWait <= 0 {
		bulkMaxWait = DefaultBulkMaxWait
	}
	secret := opts.WebhookSecret
	c := newClient(base+"/admin/api/"+version+"/graphql.json", creds.AccessToken, secret, opts, log)
	return &Platform{
		c:             c,
		log:           log,
		logs:          logs,
		ordersPerPage: perPage,
		linesPerOrder: lines,
		pagedImport:   opts.PagedImport,
		bulkPoll:      bulkPoll,
		bulkMaxWait:   bulkMaxWait,
		limited:       limited,
		webhookSecret: func() string { return secret },
	}, nil
}

func baseURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("shopify: shop domain or base URL is required")
	}
	if !strings.Contains(s, "://") {
		if strings.ContainsAny(s, "/?#@: ") {
			return "", errors.New("shopify: shop domain must be a host name such as example.myshopify.com")
		}
		if !strings.Contains(s, ".") {
			s += ".myshopify.com"
		}
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", errors.New("shopify: base URL must be an absolute http(s) URL")
	}
	if u.User != nil {
		return "", errors.New("shopify: base URL must not carry credentials; pass the token as Credentials")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", errors.New("shopify: base URL must not have a query or fragment")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

func validVersion(v string) bool {
	if v == "unstable" {
		return true
	}
	if len(v) != 7 || v[4] != '-' {
		return false
	}
	for i, r := range v {
		if i != 4 && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

func normPlan(p string) string { return strings.ToLower(strings.Join(strings.Fields(p), " ")) }

// limitedPlan reports whether a plan display name withholds customer data.
func (p *Platform) limitedPlan(plan string) bool { return p.limited[normPlan(plan)] }

// Name returns "shopify".
func (p *Platform) Name() string { return Name }

// Policy returns the Shopify rules as data (SHO-1, SHO-2, SHO-C1, SHO-P1,
// DEL-1, DEL-2). The Syncer applies them.
func (p *Platform) Policy() rosync.Policy {
	return rosync.Policy{
		WindowRule:   "SHO-1",
		ImportMonths: 2,
		// SHO-1: fulfilled, cancelled and refunded orders stay out of the
		// initial import (Order.Status is derived, see the package doc).
		ExcludedStatuses: []string{StatusFulfilled, StatusCancelled, StatusRefunded},
		StatusSync:       rosync.StatusSyncNone, // SHO-2
		// PRD-2: the product id goes to the RO App Code field (SHO-P1).
		IdentifyBy:       []rosync.IdentifyBy{rosync.IdentifyByName, rosync.IdentifyBySKU, rosync.IdentifyByID},
		Delivery:         rosync.DeliveryOnChange, // DEL-1, DEL-2
		RequireLines:     false,
		RequireCustomer:  false, // SHO-C2: a withheld customer goes to the shared placeholder
		MatchEmail:       true,
		TransfersAddress: true, // SHO-C1
		// SHO-2: no status change on cancellation, only a comment.
		StatusComments: map[string]string{StatusCancelled: "Cancelled on Shopify"},
	}
}

// SetStatus returns an error wrapping rosync.ErrUnsupported: statuses are
// not synchronised with Shopify in either direction (SHO-2).
func (p *Platform) SetStatus(ctx context.Context, id, status string) error {
	return fmt.Errorf("shopify: order statuses are not synchronised (SHO-2): %w", rosync.ErrUnsupported)
}

// Shop reads the shop's currency, plan and timezone:
// shop { currencyCode ianaTimezone plan { publicDisplayName } }.
func (p *Platform) Shop(ctx context.Context) (rosync.ShopInfo, error) {
	var data struct {
		Shop *struct {
			CurrencyCode string `json:"currencyCode"`
			IanaTimezone string `json:"ianaTimezone"`
			Plan         *struct {
				PublicDisplayName string `json:"publicDisplayName"`
			} `json:"plan"`
		} `json:"shop"`
	}
	if err := p.c.query(ctx, "shop", shopQuery, nil, shopCost, &data); err != nil {
		return rosync.ShopInfo{}, err
	}
	if data.Shop == nil || strings.TrimSpace(data.Shop.CurrencyCode) == "" {
		return rosync.ShopInfo{}, errors.New("shopify: shop query answered without a currency code")
	}
	info := rosync.ShopInfo{Currency: strings.TrimSpace(data.Shop.CurrencyCode), Timezone: data.Shop.IanaTimezone}
	if data.Shop.Plan != nil {
		info.Plan = data.Shop.Plan.PublicDisplayName
	}
	return info, nil
}
