package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"time"

	"github.com/rosync/rosync/storage/internal/migrations"
	"github.com/rosync/rosync/storage/internal/recordcodec"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one schema step: migrations/NNN_name.sql.
type migration = migrations.Migration

// embeddedMigrations returns the package's migrations in version order.
func embeddedMigrations() ([]migration, error) {
	return migrations.Load(migrationFiles, "migrations/*.sql")
}

// migrate applies the migrations that the schema_migrations table does not
// list yet, in version order, in one transaction (IMMEDIATE, through the
// DSN, so that a second process opening the file waits its turn). Running
// it again applies nothing. It fails when the database has a version newer
// than the last of migs: this code does not know that schema. It returns
// the number of migrations applied.
func migrate(ctx context.Context, db *sql.DB, migs []migration, now time.Time) (applied int, err error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()

	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER NOT NULL PRIMARY KEY,
	name       TEXT    NOT NULL,
	applied_at TEXT    NOT NULL
) STRICT`); err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}

	done := map[int]bool{}
	latest := 0
	rows, err := tx.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return 0, fmt.Errorf("migrate: %w", err)
		}
		done[v] = true
		latest = max(latest, v)
	}
	if err := rows.Close(); err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	if len(migs) > 0 && latest > migs[len(migs)-1].Version {
		return 0, fmt.Errorf("migrate: the database schema is at version %d, newer than this package's %d: use a newer rosync",
			latest, migs[len(migs)-1].Version)
	}

	for _, m := range migs {
		if done[m.Version] {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return 0, fmt.Errorf("migrate %s: %w", m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
			m.Version, m.Name, recordcodec.FormatTime(now)); err != nil {
			return 0, fmt.Errorf("migrate %s: %w", m.Name, err)
		}
		applied++
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	return applied, nil
}
