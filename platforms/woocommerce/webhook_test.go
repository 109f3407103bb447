package woocommerce

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/woocommerce/woocommercetest"
)

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func newWebhookPlatform(t *testing.T, secret string) *Platform {
	t.Helper()
	p, err := New("https://shop.example", Credentials{Key: testKey, Secret: testSecret}, &Options{WebhookSecret: secret})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// ENG-4: a delivery is accepted only with the right signature over the raw
// body, compared in constant time.
func TestVerifyWebhook_ENG4(t *testing.T) {
	body := readFixture(t)
	other := []byte(`{"id":206,"status":"processing"}`)
	p := newWebhookPlatform(t, testWebhookSecret)

	signed := func(secret, topic string, b []byte) *http.Request {
		r, err := woocommercetest.SignedWebhook("https://rosync.example/hooks/woo", secret, topic, b)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	tests := []struct {
		name    string
		req     func() *http.Request
		want    rosync.Hint
		wantErr error
	}{
		{
			name: "good signature",
			req:  func() *http.Request { return signed(testWebhookSecret, "order.created", body) },
			want: rosync.Hint{OrderID: "205", Topic: "order.created", EventID: sha(body)},
		},
		{
			name: "wrong secret",
			req:  func() *http.Request { return signed("another-secret", "order.created", body) },
			// ENG-4: refused
			wantErr: rosync.ErrSignature,
		},
		{
			name: "missing signature",
			req: func() *http.Request {
				r := signed(testWebhookSecret, "order.created", body)
				r.Header.Del(HeaderSignature)
				return r
			},
			wantErr: rosync.ErrSignature,
		},
		{
			name: "signature of another body",
			req: func() *http.Request {
				r := signed(testWebhookSecret, "order.created", body)
				r.Header.Set(HeaderSignature, Sign(testWebhookSecret, other))
				return r
			},
			wantErr: rosync.ErrSignature,
		},
		{
			name: "hex instead of base64",
			req: func() *http.Request {
				r := signed(testWebhookSecret, "order.created", body)
				r.Header.Set(HeaderSignature, sha(body))
				return r
			},
			wantErr: rosync.ErrSignature,
		},
		{
			name: "body altered after signing",
			req: func() *http.Request {
				r := signed(testWebhookSecret, "order.updated", body)
				altered := bytes.Replace(body, []byte(`"total": "17.70"`), []byte(`"total": "0.01"`), 1)
				r.Body = io.NopCloser(bytes.NewReader(altered))
				r.ContentLength = int64(len(altered))
				return r
			},
			wantErr: rosync.ErrSignature,
		},
		{
			name: "order.deleted carries only the id",
			req:  func() *http.Request { return signed(testWebhookSecret, "order.deleted", []byte(`{"id":205}`)) },
			want: rosync.Hint{OrderID: "205", Topic: "order.deleted", EventID: sha([]byte(`{"id":205}`))},
		},
		{
			name: "order.restored",
			req:  func() *http.Request { return signed(testWebhookSecret, "order.restored", other) },
			want: rosync.Hint{OrderID: "206", Topic: "order.restored", EventID: sha(other)},
		},
		{
			name: "another topic names no order",
			req:  func() *http.Request { return signed(testWebhookSecret, "product.updated", []byte(`{"id":30}`)) },
			want: rosync.Hint{Topic: "product.updated", EventID: sha([]byte(`{"id":30}`))},
		},
		{
			name: "ping",
			req: func() *http.Request {
				r, err := woocommercetest.Ping("https://rosync.example/hooks/woo")
				if err != nil {
					t.Fatal(err)
				}
				return r
			},
			want: rosync.Hint{Topic: TopicPing},
		},
		{
			name: "form body that is not a ping must be signed",
			req: func() *http.Request {
				r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("webhook_id=1&id=205"))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				return r
			},
			wantErr: rosync.ErrSignature,
		},
		{
			name: "body over 1 MiB with Content-Length",
			req: func() *http.Request {
				big := append([]byte(`{"id":1,"x":"`), bytes.Repeat([]byte("a"), MaxWebhookBody)...)
				big = append(big, `"}`...)
				return signed(testWebhookSecret, "order.created", big)
			},
			wantErr: rosync.ErrBodyTooLarge,
		},
		{
			name: "body over 1 MiB without Content-Length",
			req: func() *http.Request {
				big := bytes.Repeat([]byte("a"), MaxWebhookBody+1)
				r := signed(testWebhookSecret, "order.created", big)
				r.ContentLength = -1
				r.Body = io.NopCloser(bytes.NewReader(big))
				return r
			},
			wantErr: rosync.ErrBodyTooLarge,
		},
		{
			name: "order topic with a body without id",
			req:  func() *http.Request { return signed(testWebhookSecret, "order.updated", []byte(`{"status":"x"}`)) },
			// signed, but useless: an error that is not a signature error
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := p.VerifyWebhook(tt.req())
			switch {
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if got != (rosync.Hint{}) {
					t.Errorf("hint %+v returned with an error", got)
				}
			case tt.want == (rosync.Hint{}):
				if err == nil || errors.Is(err, rosync.ErrSignature) {
					t.Fatalf("err = %v, want a non-signature error", err)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("hint (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// A redelivery (new X-WC-Webhook-Delivery-ID, same body) has the same
// EventID, so the engine can deduplicate it.
func TestVerifyWebhook_EventIDStable(t *testing.T) {
	p := newWebhookPlatform(t, testWebhookSecret)
	body := readFixture(t)
	var ids, deliveries []string
	for range 2 {
		r, err := woocommercetest.SignedWebhook("https://rosync.example/hook", testWebhookSecret, "order.updated", body)
		if err != nil {
			t.Fatal(err)
		}
		deliveries = append(deliveries, r.Header.Get(HeaderDeliveryID))
		h, err := p.VerifyWebhook(r)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, h.EventID)
	}
	if deliveries[0] == deliveries[1] {
		t.Fatal("the fake should send a new delivery id each time")
	}
	if ids[0] != ids[1] || ids[0] == "" {
		t.Errorf("event ids %v differ", ids)
	}
}

// WooCommerce hashes with wp_specialchars_decode($secret, ENT_QUOTES): a
// secret stored as "a&amp;b" signs with "a&b". Either form configured here
// verifies; entities that WordPress does not decode stay as they are.
func TestVerifyWebhook_SecretWithHTMLEntity_ENG4(t *testing.T) {
	body := []byte(`{"id":7}`)
	tests := []struct {
		name       string
		wooSecret  string // as stored in WooCommerce
		configured string // as given to rosync
	}{
		{"stored escaped, configured escaped", "s3cr&amp;t", "s3cr&amp;t"},
		{"stored escaped, configured as typed", "s3cr&amp;t", "s3cr&t"},
		{"quotes and angle brackets", "a&quot;b&#039;c&lt;d&gt;", `a"b'c<d>`},
		{"zero-padded numeric entity", "x&#0038;y", "x&y"},
		{"entity WordPress does not decode", "p&copy;q&copyr", "p&copy;q&copyr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newWebhookPlatform(t, tt.configured)
			r, err := woocommercetest.SignedWebhook("https://rosync.example/hook", tt.wooSecret, "order.created", body)
			if err != nil {
				t.Fatal(err)
			}
			h, err := p.VerifyWebhook(r)
			if err != nil {
				t.Fatal(err)
			}
			if h.OrderID != "7" {
				t.Errorf("hint %+v", h)
			}
		})
	}
}

func TestVerifyWebhook_NoSecretConfigured(t *testing.T) {
	p, err := New("https://shop.example", Credentials{Key: "ck", Secret: "cs"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := woocommercetest.SignedWebhook("https://rosync.example/hook", "", "order.created", []byte(`{"id":1}`))
	if _, err := p.VerifyWebhook(r); !errors.Is(err, rosync.ErrSignature) {
		t.Errorf("err = %v, want ErrSignature", err)
	}
	ping, _ := woocommercetest.Ping("https://rosync.example/hook")
	if h, err := p.VerifyWebhook(ping); err != nil || h.Topic != TopicPing {
		t.Errorf("ping: %+v %v", h, err)
	}
}

// signSecrets are secrets on which Sign and the fake's reading of
// wp_specialchars_decode must agree: every entity the function decodes,
// padded or not, and entities and near-entities it leaves alone.
var signSecrets = []string{"", "plain", "a&amp;b", "&#X26;&#x000027;&#39;", "&amp;lt;", "ünïcødé&gt;",
	"&#X0026;&#0039;&#00034;&#x22;&#60;&#062;&#38;", "&#x3c;&#x3E;&AMP;&Lt;", "&amp&amp;", "&#0x39;",
	"&#;&#x;&#000;&#x000;", "&#038;#039;", "a&b;c", "&&amp;;", "&#99999999999999999999999;"}

// Sign and the fake shop's independent implementation agree.
func TestSign_MatchesFake(t *testing.T) {
	body := []byte(`{"id":1,"total":"10.00"}`)
	for _, secret := range signSecrets {
		if got, want := Sign(secret, body), woocommercetest.Signature(secret, body); got != want {
			t.Errorf("Sign(%q) = %s, fake %s", secret, got, want)
		}
	}
	// Known values, computed outside Go (Python hmac): base64 HMAC-SHA256
	// of "body" with key "key", and of {"id":7} with key "s3cr&t" (the
	// secret WooCommerce stores as "s3cr&amp;t").
	if got := Sign("key", []byte("body")); got != "UVquEztDXUAAlWcx9orlz164XU8NxqVG0r/NNZXsGuE=" {
		t.Errorf("Sign = %s", got)
	}
	if got := Sign("s3cr&amp;t", []byte(`{"id":7}`)); got != "kjPMX/7ZCDaAIEjk+pxNJu7LQb7ArsBOf67I9f4+/IU=" {
		t.Errorf("Sign = %s", got)
	}
}

// FuzzSign_MatchesFake: on any secret, the adapter's port of
// wp_specialchars_decode (WordPress's regexps and strtr table) and the
// fake's scan of the entities give the same signature (ENG-4).
func FuzzSign_MatchesFake(f *testing.F) {
	for _, s := range signSecrets {
		f.Add(s)
	}
	body := []byte(`{"id":1}`)
	f.Fuzz(func(t *testing.T, secret string) {
		if got, want := Sign(secret, body), woocommercetest.Signature(secret, body); got != want {
			t.Errorf("ENG-4: Sign(%q) = %s, the fake signs %s", secret, got, want)
		}
	})
}

func TestWpSpecialcharsDecode(t *testing.T) {
	tests := map[string]string{
		"":                    "",
		"plain":               "plain",
		"a&amp;b":             "a&b",
		"&amp;amp;":           "&amp;",
		"&amp;lt;":            "&lt;",
		"&#039;&#x27;":        "''",
		"&#39;&#0039;":        "''",
		"&#X27;":              "'",
		"&quot;&#34;&#x22;":   `"""`,
		"&lt;&#60;&gt;&#62;":  "<<>>",
		"&#38;&#x26;&#X0026;": "&&&",
		"&copy;&eacute;&amp":  "&copy;&eacute;&amp",
	}
	for in, want := range tests {
		if got := wpSpecialcharsDecode(in); got != want {
			t.Errorf("wpSpecialcharsDecode(%q) = %q, want %q", in, got, want)
		}
	}
}

// The whole path over HTTP: a handler answers 200 to a ping and a good
// delivery, 401 to a forged one.
func TestVerifyWebhook_OverHTTP(t *testing.T) {
	p := newWebhookPlatform(t, testWebhookSecret)
	var hints []rosync.Hint
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, err := p.VerifyWebhook(r)
		switch {
		case errors.Is(err, rosync.ErrSignature):
			w.WriteHeader(http.StatusUnauthorized)
		case err != nil:
			w.WriteHeader(http.StatusBadRequest)
		default:
			hints = append(hints, h)
		}
	}))
	defer ts.Close()
	ping, _ := woocommercetest.Ping(ts.URL)
	good, _ := woocommercetest.SignedWebhook(ts.URL, testWebhookSecret, "order.created", readFixture(t))
	forged, _ := woocommercetest.SignedWebhook(ts.URL, "guess", "order.created", readFixture(t))
	for i, tc := range []struct {
		req  *http.Request
		want int
	}{{ping, 200}, {good, 200}, {forged, 401}} {
		resp, err := ts.Client().Do(tc.req.WithContext(context.Background()))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("request %d: status %d, want %d", i, resp.StatusCode, tc.want)
		}
	}
	if len(hints) != 2 || hints[0].Topic != TopicPing || hints[1].OrderID != "205" {
		t.Errorf("hints %+v", hints)
	}
}
