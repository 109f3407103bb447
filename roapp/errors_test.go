package roapp_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"
	"golang.org/x/time/rate"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp"
	"github.com/rosync/rosync/roapp/roapptest"

	"github.com/stretchr/testify/require"
)

// errShape is what an error looks like through the rosync taxonomy.
type errShape struct {
	Kind      string // "api", "permission", "ratelimit", "ambiguous"
	Status    int
	Right     string
	NotFound  bool
	Conflict  bool
	Retryable bool
	Message   string
}

func shapeOf(err error) errShape {
	var (
		s    errShape
		perm *rosync.PermissionError
		rl   *rosync.RateLimitError
		amb  *rosync.AmbiguousError
		api  *rosync.APIError
	)
	switch {
	case errors.As(err, &amb):
		s.Kind = "ambiguous"
	case errors.As(err, &perm):
		s.Kind, s.Right = "permission", perm.Right
	case errors.As(err, &rl):
		s.Kind = "ratelimit"
	case errors.As(err, &api):
		s.Kind = "api"
	default:
		s.Kind = fmt.Sprintf("%T", err)
	}
	if errors.As(err, &api) {
		s.Status, s.Message = api.Status, api.Message
	}
	s.NotFound = errors.Is(err, rosync.ErrNotFound)
	s.Conflict = errors.Is(err, rosync.ErrConflict)
	s.Retryable = rosync.Retryable(err)
	return s
}

func TestErrorMapping(t *testing.T) {
	ctx := context.Background()
	addItem := func(c *roapp.Client) error {
		_, err := c.AddItem(ctx, 1, rosync.ROItem{ProductID: 2, Quantity: 1, Price: decimal.NewFromInt(5)})
		return err
	}
	getOrder := func(c *roapp.Client) error { _, err := c.Order(ctx, 1); return err }
	updateItem := func(c *roapp.Client) error {
		return c.UpdateItem(ctx, 1, rosync.ROItem{ID: 3, Quantity: 1, Price: decimal.NewFromInt(5)})
	}
	tests := []struct {
		name     string
		call     func(*roapp.Client) error
		answer   answer
		want     errShape
		requests int
	}{
		{"401 is permanent", getOrder, answer{status: 401, body: `{"message":"Unauthorized"}`},
			errShape{Kind: "api", Status: 401, Message: "Unauthorized"}, 1},
		// ORD-2: a 403 on adding an item names the right "Can add products without deduction".
		{"403 on AddItem", addItem, answer{status: 403, body: `{"message":"Access denied"}`},
			errShape{Kind: "permission", Right: rosync.RightAddWithoutDeduction, Status: 403, Message: "Access denied"}, 1},
		{"403 elsewhere, right from the message", getOrder, answer{status: 403, body: `{"error":"Missing right \"View orders\""}`},
			errShape{Kind: "permission", Right: "View orders", Status: 403, Message: `Missing right "View orders"`}, 1},
		{"403 without a message", updateItem, answer{status: 403, body: ``},
			errShape{Kind: "permission", Right: "unknown right", Status: 403, Message: "Forbidden"}, 1},
		{"404 is ErrNotFound", getOrder, answer{status: 404, body: `{"detail":"Order not found"}`},
			errShape{Kind: "api", Status: 404, NotFound: true, Message: "Order not found"}, 1},
		{"409 is ErrConflict", updateItem, answer{status: 409, body: `{"message":"Conflict"}`},
			errShape{Kind: "api", Status: 409, Conflict: true, Message: "Conflict"}, 1},
		{"422 validation is permanent", addItem,
			answer{status: 422, body: `{"message":{"validation":{"price":["must be a number"]}}}`},
			errShape{Kind: "api", Status: 422, Message: "validation: price: must be a number"}, 1},
		{"400 with errors array", updateItem, answer{status: 400, body: `{"errors":["bad quantity","bad price"]}`},
			errShape{Kind: "api", Status: 400, Message: "bad quantity, bad price"}, 1},
		{"5xx on GET is retried, then retryable", getOrder, answer{status: 502, body: `<html>Bad gateway</html>`},
			errShape{Kind: "api", Status: 502, Retryable: true, Message: "<html>Bad gateway</html>"}, 5},
		{"5xx on PATCH is retried", updateItem, answer{status: 500, body: `{"message":"boom"}`},
			errShape{Kind: "api", Status: 500, Retryable: true, Message: "boom"}, 5},
		{"5xx on a create is ambiguous and not retried", addItem, answer{status: 500, body: `{"message":"boom"}`},
			errShape{Kind: "ambiguous", Status: 500, Retryable: true, Message: "boom"}, 1},
		{"429 outliving the retries", getOrder, answer{status: 429, header: map[string]string{"Retry-After": "0"}},
			errShape{Kind: "ratelimit", Retryable: true}, 5},
		{"429 on a create is retried too (not executed)", addItem, answer{status: 429, header: map[string]string{"Retry-After": "0"}},
			errShape{Kind: "ratelimit", Retryable: true}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c := newScripted(t, nil, tt.answer)
			err := tt.call(c)
			require.Error(t, err)
			if diff := cmp.Diff(tt.want, shapeOf(err)); diff != "" {
				t.Errorf("error %q (-want +got):\n%s", err, diff)
			}
			if s.count() != tt.requests {
				t.Errorf("requests = %d, want %d", s.count(), tt.requests)
			}
		})
	}
}

func TestRateLimitRetryAfter(t *testing.T) {
	t.Run("Retry-After honoured, then success", func(t *testing.T) {
		s, c := newScripted(t, nil,
			answer{status: 429, body: `{"message":"Too many requests"}`, header: map[string]string{"Retry-After": "1"}},
			ok(`[{"id":1,"name":"New"}]`))
		st, err := c.Statuses(context.Background())
		require.NoError(t, err)
		if len(st) != 1 || s.count() != 2 { // ENG-3: Retry-After honoured, one retry, no 429 loop
			t.Errorf("statuses = %v after %d requests, want 1 status after 2", st, s.count())
		}
	})
	t.Run("create waits out a 429 once", func(t *testing.T) {
		s, c := newScripted(t, nil,
			answer{status: 429, header: map[string]string{"Retry-After": "0"}},
			answer{status: 201, body: `{"id":5}`})
		id, err := c.CreateOrder(context.Background(), rosync.NewOrder{BranchID: 1, OrderTypeID: 1, ClientID: 1, Ref: ref("1")})
		require.NoError(t, err)
		if id != 5 || s.count() != 2 {
			t.Errorf("id %d after %d requests, want 5 after 2", id, s.count())
		}
	})
	t.Run("Retry-After beyond MaxRetryAfter is returned at once", func(t *testing.T) {
		s, c := newScripted(t, nil, answer{status: 429, header: map[string]string{"Retry-After": "3600"}})
		_, err := c.Statuses(context.Background())
		var rl *rosync.RateLimitError
		if !errors.As(err, &rl) || rl.RetryAfter != time.Hour {
			t.Fatalf("err = %v, want RateLimitError with RetryAfter 1h", err)
		}
		if s.count() != 1 {
			t.Errorf("requests = %d, want 1", s.count())
		}
	})
	t.Run("against the emulator's rate limit", func(t *testing.T) {
		// The emulator refills a token every 50 ms; the client's back-off
		// (at least 25 ms, then 50 ms) outlasts that within its retries.
		emu, c := newEmulator(t, baseSeed(), &roapptest.Options{RequestsPerSecond: 20},
			&roapp.Options{RetryWaitMin: 50 * time.Millisecond, RetryWaitMax: 100 * time.Millisecond})
		for range 5 {
			_, err := c.Statuses(context.Background())
			require.NoError(t, err)
		}
		if got := emu.Calls().ByEndpoint["GET /orders/statuses"]; got != 5 {
			t.Errorf("served = %d, want 5", got)
		}
	})
}

func TestRetriesAgainstEmulator(t *testing.T) {
	ctx := context.Background()
	var failures atomic.Int32
	failures.Store(2)
	eopts := &roapptest.Options{Intercept: func(endpoint string, w http.ResponseWriter, r *http.Request) bool {
		switch endpoint {
		case "GET /orders/statuses":
			if failures.Add(-1) >= 0 {
				http.Error(w, `{"message":"try later"}`, http.StatusServiceUnavailable)
				return true
			}
		case "POST /orders":
			http.Error(w, `{"message":"internal"}`, http.StatusInternalServerError)
			return true
		}
		return false
	}}
	emu, c := newEmulator(t, baseSeed(), eopts, nil)

	_, err := c.Statuses(ctx)
	require.NoError(t, err)
	if got := emu.Calls().ByEndpoint["GET /orders/statuses"]; got != 3 {
		t.Errorf("GET /orders/statuses = %d, want 3 (two 503s retried)", got)
	}

	_, err = c.CreateOrder(ctx, rosync.NewOrder{BranchID: 1, OrderTypeID: 1, ClientID: 10, Ref: ref("1001")})
	var amb *rosync.AmbiguousError
	if !errors.As(err, &amb) {
		t.Fatalf("err = %v, want AmbiguousError", err)
	}
	if got := emu.Calls().ByEndpoint["POST /orders"]; got != 1 {
		t.Errorf("POST /orders = %d, want 1: a create is never retried blindly", got)
	}
}

func TestCreateTimeoutIsAmbiguous(t *testing.T) {
	eopts := &roapptest.Options{Intercept: func(endpoint string, w http.ResponseWriter, r *http.Request) bool {
		if endpoint == "POST /contacts/people" {
			io.Copy(io.Discard, r.Body) // the request arrived in full…
			select {                    // …and the server hangs until the client gives up
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
			return true
		}
		return false
	}}
	emu, c := newEmulator(t, baseSeed(), eopts, &roapp.Options{Timeout: 50 * time.Millisecond})
	_, err := c.CreateContact(context.Background(), rosync.Contact{FirstName: "A"})
	var amb *rosync.AmbiguousError
	if !errors.As(err, &amb) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want AmbiguousError wrapping a deadline", err)
	}
	if got := emu.Calls().ByEndpoint["POST /contacts/people"]; got != 1 {
		t.Errorf("POST /contacts/people = %d, want 1", got)
	}
}

func TestCreateNotSentIsNotAmbiguous(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close() // nothing listens: the request is never written
	c := roapp.New(testKey, fastOptions(base))
	_, err := c.CreateOrder(context.Background(), rosync.NewOrder{})
	require.Error(t, err)
	var amb *rosync.AmbiguousError
	if errors.As(err, &amb) {
		t.Errorf("err = %v: a request that was never sent is not ambiguous", err)
	}
	if !rosync.Retryable(err) {
		t.Errorf("err = %v, want retryable", err)
	}
}

// TestSharedLimiter checks that two clients of one account share one
// limiter and that every attempt, retries included, takes a token. The
// limiter refills so slowly that it never does during the test: counts,
// not durations, are asserted.
func TestSharedLimiter(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const slow = rate.Limit(1e-9)

	t.Run("shared by two clients", func(t *testing.T) {
		lim := rate.NewLimiter(slow, 5)
		emu := roapptest.New(baseSeed(), nil)
		srv := httptest.NewServer(emu)
		t.Cleanup(srv.Close)
		a := roapp.New(testKey, &roapp.Options{BaseURL: srv.URL, Limiter: lim})
		b := roapp.New(testKey, &roapp.Options{BaseURL: srv.URL, Limiter: lim})
		for range 3 {
			_, err := a.Statuses(ctx)
			require.NoError(t, err)
		}
		for range 2 {
			_, err := b.Company(ctx)
			require.NoError(t, err)
		}
		// The sixth request would wait for ever: it ends with its context
		// (a short one, so that the others' context is left intact).
		short, stop := context.WithTimeout(ctx, 50*time.Millisecond)
		defer stop()
		_, err := b.CreateContact(short, rosync.Contact{FirstName: "A"})
		require.Error(t, err)
		var amb *rosync.AmbiguousError
		if errors.As(err, &amb) {
			t.Errorf("err = %v: a request held by the limiter is not ambiguous", err)
		}
		if got := emu.Calls().Total; got != 5 { // ENG-3: one limit per account, shared by its clients
			t.Errorf("requests served = %d, want 5", got)
		}
	})

	t.Run("retries wait too", func(t *testing.T) {
		lim := rate.NewLimiter(slow, 10)
		s, c := newScripted(t, &roapp.Options{Limiter: lim},
			answer{status: 503}, answer{status: 503}, ok(`[]`))
		_, err := c.Statuses(ctx)
		require.NoError(t, err)
		if s.count() != 3 {
			t.Fatalf("requests = %d, want 3", s.count())
		}
		if left := math.Round(lim.Tokens()); left != 7 { // ENG-3: retries are rate limited too, no 429 storm
			t.Errorf("tokens left = %v, want 7 (one per attempt)", left)
		}
	})
}

// TestAPIKeyNeverLeaks runs failing and succeeding calls with debug
// logging and checks the key appears in no error and no log line.
func TestAPIKeyNeverLeaks(t *testing.T) {
	ctx := context.Background()
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A misbehaving proxy that echoes the request headers in its error page.
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprintf(w, "upstream error for Authorization: %s", r.Header.Get("Authorization"))
	})
	srvEcho := httptest.NewServer(echo)
	t.Cleanup(srvEcho.Close)

	emuWrongKey := roapptest.New(baseSeed(), &roapptest.Options{APIKey: "another-key"})
	srvWrong := httptest.NewServer(emuWrongKey)
	t.Cleanup(srvWrong.Close)

	var errs []error
	for _, base := range []string{srvEcho.URL, srvWrong.URL, "http://127.0.0.1:1"} {
		o := fastOptions(base)
		o.Logger = logger
		c := roapp.New(testKey, o)
		_, err := c.Company(ctx)
		errs = append(errs, err)
		_, err = c.CreateOrder(ctx, rosync.NewOrder{BranchID: 1, OrderTypeID: 1, ClientID: 10, Ref: ref("1")})
		errs = append(errs, err)
		errs = append(errs, c.SetStatus(ctx, 1, 2))
		if s := fmt.Sprintf("%v %+v %#v %s", c, c, c, c); strings.Contains(s, testKey) {
			t.Errorf("formatted client shows the key: %s", s)
		}
		logger.Info("client", "c", c)
	}
	for _, err := range errs {
		require.Error(t, err)
		if strings.Contains(err.Error(), testKey) {
			t.Errorf("error shows the key: %v", err)
		}
	}
	require.True(t, logs.Len() > 0, "nothing was logged")
	if strings.Contains(logs.String(), testKey) {
		t.Errorf("logs show the key:\n%s", logs.String())
	}
	if !strings.Contains(errs[0].Error(), "[redacted]") {
		t.Errorf("echoed key not redacted: %v", errs[0])
	}
}

func TestPathsOverride(t *testing.T) {
	var hits atomic.Int32
	mux := http.NewServeMux()
	mux.HandleFunc("POST /warehouse/goods", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(201)
		fmt.Fprint(w, `{"id":3}`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	o := fastOptions(srv.URL)
	o.Paths = map[roapp.Endpoint]string{roapp.EndpointCreateProduct: "warehouse/goods"}
	o.UOMID = 4
	c := roapp.New(testKey, o)
	id, err := c.CreateProduct(context.Background(), rosync.ROProduct{Title: "T"})
	require.NoError(t, err)
	if id != 3 || hits.Load() != 1 {
		t.Errorf("id %d, hits %d", id, hits.Load())
	}
	if !roapp.EndpointCreateProduct.Unverified() || roapp.EndpointCreateOrder.Unverified() {
		t.Error("Unverified flags wrong")
	}
	if got := roapp.DefaultPaths()[roapp.EndpointCreateProduct]; got != "catalog/products" {
		t.Errorf("default path = %q", got)
	}
}

// TestEndpointError: an UNVERIFIED endpoint answering 404 or 405 is one
// clear error naming the endpoint and its override; a verified one is not.
func TestEndpointError(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	o := fastOptions(srv.URL)
	o.UOMID = 1
	c := roapp.New(testKey, o)
	for _, tt := range []struct {
		name     string
		call     func() error
		endpoint roapp.Endpoint
		status   int
	}{
		{"create product 404", func() error { _, err := c.CreateProduct(ctx, rosync.ROProduct{Title: "T"}); return err }, roapp.EndpointCreateProduct, 404},
		{"comments 404", func() error { _, err := c.Comments(ctx, 1); return err }, roapp.EndpointComments, 404},
		{"delete item 405", func() error { return c.DeleteItem(ctx, 1, 2) }, roapp.EndpointDeleteItem, 405},
	} {
		err := tt.call()
		var ee *roapp.EndpointError
		require.True(t, errors.As(err, &ee), "%s: err = %v, want *EndpointError", tt.name, err)
		require.Equal(t, tt.endpoint, ee.Endpoint, tt.name)
		require.Equal(t, tt.status, ee.Status, tt.name)
		require.Equal(t, string(tt.endpoint), ee.Override, tt.name)
		require.Contains(t, err.Error(), `Options.Paths["`+string(tt.endpoint)+`"]`, tt.name)
		var api *rosync.APIError
		require.True(t, errors.As(err, &api), "%s: the APIError stays in the chain", tt.name)
		if tt.status == 404 {
			require.ErrorIs(t, err, rosync.ErrNotFound, "%s: a 404 may still mean the object is gone", tt.name)
		}
	}
	_, err := c.Order(ctx, 1)
	var ee *roapp.EndpointError
	require.False(t, errors.As(err, &ee), "a verified endpoint's 404 is a plain not-found")
	require.ErrorIs(t, err, rosync.ErrNotFound)
}

// TestPathSyntax: a template is relative to BaseURL, "/…" from the host
// root, and an absolute URL must stay on the API host.
func TestPathSyntax(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL.Path)
		w.WriteHeader(201)
		fmt.Fprint(w, `{"id":3}`)
	}))
	t.Cleanup(srv.Close)
	ctx := context.Background()
	for _, tt := range []struct{ tmpl, want string }{
		{"", "/v2/catalog/products"},
		{"warehouse/goods", "/v2/warehouse/goods"},
		{"/warehouse/goods", "/warehouse/goods"},
		{srv.URL + "/x/goods", "/x/goods"},
	} {
		o := fastOptions(srv.URL + "/v2")
		o.UOMID = 1
		o.Paths = map[roapp.Endpoint]string{roapp.EndpointCreateProduct: tt.tmpl}
		_, err := roapp.New(testKey, o).CreateProduct(ctx, rosync.ROProduct{Title: "T"})
		require.NoError(t, err, tt.tmpl)
		require.Equal(t, tt.want, got[len(got)-1], tt.tmpl)
	}
	o := fastOptions(srv.URL + "/v2")
	o.UOMID = 1
	o.Paths = map[roapp.Endpoint]string{roapp.EndpointCreateProduct: "https://elsewhere.example/goods"}
	n := len(got)
	_, err := roapp.New(testKey, o).CreateProduct(ctx, rosync.ROProduct{Title: "T"})
	require.ErrorContains(t, err, "leaves the API host")
	require.Len(t, got, n, "nothing sent: the key goes to the API host only")
}
