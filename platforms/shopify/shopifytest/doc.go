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
// directives) and its root fields are answered:
//
//	shop                          currencyCode, ianaTimezone, plan { displayName }, name, myshopifyDomain
//	orders(first, after, sortKey, reverse, query)
//	                              first ≤ 250; sortKey CREATED_AT, UPDATED_AT, PROCESSED_AT, ID;
//	                              query terms created_at / updated_at with :>= :> :<= :< or an
//	                              exact value, status:any|open|closed|cancelled; opaque cursors
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
// The fake is stricter than Shopify in one place: an unknown search term in
// the orders query argument is an error rather than ignored.
package shopifytest
