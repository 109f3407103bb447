package rosyncriver_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp"
	"github.com/rosync/rosync/rosyncriver"
	"github.com/rosync/rosync/storage/memory"
)

var t0 = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

const kindHint = "rosync_hint"

// childEnv names the River database of the inbox child process.
const childEnv = "ROSYNCRIVER_INBOX_CHILD"

func TestMain(m *testing.M) {
	if path := os.Getenv(childEnv); path != "" {
		inboxChild(path)
		os.Exit(2) // inboxChild serves until it is killed
	}
	if dir := os.Getenv(soakEnv); dir != "" {
		soakChild(dir, os.Getenv(soakROEnv))
		os.Exit(2)
	}
	os.Exit(m.Run())
}

// inboxChild is the child process of TestKillAfterAnswer: an inbox on
// River on SQLite whose client is never started, as a process that dies
// right after it answered. It prints its address and serves until it is
// killed.
func inboxChild(path string) {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "inbox child:", err)
		os.Exit(2)
	}
	s, err := rosync.New(newFakePlatform(), roapp.New("unused", &roapp.Options{BaseURL: "http://127.0.0.1:1"}),
		memory.New(), &rosync.Options{Shop: shopName})
	if err != nil {
		fail(err)
	}
	q, err := rosyncriver.NewSQLite(context.Background(), path, rosyncriver.Syncers{}, nil)
	if err != nil {
		fail(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	fmt.Println("addr=" + ln.Addr().String())
	fail(http.Serve(ln, rosyncriver.Inbox(q, s)))
}

// TestKillAfterAnswer: a webhook answered 200 by the inbox is not lost
// when the process is killed (SIGKILL) right after the answer, before any
// worker ran: a new River client on the same SQLite file works the job
// and the order reaches RO App exactly once (issue 13; ENG-1).
func TestKillAfterAnswer(t *testing.T) {
	e := newEnv(t)
	e.plat.put(newOrder("2001", t0))
	path := rosyncriver.SQLitePath(filepath.Join(e.dir, "rosync.db"))

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+path)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := ""
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "addr="); ok {
			addr = a
			break
		}
	}
	require.NotEmpty(t, addr, "the child printed no address")

	body := `{"id":"2001"}`
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/webhooks/fake", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("X-Test-Signature", sign([]byte(body)))
	req.Header.Set("X-Test-Event", "evt-kill")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NoError(t, cmd.Process.Kill()) // SIGKILL right after the answer
	_ = cmd.Wait()
	require.Empty(t, e.roOrders(), "nothing was applied before the kill")

	q := sqliteBackend(e.dir).open(t, e.registry(), nil)
	require.NoError(t, q.Start(context.Background()))
	t.Cleanup(func() { _ = q.Stop(context.Background()) })
	jobs := waitJobs(t, q, kindHint, 1)
	require.Equal(t, rivertype.JobStateCompleted, jobs[0].State)
	require.Equal(t, map[string]int{"2001": 1}, e.roOrders(), "ENG-1: the order reaches RO App exactly once")
}

// TestHardStopWhileRunning: a hint whose job is running when its client
// is stopped hard (the job's context cancelled at once) is worked again by
// a new client on the same database; the order reaches RO App exactly
// once (ENG-1).
func TestHardStopWhileRunning(t *testing.T) {
	onBackends(t, func(t *testing.T, e *env, b backend) {
		e.plat.put(newOrder("2101", t0))
		running := make(chan struct{})
		var once atomic.Bool
		e.plat.gate = func(ctx context.Context, id string) error {
			if once.CompareAndSwap(false, true) {
				close(running)
				<-ctx.Done() // held until the hard stop
				return ctx.Err()
			}
			return nil
		}
		q1 := b.open(t, e.registry(), nil)
		require.NoError(t, q1.Start(context.Background()))
		require.Equal(t, http.StatusOK, post(t, rosyncriver.Inbox(q1, e.syncer), "2101", "evt-hard"))
		<-running
		q1.hardStop(t)
		require.Empty(t, e.roOrders())

		q2 := b.open(t, e.registry(), nil)
		require.NoError(t, q2.Start(context.Background()))
		t.Cleanup(func() { _ = q2.Stop(context.Background()) })
		jobs := waitJobs(t, q2, kindHint, 1)
		require.Equal(t, rivertype.JobStateCompleted, jobs[0].State, "errors: %v", jobs[0].Errors)
		require.Equal(t, map[string]int{"2101": 1}, e.roOrders(), "ENG-1: exactly once")
	})
}

// TestTripleDelivery: the same event delivered three times is answered
// 200 each time and inserts one job: the order is fetched and applied once
// (ENG-1, ENG-4).
func TestTripleDelivery(t *testing.T) {
	onBackends(t, func(t *testing.T, e *env, b backend) {
		e.plat.put(newOrder("2201", t0))
		q := b.open(t, e.registry(), nil)
		inbox := rosyncriver.Inbox(q, e.syncer)
		for range 3 {
			require.Equal(t, http.StatusOK, post(t, inbox, "2201", "evt-3x"))
		}
		hints := q.jobs(t, kindHint)
		require.Len(t, hints, 1, "one job for one event")
		require.Equal(t, rosyncriver.PriorityLive, hints[0].Priority, "live work first")
		require.NoError(t, q.Start(context.Background()))
		t.Cleanup(func() { _ = q.Stop(context.Background()) })
		waitJobs(t, q, kindHint, 1)
		// A redelivery after the job completed inserts nothing either.
		require.Equal(t, http.StatusOK, post(t, inbox, "2201", "evt-3x"))
		require.Len(t, q.jobs(t, kindHint), 1)
		require.Equal(t, 1, e.plat.fetched("2201"), "ENG-1: one apply")
		require.Equal(t, map[string]int{"2201": 1}, e.roOrders())
	})
}

// TestEventWhileRunning: a second event of an order that arrives while the
// first event's job runs (held inside the RO App create) is inserted, not
// dropped as a duplicate, and applied after the first: its job finishes
// after the first's, and RO App has the order once (ENG-1).
func TestEventWhileRunning(t *testing.T) {
	onBackends(t, func(t *testing.T, e *env, b backend) {
		e.plat.put(newOrder("2301", t0))
		creating := make(chan struct{})
		release := make(chan struct{})
		var once atomic.Bool
		e.setIntercept(func(endpoint string, _ http.ResponseWriter, _ *http.Request) bool {
			if endpoint == "POST /orders" && once.CompareAndSwap(false, true) {
				close(creating)
				<-release
			}
			return false
		})
		q := b.open(t, e.registry(), nil)
		require.NoError(t, q.Start(context.Background()))
		t.Cleanup(func() { _ = q.Stop(context.Background()) })
		inbox := rosyncriver.Inbox(q, e.syncer)
		require.Equal(t, http.StatusOK, post(t, inbox, "2301", "evt-a"))
		<-creating // the first job runs, inside the create
		o := newOrder("2301", t0)
		o.Status, o.UpdatedAt = "completed", t0.Add(time.Minute)
		e.plat.put(o)
		require.Equal(t, http.StatusOK, post(t, inbox, "2301", "evt-b"))
		require.Len(t, q.jobs(t, kindHint), 2, "the second event is not dropped")
		close(release)

		jobs := waitJobs(t, q, kindHint, 2)
		byEvent := map[string]*rivertype.JobRow{}
		for _, j := range jobs {
			require.Equal(t, rivertype.JobStateCompleted, j.State, "errors: %v", j.Errors)
			byEvent[eventOf(t, j)] = j
		}
		require.False(t, byEvent["evt-b"].FinalizedAt.Before(*byEvent["evt-a"].FinalizedAt),
			"the second event is applied after the first")
		require.Equal(t, map[string]int{"2301": 1}, e.roOrders(), "ENG-1")
		rec, err := e.store.Record(context.Background(), shopName, "2301")
		require.NoError(t, err)
		require.Equal(t, "completed", rec.PlatformStatus, "the second event's order state was applied")
	})
}

func eventOf(t *testing.T, j *rivertype.JobRow) string {
	t.Helper()
	var a rosyncriver.HintArgs
	require.NoError(t, jsonUnmarshal(j.EncodedArgs, &a))
	return a.EventID
}

// TestFailures: a transient failure (RO App answers 503) leaves the job
// retryable with its error, for River's retry policy, and a retry after
// RO App is back applies it (ENG-2); a permanent failure (a shop the
// registry does not know) cancels the job at once with its error.
func TestFailures(t *testing.T) {
	e := newEnv(t)
	e.plat.put(newOrder("2401", t0))
	var down atomic.Bool
	down.Store(true)
	e.setIntercept(func(_ string, w http.ResponseWriter, _ *http.Request) bool {
		if down.Load() {
			http.Error(w, `{"message":"Service Unavailable"}`, http.StatusServiceUnavailable)
			return true
		}
		return false
	})
	q := sqliteBackend(e.dir).open(t, e.registry(), nil).(queueOf[sqlTx])
	require.NoError(t, q.Start(context.Background()))
	t.Cleanup(func() { _ = q.Stop(context.Background()) })
	require.Equal(t, http.StatusOK, post(t, rosyncriver.Inbox(q, e.syncer), "2401", "evt-down"))
	var job *rivertype.JobRow
	deadline := time.Now().Add(2 * time.Minute)
	for job == nil || job.State != rivertype.JobStateRetryable {
		require.False(t, time.Now().After(deadline), "the job never became retryable")
		time.Sleep(20 * time.Millisecond)
		job = q.jobs(t, kindHint)[0]
	}
	require.NotEmpty(t, job.Errors, "ENG-2: the transient failure is kept with the job")
	require.Contains(t, job.Errors[0].Error, "503")
	require.Less(t, job.Attempt, job.MaxAttempts, "ENG-2: retried by River's policy, not discarded")
	require.Empty(t, e.roOrders())

	down.Store(false)
	_, err := q.Client.JobRetry(context.Background(), job.ID)
	require.NoError(t, err)
	jobs := waitJobs(t, q, kindHint, 1)
	require.Equal(t, rivertype.JobStateCompleted, jobs[0].State)
	require.Equal(t, map[string]int{"2401": 1}, e.roOrders(), "ENG-1, ENG-2")

	// Permanent: no such shop.
	_, err = q.Insert(context.Background(), rosyncriver.HintArgs{Shop: "gone", Key: "k", OrderID: "1"}, nil)
	require.NoError(t, err)
	jobs = waitJobs(t, q, kindHint, 2)
	for _, j := range jobs {
		if eventOf(t, j) == "" {
			require.Equal(t, rivertype.JobStateCancelled, j.State)
			require.Contains(t, j.Errors[len(j.Errors)-1].Error, `no shop "gone"`)
		}
	}
}

// TestROInbox: a signed RO App webhook is written as a job and worked by
// the shop's Syncer; a wrong signature is refused with 401 and inserts
// nothing (ENG-4); a redelivery inserts nothing.
func TestROInbox(t *testing.T) {
	e := newEnv(t)
	q := sqliteBackend(e.dir).open(t, e.registry(), nil)
	var refused atomic.Int32
	h := rosyncriver.ROInbox(q, "ro-secret", func(context.Context, error) { refused.Add(1) })
	send := func(sig string) int {
		body := `{"id":"d-1","event_name":"Order.Status.Changed","created_at":"2026-11-27T12:00:00Z","context":{"object_id":77,"object_type":"order"},"metadata":{"new":{"id":2}}}`
		req, _ := http.NewRequest(http.MethodPost, "/webhooks/roapp", strings.NewReader(body))
		req.Header.Set(roapp.SignatureHeader, sig)
		rec := newRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	require.Equal(t, http.StatusUnauthorized, send("00"), "ENG-4")
	require.Equal(t, int32(1), refused.Load())
	require.Empty(t, q.jobs(t, "rosync_roapp_event"), "ENG-4: nothing inserted")
	good := roapp.Sign([]byte("ro-secret"), "d-1")
	require.Equal(t, http.StatusOK, send(good))
	require.Equal(t, http.StatusOK, send(good))
	require.Len(t, q.jobs(t, "rosync_roapp_event"), 1, "a redelivery inserts nothing")
	require.NoError(t, q.Start(context.Background()))
	t.Cleanup(func() { _ = q.Stop(context.Background()) })
	jobs := waitJobs(t, q, "rosync_roapp_event", 1)
	require.Equal(t, rivertype.JobStateCompleted, jobs[0].State, "errors: %v", jobs[0].Errors)
}

// TestPeriodicPoll: the periodic poll job (inserted when the leader
// starts) imports an order whose webhook never came.
func TestPeriodicPoll(t *testing.T) {
	e := newEnv(t)
	e.plat.put(newOrder("2501", time.Now().UTC()))
	q := sqliteBackend(e.dir).open(t, e.registry(), &rosyncriver.Options{PollInterval: time.Hour})
	require.NoError(t, q.Start(context.Background()))
	t.Cleanup(func() { _ = q.Stop(context.Background()) })
	jobs := waitJobs(t, q, "rosync_poll", 1)
	require.Equal(t, rivertype.JobStateCompleted, jobs[0].State, "errors: %v", jobs[0].Errors)
	require.Equal(t, map[string]int{"2501": 1}, e.roOrders())
}

// TestOrderJobUnique: one order has at most one order-sync job waiting (a
// second insert is skipped as a duplicate), and once that job completed a
// later sync of the order is inserted again (ENG-1: one apply at a time
// per order, none dropped after the first completed).
func TestOrderJobUnique(t *testing.T) {
	e := newEnv(t)
	e.plat.put(newOrder("2601", t0))
	q := sqliteBackend(e.dir).open(t, e.registry(), nil)
	ctx := context.Background()
	args := rosyncriver.OrderArgs{Shop: shopName, OrderID: "2601"}
	res, err := q.Insert(ctx, args, nil)
	require.NoError(t, err)
	require.False(t, res.UniqueSkippedAsDuplicate)
	res, err = q.Insert(ctx, args, nil)
	require.NoError(t, err)
	require.True(t, res.UniqueSkippedAsDuplicate, "a second waiting job of one order")
	require.Equal(t, rosyncriver.PriorityOrder, res.Job.Priority)
	require.NoError(t, q.Start(ctx))
	t.Cleanup(func() { _ = q.Stop(ctx) })
	waitJobs(t, q, "rosync_order", 1)
	res, err = q.Insert(ctx, args, nil)
	require.NoError(t, err)
	require.False(t, res.UniqueSkippedAsDuplicate, "a sync after the completed one is inserted")
	jobs := waitJobs(t, q, "rosync_order", 2)
	for _, j := range jobs {
		require.Equal(t, rivertype.JobStateCompleted, j.State, "errors: %v", j.Errors)
	}
	require.Equal(t, map[string]int{"2601": 1}, e.roOrders(), "ENG-1")
}
