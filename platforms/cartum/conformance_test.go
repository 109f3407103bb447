package cartum_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/cartum"
	"github.com/rosync/rosync/platforms/cartum/cartumtest"
	"github.com/rosync/rosync/platforms/platformtest"
)

const (
	confLogin    = "conformance-api"
	confPassword = "cartum-conformance-password"
	confHook     = "cartum-conformance-hook"
	confPage     = 7
	// confOpen and confDelivered are the shop's statuses the harness uses:
	// a status the initial import takes and one with is_successful 1
	// (CAR-1).
	confOpen      = 1
	confDelivered = 3
)

// confStatuses are the conformance shop's statuses, with a Delivered
// (is_successful 1) status titled in Ukrainian only.
const confStatuses = `{
 "1": {"id": 1, "title": {"en": "New"}, "is_successful": 0},
 "2": {"id": 2, "title": {"en": "Processing"}, "is_successful": 0},
 "3": {"id": 3, "title": {"ua": "Доставлене"}, "is_successful": 1}
}`

type harness struct {
	srv *cartumtest.Server
	p   *cartum.Platform
}

// newConformanceHarness starts a fake shop in Europe/Kyiv, so that the
// suite's UTC times cross the shop's local-time filters, and connects the
// adapter with a small page.
func newConformanceHarness(t *testing.T) platformtest.Harness {
	srv := cartumtest.New(cartumtest.Options{Login: confLogin, Password: confPassword, Location: kyiv})
	if err := srv.SetStatuses(json.RawMessage(confStatuses)); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	p, err := cartum.New(ts.URL, cartum.Credentials{Login: confLogin, Password: confPassword}, &cartum.Options{
		Currency: "UAH", Location: kyiv, HTTPClient: ts.Client(), WebhookSecret: confHook,
		PageSize: confPage, RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &harness{srv: srv, p: p}
}

func (h *harness) Platform() rosync.Platform { return h.p }
func (h *harness) PageSize() int             { return confPage }

// native builds an orders/get order for s. Cartum has no order number apart
// from order_id and no modification date: s.Number and s.UpdatedAt are not
// served.
func native(s platformtest.Spec) map[string]any {
	status := confOpen
	if s.Excluded {
		status = confDelivered
	}
	id, err := strconv.ParseInt(s.ID, 10, 64)
	if err != nil {
		panic(err) // the suite's ids are digits
	}
	var products []map[string]any
	for _, l := range s.Lines {
		products = append(products, map[string]any{
			"article": l.SKU, "title": map[string]any{"ua": l.Name}, "quantity": l.Quantity,
			"price": json.Number(l.Price.String()),
		})
	}
	return map[string]any{
		"order_id":       id,
		"stat_status":    status,
		"stat_created":   s.CreatedAt.In(kyiv).Format(cartumtest.TimeLayout),
		"delivery_name":  strings.TrimSpace(s.Customer.FirstName + " " + s.Customer.LastName),
		"delivery_email": s.Customer.Email,
		"delivery_phone": s.Customer.Phone,
		"delivery_city":  "Kyiv",
		"products":       products,
		"total_sum":      json.Number(s.Total().StringFixed(2)),
	}
}

func (h *harness) add(t *testing.T, obj map[string]any) {
	t.Helper()
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.srv.AddOrder(raw); err != nil {
		t.Fatal(err)
	}
}

func (h *harness) AddOrder(t *testing.T, s platformtest.Spec) { h.add(t, native(s)) }

func (h *harness) AddCorruptOrder(t *testing.T, s platformtest.Spec) {
	obj := native(s)
	obj["products"].([]map[string]any)[0]["quantity"] = "2" // a string where Cartum sends a number
	h.add(t, obj)
}

func (h *harness) Webhook(t *testing.T, target, orderID string) *http.Request {
	t.Helper()
	id, err := strconv.ParseInt(orderID, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	body, ok := h.srv.Order(id)
	if !ok {
		t.Fatalf("order %s not served", orderID)
	}
	return h.SignedBody(t, target, body)
}

// SignedBody builds the hook request with the secret in the target URL's
// query: Cartum documents no signature, the secret parameter is the
// authentication (ENG-4).
func (h *harness) SignedBody(t *testing.T, target string, body []byte) *http.Request {
	t.Helper()
	return cartumtest.Webhook(target, confHook, body)
}

// WebhookWithID builds a hook request whose body is a whole order with id
// in "order_id", where Cartum puts the order id.
func (h *harness) WebhookWithID(t *testing.T, target string, id json.RawMessage) *http.Request {
	t.Helper()
	obj := native(platformtest.Spec{ID: "1", Number: "1"})
	obj["order_id"] = id
	body, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return h.SignedBody(t, target, body)
}

// StatusChanges reports the status writes the fake received through
// orders/update.
func (h *harness) StatusChanges() []platformtest.StatusChange {
	var out []platformtest.StatusChange
	for _, u := range h.srv.StatusUpdates() {
		out = append(out, platformtest.StatusChange{OrderID: u.OrderID, Status: u.Status})
	}
	return out
}

func (h *harness) Unsigned(r *http.Request) *http.Request {
	q := r.URL.Query()
	q.Del(cartum.WebhookSecretParam)
	r.URL.RawQuery = q.Encode()
	return r
}

func (h *harness) WrongSignature(r *http.Request) *http.Request {
	q := r.URL.Query()
	q.Set(cartum.WebhookSecretParam, "another secret")
	r.URL.RawQuery = q.Encode()
	return r
}

// TestConformance runs the platform conformance suite (ENG-4, CAR-1's
// excluded is_successful status and CAR-2's SetStatus among it).
func TestConformance(t *testing.T) {
	platformtest.Run(t, newConformanceHarness, platformtest.Features{StatusSync: true, NoModifiedDate: true})
}
