// Package roapp is the rosync.ROClient over the RO App (formerly RemOnline)
// public API v2, https://api.roapp.io/v2, plus the verification of RO App
// webhooks.
//
//	c := roapp.New(apiKey, &roapp.Options{Limiter: accountLimiter})
//	var _ rosync.ROClient = c
//
// # Authentication and secrets
//
// Every request carries "Authorization: Bearer <key>". The key never
// appears in an error, a log line or the client's String form; error
// messages name the path template ("/orders/{id}/items"), never a URL.
//
// # Rate limit
//
// RO App allows 3 requests per second per account and answers 429 beyond.
// Every attempt, retries included, first waits on a Limiter: the client's
// own (Options.RequestsPerSecond, default 3, burst 1) or Options.Limiter,
// which clients of one account should share. The wait does not count
// against Options.Timeout, which bounds each attempt.
//
// The client's limiter is a PriorityLimiter: when a slot comes due it goes
// to the oldest waiting live request (rosync.PriorityOf the request's
// context: webhooks, RO App events, Sync), else to the oldest back-fill one
// (Connect's initial import, Poll), so that a new order does not queue
// behind an import of thousands. Its slots come from a SlotSource:
// RateSlots over golang.org/x/time/rate reservations in one process, or
// storage/postgres's Store.AccountSlots, which shares one account's rate
// among replicas through their database (slots claimed in batches, one
// round trip per batch).
//
// # Retries and the idempotency rule for creates
//
// Reads and writes of known ids (GET, PATCH, PUT, DELETE, and POST
// /orders/{id}/status) go through hashicorp/go-retryablehttp: network
// errors, 429 and 5xx are retried up to Options.RetryMax times, waiting as
// Retry-After says (delay seconds or HTTP date, up to MaxRetryAfter) or else
// an exponential back-off with jitter between RetryWaitMin and RetryWaitMax.
//
// Create calls (POST contacts/people, catalog/products,
// catalog/products/categories, orders, orders/{id}/items,
// orders/{id}/comments) are never retried blindly, since a retried create
// that the server already executed duplicates the object. Only a 429 — the
// server did not execute the request — is waited out and retried. Any other
// doubt — a timeout or connection error after the request was written, a 5xx,
// a 2xx whose id cannot be read — returns an *rosync.AmbiguousError: the
// caller looks the object up (FindOrder, FindContacts, FindProduct,
// Order's items, Comments) before creating it again. An error before the
// request was written (dial error, limiter wait cancelled) is not ambiguous.
//
// # Error mapping
//
//	401                 *rosync.APIError (permanent: fix the key)
//	403 on AddItem      *rosync.PermissionError{Right: rosync.RightAddWithoutDeduction} (ORD-2)
//	403 elsewhere       *rosync.PermissionError{Right: the quoted right of the message, the
//	                    message, or "unknown right"}
//	404                 *rosync.APIError wrapping rosync.ErrNotFound
//	404, 405 on an      *EndpointError{Endpoint, Status, Override} wrapping the *rosync.APIError:
//	UNVERIFIED endpoint the path may not exist; Override names the Options.Paths key
//	409                 *rosync.APIError wrapping rosync.ErrConflict
//	422 on UpdateItem,  *rosync.APIError wrapping rosync.ErrItemLocked: the item is written
//	DeleteItem          off (ORD-5), a deduction signal
//	400, 422            *rosync.APIError (validation, permanent)
//	429 after retries   *rosync.RateLimitError (RetryAfter from the last answer)
//	5xx after retries   *rosync.APIError (rosync.Retryable reports true)
//	5xx on a create     *rosync.AmbiguousError wrapping the *rosync.APIError
//	transport errors    the underlying error (net.Error, context errors), wrapped
//
// Find* methods report no match as an error wrapping rosync.ErrNotFound
// (FindContacts: an empty slice). Error bodies are read loosely — message
// (string or object), error, detail, errors, validation — and kept to 300
// characters. Response bodies are read up to MaxResponseBytes.
//
// # Wire format
//
// Lists are {"data":[...],"paging":{"page","total_pages","count","limit"}}
// fetched with page=1, 2, … until page == total_pages; a bare JSON array is
// accepted as one page. Creates answer {"id":N}, {"data":{"id":N}} or a bare
// N. Prices are sent as exact JSON numbers rendered from decimal.Decimal and
// read from numbers or strings without float64. Date filters are RFC 3339
// UTC without fractions.
//
// Order items are added with every field RO App's create-order-item
// reference marks required: entity_id, assignee_id (rosync.Settings
// AssigneeID, checked against Employees at Connect, as BranchID against
// Branches and OrderTypeID against OrderTypes, whose answers' shapes are
// UNVERIFIED: see the wire table), quantity, price (the unit
// price), cost (0 unless the catalogue has one), discount {type "value",
// percentage 0, amount: the platform's discount for the whole line,
// sponsor "company"} so that the item amounts to the platform's exact line
// total (ORD-3), and warranty {"0", "days"}. Products are created with a
// unit of measure id (Options.UOMID or GET catalogs/uoms), never a title.
//
// # Searches
//
// Searches use the documented filters of GET /contacts/people (phones[],
// names[]) and confirm every match on the client side (phones after
// rosync.NormalizePhone, names and emails case-insensitively). A phone is
// searched in every form RO App may have stored it (as given, E.164, the
// national form in digits) in one call. emails[] is not documented: it is
// sent, but a first page holding a contact whose email does not hold the
// searched one shows the server ignored it, and the search stops there —
// one call, never the whole contact list — with a warning logged once per
// client; the same guard applies to phones[] and names[]. Email matching
// beyond that page belongs to the Syncer's mirror of the account.
// FindProduct's filters (titles[], skus[], codes[]) are not documented
// either; there a wrong "not found" would create a duplicate product, so
// the pages are read on (cost, not correctness).
//
// # Deduction (ORD-5)
//
// No public source shows how RO App tells that an order's products were
// written off. The client reports three signals, the engine combines them:
//
//   - an item field: Options.DeductionFields names fields (default none,
//     since none is documented) whose true value sets ROItem.Deducted;
//   - the order's status group: Statuses fills ROStatus.Group and Closed
//     (groups 6 and 7, closed successfully or not: UNVERIFIED numbering
//     from a public RemOnline integration's enum); closing an order writes
//     its products off in RO App;
//   - a refused item write: a 422 to UpdateItem or DeleteItem wraps
//     rosync.ErrItemLocked (a 403 stays the ORD-2 *rosync.PermissionError).
//
// For WOO-3, a status held until deduction is pushed only on one of these
// signals; when in doubt the order is frozen, never overwritten.
//
// # Endpoints: verified and UNVERIFIED
//
// Every call is a row of one table (Endpoints; paths in DefaultPaths;
// overrides in Options.Paths, keyed by the Endpoint name, with the syntax
// of Endpoint: relative to BaseURL, or "/…" from the host root for calls
// RO App serves outside /v2, such as /warehouse/goods/{id}). Sources: the
// roapp.readme.io reference and its 40-operation summary
// (mindcloud-inc/universal-api-reference apis/r/rOApp/native-api/actions/),
// public clients (GregoryBiter/roapp-sdk-php). The emulator of package
// roapptest serves the same table with its own choices (roapptest.Routes);
// a test fails when the two drift apart.
//
//	Endpoint         Method Path                          Status      What rosync does if the guess is wrong
//	company          GET    company                       UNVERIFIED  the currency field: no currency is a decode error (ORD-4 never passes silently)
//	employees        GET    company/employees             verified    ({"data":[...]}; list-employees)
//	statuses         GET    orders/statuses               verified    group numbering UNVERIFIED: a wrong one only hides the status-group signal
//	find_contacts    GET    contacts/people               verified    phones[], names[] documented; emails[] UNVERIFIED: one page at most
//	create_contact   POST   contacts/people               verified    (create-person: first_name required, phones as objects)
//	update_contact   PATCH  contacts/people/{id}          verified
//	find_products    GET    catalog/products              UNVERIFIED  filters titles[], skus[], codes[]: pages read on, matches confirmed
//	create_product   POST   catalog/products              UNVERIFIED  no source creates products: *EndpointError, the order fails and is kept
//	uoms             GET    catalogs/uoms                 UNVERIFIED  *EndpointError; set Options.UOMID
//	categories       GET    catalog/products/categories   verified    (public clients; paged or bare)
//	create_category  POST   catalog/products/categories   UNVERIFIED  *EndpointError, the order fails and is kept
//	create_order     POST   orders                        verified    (create-order)
//	orders           GET    orders                        verified    (list-orders)
//	order            GET    orders/{id}                   verified    (get-order)
//	items            GET    orders/{id}/items             verified    no deduction field is documented: Options.DeductionFields
//	add_item         POST   orders/{id}/items             verified    (create-order-item: every required field sent)
//	update_item      PATCH  orders/{id}/items/{item_id}   verified    (update-order-item); 422 read as ErrItemLocked
//	delete_item      DELETE orders/{id}/items/{item_id}   UNVERIFIED  *EndpointError wrapping the 404: never taken as done
//	add_comment      POST   orders/{id}/comments          UNVERIFIED  used by two public clients; *EndpointError
//	comments         GET    orders/{id}/comments          UNVERIFIED  *EndpointError: a doubtful comment cannot be checked
//	set_status       POST   orders/{id}/status            verified    (update-order-status)
//
// Not in the table, also UNVERIFIED: Retry-After on 429 (honoured when
// sent, else exponential back-off).
//
// # Duplicates and RO App's clock
//
// FindOrders (rosync.ROOrderFinder) lists every order that carries a
// reference with the documented GET /orders filters clients_ids[] and
// created_at[] (list-orders; a date filter takes one or two values, from
// and to: reference/roapp-and-cartum-api.md), read to the last page; the
// engine's duplicate check (rosync.Duplicate) uses it. Now
// (rosync.ROClock) is RO App's time from the Date header of its latest
// answer (RFC 9110 §6.6.1 requires an origin server with a clock to send
// one): no RO App source shows the header, so a missing or unreadable one
// is an error and the engine falls back on its own connection time.
//
// # Webhooks
//
// VerifyWebhook and WebhookHandler authenticate RO App webhooks (ENG-4) and
// decode them into rosync.ROEvent. RO App's Webhooks Guide says the
// X-Signature header is a SHA-256 hash of the delivery's id and the secret;
// two public integrators read it as hex HMAC-SHA256(key secret, message id)
// (White-Gloss/glanz-buchung-meister src/lib/roapp-callback.ts, Sign) and
// as hex sha256(id + secret) (AndyHike/v0-ufinish111
// lib/api/remonline-webhook-security.js, SignConcat). VerifyWebhook accepts
// either, in constant time; a signature over the body is refused. The body
// itself is not signed: the event is a hint, deduplicated on its id
// (ROEvent.ID), and the order is read back from the API before acting.
package roapp
