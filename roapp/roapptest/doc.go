// Package roapptest is an RO App emulator: an http.Handler with in-memory
// state that serves the RO App API v2 paths package roapp calls, for tests
// and for the fixture replay tool.
//
//	emu := roapptest.New(seed, &roapptest.Options{APIKey: "k"})
//	srv := httptest.NewServer(emu)
//	client := roapp.New("k", &roapp.Options{BaseURL: srv.URL})
//
// Paths are served both without a prefix ("/orders") and under
// Options.Prefix ("/v2/orders"). The emulator is the executable form of
// the public evidence about RO App (see package roapp): it refuses what
// RO App is documented to refuse — a missing Bearer key, an order without
// its required fields, an item without any of entity_id, assignee_id (a
// known employee), quantity, price, cost, discount{type, percentage,
// amount, sponsor} or warranty{period, periodUnits} (422 naming the
// field), a person without first_name or with phones that are not
// objects, an item without the right to add products without deduction
// (403, ORD-2) — and ignores the list filters no document shows (emails[],
// titles[], skus[], codes[]) as a real server ignores an unknown
// parameter, unless Options.HonourUndocumentedFilters makes it a
// permissive account. It sets a new order's status from its order type
// (SHO-3), serves statuses with their group, units of measure as
// entities, and signs its webhooks over the delivery id (roapp.Sign, or
// roapp.SignConcat) with the documented payload.
//
// Where no source says what RO App does, the emulator's choice is a row
// of Routes, marked UNVERIFIED like the client's table (roapp.Endpoints);
// a test fails when they drift apart. Deduction (ORD-5) is modelled three
// ways, each configurable: an item field (Options.DeductionField, none by
// default), a move into a status of a closed group
// (Options.DeductOnClosedStatus), and a 422 to a write on a written-off
// item (always). Test code acts as an RO App user through Deduct, SetStatus,
// Grant and Revoke, and reads the outcome with Snapshot, whose JSON form is
// the replay snapshot of DESIGN.md.
//
// Every request is counted per endpoint template ("POST /orders/{id}/items").
// Options can add a rate limit (429 with Retry-After), a latency, and an
// Intercept hook, the point where fault injection plugs in.
package roapptest
