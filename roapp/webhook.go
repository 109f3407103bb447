package roapp

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/rosync/rosync"
)

// MaxWebhookBytes is the largest webhook body VerifyWebhook reads.
const MaxWebhookBytes = 1 << 20

// SignatureHeader is the header that carries a webhook's signature.
const SignatureHeader = "X-Signature"

// Sign returns the signature of a webhook body: lowercase hex
// HMAC-SHA256(secret, body). UNVERIFIED: RO App documents the X-Signature
// only as "a SHA-256 of the webhook id and your secret"; this construction
// is the one a public integration uses, kept in this one function so that
// it can be corrected in one place.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// wireEvent is an RO App webhook payload.
type wireEvent struct {
	ID          flexString `json:"id"`
	EventName   flexString `json:"event_name"`
	CreatedAt   flexTime   `json:"created_at"`
	CreatedAtTS flexTime   `json:"created_at_ts"`
	Context     struct {
		ObjectID   flexInt    `json:"object_id"`
		ObjectType flexString `json:"object_type"`
	} `json:"context"`
	Metadata struct {
		New   idRef `json:"new"`
		Order idRef `json:"order"`
	} `json:"metadata"`
}

// VerifyWebhook authenticates an RO App webhook and decodes it. It reads at
// most MaxWebhookBytes of r.Body (more: an error wrapping
// rosync.ErrBodyTooLarge), checks X-Signature against Sign(secret, body) in
// constant time (missing or wrong, or an empty secret: an error wrapping
// rosync.ErrSignature), then reads id, event_name, created_at,
// context.object_id and, for Order.Status.Changed, metadata.new.id. A
// malformed payload is any other error (ENG-4).
func VerifyWebhook(r *http.Request, secret string) (rosync.ROEvent, error) {
	if r.Body == nil {
		return rosync.ROEvent{}, errors.New("roapp: webhook without a body")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxWebhookBytes+1))
	if err != nil {
		return rosync.ROEvent{}, fmt.Errorf("roapp: reading the webhook: %w", err)
	}
	if len(body) > MaxWebhookBytes {
		return rosync.ROEvent{}, fmt.Errorf("roapp: webhook over %d bytes: %w", MaxWebhookBytes, rosync.ErrBodyTooLarge)
	}
	if secret == "" {
		return rosync.ROEvent{}, fmt.Errorf("roapp: no webhook secret configured: %w", rosync.ErrSignature)
	}
	got := strings.TrimSpace(r.Header.Get(SignatureHeader))
	if got == "" {
		return rosync.ROEvent{}, fmt.Errorf("roapp: webhook without %s: %w", SignatureHeader, rosync.ErrSignature)
	}
	gotMAC, err := hex.DecodeString(strings.TrimPrefix(strings.ToLower(got), "sha256="))
	want, _ := hex.DecodeString(Sign([]byte(secret), body))
	if err != nil || !hmac.Equal(gotMAC, want) {
		return rosync.ROEvent{}, fmt.Errorf("roapp: webhook %s does not match: %w", SignatureHeader, rosync.ErrSignature)
	}
	var w wireEvent
	if err := json.Unmarshal(body, &w); err != nil {
		return rosync.ROEvent{}, fmt.Errorf("roapp: malformed webhook: %w", err)
	}
	if w.EventName == "" {
		return rosync.ROEvent{}, errors.New("roapp: malformed webhook: no event_name")
	}
	ev := rosync.ROEvent{
		ID:      string(w.ID),
		Name:    string(w.EventName),
		OrderID: int64(w.Context.ObjectID),
		At:      time.Time(w.CreatedAt),
	}
	if ev.At.IsZero() {
		ev.At = time.Time(w.CreatedAtTS)
	}
	if ot := string(w.Context.ObjectType); ot != "" && ot != "order" {
		ev.OrderID = int64(w.Metadata.Order)
	}
	if ev.Name == "Order.Status.Changed" {
		ev.StatusID = int64(w.Metadata.New)
	}
	return ev, nil
}

// WebhookHandler serves RO App webhooks: it verifies each with
// VerifyWebhook and passes the event to handle. It answers 405 to other
// methods than POST, 401 on a bad or missing signature, 413 on a body over
// MaxWebhookBytes, 400 on a malformed payload, 500 when handle fails (RO App
// then redelivers) and 200 otherwise.
func WebhookHandler(secret string, handle func(context.Context, rosync.ROEvent) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		ev, err := VerifyWebhook(r, secret)
		switch {
		case errors.Is(err, rosync.ErrSignature):
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		case errors.Is(err, rosync.ErrBodyTooLarge):
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		case err != nil:
			http.Error(w, "malformed webhook", http.StatusBadRequest)
			return
		}
		if err := handle(r.Context(), ev); err != nil {
			http.Error(w, "webhook not processed", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}
