package postgres_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/rosync/rosync/storage/postgres"
)

// ExampleOpen opens the Store that many replicas of one host service
// share: order locks and the poll lease hold across processes. It needs a
// PostgreSQL server, so it is compiled but not run; the password is best
// kept out of the DSN (PGPASSWORD, or a .pgpass file).
func ExampleOpen() {
	ctx := context.Background()
	s, err := postgres.Open(ctx, os.Getenv("ROSYNC_POSTGRES_DSN"), &postgres.Options{Schema: "rosync"})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	_, err = s.ShopState(ctx, "main")
	fmt.Println(err)
}
