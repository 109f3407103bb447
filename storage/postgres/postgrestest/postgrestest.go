// Package postgrestest helps tests run against a real PostgreSQL server:
// DSN finds the server (or skips the test when there is none, except in CI)
// and NewSchema gives each test a schema of its own, so that tests run in
// parallel on one database without seeing each other.
//
//	func TestSomething(t *testing.T) {
//		dsn := postgrestest.DSN(t)
//		s, err := postgres.Open(t.Context(), dsn, &postgres.Options{Schema: postgrestest.NewSchema(t, dsn)})
//		...
//	}
//
// `bash scripts/test.sh` starts a throwaway server and sets EnvDSN for the
// tests it runs.
package postgrestest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvDSN is the environment variable that holds the test server's URL, e.g.
// postgres://postgres@127.0.0.1:5432/rosync?sslmode=disable.
const EnvDSN = "ROSYNC_TEST_POSTGRES_DSN"

// DSN returns the test server's URL from EnvDSN. When it is unset the test
// is skipped, with a message saying how to run it, except in CI (env CI is
// "true"), where it fails: CI must run the PostgreSQL tests.
func DSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvDSN)
	if dsn != "" {
		return dsn
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(EnvDSN + " must be set in CI")
	}
	t.Skip(EnvDSN + " is not set: PostgreSQL tests skipped. Run `bash scripts/test.sh` (it starts a throwaway " +
		"PostgreSQL server), or set " + EnvDSN + "=postgres://user@host:port/db?sslmode=disable")
	return ""
}

// NewSchema returns the name of a schema for the test alone
// ("rosync_test_" and random hex); it does not create it (postgres.Open
// does). The schema and everything in it are dropped when the test and its
// cleanups registered earlier are done, so register it before opening
// Stores on it.
func NewSchema(t testing.TB, dsn string) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "rosync_test_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := Exec(ctx, dsn, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("postgrestest: drop schema %s: %v", schema, err)
		}
	})
	return schema
}

// Exec runs sql (statements without arguments) on a connection of its own
// to dsn.
func Exec(ctx context.Context, dsn, sql string) error {
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer c.Close(context.WithoutCancel(ctx))
	_, err = c.Exec(ctx, sql)
	return err
}
