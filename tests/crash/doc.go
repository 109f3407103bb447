// Package crash holds the crash test of rosync's idempotency (DESIGN.md,
// "Idempotency: creates are the dangerous calls"; ENG-1, ENG-2). It has no
// code of its own, only tests.
//
// TestCrash imports a generated WooCommerce shop of 200 orders into the RO
// App emulator with the SQLite store, in a child process (the test binary
// re-executed as TestCrashChild) that it kills with SIGKILL again and again:
// at random times (a seeded random delay of a few milliseconds after a
// randomly chosen create, so that kills spread over the whole import and
// land anywhere: in a Store write, between requests, in a request), right
// before the emulator executes chosen creates, and right after it executed
// chosen creates but before it answers (roapptest.Options.AfterCreate), so
// that the child never learns the new id and its Store never records it.
// Both the child and the fault-free run apply one order at a time, so RO
// App ids must match exactly. The parent hosts the emulator and the fake
// shop, so their state outlives every child; it restarts the child until
// one finishes, then compares the emulator's state with a fault-free run of
// the same shop: same orders, items, contacts, products and categories, with
// the same ids, nothing duplicated and nothing lost. It prints one line:
//
//	crash: orders=200 kills=K restarts=R duplicates=0 lost=0 result=equal
//
// go test shows that line for a passing package only with -v or when run
// in the package directory (local directory mode).
//
// ROSYNC_CRASH_SEED=<n> changes the kill plan's seed (default 1).
package crash
