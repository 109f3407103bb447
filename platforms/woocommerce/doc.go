// Package woocommerce is the rosync adapter for WooCommerce shops, over the
// WooCommerce REST API v3 (/wp-json/wc/v3).
//
// # Connecting
//
// New takes the site root, a REST API key pair (read for the import,
// read_write for status updates) and Options. Requests use HTTP Basic auth,
// which WooCommerce accepts over HTTPS only. GETs and the status PUT are
// retried (go-retryablehttp) after network errors, 429 (Retry-After
// honoured up to Options.RetryWaitMax) and 5xx; other answers become a
// *rosync.APIError (Service "woocommerce"), a 404 carrying a WordPress error
// object wrapping rosync.ErrNotFound and a 429 a *rosync.RateLimitError.
// Bodies are read up to 32 MiB. WooCommerce core has no rate limit;
// Options.RequestsPerSecond adds one for hosts that have. The consumer key
// and secret and the webhook secret never appear in errors or logs.
//
// # Policy
//
// Policy returns the WooCommerce rules of SPEC.md as data for the Syncer:
// the initial import covers two months and skips completed, cancelled,
// refunded, failed and trash orders (WOO-1); an order without products, or
// whose customer has no name or neither email nor phone, is rejected under
// WOO-2 (WOO-C2); statuses go from RO App to WooCommerce only, and
// "completed" waits until the products are deducted in RO App (WOO-3);
// delivery details are not transferred (WOO-4); contacts match by phone and
// email (WOO-C1); products can be identified by name, SKU or id, the id
// going to the RO App Code field (WOO-P1).
//
// # Mapping
//
// A native order maps to rosync.Order as follows:
//
//	ID          id (a JSON number) as a decimal string
//	Number      number (a string; the id when empty)
//	Status      status (pending, processing, on-hold, completed, …)
//	Currency    currency
//	CreatedAt   date_created_gmt read as UTC; date_created only if it has an offset
//	UpdatedAt   date_modified_gmt likewise (CreatedAt when both are absent)
//	Total       the sum of the lines' amounts as WooCommerce states them,
//	            tax included (see Amounts); total is read, not used
//	Customer    first/last name from billing, else shipping; email from
//	            billing when it can be an email (rosync.EmailLike); phone
//	            from shipping.phone when it can be a number
//	            (rosync.PhoneLike), else billing.phone, kept as given;
//	            country of the block the phone came from; "-", "n/a" and
//	            the like are left empty (WOO-C1, WOO-C2); nil when no block
//	            names anyone or gives an email or a phone; the address is
//	            not transferred
//	Lines       line_items: id; quantity minus refunded quantities, lines at
//	            0 dropped; Price and Discount from subtotal, total and their
//	            taxes (see Amounts); price is not read;
//	            Product.ID variation_id if > 0 else product_id ("" for a
//	            deleted product); SKU sku; Name name, HTML-unescaped
//	            ("&ndash;" is "–"); Description from GET /products/{id} (a
//	            variation's own description first); Category from the
//	            category rule
//	Delivery    method_title of shipping_lines joined with ", ", the sum of
//	            their totals, and the shipping address on one line (billing
//	            when shipping is empty); nil without shipping lines and address
//
// Types are strict: a string where WooCommerce sends a number or the reverse
// ("quantity":"2", "total":17.7), malformed or truncated JSON, or a
// non-positive quantity is an *rosync.InvalidOrderError naming the field,
// with the order's id and number when they can be read. Of the amounts,
// only what WooCommerce itself states wrongly is refused (ORD-3): a line
// amount missing, not a decimal string or negative, a line total above its
// subtotal. rosync.Order.Validate runs last.
//
// # Amounts
//
// RO App gets, for each line, what the customer pays for it (ORD-3), as a
// unit price with the currency's decimals and a value discount for the
// whole line (rosync.LinePrice: the unit price is the amount before
// discounts divided by the quantity, rounded up; the discount makes the
// line exact).
//
// What WooCommerce sends, in the REST controller
// (woocommerce/woocommerce plugins/woocommerce/includes/rest-api/
// Controllers/Version2/class-wc-rest-orders-v2-controller.php,
// get_order_item_data and prepare_object_for_response):
//
//   - subtotal (before discounts), total (after coupons), subtotal_tax and
//     total_tax are strings, wc_format_decimal(value, dp) with dp the
//     shop's price decimals (wc_get_price_decimals) unless the request sets
//     dp: rounded with number_format (includes/wc-formatting-functions.php);
//   - price is $item->get_total() / $item->get_quantity(), a PHP float of
//     the stored total, unrounded: 100.00 over 3 units is
//     33.333333333333336, 3 × 10.10 is 10.099999999999998;
//   - subtotal and total exclude tax even when the shop's prices include
//     it: the cart takes the tax out of the line total
//     (includes/class-wc-cart-totals.php, calculate_item_totals), and
//     stores it with up to six decimals, so a 21.00 line with 19 % VAT has
//     price 17.647059 and is served as total "17.65", total_tax "3.35";
//   - the order total is the line totals + fees + shipping + cart tax +
//     shipping tax, rounded once (includes/abstracts/abstract-wc-order.php,
//     calculate_totals).
//
// So price is never read: it is derived from total, and reading it would
// refuse real orders or lose the cents that the rounding moved. A line's
// amount is total + total_tax, and before discounts subtotal +
// subtotal_tax, each rounded to the currency: what the customer pays for
// the products, tax included, whether prices_include_tax is true (the
// 21.00 above) or false (tax added at checkout, 15.00 + 2.70 in the public
// 5.8 fixture, whose total is 17.70). A coupon of any kind (percentage,
// fixed cart, fixed product) shows as subtotal above total and so becomes
// the line's discount. Shipping and fee lines are not products: shipping
// goes to Delivery, fees are not transferred.
//
// Order.Total is the sum of the lines' amounts (total + total_tax),
// reckoned before the split into price and discount, so that Validate's
// check proves the split exact. WooCommerce has no order-level products
// total to take instead: total less shipping and fees differs from the
// sum of the rounded line figures by a cent here and there, as each is
// rounded on its own from six-decimal values, and refunds leave it
// unchanged. With neither fees nor that rounding it equals the order
// total less shipping_total and shipping_tax, which the replay of
// testdata/replay/woocommerce-real.json checks.
//
// # Refunds
//
// WooCommerce does not lower line_items[].quantity when it refunds. When an
// order's refunds summary is not empty, GET /orders/{id}/refunds is read and
// each refund line's (negative) quantity is subtracted from the order line
// its meta _refunded_item_id names. A line that keeps some units keeps the
// share of its amounts (before and after discounts) that those units
// bear, rounded to the currency: 100.00 for 3 units with one refunded is
// 66.67 for the 2 left (33.34 each, less 0.01), whatever the refund's own
// amount says (a refund may return money without units, or units
// without money; RO App holds products, not payments).
//
// # Categories
//
// The category tree comes from GET /products/categories (fetched once, and
// again once when a product names an unknown category). A product's
// categories (a variation's parent's) go through the rule of WOO-P2, WOO-P3
// and WOO-P4: ancestors of another of its categories are dropped, then the
// smallest depth wins, then alphabetical order. Product.Category is the path
// of names from the top level down. Names are HTML-unescaped (WordPress
// stores "&amp;").
//
// # Dates and polling
//
// Orders lists with dates_are_gmt=true, orderby=date, order=asc and
// status=any; Query.CreatedSince goes out as after, Query.UpdatedSince as
// modified_after (added by woocommerce/woocommerce PR #30585: a store older
// than that ignores it and lists every order), Query.Until as
// before or modified_before, all in GMT.
//
// # Webhooks
//
// VerifyWebhook checks X-WC-Webhook-Signature (base64 HMAC-SHA256 of the raw
// body) in constant time, answers the form-encoded creation ping, and turns
// order.* topics into a Hint whose EventID is the SHA-256 of the body.
// WooCommerce does not retry a failed delivery and disables a webhook after
// more than five consecutive failures, so a reconciliation poll is needed.
//
// # Unverified
//
// Checked against the REST API docs and WooCommerce's source, not against a
// live store: that after/modified_after are exclusive (bounds are sent one
// second early either way); that refund meta _refunded_item_id is always
// present in REST answers; that status=any leaves out trash (with HPOS
// too); that category names come HTML-escaped. Read in WooCommerce's source
// (WC_Webhook, WC_REST_Orders_V2_Controller): the ping carries no
// X-WC-Webhook-* header, the signature key is
// wp_specialchars_decode(secret, ENT_QUOTES), line_items[].price is
// total / quantity, and the line amounts are rounded to the shop's price
// decimals. Product descriptions are passed on as WooCommerce stores them
// (HTML).
//
// UNVERIFIED: that product and variation names come with HTML entities
// ("&amp;", "&ndash;"). WooCommerce's own apps decode them
// (woocommerce/woocommerce-ios PR #1817, "Decode Order Item & Product's
// name": names saved by users without unfiltered_html keep entities;
// woocommerce/woocommerce-blocks PR #2389); unescaping a name that has
// none changes nothing unless it contains a literal entity-like "&x;".
// UNVERIFIED: which placeholders shops put in phone fields; WooCommerce's
// is_phone() accepts "-" (wire evidence), and rosync.PhoneLike decides.
// Fee lines (surcharges, or negative fees some plugins use as discounts)
// are not carried: an order with a negative fee imports at its products'
// amount, before that fee.
package woocommerce
