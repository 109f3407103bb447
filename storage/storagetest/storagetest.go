// Package storagetest is the conformance suite every rosync.Store runs.
//
// A Store implementation calls Run from one of its tests:
//
//	func TestConformance(t *testing.T) {
//		storagetest.Run(t, func(t *testing.T) rosync.Store {
//			s := mystore.New(...)
//			t.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
//
// Run calls newStore once per subtest, so every subtest starts from an empty
// Store; newStore registers whatever cleanup the Store needs with t.Cleanup.
// A Store that passes the suite needs no further unit tests for the
// semantics of the rosync.Store contract; its own tests cover what is
// specific to it (durability, migrations, pruning).
//
// The suite runs under -race in CI, so its concurrency subtests also check
// that a Store is safe for concurrent use. It never asserts on wall-clock
// durations: where it must show that a call blocks, it gives the call a
// context that ends and checks that the call returned the context's error.
package storagetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/shopspring/decimal"

	"github.com/rosync/rosync"
)

// Run runs the conformance suite against the Stores that newStore returns.
// Each subtest calls newStore with its own *testing.T and gets a fresh,
// empty Store; newStore must register its cleanup (Close, removing files)
// with t.Cleanup.
func Run(t *testing.T, newStore func(t *testing.T) rosync.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(*testing.T, rosync.Store)
	}{
		{"Record/RoundTrip", testRecordRoundTrip},
		{"Record/Replace", testRecordReplace},
		{"Record/UpdatedAtSetWhenZero", testRecordUpdatedAt},
		{"Record/NotFound", testRecordNotFound},
		{"Record/ByRO", testRecordByRO},
		{"Record/Lines", testRecordLines},
		{"Record/Isolation", testRecordIsolation},
		{"Record/VersionIncrements", testVersionIncrements},
		{"Record/VersionConflict", testVersionConflict},
		{"Record/InsertRace", testVersionInsertRace},
		{"Records/Filters", testRecordsFilters},
		{"Records/ShopsKeptApart", testRecordsShopsApart},
		{"Identity/PutReplaceGet", testIdentity},
		{"Identity/PutIdentities", testPutIdentities},
		{"ShopState/RoundTrip", testShopState},
		{"SeenEvent", testSeenEvent},
		{"SeenEvent/Concurrent", testSeenEventConcurrent},
		{"Lock/Exclusive", testLockExclusive},
		{"Lock/CanceledWhileWaiting", testLockCanceled},
		{"Lock/KeysIndependent", testLockKeysIndependent},
		{"Lock/UnlockThenRelock", testLockRelock},
		{"Lock/Counter", testLockCounter},
		{"Lock/Fenced", testLockFenced},
		{"Concurrent/CompareAndSwap", testConcurrentRecords},
		{"Mirror/Contacts", testMirrorContacts},
		{"Mirror/Products", testMirrorProducts},
		{"Mirror/UpTo", testMirroredUpTo},
		{"Mirror/Concurrent", testMirrorConcurrent},
		{"Duplicates/Watches", testDuplicateWatches},
		{"Duplicates/Found", testDuplicates},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fn(t, newStore(t))
		})
	}
}

// CmpOptions are the go-cmp options under which a record, identity or shop
// state read from a Store must equal the one written: decimals compare with
// decimal.Equal ("10.50" equals "10.5"), times compare to the microsecond
// whatever their zone (the suite checks separately that they come back in
// UTC), and a nil map or slice equals an empty one.
func CmpOptions() cmp.Options {
	return cmp.Options{
		cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) }),
		cmp.Comparer(func(a, b time.Time) bool {
			d := a.Sub(b)
			return d < time.Microsecond && d > -time.Microsecond
		}),
		cmpopts.EquateEmpty(),
	}
}

// SampleRecord returns a record for (shop, orderID) with every field set
// but Version (0: not stored yet, so that PutRecord inserts it), for round
// trips and benchmarks. Its times carry nanoseconds and a zone other than
// UTC, so that a Store has to keep full precision and normalise the zone;
// its prices have trailing zeros ("10.50").
func SampleRecord(shop, orderID string) rosync.Record {
	kyiv := time.FixedZone("UTC+2", 2*60*60)
	base := time.Date(2026, 11, 20, 9, 30, 15, 123456789, kyiv)
	return rosync.Record{
		Shop:              shop,
		OrderID:           orderID,
		Number:            "#" + orderID,
		State:             rosync.StatePending,
		PlatformCreatedAt: base,
		ROOrderID:         7001,
		ClientID:          8001,
		IntentAt:          base.Add(time.Minute + 1),
		DoubtAt:           base.Add(2*time.Minute + 3),
		Lines: map[string]rosync.LineLink{
			"line-1": {ROItemID: 9001, ProductID: 501, Quantity: 2, Price: decimal.RequireFromString("10.50"), Discount: decimal.RequireFromString("0.02")},
			"line-2": {ROItemID: 0, ProductID: 502, Quantity: 1, Price: decimal.RequireFromString("1999.99")},
			"line-3": {ROItemID: 9003, ProductID: 503, Quantity: 1000000, Price: decimal.RequireFromString("0.001"), Discount: decimal.RequireFromString("0.5")},
		},
		DeliveryHash:   "d3l1v3ry",
		PendingComment: "p3nd1ng",
		Deducted:       true,
		PlatformStatus: "processing",
		ROStatusID:     3,
		HeldStatus:     "completed",
		StatusPushSent: "on-hold",
		CustomerHash:   "cu5t0m3r",
		CustomerPhone:  "+380501112233",
		Rule:           "WOO-2",
		Reason:         "no products",
		LastError:      "roapp: POST /orders: HTTP 503: unavailable",
		Permanent:      true,
		Attempts:       4,
		NextRetry:      base.Add(2*time.Hour + 7),
		UpdatedAt:      base.Add(3*time.Hour + 11),
	}
}
