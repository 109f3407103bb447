package memory_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/storage/memory"
)

// ExampleNew makes a Store that lives as long as the process: for tests
// and trials, never for a real shop (a restart forgets which orders were
// imported).
func ExampleNew() {
	ctx := context.Background()
	s := memory.New()

	_, err := s.Record(ctx, "main", "1001")
	fmt.Println("unknown order:", errors.Is(err, rosync.ErrNotFound))

	unlock, err := s.Lock(ctx, "order/main/1001")
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = s.PutRecord(ctx, &rosync.Record{Shop: "main", OrderID: "1001", Number: "1001",
		State: rosync.StateRejected, Rule: "WOO-2", Reason: "no products"})
	unlock()

	rejected, _ := s.Records(ctx, "main", rosync.RecordFilter{State: rosync.StateRejected})
	for _, r := range rejected {
		fmt.Println(r.OrderID, r.State, r.Rule, r.Reason)
	}
	// Output:
	// unknown order: true
	// 1001 rejected WOO-2 no products
}
