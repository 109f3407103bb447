package woocommerce

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/rosync/rosync"
)

// MaxWebhookBody is the largest webhook body VerifyWebhook reads.
const MaxWebhookBody = 1 << 20

// The WooCommerce webhook headers.
const (
	HeaderTopic      = "X-WC-Webhook-Topic"
	HeaderSignature  = "X-WC-Webhook-Signature"
	HeaderDeliveryID = "X-WC-Webhook-Delivery-ID"
)

// TopicPing is the Hint.Topic of the form-encoded ping WooCommerce sends when
// a webhook is created or re-activated; answer it with 200.
const TopicPing = "ping"

// orderTopics carry an order id in their body ({"id":N,...}; order.deleted
// sends only the id).
var orderTopics = map[string]bool{
	"order.created":  true,
	"order.updated":  true,
	"order.deleted":  true,
	"order.restored": true,
}

var pingBody = regexp.MustCompile(`^webhook_id=[0-9]+$`)

// VerifyWebhook authenticates a WooCommerce webhook delivery (ENG-4) and
// returns the order it is about.
//
//   - The body is read once, up to MaxWebhookBody; more is an error wrapping
//     rosync.ErrBodyTooLarge.
//   - The ping that WooCommerce sends when a webhook is saved (form data
//     "webhook_id=N", no topic, no signature) returns Hint{Topic: "ping"}
//     and no error, so that the host answers 200 and WooCommerce activates
//     the webhook. It names no order and so changes nothing.
//   - Anything else must carry X-WC-Webhook-Signature equal to
//     base64(HMAC-SHA256(raw body, secret)), compared in constant time;
//     otherwise the error wraps rosync.ErrSignature. The secret is decoded
//     as WooCommerce decodes it before hashing (wp_specialchars_decode with
//     ENT_QUOTES: &amp; &lt; &gt; &quot; &#039; and their numeric forms).
//   - order.created/updated/deleted/restored give Hint.OrderID from the
//     body's "id"; other topics a Hint without OrderID.
//
// Hint.EventID is the hex SHA-256 of the body: X-WC-Webhook-Delivery-ID
// changes on every delivery and cannot deduplicate, while the same body
// means the same order state.
func (p *Platform) VerifyWebhook(r *http.Request) (rosync.Hint, error) {
	if r.ContentLength > MaxWebhookBody {
		return rosync.Hint{}, fmt.Errorf("woocommerce: webhook body of %d bytes: %w", r.ContentLength, rosync.ErrBodyTooLarge)
	}
	if r.Body == nil {
		return rosync.Hint{}, fmt.Errorf("woocommerce: webhook without body: %w", rosync.ErrSignature)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxWebhookBody+1))
	if err != nil {
		return rosync.Hint{}, fmt.Errorf("woocommerce: reading webhook body: %w", err)
	}
	if len(body) > MaxWebhookBody {
		return rosync.Hint{}, fmt.Errorf("woocommerce: webhook body over %d bytes: %w", MaxWebhookBody, rosync.ErrBodyTooLarge)
	}
	topic := strings.TrimSpace(r.Header.Get(HeaderTopic))
	if topic == "" && isPing(r, body) {
		return rosync.Hint{Topic: TopicPing}, nil
	}
	secret := p.webhookSecret()
	if secret == "" {
		return rosync.Hint{}, fmt.Errorf("woocommerce: no webhook secret configured: %w", rosync.ErrSignature)
	}
	got := strings.TrimSpace(r.Header.Get(HeaderSignature))
	if got == "" {
		return rosync.Hint{}, fmt.Errorf("woocommerce: webhook without %s: %w", HeaderSignature, rosync.ErrSignature)
	}
	want := sign([]byte(secret), body)
	if !hmac.Equal([]byte(got), []byte(want)) {
		return rosync.Hint{}, fmt.Errorf("woocommerce: webhook signature does not match: %w", rosync.ErrSignature)
	}
	sum := sha256.Sum256(body)
	hint := rosync.Hint{Topic: topic, EventID: hex.EncodeToString(sum[:])}
	if !orderTopics[topic] {
		return hint, nil
	}
	var payload struct {
		ID json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal(body, &payload); err != nil {
		return rosync.Hint{}, fmt.Errorf("woocommerce: %s webhook body is not a JSON object: %w", topic, err)
	}
	id, err := strconv.ParseInt(string(bytes.TrimSpace(payload.ID)), 10, 64)
	if err != nil || id <= 0 {
		return rosync.Hint{}, fmt.Errorf("woocommerce: %s webhook body has no order id", topic)
	}
	hint.OrderID = strconv.FormatInt(id, 10)
	return hint, nil
}

// isPing recognises WooCommerce's webhook ping: "webhook_id=N" as form data
// (or without a Content-Type).
func isPing(r *http.Request, body []byte) bool {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/x-www-form-urlencoded" {
			return false
		}
	}
	return pingBody.Match(bytes.TrimSpace(body))
}

// Sign returns the X-WC-Webhook-Signature WooCommerce sends for body with
// secret: base64(HMAC-SHA256(body, wp_specialchars_decode(secret))).
func Sign(secret string, body []byte) string {
	return sign([]byte(wpSpecialcharsDecode(secret)), body)
}

func sign(key, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// wpSpecialcharsDecode is WordPress's wp_specialchars_decode($s, ENT_QUOTES),
// which WooCommerce applies to the webhook secret before hashing
// (WC_Webhook::generate_signature). Only these entities are decoded; a
// general HTML unescape would also turn e.g. "&copy" into "©" and break
// secrets that WooCommerce hashes verbatim.
func wpSpecialcharsDecode(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	for _, z := range zeroPadded {
		s = z.re.ReplaceAllLiteralString(s, z.to)
	}
	return specialchars.Replace(s)
}

var zeroPadded = []struct {
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

var specialchars = strings.NewReplacer(
	"&#039;", "'", "&#x27;", "'",
	"&quot;", `"`, "&#034;", `"`, "&#x22;", `"`,
	"&lt;", "<", "&#060;", "<", "&gt;", ">", "&#062;", ">",
	"&amp;", "&", "&#038;", "&", "&#x26;", "&",
)
