package roapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/time/rate"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/platformkit"
)

// Defaults of Options.
const (
	DefaultBaseURL           = "https://api.roapp.io/v2"
	DefaultRequestsPerSecond = 3
	DefaultRetryMax          = 4
	DefaultRetryWaitMin      = 500 * time.Millisecond
	DefaultRetryWaitMax      = 8 * time.Second
	DefaultTimeout           = 30 * time.Second
)

// MaxResponseBytes is the most the client reads of a response body; a larger
// body is an error wrapping rosync.ErrBodyTooLarge.
const MaxResponseBytes = 16 << 20

// MaxRetryAfter is the longest Retry-After the client waits out inside a
// call. A 429 asking for longer ends the call with a *rosync.RateLimitError
// that carries the server's delay.
const MaxRetryAfter = time.Minute

// maxMessage is how much of a server message an error keeps.
const maxMessage = 300

const service = "roapp"

// Options configure a Client. A nil *Options and zero fields mean the
// documented defaults.
type Options struct {
	// BaseURL is the API root, DefaultBaseURL when empty. Paths of the wire
	// table are appended to it.
	BaseURL string
	// HTTPClient sends the requests; http.DefaultTransport when nil. Its
	// Transport is wrapped (never modified) to wait on the rate limiter.
	HTTPClient *http.Client
	// RequestsPerSecond is the rate limit of the client's own limiter
	// (DefaultRequestsPerSecond, burst 1; a PriorityLimiter, live first).
	// Ignored when Limiter is set.
	RequestsPerSecond float64
	// Limiter, when set, is waited on before every request (retries
	// included). Give one limiter to all clients of one RO App account: the
	// limit is per account. A *PriorityLimiter serves live requests
	// (rosync.PriorityOf) before back-fill ones; across replicas, use one
	// over storage/postgres's Store.AccountSlots. A plain *rate.Limiter
	// (the type of this field before Limiter was an interface) is wrapped
	// in a PriorityLimiter of this client over RateSlots(it): it still
	// shares its rate with whatever else uses it, and this client serves
	// its own live requests first. Any other Limiter is used as it is.
	Limiter Limiter
	// RetryMax is the number of retries after the first attempt
	// (DefaultRetryMax); a negative value disables retries.
	RetryMax int
	// RetryWaitMin and RetryWaitMax bound the exponential back-off between
	// retries (DefaultRetryWaitMin, DefaultRetryWaitMax). A Retry-After
	// header takes precedence.
	RetryWaitMin time.Duration
	RetryWaitMax time.Duration
	// Timeout bounds each attempt, from sending the request to reading the
	// body (DefaultTimeout). Waiting on the limiter does not count.
	Timeout time.Duration
	// Logger receives debug lines per request and warnings per retry;
	// nil discards them until the client takes a Syncer's logger
	// (TakeLogger, which rosync.New calls). The API key is never logged.
	Logger *slog.Logger
	// ExternalRefField is the id of an order custom field ("f5294178").
	// When set, CreateOrder also writes ExternalRef.Key() into it and
	// FindOrder matches it.
	ExternalRefField string
	// Paths overrides path templates of the wire table (see Endpoint for
	// the syntax: relative to BaseURL, or from the host root with a
	// leading "/"). The keys are the Endpoint names ("create_product").
	Paths map[Endpoint]string
	// UOMID is the id of the unit of measure products are created with
	// (PRD-4: "piece"). When 0, the client looks the unit up once in GET
	// catalogs/uoms (UNVERIFIED) by its title: "piece", "pcs", "pc",
	// "шт", "шт.", "штука", "szt", "ks", "Stk", compared case-insensitively.
	UOMID int64
	// DeductionFields names item fields that say the item is written off
	// (ROItem.Deducted is set when one of them is true). No public source
	// shows such a field, so the default is none: deduction is then known
	// only from the order's status group (ROStatus.Closed) and from a
	// refused item write (rosync.ErrItemLocked).
	DeductionFields []string
	// OnWait, when set, is called before every attempt (retries included)
	// with how long the request waited on the rate limiter (zero when it
	// did not wait), for metrics. It is called from several goroutines at
	// once: keep it quick and safe for concurrent use.
	OnWait func(time.Duration)
	// ListReadAhead is how many pages of a list (ListContacts,
	// ListProducts, ListCategories, OrdersModified) are requested at once
	// once the first page told how many there are (DefaultListReadAhead);
	// 1 reads them one after the other. Pages still go through the rate
	// limiter and come out in order; at most this many are held.
	ListReadAhead int
}

// DefaultListReadAhead is Options.ListReadAhead's default: enough pages in
// flight that the answers' latency leaves the rate limiter no idle time
// (at 3 requests per second, a page's round trip up to about a second).
const DefaultListReadAhead = 4

// Client is a rosync.ROClient over the RO App public API v2. It is safe for
// concurrent use.
type Client struct {
	key      string
	base     string
	hc       *http.Client
	rc       *retryablehttp.Client
	lim      Limiter
	log      *slog.Logger
	logs     *platformkit.LoggerSlot
	retryMax int
	waitMin  time.Duration
	waitMax  time.Duration
	refField string
	paths    map[Endpoint]string
	now      func() time.Time
	ahead    int
	uomID    int64
	deducted []string

	clock serverClock // RO App's clock, from its answers' Date headers

	uomMu sync.Mutex
	uoms  map[string]int64 // lower-cased title → id, once read

	warnedEmails atomic.Bool // the emails[] filter was seen ignored
	warnedPhones atomic.Bool // the phones[] filter was seen ignored
	warnedNames  atomic.Bool // the names[] filter was seen ignored
}

var (
	_ rosync.ROClient      = (*Client)(nil)
	_ rosync.ROOrderFinder = (*Client)(nil)
)

var _ rosync.LoggerTaker = (*Client)(nil)

// TakeLogger makes l the client's logger when Options.Logger was nil and no
// logger was taken before (rosync.LoggerTaker: rosync.New offers the
// Syncer's); it reports whether it took l.
func (c *Client) TakeLogger(l *slog.Logger) bool { return c.logs.Take(l) }

// New returns a client that authenticates with apiKey (sent as
// "Authorization: Bearer <apiKey>"). opts may be nil.
func New(apiKey string, opts *Options) *Client {
	var o Options
	if opts != nil {
		o = *opts
	}
	c := &Client{
		key:      apiKey,
		base:     strings.TrimRight(o.BaseURL, "/"),
		lim:      o.Limiter,
		logs:     platformkit.NewLoggerSlot(o.Logger),
		retryMax: o.RetryMax,
		waitMin:  o.RetryWaitMin,
		waitMax:  o.RetryWaitMax,
		refField: strings.TrimSpace(o.ExternalRefField),
		paths:    resolvePaths(o.Paths),
		now:      time.Now,
		ahead:    o.ListReadAhead,
		uomID:    o.UOMID,
		deducted: slices.Clone(o.DeductionFields),
	}
	if c.ahead <= 0 {
		c.ahead = DefaultListReadAhead
	}
	if c.base == "" {
		c.base = DefaultBaseURL
	}
	switch lim := c.lim.(type) {
	case nil:
		rps := o.RequestsPerSecond
		if rps <= 0 {
			rps = DefaultRequestsPerSecond
		}
		c.lim = NewRateLimiter(rps, 1)
	case *rate.Limiter:
		if lim == nil {
			c.lim = NewRateLimiter(DefaultRequestsPerSecond, 1)
		} else {
			c.lim = NewPriorityLimiter(RateSlots(lim))
		}
	}
	c.log = c.logs.Logger()
	switch {
	case c.retryMax == 0:
		c.retryMax = DefaultRetryMax
	case c.retryMax < 0:
		c.retryMax = 0
	}
	if c.waitMin <= 0 {
		c.waitMin = DefaultRetryWaitMin
	}
	if c.waitMax <= 0 {
		c.waitMax = DefaultRetryWaitMax
	}
	if c.waitMax < c.waitMin {
		c.waitMax = c.waitMin
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	var hc http.Client
	if o.HTTPClient != nil {
		hc = *o.HTTPClient
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hc.Transport = &limitedTransport{base: base, lim: c.lim, timeout: timeout, onWait: o.OnWait}
	c.hc = &hc
	c.rc = &retryablehttp.Client{
		HTTPClient:   c.hc,
		RetryWaitMin: c.waitMin,
		RetryWaitMax: c.waitMax,
		RetryMax:     c.retryMax,
		CheckRetry:   c.checkRetry,
		Backoff:      c.backoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	return c
}

// String describes the client without its API key.
func (c *Client) String() string { return "roapp.Client(" + c.base + ")" }

// GoString describes the client without its API key.
func (c *Client) GoString() string { return c.String() }

// LogValue describes the client to slog without its API key.
func (c *Client) LogValue() slog.Value { return slog.StringValue(c.String()) }

// ---------------------------------------------------------------- transport

// limitedTransport waits on the limiter before every attempt and bounds each
// attempt with its own timeout, so that the wait does not eat into it.
type limitedTransport struct {
	base    http.RoundTripper
	lim     Limiter
	timeout time.Duration
	onWait  func(time.Duration)
}

// notSentError says that a request never left the client.
type notSentError struct{ err error }

func (e *notSentError) Error() string { return "roapp: request not sent: " + e.err.Error() }
func (e *notSentError) Unwrap() error { return e.err }

func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	err := t.lim.Wait(req.Context())
	if t.onWait != nil {
		t.onWait(time.Since(start))
	}
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, &notSentError{err}
	}
	ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
	resp, err := t.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelBody{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// ---------------------------------------------------------------- requests

// call is one API call.
type call struct {
	ep    Endpoint
	args  []int64
	query url.Values
	body  any
}

type tmplKey struct{}

// do performs c and returns the body of a 2xx answer, or the mapped error.
func (c *Client) do(ctx context.Context, cl call) ([]byte, error) {
	info, ok := paths[cl.ep]
	if !ok {
		return nil, fmt.Errorf("roapp: unknown endpoint %q", cl.ep)
	}
	raw := c.paths[cl.ep]
	tmpl := display(raw)
	u, err := resolve(c.base, expand(raw, cl.args))
	if err != nil {
		return nil, err
	}
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}
	var body []byte
	if cl.body != nil {
		if body, err = json.Marshal(cl.body); err != nil {
			return nil, fmt.Errorf("roapp: %s %s: encoding the request: %w", info.Method, tmpl, err)
		}
	}
	ctx = context.WithValue(ctx, tmplKey{}, info.Method+" "+tmpl)
	start := time.Now()
	var resp *http.Response
	if info.Create {
		resp, err = c.sendCreate(ctx, info.Method, tmpl, u, body)
	} else {
		resp, err = c.sendRetried(ctx, info.Method, tmpl, u, body)
	}
	if err != nil {
		c.log.LogAttrs(ctx, slog.LevelWarn, "roapp request failed",
			slog.String("method", info.Method), slog.String("path", tmpl), slog.String("error", err.Error()))
		return nil, err
	}
	c.sawDate(resp.Header)
	defer resp.Body.Close()
	data, rerr := readLimited(resp.Body, MaxResponseBytes)
	c.log.LogAttrs(ctx, slog.LevelDebug, "roapp request",
		slog.String("method", info.Method), slog.String("path", tmpl),
		slog.Int("status", resp.StatusCode), slog.Duration("took", time.Since(start)))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if rerr != nil {
			err := fmt.Errorf("roapp: %s %s: reading the answer: %w", info.Method, tmpl, rerr)
			if info.Create {
				return nil, &rosync.AmbiguousError{Err: err}
			}
			return nil, err
		}
		return data, nil
	}
	apiErr := c.apiError(cl.ep, info.Method, tmpl, resp, data)
	if info.Create && resp.StatusCode >= 500 {
		return nil, &rosync.AmbiguousError{Err: apiErr}
	}
	if resp.StatusCode >= 400 && resp.StatusCode != http.StatusTooManyRequests {
		c.log.LogAttrs(ctx, slog.LevelWarn, "roapp error answer",
			slog.String("method", info.Method), slog.String("path", tmpl),
			slog.Int("status", resp.StatusCode), slog.String("error", apiErr.Error()))
	}
	return nil, apiErr
}

func (c *Client) newHeaders(h http.Header, hasBody bool) {
	h.Set("Authorization", "Bearer "+c.key)
	h.Set("Accept", "application/json")
	h.Set("User-Agent", "rosync-roapp")
	if hasBody {
		h.Set("Content-Type", "application/json")
	}
}

// sendRetried sends an idempotent request through retryablehttp.
func (c *Client) sendRetried(ctx context.Context, method, tmpl, u string, body []byte) (*http.Response, error) {
	var raw any
	if body != nil {
		raw = body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, u, raw)
	if err != nil {
		return nil, fmt.Errorf("roapp: %s %s: %w", method, tmpl, err)
	}
	c.newHeaders(req.Header, body != nil)
	resp, err := c.rc.Do(req)
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return nil, c.transportError(method, tmpl, err)
	}
	return resp, nil
}

// sendCreate sends a create request. It retries only a 429 (the server did
// not execute the request); a transport error after the request was written
// is an *rosync.AmbiguousError.
func (c *Client) sendCreate(ctx context.Context, method, tmpl, u string, body []byte) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		var wrote atomic.Bool
		trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Store(true) }}
		req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), method, u, bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("roapp: %s %s: %w", method, tmpl, err)
		}
		c.newHeaders(req.Header, true)
		resp, err := c.hc.Do(req)
		if err != nil {
			terr := c.transportError(method, tmpl, err)
			var ns *notSentError
			if wrote.Load() && !errors.As(err, &ns) {
				return nil, &rosync.AmbiguousError{Err: terr}
			}
			return nil, terr
		}
		if resp.StatusCode != http.StatusTooManyRequests || attempt >= c.retryMax {
			return resp, nil
		}
		if ra, ok := platformkit.RetryAfter(resp.Header.Get("Retry-After"), c.now()); ok && ra > MaxRetryAfter {
			return resp, nil
		}
		wait := c.backoff(c.waitMin, c.waitMax, attempt, resp)
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		c.log.LogAttrs(ctx, slog.LevelWarn, "roapp rate limited, waiting",
			slog.String("method", method), slog.String("path", tmpl), slog.Duration("wait", wait))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("roapp: %s %s: %w", method, tmpl, ctx.Err())
		case <-t.C:
		}
	}
}

// transportError strips the URL (which may carry customer data in its
// query) from a transport error and names the path template instead.
func (c *Client) transportError(method, tmpl string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("roapp: %s %s: %w", method, tmpl, err)
}

// checkRetry is the retry policy of idempotent calls: network errors, 429
// and 5xx.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	what, _ := ctx.Value(tmplKey{}).(string)
	if err != nil {
		var ns *notSentError
		if errors.As(err, &ns) {
			return false, err
		}
		retry, perr := retryablehttp.DefaultRetryPolicy(ctx, nil, err)
		if retry {
			c.log.LogAttrs(ctx, slog.LevelWarn, "roapp retrying after a network error",
				slog.String("call", what), slog.String("error", c.transportError("", "", err).Error()))
		}
		return retry, perr
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		if ra, ok := platformkit.RetryAfter(resp.Header.Get("Retry-After"), c.now()); ok && ra > MaxRetryAfter {
			return false, nil
		}
	case resp.StatusCode >= 500:
	default:
		return false, nil
	}
	c.log.LogAttrs(ctx, slog.LevelWarn, "roapp retrying", slog.String("call", what), slog.Int("status", resp.StatusCode))
	return true, nil
}

// backoff honours Retry-After (seconds or HTTP date, on 429 and 503), else
// waits min·2^attempt capped at max, with jitter in its upper half.
func (c *Client) backoff(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := platformkit.RetryAfter(resp.Header.Get("Retry-After"), c.now()); ok {
			return min2(d, MaxRetryAfter)
		}
	}
	return expBackoff(min, max, attempt)
}

func min2(a, b time.Duration) time.Duration {
	if a < b {
		return a
	}
	return b
}

func expBackoff(min, max time.Duration, attempt int) time.Duration {
	d := max
	if attempt < 30 {
		if e := min << attempt; e > 0 && e < max {
			d = e
		}
	}
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(half+1)
}

// readLimited reads at most limit bytes; more is rosync.ErrBodyTooLarge.
func readLimited(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return data, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("answer over %d bytes: %w", limit, rosync.ErrBodyTooLarge)
	}
	return data, nil
}

// ambiguous marks a create error whose outcome is unknown.
func ambiguous(err error) error { return &rosync.AmbiguousError{Err: err} }
