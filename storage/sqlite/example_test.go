package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/shopspring/decimal"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/storage/sqlite"
)

func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "rosync-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	s, err := sqlite.Open(ctx, filepath.Join(dir, "rosync.db"), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()

	err = s.PutRecord(ctx, &rosync.Record{
		Shop:      "shop.example.com",
		OrderID:   "1001",
		Number:    "1001",
		State:     rosync.StateImported,
		ROOrderID: 42,
		Lines: map[string]rosync.LineLink{
			"7": {ROItemID: 501, ProductID: 9, Quantity: 2, Price: decimal.RequireFromString("10.50")},
		},
	})
	if err != nil {
		log.Fatal(err)
	}

	r, err := s.Record(ctx, "shop.example.com", "1001")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Number, r.State, r.ROOrderID, r.Lines["7"].Quantity, r.Lines["7"].Price.StringFixed(2))
	// Output: 1001 imported 42 2 10.50
}
