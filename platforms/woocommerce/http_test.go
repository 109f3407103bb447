package woocommerce

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/platformkit/fakekit"
	"github.com/rosync/rosync/platforms/woocommerce/woocommercetest"
)

// GETs are retried after 5xx and 429 (Retry-After honoured), then succeed.
func TestHTTP_Retries(t *testing.T) {
	s := newShop(t, nil)
	s.addOrder(t, testOrder(1))
	s.srv.Fail("GET /orders/{id}", woocommercetest.Fault{Status: 503, Times: 2})
	s.srv.Fail("GET /orders/{id}", woocommercetest.Fault{Status: 429, Times: 1, RetryAfter: "0"})
	if _, err := s.p.Order(context.Background(), "1"); err != nil {
		t.Fatal(err)
	}
	if n := s.srv.Calls()["GET /orders/{id}"]; n != 4 {
		t.Errorf("GET /orders/{id} called %d times, want 4", n)
	}
	// PUT (idempotent) is retried too.
	s.srv.Fail("PUT /orders/{id}", woocommercetest.Fault{Status: 502, Times: 1})
	if err := s.p.SetStatus(context.Background(), "1", "on-hold"); err != nil {
		t.Fatal(err)
	}
	if n := s.srv.Calls()["PUT /orders/{id}"]; n != 2 {
		t.Errorf("PUT called %d times, want 2", n)
	}
}

// A Retry-After longer than RetryWaitMax is not slept through: the call
// returns a retryable RateLimitError carrying it.
func TestHTTP_LongRetryAfter(t *testing.T) {
	s := newShop(t, nil)
	s.addOrder(t, testOrder(1))
	s.srv.Fail("GET /orders/{id}", woocommercetest.Fault{Status: 429, Times: 1, RetryAfter: "120"})
	_, err := s.p.Order(context.Background(), "1")
	var rl *rosync.RateLimitError
	var api *rosync.APIError
	if !errors.As(err, &rl) || rl.RetryAfter != 120*time.Second || !errors.As(err, &api) || api.Status != 429 {
		t.Fatalf("err = %v, want an APIError 429 wrapping RateLimitError{120s}", err)
	}
	if !rosync.Retryable(err) {
		t.Error("not retryable")
	}
	if n := s.srv.Calls()["GET /orders/{id}"]; n != 1 {
		t.Errorf("called %d times, want 1", n)
	}
}

// Retries run out: the last 5xx is returned as a retryable APIError.
func TestHTTP_RetriesExhausted(t *testing.T) {
	s := newShop(t, &Options{RetryMax: 2})
	s.srv.Fail("GET /settings/general", woocommercetest.Fault{Status: 500, Times: 10})
	_, err := s.p.Shop(context.Background())
	var api *rosync.APIError
	if !errors.As(err, &api) || api.Status != 500 || api.Service != "woocommerce" || api.Path != "/settings/general" {
		t.Fatalf("err = %v", err)
	}
	if !rosync.Retryable(err) {
		t.Error("a 5xx should be retryable")
	}
	if n := s.srv.Calls()["GET /settings/general"]; n != 3 {
		t.Errorf("called %d times, want 3", n)
	}
}

// A 404 that is not a WordPress "invalid id" (wrong base URL, REST API
// missing) is not taken for a deleted order.
func TestHTTP_NoRouteIsNotNotFound(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/orders/1") {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `<html><body>Not Found</body></html>`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"code":"rest_no_route","message":"No route was found matching the URL and request method.","data":{"status":404}}`)
	}))
	defer ts.Close()
	p, err := New(ts.URL, Credentials{Key: testKey, Secret: testSecret}, &Options{HTTPClient: ts.Client()})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"1", "2"} {
		_, err := p.Order(context.Background(), id)
		var api *rosync.APIError
		if !errors.As(err, &api) || api.Status != 404 || errors.Is(err, rosync.ErrNotFound) {
			t.Errorf("Order(%s) = %v, want a 404 APIError not wrapping ErrNotFound", id, err)
		}
	}
}

func TestHTTP_BodyLimit(t *testing.T) {
	s := newShop(t, nil)
	s.addOrder(t, testOrder(1))
	s.p.c.maxBody = 512
	_, err := s.p.Order(context.Background(), "1")
	if !errors.Is(err, rosync.ErrBodyTooLarge) {
		t.Fatalf("err = %v, want ErrBodyTooLarge", err)
	}
}

func TestHTTP_RateLimit(t *testing.T) {
	// Burst 1000 so the test does not wait; the limiter is in the path.
	s := newShop(t, &Options{RequestsPerSecond: 1000})
	if _, ok := s.p.c.http.HTTPClient.Transport.(*limitedTransport); !ok {
		t.Fatalf("transport %T is not rate limited", s.p.c.http.HTTPClient.Transport)
	}
	if _, err := s.p.Shop(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.p.Shop(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// ENG-6: the consumer key and secret and the webhook secret appear in no
// error and no log line, even when the server echoes them.
func TestSecretsNeverLeak(t *testing.T) {
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, secret, _ := r.BasicAuth()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/settings/general"):
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"code":"woocommerce_rest_authentication_error","message":"Consumer key %s with secret %s is invalid.","data":{"status":401}}`, key, secret)
		case strings.Contains(r.URL.Path, "/orders/2"):
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprintf(w, `<html>upstream said %s:%s</html>`, key, secret)
		default:
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, `{"code":"x","message":"auth was %s"}`, r.Header.Get("Authorization"))
		}
	}))
	defer echo.Close()
	logs := &fakekit.LogBuffer{}
	opts := &Options{
		HTTPClient:    echo.Client(),
		WebhookSecret: testWebhookSecret,
		Logger:        slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		RetryMax:      1,
		RetryWaitMin:  time.Millisecond,
		RetryWaitMax:  time.Millisecond,
	}
	creds := Credentials{Key: testKey, Secret: testSecret}
	p, err := New(echo.URL, creds, opts)
	if err != nil {
		t.Fatal(err)
	}
	var errs []error
	_, err = p.Shop(context.Background())
	errs = append(errs, err)
	_, err = p.Order(context.Background(), "2")
	errs = append(errs, err)
	_, err = p.Order(context.Background(), "3")
	errs = append(errs, err)
	for _, e := range p.Orders(context.Background(), rosync.Query{}) {
		errs = append(errs, e)
	}
	// Network failure: the server is gone.
	echo.Close()
	_, err = p.Order(context.Background(), "1")
	errs = append(errs, err)
	// Webhook failures.
	req := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(`{"id":1}`))
	req.Header.Set(HeaderTopic, "order.updated")
	req.Header.Set(HeaderSignature, Sign(testWebhookSecret+"x", []byte(`{"id":1}`)))
	_, err = p.VerifyWebhook(req)
	errs = append(errs, err)

	token := base64.StdEncoding.EncodeToString([]byte(testKey + ":" + testSecret))
	secrets := []string{testKey, testSecret, testWebhookSecret, wpSpecialcharsDecode(testWebhookSecret), token}
	for i, e := range errs {
		if e == nil {
			t.Errorf("call %d succeeded", i)
			continue
		}
		for _, sec := range secrets {
			if strings.Contains(e.Error(), sec) {
				t.Errorf("error %d %q contains a secret", i, e)
			}
		}
	}
	printed := fmt.Sprintf("%v %+v %#v %v %+v", p, p, creds, creds, opts.WebhookSecret == "")
	out := logs.String()
	if out == "" {
		t.Error("no log output: the test does not exercise the logger")
	}
	for _, sec := range secrets {
		if strings.Contains(out, sec) {
			t.Errorf("log contains a secret:\n%s", out)
		}
		if strings.Contains(printed, sec) {
			t.Errorf("printing the platform or credentials shows a secret: %s", printed)
		}
	}
}
