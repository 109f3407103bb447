// Package platformkit is the public toolkit of a rosync platform adapter:
// the pieces every adapter of rosync (the three in this module and any
// written outside it, see examples/externaladapter) needs and that are not
// the business of one platform.
//
//   - HTTP: RetryAfter reads a Retry-After header (seconds, decimal seconds
//     or an HTTP date), Redact removes secrets (keys, tokens) from error
//     texts before they reach a log or a stored failure, and TransportError
//     is the error of a request that failed on the network, already
//     redacted, which callers classify with errors.As.
//   - Strict JSON: JSONKind, Truncate and FieldError turn an encoding/json
//     error into the field at fault and a sentence a shop owner can act
//     on; ScanObject reads the top-level keys of a possibly malformed
//     object (to find an order's id for an error report).
//
// An adapter outside this module imports only public rosync packages: the
// root package (the Platform interface and the order model), platformkit,
// platformkit/fakekit (the plumbing of its fake server), platforms/platformtest
// (the conformance suite) and replay (the deterministic replay of a fixture
// shop). See docs/adapters.md.
package platformkit
