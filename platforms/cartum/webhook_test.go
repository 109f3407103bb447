package cartum_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/cartum"
	"github.com/rosync/rosync/platforms/cartum/cartumtest"
	"github.com/rosync/rosync/platforms/platformkit/fakekit"
)

const hookURL = "https://host.example/hooks/cartum"

// TestVerifyWebhook_Secret: the secret in the target URL's query is
// required and compared in constant time (ENG-4).
func TestVerifyWebhook_Secret(t *testing.T) {
	e := setup(t, nil)
	body := []byte(orderJSON(1042, 1, "2026-11-20 10:00:00"))

	h, err := e.p.VerifyWebhook(cartumtest.Webhook(hookURL, testSecret, body)) // ENG-4: good
	require.NoError(t, err)
	require.Equal(t, "1042", h.OrderID)
	require.Equal(t, "order_created", h.Topic)
	require.Len(t, h.EventID, 64)

	h2, err := e.p.VerifyWebhook(cartumtest.Webhook(hookURL, testSecret, body))
	require.NoError(t, err)
	require.Equal(t, h.EventID, h2.EventID, "a redelivery has the same event id")

	for name, req := range map[string]*http.Request{
		"wrong":       cartumtest.Webhook(hookURL, "hook-secret-cartum-4568", body),
		"prefix":      cartumtest.Webhook(hookURL, testSecret[:10], body),
		"longer":      cartumtest.Webhook(hookURL, testSecret+"x", body),
		"missing":     cartumtest.Webhook(hookURL, "", body),
		"empty param": cartumtest.Webhook(hookURL+"?secret=", "", body),
		"case":        cartumtest.Webhook(hookURL, strings.ToUpper(testSecret), body),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := e.p.VerifyWebhook(req) // ENG-4: refused
			require.ErrorIs(t, err, rosync.ErrSignature)
			require.NotContains(t, err.Error(), testSecret) // ENG-6
		})
	}
}

func TestVerifyWebhook_NoSecretConfigured(t *testing.T) {
	e := setup(t, func(o *cartum.Options) { o.WebhookSecret = "" })
	_, err := e.p.VerifyWebhook(cartumtest.Webhook(hookURL, "anything", []byte(`{"order_id":1}`)))
	require.ErrorIs(t, err, rosync.ErrSignature) // ENG-4
}

func TestVerifyWebhook_TooLarge(t *testing.T) {
	e := setup(t, nil)
	big := append([]byte(`{"order_id": 1, "pad": "`), bytes.Repeat([]byte("x"), cartum.MaxWebhookBody)...)
	big = append(big, `"}`...)
	_, err := e.p.VerifyWebhook(cartumtest.Webhook(hookURL, testSecret, big))
	require.ErrorIs(t, err, rosync.ErrBodyTooLarge)

	// Without a Content-Length (chunked), the read is still bounded.
	req := cartumtest.Webhook(hookURL, testSecret, nil)
	req.Body = io.NopCloser(bytes.NewReader(big))
	req.ContentLength = -1
	_, err = e.p.VerifyWebhook(req)
	require.ErrorIs(t, err, rosync.ErrBodyTooLarge)
}

func TestVerifyWebhook_Bodies(t *testing.T) {
	e := setup(t, nil)
	tests := []struct {
		body, id string
		bad      bool
	}{
		{`{"order_id": 17}`, "17", false},
		{`{"order_id": "17"}`, "17", false},
		{`{"order": {"order_id": 18}}`, "18", false},
		{`{"data": {"order_id": 19, "stat_status": 1}}`, "19", false},
		{`{"event": "user_signup", "user": {"id": 3}}`, "", false},
		{`{"order_id": "abc"}`, "", true},
		{`{"order_id": -4}`, "", true},
		{`not json`, "", true},
		{`[1]`, "", true},
	}
	for _, tc := range tests {
		h, err := e.p.VerifyWebhook(cartumtest.Webhook(hookURL, testSecret, []byte(tc.body)))
		if tc.bad {
			require.Error(t, err, tc.body)
			require.NotErrorIs(t, err, rosync.ErrSignature, tc.body)
			continue
		}
		require.NoError(t, err, tc.body)
		require.Equal(t, tc.id, h.OrderID, tc.body)
	}
}

// TestWebhook_ThroughTheSyncer: a refused hook changes nothing and answers
// 401; an accepted one is fetched through the API (ENG-4).
func TestWebhook_ThroughTheSyncer(t *testing.T) {
	e := setup(t, nil)
	rec := httptest.NewRecorder()
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := e.p.VerifyWebhook(r); errors.Is(err, rosync.ErrSignature) {
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	handler.ServeHTTP(rec, cartumtest.Webhook(hookURL, "nope", []byte(`{"order_id": 1}`)))
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	require.Zero(t, e.srv.Calls()["orders/get"])
}

// TestSecrets_NeverInErrorsOrLogs: the password, the token and the webhook
// secret stay out of every error and log line, even when the server
// echoes them (ENG-6).
func TestSecrets_NeverInErrorsOrLogs(t *testing.T) {
	var token string
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/auth/") {
			token = "tok-0123456789abcdef0123456789abcdef"
			_, _ = io.WriteString(w, `{"status":"OK","response":{"token":"`+token+`"}}`)
			return
		}
		// An API that echoes the request in its error message.
		msg := strings.ReplaceAll(string(data), `"`, `'`) + " " + testPassword + " " + testSecret
		_, _ = io.WriteString(w, `{"status":"ERROR","response":{"message":"bad request: `+msg+`"}}`)
	})
	hs := httptest.NewServer(echo)
	defer hs.Close()
	logs := &fakekit.LogBuffer{}
	e := setup(t, nil)
	p, err := cartum.New(hs.URL, cartum.Credentials{Login: testLogin, Password: testPassword}, &cartum.Options{
		Currency: "UAH", WebhookSecret: testSecret, HTTPClient: hs.Client(),
		Logger:       slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond,
	})
	require.NoError(t, err)
	ctx := context.Background()
	var errs []error
	_, err = p.Shop(ctx)
	errs = append(errs, err)
	_, err = p.Order(ctx, "1")
	errs = append(errs, err)
	errs = append(errs, p.SetStatus(ctx, "1", "2"))
	errs = append(errs, p.Subscribe(ctx, "https://host.example/h"))
	_, err = p.VerifyWebhook(cartumtest.Webhook(hookURL, "wrong", nil))
	errs = append(errs, err)
	require.NotEmpty(t, token)
	for i, err := range errs {
		require.Error(t, err)
		for _, secret := range []string{testPassword, testSecret, token} {
			require.NotContains(t, err.Error(), secret) // ENG-6
		}
		if i < 4 { // the API errors carry the echo, redacted rather than dropped
			require.Contains(t, err.Error(), "[redacted]", "%v", err)
		}
	}
	// And through the fake shop (debug logs on, retries, renewals).
	e.shop(t)
	e.srv.ExpireTokens()
	e.shop(t)
	for _, l := range []string{logs.String(), e.logs.String()} {
		for _, secret := range []string{testPassword, testSecret, token} {
			require.NotContains(t, l, secret) // ENG-6
		}
	}
	creds := cartum.Credentials{Login: "api", Password: testPassword}
	for _, s := range []string{
		creds.String(),
		fmt.Sprintf("%v %+v %#v", creds, creds, creds),
		fmt.Sprintf("%+v %#v", e.p, e.p),
	} {
		require.NotContains(t, s, testPassword) // ENG-6
		require.NotContains(t, s, testSecret)
	}
}
