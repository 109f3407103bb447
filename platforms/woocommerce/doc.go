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
//	Total       total (a JSON string)
//	Customer    first/last name from billing, else shipping; email from
//	            billing; phone from shipping.phone when set, else
//	            billing.phone, kept as given; country of the block the phone
//	            came from; nil when no block names anyone or gives an email
//	            or a phone; the address is not transferred
//	Lines       line_items: id; quantity minus refunded quantities, lines at
//	            0 dropped; price (a JSON number, decoded as a decimal,
//	            float noise rounded off: see Prices);
//	            Product.ID variation_id if > 0 else product_id ("" for a
//	            deleted product); SKU sku; Name name; Description from
//	            GET /products/{id} (a variation's own description first);
//	            Category from the category rule
//	Delivery    method_title of shipping_lines joined with ", ", the sum of
//	            their totals, and the shipping address on one line (billing
//	            when shipping is empty); nil without shipping lines and address
//
// Types are strict: a string where WooCommerce sends a number or the reverse
// ("quantity":"2", "total":17.7), malformed or truncated JSON, a
// non-positive quantity, or a price with more decimals than the currency
// allows is an *rosync.InvalidOrderError naming the field, with the order's
// id and number when they can be read. rosync.Order.Validate runs last.
//
// # Prices
//
// WooCommerce computes line_items[].price as the line total (after
// discounts, without tax) divided by the quantity in PHP floats, so
// 3 × 10.10 comes as 10.099999999999998. A price within 1e-12 (relative) of
// a value with the currency's decimals is taken as that value; anything
// finer is left as sent and rejected by Validate (ORD-3). That includes a
// discount that does not divide evenly (100.00 for 3 units:
// 33.333333333333336); whether such lines should be rounded instead is an
// open product decision.
//
// # Refunds
//
// WooCommerce does not lower line_items[].quantity when it refunds. When an
// order's refunds summary is not empty, GET /orders/{id}/refunds is read and
// each refund line's (negative) quantity is subtracted from the order line
// its meta _refunded_item_id names.
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
// (WC_Webhook, WC_REST_Orders_Controller): the ping carries no
// X-WC-Webhook-* header, the signature key is
// wp_specialchars_decode(secret, ENT_QUOTES), and line_items[].price is
// total / quantity. Product descriptions are passed on as WooCommerce
// stores them (HTML).
package woocommerce
