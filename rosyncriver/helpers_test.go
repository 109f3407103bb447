package rosyncriver_test

// Helpers of this package's tests: a fake platform whose webhooks are
// HMAC-signed {"id":"…"} bodies, the RO App emulator over httptest with
// the real roapp client, an SQLite Store, and River on SQLite (or on
// PostgreSQL when ROSYNC_TEST_POSTGRES_DSN is set).

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp"
	"github.com/rosync/rosync/roapp/roapptest"
	"github.com/rosync/rosync/rosyncriver"
	"github.com/rosync/rosync/storage/postgres/postgrestest"
	"github.com/rosync/rosync/storage/sqlite"
)

const (
	shopName = "fake"
	secret   = "fake-secret"
	roKey    = "ro-test-key"
)

// fakePlatform holds orders in memory. gate, when set, is called at the
// start of every Order fetch (to hold a job while it runs).
type fakePlatform struct {
	mu      sync.Mutex
	orders  map[string]rosync.Order
	fetches map[string]int
	gate    func(ctx context.Context, id string) error
	// anyID makes Order return newOrder(id, t0) for an id it does not
	// hold (the soak's child processes, which share no memory).
	anyID bool
}

func newFakePlatform() *fakePlatform {
	return &fakePlatform{orders: map[string]rosync.Order{}, fetches: map[string]int{}}
}

func (f *fakePlatform) Name() string { return "fake" }
func (f *fakePlatform) Policy() rosync.Policy {
	return rosync.Policy{
		WindowRule: "WOO-1", ImportMonths: 2,
		IdentifyBy: []rosync.IdentifyBy{rosync.IdentifyBySKU, rosync.IdentifyByName, rosync.IdentifyByID},
		Delivery:   rosync.DeliveryOnCreate,
	}
}
func (f *fakePlatform) Shop(context.Context) (rosync.ShopInfo, error) {
	return rosync.ShopInfo{Currency: "UAH"}, nil
}

func (f *fakePlatform) put(o rosync.Order) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o.Platform = "fake"
	o.Total = o.LinesTotal()
	f.orders[o.ID] = o
}

func (f *fakePlatform) Orders(_ context.Context, q rosync.Query) iter.Seq2[rosync.Order, error] {
	f.mu.Lock()
	var out []rosync.Order
	for _, o := range f.orders {
		if (q.CreatedSince.IsZero() || !o.CreatedAt.Before(q.CreatedSince)) &&
			(q.UpdatedSince.IsZero() || !o.UpdatedAt.Before(q.UpdatedSince)) {
			out = append(out, o)
		}
	}
	f.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return func(yield func(rosync.Order, error) bool) {
		for _, o := range out {
			if !yield(o, nil) {
				return
			}
		}
	}
}

func (f *fakePlatform) Order(ctx context.Context, id string) (rosync.Order, error) {
	f.mu.Lock()
	gate := f.gate
	f.mu.Unlock()
	if gate != nil {
		if err := gate(ctx, id); err != nil {
			return rosync.Order{}, err
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fetches[id]++
	o, ok := f.orders[id]
	if !ok && f.anyID {
		o, ok = newOrder(id, t0), true
		o.Platform, o.Total = "fake", o.LinesTotal()
	}
	if !ok {
		return rosync.Order{}, fmt.Errorf("fake order %s: %w", id, rosync.ErrNotFound)
	}
	return o, nil
}

func (f *fakePlatform) fetched(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fetches[id]
}

func sign(body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func (f *fakePlatform) VerifyWebhook(r *http.Request) (rosync.Hint, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return rosync.Hint{}, err
	}
	got, _ := hex.DecodeString(r.Header.Get("X-Test-Signature"))
	want, _ := hex.DecodeString(sign(body))
	if !hmac.Equal(got, want) {
		return rosync.Hint{}, rosync.ErrSignature
	}
	var v struct{ ID string }
	if err := json.Unmarshal(body, &v); err != nil {
		return rosync.Hint{}, err
	}
	return rosync.Hint{OrderID: v.ID, EventID: r.Header.Get("X-Test-Event"), Topic: "order.updated"}, nil
}

func (f *fakePlatform) SetStatus(context.Context, string, string) error { return rosync.ErrUnsupported }

// newOrder is a valid order of one line, created at at.
func newOrder(id string, at time.Time) rosync.Order {
	return rosync.Order{
		ID: id, Number: "N-" + id, Status: "processing", Currency: "UAH", CreatedAt: at, UpdatedAt: at,
		Customer: &rosync.Customer{FirstName: "Olena", LastName: "Kovalenko", Phone: "050 111 22 33", Email: "olena@example.com"},
		Lines: []rosync.LineItem{{ID: id + "-1", Quantity: 1, Price: decimal.RequireFromString("10.00"),
			Product: rosync.Product{ID: "501", SKU: "PH-1", Name: "Phone X"}}},
	}
}

// env is a Syncer wired to the fake platform, the RO App emulator and an
// SQLite Store in dir.
type env struct {
	plat   *fakePlatform
	emu    *roapptest.Emulator
	syncer *rosync.Syncer
	store  *sqlite.Store
	dir    string
	// intercept, when set, sees every RO App request first (return true
	// when it answered).
	mu        sync.Mutex
	intercept func(endpoint string, w http.ResponseWriter, r *http.Request) bool
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{plat: newFakePlatform(), dir: t.TempDir()}
	e.emu = roapptest.New(roapptest.Seed{
		Currency:   "UAH",
		Rights:     []string{roapptest.RightAddWithoutDeduction},
		Statuses:   []roapptest.Status{{ID: 1, Name: "New"}, {ID: 2, Name: "In progress"}},
		OrderTypes: []roapptest.OrderType{{ID: 1, Name: "Online store", InitialStatusID: 1}},
	}, &roapptest.Options{APIKey: roKey, Intercept: func(endpoint string, w http.ResponseWriter, r *http.Request) bool {
		e.mu.Lock()
		f := e.intercept
		e.mu.Unlock()
		return f != nil && f(endpoint, w, r)
	}})
	srv := httptest.NewServer(e.emu)
	t.Cleanup(srv.Close)
	client := roapp.New(roKey, &roapp.Options{BaseURL: srv.URL, RequestsPerSecond: 1000,
		RetryMax: 1, RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond})
	store, err := sqlite.Open(context.Background(), filepath.Join(e.dir, "rosync.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { store.Close() })
	e.store = store
	s, err := rosync.New(e.plat, client, store, &rosync.Options{
		Shop: shopName, InlineRetries: -1, Quarantine: -1, SettleWait: -1,
		Settings: rosync.Settings{IdentifyProductsBy: rosync.IdentifyBySKU, DefaultRegion: "UA",
			BranchID: 1, OrderTypeID: 1, AssigneeID: roapptest.DefaultEmployee.ID},
	})
	require.NoError(t, err)
	require.NoError(t, s.Connect(context.Background()))
	e.syncer = s
	return e
}

func (e *env) setIntercept(f func(endpoint string, w http.ResponseWriter, r *http.Request) bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.intercept = f
}

func (e *env) registry() rosyncriver.Syncers { return rosyncriver.Syncers{shopName: e.syncer} }

// roOrders counts the RO App orders by platform order id.
func (e *env) roOrders() map[string]int {
	n := map[string]int{}
	for _, o := range e.emu.Snapshot().Orders {
		n[o.PlatformOrderID]++
	}
	return n
}

// post sends a signed webhook for order id with event eventID to h.
func post(t *testing.T, h http.Handler, id, eventID string) int {
	t.Helper()
	body := []byte(`{"id":"` + id + `"}`)
	req := httptest.NewRequest(http.MethodPost, "/webhooks/"+shopName, bytes.NewReader(body))
	req.Header.Set("X-Test-Signature", sign(body))
	if eventID != "" {
		req.Header.Set("X-Test-Event", eventID)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

// backend is River on one database: SQLite in the env's directory, or a
// schema of its own on the test PostgreSQL server.
type backend struct {
	name string
	open func(t *testing.T, reg rosyncriver.Registry, opts *rosyncriver.Options) queue
}

// queue is a rosyncriver.Queue of either driver.
type queue interface {
	rosyncriver.Inserter
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	Close() error
	jobs(t *testing.T, kind string) []*rivertype.JobRow
	hardStop(t *testing.T)
}

type queueOf[TTx any] struct{ *rosyncriver.Queue[TTx] }

func (q queueOf[TTx]) jobs(t *testing.T, kind string) []*rivertype.JobRow {
	t.Helper()
	res, err := q.Client.JobList(context.Background(), river.NewJobListParams().Kinds(kind).First(10000))
	require.NoError(t, err)
	return res.Jobs
}

// hardStop stops the client without letting running jobs finish: their
// contexts are cancelled at once.
func (q queueOf[TTx]) hardStop(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = q.Client.StopAndCancel(ctx)
	<-q.Client.Stopped()
	require.NoError(t, q.Close())
}

func sqliteBackend(dir string) backend {
	return backend{name: "sqlite", open: func(t *testing.T, reg rosyncriver.Registry, opts *rosyncriver.Options) queue {
		t.Helper()
		q, err := rosyncriver.NewSQLite(context.Background(), rosyncriver.SQLitePath(filepath.Join(dir, "rosync.db")), reg, opts)
		require.NoError(t, err)
		return queueOf[sqlTx]{q}
	}}
}

// postgresBackend opens River in a fresh schema of the test server; every
// queue it opens for one test shares that schema.
func postgresBackend(t *testing.T) backend {
	dsn := postgrestest.DSN(t)
	schema := postgrestest.NewSchema(t, dsn)
	require.NoError(t, postgrestest.Exec(context.Background(), dsn, "CREATE SCHEMA "+schema))
	return backend{name: "postgres", open: func(t *testing.T, reg rosyncriver.Registry, opts *rosyncriver.Options) queue {
		t.Helper()
		cfg, err := pgxpool.ParseConfig(dsn)
		require.NoError(t, err)
		cfg.ConnConfig.RuntimeParams["search_path"] = schema
		pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
		require.NoError(t, err)
		t.Cleanup(pool.Close)
		o := rosyncriver.Options{}
		if opts != nil {
			o = *opts
		}
		o.Schema = schema
		q, err := rosyncriver.NewPostgres(context.Background(), pool, reg, &o)
		require.NoError(t, err)
		return queueOf[pgxTx]{q}
	}}
}

// onBackends runs f on River on SQLite (in the env's directory) and on
// PostgreSQL (a schema of its own; skipped without
// ROSYNC_TEST_POSTGRES_DSN, except in CI), each with a new env.
func onBackends(t *testing.T, f func(t *testing.T, e *env, b backend)) {
	t.Run("sqlite", func(t *testing.T) {
		e := newEnv(t)
		f(t, e, sqliteBackend(e.dir))
	})
	t.Run("postgres", func(t *testing.T) {
		b := postgresBackend(t)
		f(t, newEnv(t), b)
	})
}

// waitJobs waits until every job of kind in q is finalized (completed,
// cancelled or discarded) and there are want of them, or fails after a
// generous bound (a guard against a hang, not a timing assertion).
func waitJobs(t *testing.T, q queue, kind string, want int) []*rivertype.JobRow {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		jobs := q.jobs(t, kind)
		done := 0
		for _, j := range jobs {
			if j.FinalizedAt != nil {
				done++
			}
		}
		if len(jobs) == want && done == want {
			return jobs
		}
		if time.Now().After(deadline) {
			for _, j := range jobs {
				if j.FinalizedAt == nil {
					t.Logf("job %d: %s attempt %d scheduled %s errors %v", j.ID, j.State, j.Attempt, j.ScheduledAt.Format(time.RFC3339Nano), j.Errors)
				}
			}
			t.Fatalf("%s: %d jobs, %d finalized, want %d finalized", kind, len(jobs), done, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
