package sqlite_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/storage/storagetest"
)

func BenchmarkPutRecord(b *testing.B) {
	ctx := b.Context()
	s, _ := open(b, nil)
	r := storagetest.SampleRecord("shop-a", "")
	var versions [1000]int64 // each order's version, for the compare-and-swap
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r.OrderID, r.Version = fmt.Sprint(i%1000), versions[i%1000]
		if err := s.PutRecord(ctx, &r); err != nil {
			b.Fatal(err)
		}
		versions[i%1000] = r.Version
	}
}

func BenchmarkRecord(b *testing.B) {
	ctx := b.Context()
	s, _ := open(b, nil)
	const n = 1000
	for i := range n {
		r := storagetest.SampleRecord("shop-a", fmt.Sprint(i))
		if err := s.PutRecord(ctx, &r); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := s.Record(ctx, "shop-a", fmt.Sprint(i%n)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIdentity(b *testing.B) {
	ctx := b.Context()
	s, _ := open(b, nil)
	const n = 1000
	for i := range n {
		if err := s.PutIdentity(ctx, fmt.Sprintf("product/sku/SKU-%05d", i), rosync.Identity{ID: int64(i), Hash: "h"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := s.Identity(ctx, fmt.Sprintf("product/sku/SKU-%05d", i%n)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecordsFailed lists the failed records of a shop of 10,000
// orders, one in ten of them failed (and half of those due), as the retry
// loop does.
func BenchmarkRecordsFailed(b *testing.B) {
	ctx := b.Context()
	s, _ := open(b, nil)
	due := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	const n = 10000
	for i := range n {
		r := storagetest.SampleRecord("shop-a", fmt.Sprintf("%06d", i))
		r.LastError, r.Permanent, r.NextRetry = "", false, time.Time{}
		if i%10 == 0 {
			r.LastError = "HTTP 503"
			r.NextRetry = due.Add(10 * time.Minute) // not yet due
			if i%20 == 0 {
				r.NextRetry = due.Add(-10 * time.Minute)
			}
		}
		if err := s.PutRecord(ctx, &r); err != nil {
			b.Fatal(err)
		}
	}
	for _, bm := range []struct {
		name string
		f    rosync.RecordFilter
		want int
	}{
		{"Failed", rosync.RecordFilter{Failed: true}, n / 10},
		{"FailedDue", rosync.RecordFilter{Failed: true, DueBefore: due}, n / 20},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				got, err := s.Records(ctx, "shop-a", bm.f)
				if err != nil {
					b.Fatal(err)
				}
				if len(got) != bm.want {
					b.Fatalf("%d records, want %d", len(got), bm.want)
				}
			}
		})
	}
}
