package woocommercetest

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"regexp"
	"strings"
)

// UserAgent is the User-Agent of WooCommerce's webhook deliveries.
const UserAgent = "WooCommerce/5.8.0 Hookshot (WordPress/5.8.2)"

// Source is the X-WC-Webhook-Source of the requests built here.
const Source = "https://woocommerce.test/"

// WebhookID is the X-WC-Webhook-ID (and the ping's webhook_id) of the
// requests built here.
const WebhookID = "1"

// SignedWebhook builds the POST that WooCommerce sends to url for topic
// (e.g. "order.updated") with body, signed with secret as WooCommerce signs
// it: X-WC-Webhook-Signature = base64(HMAC-SHA256(body,
// wp_specialchars_decode(secret, ENT_QUOTES))). Each call gets a new
// X-WC-Webhook-Delivery-ID, as each WooCommerce delivery does.
func SignedWebhook(url, secret, topic string, body []byte) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	resource, event, _ := strings.Cut(topic, ".")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set("X-WC-Webhook-Source", Source)
	req.Header.Set("X-WC-Webhook-Topic", topic)
	req.Header.Set("X-WC-Webhook-Resource", resource)
	req.Header.Set("X-WC-Webhook-Event", event)
	req.Header.Set("X-WC-Webhook-Signature", Signature(secret, body))
	req.Header.Set("X-WC-Webhook-ID", WebhookID)
	req.Header.Set("X-WC-Webhook-Delivery-ID", deliveryID())
	return req, nil
}

// Ping builds the request WooCommerce sends to url when a webhook is saved:
// a form-encoded "webhook_id=N" without topic or signature.
func Ping(url string) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader("webhook_id="+WebhookID))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
	req.Header.Set("User-Agent", UserAgent)
	return req, nil
}

// Signature computes X-WC-Webhook-Signature as WooCommerce does
// (WC_Webhook::generate_signature), independently of the adapter's code.
func Signature(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(wpSpecialcharsDecode(secret)))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// deliveryID is a fresh 32-hex-digit id (WooCommerce: wp_hash(id . time())).
func deliveryID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// wpSpecialcharsDecode is WordPress's wp_specialchars_decode($s, ENT_QUOTES).
func wpSpecialcharsDecode(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	for _, p := range padded {
		s = p.re.ReplaceAllLiteralString(s, p.to)
	}
	return decoder.Replace(s)
}

var padded = []struct {
	re *regexp.Regexp
	to string
}{
	{regexp.MustCompile(`&#0*39;`), "&#039;"},
	{regexp.MustCompile(`(?i)&#x0*27;`), "&#x27;"},
	{regexp.MustCompile(`&#0*34;`), "&#034;"},
	{regexp.MustCompile(`(?i)&#x0*22;`), "&#x22;"},
	{regexp.MustCompile(`&#0*60;`), "&#060;"},
	{regexp.MustCompile(`&#0*62;`), "&#062;"},
	{regexp.MustCompile(`&#0*38;`), "&#038;"},
	{regexp.MustCompile(`(?i)&#x0*26;`), "&#x26;"},
}

var decoder = strings.NewReplacer(
	"&#039;", "'", "&#x27;", "'",
	"&quot;", `"`, "&#034;", `"`, "&#x22;", `"`,
	"&lt;", "<", "&#060;", "<", "&gt;", ">", "&#062;", ">",
	"&amp;", "&", "&#038;", "&", "&#x26;", "&",
)
