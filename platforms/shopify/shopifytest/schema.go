package shopifytest

import (
	"fmt"
	"strings"
)

// This file holds the part of the GraphQL Admin API schema (version
// 2025-10) that the fake serves, as SDL written from the reference pages
// of shopify.dev (https://shopify.dev/docs/api/admin-graphql/2025-10/objects/…
// for each type below), and checks every query against it before
// answering, the way Shopify's GraphQL server (graphql-ruby) does: a field
// the type does not have, an argument the field does not take, a missing
// required argument, a selection on a scalar or none on an object is an
// error in the "errors" array, with no data. Only the fields listed here
// exist for the fake; deprecated fields that Shopify still serves are
// marked so.

// schemaSDL is the served subset of the schema.
const schemaSDL = `
interface Node { id: ID! }

type QueryRoot {
  shop: Shop!
  order(id: ID!): Order
  orders(first: Int, after: String, last: Int, before: String, reverse: Boolean, sortKey: OrderSortKeys, query: String, savedSearchId: ID): OrderConnection!
  ordersCount(query: String, savedSearchId: ID, limit: Int): Count
  node(id: ID!): Node
  currentBulkOperation(type: BulkOperationType): BulkOperation
}

type Mutation {
  bulkOperationRunQuery(query: String!, groupObjects: Boolean): BulkOperationRunQueryPayload
}

type Shop implements Node {
  id: ID!
  name: String!
  email: String!
  myshopifyDomain: String!
  currencyCode: CurrencyCode!
  ianaTimezone: String!
  taxesIncluded: Boolean!
  plan: ShopPlan!
}

type ShopPlan {
  publicDisplayName: String!
  partnerDevelopment: Boolean!
  shopifyPlus: Boolean!
  displayName: String! # deprecated, still served
}

type Count { count: Int! precision: CountPrecision! }

type OrderConnection { nodes: [Order!]! edges: [OrderEdge!]! pageInfo: PageInfo! }
type OrderEdge { cursor: String! node: Order! }
type LineItemConnection { nodes: [LineItem!]! edges: [LineItemEdge!]! pageInfo: PageInfo! }
type LineItemEdge { cursor: String! node: LineItem! }
type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }

type Order implements Node {
  id: ID!
  legacyResourceId: UnsignedInt64!
  name: String!
  createdAt: DateTime!
  updatedAt: DateTime!
  processedAt: DateTime!
  cancelledAt: DateTime
  cancelReason: OrderCancelReason
  closed: Boolean!
  closedAt: DateTime
  currencyCode: CurrencyCode!
  presentmentCurrencyCode: CurrencyCode!
  displayFinancialStatus: OrderDisplayFinancialStatus
  displayFulfillmentStatus: OrderDisplayFulfillmentStatus!
  email: String
  phone: String
  note: String
  tags: [String!]!
  test: Boolean!
  taxesIncluded: Boolean!
  customer: Customer
  shippingAddress: MailingAddress
  billingAddress: MailingAddress
  shippingLine: ShippingLine
  lineItems(first: Int, after: String, last: Int, before: String, reverse: Boolean): LineItemConnection!
  totalPriceSet: MoneyBag!
  subtotalPriceSet: MoneyBag
  totalDiscountsSet: MoneyBag
  totalShippingPriceSet: MoneyBag!
  totalTaxSet: MoneyBag
  currentTotalPriceSet: MoneyBag!
  currentSubtotalPriceSet: MoneyBag!
  currentTotalDiscountsSet: MoneyBag!
  currentShippingPriceSet: MoneyBag!
  currentTotalTaxSet: MoneyBag!
  currentSubtotalLineItemsQuantity: Int!
  subtotalLineItemsQuantity: Int!
  discountCode: String
  discountCodes: [String!]!
}

type LineItem implements Node {
  id: ID!
  name: String!
  title: String!
  sku: String
  variantTitle: String
  vendor: String
  quantity: Int!
  currentQuantity: Int!
  refundableQuantity: Int!
  unfulfilledQuantity: Int!
  nonFulfillableQuantity: Int!
  isGiftCard: Boolean!
  requiresShipping: Boolean!
  taxable: Boolean!
  variant: ProductVariant
  product: Product
  originalUnitPriceSet: MoneyBag!
  originalTotalSet: MoneyBag!
  discountedUnitPriceSet: MoneyBag!
  discountedUnitPriceAfterAllDiscountsSet: MoneyBag!
  discountedTotalSet: MoneyBag!
  discountAllocations: [DiscountAllocation!]!
}

type DiscountAllocation {
  allocatedAmountSet: MoneyBag!
  allocatedAmount: MoneyV2! # deprecated, still served
}

type MoneyBag { shopMoney: MoneyV2! presentmentMoney: MoneyV2! }
type MoneyV2 { amount: Decimal! currencyCode: CurrencyCode! }

type ShippingLine {
  id: ID
  title: String!
  code: String
  source: String
  carrierIdentifier: String
  isRemoved: Boolean!
  originalPriceSet: MoneyBag!
  discountedPriceSet: MoneyBag!
  currentDiscountedPriceSet: MoneyBag!
  discountAllocations: [DiscountAllocation!]!
}

type Customer implements Node {
  id: ID!
  legacyResourceId: UnsignedInt64!
  firstName: String
  lastName: String
  displayName: String!
  note: String
  tags: [String!]!
  defaultEmailAddress: CustomerEmailAddress
  defaultPhoneNumber: CustomerPhoneNumber
  defaultAddress: MailingAddress
  email: String # deprecated, still served
  phone: String # deprecated, still served
}

type CustomerEmailAddress { emailAddress: String! }
type CustomerPhoneNumber { phoneNumber: String! }

type MailingAddress implements Node {
  id: ID!
  firstName: String
  lastName: String
  name: String
  company: String
  address1: String
  address2: String
  city: String
  province: String
  provinceCode: String
  zip: String
  country: String
  countryCodeV2: CountryCode
  phone: String
}

type Product implements Node {
  id: ID!
  legacyResourceId: UnsignedInt64!
  title: String!
  handle: String!
  description: String!
  descriptionHtml: HTML!
  vendor: String!
  productType: String!
  hasOnlyDefaultVariant: Boolean!
  tags: [String!]!
  category: TaxonomyCategory
}

type TaxonomyCategory implements Node { id: ID! name: String! fullName: String! }

type ProductVariant implements Node {
  id: ID!
  legacyResourceId: UnsignedInt64!
  title: String!
  displayName: String!
  sku: String
}

type BulkOperation implements Node {
  id: ID!
  type: BulkOperationType!
  status: BulkOperationStatus!
  errorCode: BulkOperationErrorCode
  query: String!
  createdAt: DateTime!
  completedAt: DateTime
  objectCount: UnsignedInt64!
  rootObjectCount: UnsignedInt64!
  fileSize: UnsignedInt64
  url: URL
  partialDataUrl: URL
}

type BulkOperationRunQueryPayload { bulkOperation: BulkOperation userErrors: [BulkOperationUserError!]! }
type BulkOperationUserError { field: [String!] message: String! code: BulkOperationUserErrorCode }

enum CountPrecision { AT_LEAST EXACT }
enum OrderSortKeys { CREATED_AT CUSTOMER_NAME FINANCIAL_STATUS FULFILLMENT_STATUS ID ORDER_NUMBER PO_NUMBER PROCESSED_AT RELEVANCE TOTAL_ITEMS_QUANTITY TOTAL_PRICE UPDATED_AT }
enum BulkOperationType { MUTATION QUERY }
enum BulkOperationStatus { CANCELED CANCELING COMPLETED CREATED EXPIRED FAILED RUNNING }
enum BulkOperationErrorCode { ACCESS_DENIED INTERNAL_SERVER_ERROR TIMEOUT }
enum BulkOperationUserErrorCode { INVALID OPERATION_IN_PROGRESS LIMIT_REACHED }
enum OrderCancelReason { CUSTOMER DECLINED FRAUD INVENTORY OTHER STAFF }
enum OrderDisplayFinancialStatus { AUTHORIZED EXPIRED PAID PARTIALLY_PAID PARTIALLY_REFUNDED PENDING REFUNDED VOIDED }
enum OrderDisplayFulfillmentStatus { FULFILLED IN_PROGRESS ON_HOLD OPEN PARTIALLY_FULFILLED PENDING_FULFILLMENT REQUEST_DECLINED RESTOCKED SCHEDULED UNFULFILLED }

scalar ID
scalar String
scalar Int
scalar Boolean
scalar Decimal
scalar DateTime
scalar UnsignedInt64
scalar URL
scalar HTML
scalar CurrencyCode
scalar CountryCode
`

// schema is the parsed schemaSDL.
type schema struct {
	types map[string]*schemaType
}

type schemaType struct {
	name   string
	kind   string // "type", "interface", "enum", "scalar"
	fields map[string]*schemaField
	values map[string]bool // enum values
	impl   []string        // interfaces an object type implements
}

type schemaField struct {
	name string
	args map[string]string // argument name to its type ("ID!", "Int")
	typ  string            // the named type, without list or non-null marks
}

// adminSchema is the schema every query is checked against.
var adminSchema = mustParseSchema(schemaSDL)

// mustParseSchema reads the SDL subset: type, interface, enum and scalar
// definitions, one field per "name(args): Type" (commas optional), #
// comments to the end of the line.
func mustParseSchema(sdl string) *schema {
	var b strings.Builder
	for _, line := range strings.Split(sdl, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		b.WriteString(line + "\n")
	}
	toks := sdlTokens(b.String())
	s := &schema{types: map[string]*schemaType{}}
	for i := 0; i < len(toks); {
		kind, name := toks[i], toks[i+1]
		i += 2
		t := &schemaType{name: name, kind: kind, fields: map[string]*schemaField{}, values: map[string]bool{}}
		s.types[name] = t
		if kind == "scalar" {
			continue
		}
		if toks[i] == "implements" {
			t.impl = append(t.impl, toks[i+1])
			i += 2
		}
		if toks[i] != "{" {
			panic("shopifytest: schema: want { after " + name)
		}
		i++
		for toks[i] != "}" {
			if kind == "enum" {
				t.values[toks[i]] = true
				i++
				continue
			}
			f := &schemaField{name: toks[i], args: map[string]string{}}
			i++
			if toks[i] == "(" {
				i++
				for toks[i] != ")" {
					f.args[toks[i]] = toks[i+2]
					i += 3
				}
				i++
			}
			if toks[i] != ":" {
				panic("shopifytest: schema: want : after " + name + "." + f.name)
			}
			f.typ = strings.Trim(toks[i+1], "[]!")
			i += 2
			t.fields[f.name] = f
		}
		i++
	}
	return s
}

func sdlTokens(src string) []string {
	var out []string
	cur := strings.Builder{}
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for _, r := range src {
		switch {
		case r == ' ' || r == '\n' || r == '\t' || r == ',':
			flush()
		case strings.ContainsRune("{}():", r):
			flush()
			out = append(out, string(r))
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return out
}

// fieldType is the named type of field name on type typ ("" when none).
func (s *schema) fieldType(typ, name string) string {
	t := s.types[typ]
	if t == nil {
		return ""
	}
	if f := t.fields[name]; f != nil {
		return f.typ
	}
	return ""
}

// isConnection reports whether a named type is a connection.
func isConnection(typ string) bool { return strings.HasSuffix(typ, "Connection") }

// nodeType is the node type of a connection type (OrderConnection: Order).
func (s *schema) nodeType(conn string) string { return s.fieldType(conn, "nodes") }

// gqlValidationError is a query that does not fit the schema, answered as
// Shopify answers it: message, locations, path and extensions.
type gqlValidationError struct {
	Message    string
	Line, Col  int
	Path       []string
	Extensions map[string]any
}

func (e *gqlValidationError) Error() string { return e.Message }

func (e *gqlValidationError) object() map[string]any {
	path := make([]any, len(e.Path))
	for i, p := range e.Path {
		path[i] = p
	}
	return map[string]any{
		"message":    e.Message,
		"locations":  []any{map[string]any{"line": e.Line, "column": e.Col}},
		"path":       path,
		"extensions": e.Extensions,
	}
}

// validate checks a selection on type typ against the schema. src is the
// query text (for locations) and path the response path so far.
func (s *schema) validate(sel []*field, typ, src string, path []string) []*gqlValidationError {
	var errs []*gqlValidationError
	for _, f := range sel {
		here := append(append([]string(nil), path...), f.key())
		line, col := lineCol(src, f.pos)
		fail := func(msg string, ext map[string]any) {
			errs = append(errs, &gqlValidationError{Message: msg, Line: line, Col: col, Path: here, Extensions: ext})
		}
		on := typ
		if f.on != "" {
			ft := s.types[f.on]
			if ft == nil {
				fail(fmt.Sprintf("No such type %s, so it can't be a fragment condition", f.on),
					map[string]any{"code": "undefinedType", "typeName": f.on})
				continue
			}
			on = f.on
		}
		if f.name == "__typename" {
			continue
		}
		t := s.types[on]
		sf := t.fields[f.name]
		if sf == nil {
			fail(fmt.Sprintf("Field '%s' doesn't exist on type '%s'", f.name, on),
				map[string]any{"code": "undefinedField", "typeName": on, "fieldName": f.name})
			continue
		}
		for name := range f.args {
			if _, ok := sf.args[name]; !ok {
				fail(fmt.Sprintf("Field '%s' doesn't accept argument '%s'", f.name, name),
					map[string]any{"code": "argumentNotAccepted", "name": f.name, "typeName": "Field", "argumentName": name})
			}
		}
		var missing []string
		for name, at := range sf.args {
			if _, given := f.args[name]; strings.HasSuffix(at, "!") && (!given || f.args[name] == nil) {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			fail(fmt.Sprintf("Field '%s' is missing required arguments: %s", f.name, strings.Join(missing, ", ")),
				map[string]any{"code": "missingRequiredArguments", "className": "Field", "name": f.name, "arguments": strings.Join(missing, ", ")})
		}
		rt := s.types[sf.typ]
		leaf := rt == nil || rt.kind == "scalar" || rt.kind == "enum"
		switch {
		case leaf && f.sel != nil:
			fail(fmt.Sprintf("Selections can't be made on scalars (field '%s' returns %s but has selections [%s])", f.name, sf.typ, selNames(f.sel)),
				map[string]any{"code": "selectionMismatch", "nodeName": "field '" + f.name + "'", "typeName": sf.typ})
		case !leaf && f.sel == nil:
			fail(fmt.Sprintf("Field must have selections (field '%s' returns %s but has no selections. Did you mean '%s { ... }'?)", f.name, sf.typ, f.name),
				map[string]any{"code": "selectionMismatch", "nodeName": "field '" + f.name + "'", "typeName": sf.typ})
		case !leaf:
			errs = append(errs, s.validate(f.sel, sf.typ, src, here)...)
		}
	}
	return errs
}

func selNames(sel []*field) string {
	names := make([]string, len(sel))
	for i, f := range sel {
		names[i] = f.name
	}
	return strings.Join(names, ", ")
}

// lineCol is the 1-based line and column of a byte offset.
func lineCol(src string, pos int) (int, int) {
	pos = min(max(pos, 0), len(src))
	line := 1 + strings.Count(src[:pos], "\n")
	col := pos - strings.LastIndexByte(src[:pos], '\n')
	return line, col
}
