package woocommercetest

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
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

// wpSpecialcharsDecode is WordPress's wp_specialchars_decode($s,
// ENT_QUOTES) (wp-includes/formatting.php), which WC_Webhook applies to the
// secret before hashing. WordPress normalises zero-padded numeric entities
// with regular expressions, then translates a fixed table with strtr; this
// reads the same rules as one scan of the entities, written apart from the
// adapter's port (which follows WordPress's regexps and table) so that
// TestSign_MatchesFake compares two readings of the function: &lt; &gt;
// &amp; &quot;, decimal 38, 34, 39, 60 and 62 and hexadecimal (x or X) 26,
// 22 and 27, with any leading zeros, are decoded; every other entity
// (&copy;, &#x3c;, &AMP;) stays as it is, and nothing decoded is decoded
// again (strtr does not rescan).
func wpSpecialcharsDecode(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '&')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		s = s[i:]
		if end := strings.IndexByte(s, ';'); end > 0 {
			if c, ok := wpEntity(s[1:end]); ok {
				b.WriteByte(c)
				s = s[end+1:]
				continue
			}
		}
		b.WriteByte('&')
		s = s[1:]
	}
}

// wpEntity decodes the entity named name (between & and ;), when
// wp_specialchars_decode decodes it.
func wpEntity(name string) (byte, bool) {
	named := map[string]byte{"lt": '<', "gt": '>', "amp": '&', "quot": '"'}
	if c, ok := named[name]; ok {
		return c, true
	}
	num, ok := strings.CutPrefix(name, "#")
	if !ok {
		return 0, false
	}
	table := map[string]byte{"38": '&', "34": '"', "39": '\'', "60": '<', "62": '>'}
	if len(num) > 0 && (num[0] == 'x' || num[0] == 'X') {
		num, table = num[1:], map[string]byte{"26": '&', "22": '"', "27": '\''}
	}
	c, ok := table[strings.TrimLeft(num, "0")]
	return c, ok
}
