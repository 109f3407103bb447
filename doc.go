// Package rosync imports e-commerce orders, with their products and
// customers, from online-store platforms (WooCommerce, Shopify, Cartum) into
// RO App, the CRM/ERP formerly called RemOnline: every order exactly once,
// and its changes until its products are written off.
//
// # The pieces
//
// A [Syncer] runs one shop. It is built from three interfaces that this
// package owns and other packages implement:
//
//   - [Platform]: an online store (platforms/woocommerce, …). It decodes
//     the platform's native JSON into an [Order] and describes the
//     platform's rules as a [Policy], as data.
//   - [ROClient]: the RO App API (package roapp, over the public API v2,
//     with the account's rate limit).
//   - [Store]: what rosync remembers (storage/sqlite, the embedded
//     default; storage/postgres for many replicas; storage/memory for
//     tests): a [Record] per platform order, the identity index, cursors
//     and locks.
//
// # The flow of one order
//
// A webhook is only a hint: [Syncer.Webhook] verifies its signature over the
// raw body (ENG-4), then fetches the order from the platform's API, which is
// the truth. The initial import ([Syncer.Connect]) and the reconciliation
// poll ([Syncer.Poll]) stream orders page by page. Each order then goes
// through the same steps, holding the order's lock from the Store:
//
//  1. The Store's [Record] says what was done before. An order whose
//     products were deducted in RO App is left alone (ORD-5).
//  2. An order with no RO App order yet passes the policy: same currency
//     (ORD-4), the initial import's window and excluded statuses (CAR-1,
//     SHO-1, WOO-1), products and a reachable customer where required
//     (WOO-2). A rejected order is recorded with its rule and reason.
//  3. Products are resolved by the shop's identify-by key: the Store's
//     index, then RO App's catalogue, then a new product (unit piece) in
//     its category, found or created (PRD-1..5).
//  4. The customer is resolved by E.164 phone, and by email where the
//     platform allows: the index, then RO App's contacts (a match is
//     updated, not duplicated), then a new contact (CUS-1..3).
//  5. The RO App order is created once: the intent is recorded first, the
//     create is never retried blindly, and after any doubt the order is
//     looked up by its external reference before creating again (ENG-1).
//     Its status is the one its order type defines (SHO-3).
//  6. Items are added without deduction with quantity and price (PRD-6);
//     later changes of quantity follow until deduction (PRD-7); the
//     delivery details go to the event feed as a comment (DEL-1, DEL-2).
//  7. Status changes flow where the policy says (CAR-2, WOO-3), never
//     echoing our own change back.
//
// In the code, one order is two steps, and a newcomer can follow the rules
// from the first: plan (plan.go) is a pure function from the order's
// Record, the platform Order, the RO App order as read, the policy and the
// time to the writes to make (steps 1, 2 and 5 to 7, each decision marked
// with its rule ID, tested case by case in plan_test.go); importOrder
// (apply.go) performs that plan against RO App and the Store with the
// intents of step 5, planning again once it has read the RO App order.
//
// Transient failures are recorded and retried with back-off by Poll;
// permanent ones (a missing RO App right, ORD-2) are kept with their reason
// until [Syncer.Retry]. Nothing is dropped (ENG-2).
//
// Money is [github.com/shopspring/decimal.Decimal], never float64; times
// are UTC; phones are E.164 where they can be read.
//
// # Documents
//
// The rules above are stated in full, with their IDs and the code and
// tests that carry each one, in docs/rules.md in the repository; the
// design (the flow of one order, the idempotency protocol, the replay
// fixture and snapshot formats) in docs/design.md; and a guide for writing
// a platform adapter in docs/adapters.md.
package rosync
