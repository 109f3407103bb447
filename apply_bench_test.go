package rosync_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp"
	"github.com/rosync/rosync/roapp/roapptest"
	"github.com/rosync/rosync/storage/memory"
)

// BenchmarkApplyOrder measures the engine applying one new order (a new
// customer, three lines over a small catalogue) through the real roapp
// client against the emulator over loopback, with no latency and no rate
// limit: the engine's own cost plus the HTTP round trips.
// benchOrder is the benchmarks' i-th order: a new customer, three lines
// over a catalogue of 15 products.
func benchOrder(i int, now time.Time) rosync.Order {
	id := fmt.Sprint(100000 + i)
	o := newOrder(id, now.Add(time.Minute))
	o.Customer.Phone = fmt.Sprintf("+38050%07d", i)
	o.Customer.Email = fmt.Sprintf("c%d@example.com", i)
	o.Lines = []rosync.LineItem{
		line(id+"-1", fmt.Sprintf("SKU-%d", i%7), 1, "10.00"),
		line(id+"-2", fmt.Sprintf("SKU-%d", 7+i%5), 2, "20.00"),
		line(id+"-3", fmt.Sprintf("SKU-%d", 12+i%3), 3, "30.00"),
	}
	return o
}

func BenchmarkApplyOrder(b *testing.B) {
	ctx := context.Background()
	emu := roapptest.New(defaultSeed(), &roapptest.Options{APIKey: roKey})
	srv := httptest.NewServer(emu)
	b.Cleanup(srv.Close)
	client := roapp.New(roKey, &roapp.Options{BaseURL: srv.URL, RequestsPerSecond: 1e9})
	plat := newFakePlatform(basePolicy())
	plat.currency = "UAH"
	now := time.Now().UTC()
	s, err := rosync.New(plat, client, memory.New(), &rosync.Options{
		Shop: shopName, Now: func() time.Time { return now },
		Settings: rosync.Settings{IdentifyProductsBy: rosync.IdentifyBySKU, DefaultRegion: "UA", BranchID: 1, OrderTypeID: 1},
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Connect(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		o := benchOrder(i, now)
		plat.put(o)
		if err := s.Sync(ctx, o.ID); err != nil {
			b.Fatal(err)
		}
	}
}
