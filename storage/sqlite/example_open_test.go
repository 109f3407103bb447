package sqlite_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/storage/sqlite"
)

// ExampleOpen opens the embedded default Store in a file (created and
// migrated on first use); what it keeps outlives the process.
func ExampleOpen() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "rosync-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "rosync.db")

	s, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		log.Fatal(err)
	}
	connected := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	if err := s.PutShopState(ctx, rosync.ShopState{Shop: "main", ConnectedAt: connected}); err != nil {
		log.Fatal(err)
	}
	seen, _ := s.SeenEvent(ctx, "main", "delivery-1")
	fmt.Println("first delivery seen before:", seen)
	s.Close()

	// A restart: the same file, the same state.
	s, err = sqlite.Open(ctx, path, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	st, err := s.ShopState(ctx, "main")
	if err != nil {
		log.Fatal(err)
	}
	seen, _ = s.SeenEvent(ctx, "main", "delivery-1")
	fmt.Println("connected at:", st.ConnectedAt.Format(time.RFC3339))
	fmt.Println("redelivery seen before:", seen)
	// Output:
	// first delivery seen before: false
	// connected at: 2026-11-27T12:00:00Z
	// redelivery seen before: true
}
