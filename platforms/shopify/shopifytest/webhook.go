package shopifytest

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// ShopDomain is the X-Shopify-Shop-Domain of the requests built here.
const ShopDomain = "rosync-test.myshopify.com"

// WebhookAPIVersion is the X-Shopify-API-Version of the requests built here.
const WebhookAPIVersion = "2025-10"

// Delivery is one webhook event as Shopify delivers it. Request builds the
// request; calling it again is a redelivery of the same event, with the
// same X-Shopify-Webhook-Id and X-Shopify-Event-Id.
type Delivery struct {
	URL       string
	Secret    string
	Topic     string
	Body      []byte
	WebhookID string
	EventID   string
	// TriggeredAt is X-Shopify-Triggered-At; zero means now.
	TriggeredAt time.Time
}

// NewDelivery returns a delivery of a new event, with fresh ids.
func NewDelivery(url, secret, topic string, body []byte) *Delivery {
	return &Delivery{URL: url, Secret: secret, Topic: topic, Body: append([]byte(nil), body...),
		WebhookID: newUUID(), EventID: newUUID()}
}

// Request builds the POST Shopify sends: the raw JSON body, signed with
// X-Shopify-Hmac-Sha256 = base64(HMAC-SHA256(body, secret)).
func (d *Delivery) Request() (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return nil, err
	}
	at := d.TriggeredAt
	if at.IsZero() {
		at = time.Now()
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Shopify-Captain-Hook")
	req.Header.Set("X-Shopify-Topic", d.Topic)
	req.Header.Set("X-Shopify-Hmac-Sha256", Signature(d.Secret, d.Body))
	req.Header.Set("X-Shopify-Shop-Domain", ShopDomain)
	req.Header.Set("X-Shopify-API-Version", WebhookAPIVersion)
	req.Header.Set("X-Shopify-Webhook-Id", d.WebhookID)
	req.Header.Set("X-Shopify-Event-Id", d.EventID)
	req.Header.Set("X-Shopify-Triggered-At", at.UTC().Format(time.RFC3339Nano))
	return req, nil
}

// SignedWebhook builds the request of a new webhook event (a fresh
// X-Shopify-Webhook-Id) for topic (e.g. "orders/updated") with body, signed
// with secret. Use NewDelivery and Delivery.Request to redeliver it.
func SignedWebhook(url, secret, topic string, body []byte) (*http.Request, error) {
	return NewDelivery(url, secret, topic, body).Request()
}

// Signature computes X-Shopify-Hmac-Sha256 as Shopify does, independently
// of the adapter's code.
func Signature(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// WebhookBody returns the body Shopify sends for an orders/* topic about a
// stored order: the REST-shaped order (id as a JSON number, snake_case
// fields, money as strings), built from the order node.
func (s *Server) WebhookBody(legacyID string) ([]byte, error) {
	raw, ok := s.Order(legacyID)
	if !ok {
		return nil, fmt.Errorf("shopifytest: no order %s", legacyID)
	}
	return OrderWebhookBody(raw)
}

// OrderWebhookBody converts a GraphQL order node into the REST-shaped order
// of an orders/create, orders/updated or orders/cancelled webhook. Only the
// common fields are filled; the id is written as a JSON number without
// going through float64.
func OrderWebhookBody(node json.RawMessage) ([]byte, error) {
	n, err := decodeObject(node)
	if err != nil {
		return nil, fmt.Errorf("shopifytest: order node: %w", err)
	}
	id, err := legacyID(n["legacyResourceId"])
	if err != nil {
		return nil, fmt.Errorf("shopifytest: order node: legacyResourceId: %w", err)
	}
	name, _ := n["name"].(string)
	out := map[string]any{
		"id":                     json.Number(fmt.Sprint(id)),
		"admin_graphql_api_id":   OrderGID(fmt.Sprint(id)),
		"name":                   name,
		"order_number":           orderNumber(name),
		"created_at":             n["createdAt"],
		"updated_at":             n["updatedAt"],
		"cancelled_at":           n["cancelledAt"],
		"closed_at":              n["closedAt"],
		"currency":               n["currencyCode"],
		"financial_status":       lowerOrNil(n["displayFinancialStatus"]),
		"fulfillment_status":     restFulfillment(n["displayFulfillmentStatus"]),
		"total_price":            amount(n["totalPriceSet"]),
		"current_subtotal_price": amount(n["currentSubtotalPriceSet"]),
		"email":                  n["email"],
		"phone":                  n["phone"],
	}
	if c, ok := n["customer"].(map[string]any); ok {
		email, phone := c["email"], c["phone"]
		if e, ok := c["defaultEmailAddress"].(map[string]any); ok {
			email = e["emailAddress"]
		}
		if p, ok := c["defaultPhoneNumber"].(map[string]any); ok {
			phone = p["phoneNumber"]
		}
		out["customer"] = map[string]any{
			"first_name": c["firstName"], "last_name": c["lastName"],
			"email": email, "phone": phone,
		}
	} else {
		out["customer"] = nil
	}
	out["shipping_address"] = restAddress(n["shippingAddress"])
	var lines []any
	if li, ok := n["lineItems"].(map[string]any); ok {
		nodes, _ := li["nodes"].([]any)
		for _, ln := range nodes {
			l, ok := ln.(map[string]any)
			if !ok {
				continue
			}
			lines = append(lines, map[string]any{
				"id":                   gidNumber(l["id"]),
				"admin_graphql_api_id": l["id"],
				"sku":                  l["sku"],
				"name":                 l["name"],
				"title":                l["title"],
				"quantity":             l["quantity"],
				"current_quantity":     l["currentQuantity"],
				"price":                amount(l["originalUnitPriceSet"]),
				"product_id":           nestedID(l["product"]),
				"variant_id":           nestedID(l["variant"]),
			})
		}
	}
	out["line_items"] = lines
	var shipping []any
	if sl, ok := n["shippingLine"].(map[string]any); ok {
		shipping = append(shipping, map[string]any{"title": sl["title"], "price": amount(sl["originalPriceSet"]),
			"discounted_price": amount(sl["currentDiscountedPriceSet"])})
	}
	out["shipping_lines"] = shipping
	return json.Marshal(out)
}

// OrderEditedBody is the body of an orders/edited webhook: not an order,
// but {"order_edit": {"id", "order_id", "created_at", "line_items":
// {"additions": [], "removals": []}}}.
func OrderEditedBody(orderLegacyID string, editID int64, at time.Time) []byte {
	body := fmt.Sprintf(`{"order_edit":{"id":%d,"app_id":null,"created_at":%q,"notify_customer":false,"order_id":%s,"staff_note":"","user_id":null,"line_items":{"additions":[],"removals":[]},"discounts":{"line_item":{"additions":[],"removals":[]}},"shipping_lines":{"additions":[],"removals":[]}}}`,
		editID, at.UTC().Format(time.RFC3339), orderLegacyID)
	return []byte(body)
}

func orderNumber(name string) any {
	n := strings.TrimPrefix(strings.TrimSpace(name), "#")
	if n == "" {
		return nil
	}
	for _, r := range n {
		if r < '0' || r > '9' {
			return nil
		}
	}
	return json.Number(n)
}

func lowerOrNil(v any) any {
	if s, ok := v.(string); ok {
		return strings.ToLower(s)
	}
	return nil
}

func restFulfillment(v any) any {
	switch v {
	case "FULFILLED":
		return "fulfilled"
	case "PARTIALLY_FULFILLED":
		return "partial"
	}
	return nil
}

// amount reads shopMoney.amount of a MoneyBag.
func amount(v any) any {
	bag, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	sm, ok := bag["shopMoney"].(map[string]any)
	if !ok {
		return nil
	}
	return sm["amount"]
}

func restAddress(v any) any {
	a, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	return map[string]any{
		"first_name": a["firstName"], "last_name": a["lastName"], "address1": a["address1"],
		"address2": a["address2"], "city": a["city"], "province": a["province"], "zip": a["zip"],
		"country": a["country"], "country_code": a["countryCodeV2"], "phone": a["phone"],
	}
}

// gidNumber returns the numeric tail of a GID as a JSON number, or nil.
func gidNumber(v any) any {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	i := strings.LastIndexByte(s, '/')
	if _, err := legacyID(s[i+1:]); err != nil {
		return nil
	}
	return json.Number(s[i+1:])
}

func nestedID(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	if id, err := legacyID(m["legacyResourceId"]); err == nil {
		return json.Number(fmt.Sprint(id))
	}
	return gidNumber(m["id"])
}
