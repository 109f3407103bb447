package sqlite

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rosync/rosync"
)

func TestMigrateIdempotent(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "rosync.db")
	s, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	migs, err := embeddedMigrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(migs) == 0 || migs[0].Version != 1 {
		t.Fatalf("embedded migrations = %+v, want 001 first", migs)
	}
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

	// Open applied them all: running them again, twice, applies nothing.
	for range 2 {
		n, err := migrate(ctx, s.db, migs, now)
		if err != nil {
			t.Fatalf("migrate again: %v", err)
		}
		if n != 0 {
			t.Errorf("migrate again applied %d migrations, want 0", n)
		}
	}
	requireVersions(t, s, len(migs))

	// Reopening the file applies nothing either, and keeps the data.
	if err := s.PutIdentity(ctx, "k", rosync.Identity{ID: 7}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("second Open of the same file: %v", err)
	}
	defer s.Close()
	if id, err := s.Identity(ctx, "k"); err != nil || id.ID != 7 {
		t.Errorf("Identity through the second Store = %+v, %v", id, err)
	}
	requireVersions(t, s, len(migs))

	// A later migration is applied once, on top of the others.
	next := migration{Version: migs[len(migs)-1].Version + 1, Name: "999_test", SQL: "CREATE TABLE test_extra (x INTEGER) STRICT;"}
	more := append(migs[:len(migs):len(migs)], next)
	if n, err := migrate(ctx, s.db, more, now); err != nil || n != 1 {
		t.Fatalf("migrate with one new migration = %d, %v; want 1, nil", n, err)
	}
	if n, err := migrate(ctx, s.db, more, now); err != nil || n != 0 {
		t.Fatalf("migrate again = %d, %v; want 0, nil", n, err)
	}
	requireVersions(t, s, len(more))

	// Code that does not know the newest migration refuses the database.
	if _, err := migrate(ctx, s.db, migs, now); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("migrate with an older set: error = %v, want a schema-too-new error", err)
	}
}

func TestMigrateAtomic(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "rosync.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	migs, err := embeddedMigrations()
	if err != nil {
		t.Fatal(err)
	}
	last := migs[len(migs)-1].Version
	bad := append(migs[:len(migs):len(migs)],
		migration{Version: last + 1, Name: "good", SQL: "CREATE TABLE test_good (x INTEGER);"},
		migration{Version: last + 2, Name: "bad", SQL: "CREATE TABLE test_bad (x INTEGER); SELECT * FROM no_such_table;"},
	)
	if _, err := migrate(ctx, s.db, bad, time.Now()); err == nil {
		t.Fatal("migrate with a failing migration succeeded")
	}
	requireVersions(t, s, len(migs))
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE name IN ('test_good', 'test_bad')").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d tables of a failed migration run remain, want none", n)
	}
}

func requireVersions(t *testing.T, s *Store, want int) {
	t.Helper()
	var n, distinct int
	if err := s.db.QueryRowContext(t.Context(), "SELECT count(*), count(DISTINCT version) FROM schema_migrations").Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	if n != want || distinct != want {
		t.Errorf("schema_migrations has %d rows (%d versions), want %d", n, distinct, want)
	}
}
