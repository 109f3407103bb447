package woocommerce

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/time/rate"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/platformkit"
)

// maxResponseBody bounds every API response body that is read.
const maxResponseBody = 32 << 20

const (
	defaultRetryMax     = 4
	defaultRetryWaitMin = 500 * time.Millisecond
	defaultRetryWaitMax = 30 * time.Second
)

// client is the HTTP side of the adapter: Basic auth, retries, rate limit,
// bounded bodies and the mapping of error answers to rosync errors.
type client struct {
	api     string // site root + /wp-json/wc/v3
	auth    func(*http.Request)
	redact  func(string) string
	http    *retryablehttp.Client
	log     *slog.Logger
	waitMax time.Duration
	maxBody int64 // maxResponseBody; lowered in tests
}

func newClient(api string, creds Credentials, opts *Options, log *slog.Logger) *client {
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	if opts.RequestsPerSecond > 0 {
		burst := int(opts.RequestsPerSecond)
		if burst < 1 {
			burst = 1
		}
		cp := *hc
		base := cp.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		cp.Transport = &limitedTransport{base: base, lim: rate.NewLimiter(rate.Limit(opts.RequestsPerSecond), burst)}
		hc = &cp
	}
	key, secret := creds.Key, creds.Secret
	// The Authorization header's token, in case a server echoes it.
	basicToken := base64.StdEncoding.EncodeToString([]byte(key + ":" + secret))
	rc := &retryablehttp.Client{
		HTTPClient:   hc,
		Logger:       retryLogger{log},
		RetryWaitMin: opts.RetryWaitMin,
		RetryWaitMax: opts.RetryWaitMax,
		RetryMax:     opts.RetryMax,
		Backoff:      retryablehttp.DefaultBackoff,
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	if rc.RetryWaitMin <= 0 {
		rc.RetryWaitMin = defaultRetryWaitMin
	}
	if rc.RetryWaitMax <= 0 {
		rc.RetryWaitMax = defaultRetryWaitMax
	}
	if rc.RetryWaitMax < rc.RetryWaitMin {
		rc.RetryWaitMax = rc.RetryWaitMin
	}
	switch {
	case rc.RetryMax == 0:
		rc.RetryMax = defaultRetryMax
	case rc.RetryMax < 0:
		rc.RetryMax = 0
	}
	c := &client{
		api:  api,
		auth: func(r *http.Request) { r.SetBasicAuth(key, secret) },
		redact: func(s string) string {
			return platformkit.Redact(s, key, secret, basicToken, url.QueryEscape(key), url.QueryEscape(secret))
		},
		http:    rc,
		log:     log,
		waitMax: rc.RetryWaitMax,
		maxBody: maxResponseBody,
	}
	rc.CheckRetry = c.checkRetry
	return c
}

// checkRetry is retryablehttp's default policy (network errors, 429, 5xx
// except 501), except that a Retry-After longer than RetryWaitMax ends the
// retries so that the caller gets a RateLimitError instead of a long sleep.
func (c *client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err == nil && resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := platformkit.RetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok && d > c.waitMax {
			return false, nil
		}
	}
	return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
}

// get performs a GET and returns the body and headers of a 2xx answer.
func (c *client) get(ctx context.Context, tmpl, path string, q url.Values) ([]byte, http.Header, error) {
	return c.do(ctx, http.MethodGet, tmpl, path, q, nil)
}

// do performs one API call. tmpl is the path template used in errors and
// logs ("/orders/{id}"), path the real path. Non-2xx answers are returned as
// *rosync.APIError; a 404 carrying a WordPress error object wraps
// rosync.ErrNotFound, a 429 wraps a *rosync.RateLimitError.
func (c *client) do(ctx context.Context, method, tmpl, path string, q url.Values, body []byte) ([]byte, http.Header, error) {
	u := c.api + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rb any
	if body != nil {
		rb = body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, u, rb)
	if err != nil {
		return nil, nil, fmt.Errorf("woocommerce: %s %s: %w", method, tmpl, err)
	}
	c.auth(req.Request)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "rosync (+https://github.com/rosync/rosync)")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, nil, fmt.Errorf("woocommerce: %s %s: %w", method, tmpl, ctxErr)
		}
		// url.Error carries the URL: it holds no credentials (Basic auth
		// goes in a header), but redact anyway in case a proxy echoes.
		return nil, nil, &platformkit.TransportError{Msg: c.redact(fmt.Sprintf("woocommerce: %s %s: %v", method, tmpl, err)), Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return nil, nil, &platformkit.TransportError{Msg: c.redact(fmt.Sprintf("woocommerce: %s %s: reading body: %v", method, tmpl, err)), Err: err}
	}
	if int64(len(data)) > c.maxBody {
		return nil, nil, fmt.Errorf("woocommerce: %s %s: response over %d bytes: %w", method, tmpl, c.maxBody, rosync.ErrBodyTooLarge)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return data, resp.Header, nil
	}
	return nil, nil, c.apiError(method, tmpl, resp, data)
}

// wpError is the body of a WordPress REST error answer.
type wpError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (c *client) apiError(method, tmpl string, resp *http.Response, data []byte) error {
	e := &rosync.APIError{Service: Name, Method: method, Path: tmpl, Status: resp.StatusCode}
	var we wpError
	isWP := json.Unmarshal(data, &we) == nil && we.Code != ""
	if isWP {
		e.Message = we.Code + ": " + we.Message
	} else {
		e.Message = strings.TrimSpace(string(data))
		if len(e.Message) > 300 {
			e.Message = e.Message[:300]
		}
		if e.Message == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
	}
	e.Message = c.redact(e.Message)
	switch {
	case resp.StatusCode == http.StatusNotFound && isWP && we.Code != "rest_no_route":
		// A WordPress "invalid id" answer. A 404 without a WordPress error
		// object (a proxy, a wrong base URL) or rest_no_route (WooCommerce
		// REST API missing) is not taken as "the order does not exist".
		e.Err = rosync.ErrNotFound
	case resp.StatusCode == http.StatusTooManyRequests:
		d, _ := platformkit.RetryAfter(resp.Header.Get("Retry-After"), time.Now())
		e.Err = &rosync.RateLimitError{Service: Name, RetryAfter: d}
	}
	return e
}

// limitedTransport waits for the rate limiter before each request,
// retries included.
type limitedTransport struct {
	base http.RoundTripper
	lim  *rate.Limiter
}

func (t *limitedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := t.lim.Wait(r.Context()); err != nil {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, err
	}
	return t.base.RoundTrip(r)
}

// retryLogger sends retryablehttp's lines to slog at debug level (a failed
// attempt that is retried is not an error of ours).
type retryLogger struct{ l *slog.Logger }

func (r retryLogger) Error(msg string, kv ...any) { r.l.Debug("http: "+msg, kv...) }
func (r retryLogger) Info(msg string, kv ...any)  { r.l.Debug("http: "+msg, kv...) }
func (r retryLogger) Debug(msg string, kv ...any) { r.l.Debug("http: "+msg, kv...) }
func (r retryLogger) Warn(msg string, kv ...any)  { r.l.Debug("http: "+msg, kv...) }

// pageCount reads X-WP-TotalPages; ok is false when the header is missing.
func pageCount(h http.Header) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(h.Get("X-WP-TotalPages")))
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

var errNoBody = errors.New("empty body")

// decodeArray splits a JSON array answer into its elements.
func decodeArray(data []byte) ([]json.RawMessage, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, errNoBody
	}
	var items []json.RawMessage
	if err := json.Unmarshal(data, &items); err != nil {
		return nil, err
	}
	return items, nil
}
