package cartum

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/rosync/rosync"

	"github.com/rosync/rosync/platforms/platformkit"
)

// MaxWebhookBody is the largest webhook body VerifyWebhook reads.
const MaxWebhookBody = 1 << 20

// VerifyWebhook authenticates a Cartum hook request (ENG-4) and returns the
// order it is about.
//
// Cartum documents no webhook signature. The secret is in the URL instead:
// Subscribe registers the target URL with Options.WebhookSecret in its
// WebhookSecretParam query parameter, and VerifyWebhook compares that
// parameter with the secret in constant time (HMAC-equal over SHA-256
// digests, so the length does not leak either). A missing or wrong secret,
// or no configured secret, is an error wrapping rosync.ErrSignature. The
// secret travels in the URL, so keep the endpoint on HTTPS and its query
// strings out of access logs.
//
// The body is read up to MaxWebhookBody (more: rosync.ErrBodyTooLarge). Its
// payload is not documented: VerifyWebhook takes order_id from the top
// level (the order itself, or {"order_id": N}) or from an "order" or "data"
// object. A JSON object without an order id gives a Hint without OrderID
// (nothing to apply). Hint.Topic is "order_created", the only order event
// Cartum has; Hint.EventID is the hex SHA-256 of the body, since Cartum
// sends no delivery id: a redelivery of the same body is recognised.
func (p *Platform) VerifyWebhook(r *http.Request) (rosync.Hint, error) {
	if r.ContentLength > MaxWebhookBody {
		return rosync.Hint{}, fmt.Errorf("cartum: webhook body of %d bytes: %w", r.ContentLength, rosync.ErrBodyTooLarge)
	}
	secret := p.webhookSecret()
	if secret == "" {
		return rosync.Hint{}, fmt.Errorf("cartum: no webhook secret configured: %w", rosync.ErrSignature)
	}
	got := r.URL.Query().Get(WebhookSecretParam)
	if got == "" {
		return rosync.Hint{}, fmt.Errorf("cartum: webhook without the %s parameter: %w", WebhookSecretParam, rosync.ErrSignature)
	}
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(secret))
	if !hmac.Equal(a[:], b[:]) {
		return rosync.Hint{}, fmt.Errorf("cartum: webhook secret does not match: %w", rosync.ErrSignature)
	}
	if r.Body == nil {
		return rosync.Hint{}, fmt.Errorf("cartum: webhook without a body")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxWebhookBody+1))
	if err != nil {
		return rosync.Hint{}, fmt.Errorf("cartum: reading the webhook body: %w", err)
	}
	if len(body) > MaxWebhookBody {
		return rosync.Hint{}, fmt.Errorf("cartum: webhook body over %d bytes: %w", MaxWebhookBody, rosync.ErrBodyTooLarge)
	}
	sum := sha256.Sum256(body)
	hint := rosync.Hint{Topic: EventOrderCreated, EventID: hex.EncodeToString(sum[:])}
	var payload struct {
		OrderID json.RawMessage `json:"order_id"`
		Order   json.RawMessage `json:"order"`
		Data    json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(bytes.TrimSpace(body), &payload); err != nil {
		return rosync.Hint{}, fmt.Errorf("cartum: webhook body is not a JSON object")
	}
	ids := []json.RawMessage{payload.OrderID}
	for _, nested := range []json.RawMessage{payload.Order, payload.Data} {
		if platformkit.JSONKind(nested) == "object" {
			var n struct {
				OrderID json.RawMessage `json:"order_id"`
			}
			if json.Unmarshal(nested, &n) == nil {
				ids = append(ids, n.OrderID)
			}
		}
	}
	for _, raw := range ids {
		if isNull(raw) {
			continue
		}
		id, ok, err := readIntOrString(raw)
		if err != nil || !ok || id <= 0 {
			return rosync.Hint{}, fmt.Errorf("cartum: webhook order_id %s is not an order id", platformkit.Truncate(raw))
		}
		hint.OrderID = strconv.FormatInt(id, 10)
		return hint, nil
	}
	p.log.Debug("webhook without an order id")
	return hint, nil
}
