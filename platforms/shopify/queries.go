package shopify

import (
	"bytes"
	"encoding/json"
)

// The GraphQL documents the adapter sends. They are built from the same
// field lists so that a list page, a single order, a follow-up page of
// lines and the lines of a bulk operation's result decode alike.

const addressFields = `firstName lastName address1 address2 city province zip country countryCodeV2 phone`

const moneyFields = `shopMoney { amount currencyCode }`

const lineFields = `id sku name title quantity currentQuantity
      variant { id legacyResourceId }
      product { id legacyResourceId description hasOnlyDefaultVariant category { name fullName } }
      originalUnitPriceSet { ` + moneyFields + ` }
      discountAllocations { allocatedAmountSet { ` + moneyFields + ` } }`

// orderNodeFields selects an order node without its line items.
const orderNodeFields = `id legacyResourceId name createdAt updatedAt cancelledAt currencyCode
    displayFinancialStatus displayFulfillmentStatus email phone
    customer { firstName lastName defaultEmailAddress { emailAddress } defaultPhoneNumber { phoneNumber }
      defaultAddress { ` + addressFields + ` } }
    shippingAddress { ` + addressFields + ` }
    shippingLine { title currentDiscountedPriceSet { ` + moneyFields + ` } }
    currentSubtotalPriceSet { ` + moneyFields + ` }`

// orderFields selects an order node; $lines is the size of its first page
// of line items.
const orderFields = orderNodeFields + `
    lineItems(first: $lines) { pageInfo { hasNextPage endCursor } nodes { ` + lineFields + ` } }`

// ordersQuery lists orders. The shop's plan comes with every page, so that
// a plan change (SHO-C2) is seen without a separate call.
const ordersQuery = `query RosyncOrders($first: Int!, $after: String, $query: String, $sortKey: OrderSortKeys, $lines: Int!) {
  orders(first: $first, after: $after, sortKey: $sortKey, query: $query) {
    pageInfo { hasNextPage endCursor }
    nodes { ` + orderFields + ` }
  }
  shop { plan { publicDisplayName } }
}`

const orderQuery = `query RosyncOrder($id: ID!, $lines: Int!) {
  order(id: $id) { ` + orderFields + ` }
  shop { plan { publicDisplayName } }
}`

// linesPerFollowUp is the page size of the follow-up query for the lines
// of an order with more than a list page holds.
const linesPerFollowUp = 80

const orderLinesQuery = `query RosyncOrderLines($id: ID!, $after: String, $lines: Int!) {
  order(id: $id) {
    lineItems(first: $lines, after: $after) { pageInfo { hasNextPage endCursor } nodes { ` + lineFields + ` } }
  }
}`

const shopQuery = `query RosyncShop { shop { currencyCode ianaTimezone plan { publicDisplayName } } }`

// shopPlanQuery reads the plan before a bulk operation, whose query can
// hold nothing but the orders connection.
const shopPlanQuery = `query RosyncShopPlan { shop { plan { publicDisplayName } } }`

// bulkOrdersQuery is the query a bulk operation runs for the initial
// import: the orders that search selects, oldest first, with the fields of
// orderNodeFields and all their line items (lineFields). Connections in a
// bulk query take no first argument; Shopify writes each line item on a
// JSONL line of its own, after its order's.
func bulkOrdersQuery(search string) string {
	return `{
  orders(sortKey: CREATED_AT, query: ` + graphQLString(search) + `) {
    edges { node { ` + orderNodeFields + `
      lineItems { edges { node { ` + lineFields + ` } } }
    } }
  }
}`
}

// graphQLString quotes s as a GraphQL string literal (JSON's escapes are
// GraphQL's).
func graphQLString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return string(bytes.TrimSpace(b.Bytes()))
}

// bulkRunMutation starts a bulk query. groupObjects: true puts an order's
// line items directly after it in the result, which lets the adapter
// stream the file one order at a time (the default is false from API
// version 2026-01).
const bulkRunMutation = `mutation RosyncBulkOrders($query: String!) {
  bulkOperationRunQuery(query: $query, groupObjects: true) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}`

// bulkPollQuery reads a bulk operation's state.
const bulkPollQuery = `query RosyncBulkOperation($id: ID!) {
  node(id: $id) { ... on BulkOperation { id status errorCode objectCount fileSize url partialDataUrl } }
}`

// Requested costs as Shopify computes them (scalars and enums 0, objects 1,
// connections 2 + first × node; pageInfo counted as an object to be safe).
const (
	lineNodeCost  = 1 + 1 + 2 + 2 + 3         // line, variant, product{category}, originalUnitPriceSet{shopMoney}, discountAllocations{allocatedAmountSet{shopMoney}}
	orderBaseCost = 1 + 4 + 1 + 3 + 2 + 2 + 1 // order, customer{defaultEmailAddress defaultPhoneNumber defaultAddress}, shippingAddress, shippingLine{…}, currentSubtotalPriceSet{…}, lineItems' 2 + pageInfo
	shopPlanCost  = 2                         // shop { plan }
	shopCost      = 2
	mutationCost  = 10 // a mutation field
	bulkPollCost  = 1  // node { … on BulkOperation }
)

func connectionCost(n, node int) int { return 2 + 1 + n*node }

// orderNodeCost is the requested cost of one order node with a first page
// of lines lines.
func orderNodeCost(lines int) int { return orderBaseCost + lines*lineNodeCost }

// listCost is the requested cost of ordersQuery.
func listCost(orders, lines int) int {
	return connectionCost(orders, orderNodeCost(lines)) + shopPlanCost
}

func orderCost(lines int) int { return orderNodeCost(lines) + shopPlanCost }

func linesCost(lines int) int { return 1 + connectionCost(lines, lineNodeCost) }
