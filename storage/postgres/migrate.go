package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/rosync/rosync/storage/internal/migrations"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one schema step: migrations/NNN_name.sql.
type migration = migrations.Migration

// embeddedMigrations returns the package's migrations in version order.
func embeddedMigrations() ([]migration, error) {
	return migrations.Load(migrationFiles, "migrations/*.sql")
}

// migrate creates schema when it does not exist and applies the migrations
// that its schema_migrations table does not list yet, in version order, in
// one transaction. The transaction first takes a transaction-level advisory
// lock proper to the schema, so that processes opening the Store together
// migrate one after the other: the second finds the work done. Running it
// again applies nothing. It fails when the schema has a version newer than
// the last of migs: this code does not know that schema. It returns the
// number of migrations applied.
func migrate(ctx context.Context, c *pgx.Conn, schema string, migs []migration) (applied int, err error) {
	tx, err := c.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", lockID(schema, "rosync/migrate")); err != nil {
		return 0, fmt.Errorf("migrate: lock: %w", err)
	}
	// CREATE SCHEMA IF NOT EXISTS needs the CREATE right on the database
	// even when the schema exists: look first, so that a role that may
	// only use an existing schema can open the Store.
	var exists bool
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", schema).Scan(&exists); err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	ident := pgx.Identifier{schema}.Sanitize()
	if !exists {
		if _, err := tx.Exec(ctx, "CREATE SCHEMA "+ident); err != nil {
			return 0, fmt.Errorf("migrate: create schema: %w", err)
		}
	}
	if _, err := tx.Exec(ctx, "SET LOCAL search_path TO "+ident); err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    integer     NOT NULL PRIMARY KEY,
	name       text        NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now()
)`); err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}

	rows, err := tx.Query(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	done := map[int]bool{}
	latest := 0
	for _, v := range versions {
		done[int(v)] = true
		latest = max(latest, int(v))
	}
	if len(migs) > 0 && latest > migs[len(migs)-1].Version {
		return 0, fmt.Errorf("migrate: the database schema is at version %d, newer than this package's %d: use a newer rosync",
			latest, migs[len(migs)-1].Version)
	}

	for _, m := range migs {
		if done[m.Version] {
			continue
		}
		// Exec without arguments uses the simple protocol, which runs a
		// file of several statements.
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return 0, fmt.Errorf("migrate %s: %w", m.Name, err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.Version, m.Name); err != nil {
			return 0, fmt.Errorf("migrate %s: %w", m.Name, err)
		}
		applied++
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	return applied, nil
}
