// Package platformtest is the conformance suite every rosync.Platform
// adapter runs: "an adapter should pass it before it is considered
// production ready". A harness gives the suite a fresh fake platform server
// per test and builds native orders from a platform-neutral description; the
// suite then checks, through the adapter's public methods only, what the
// engine relies on: decoding with exact money, pagination across pages, the
// query bounds (CreatedSince at its edge, UpdatedSince, Until), excluded
// statuses, the policy, webhook authentication (ENG-4) and hostile bodies
// and ids, not-found errors, and status writes as the fake server saw them.
// Features says what a platform does not do, so the suite asks only what it
// can. The guide for a new platform is docs/adapters.md in the repository.
//
//	func TestConformance(t *testing.T) {
//		platformtest.Run(t, func(t *testing.T) platformtest.Harness { return newHarness(t) },
//			platformtest.Features{StatusSync: true})
//	}
//
// # Order of calls
//
// Every subtest calls Platform().Shop first and Policy only after it, as
// the Syncer does (the Platform doc: a policy may depend on what Shop read,
// as Cartum's excluded statuses do). An adapter may therefore load what it
// needs in Shop, but it must not require Shop before Order or Orders to
// return correct data other than the policy.
//
// # One cause, one failure
//
// The Decode subtest is the precondition of the subtests that read orders
// (Prices, Pagination, WindowEdges, UpdatedSince, Until, Excluded,
// HostileOrder, SetStatus): when Decode fails, they are skipped with a
// message that points at it, so that one decoding bug (a missing line id)
// is reported once, not once per subtest. Fix Decode first.
//
// # What is enforced
//
// The suite checks these constants and conventions; a policy or an order
// that breaks them fails:
//
//   - Rule IDs (Policy.WindowRule, and Policy.RequireRule when RequireLines
//     or RequireCustomer is set) match the pattern RuleIDPattern,
//     `^[A-Z]{3}-[A-Z]?[0-9]+$`: a three-letter platform prefix, a dash, an
//     optional one-letter group (P for products, C for customers) and a
//     number, as in WOO-1, SHO-C2, CAR-P1.
//   - Policy.ImportMonths == ImportMonths (2): the initial import takes the
//     last two calendar months.
//   - Policy.IdentifyBy and Policy.ExcludedStatuses are not empty;
//     Platform.Name is not empty and every decoded Order.Platform equals it.
//   - Policy.StatusSync.ToPlatform() agrees with Features.StatusSync; when
//     it is true SetStatus must reach the fake server with the native
//     status asked for, otherwise it must wrap rosync.ErrUnsupported and
//     send nothing.
//   - ShopInfo.Currency is an ISO 4217 code; ShopInfo.Timezone is "" or a
//     name time.LoadLocation accepts.
//   - Money is exact (ENG-5): each line's amount (Price×Quantity−Discount)
//     equals what the fake served to the cent, for prices that float32 or
//     float64 arithmetic gets wrong (0.1+0.2, 4.35×100, 999999999.99), and
//     Order.Total equals the figure the fake stated (ORD-3, Spec.Total).
//   - CreatedSince includes its second and excludes the one before;
//     UpdatedSince never yields an order last modified a year before it
//     (and, unless Features.NoModifiedDate, none modified before it at
//     all); Until excludes orders created (a poll: modified) after it.
//   - A hostile order id in a signed webhook, under the platform's own id
//     key (Harness.WebhookWithID), gives an error, no order id, or exactly
//     the id that was sent, never a different one.
//   - An unknown order id wraps rosync.ErrNotFound; an undecodable order is
//     an *rosync.InvalidOrderError, and in a stream it does not end the
//     stream.
//
// The rule IDs named beside the assertions are those of docs/rules.md:
// ENG-4 (webhooks), ENG-5 (exact money), ORD-3 (the lines carry what the
// customer pays).
package platformtest

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/rosync/rosync"
)

// ImportMonths is the initial import window, in calendar months, that every
// platform's policy must state (Policy.ImportMonths).
const ImportMonths = 2

// RuleIDPattern is the pattern every rule ID a policy names must match: a
// three-letter platform prefix, a dash, an optional letter for the rule
// group and a number (WOO-1, SHO-C2, CAR-P1).
const RuleIDPattern = `^[A-Z]{3}-[A-Z]?[0-9]+$`

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
	// CreatedAt and UpdatedAt are UTC and whole seconds; UpdatedAt is not
	// before CreatedAt.
	CreatedAt time.Time
	UpdatedAt time.Time
	Customer  SpecCustomer
	Lines     []SpecLine
}

// Total is what the customer pays for the order's products: the sum of
// the lines' amounts. The harness states it where the platform does
// (Shopify currentSubtotalPriceSet, Cartum total_sum, WooCommerce the line
// totals), and the suite checks Order.Total against it (ORD-3).
func (s Spec) Total() decimal.Decimal {
	sum := decimal.Zero
	for _, l := range s.Lines {
		sum = sum.Add(l.Amount())
	}
	return sum
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
	// Price is the unit price. It has the currency's decimals (2), except
	// in the lines the suite asks of a platform with
	// Features.UnevenUnitPrices, where it is a line total divided by the
	// quantity (33.333… for 100.00 over 3 units).
	Price decimal.Decimal
}

// Amount is what the line costs: Price×Quantity rounded to the cent (half
// away from zero). A harness whose platform states line totals serves it
// as the line's total, to the cent (WooCommerce subtotal and total).
func (l SpecLine) Amount() decimal.Decimal {
	return l.Price.Mul(decimal.NewFromInt(l.Quantity)).Round(2)
}

// StatusChange is a status write the fake server received: the order id
// and the native status, as Order.Status spells it (WooCommerce
// "completed", Cartum "3").
type StatusChange struct {
	OrderID string
	Status  string
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
	// WebhookWithID builds a correctly signed order webhook to url whose
	// body carries id, a raw JSON value that may be hostile (12.5, "1;
	// DROP TABLE orders", {"$gt": 0}), exactly where the platform puts the
	// order id (WooCommerce and Shopify "id", Cartum "order_id"), with the
	// headers of an order event (Shopify's topic orders/updated).
	WebhookWithID(t *testing.T, url string, id json.RawMessage) *http.Request
	// SignedBody builds a webhook request carrying body, correctly signed
	// (for hostile bodies).
	SignedBody(t *testing.T, url string, body []byte) *http.Request
	// Unsigned strips the request's authentication.
	Unsigned(r *http.Request) *http.Request
	// WrongSignature makes the request's authentication wrong.
	WrongSignature(r *http.Request) *http.Request
	// StatusChanges returns the status writes the fake server received and
	// accepted, in order (nil for a platform without status writes).
	StatusChanges() []StatusChange
}

// Features says what a platform does, so the suite skips what it does not.
type Features struct {
	// StatusSync: SetStatus is supported (else it must return
	// rosync.ErrUnsupported). It must agree with
	// Policy().StatusSync.ToPlatform().
	StatusSync bool
	// NoModifiedDate: the platform's order list filters on the creation
	// date only, so Orders with UpdatedSince reads back a look-back span
	// and yields orders that were not modified (Cartum; the Syncer skips
	// the unchanged ones). The suite then only requires that an order
	// created and last modified a year before UpdatedSince is not yielded,
	// and that Until bounds the creation date.
	NoModifiedDate bool
	// UnevenUnitPrices: the platform states line totals, whose unit price
	// may have more decimals than the currency (WooCommerce: 100.00 over 3
	// units); the suite then adds such lines to the Prices subtest.
	UnevenUnitPrices bool
}

// Run runs the conformance suite.
func Run(t *testing.T, newHarness func(t *testing.T) Harness, f Features) {
	t.Helper()
	decoded := t.Run("Decode", func(t *testing.T) { testDecode(t, newHarness(t)) })
	// after runs a subtest that reads orders only when Decode passed: one
	// decoding bug is one failure (see the package doc).
	after := func(name string, test func(t *testing.T, h Harness)) {
		t.Run(name, func(t *testing.T) {
			if !decoded {
				t.Skip("skipped because the Decode subtest failed: fix Decode first (one cause, one failure)")
			}
			test(t, newHarness(t))
		})
	}
	t.Run("NotFound", func(t *testing.T) { testNotFound(t, newHarness(t)) })
	t.Run("PolicySane", func(t *testing.T) { testPolicy(t, newHarness(t), f) })
	after("Prices", func(t *testing.T, h Harness) { testPrices(t, h, f) })
	after("Pagination", testPagination)
	after("WindowEdges", testWindow)
	after("UpdatedSince", func(t *testing.T, h Harness) { testUpdatedSince(t, h, f) })
	after("Until", func(t *testing.T, h Harness) { testUntil(t, h, f) })
	after("Excluded", testExcluded)
	t.Run("WebhookSigned", func(t *testing.T) { testWebhookSigned(t, newHarness(t)) })
	t.Run("WebhookRefused", func(t *testing.T) { testWebhookRefused(t, newHarness(t)) })
	t.Run("WebhookHostile", func(t *testing.T) { testWebhookHostile(t, newHarness(t)) })
	t.Run("WebhookHostileID", func(t *testing.T) { testWebhookHostileID(t, newHarness(t)) })
	after("HostileOrder", testHostileOrder)
	after("SetStatus", func(t *testing.T, h Harness) { testSetStatus(t, h, f) })
}
