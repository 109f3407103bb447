// Package fakekit is the plumbing that the fake servers of rosync's tests
// and replays share: the fake platforms (cartumtest, shopifytest,
// woocommercetest, and prestashoptest in examples/externaladapter, a
// module of its own) and the RO App emulator (roapptest). A fake written
// for a new platform, inside this module or outside it, builds on it so
// that it models its platform and nothing else.
//
//   - Faults: the faults a test queues for the next requests of an
//     endpoint (Queue, Next), in front of a seeded faultplan.Plan that
//     fails a share of the requests (Serve: a status, an answer held past
//     the client's timeout, a dropped connection, a request executed and
//     its answer lost). What a queued fault answers is the fake's own
//     business (its platform's error shape); fakekit only keeps the count.
//   - Recorder: the requests a fake received, counted per endpoint (Calls)
//     and kept in order (Requests), for tests to assert on; Log, a list
//     the fake appends to as it serves (the status updates it was sent).
//   - Paging: Window and Slice cut a page out of a sorted list by offset
//     and limit (Cartum's orders/get, PrestaShop's limit=offset,count);
//     PageQuery reads page-number paging (WordPress's page/per_page, RO
//     App's page) and sets the totals headers a platform sends
//     (X-WP-Total, X-WP-TotalPages); EncodeCursor and DecodeCursor make
//     the opaque cursors of cursor paging (Shopify's after:).
//   - Query checks: List reads a list parameter sent as name[] or name;
//     Expect refuses a parameter whose value the fake does not serve, so
//     that an adapter relying on a default the real platform does not
//     have fails in the tests. A *ParamError names the parameter and the
//     rule; the fake answers it in its platform's error shape.
//   - LogBuffer: an io.Writer safe for concurrent writes, to give an
//     adapter under test a logger whose output the test reads.
//
// fakekit models no platform: every platform fact (parameter names, limits,
// headers, error bodies) is passed in by the fake, which cites its
// sources. What fakekit decides itself is stated where it is decided:
// a queued fault is used Times times, oldest first; a page past the end is
// empty, never an error; pages are numbered from 1 and a zero total has
// zero pages (RO App's paging object counts at least one: roapptest says
// so itself).
//
// The faults come from package faultplan, whose doc says what each kind
// does on the wire and why (a gateway that answers 504 while its backend
// completes the write).
package fakekit
