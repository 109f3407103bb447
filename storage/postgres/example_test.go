package postgres_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

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

// ExampleOpenPool opens the Store on a pgxpool.Pool the host application
// already has; the Store does not close it.
func ExampleOpenPool() {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, os.Getenv("ROSYNC_POSTGRES_DSN"))
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	s, err := postgres.OpenPool(ctx, pool, &postgres.Options{Schema: "rosync"})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	_, err = s.ShopState(ctx, "main")
	fmt.Println(err)
}
