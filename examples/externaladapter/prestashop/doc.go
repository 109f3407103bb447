// Package prestashop is a rosync platform adapter for PrestaShop 1.7–9,
// written the way an adapter outside the rosync module is written: it
// imports only public rosync packages (the root package,
// platforms/platformkit; its tests platforms/platformtest and replay). It
// is the example docs/adapters.md points at; its rules are the PRS section
// of docs/rules.md.
//
// # What it does
//
// It reads orders through PrestaShop's Webservice (the REST API under
// /api/), in JSON: the initial import (PRS-1), the reconciliation poll
// (PRS-2) and one order by id. Status sync is off (StatusSync none:
// SetStatus returns an error wrapping rosync.ErrUnsupported, PRS-4). It
// transfers no delivery details.
//
// # Wire facts and their sources
//
//   - The Webservice is under /api/, one resource per path (/api/orders,
//     /api/orders/{id}, /api/customers/{id}, /api/addresses/{id},
//     /api/currencies/{id}): https://devdocs.prestashop-project.org/9/webservice/reference
//   - Authentication: the webservice key is the HTTP Basic user name, the
//     password empty; the key is created in Advanced Parameters >
//     Webservice: https://devdocs.prestashop-project.org/8/webservice/tutorials/creating-access/
//   - output_format=JSON switches the answer from XML to JSON;
//     display=full returns every field of a list's objects; filter[field]=[a,b]
//     is an interval, sort=[field_ASC] the order, limit=offset,count a page:
//     https://devdocs.prestashop-project.org/8/webservice/cheat-sheet and
//     https://devdocs.prestashop-project.org/8/webservice/tutorials/advanced-use/additional-list-parameters
//   - A filter on a date field works only with date=1 (and takes full
//     "YYYY-MM-DD HH:MM:SS" values; a bare day excludes that day's orders
//     at the upper bound): https://github.com/PrestaShop/PrestaShop/issues/10822
//   - The order fields (id_customer, id_address_delivery, id_currency,
//     current_state, reference, date_add, date_upd, total_paid,
//     associations.order_rows) and the order row fields (product_id,
//     product_attribute_id, product_name, product_reference,
//     product_quantity, unit_price_tax_incl):
//     https://devdocs.prestashop-project.org/9/webservice/resources/orders and
//     https://devdocs.prestashop-project.org/9/webservice/resources/order_details/
//
// # UNVERIFIED (every guess in one place)
//
//   - JSON scalars. The JSON output is read with every field except the
//     object's "id" as a string ("2", "10.500000"), as the XML output's
//     CDATA values are; a number where a string is expected is an
//     *rosync.InvalidOrderError naming the field (never a silent zero).
//   - Empty lists. An empty list is read both as {"orders": []} and as a
//     bare [] (which the JSON output is reported to send); anything else is
//     an error that ends the stream, so a surprise cannot skip orders.
//   - Dates are the shop's local time (the PS_TIMEZONE setting, given as
//     Options.Timezone, default UTC). A wrong zone shifts the window by
//     hours; the poll's window overlaps (Options.PollOverlap) and the engine
//     is idempotent, so no order is lost, only read twice.
//   - The date interval filter includes both bounds. If it does not, the
//     window's lower edge is read a second early (since−1 s) and orders
//     before since are dropped on the client side.
//   - The default order state ids (5 Delivered, 6 Canceled, 7 Refunded,
//     excluded from the initial import, PRS-1) are those of a fresh
//     install; a shop that renumbered them sets Options.ExcludedStates.
//   - Pages: a page shorter than the page size is the last one; the
//     stream stops after MaxPages pages in any case.
//
// # Webhooks: a documented choice
//
// PrestaShop core sends no webhooks. The adapter verifies the webhook of a
// small relay module the shop installs (a hook on actionValidateOrder and
// actionOrderStatusPostUpdate, whose parameters carry id_order): it POSTs
// {"id_order": N} with the header X-Rosync-Signature, the base64 HMAC-SHA256
// of the raw body under the shared Options.WebhookSecret (PRS-3). The body
// is only a hint: the order is always read back through the Webservice. A
// shop without the module is polled (the poll finds every change, PRS-2).
package prestashop
