// Package platformtest is the conformance suite every rosync.Platform
// adapter runs: "an adapter should pass it before it is considered
// production ready". A harness gives the suite a fresh fake platform server
// per test and builds native orders from a platform-neutral description; the
// suite then checks, through the adapter's public methods only, what the
// engine relies on: decoding, pagination across pages, the initial import
// window at its edges, excluded statuses, webhook authentication (ENG-4) and
// hostile bodies, and not-found errors. Features lets the suite skip what a
// platform does not do.
//
//	func TestConformance(t *testing.T) {
//		platformtest.Run(t, func(t *testing.T) platformtest.Harness { return newHarness(t) },
//			platformtest.Features{StatusSync: true})
//	}
package platformtest

import (
	"net/http"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/rosync/rosync"
)

// Spec describes an order in platform-neutral terms; the harness turns it
// into the platform's native JSON and serves it from its fake server.
type Spec struct {
	// ID is the platform order id (digits); Number the number customers see.
	ID     string
	Number string
	// Excluded asks for a status the initial import skips (WooCommerce
	// completed, Shopify fulfilled, Cartum Delivered); false for a status
	// that is imported.
	Excluded bool
	// CreatedAt and UpdatedAt are UTC and whole seconds.
	CreatedAt time.Time
	UpdatedAt time.Time
	Customer  SpecCustomer
	Lines     []SpecLine
}

// SpecCustomer is the buyer of a Spec.
type SpecCustomer struct {
	FirstName, LastName, Email, Phone string
}

// SpecLine is a product line of a Spec.
type SpecLine struct {
	SKU      string
	Name     string
	Quantity int64
	Price    decimal.Decimal
}

// Harness is a fake platform for one test.
type Harness interface {
	// Platform returns the adapter under test, connected to the fake server.
	Platform() rosync.Platform
	// PageSize is the page size the adapter was configured with; the
	// suite adds more orders than that to cross pages.
	PageSize() int
	// AddOrder serves the order described by s.
	AddOrder(t *testing.T, s Spec)
	// AddCorruptOrder serves s with a line quantity of the wrong JSON type
	// (a string where the platform sends a number, or the reverse).
	AddCorruptOrder(t *testing.T, s Spec)
	// Webhook builds the platform's webhook request for order id to url,
	// signed with the right secret.
	Webhook(t *testing.T, url, orderID string) *http.Request
	// SignedBody builds a webhook request carrying body, correctly signed
	// (for hostile bodies).
	SignedBody(t *testing.T, url string, body []byte) *http.Request
	// Unsigned strips the request's authentication.
	Unsigned(r *http.Request) *http.Request
	// WrongSignature makes the request's authentication wrong.
	WrongSignature(r *http.Request) *http.Request
}

// Features says what a platform does, so the suite skips what it does not.
type Features struct {
	// StatusSync: SetStatus is supported (else it must return
	// rosync.ErrUnsupported).
	StatusSync bool
}

// Run runs the conformance suite.
func Run(t *testing.T, newHarness func(t *testing.T) Harness, f Features) {
	t.Helper()
	t.Run("Decode", func(t *testing.T) { testDecode(t, newHarness(t)) })
	t.Run("NotFound", func(t *testing.T) { testNotFound(t, newHarness(t)) })
	t.Run("Pagination", func(t *testing.T) { testPagination(t, newHarness(t)) })
	t.Run("WindowEdges", func(t *testing.T) { testWindow(t, newHarness(t)) })
	t.Run("UpdatedSince", func(t *testing.T) { testUpdatedSince(t, newHarness(t)) })
	t.Run("Excluded", func(t *testing.T) { testExcluded(t, newHarness(t)) })
	t.Run("PolicySane", func(t *testing.T) { testPolicy(t, newHarness(t)) })
	t.Run("WebhookSigned", func(t *testing.T) { testWebhookSigned(t, newHarness(t)) })
	t.Run("WebhookRefused", func(t *testing.T) { testWebhookRefused(t, newHarness(t)) })
	t.Run("WebhookHostile", func(t *testing.T) { testWebhookHostile(t, newHarness(t)) })
	t.Run("HostileOrder", func(t *testing.T) { testHostileOrder(t, newHarness(t)) })
	t.Run("SetStatus", func(t *testing.T) { testSetStatus(t, newHarness(t), f) })
}
