// Package shopify is the rosync adapter for Shopify shops, over the GraphQL
// Admin API (REST is legacy since October 2024).
//
// # Connecting
//
// New takes the shop's myshopify domain (or a base URL), the Admin API
// access token of the app installed on the shop, and Options. Every call is
// POST {base}/admin/api/{version}/graphql.json with X-Shopify-Access-Token;
// the version is pinned (DefaultAPIVersion unless Options.APIVersion).
//
// The app needs these access scopes:
//
//	read_orders      orders
//	read_all_orders  orders older than 60 days: without it Shopify returns
//	                 only the last 60 days, less than the two calendar months
//	                 of the initial import (SHO-1), and the oldest days are
//	                 silently missing
//	read_products    product description and category
//	read_customers   the customer of an order
//
// and, for names, emails, phones and addresses, access to protected
// customer data (level 2) — see Customers below.
//
// # Policy
//
// Policy returns the Shopify rules of SPEC.md as data for the Syncer: the
// initial import covers two calendar months and skips fulfilled, cancelled
// and refunded orders (SHO-1); statuses are not synchronised in either
// direction, SetStatus returns rosync.ErrUnsupported (SHO-2), and an
// imported order that is cancelled on Shopify gets the comment "Cancelled
// on Shopify" (Policy.StatusComments) instead of a status change; an order
// is created with the RO App order type only, which gives its initial
// status (SHO-3); delivery details go to a comment, and a new comment
// follows each change of them (DEL-1, DEL-2); products can be identified by
// name, SKU or id, the id going to the Code field (SHO-P1); the customer's
// address is transferred (SHO-C1); contacts match by phone and email.
// Orders without products or customer are not rejected: a customer that
// Shopify withholds goes to the shared "Not specified" contact (SHO-C2).
//
// # Mapping
//
// An order node maps to rosync.Order as follows:
//
//	ID          legacyResourceId (an UnsignedInt64, sent as a string)
//	Number      name without the leading '#'
//	Status      derived: "cancelled" if cancelledAt is set, else "refunded"
//	            if displayFinancialStatus is REFUNDED, else "fulfilled" if
//	            displayFulfillmentStatus is FULFILLED, else "open" (partial
//	            fulfilment and partial refunds stay "open")
//	Currency    currencyCode (the shop currency; amounts are shopMoney)
//	CreatedAt   createdAt, UpdatedAt updatedAt, in UTC
//	Total       totalPriceSet.shopMoney.amount
//	Customer    customer firstName, lastName, email, phone (email and phone
//	            falling back to the order's, the phone then to the shipping
//	            address's); Address: the shipping address on one line
//	            (street, city, province, zip, country), else the customer's
//	            default address (SHO-C1); Country its countryCodeV2.
//	            Nil with CustomerRedacted set on a limited plan, or when
//	            every field is null (SHO-C2)
//	Lines       lineItems: id (the LineItem GID's number); quantity
//	            currentQuantity (after edits and refunds; lines at 0
//	            dropped); price originalUnitPriceSet.shopMoney.amount;
//	            Product.ID the product's legacyResourceId, or the variant's
//	            when the product has variants (hasOnlyDefaultVariant false),
//	            so that each variant is its own RO App product, as
//	            rosync.Product documents; SKU sku; Name name (title and
//	            variant title); Description product.description (plain
//	            text); Category product.category.fullName ("Apparel &
//	            Accessories > Clothing > Shirts", Shopify's standard product
//	            taxonomy) split on " > ", nil without a category
//	Delivery    shippingLine title, originalPriceSet.shopMoney.amount and
//	            the shipping address on one line; nil without shipping line
//	            and address
//
// Types are strict: a number where Shopify sends a string (money, ids) or
// the reverse, malformed or truncated JSON, a negative or huge quantity, or
// a price with more decimals than the currency has is an
// *rosync.InvalidOrderError naming the field (the GraphQL path, e.g.
// lineItems.nodes[2].currentQuantity), with the order's id and number when
// they can be read. Each node of a page is decoded on its own, so one bad
// order does not stop the others. rosync.Order.Validate runs last.
//
// # Customers and plans
//
// Names, emails, phones and addresses are protected customer data (level
// 2). A public app needs Shopify's review for it; a custom app made in the
// Partner or Dev Dashboard has it; a custom app created in the shop's admin
// has it only on the Shopify plan ("Grow") and above. On Basic and Starter
// such an app gets the fields as null. The adapter reads the plan with
// every order query (shop { plan { displayName } }) and, on a plan of
// Options.LimitedPlans (default "Basic", "Basic Shopify", "Shopify Basic",
// "Starter", "Shopify Starter", case-insensitive), sets
// Order.CustomerRedacted and leaves Customer nil, so the Syncer uses the
// one shared "Not specified" contact (SHO-C2). On other plans, a customer
// whose fields all come back null is treated the same way.
//
// # Queries, cost and throttling
//
// Orders lists with orders(first, after, sortKey, query): the initial
// import by CREATED_AT with "created_at:>='…' status:any", a poll by
// UPDATED_AT with "updated_at:>='…' status:any" (Query.Until adds a
// created_at or updated_at upper bound). Shopify refuses a query whose
// requested cost passes 1000 points, and a nested connection costs its
// first × its node's cost, so a page holds Options.OrdersPerPage orders
// (default 10) of up to Options.LinesPerOrder lines (default 10), about 725
// points; the rest of a longer order's lines come from follow-up
// order(id) { lineItems(first: 100, after) } queries. Order(id) reads one
// order with up to 100 lines per query.
//
// The GraphQL Admin API limits by cost with a leaky bucket per app and
// shop. Every answer's extensions.cost (requestedQueryCost and
// throttleStatus {maximumAvailable currentlyAvailable restoreRate}) updates
// the adapter's view of the bucket; before a query whose expected cost
// (the last requestedQueryCost of that query) exceeds what the bucket holds
// now, the adapter waits, ctx-aware, the time the restore rate needs. A
// THROTTLED error is waited out and retried. A wait longer than
// Options.MaxCostWait is not slept: the call returns a
// *rosync.RateLimitError for the caller to retry later. HTTP 429 and 5xx
// and network errors are retried with back-off (Retry-After honoured);
// other HTTP errors and GraphQL errors in an HTTP 200 answer are a
// *rosync.APIError with Service "shopify". The access token and the webhook
// secret never appear in errors or logs.
//
// # Webhooks
//
// VerifyWebhook checks X-Shopify-Hmac-Sha256 (base64 HMAC-SHA256 of the raw
// body with the app's client secret) in constant time (ENG-4).
// orders/create, orders/updated and orders/cancelled carry the REST-shaped
// order, whose "id" is read as a json.Number (it can pass 2^53);
// orders/edited carries {"order_edit": {"order_id": …}}. Other topics give a
// Hint without order. Hint.EventID is X-Shopify-Webhook-Id, stable across
// redeliveries. Subscribe to orders/create, orders/updated (which also
// fires on fulfilment, payment and cancellation), orders/cancelled and
// orders/edited. Shopify retries failed deliveries for a while but does not
// guarantee delivery, so the Syncer's reconciliation poll is still needed.
//
// # Unverified
//
// Checked against Shopify's documentation and reference notes, not against
// a live shop: the plan display names of Basic and Starter as
// shop.plan.displayName returns them (hence Options.LimitedPlans), and
// whether a Dev Dashboard custom app gets protected data on Basic;
// the exact cost Shopify computes for these queries (the estimate counts
// pageInfo as an object, leaving a margin under 1000); that the orders
// search without status: would leave out some orders (status:any is sent
// to be safe); that Customer.email and Customer.phone, deprecated in recent
// versions in favour of defaultEmailAddress and defaultPhoneNumber, are
// still served by 2025-10; that protected-data access errors come as
// GraphQL errors rather than nulls (they would fail the query as an
// *rosync.APIError); and that the fee of DEL-1 is the original shipping
// price (originalPriceSet, before shipping discounts).
package shopify
