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
// answer renews it and the call is made once more. Reads (auth, orders/get,
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
// Cartum status id as a string (CAR-2). SetStatus uses orders/update.
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
//	Total       Σ price × quantity + delivery_price (orders/get documents no total)
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
//	            nil when all are empty
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
// # Unverified
//
// The following are read in the public docs, the reference notes
// (reference §6 and §7) or other clients, and not checked against a live
// shop:
//   - the exact products[] fields beyond article, title, quantity and price;
//   - whether order_id, stat_status and quantity ever come as strings (they
//     are refused, naming the field);
//   - whether title fields are per-language objects in orders;
//   - the order of orders/get results, and whether from/to are inclusive;
//   - whether orders/get answers EMPTY for no orders (taken as an empty
//     page);
//   - the error message fields (response.message, message, response.log[]);
//   - the hook payload (the order or {order_id}) and whether Cartum retries
//     a failed delivery;
//   - whether a currency field exists on orders;
//   - the name order inside delivery_name (first word taken as the first
//     name; Ukrainian forms often put the surname first).
package cartum
