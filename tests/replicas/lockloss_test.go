package replicas_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/woocommerce/woocommercetest"
	"github.com/rosync/rosync/storage/postgres"
	"github.com/rosync/rosync/storage/postgres/postgrestest"
)

// TestReplicasLockLoss: the lock connection of a replica is terminated
// while its create of an order is in flight (RO App executed it, the answer
// has not come back), and the other replicas poll.
// ENG-1 must hold: one RO App order per platform order, its lines once, and
// the stale replica overwrites nothing.
//
//   - Detected: the replica learns of the loss (Options.LockCheck pings
//     its lock connection) and abandons the order before its answer comes:
//     its record shows a transient failure, which the next replica clears.
//   - Unnoticed: no pings; the replica learns only when its answer comes
//     and it writes the record, whose version another replica moved on:
//     the write conflicts and it stops (PutRecord's compare-and-swap).
func TestReplicasLockLoss(t *testing.T) {
	for _, tc := range []struct {
		name      string
		lockCheck time.Duration
	}{
		{"Detected", 20 * time.Millisecond},
		{"Unnoticed", -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			testLockLoss(t, strings.ToLower(tc.name), tc.lockCheck)
		})
	}
}

func testLockLoss(t *testing.T, name string, lockCheck time.Duration) {
	dsn := postgrestest.DSN(t)
	schema := postgrestest.NewSchema(t, dsn)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	// Each replica's connections carry its name, so that the test finds
	// replica 0's lock connection among the server's sessions.
	appName := func(i int) string { return schema + "-r" + strconv.Itoa(i) }
	w := newWorld(t, dsn, schema, func(i int, dsn string, o *postgres.Options) string {
		if i == 0 {
			o.LockCheck = lockCheck
		}
		return withAppName(t, dsn, appName(i))
	})
	w.parallel(t, func(r *replica) error { return r.syncer.Connect(ctx) })

	// A new order, for a customer and products that RO App has: its only
	// create is the order's. RO App executes it and then holds the answer.
	w.clk.Add(time.Minute)
	id := 1001 + initialOrders
	w.putOrder(t, w.order(id, w.clk.Now()))
	inFlight, release := make(chan int64, 1), make(chan struct{})
	var releaseOnce sync.Once
	free := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(free) // before the emulator's server closes: it waits for the held handler
	var armed atomic.Bool
	armed.Store(true)
	hook := func(endpoint string, roID int64) {
		if endpoint == "POST /orders" && armed.CompareAndSwap(true, false) {
			inFlight <- roID
			<-release
		}
	}
	w.afterCreate.Store(&hook)

	// Replica 0 alone receives the webhook and creates the order.
	stale := make(chan error, 1)
	go func() { stale <- w.deliverTo(ctx, 0, id, "order.created") }()
	var roID int64
	select {
	case roID = <-inFlight:
	case err := <-stale:
		t.Fatalf("replica 0's webhook returned (%v) before its create", err)
	case <-ctx.Done():
		t.Fatal("replica 0 never created the order")
	}

	// Its lock connection dies: the server releases the order's lock.
	terminate(t, ctx, dsn, lockSessionPID(t, ctx, dsn, appName(0)))
	if name == "detected" {
		// The lock's context ends: replica 0 stops the order while its
		// create is still held, and records a transient failure.
		select {
		case err := <-stale:
			if err != nil {
				t.Errorf("replica 0's webhook after its lock was lost: %v", err)
			}
		case <-ctx.Done():
			t.Fatal("replica 0 did not stop the order whose lock it lost")
		}
		rec := w.record(t, ctx, id)
		if rec.Permanent || rec.ROOrderID != 0 {
			t.Errorf("replica 0's record after the loss: %+v; want no RO App order and a transient failure, if any", rec)
		}
	}

	// The other replicas poll at once (a redelivered webhook would be a
	// redelivery of one event, dropped as seen); the one that holds the
	// poll lease finds the executed order by its reference and completes
	// it.
	w.clk.Add(time.Minute)
	var wg sync.WaitGroup
	for i := 1; i < replicas; i++ {
		wg.Go(func() {
			if err := w.reps[i].syncer.Poll(ctx); err != nil {
				t.Errorf("replica %d: Poll: %v", i, err)
			}
		})
	}
	wg.Wait()
	taken := w.record(t, ctx, id)

	// The answer of the held create reaches replica 0 (or no one).
	free()
	if name == "unnoticed" {
		select {
		case err := <-stale:
			if err != nil {
				t.Errorf("replica 0's webhook after its answer came: %v", err)
			}
		case <-ctx.Done():
			t.Fatal("replica 0's webhook never returned")
		}
	}
	final := w.record(t, ctx, id)
	overwritten := 0
	if final.Version != taken.Version || final.ROOrderID != roID || final.State != rosync.StateImported {
		overwritten = 1
		t.Errorf("the record the taking replica wrote (version %d, RO order %d) was overwritten: version %d, RO order %d, state %s",
			taken.Version, taken.ROOrderID, final.Version, final.ROOrderID, final.State)
	}
	orphans := 0
	for _, o := range w.emu.Snapshot().Orders {
		if _, err := w.reps[0].store.RecordByRO(ctx, o.ID); err != nil {
			orphans++
			t.Errorf("RO App order %d (platform order %s) is linked to no record: an orphan", o.ID, o.PlatformOrderID)
		}
	}
	w.label = fmt.Sprintf(" lock_loss=%s orphans=%d overwritten=%d", name, orphans, overwritten)
	w.check(t, ctx, nil)
}

// deliverTo sends order id's webhook to replica i and waits for its answer,
// which must be 200.
func (w *world) deliverTo(ctx context.Context, i, id int, topic string) error {
	body, ok := w.woo.Order(int64(id))
	if !ok {
		return fmt.Errorf("order %d is not in the shop", id)
	}
	req, err := woocommercetest.SignedWebhook(w.reps[i].hook, webhookSecret, topic, body)
	if err != nil {
		return err
	}
	resp, err := w.client.Do(req.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("webhook %s of order %d: %w", topic, id, err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("webhook %s of order %d: HTTP %d %s", topic, id, resp.StatusCode, msg)
	}
	return nil
}

// record returns the Store's record of platform order id.
func (w *world) record(t *testing.T, ctx context.Context, id int) rosync.Record {
	t.Helper()
	r, err := w.reps[0].store.Record(ctx, shop, strconv.Itoa(id))
	if err != nil {
		t.Fatalf("record of order %d: %v", id, err)
	}
	return r
}

// withAppName returns dsn with its application_name set to name.
func withAppName(t *testing.T, dsn, name string) string {
	t.Helper()
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return dsn + " application_name=" + name // key=value form
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("the test DSN does not parse: %v", err)
	}
	q := u.Query()
	q.Set("application_name", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// lockSessionPID returns the server pid of the session named app that holds
// advisory locks: a replica's lock connection.
func lockSessionPID(t *testing.T, ctx context.Context, dsn, app string) uint32 {
	t.Helper()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.WithoutCancel(ctx))
	rows, err := c.Query(ctx, `SELECT a.pid FROM pg_stat_activity a
WHERE a.application_name = $1 AND a.datname = current_database()
  AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'advisory' AND l.granted)`, app)
	if err != nil {
		t.Fatal(err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[uint32])
	if err != nil {
		t.Fatal(err)
	}
	if len(pids) != 1 {
		t.Fatalf("sessions of %s holding advisory locks: %v, want exactly the lock connection", app, pids)
	}
	return pids[0]
}

// terminate ends the server session pid, as a failover or a network blip
// ends a connection.
func terminate(t *testing.T, ctx context.Context, dsn string, pid uint32) {
	t.Helper()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.WithoutCancel(ctx))
	var killed bool
	if err := c.QueryRow(ctx, "SELECT pg_terminate_backend($1)", int32(pid)).Scan(&killed); err != nil || !killed {
		t.Fatalf("pg_terminate_backend(%d) = %v, %v", pid, killed, err)
	}
}
