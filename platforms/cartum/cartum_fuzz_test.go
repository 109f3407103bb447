package cartum

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rosync/rosync"
)

// demoFixture is the replay's Cartum demo shop, whose orders seed the fuzz
// corpora.
const demoFixture = "../../testdata/replay/cartum-demo.json"

// orderSeeds adds the demo shop's orders (shop.orders and events[].order)
// and edge cases of types, numbers, dates and titles.
func orderSeeds(f *testing.F) {
	if data, err := os.ReadFile(demoFixture); err == nil {
		var fx struct {
			Shop struct {
				Orders []json.RawMessage `json:"orders"`
			} `json:"shop"`
			Events []struct {
				Order json.RawMessage `json:"order"`
			} `json:"events"`
		}
		if err := json.Unmarshal(data, &fx); err != nil {
			f.Fatalf("demo fixture: %v", err)
		}
		for _, o := range fx.Shop.Orders {
			f.Add([]byte(o))
		}
		for _, e := range fx.Events {
			if len(e.Order) > 0 && string(e.Order) != "null" {
				f.Add([]byte(e.Order))
			}
		}
	}
	for _, s := range []string{
		``, `null`, `{}`, `[]`, `"x"`, `{"order_id":7}`, `{"order_id":"7"}`, `{"order_id":-7}`, `{"order_id":7e400}`,
		`{"order_id":7,"stat_status":1,"stat_created":"2026-11-02 10:00:00","products":[{"article":"A","title":"Cup","quantity":2,"price":10.5}]}`,
		`{"order_id":7,"stat_status":1,"stat_created":"2026-03-29 03:30:00","currency":"uah","delivery_name":"  ",` +
			`"products":[{"article":null,"title":{"ua":"Чашка","en":""},"quantity":"2","price":"abc"}]}`,
		`{"order_id":7,"stat_status":1,"stat_created":"0000-00-00 00:00:00","products":{"0":{}}}`,
		`{"order_id":7,"stat_status":1,"stat_created":"2026-11-02T10:00:00+25:00","delivery_type":[],"delivery_price":"-1"}`,
		`{"order_id":7,"stat_status":true,"stat_created":"2026-11-02 10:00:00","products":[{"quantity":9223372036854775807,"price":1e308},{"quantity":1.5,"price":"0.000000000000000000001"}]}`,
		`{"order_id":7,"order_id":8,"stat_status":1,"stat_created":"2026-11-02 10:00:00","currency":"XXX","products":[null,1,"x"]}`,
	} {
		f.Add([]byte(s))
	}
}

// fuzzClient is an HTTP client that answers Cartum's functions in memory
// (no socket, so that the fuzzer runs fast): auth with a token, and
// orders/get with order as the only order of a page.
func fuzzClient(order []byte) *http.Client {
	return &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		_, _ = io.Copy(io.Discard, r.Body)
		var b bytes.Buffer
		switch {
		case strings.HasSuffix(r.URL.Path, "/auth/"):
			b.WriteString(`{"status":"OK","response":{"token":"fuzz-token"}}`)
		case strings.HasSuffix(r.URL.Path, "/orders/get/"):
			b.WriteString(`{"status":"OK","response":{"orders":[`)
			b.Write(order)
			b.WriteString(`]}}`)
		default:
			b.WriteString(`{"status":"UNDEFINED_FUNCTION","response":{"message":"no"}}`)
		}
		return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(&b), Request: r}, nil
	})}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// checkOrder is what a decoded order must satisfy.
func checkOrder(t *testing.T, o rosync.Order, raw []byte) {
	t.Helper()
	if o.ID == "" || o.Platform != Name || o.Status == "" {
		t.Fatalf("order without id, platform or status decoded from %q", raw)
	}
	if err := o.Validate(); err != nil {
		t.Fatalf("decoded order does not validate (%v): %q", err, raw)
	}
	for _, l := range o.Lines {
		if l.Quantity <= 0 || l.Quantity > rosync.MaxQuantity || l.Price.IsNegative() {
			t.Fatalf("line %d × %s decoded from %q", l.Quantity, l.Price, raw)
		}
	}
}

// FuzzOrderDecode serves a fuzzed order as the page of orders/get and reads
// it with Order and Orders: the adapter never panics, a one-order page
// ends the stream, and an order it returns validates with exact money
// (ENG-5).
func FuzzOrderDecode(f *testing.F) {
	orderSeeds(f)
	kyiv, err := time.LoadLocation("Europe/Kyiv")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		p, err := New("https://shop.example", Credentials{Login: "api", Password: "pw-fuzz"}, &Options{
			Currency: "UAH", Location: kyiv, HTTPClient: fuzzClient(raw), RetryMax: -1, PageSize: 5,
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if o, err := p.Order(ctx, "7"); err == nil {
			checkOrder(t, o, raw)
			if o.ID != "7" {
				t.Fatalf("Order(7) returned order %q", o.ID)
			}
		} else if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Order did not end: %q", raw)
		}
		n := 0
		for o, err := range p.Orders(ctx, rosync.Query{}) {
			if n++; n > 2 {
				t.Fatalf("a page of one order streamed %d items: %q", n, raw)
			}
			if err == nil {
				checkOrder(t, o, raw)
			}
		}
	})
}

// FuzzVerifyWebhook sends a fuzzed body to a hook URL that carries the
// right secret: the verification never panics, reads at most
// MaxWebhookBody, gives only a positive decimal order id and an event id,
// and refuses the same body with a wrong or missing secret (ENG-4).
func FuzzVerifyWebhook(f *testing.F) {
	orderSeeds(f)
	for _, s := range []string{`{"order_id":"7"}`, `{"order":{"order_id":7}}`, `{"data":{"order_id":"x"}}`, `{"order_id":0}`,
		`{"order_id":null,"order":{"order_id":8}}`, `{"order_id":"007"}`, `{"order_id":"18446744073709551616"}`, "\x00\xff", `{"order_id":1}{"x":2}`} {
		f.Add([]byte(s))
	}
	f.Add(bytes.Repeat([]byte("a"), MaxWebhookBody+1))
	f.Fuzz(func(t *testing.T, body []byte) {
		const secret = "cartum-fuzz-hook&secret="
		p, err := New("https://shop.example", Credentials{Login: "api", Password: "pw-fuzz"},
			&Options{Currency: "UAH", WebhookSecret: secret})
		if err != nil {
			t.Fatal(err)
		}
		for _, given := range []string{secret, "another secret", ""} {
			target := "https://host.example/webhooks/cartum?shop=1"
			if given != "" {
				target += "&" + WebhookSecretParam + "=" + url.QueryEscape(given)
			}
			req := httptest.NewRequest(http.MethodPost, target, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			hint, err := p.VerifyWebhook(req)
			if given != secret {
				if !errors.Is(err, rosync.ErrSignature) && !errors.Is(err, rosync.ErrBodyTooLarge) {
					t.Fatalf("secret %q: err = %v, want rosync.ErrSignature", given, err)
				}
				continue
			}
			if err != nil {
				continue
			}
			if len(body) > MaxWebhookBody {
				t.Fatalf("a body of %d bytes was accepted", len(body))
			}
			if hint.EventID == "" {
				t.Fatal("accepted webhook without an event id")
			}
			if hint.OrderID != "" {
				if n, err := strconv.ParseInt(hint.OrderID, 10, 64); err != nil || n <= 0 || strconv.FormatInt(n, 10) != hint.OrderID {
					t.Fatalf("order id %q from %q", hint.OrderID, body)
				}
			}
		}
	})
}
