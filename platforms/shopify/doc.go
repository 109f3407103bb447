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
//	Total       currentSubtotalPriceSet.shopMoney.amount: what the customer
//	            pays for the products after line and order discounts (codes
//	            such as TENOFF) and refunds, without shipping; with taxes
//	            only in a tax-inclusive shop (taxesIncluded), whose prices
//	            hold them too. Order.Validate checks that the lines add up
//	            to it (ORD-3)
//	Customer    customer firstName, lastName, defaultEmailAddress
//	            .emailAddress, defaultPhoneNumber.phoneNumber (email and phone
//	            falling back to the order's, the phone then to the shipping
//	            address's); Address: the shipping address on one line
//	            (street, city, province, zip, country), else the customer's
//	            default address (SHO-C1); Country its countryCodeV2.
//	            Nil with CustomerRedacted set on a limited plan, or when
//	            every field is null (SHO-C2)
//	Lines       lineItems: id (the LineItem GID's number); quantity
//	            currentQuantity (after edits and refunds; lines at 0
//	            dropped); price originalUnitPriceSet.shopMoney.amount;
//	            discount the sum of discountAllocations[].allocatedAmountSet
//	            (line discounts and the line's share of order discounts),
//	            which Shopify gives for all units ordered: on a line with
//	            refunded units it is prorated to currentQuantity, rounded
//	            half up, and the lines of such an order are then settled,
//	            a cent per prorated line at most, against the subtotal;
//	            Product.ID the product's legacyResourceId, or the variant's
//	            when the product has variants (hasOnlyDefaultVariant false),
//	            so that each variant is its own RO App product, as
//	            rosync.Product documents; SKU sku; Name name (title and
//	            variant title); Description product.description (plain
//	            text); Category product.category.fullName ("Apparel &
//	            Accessories > Clothing > Shirts", Shopify's standard product
//	            taxonomy) split on " > ", nil without a category
//	Delivery    shippingLine title, currentDiscountedPriceSet (the price
//	            after shipping discounts and refunds) and
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
// every order query (shop { plan { publicDisplayName } }: Basic, Starter,
// Grow, Advanced, Plus, … per the ShopPlan reference; displayName is
// deprecated; once, before the bulk operation, for an initial import)
// and, on a plan of Options.LimitedPlans (default "Basic", "Starter" and
// the older "Basic Shopify", "Shopify Basic", "Shopify Starter",
// case-insensitive), sets
// Order.CustomerRedacted and leaves Customer nil, so the Syncer uses the
// one shared "Not specified" contact (SHO-C2). On other plans, a customer
// whose fields all come back null is treated the same way.
//
// # Queries, cost and throttling
//
// Orders selects with the search query "created_at:>='…'" for the initial
// import (sorted by CREATED_AT) and "updated_at:>='…'" for a poll (by
// UPDATED_AT); Query.Until adds a created_at or updated_at upper bound. No
// status term is sent: the orders search documents status values open,
// closed, cancelled and not_closed, none for "any" (status=any is a REST
// parameter), and Shopify drops a term it does not know from the query
// and reports it in extensions.search warnings ("Invalid search field for
// this query.", code invalid_field); the adapter refuses any answer with
// such a warning as an *rosync.APIError. The import's exclusions (SHO-1:
// fulfilled, cancelled, refunded) are the engine's, on the derived status,
// so the query reads orders of every status. Shopify refuses a query whose requested cost
// passes 1000 points, and a nested connection costs its first × its node's
// cost, so a page of orders(first, after, sortKey, query) holds
// Options.OrdersPerPage orders (default 10) of up to Options.LinesPerOrder
// lines (default 8), about 865 points; the rest of a longer order's lines
// come from follow-up order(id) { lineItems(first: 80, after) } queries.
// Polls always read such pages; Order(id) reads one order with up to 80
// lines per query.
//
// 250 orders with their lines cannot fit in one paged query, so the
// initial import runs one bulk operation instead (unless
// Options.PagedImport): bulk queries have no cost limit, and the whole
// import is 1 plan query + 1 mutation + the polls + 1 download, whatever
// the number of orders.
//
//  1. shop { plan { publicDisplayName } } (a bulk query holds nothing but
//     its connection). A transient failure here (after the retries) reads
//     pages instead.
//  2. bulkOperationRunQuery(query, groupObjects: true) with the query
//     { orders(sortKey: CREATED_AT, query: "…") { edges { node { … lineItems
//     { edges { node { … } } } } } } }: the same order and line fields as a
//     page, and connections without first (bulk queries take none; at most
//     five connections, nested two deep). groupObjects (API 2025-07 and
//     later; true by default before 2026-01, false from it) puts an
//     order's line items directly after it in the result.
//  3. node(id) { ... on BulkOperation { status errorCode objectCount
//     fileSize url } }, at once, then after Options.BulkPollInterval
//     (2 s), the waits growing by half up to 30 s, on Options.Now/Sleep,
//     ctx-aware, for at most Options.BulkMaxWait (1 h; then an error
//     wrapping context.DeadlineExceeded). CREATED, RUNNING and CANCELING
//     go on polling; COMPLETED, FAILED, CANCELED and EXPIRED end it.
//  4. GET url: a signed storage URL, fetched without the access token
//     (and never logged), streamed line by line (JSONL). A line without
//     "__parentId" is an order; the lines after it whose "__parentId" is
//     its id are its line items; at the next order line, or the end, the
//     order gets its line items back under lineItems and goes through the
//     decoding and validation of a page's node, so both paths give
//     identical rosync.Order values. Only the current order is in memory
//     (up to 10 000 line items, as the paged path reads; beyond, an
//     *rosync.InvalidOrderError).
//
// A completed operation that found nothing has no url: the import is
// empty. A malformed order or line item line makes that order an
// *rosync.InvalidOrderError (with its id when it can be read) and the
// stream goes on; a line item before any order, or after another order
// than its own, ends the stream with an error. A download that fails (a
// network error, 429 or 5xx, no bytes for the HTTP client's timeout while
// the adapter waits for them, or a file shorter than fileSize or cut in
// the middle of a line) is retried like a query (Options.RetryMax): the
// retry asks for the rest of the file from the first unfinished order
// (HTTP Range), or, when the whole file comes again, skips the orders
// already yielded; past the retries it ends the stream with an error. No
// order is yielded twice or lost without an error. The time the consumer
// takes with an order does not count as a stalled download.
//
// The import falls back to pages, and logs why, when the mutation still
// fails after the retries with a transient error (network, 5xx, a
// malformed answer), when Shopify will not start the operation (a
// userError: OPERATION_IN_PROGRESS when another bulk query
// of the app runs on the shop, one at a time before API version 2026-01,
// the adapter's own included when the answer to its mutation was lost and
// the mutation retried; or a GraphQL error, as for a token that may not run
// bulk operations), or
// when the operation fails with ACCESS_DENIED (the paged queries may still
// read what the app can see, and name what it cannot). FAILED with another
// error code (INTERNAL_SERVER_ERROR, TIMEOUT), CANCELED and EXPIRED end the
// stream with a *BulkOperationError, which rosync.Retryable treats as
// transient. An operation abandoned on ctx cancellation runs on at Shopify
// (up to 10 days) and is not canceled; while it runs, the next import of
// that shop reads pages.
//
// Sources: https://shopify.dev/docs/api/usage/bulk-operations/queries,
// https://shopify.dev/docs/api/admin-graphql/2025-10/mutations/bulkOperationRunQuery,
// https://shopify.dev/docs/api/admin-graphql/2025-10/objects/BulkOperation,
// https://shopify.dev/docs/api/admin-graphql/latest/enums/BulkOperationStatus,
// https://shopify.dev/docs/api/admin-graphql/latest/enums/BulkOperationErrorCode,
// https://shopify.dev/docs/api/admin-graphql/2025-10/enums/BulkOperationUserErrorCode,
// https://shopify.dev/changelog/optional-groupobjects-argument-in-bulk-operations-mutations-that-offers-faster-and-more-reliable-job-execution,
// https://shopify.dev/changelog/bulk-operations-group-objects-default-changed-to-false,
// https://community.shopify.com/t/query-bulkoperation-return-completed-but-url-with-null/80513
// (no url when objectCount is 0),
// https://github.com/Shopify/shopify-api-ruby/issues/729 (__parentId lines).
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
// and network errors are retried with back-off (Retry-After honoured), and
// so is a 2xx answer that is not JSON (a *MalformedAnswerError past the
// retries, which rosync.Retryable treats as transient);
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
// # Sources of the wire facts
//
// Totals and discounts: the Order, LineItem, DiscountAllocation and
// ShippingLine references, https://shopify.dev/docs/api/admin-graphql/2025-10/objects/Order,
// https://shopify.dev/docs/api/admin-graphql/2025-10/objects/LineItem
// (currentQuantity "excluding refunded and removed units";
// discountAllocations "including discounts allocated to refunded and
// removed quantities"; discountedUnitPriceAfterAllDiscountsSet only
// "approximate"), https://shopify.dev/docs/api/admin-graphql/2025-10/objects/DiscountAllocation,
// https://shopify.dev/docs/api/admin-graphql/2025-10/objects/ShippingLine;
// that currentSubtotal is before shipping and holds taxes only for
// taxes-included orders: https://shopify.dev/docs/api/storefront/2025-04/objects/Order
// (currentSubtotalPrice). Shopify's documented example order 450789469
// (#1001, https://shopify.dev/docs/api/admin-rest/2023-01/resources/order,
// as Shopify/shopify-api-ruby's generated tests hold it): TENOFF (10.00
// "across" all lines) allocated 3.34/3.33/3.33 to three 199.00 lines, two
// refunded, current_subtotal_price 195.67, current_total_price 199.65
// (3.98 tax on top, taxes_included false): the order-level code is in the
// subtotal and in the lines' allocations. Plans:
// https://shopify.dev/docs/api/admin-graphql/2025-10/objects/ShopPlan
// (publicDisplayName and its values; displayName deprecated),
// https://shopify.dev/changelog/adding-publicdisplayname-field-on-shopplan.
// Customers: Customer.defaultEmailAddress and defaultPhoneNumber
// (email and phone deprecated),
// https://shopify.dev/docs/api/admin-graphql/2025-10/objects/Customer.
// Search: https://shopify.dev/docs/api/admin-graphql/2025-10/queries/orders
// (argument query) and https://shopify.dev/docs/api/usage/search-syntax;
// the extensions.search warnings as public clients record them from live
// shops (e.g. "staff_member" and "state" terms dropped with code
// invalid_field). Errors of a query that does not fit the schema: HTTP
// 200 with errors[].extensions.code undefinedField (typeName, fieldName),
// as in https://github.com/vercel/commerce/issues/763 ("Field 'ruleSet'
// doesn't exist on type 'CollectionEdge'").
//
// # Unverified
//
// Checked against Shopify's documentation and reference notes, not against
// a live shop: the plan display names of Basic and Starter as
// shop.plan.displayName returns them (hence Options.LimitedPlans), and
// whether a Dev Dashboard custom app gets protected data on Basic;
// the exact cost Shopify computes for these queries (the estimate counts
// pageInfo and a list of objects as objects, leaving a margin under 1000);
// that the orders search without a status term reads orders of every
// status (no default filter is documented; if Shopify left out closed or
// cancelled orders, SHO-1 would exclude them anyway, and a cancellation
// after import would only lose its comment); how Shopify splits a line's
// discount between refunded and remaining units (the proration and the
// one-cent settling are the adapter's: a larger difference is refused by
// ORD-3, never imported at a wrong amount); that protected-data access
// errors come as GraphQL errors rather than nulls (they would fail the
// query as an *rosync.APIError). Taxes: in a tax-exclusive shop the tax
// added on top of the prices (currentTotalTaxSet) is not in Total nor in
// the RO App items, as before.
//
// Of bulk operations: that the result follows sortKey CREATED_AT (not
// documented; the adapter logs a warning when an order comes older than
// the one before it, and yields it all the same); that fileSize counts the
// bytes as downloaded (only a shorter file is an error) and objectCount the
// lines (a difference is only logged); that the storage URL honours HTTP
// Range (without it a retry reads the file again from the start); that
// each line ends with a newline and lists the selected fields in order,
// __parentId last (only the reading of a malformed line relies on it);
// which access tokens may run bulk operations ("only accessible by
// supported access tokens" in recent versions: a refusal is a GraphQL
// error, read as a reason to page); and the text of the userErrors (only
// their code is read).
package shopify
