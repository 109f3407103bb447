package cartum

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/platformkit"
)

// TokenLifetime is how long an auth token lives (Cartum documents 600 s).
const TokenLifetime = 600 * time.Second

// TokenRenewAfter is the age at which a cached token is replaced before use,
// leaving a minute of margin for clock skew and slow calls.
const TokenRenewAfter = 540 * time.Second

// maxResponseBody bounds every API response body that is read.
const maxResponseBody = 32 << 20

// maxMessage is how much of a server message an error keeps.
const maxMessage = 300

const (
	defaultRetryMax     = 4
	defaultRetryWaitMin = 500 * time.Millisecond
	defaultRetryWaitMax = 30 * time.Second
)

// The answer statuses the adapter acts on.
const (
	statusOK           = "OK"
	statusUnauthorized = "UNAUTHORIZED"
	// statusAuthorizationError is what some shops (and a public client's
	// mock) answer for an expired or unknown token; it is renewed like
	// UNAUTHORIZED.
	statusAuthorizationError = "AUTHORIZATION_ERROR"
	// statusWarning is orders/update's answer when some orders failed;
	// response.log says which and why.
	statusWarning = "WARNING"
	// statusEmpty is what a Horoshop mock answers for an empty list
	// (UNVERIFIED); orders/get takes it as an empty page.
	statusEmpty = "EMPTY"
)

// client is the transport: POST /api/<function>/ with a JSON body, the
// token cache, retries of reads, and the mapping of answers to errors.
type client struct {
	api      string // shop root + "/api/"
	hc       *http.Client
	login    string
	password func() string
	secrets  func() []string // static secrets to redact (password, webhook secret); a func so that fmt never prints them
	log      *slog.Logger
	now      func() time.Time
	retryMax int
	waitMin  time.Duration
	waitMax  time.Duration
	maxBody  int64

	authMu   sync.Mutex // held while authenticating, so one auth runs at a time
	tokMu    sync.Mutex // guards the three fields below
	token    string
	tokenAt  time.Time // when the token was asked for
	oldToken string    // the previous token, still redacted
}

func newClient(api string, creds Credentials, o *Options, log *slog.Logger, webhookSecret string) *client {
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	pw := creds.Password
	c := &client{
		api:      api,
		hc:       hc,
		login:    strings.TrimSpace(creds.Login),
		password: func() string { return pw },
		secrets:  func() []string { return []string{pw, webhookSecret} },
		log:      log,
		now:      o.Now,
		retryMax: o.RetryMax,
		waitMin:  o.RetryWaitMin,
		waitMax:  o.RetryWaitMax,
		maxBody:  maxResponseBody,
	}
	if c.now == nil {
		c.now = time.Now
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
	return c
}

// envelope is every answer's shape: {"status": "OK"|…, "response": {…}}.
type envelope struct {
	Status   *string         `json:"status"`
	Response json.RawMessage `json:"response"`
	Message  json.RawMessage `json:"message"`
}

// call runs an API function with params (the token is added) and returns
// the answer's response object. idempotent marks a call that is safe to
// repeat: only those are retried after network errors, 429 and 5xx. An
// UNAUTHORIZED or AUTHORIZATION_ERROR answer renews the token and repeats
// the call once, whatever the call (the server did not execute it); a
// second one is an error.
func (c *client) call(ctx context.Context, fn string, params map[string]any, idempotent bool) (json.RawMessage, error) {
	_, resp, err := c.callAccepting(ctx, fn, params, idempotent)
	return resp, err
}

// tokenRefused reports whether an answer status refuses the token.
func tokenRefused(status string) bool {
	return strings.EqualFold(status, statusUnauthorized) || strings.EqualFold(status, statusAuthorizationError)
}

// callAccepting is call that also takes the answer statuses in accept (as
// well as OK) as an answer, and returns the status it got.
func (c *client) callAccepting(ctx context.Context, fn string, params map[string]any, idempotent bool, accept ...string) (string, json.RawMessage, error) {
	for renewed := false; ; renewed = true {
		tok, err := c.currentToken(ctx)
		if err != nil {
			return "", nil, err
		}
		body := make(map[string]any, len(params)+1)
		for k, v := range params {
			body[k] = v
		}
		body["token"] = tok
		status, env, err := c.post(ctx, fn, body, idempotent)
		if err != nil {
			return "", nil, err
		}
		if env.Status == nil {
			// hooks/subscribe documents a bare 201 {"id":N}.
			if status == http.StatusCreated {
				return "", nil, nil
			}
			return "", nil, c.apiError(fn, 0, "answer without status", nil)
		}
		switch st := strings.TrimSpace(*env.Status); {
		case strings.EqualFold(st, statusOK):
			return statusOK, env.Response, nil
		case tokenRefused(st) && !renewed:
			c.log.DebugContext(ctx, "token refused; renewing it", "function", fn, "status", st)
			c.dropToken(tok)
			continue
		case strings.EqualFold(st, statusEmpty) && fn == "orders/get":
			return statusEmpty, json.RawMessage(`{"orders":[]}`), nil
		case slices.ContainsFunc(accept, func(a string) bool { return strings.EqualFold(a, st) }):
			return strings.ToUpper(st), env.Response, nil
		default:
			return "", nil, c.apiError(fn, 0, st, &env)
		}
	}
}

// currentToken returns the cached token, or authenticates when there is
// none or it is TokenRenewAfter old. One authentication runs at a time;
// callers that waited for it use its token.
func (c *client) currentToken(ctx context.Context) (string, error) {
	if tok, ok := c.cached(); ok {
		return tok, nil
	}
	c.authMu.Lock()
	defer c.authMu.Unlock()
	if tok, ok := c.cached(); ok {
		return tok, nil
	}
	at := c.now()
	body := map[string]any{"login": c.login, "password": c.password()}
	_, env, err := c.post(ctx, "auth", body, true)
	if err != nil {
		return "", err
	}
	if env.Status == nil || !strings.EqualFold(strings.TrimSpace(*env.Status), statusOK) {
		st := "answer without status"
		if env.Status != nil {
			st = *env.Status
		}
		return "", c.apiError("auth", 0, st, &env)
	}
	var r struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(env.Response, &r); err != nil || strings.TrimSpace(r.Token) == "" {
		return "", c.apiError("auth", 0, "answer without a token", nil)
	}
	tok := strings.TrimSpace(r.Token)
	c.tokMu.Lock()
	if c.token != "" {
		c.oldToken = c.token
	}
	c.token, c.tokenAt = tok, at
	c.tokMu.Unlock()
	c.log.DebugContext(ctx, "authenticated")
	return tok, nil
}

// cached returns the cached token while it is younger than TokenRenewAfter.
func (c *client) cached() (string, bool) {
	c.tokMu.Lock()
	defer c.tokMu.Unlock()
	if c.token != "" && c.now().Sub(c.tokenAt) < TokenRenewAfter {
		return c.token, true
	}
	return "", false
}

// dropToken forgets tok if it is still the cached token.
func (c *client) dropToken(tok string) {
	c.tokMu.Lock()
	defer c.tokMu.Unlock()
	if c.token == tok {
		c.oldToken, c.token = c.token, ""
	}
}

// post sends one function call, retrying idempotent ones after network
// errors, 429 and 5xx with exponential back-off. It returns the HTTP status
// and the decoded envelope of a 2xx answer. A call that is not idempotent
// and whose answer was lost returns an *rosync.AmbiguousError.
func (c *client) post(ctx context.Context, fn string, body map[string]any, idempotent bool) (int, envelope, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return 0, envelope{}, fmt.Errorf("cartum: %s: encoding the request: %w", fn, err)
	}
	attempts := 1
	if idempotent {
		attempts += c.retryMax
	}
	var lastErr error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			c.log.DebugContext(ctx, "retrying", "function", fn, "attempt", i+1, "error", lastErr)
			if err := sleep(ctx, c.backoff(i)); err != nil {
				return 0, envelope{}, fmt.Errorf("cartum: %s: %w (after %v)", fn, err, lastErr)
			}
		}
		status, env, retry, err := c.once(ctx, fn, data)
		if err == nil {
			return status, env, nil
		}
		lastErr = err
		if !retry {
			break
		}
	}
	if !idempotent {
		// A call whose answer was lost may have been executed.
		var api *rosync.APIError
		if !errors.As(lastErr, &api) || api.Status >= 500 {
			return 0, envelope{}, &rosync.AmbiguousError{Err: lastErr}
		}
	}
	return 0, envelope{}, lastErr
}

// once sends one request. retry reports whether the failure is transient.
func (c *client) once(ctx context.Context, fn string, data []byte) (int, envelope, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.api+fn+"/", bytes.NewReader(data))
	if err != nil {
		return 0, envelope{}, false, fmt.Errorf("cartum: %s: %w", fn, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "rosync (+https://github.com/rosync/rosync)")
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return 0, envelope{}, false, fmt.Errorf("cartum: %s: %w", fn, ctxErr)
		}
		return 0, envelope{}, true, &platformkit.TransportError{Msg: c.redact(fmt.Sprintf("cartum: %s: %v", fn, err)), Err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return 0, envelope{}, true, &platformkit.TransportError{Msg: c.redact(fmt.Sprintf("cartum: %s: reading the answer: %v", fn, err)), Err: err}
	}
	if int64(len(raw)) > c.maxBody {
		return 0, envelope{}, false, fmt.Errorf("cartum: %s: answer over %d bytes: %w", fn, c.maxBody, rosync.ErrBodyTooLarge)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := c.httpError(fn, resp, raw)
		transient := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
		return 0, envelope{}, transient, e
	}
	var env envelope
	if err := json.Unmarshal(bytes.TrimSpace(raw), &env); err != nil {
		return 0, envelope{}, false, c.apiError(fn, resp.StatusCode, "answer is not a JSON object", nil)
	}
	return resp.StatusCode, env, false, nil
}

// httpError maps a non-2xx answer to an *rosync.APIError (a 429 wrapping a
// *rosync.RateLimitError).
func (c *client) httpError(fn string, resp *http.Response, raw []byte) error {
	e := c.apiError(fn, resp.StatusCode, http.StatusText(resp.StatusCode), nil)
	var env envelope
	if json.Unmarshal(raw, &env) == nil && env.Status != nil {
		e = c.apiError(fn, resp.StatusCode, *env.Status, &env)
	} else if s := strings.TrimSpace(string(raw)); s != "" {
		e.Message = c.redact(clip(http.StatusText(resp.StatusCode) + ": " + s))
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		var d time.Duration
		if s, err := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After"))); err == nil && s > 0 {
			d = time.Duration(s) * time.Second
		}
		e.Err = &rosync.RateLimitError{Service: Name, RetryAfter: d}
	}
	return e
}

// apiError builds the *rosync.APIError of an answer: Status is 0 for an
// error reported in the body of a 2xx answer (Cartum's way), else the HTTP
// status; Message is the answer's status and its message.
func (c *client) apiError(fn string, httpStatus int, status string, env *envelope) *rosync.APIError {
	msg := strings.TrimSpace(status)
	if env != nil {
		if m := envMessage(env); m != "" {
			msg += ": " + m
		}
	}
	if httpStatus >= 200 && httpStatus <= 299 {
		httpStatus = 0
	}
	return &rosync.APIError{Service: Name, Method: http.MethodPost, Path: fn, Status: httpStatus, Message: c.redact(clip(msg))}
}

// envMessage finds the human message of an error answer: response.message,
// a string response, a top-level message, or response.log[].message.
func envMessage(env *envelope) string {
	if s, err := readString(env.Message); err == nil && s != "" {
		return s
	}
	switch platformkit.JSONKind(env.Response) {
	case "string":
		s, _ := readString(env.Response)
		return s
	case "object":
		var r struct {
			Message json.RawMessage `json:"message"`
			Log     []logEntry      `json:"log"`
		}
		if json.Unmarshal(env.Response, &r) != nil {
			return ""
		}
		if s, err := readString(r.Message); err == nil && s != "" {
			return s
		}
		var parts []string
		for _, l := range r.Log {
			if s := l.reason(); s != "" {
				if id, ok, err := readIntOrString(l.OrderID); err == nil && ok {
					s = "order " + strconv.FormatInt(id, 10) + ": " + s
				}
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, "; ")
	}
	return ""
}

// logEntry is an element of response.log (orders/update and other batch
// functions). Cartum's reference lists order_id, status and message; its
// own example answer carries "messages" (a string) and no order_id, in the
// order of the request's orders.
type logEntry struct {
	OrderID  json.RawMessage `json:"order_id"`
	Status   json.RawMessage `json:"status"`
	Message  json.RawMessage `json:"message"`
	Messages json.RawMessage `json:"messages"`
}

// reason is the entry's explanation: messages (a string, or, to be safe,
// an array or object of strings), else message, else "".
func (l logEntry) reason() string {
	for _, raw := range []json.RawMessage{l.Messages, l.Message} {
		if s := messageText(raw); s != "" {
			return s
		}
	}
	return ""
}

// messageText flattens a message value: a string, or the strings (and
// numbers) of an array or object, joined with "; ". Anything else is "".
func messageText(raw json.RawMessage) string {
	switch platformkit.JSONKind(raw) {
	case "string":
		s, _ := readString(raw)
		return s
	case "number":
		return strings.TrimSpace(string(raw))
	case "array":
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return ""
		}
		var parts []string
		for _, it := range items {
			if s := messageText(it); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, "; ")
	case "object":
		var parts []string
		platformkit.ScanObject(raw, func(_ string, v json.RawMessage) bool {
			if s := messageText(v); s != "" {
				parts = append(parts, s)
			}
			return true
		})
		return strings.Join(parts, "; ")
	}
	return ""
}

// redact removes the password, the webhook secret and the tokens from s.
func (c *client) redact(s string) string {
	c.tokMu.Lock()
	secrets := append([]string{c.token, c.oldToken}, c.secrets()...)
	c.tokMu.Unlock()
	for _, sec := range secrets {
		if len(sec) >= 4 && strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}

func clip(s string) string {
	if len(s) > maxMessage {
		return s[:maxMessage] + "…"
	}
	return s
}

func (c *client) backoff(attempt int) time.Duration {
	d := c.waitMin
	for i := 1; i < attempt && d < c.waitMax; i++ {
		d *= 2
	}
	return min(d, c.waitMax)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
