// Package postgres is a rosync.Store on PostgreSQL (pgx), for a host
// application that runs rosync in several replicas against one database.
// Its Lock holds across processes, its locks can be fenced
// (rosync.FencedLocker: a holder learns when its lock is lost), and it has
// the rosync.Leaser capability, so that one replica at a time polls a shop.
//
//	s, err := postgres.Open(ctx, "postgres://rosync:secret@db:5432/app?sslmode=verify-full", nil)
//	if err != nil { ... }
//	defer s.Close()
//	syncer, err := rosync.New(platform, ro, s, &rosync.Options{Replica: hostname})
//
// # Schema
//
// The tables live in one PostgreSQL schema, Options.Schema ("rosync" by
// default), which Open creates when it does not exist; Stores on different
// schemas of a database are independent, locks included. The schema is
// created and upgraded by migrations embedded in the package
// (migrations/NNN_name.sql), applied in order in one transaction by Open and
// recorded in the schema's schema_migrations table. The transaction first
// takes a transaction-level advisory lock (pg_advisory_xact_lock) proper to
// the schema, so replicas that start together migrate one at a time and the
// later ones find the work done. Open refuses a schema newer than the
// package knows.
//
// Tables: records (one row per platform order: the columns the Store looks
// up, filters and sorts by, the record's version for PutRecord's
// compare-and-swap, and the other fields of rosync.Record as JSONB with
// decimals as strings and times as RFC 3339 UTC with nanoseconds),
// identities, shop_state, seen_events and leases, the same as the SQLite
// store's; and account_slots (below). Time columns are timestamptz, which
// keeps microseconds (a time comes back in UTC, rounded to the
// microsecond); NULL is the zero time.
// Sorted text columns are COLLATE "C", so records come back in byte-wise
// order whatever the database's collation. Ids in seen_events are kept for 7
// days, then pruned as SeenEvent goes (at most once an hour per Store).
//
// # One RO App rate limit for all replicas
//
// RO App's limit (3 requests per second) is per account, so N replicas
// each with its own limiter would send N times too much (ENG-3).
// Store.AccountSlots is the account's limit shared through this database:
// a roapp.SlotSource for roapp.NewPriorityLimiter, which keeps each
// replica's live requests first. The account's request slots, 1/R apart,
// are one timeline in the account_slots table (one row per account: the
// first slot no replica has claimed, in the server's clock); a replica
// claims as many consecutive slots as it has requests waiting, up to
// SlotOptions.Horizon ahead, in one UPDATE, so the database sees one round
// trip per batch rather than per request. On SQLite and in memory the
// in-process limiter is the answer: one process per file.
//
//	slots, err := store.AccountSlots("ro-account-1", 3, nil)
//	lim := roapp.NewPriorityLimiter(slots)
//	ro := roapp.New(apiKey, &roapp.Options{Limiter: lim})
//
// # Locks across processes
//
// Lock(ctx, key) first takes an in-process lock on key (so goroutines of
// one process queue in order, and the race detector sees the hand-over),
// then a PostgreSQL session advisory lock whose 64-bit id is a hash of the
// schema and the key. Every advisory lock of a Store is held on one
// connection of its own, the lock connection, outside the pool: a lock
// held on a pooled connection would pin that connection until unlock, and
// a burst of webhooks (each order holding its order lock while it waits
// for a connection to lock its customer's key) could then take every pooled
// connection and wait forever. The lock is taken with pg_try_advisory_lock,
// which never waits: while another process holds the key, Lock retries
// after 1 ms, then 2 ms… up to Options.LockPoll, and gives up as soon as
// ctx is done. Statements on the lock connection never run under a caller's
// context (interrupting one would close the connection, and so release
// every lock of the process); if one fails, the connection is closed, which
// releases whatever it held, so a failed or cancelled Lock never leaves a
// lock behind.
//
// # Losing the lock connection
//
// A process that dies, or whose connection to the server breaks (a
// failover, a network blip, pg_terminate_backend), loses its locks: the
// server ends the session and releases them, so another replica can go on
// at once. The Store learns of the loss from the next statement on the
// lock connection that fails, logs it (Options.Logger) and opens a new lock
// connection for later locks; the locks held on the lost one are not held
// any more.
//
// Their holders learn it through the rosync.FencedLocker capability, which
// rosync's engine uses for every order lock (LockFenced):
//   - the lock's context ends, with a cause wrapping rosync.ErrLockLost, as
//     soon as the Store learns of the loss. While fenced locks are held the
//     Store pings the lock connection every Options.LockCheck (1 s by
//     default), so the engine's calls in flight for that order are
//     cancelled and it writes nothing more for it;
//   - right before each create in RO App (order, contact, product,
//     category) the engine calls HeldLock.Check, a ping on the lock
//     connection: a replica whose lock is lost creates nothing, and the
//     attempt is recorded as a transient failure, retried later.
//
// A loss that happens while a create is in flight is learned only after
// the request was sent, and another replica may have taken the order over
// by then. Records are therefore written as a compare-and-swap on their
// version (PutRecord): the stale replica's next write of the record fails
// with rosync.ErrConflict, and it stops without writing over the record of
// the replica that took over, nor adding items or comments to its order.
// The other replica looks the order up by its external reference before
// creating it (ENG-1), so an order executed before the lookup is found and
// taken over, not created twice.
//
// Locks taken with plain Lock are lost the same way; their holders find out
// only from the log and from the record's version. To detect a vanished
// client host sooner than the kernel's default, set the server's
// tcp_keepalives_idle; do not set idle_session_timeout for the Store's role,
// since the lock connection idles while it holds locks.
//
// # Connections
//
// Statements run on a pool of at most Options.MaxConns connections (16 by
// default), each held for one statement (migrations: one transaction); the
// lock connection comes on top, so a Store opens at most MaxConns+1
// connections and the database must allow that many per replica. Locks do
// not use the pool, so MaxConns bounds only how many statements of the
// process run at once; callers beyond it wait for a connection, honouring
// their context. Session advisory locks need a real session: connect
// directly or through a pooler in session mode, not in transaction mode
// (PgBouncer's pool_mode=transaction would hand the lock connection's
// locks to other clients).
//
// The pool is a pgxpool.Pool (github.com/jackc/pgx/v5/pgxpool): Open makes
// one whose connections start in the Store's schema; OpenPool takes the
// caller's, sets search_path for each statement and resets it before
// giving the connection back (the caller's prepared-statement cache is
// keyed by SQL text, so its own queries should not reuse the Store's text
// against other tables of the same names). pgxpool checks idle
// connections and drops a broken one, or one given back inside a
// transaction.
package postgres
