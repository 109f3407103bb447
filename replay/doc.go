// Package replay plays recorded shop fixtures through rosync (DESIGN.md,
// "The replay fixture and snapshot", a public contract): a fixture's
// native platform orders go to the platform's fake server, the RO App
// emulator is seeded with its roapp state, and the real adapter, the real
// roapp client and a real Store run the import, the fixture's events and a
// reconciliation poll.
//
//   - [Load] reads and checks a fixture; [Run] replays it and returns the
//     emulator's
//     [github.com/rosync/rosync/roapp/roapptest.Snapshot] and a [Summary] (what
//     examples/replay prints).
//   - [NewSandbox] starts a fixture's emulator and fake shop on loopback and
//     hands out their URLs and credentials, for a real service to connect
//     to (examples/server -sandbox); its methods act as the platform
//     (PutOrder: a changed order and its signed webhook) and as an RO App
//     user (Deduct, SetStatus).
//   - [Register] makes a platform playable: the built-in woocommerce,
//     shopify and cartum register their [Harness] in init functions, and a
//     module outside rosync registers its own the same way
//     (examples/externaladapter/replayps). A fixture carries a platform's
//     other native resources under shop.extra ([Shop].Extra).
package replay
