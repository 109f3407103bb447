// Package shopifytest is a fake Shopify GraphQL Admin API for tests and
// fixture replays: an http.Handler (use it with httptest.NewServer) that
// holds order nodes as native JSON, exactly as the GraphQL Admin API returns
// them (connections as {"nodes": [...]}), and answers the queries the
// shopify adapter sends. It also builds webhook requests as Shopify sends
// them.
//
// Served: POST /admin/api/{version}/graphql.json with the header
// X-Shopify-Access-Token. The body's query is parsed (one query operation;
// aliases, arguments, variables and nested selections; no fragments or
// directives), checked against a subset of the 2025-10 schema (schema.go,
// SDL written from the shopify.dev reference of each type: QueryRoot,
// Mutation, Shop, ShopPlan, Order, LineItem, DiscountAllocation, MoneyBag,
// MoneyV2, ShippingLine, Customer, CustomerEmailAddress,
// CustomerPhoneNumber, MailingAddress, Product, TaxonomyCategory,
// ProductVariant, BulkOperation and the connections), and its root fields
// are answered:
//
//	shop                          id, name, email, myshopifyDomain, currencyCode, ianaTimezone,
//	                              taxesIncluded, plan { publicDisplayName displayName partnerDevelopment shopifyPlus }
//	orders(first, after, sortKey, reverse, query)
//	                              first ≤ 250; sortKey CREATED_AT, UPDATED_AT, PROCESSED_AT, ID;
//	                              query terms created_at / updated_at / processed_at with :>= :> :<= :<
//	                              or an exact value, status:open|closed|cancelled|not_closed; opaque cursors
//	order(id: "gid://shopify/Order/N")
//	node(id:)                     a BulkOperation or an Order (inline fragments ... on Type)
//	currentBulkOperation(type: QUERY)
//
// and, in a mutation, bulkOperationRunQuery(query:, groupObjects:). A bulk
// query runs over every stored order at once (no first argument, one
// top-level connection, at most five connections nested two deep) and
// gives a JSONL file: one line per order, then, with groupObjects (the
// default before API version 2026-01), the lines of its nested
// connections' nodes carrying "__parentId"; without it the nested lines
// come after all the orders. The operation is CREATED, RUNNING for
// Bulk.Polls polls (node(id:) or currentBulkOperation), then COMPLETED
// (or as Bulk says: FAILED with an errorCode, CANCELED, EXPIRED); while
// one runs, another is refused with the userError OPERATION_IN_PROGRESS.
// Its url is GET {server}/bulk/{n}.jsonl?sig=… on the same server, a signed
// URL that needs no access token; an empty result has no url.
//
// Answers carry only the fields selected (aliases honoured, missing fields
// null), so a client that forgets to select a field sees it missing as it
// would on Shopify. Nested connections (lineItems(first:, after:)) are paged
// with opaque cursors. A line item's product is the stored product with the
// same id (AddProduct) when there is one, else the product embedded in the
// order node.
//
// Cost-based throttling is emulated: each query's requestedQueryCost is
// computed as Shopify documents it (scalars and enums 0, objects 1,
// connections 2 plus first × the cost of a node); a query over MaxQueryCost
// fails with MAX_COST_EXCEEDED; one whose requested cost exceeds the
// bucket's currently available points fails with THROTTLED; otherwise the
// actual cost (with the real number of nodes) is taken from the bucket,
// which refills at the restore rate on the server clock. Every answer
// carries extensions.cost.
//
// # Facts modelled, and their sources
//
//   - A query that does not fit the schema (a field the type lacks, an
//     argument the field does not take, a missing required argument, a
//     selection on a scalar or none on an object) is answered HTTP 200
//     with "errors" only, no data, each error with message, locations,
//     path (starting "query Name") and extensions.code: undefinedField
//     ("Field 'x' doesn't exist on type 'Order'", typeName, fieldName),
//     argumentNotAccepted, missingRequiredArguments, selectionMismatch.
//     Shape: graphql-ruby, as seen from Shopify's APIs in public issues
//     and clients (https://github.com/vercel/commerce/issues/763;
//     "Field 'domainCreate' doesn't exist on type 'Mutation'" with code
//     undefinedField from the Admin API). The texts of the last three
//     codes are graphql-ruby's; their exact Shopify wording is
//     UNVERIFIED (only the code is read by clients).
//   - A schema field the stored node lacks is null, as a field with no
//     value is on Shopify; a field outside the schema never is.
//   - An orders search term whose field the orders query does not
//     document (https://shopify.dev/docs/api/admin-graphql/2025-10/queries/orders)
//     is dropped from the filter and reported in
//     extensions.search[{path, query, warnings[{field, message: "Invalid
//     search field for this query.", code: invalid_field}]}], as Shopify
//     does (recorded from live shops by public clients). A status value
//     other than open, closed, cancelled or not_closed (status:any) is
//     dropped with a warning too: UNVERIFIED, the fake's choice; what
//     Shopify does with it is not documented. A documented field the fake
//     does not filter on is an error (the fake's limit), and so is an
//     unknown term in a bulk operation's query (stricter than Shopify).
//   - Deprecated fields still served: Customer.email and phone,
//     ShopPlan.displayName (https://shopify.dev/docs/api/admin-graphql/2025-10/objects/Customer,
//     …/objects/ShopPlan).
//   - Money is a Decimal sent as a string; UnsignedInt64 (legacyResourceId,
//     objectCount, fileSize) a string of digits; the fake answers the
//     stored node's values as they are, so a fixture states them as
//     Shopify sends them.
//   - Totals are the stored node's: the fake computes none, so a fixture
//     states currentSubtotalPriceSet, discountAllocations and
//     currentDiscountedPriceSet as Shopify would (see the adapter's doc
//     for their meaning and sources).
//   - Costs and throttling (https://shopify.dev/docs/api/usage/rate-limits),
//     bulk operations (https://shopify.dev/docs/api/usage/bulk-operations/queries)
//     as described above.
//   - Faults: Fail queues HTTP errors, THROTTLED answers, download faults,
//     and 2xx answers whose body is not JSON (Fault.Malformed), optionally
//     for the next mutation only (Fault.Mutation).
package shopifytest
