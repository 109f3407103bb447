// Package cartum is the rosync adapter for Cartum shops. Cartum is the
// international brand of the Horoshop engine and uses its JSON API.
//
// # Connecting
//
// New takes the shop's root URL, the login and password of an API user
// (admin: Settings → Users) and Options. Options.Currency is required:
// Cartum's API has no documented call that returns the shop currency.
// Options.Timezone is the shop's IANA timezone (default UTC): order dates
// and the date filters are the shop's local time.
//
// Every call is POST https://<shop>/api/<function>/ with a JSON body.
// Errors come as HTTP 200 with a "status" other than "OK" and become an
// *rosync.APIError with Service "cartum", Status 0 (the HTTP status when the
// answer is not 2xx) and Message "<status>: <message>". auth trades the
// login and password for a token that lives 600 s. The token is cached and
// renewed once it is 540 s old (Options.Now is the clock). An UNAUTHORIZED
// or AUTHORIZATION_ERROR answer renews it and the call is made once more; a
// second refusal is an error. Reads (auth, orders/get,
// orders/get_available_statuses) and orders/update (it sets an absolute
// status, so repeating it is harmless) are retried with exponential
// back-off after network errors, 429 and 5xx. hooks/subscribe is not
// retried, since a repeat would add a second subscription; when its answer
// is lost it returns an *rosync.AmbiguousError. The password, the tokens and
// the webhook secret never appear in errors or logs. Cartum documents no
// rate limit.
//
// # Policy
//
// Shop reads orders/get_available_statuses. Policy then excludes from the
// initial import of the last two months the statuses whose is_successful
// is 1. That is the shop's "Delivered" (CAR-1), recognised by the flag and
// never by its title, which is translated and can be renamed.
//
// Statuses are synced both ways through Settings.StatusMap, keyed by the
// Cartum status id as a string (CAR-2). SetStatus uses orders/update,
// which answers OK, or WARNING when an order failed, with response.log[]:
// entries {status, messages} in the request's order, without order_id, in
// Cartum's own example (its field list says order_id and message; both
// shapes are read). A failed entry, or a WARNING, is an *rosync.APIError
// carrying the reason.
//
// Delivery details go to one comment when the order is imported (DEL-1).
// Shopify's DEL-2 does not apply.
//
// Products are identified by SKU (Cartum's article) or by name. Cartum has
// no product id apart from the article, so Product.ID is the article too
// and also goes to the RO App Code field.
//
// Contacts match by phone or email. No order is rejected for lacking
// products or a customer.
//
// # Mapping
//
// An orders/get order maps to rosync.Order as follows:
//
//	ID, Number  order_id (a JSON integer) as a decimal string
//	Status      stat_status (a JSON integer, the status id) as a string
//	CreatedAt   stat_created, "YYYY-MM-DD HH:MM:SS" in the shop's timezone, to UTC
//	UpdatedAt   CreatedAt: orders/get documents no modification date
//	Currency    the order's "currency" when present (undocumented), else Options.Currency
//	Total       total_sum: what the customer pays for the products after
//	            coupon and manager discounts, without delivery (a number or
//	            a decimal string); the lines' sum when total_sum is absent
//	Discounts   Σ price × quantity − total_sum, carried as line discounts
//	            so that the lines amount to total_sum to the cent (ORD-3):
//	            from products[].total_price when every line has one and
//	            they add up to total_sum, else spread over the lines in
//	            proportion (rosync.SpreadDiscount). A total_sum above the
//	            lines' sum, negative, or with more decimals than the
//	            currency is refused, naming total_sum.
//	Customer    delivery_name split into its first word (first name) and the
//	            rest (last name); delivery_phone as given; delivery_email;
//	            nil when all three are empty
//	Lines       products[]: article → SKU and Product.ID; title (a string, or
//	            an object by language: Options.Language, else the first
//	            language sent) → Name; quantity (a JSON integer); price (a
//	            JSON number or a decimal string, read as a decimal, never
//	            through float64)
//	Line ID     Cartum has no line id: the article (the title when there is
//	            none), with "#2", "#3"… added to the repeated lines of the
//	            same article. It is stable while the order keeps its lines
//	            in the same order.
//	Delivery    delivery_type.title, delivery_price, and delivery_city
//	            (delivery_city_stable when empty) + ", " + delivery_address;
//	            nil when all are empty. delivery_price -1 means "not
//	            calculated": no fee, FeeNotCalculated, and the DEL-1 comment
//	            reads "Fee: not calculated"; any other negative fee is
//	            refused
//
// Types are strict. A value of the wrong JSON type, malformed or truncated
// JSON, a quantity that is not a positive integer of at most
// rosync.MaxQuantity, or a price with more decimals than the currency has
// is an *rosync.InvalidOrderError. The error names the field
// ("products[1].price") and carries the order's id when it can be read. In
// Orders the stream goes on after such an order. rosync.Order.Validate
// runs last.
//
// # Reading orders and polling
//
// Orders pages through orders/get with offset and limit (Options.PageSize,
// at most 500) until a short page. orders/get filters on the creation date
// only: it documents no modification date or filter. So a poll
// (Query.UpdatedSince) reads again every order created since UpdatedSince
// minus Options.PollLookBack (two calendar months by default). The Syncer
// skips the unchanged ones without any RO App call. A status changed on
// Cartum is seen by the next poll: Cartum sends no webhook for changes.
// Bounds are sent a second early (inclusive either way), and an hour wider
// where the local time is ambiguous when clocks go back.
//
// The adapter does not count orders (rosync.OrderCounter): orders/get
// documents no total or count field (the Notion page "Get orders list"
// shows response.orders only), and counting by paging would read the
// whole window twice. The initial import's Progress.Total stays 0, an
// indeterminate bar.
//
// # Webhooks
//
// Subscribe registers a URL for order_created with hooks/subscribe (HTTP
// 201 {"id": N} is success). Cartum documents no webhook signature, so
// Subscribe puts Options.WebhookSecret in the URL's WebhookSecretParam
// ("secret") query parameter. VerifyWebhook compares that parameter with
// the secret in constant time (ENG-4). A missing or wrong secret is
// rosync.ErrSignature, and a body over 1 MiB is rosync.ErrBodyTooLarge.
// The secret is then as safe as the URL: use HTTPS and keep query strings
// out of access logs.
//
// # Sources
//
//   - delivery_price -1 or 0 on 264 live orders of two shops (-1 = not
//     calculated); total_sum = Σ products[].total_price, without delivery;
//     a product discount already in price (discount_marker "PRICE_OLD");
//     a 799 line with a 25 % coupon: total_default 799, total_sum 599,
//     coupon_discount_value 200, price untouched (discount_marker "NONE"):
//     the measurements in IgorShutko/horoshop-mcp src/tools/orders.ts.
//   - total_default, total_sum, discount_value, products[].total_price
//     and discount_marker as order fields: IgorShutko/horoshop-claude-skill
//     horoshop-sales-report/references/orders_api.md.
//   - orders/update's answer: https://horoshop.atlassian.net/wiki/spaces/DOCS/pages/3693183321/Updating+Orders
//     (example: {"status":"WARNING","response":{"log":[{"status":"OK",
//     "messages":"UPDATED"},…,{"status":"ERROR","messages":"status is not
//     defined or defined incorrectly"}]}}).
//   - AUTHORIZATION_ERROR as a token failure renewed like UNAUTHORIZED:
//     ecomkit-com-ua/horoshop-mcp src/client.ts; a wrong login answers
//     ERROR (its test mock).
//   - Zippy ERP's importer imports Σ price × quantity and reads
//     delivery_* fields (leon-mbs/zstore www/app/modules/hr/orders.php):
//     the undiscounted amount this adapter no longer takes.
//
// # Unverified
//
// The following are read in the public docs, the reference notes
// (reference §6 and §7) or other clients, and not checked against a live
// shop:
//   - the exact products[] fields beyond article, title, quantity and price;
//   - whether order_id, stat_status and quantity ever come as strings (they
//     are refused, naming the field; no source shows strings, and a client
//     run on live shops compares stat_status with an integer:
//     IgorShutko/horoshop-claude-skill horoshop-sales-report/scripts/
//     sales_report.py); amounts are read as numbers or decimal strings;
//   - whether total_sum is ever absent (the lines' sum is then taken, no
//     discount) and whether products[].total_price includes an
//     order-level coupon (it is used only when the lines' total_price add
//     up to total_sum; otherwise the discount is spread, which keeps the
//     order's amount exact either way);
//   - the shape of a log entry's messages beyond a string (an array or an
//     object of strings is joined);
//   - whether title fields are per-language objects in orders;
//   - the order of orders/get results, and whether from/to are inclusive;
//   - whether orders/get answers EMPTY for no orders (taken as an empty
//     page);
//   - the error message fields (response.message, message, response.log[]
//     with messages or message);
//   - the hook payload (the order or {order_id}) and whether Cartum retries
//     a failed delivery;
//   - whether a currency field exists on orders;
//   - the name order inside delivery_name (first word taken as the first
//     name; Ukrainian forms often put the surname first).
package cartum
