// Package roapptest is an RO App emulator: an http.Handler with in-memory
// state that serves the RO App API v2 paths package roapp calls, for tests
// and for the fixture replay tool.
//
//	emu := roapptest.New(seed, &roapptest.Options{APIKey: "k"})
//	srv := httptest.NewServer(emu)
//	client := roapp.New("k", &roapp.Options{BaseURL: srv.URL})
//
// Paths are served both without a prefix ("/orders") and under
// Options.Prefix ("/v2/orders"). The emulator answers in the shapes the
// client expects (see package roapp), checks what RO App is documented to
// check (Bearer key, required order fields, the right to add products
// without deduction, ORD-2) and sets a new order's status from its order
// type (SHO-3). Test code acts as an RO App user through Deduct, SetStatus,
// Grant and Revoke, and reads the outcome with Snapshot, whose JSON form is
// the replay snapshot of DESIGN.md.
//
// Every request is counted per endpoint template ("POST /orders/{id}/items").
// Options can add a rate limit (429 with Retry-After), a latency, and an
// Intercept hook, the point where fault injection plugs in.
package roapptest
