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
// Every attempt, retries included, first waits on a golang.org/x/time/rate
// limiter: the client's own (Options.RequestsPerSecond, default 3, burst 1)
// or Options.Limiter, which clients of one account should share. The wait
// does not count against Options.Timeout, which bounds each attempt.
//
// # Retries and the idempotency rule for creates
//
// Reads and writes of known ids (GET, PATCH, PUT, DELETE, and POST
// /orders/{id}/status) go through hashicorp/go-retryablehttp: network
// errors, 429 and 5xx are retried up to Options.RetryMax times, waiting as
// Retry-After says (delay seconds or HTTP date, up to MaxRetryAfter) or else
// an exponential back-off with jitter between RetryWaitMin and RetryWaitMax.
//
// Create calls (POST /contacts/people, /catalog/products,
// /catalog/products/categories, /orders, /orders/{id}/items,
// /orders/{id}/comments) are never retried blindly, since a retried create
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
//	409                 *rosync.APIError wrapping rosync.ErrConflict
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
// UTC without fractions. Search results are always confirmed on the client
// side (phones after rosync.NormalizePhone, emails after
// rosync.NormalizeEmail, product fields exactly), so a filter the server
// ignores costs pages, not correctness.
//
// # Unverified calls
//
// These calls or shapes are not confirmed by public RO App documentation
// (see reference/roapp-and-cartum-api.md). Their paths live in one table
// (paths.go, DefaultPaths) and Options.Paths overrides them per Endpoint:
//
//	EndpointCompany         GET    /company                        shape {"currency":...}
//	EndpointFindContacts    GET    /contacts/people?emails[]=       the emails[] filter
//	EndpointFindProducts    GET    /catalog/products                titles[], skus[], codes[] filters
//	EndpointCreateProduct   POST   /catalog/products                no public doc creates products
//	EndpointCategories      GET    /catalog/products/categories     paged or bare
//	EndpointCreateCategory  POST   /catalog/products/categories     no public doc creates categories
//	EndpointItems           GET    /orders/{id}/items               the "deducted" field: the
//	                                                                highest-risk unknown (ORD-5)
//	EndpointDeleteItem      DELETE /orders/{id}/items/{item_id}
//	EndpointAddComment      POST   /orders/{id}/comments            {comment, is_private}
//	EndpointComments        GET    /orders/{id}/comments            [{id, comment, created_at}]
//	(webhooks)              X-Signature = hex HMAC-SHA256(secret, body), see Sign
//
// # Webhooks
//
// VerifyWebhook and WebhookHandler authenticate RO App webhooks (ENG-4) and
// decode them into rosync.ROEvent.
package roapp
