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
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp"
	"github.com/rosync/rosync/roapp/roapptest"
	"github.com/rosync/rosync/rosyncriver"
	"github.com/rosync/rosync/storage/sqlite"
)

const (
	soakEnv   = "ROSYNCRIVER_SOAK_DIR"
	soakROEnv = "ROSYNCRIVER_SOAK_ROAPP"
)

// soakSyncer opens the soak's Store in dir and a connected Syncer on it
// whose platform serves any order id.
func soakSyncer(ctx context.Context, dir, roURL string) (*rosync.Syncer, *sqlite.Store, error) {
	store, err := sqlite.Open(ctx, filepath.Join(dir, "rosync.db"), nil)
	if err != nil {
		return nil, nil, err
	}
	plat := newFakePlatform()
	plat.anyID = true
	client := roapp.New(roKey, &roapp.Options{BaseURL: roURL, RequestsPerSecond: 1000,
		RetryMax: 1, RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond})
	s, err := rosync.New(plat, client, store, &rosync.Options{
		Shop: shopName, InlineRetries: -1, Quarantine: -1, SettleWait: -1,
		Settings: rosync.Settings{IdentifyProductsBy: rosync.IdentifyBySKU, DefaultRegion: "UA",
			BranchID: 1, OrderTypeID: 1, AssigneeID: roapptest.DefaultEmployee.ID},
	})
	if err == nil {
		err = s.Connect(ctx)
	}
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	return s, store, nil
}

// soakChild is one process of TestRiverSQLiteSoak: the Store and River on
// SQLite in dir, the inbox served and the jobs worked, until it is killed.
func soakChild(dir, roURL string) {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "soak child:", err)
		os.Exit(2)
	}
	ctx := context.Background()
	s, _, err := soakSyncer(ctx, dir, roURL)
	if err != nil {
		fail(err)
	}
	q, err := rosyncriver.NewSQLite(ctx, rosyncriver.SQLitePath(filepath.Join(dir, "rosync.db")), rosyncriver.Syncers{shopName: s}, nil)
	if err != nil {
		fail(err)
	}
	if err := q.Start(ctx); err != nil {
		fail(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	fmt.Println("addr=" + ln.Addr().String())
	fail(http.Serve(ln, rosyncriver.Inbox(q, s)))
}

// TestRiverSQLiteSoak measures River on SQLite under crashes: webhooks
// (each order's event delivered one to three times) go to a service
// process that answers from the inbox and works the jobs, and that is
// killed with SIGKILL every quarter of the run, in the middle of its work,
// and started again; a delivery that got no answer is sent again, as a
// platform does. At the end a last client (which rescues the jobs the
// kills left running) works what is left. Every order must reach RO App
// exactly once (ENG-1): the figure line prints the jobs, the kills, the
// duplicates and the lost orders.
func TestRiverSQLiteSoak(t *testing.T) {
	orders := 80
	if testing.Short() {
		orders = 24
	}
	e := newEnv(t) // the emulator; the Store below is the soak's own
	e.store.Close()
	dir := t.TempDir()
	roSrv := httpServer(t, e.emu)

	var child *exec.Cmd
	addr := ""
	start := func() {
		child = exec.Command(os.Args[0], "-test.run=^$")
		child.Env = append(os.Environ(), soakEnv+"="+dir, soakROEnv+"="+roSrv)
		child.Stderr = os.Stderr
		out, err := child.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, child.Start())
		sc := bufio.NewScanner(out)
		addr = ""
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "addr="); ok {
				addr = a
				break
			}
		}
		require.NotEmpty(t, addr, "the child printed no address")
	}
	kill := func() {
		_ = child.Process.Kill()
		_ = child.Wait()
	}
	t.Cleanup(func() {
		if child != nil && child.ProcessState == nil {
			kill()
		}
	})

	send := func(id, event string) error {
		body := `{"id":"` + id + `"}`
		req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/webhooks/fake", strings.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("X-Test-Signature", sign([]byte(body)))
		req.Header.Set("X-Test-Event", event)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		return nil
	}

	start()
	kills, webhooks := 0, 0
	for i := range orders {
		id := strconv.Itoa(3000 + i)
		for range 1 + i%3 {
			for attempt := 0; ; attempt++ {
				require.Less(t, attempt, 50, "order %s: never answered", id)
				if err := send(id, "evt-"+id); err == nil {
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			webhooks++
		}
		if (i+1)%(orders/4) == 0 {
			kill() // SIGKILL, with jobs in flight
			kills++
			if i+1 < orders {
				start()
			}
		}
	}

	// The last client: rescue what the kills left running, work the rest.
	ctx := context.Background()
	s, store, err := soakSyncer(ctx, dir, roSrv)
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	q, err := rosyncriver.NewSQLite(ctx, rosyncriver.SQLitePath(filepath.Join(dir, "rosync.db")),
		rosyncriver.Syncers{shopName: s}, &rosyncriver.Options{JobTimeout: 5 * time.Second, Config: func(c *river.Config) {
			c.RescueStuckJobsAfter = 6 * time.Second // rescue the killed processes' jobs soon
		}})
	require.NoError(t, err)
	require.NoError(t, q.Start(ctx))
	t.Cleanup(func() { _ = q.Stop(ctx) })
	jobs := waitJobs(t, queueOf[sqlTx]{q}, kindHint, orders)

	notCompleted := 0
	for _, j := range jobs {
		if j.State != rivertype.JobStateCompleted {
			notCompleted++
			t.Logf("job %d %s: %v", j.ID, j.State, j.Errors)
		}
	}
	counts := e.roOrders()
	duplicates, lost := 0, 0
	for i := range orders {
		n := counts[strconv.Itoa(3000+i)]
		if n == 0 {
			lost++
		}
		duplicates += max(0, n-1)
	}
	fmt.Printf("river_sqlite: jobs=%d webhooks=%d kills=%d not_completed=%d duplicates=%d lost=%d\n",
		len(jobs), webhooks, kills, notCompleted, duplicates, lost)
	require.Zero(t, duplicates, "ENG-1: duplicated orders")
	require.Zero(t, lost, "orders answered but never applied")
	require.Zero(t, notCompleted)
}
