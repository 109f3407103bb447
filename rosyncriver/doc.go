// Package rosyncriver runs rosync's work on River
// (github.com/riverqueue/river), the job queue for Go on PostgreSQL and
// SQLite: a durable webhook inbox whose answer promises that the hint is
// not lost, workers that apply hints, RO App events and single orders,
// River's retries with back-off for transient failures, and the periodic
// reconciliation poll of each shop as a River periodic job. The root
// package stays free of any queue: an embedder that already runs River
// adds this package's workers ([AddWorkers], [PeriodicPolls]) to its own
// client and mounts [Inbox] and [ROInbox]; one that does not uses [Queue]
// ([NewSQLite], [NewPostgres]), which builds the client, runs River's
// migrations and starts it.
//
// # The inbox
//
// [Inbox] verifies a platform's delivery through
// [rosync.Syncer.WebhookFunc] (the same checks, status codes and
// EventWebhookRefused events as [rosync.Syncer.Webhook]: 401 on a bad
// signature, 413 over the body limit, 400 for a malformed delivery), then
// inserts a [HintArgs] job and answers 200 only once the insert returned,
// that is once River's insert transaction committed; a failed insert
// answers 500 and the platform delivers again. If the process dies after
// the answer, the job is in the database and the next client works it.
// [ROInbox] does the same for RO App's webhooks with
// [github.com/rosync/rosync/roapp.VerifyWebhook].
//
// # Jobs
//
//   - [HintArgs] (kind rosync_hint, priority 1, live): a platform hint.
//     Unique by shop and event id (UniqueOpts.ByArgs on the fields tagged
//     `river:"unique"`, with River's default states, completed included):
//     the platform's redeliveries of one event insert one job; a hint
//     without an event id gets a random key and is never merged. Two
//     events of one order are two jobs: an event arriving while the
//     order's job runs is inserted and applied after it (the Store's
//     per-order lock orders them, and each fetches the order anew).
//   - [ROEventArgs] (kind rosync_roapp_event, priority 1): an RO App event,
//     unique by its delivery id, handed to every ready shop's
//     [rosync.Syncer.HandleROEvent].
//   - [OrderArgs] (kind rosync_order, priority 2): fetch and apply one
//     order ([rosync.Syncer.Sync]), e.g. a retry asked by an operator.
//     Unique by shop and order among the states before completion
//     (available, pending, scheduled, running, retryable), so that one
//     order has at most one such job waiting; a later one is inserted once
//     it completed.
//   - [PollArgs] (kind rosync_poll, priority 3, below live work): one
//     reconciliation pass of a shop ([rosync.Syncer.Poll], which also
//     retries the failed orders whose back-off is due). [PeriodicPolls]
//     makes one River periodic job per shop. Only the elected leader of the
//     clients that share a database enqueues periodic jobs (River's leader
//     election; periodic_job.go: "started by the elected leader in a River
//     cluster"), and PollArgs is unique by shop among the states before
//     completion, so a leader change or a poll that outlasts its interval
//     never runs two polls of one shop at once: one poller per shop among
//     replicas. A failed poll has one attempt and is discarded with its
//     error: the next interval's poll redoes its work.
//
// Priorities are River's 1 (highest) to 4: workers fetch the highest
// priority first, so live hints go ahead of queued order syncs and polls
// (InsertOpts.Priority in insert_opts.go).
//
// # Failures
//
// A worker's outcome follows rosync's classification ([rosync.Retryable]):
// nil completes the job; a transient failure (network, 5xx, 429, an
// ambiguous create, a Store failure) is returned to River, which retries
// it with its retry policy (attempt^4 seconds, 25 attempts,
// then discarded with its errors); an order whose create is in doubt
// (*rosync.InDoubtError) is snoozed until its quarantine ends, which costs
// no attempt; a permanent failure (a rule's rejection, invalid data, a
// missing right, a currency mismatch, an unknown shop) ends the job at once
// with river.JobCancel, kept as a cancelled job with its error (the
// Store keeps the order's record too, for [rosync.Syncer.Retry] once the
// cause is fixed). A job cut short by shutdown is put back by River
// and worked again by the next client.
//
// A process that dies with jobs running leaves them in the running state;
// River's rescuer (on the elected leader, every 30 seconds) puts such a
// job back once Config.RescueStuckJobsAfter and its worker's timeout have
// passed: [Queue] sets the first to JobTimeout plus a minute (10 + 1
// minutes by default, River's own default is an hour), so a hint cut short
// by a crash is applied again about 11 minutes later, or by the next poll
// if that comes first. Every job kind has a timeout (polls: an hour),
// since the rescuer never moves a job without one
// (internal/maintenance/job_rescuer.go).
//
// A hint job syncs its order ([rosync.Syncer.Sync]) without consulting the
// Store's seen events: River keeps a completed job for
// Config.CompletedJobRetentionPeriod (24 hours by default), which is what
// makes a redelivery within that time insert nothing, and a later
// redelivery only syncs the order once more, which ENG-1 makes harmless.
// (A worker that marked the event seen on its first run would take its
// own rerun, after a shutdown or a crash, for a redelivery and drop it.)
//
// # Drivers
//
// [NewPostgres] uses riverpgxv5 on the caller's *pgxpool.Pool (many
// replicas; River uses LISTEN/NOTIFY to wake its producers). [NewSQLite]
// uses riversqlite on a *sql.DB of modernc.org/sqlite with ONE connection
// (SetMaxOpenConns(1)), as riversqlite's package documentation advises:
// River runs internal operations in parallel and SQLite allows one writer,
// so a larger pool meets SQLITE_BUSY. River's tables live in a sibling
// file of the Store's (rosync.db -> rosync.river.db, [SQLitePath]), not in
// the Store's file: River's producer polls and writes its table every
// second through its own connection, and in the Store's file those writes
// would contend with the Store's for SQLite's one write lock across two
// pools (the Store serialises only its own pool's writes), and River's
// schema would sit among the Store's migrations. The Store's OS lock
// ("<path>.lock", one process per file) is untouched: River's file is
// another file; in the service, the process that holds the Store's lock is
// the only one that opens River's sibling (an embedder keeps to the same). Both files run in WAL mode with
// synchronous=NORMAL: a committed insert survives a process crash (the
// case the inbox answers for), as the Store's writes do.
// River's migrations run at start (rivermigrate, DirectionUp; a no-op
// when current).
//
// Sources (github.com/riverqueue/river v0.51.2, read in the module
// source): its README (docs/README.md: "Jobs are guaranteed to be
// enqueued if their transaction commits"); UniqueOpts in insert_opts.go
// (ByArgs with `river:"unique"` tags; ByState must contain available,
// pending, running and scheduled; the default includes completed);
// InsertOpts.Priority (1 highest, fetched first); periodic_job.go
// (periodic jobs are scheduled by the elected leader; RunOnStart);
// error.go (JobCancel: never run again; JobSnooze: no attempt spent);
// retry_policy.go (DefaultClientRetryPolicy, attempt^4);
// internal/maintenance/job_rescuer.go (rescue after RescueAfter and the
// worker's timeout); and riversqlite's package
// documentation (one connection). UNVERIFIED: River on SQLite is
// documented as "in early testing"; this package's soak and crash tests
// measure it (TestRiverSQLiteSoak prints its figures).
package rosyncriver
