package shopify

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/shopify/shopifytest"
)

func webhookRequest(t *testing.T, topic string, body []byte, sig string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/webhooks/shopify", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if topic != "" {
		r.Header.Set(HeaderTopic, topic)
	}
	if sig != "" {
		r.Header.Set(HeaderHmac, sig)
	}
	r.Header.Set(HeaderWebhookID, "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
	return r
}

func newWebhookPlatform(t *testing.T, secret string) *Platform {
	t.Helper()
	p, err := New("example", Credentials{AccessToken: testToken}, &Options{WebhookSecret: secret})
	require.NoError(t, err)
	return p
}

// TestVerifyWebhook covers ENG-4: a good signature, a wrong one, a missing
// one, a signature of another body, and bodies over the limit.
func TestVerifyWebhook(t *testing.T) { // ENG-4
	p := newWebhookPlatform(t, testWebhookSecret)
	// Shopify escapes / and & in its bodies; the HMAC is over the raw bytes.
	body := []byte(`{"id":820982911946154508,"name":"#1001","note":"a\/b \u0026 c"}`)

	t.Run("good", func(t *testing.T) {
		h, err := p.VerifyWebhook(webhookRequest(t, "orders/create", body, Sign(testWebhookSecret, body)))
		require.NoError(t, err)
		require.Equal(t, rosync.Hint{OrderID: "820982911946154508", EventID: "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", Topic: "orders/create"}, h)
	})
	t.Run("independent signature", func(t *testing.T) {
		require.Equal(t, shopifytest.Signature(testWebhookSecret, body), Sign(testWebhookSecret, body))
	})
	bad := map[string]*http.Request{
		"wrong":           webhookRequest(t, "orders/create", body, Sign("another-secret", body)),
		"missing":         webhookRequest(t, "orders/create", body, ""),
		"other body":      webhookRequest(t, "orders/create", body, Sign(testWebhookSecret, []byte(`{"id":1}`))),
		"hex not base64":  webhookRequest(t, "orders/create", body, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
		"re-encoded body": webhookRequest(t, "orders/create", body, Sign(testWebhookSecret, bytes.ReplaceAll(body, []byte(`\/`), []byte(`/`)))),
	}
	for name, r := range bad {
		t.Run(name, func(t *testing.T) {
			_, err := p.VerifyWebhook(r)
			require.ErrorIs(t, err, rosync.ErrSignature) // ENG-4
			requireNoSecret(t, err.Error())
		})
	}
	t.Run("no secret configured", func(t *testing.T) {
		_, err := newWebhookPlatform(t, "").VerifyWebhook(webhookRequest(t, "orders/create", body, Sign("", body)))
		require.ErrorIs(t, err, rosync.ErrSignature)
	})
	t.Run("too large", func(t *testing.T) {
		big := append([]byte(`{"id":1,"x":"`), bytes.Repeat([]byte("a"), MaxWebhookBody)...)
		big = append(big, `"}`...)
		_, err := p.VerifyWebhook(webhookRequest(t, "orders/create", big, Sign(testWebhookSecret, big)))
		require.ErrorIs(t, err, rosync.ErrBodyTooLarge)
		// Without a Content-Length (chunked), the limit still holds.
		r := webhookRequest(t, "orders/create", nil, Sign(testWebhookSecret, big))
		r.Body = io.NopCloser(bytes.NewReader(big))
		r.ContentLength = -1
		_, err = p.VerifyWebhook(r)
		require.ErrorIs(t, err, rosync.ErrBodyTooLarge)
	})
	t.Run("unreadable body", func(t *testing.T) {
		r := webhookRequest(t, "orders/create", nil, "x")
		r.Body = io.NopCloser(iotest.ErrReader(io.ErrUnexpectedEOF))
		r.ContentLength = -1
		_, err := p.VerifyWebhook(r)
		require.Error(t, err)
	})
}

func TestVerifyWebhook_Topics(t *testing.T) {
	p := newWebhookPlatform(t, testWebhookSecret)
	tests := []struct {
		topic, body, orderID string
		wantErr              bool
	}{
		{"orders/create", `{"id":450789469,"name":"#1001"}`, "450789469", false},
		{"orders/updated", `{"id":450789469}`, "450789469", false},
		{"orders/cancelled", `{"id":450789469,"cancelled_at":"2026-11-27T12:00:00Z"}`, "450789469", false},
		{"orders/updated", `{"id":18446744073709551615}`, "18446744073709551615", false}, // the largest UnsignedInt64, exactly
		{"orders/edited", string(shopifytest.OrderEditedBody("450789469", 78912328, testTime)), "450789469", false},
		{"orders/paid", `{"id":450789469}`, "", false},
		{"app/uninstalled", `{"id":1,"name":"shop"}`, "", false},
		{"orders/updated", `{"id":"abc"}`, "", true},
		{"orders/updated", `{"id":0}`, "", true},
		{"orders/updated", `{"id":-4}`, "", true},
		{"orders/updated", `{"id":1.5}`, "", true},
		{"orders/updated", `{"name":"#1"}`, "", true},
		{"orders/updated", `[1]`, "", true},
		{"orders/edited", `{"order_edit":{"id":1}}`, "", true},
		{"orders/edited", `{"id":450789469}`, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.topic+" "+tc.body, func(t *testing.T) {
			body := []byte(tc.body)
			h, err := p.VerifyWebhook(webhookRequest(t, tc.topic, body, Sign(testWebhookSecret, body)))
			if tc.wantErr {
				require.Error(t, err)
				require.NotErrorIs(t, err, rosync.ErrSignature, "a signed body is authentic")
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.orderID, h.OrderID)
			require.Equal(t, tc.topic, h.Topic)
		})
	}
}

// TestVerifyWebhook_FakeDeliveries checks the adapter against the requests
// the fake builds, redeliveries included (same X-Shopify-Webhook-Id).
func TestVerifyWebhook_FakeDeliveries(t *testing.T) {
	p := newWebhookPlatform(t, testWebhookSecret)
	body, err := shopifytest.OrderWebhookBody([]byte(exampleNode))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(body), "{"))
	d := shopifytest.NewDelivery("http://host/webhooks", testWebhookSecret, "orders/updated", body)
	r1, err := d.Request()
	require.NoError(t, err)
	r2, err := d.Request()
	require.NoError(t, err)
	h1, err := p.VerifyWebhook(r1)
	require.NoError(t, err)
	h2, err := p.VerifyWebhook(r2)
	require.NoError(t, err)
	require.Equal(t, "450789469", h1.OrderID)
	require.Equal(t, h1, h2, "a redelivery carries the same event id (ENG-1)")

	r3, err := shopifytest.SignedWebhook("http://host/webhooks", testWebhookSecret, "orders/updated", body)
	require.NoError(t, err)
	h3, err := p.VerifyWebhook(r3)
	require.NoError(t, err)
	require.NotEqual(t, h1.EventID, h3.EventID, "a new event has a new id")
}
