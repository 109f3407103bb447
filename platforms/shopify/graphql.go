package shopify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/platformkit"
)

// maxResponseBody bounds every API response body that is read.
const maxResponseBody = 32 << 20

const (
	defaultRetryMax     = 4
	defaultRetryWaitMin = 500 * time.Millisecond
	defaultRetryWaitMax = 30 * time.Second
	defaultMaxCostWait  = 60 * time.Second
	// defaultIdleTimeout bounds the wait for the next bytes of a bulk
	// result when the HTTP client has no timeout.
	defaultIdleTimeout = 60 * time.Second
	// maxThrottled is how many THROTTLED answers in a row one call waits
	// out before giving up with a *rosync.RateLimitError.
	maxThrottled = 8
)

const userAgent = "rosync (+https://github.com/rosync/rosync)"

// apiPath is the path template used in errors and logs.
const apiPath = "/admin/api/{version}/graphql.json"

// client is the HTTP side of the adapter: the access token, the cost
// bucket, retries, bounded bodies and the mapping of error answers to
// rosync errors.
type client struct {
	endpoint    string
	token       func() string
	redact      func(string) string
	http        *http.Client
	log         *slog.Logger
	now         func() time.Time
	sleep       func(context.Context, time.Duration) error
	retryMax    int
	waitMin     time.Duration
	waitMax     time.Duration
	maxCostWait time.Duration
	maxBody     int64
	// download fetches bulk operation results: the HTTP client without
	// its overall timeout (a result may take long to stream), which idle
	// bounds instead: the longest wait for the next bytes.
	download *http.Client
	idle     time.Duration

	mu     sync.Mutex
	bucket bucket
	costs  map[string]int // the last requestedQueryCost per operation
}

// bucket is the adapter's view of the shop's cost bucket, from the last
// extensions.cost.throttleStatus, refilled on the adapter's clock.
type bucket struct {
	known     bool
	max       float64
	available float64
	rate      float64
	at        time.Time
}

func newClient(endpoint, token, webhookSecret string, opts *Options, log *slog.Logger) *client {
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	c := &client{
		endpoint: endpoint,
		token:    func() string { return token },
		redact: func(s string) string {
			return platformkit.Redact(s, token, webhookSecret)
		},
		http:        hc,
		log:         log,
		now:         opts.Now,
		sleep:       opts.Sleep,
		retryMax:    opts.RetryMax,
		waitMin:     opts.RetryWaitMin,
		waitMax:     opts.RetryWaitMax,
		maxCostWait: opts.MaxCostWait,
		maxBody:     maxResponseBody,
		costs:       map[string]int{},
	}
	dl := *hc
	dl.Timeout = 0
	c.download, c.idle = &dl, hc.Timeout
	if c.idle <= 0 {
		c.idle = defaultIdleTimeout
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.sleep == nil {
		c.sleep = sleepCtx
	}
	switch {
	case c.retryMax == 0:
		c.retryMax = defaultRetryMax
	case c.retryMax < 0:
		c.retryMax = 0
	}
	if c.waitMin <= 0 {
		c.waitMin = defaultRetryWaitMin
	}
	if c.waitMax <= 0 {
		c.waitMax = defaultRetryWaitMax
	}
	if c.waitMax < c.waitMin {
		c.waitMax = c.waitMin
	}
	if c.maxCostWait <= 0 {
		c.maxCostWait = defaultMaxCostWait
	}
	return c
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// gqlResponse is a GraphQL answer.
type gqlResponse struct {
	Data       json.RawMessage `json:"data"`
	Errors     []gqlError      `json:"errors"`
	Extensions struct {
		Cost *costInfo `json:"cost"`
		// Search reports, per search query argument, the terms Shopify
		// did not understand: it drops such a term from the query and
		// answers the rest, so the result would silently be wider or
		// narrower than asked.
		Search []searchReport `json:"search"`
	} `json:"extensions"`
}

type searchReport struct {
	Path     []string `json:"path"`
	Query    string   `json:"query"`
	Warnings []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
		Code    string `json:"code"`
	} `json:"warnings"`
}

type gqlError struct {
	Message    string `json:"message"`
	Extensions struct {
		Code string `json:"code"`
	} `json:"extensions"`
}

type costInfo struct {
	RequestedQueryCost float64  `json:"requestedQueryCost"`
	ActualQueryCost    *float64 `json:"actualQueryCost"`
	ThrottleStatus     struct {
		MaximumAvailable   float64 `json:"maximumAvailable"`
		CurrentlyAvailable float64 `json:"currentlyAvailable"`
		RestoreRate        float64 `json:"restoreRate"`
	} `json:"throttleStatus"`
}

// query runs one GraphQL query and decodes its data into out. op names the
// operation in logs and errors; cost is the requested cost expected before
// the first answer told the real one.
//
// Before sending, it waits (ctx-aware) until the bucket holds the expected
// cost. A THROTTLED answer is waited out and retried; network errors, 429
// and 5xx are retried with back-off (Retry-After honoured up to
// RetryWaitMax). Other GraphQL errors (HTTP 200) and HTTP errors are a
// *rosync.APIError with Service "shopify".
func (c *client) query(ctx context.Context, op, q string, vars map[string]any, cost int, out any) error {
	body, err := json.Marshal(map[string]any{"query": q, "variables": vars})
	if err != nil {
		return fmt.Errorf("shopify: %s: %w", op, err)
	}
	throttled := 0
	for attempt := 0; ; {
		expected := c.expectedCost(op, cost)
		if err := c.reserve(ctx, op, expected); err != nil {
			return err
		}
		resp, err := c.post(ctx, body)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return fmt.Errorf("shopify: %s: %w", op, ctxErr)
			}
			if attempt < c.retryMax {
				d := c.backoff(attempt)
				attempt++
				c.log.DebugContext(ctx, "request failed, retrying", "op", op, "attempt", attempt, "wait", d, "err", c.redact(err.Error()))
				if err := c.sleep(ctx, d); err != nil {
					return fmt.Errorf("shopify: %s: %w", op, err)
				}
				continue
			}
			return &platformkit.TransportError{Msg: c.redact(fmt.Sprintf("shopify: %s: POST %s: %v", op, apiPath, err)), Err: err}
		}
		if resp.status == http.StatusTooManyRequests || (resp.status >= 500 && resp.status != http.StatusNotImplemented) {
			ra, hasRA := platformkit.RetryAfter(resp.header.Get("Retry-After"), c.now())
			apiErr := c.httpError(op, resp)
			if hasRA && ra > c.waitMax {
				return apiErr
			}
			if attempt >= c.retryMax {
				return apiErr
			}
			d := c.backoff(attempt)
			if hasRA {
				d = ra
			}
			attempt++
			c.log.DebugContext(ctx, "retrying after HTTP error", "op", op, "status", resp.status, "attempt", attempt, "wait", d)
			if err := c.sleep(ctx, d); err != nil {
				return fmt.Errorf("shopify: %s: %w", op, err)
			}
			continue
		}
		if resp.status < 200 || resp.status > 299 {
			return c.httpError(op, resp)
		}
		var gr gqlResponse
		if err := json.Unmarshal(resp.body, &gr); err != nil {
			// A 2xx answer that is not JSON (a proxy's page, a body cut
			// short) is transient: retried like a network error.
			malformed := &MalformedAnswerError{Op: op, Status: resp.status, Err: err}
			if attempt >= c.retryMax {
				return malformed
			}
			d := c.backoff(attempt)
			attempt++
			c.log.DebugContext(ctx, "malformed answer, retrying", "op", op, "attempt", attempt, "wait", d, "err", err)
			if err := c.sleep(ctx, d); err != nil {
				return fmt.Errorf("shopify: %s: %w", op, err)
			}
			continue
		}
		c.observe(op, gr.Extensions.Cost)
		if err := c.searchWarnings(op, gr.Extensions.Search); err != nil {
			return err
		}
		if len(gr.Errors) > 0 {
			if !isThrottled(gr.Errors) {
				return c.gqlErrors(op, gr.Errors)
			}
			throttled++
			d := c.throttleWait(gr.Extensions.Cost, expected)
			if throttled > maxThrottled || d > c.maxCostWait {
				return &rosync.APIError{Service: Name, Method: http.MethodPost, Path: apiPath, Status: http.StatusOK,
					Message: "THROTTLED: query cost exceeds the available points",
					Err:     &rosync.RateLimitError{Service: Name, RetryAfter: d}}
			}
			c.log.DebugContext(ctx, "throttled by Shopify, waiting", "op", op, "wait", d)
			if err := c.sleep(ctx, d); err != nil {
				return fmt.Errorf("shopify: %s: %w", op, err)
			}
			continue
		}
		if out == nil {
			return nil
		}
		if len(bytes.TrimSpace(gr.Data)) == 0 || bytes.Equal(bytes.TrimSpace(gr.Data), []byte("null")) {
			return fmt.Errorf("shopify: %s: the answer has no data", op)
		}
		if err := json.Unmarshal(gr.Data, out); err != nil {
			return &badDataError{op: op, err: err}
		}
		return nil
	}
}

// MalformedAnswerError is a 2xx answer whose body is not GraphQL JSON,
// still so after Options.RetryMax retries. It is transient:
// rosync.Retryable reports true.
type MalformedAnswerError struct {
	Op     string
	Status int
	Err    error
}

func (e *MalformedAnswerError) Error() string {
	return fmt.Sprintf("shopify: %s: the HTTP %d answer is not GraphQL JSON: %v", e.Op, e.Status, e.Err)
}

// Unwrap returns the JSON error.
func (e *MalformedAnswerError) Unwrap() error { return e.Err }

// searchWarnings turns the warnings Shopify gives for a search query
// argument it did not fully understand into an *rosync.APIError: Shopify
// drops the unknown term and answers the rest, which would import the
// wrong orders without a word.
func (c *client) searchWarnings(op string, reports []searchReport) error {
	var parts []string
	for _, r := range reports {
		for _, w := range r.Warnings {
			parts = append(parts, fmt.Sprintf("%s %q: field %q: %s (%s)", strings.Join(r.Path, "."), r.Query, w.Field, strings.TrimSpace(w.Message), w.Code))
		}
	}
	if len(parts) == 0 {
		return nil
	}
	return &rosync.APIError{Service: Name, Method: http.MethodPost, Path: apiPath + " " + op, Status: http.StatusOK,
		Message: c.redact("search query not understood: " + strings.Join(parts, "; "))}
}

// badDataError is an answer whose data does not have the expected shape
// outside the order nodes (which are decoded one by one).
type badDataError struct {
	op  string
	err error
}

func (e *badDataError) Error() string {
	return "shopify: " + e.op + ": unexpected data: " + e.err.Error()
}
func (e *badDataError) Unwrap() error { return e.err }

type response struct {
	status int
	header http.Header
	body   []byte
}

func (c *client) post(ctx context.Context, body []byte) (*response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("X-Shopify-Access-Token", c.token())
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > c.maxBody {
		return nil, fmt.Errorf("response over %d bytes: %w", c.maxBody, rosync.ErrBodyTooLarge)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

func (c *client) backoff(attempt int) time.Duration {
	d := c.waitMin
	for i := 0; i < attempt && d < c.waitMax; i++ {
		d *= 2
	}
	return min(d, c.waitMax)
}

// expectedCost is the last requested cost Shopify reported for op, else
// the static estimate.
func (c *client) expectedCost(op string, estimate int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n, ok := c.costs[op]; ok && n > 0 {
		return n
	}
	return estimate
}

// reserve waits until the bucket holds cost points, then takes them from
// the adapter's view of it (so that concurrent calls do not all spend the
// same points). It does nothing before the first answer told the bucket.
func (c *client) reserve(ctx context.Context, op string, cost int) error {
	for {
		c.mu.Lock()
		b := &c.bucket
		if !b.known || b.rate <= 0 {
			c.mu.Unlock()
			return nil
		}
		now := c.now()
		if el := now.Sub(b.at).Seconds(); el > 0 {
			b.available = math.Min(b.max, b.available+el*b.rate)
		}
		b.at = now
		need := math.Min(float64(cost), b.max)
		if b.available >= need {
			b.available -= need
			c.mu.Unlock()
			return nil
		}
		wait := secondsToDuration((need - b.available) / b.rate)
		c.mu.Unlock()
		if wait > c.maxCostWait {
			return &rosync.RateLimitError{Service: Name, RetryAfter: wait}
		}
		c.log.DebugContext(ctx, "waiting for the cost bucket", "op", op, "cost", cost, "wait", wait)
		if err := c.sleep(ctx, wait); err != nil {
			return fmt.Errorf("shopify: %s: %w", op, err)
		}
	}
}

// observe records an answer's cost information.
func (c *client) observe(op string, ci *costInfo) {
	if ci == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ts := ci.ThrottleStatus
	if ts.MaximumAvailable > 0 && ts.RestoreRate > 0 {
		c.bucket = bucket{known: true, max: ts.MaximumAvailable, available: ts.CurrentlyAvailable, rate: ts.RestoreRate, at: c.now()}
	}
	if ci.RequestedQueryCost > 0 {
		c.costs[op] = int(math.Ceil(ci.RequestedQueryCost))
	}
}

// throttleWait is how long to wait after a THROTTLED answer: the time the
// bucket needs to hold the requested cost, at least one second.
func (c *client) throttleWait(ci *costInfo, expected int) time.Duration {
	need, avail, rate := float64(expected), 0.0, 50.0
	if ci != nil {
		if ci.RequestedQueryCost > 0 {
			need = ci.RequestedQueryCost
		}
		avail = ci.ThrottleStatus.CurrentlyAvailable
		if ci.ThrottleStatus.RestoreRate > 0 {
			rate = ci.ThrottleStatus.RestoreRate
		}
		if m := ci.ThrottleStatus.MaximumAvailable; m > 0 {
			need = math.Min(need, m)
		}
	}
	return max(secondsToDuration((need-avail)/rate), time.Second)
}

func secondsToDuration(s float64) time.Duration {
	if s <= 0 {
		return 0
	}
	if s > 1e6 {
		s = 1e6
	}
	return time.Duration(math.Ceil(s * float64(time.Second)))
}

func isThrottled(errs []gqlError) bool {
	for _, e := range errs {
		if e.Extensions.Code == "THROTTLED" {
			return true
		}
	}
	return false
}

// gqlErrors turns GraphQL errors of an HTTP 200 answer into an APIError.
func (c *client) gqlErrors(op string, errs []gqlError) error {
	var parts []string
	for i, e := range errs {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(errs)-3))
			break
		}
		msg := strings.TrimSpace(e.Message)
		if e.Extensions.Code != "" {
			msg = e.Extensions.Code + ": " + msg
		}
		parts = append(parts, msg)
	}
	return &rosync.APIError{Service: Name, Method: http.MethodPost, Path: apiPath + " " + op, Status: http.StatusOK,
		Message: c.redact(strings.Join(parts, "; "))}
}

// httpError maps a non-2xx answer. Shopify's REST-style error bodies are
// {"errors": "text"} or {"errors": {...}}.
func (c *client) httpError(op string, resp *response) error {
	e := &rosync.APIError{Service: Name, Method: http.MethodPost, Path: apiPath + " " + op, Status: resp.status}
	var body struct {
		Errors json.RawMessage `json:"errors"`
	}
	msg := ""
	if json.Unmarshal(resp.body, &body) == nil && len(body.Errors) > 0 {
		var s string
		if json.Unmarshal(body.Errors, &s) == nil {
			msg = s
		} else {
			msg = string(body.Errors)
		}
	} else {
		msg = strings.TrimSpace(string(resp.body))
	}
	if len(msg) > 300 {
		msg = msg[:300]
	}
	if msg == "" {
		msg = http.StatusText(resp.status)
	}
	e.Message = c.redact(msg)
	if resp.status == http.StatusTooManyRequests {
		d, _ := platformkit.RetryAfter(resp.header.Get("Retry-After"), c.now())
		e.Err = &rosync.RateLimitError{Service: Name, RetryAfter: d}
	}
	return e
}
