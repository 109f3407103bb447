// Package sqlite is a rosync.Store on an SQLite file, in pure Go
// (modernc.org/sqlite, no cgo): the embedded default for a host application
// that runs rosync in one process.
//
//	s, err := sqlite.Open(ctx, "/var/lib/myapp/rosync.db", nil)
//	if err != nil { ... }
//	defer s.Close()
//
// # One process at a time
//
// SQLite serves one process at a time here: Lock is an in-process lock, so
// two processes that used the same file together could both hold the lock
// of one order, and ENG-1 would no longer hold (a rolling deploy that
// starts the new process before stopping the old one would duplicate
// orders, contacts and products). Open enforces it: it takes an exclusive
// OS lock (flock) on the file "<path>.lock" beside the database, held
// until Close, and writes the holder's process id, host name and start
// time into it. A second Open of the file, by another process or by this
// one, fails at once with a *LockedError that names the holder. The kernel
// releases the lock when its process ends, however it ends, so a process
// may open the file after the first has gone (a restart, a crash): the
// database is consistent after a crash, since every write is a transaction.
// The lock file is left in place. Systems without flock(2) (Windows) do not
// enforce it. flock is advisory and local: a file on a network file
// system shared by several hosts is not protected. For several replicas of
// one host application use storage/postgres, whose lock holds across
// processes.
//
// # Connections and writes
//
// The Store uses one database/sql pool. Every connection is set up through
// the DSN's _pragma parameters: journal_mode=WAL (readers and the writer do
// not block each other), synchronous=NORMAL (durable across a process
// crash; a power loss may lose the last transactions, never corrupt the
// file), foreign_keys=ON and busy_timeout (how long to wait for a lock that
// another process holds). Transactions begin IMMEDIATE.
//
// SQLite has one writer at a time. Rather than let concurrent writers of
// this process meet SQLITE_BUSY (which busy_timeout does not always absorb:
// a deferred transaction that upgrades from read to write fails at once),
// the Store serialises its writes itself: each write is one statement or
// one transaction, taken under a write semaphore that honours the caller's
// context. Reads run concurrently on the other connections of the pool.
//
// # Schema
//
// The schema is created and upgraded by migrations embedded in the package
// (migrations/NNN_name.sql), applied in order in one IMMEDIATE transaction
// by Open and recorded in the schema_migrations table; opening a file again
// applies only what is missing. Open refuses a file whose schema is newer
// than the package knows.
//
// Tables: records (one row per platform order: the columns the Store looks
// up, filters and sorts by, the record's version for PutRecord's
// compare-and-swap, and the other fields of rosync.Record as JSON with
// decimals as strings), identities, shop_state and seen_events. Times
// are stored as UTC text, RFC 3339 with a fixed nine-digit fraction
// ("2026-11-27T12:00:00.000000000Z"), which keeps full precision and sorts
// as text; the zero time is stored as ”. Ids in seen_events are kept for 7
// days, then pruned as SeenEvent goes (at most once an hour).
package sqlite
