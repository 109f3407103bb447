package service

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/rosync/rosync/storage/postgres"
	"github.com/rosync/rosync/storage/postgres/postgrestest"
)

// TestAccountLimiterShared checks the service's wiring of ENG-3 on
// PostgreSQL: two replicas of one RO App account take their slots from one
// row, named by a hash of the API key and never by the key itself.
func TestAccountLimiterShared(t *testing.T) {
	ctx := t.Context()
	dsn := postgrestest.DSN(t)
	schema := postgrestest.NewSchema(t, dsn)
	const key = "ro-secret-key-123"
	for range 2 { // two replicas
		st, err := postgres.Open(ctx, dsn, &postgres.Options{Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		lim, err := accountLimiter(st, ROAppConfig{APIKey: key, RequestsPerSecond: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if err := lim.Wait(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT account FROM "+pgx.Identifier{schema, "account_slots"}.Sanitize())
	if err != nil {
		t.Fatal(err)
	}
	accounts, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(accounts) != 1 || accounts[0] != accountName(key) {
		t.Fatalf("ENG-3: account rows = %q, want one, %q, for both replicas", accounts, accountName(key))
	}
	if strings.Contains(accounts[0], key) {
		t.Fatalf("the API key is stored: %q", accounts[0])
	}
}
