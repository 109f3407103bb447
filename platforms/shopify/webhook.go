package shopify

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/rosync/rosync"
)

// MaxWebhookBody is the largest webhook body VerifyWebhook reads.
const MaxWebhookBody = 1 << 20

// The Shopify webhook headers.
const (
	HeaderTopic     = "X-Shopify-Topic"
	HeaderHmac      = "X-Shopify-Hmac-Sha256"
	HeaderWebhookID = "X-Shopify-Webhook-Id"
)

// The order topics VerifyWebhook turns into a Hint with an order id.
const (
	TopicOrdersCreate    = "orders/create"
	TopicOrdersUpdated   = "orders/updated"
	TopicOrdersCancelled = "orders/cancelled"
	TopicOrdersEdited    = "orders/edited"
)

// VerifyWebhook authenticates a Shopify webhook delivery (ENG-4) and returns
// the order it is about.
//
//   - The body is read once, up to MaxWebhookBody; more is an error wrapping
//     rosync.ErrBodyTooLarge.
//   - X-Shopify-Hmac-Sha256 must equal base64(HMAC-SHA256(raw body,
//     Options.WebhookSecret)), compared in constant time; otherwise (or
//     without a secret configured) the error wraps rosync.ErrSignature.
//   - orders/create, orders/updated and orders/cancelled give Hint.OrderID
//     from the body's "id" (a JSON number, read exactly however large);
//     orders/edited from "order_edit.order_id"; other topics a Hint without
//     OrderID. A signed order topic whose body names no order is an error
//     (not ErrSignature).
//
// Hint.EventID is X-Shopify-Webhook-Id, the same on every redelivery of one
// delivery.
func (p *Platform) VerifyWebhook(r *http.Request) (rosync.Hint, error) {
	if r.ContentLength > MaxWebhookBody {
		return rosync.Hint{}, fmt.Errorf("shopify: webhook body of %d bytes: %w", r.ContentLength, rosync.ErrBodyTooLarge)
	}
	if r.Body == nil {
		return rosync.Hint{}, fmt.Errorf("shopify: webhook without body: %w", rosync.ErrSignature)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxWebhookBody+1))
	if err != nil {
		return rosync.Hint{}, fmt.Errorf("shopify: reading webhook body: %w", err)
	}
	if len(body) > MaxWebhookBody {
		return rosync.Hint{}, fmt.Errorf("shopify: webhook body over %d bytes: %w", MaxWebhookBody, rosync.ErrBodyTooLarge)
	}
	secret := p.webhookSecret()
	if secret == "" {
		return rosync.Hint{}, fmt.Errorf("shopify: no webhook secret configured: %w", rosync.ErrSignature)
	}
	got := strings.TrimSpace(r.Header.Get(HeaderHmac))
	if got == "" {
		return rosync.Hint{}, fmt.Errorf("shopify: webhook without %s: %w", HeaderHmac, rosync.ErrSignature)
	}
	if !hmac.Equal([]byte(got), []byte(Sign(secret, body))) {
		return rosync.Hint{}, fmt.Errorf("shopify: webhook signature does not match: %w", rosync.ErrSignature)
	}
	topic := strings.TrimSpace(r.Header.Get(HeaderTopic))
	hint := rosync.Hint{Topic: topic, EventID: strings.TrimSpace(r.Header.Get(HeaderWebhookID))}
	var raw json.RawMessage
	switch topic {
	case TopicOrdersCreate, TopicOrdersUpdated, TopicOrdersCancelled:
		var payload struct {
			ID json.RawMessage `json:"id"`
		}
		if err := json.Unmarshal(body, &payload); err != nil {
			return rosync.Hint{}, fmt.Errorf("shopify: %s webhook body is not a JSON object: %w", topic, err)
		}
		raw = payload.ID
	case TopicOrdersEdited:
		var payload struct {
			OrderEdit *struct {
				OrderID json.RawMessage `json:"order_id"`
			} `json:"order_edit"`
		}
		if err := json.Unmarshal(body, &payload); err != nil {
			return rosync.Hint{}, fmt.Errorf("shopify: %s webhook body is not a JSON object: %w", topic, err)
		}
		if payload.OrderEdit != nil {
			raw = payload.OrderEdit.OrderID
		}
	default:
		return hint, nil
	}
	id, ok := webhookOrderID(raw)
	if !ok {
		return rosync.Hint{}, fmt.Errorf("shopify: %s webhook body has no order id", topic)
	}
	hint.OrderID = id
	return hint, nil
}

// webhookOrderID reads an order id sent as a JSON number (or a string of
// digits), exactly: json.Number never goes through float64.
func webhookOrderID(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", false
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", false
	}
	v, err := strconv.ParseUint(n.String(), 10, 64)
	if err != nil || v == 0 {
		return "", false
	}
	return strconv.FormatUint(v, 10), true
}

// Sign returns the X-Shopify-Hmac-Sha256 that Shopify sends for body with
// secret: base64(HMAC-SHA256(body, secret)).
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}
