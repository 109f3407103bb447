// Command bench measures the initial import of a generated WooCommerce shop
// into RO App: the real woocommerce adapter and the real roapp client, over
// loopback HTTP, against the fake shop and the RO App emulator with RO
// App's rate limit scaled to -rate requests per second.
//
//	go run ./examples/bench -orders 2000 [-rate 300] [-latency 20ms] [-concurrency 16] [-timescale 100]
//	go run ./examples/bench -orders 2000 -cpu [-cpuprofile cpu.prof] [-memprofile heap.prof]
//
//	go run ./examples/bench -orders 2000 -replicas 4 [-pg postgres://…]
//
// The fake shop and the emulator run in a child process (this program
// started again with -serve), so that the heap measured is the importing
// process's alone: adapter, client, engine and Store (SQLite in a
// temporary directory). The last line of output is
//
//	orders=N calls=C lower_bound=L ratio=C/L utilisation=U 429s=K heap_peak_mib=M wall_s=W
//	  people=P duplicates=D ack_p99_ms=A live_wait_ratio=Q
//
// (one line). -live orders of the shop (the newest, 20 by default) are
// held back from the import: each is added to the shop while the import
// runs, spread over it, and its "order.created" webhook is sent, signed,
// to the replica's webhook handler: rosyncriver's durable inbox (answered
// once the River job is written; River's workers apply it), or with
// -inbox=false Syncer.Webhook (answered once the order is applied).
// River's tables are in the Store's PostgreSQL schema, or in SQLite beside
// the Store's file. ack_p99_ms is the 99th percentile of the webhook
// answer time;
// live_wait_ratio the median over the live orders of (time from the
// webhook to the order applied) / (the order's own RO App calls × the
// shortest time one call can take: max(1/R, -latency)). With RO App's real
// limit one call takes 1/R (its latency is under 1/R = 333 ms), so this is
// the "time / (calls/R)"; the bench compresses RO App's time by
// R/3 but not the emulator's latency, which then exceeds 1/R, and a chain
// of calls cannot go faster than its latencies whatever the limiter does.
// The line before the last gives the live orders' figures in full.
//
// With -replicas N > 1, N Syncers (each with its own woocommerce adapter,
// RO App client and PostgreSQL Store, on one fresh schema of the server
// -pg or $ROSYNC_TEST_POSTGRES_DSN names) connect at once to the one shop
// and RO App account; their clients share the account's limit through
// the database (storage/postgres Store.AccountSlots under a
// roapp.PriorityLimiter each). The figures are the account's aggregate;
// the live webhooks go to the replicas in turn.
//
// The Syncer runs with default options. RO App's time runs -timescale
// times faster than the wall clock (default R/3: RO App's real limit is 3
// requests per second, so R requests per second compress its time by
// R/3), for the emulator and the Syncer alike, so that time-based
// behaviour (the mirror's modified_at[] refreshes and their overlap) sees
// as many calls per RO App second as a real import does.
//
// With -cpu the limits are off and the latency 0, and the line also gives
// the importing process's CPU time per order (cpu_ms_per_order).
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/internal/shopgen"
	"github.com/rosync/rosync/platforms/woocommerce"
	"github.com/rosync/rosync/platforms/woocommerce/woocommercetest"
	"github.com/rosync/rosync/roapp"
	"github.com/rosync/rosync/roapp/roapptest"
	"github.com/rosync/rosync/rosyncriver"
	"github.com/rosync/rosync/storage/postgres"
	"github.com/rosync/rosync/storage/sqlite"
)

const (
	wooKey    = "ck_bench"
	wooSecret = "cs_bench"
	roKey     = "ro-bench-key"
	// envDSN names the PostgreSQL server for -replicas > 1 when -pg is
	// not given (the tests' variable: scripts/test.sh sets it).
	envDSN = "ROSYNC_TEST_POSTGRES_DSN"
	// wooHookSecret signs the live orders' webhooks.
	wooHookSecret = "whsec-bench"
)

type config struct {
	orders   int
	seed     uint64
	rate     float64
	burst    int
	latency  time.Duration
	conc     int
	scale    float64
	headroom float64
	cpu      bool
	cpuProf  string
	memProf  string
	// people is how many contacts a person creates in RO App during the
	// import, each for a customer whose first order is still to come.
	people int
	// live is how many of the shop's newest orders arrive by webhook
	// during the import instead of being in the shop from the start.
	live int
	// replicas is how many Syncers import at once (PostgreSQL when > 1);
	// pg the PostgreSQL URL for them.
	replicas int
	pg       string
	// inbox sends the live webhooks through rosyncriver's durable inbox
	// (answered once the job is written; River's workers apply them)
	// instead of Syncer.Webhook (answered once applied).
	inbox bool
}

// served is what the child tells the parent, on one JSON line.
type served struct {
	WooURL string        `json:"woo_url"`
	ROURL  string        `json:"ro_url"`
	Now    time.Time     `json:"now"`
	Start  time.Time     `json:"start"` // the wall time at which RO App's time was Now
	Stats  shopgen.Stats `json:"stats"`
}

func main() {
	var c config
	serve := flag.Bool("serve", false, "internal: serve the fake shop and the emulator (the child process)")
	flag.IntVar(&c.orders, "orders", 2000, "orders in the generated shop")
	flag.Uint64Var(&c.seed, "seed", 1, "seed of the generated shop")
	flag.Float64Var(&c.rate, "rate", 300, "RO App rate limit R, requests per second (emulator and client)")
	flag.IntVar(&c.burst, "burst", 0, "burst of the emulator's rate limit; 0: enough for 10 ms of loopback jitter")
	flag.DurationVar(&c.latency, "latency", 20*time.Millisecond, "emulator latency per call")
	flag.IntVar(&c.conc, "concurrency", 16, "orders applied at once (rosync.Options.Concurrency)")
	flag.Float64Var(&c.headroom, "headroom", 0.97, "the client's rate as a fraction of R")
	flag.Float64Var(&c.scale, "timescale", 0, "how much faster RO App's time runs than the wall clock; 0: R/3 (at least 1)")
	flag.IntVar(&c.people, "people", 20, "contacts a person creates in RO App during the import, for customers of orders still to come (CUS-3: matched, not duplicated)")
	flag.IntVar(&c.live, "live", 20, "the shop's newest orders that arrive by webhook during the import (live orders)")
	flag.BoolVar(&c.inbox, "inbox", true, "live webhooks through rosyncriver's durable inbox (River); false: Syncer.Webhook, which applies before it answers")
	flag.IntVar(&c.replicas, "replicas", 1, "Syncers importing at once, sharing the RO App limit through PostgreSQL when > 1")
	flag.StringVar(&c.pg, "pg", "", "PostgreSQL URL for -replicas > 1 (default $"+envDSN+")")
	flag.BoolVar(&c.cpu, "cpu", false, "no rate limit, no latency: report engine CPU per order")
	flag.StringVar(&c.cpuProf, "cpuprofile", "", "write the importing process's CPU profile of the import to this file")
	flag.StringVar(&c.memProf, "memprofile", "", "write a heap profile of what the importing process still holds when the import ends (after a GC) to this file")
	flag.Parse()
	if c.cpu {
		c.rate, c.latency, c.live = 0, 0, 0
	}
	c.live = min(max(c.live, 0), c.orders/2)
	if c.pg == "" {
		c.pg = os.Getenv(envDSN)
	}
	if c.replicas > 1 && (c.pg == "" || c.cpu) {
		log.Fatalf("bench: -replicas %d needs a PostgreSQL server (-pg or $%s) and a rate limit (no -cpu)", c.replicas, envDSN)
	}
	if c.scale <= 0 {
		c.scale = max(1, c.rate/3)
	}
	if c.burst <= 0 {
		// A client paced at exactly R whose requests arrive up to J late
		// or early needs a bucket of 2·R·J+1 (J = 10 ms). At RO App's real
		// 3 requests/s that is 1–2; at R = 300 the same jitter is 100
		// times larger in tokens.
		c.burst = 1 + int(math.Ceil(2*c.rate*0.010))
	}
	if c.memProf != "" {
		runtime.MemProfileRate = 1024
	}
	if *serve {
		runServers(c)
		return
	}
	if err := run(c); err != nil {
		log.Fatal(err)
	}
}

// runServers generates the shop, serves it and the emulator on loopback,
// prints their addresses and serves until stdin closes.
func runServers(c config) {
	shop := shopgen.Generate(shopgen.Options{Orders: c.orders, Seed: c.seed})
	start := time.Now()
	now := scaledClock(shop.Now, start, c.scale)
	woo := woocommercetest.New(woocommercetest.Options{Key: wooKey, Secret: wooSecret, Currency: shop.Currency, Now: now})
	for _, raw := range shop.Categories {
		must(woo.AddCategory(raw))
	}
	for _, raw := range shop.Products {
		must(woo.AddProduct(raw))
	}
	held := shop.Orders[len(shop.Orders)-c.live:]
	for _, raw := range shop.Orders[:len(shop.Orders)-c.live] {
		must(woo.AddOrder(raw))
	}
	inRO := map[string]bool{}
	for _, ct := range shop.RO.Contacts {
		for _, ph := range ct.Phones {
			inRO[ph] = true
		}
	}
	people := planPeople(shop.Orders, inRO, c.people)
	shop.Orders = nil
	emu := roapptest.New(shop.RO, &roapptest.Options{APIKey: roKey, RequestsPerSecond: c.rate, Burst: c.burst,
		Latency: c.latency, Now: now})
	mux := http.NewServeMux()
	var added, refused atomic.Int64
	mux.HandleFunc("GET /bench/calls", func(w http.ResponseWriter, r *http.Request) {
		calls := emu.Calls()
		_ = json.NewEncoder(w).Encode(map[string]any{"total": calls.Total, "rate_limited": calls.RateLimited,
			"by_endpoint": calls.ByEndpoint, "people": added.Load(), "people_rate_limited": refused.Load(),
			"duplicates": duplicateContacts(emu.Snapshot())})
	})
	mux.Handle("/", emu)
	// POST /bench/live adds the next held-back order to the shop and
	// answers its JSON: the body of its webhook.
	wooMux := http.NewServeMux()
	var liveMu sync.Mutex
	wooMux.HandleFunc("POST /bench/live", func(w http.ResponseWriter, r *http.Request) {
		liveMu.Lock()
		defer liveMu.Unlock()
		if len(held) == 0 {
			http.Error(w, "no live order left", http.StatusGone)
			return
		}
		raw := held[0]
		held = held[1:]
		if err := woo.AddOrder(raw); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = w.Write(raw)
	})
	wooMux.Handle("/", woo)
	wooSrv, roSrv := httptest.NewServer(wooMux), httptest.NewServer(mux)
	defer wooSrv.Close()
	defer roSrv.Close()
	must(json.NewEncoder(os.Stdout).Encode(served{WooURL: wooSrv.URL, ROURL: roSrv.URL, Now: shop.Now, Start: start, Stats: shop.Stats}))
	stop := make(chan struct{})
	go addPeople(emu, roSrv.URL, people, &added, &refused, stop)
	_, _ = io.Copy(io.Discard, os.Stdin)
	close(stop)
}

// person is a contact a person creates in RO App during the import: the
// customer of the order at index first (oldest first), before rosync
// reaches it.
type person struct {
	first int
	body  map[string]any
}

// planPeople picks n customers that RO App does not know yet (no contact
// with their phone) and whose first order comes in the second half of the
// import, spread over it.
func planPeople(orders []json.RawMessage, inRO map[string]bool, n int) []person {
	if n <= 0 {
		return nil
	}
	type billing struct {
		Billing struct {
			FirstName string `json:"first_name"`
			LastName  string `json:"last_name"`
			Email     string `json:"email"`
			Phone     string `json:"phone"`
		} `json:"billing"`
	}
	seen := map[string]bool{}
	var out []person
	for i, raw := range orders {
		var o billing
		must(json.Unmarshal(raw, &o))
		b := o.Billing
		if seen[b.Email] {
			continue
		}
		seen[b.Email] = true
		if i < len(orders)/2 || len(out) >= n {
			continue
		}
		phone, err := rosync.NormalizePhone(b.Phone, "UA")
		if err != nil || inRO[phone] {
			continue
		}
		out = append(out, person{first: i, body: map[string]any{"first_name": b.FirstName, "last_name": b.LastName,
			"email": b.Email, "phones": []map[string]any{{"title": "Mobile", "phone": phone}}}})
	}
	return out
}

// addPeople creates each planned contact through RO App's API when the
// import is about a hundred orders before the customer's first order: while
// the import runs, after the mirror was loaded.
func addPeople(emu *roapptest.Emulator, url string, people []person, added, refused *atomic.Int64, stop <-chan struct{}) {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for len(people) > 0 {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		created := emu.Calls().ByEndpoint["POST /orders"]
		for len(people) > 0 && created >= people[0].first-100 && created > 0 {
			body, _ := json.Marshal(people[0].body)
			req, _ := http.NewRequest(http.MethodPost, url+"/v2/contacts/people", strings.NewReader(string(body)))
			req.Header.Set("Authorization", "Bearer "+roKey)
			req.Header.Set("Content-Type", "application/json")
			if resp, err := http.DefaultClient.Do(req); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode/100 == 2 {
					added.Add(1)
				}
				if resp.StatusCode == http.StatusTooManyRequests {
					refused.Add(1)
				}
			}
			people = people[1:]
		}
	}
}

// duplicateContacts counts the contacts beyond the first that share a
// phone (ENG-1, CUS-3).
func duplicateContacts(s roapptest.Snapshot) int {
	byPhone := map[string]int{}
	dups := 0
	for _, c := range s.Contacts {
		for _, p := range c.Phones {
			byPhone[p]++
			if byPhone[p] > 1 {
				dups++
			}
		}
	}
	return dups
}

// scaledClock is RO App's time: at at the wall time start, running scale
// times faster than the wall clock.
func scaledClock(at, start time.Time, scale float64) func() time.Time {
	return func() time.Time {
		return at.Add(time.Duration(float64(time.Since(start)) * scale))
	}
}

type emuCalls struct {
	Total       int            `json:"total"`
	RateLimited int            `json:"rate_limited"`
	ByEndpoint  map[string]int `json:"by_endpoint"`
	// People are the contacts a person created during the import (their
	// calls are not rosync's and are left out of its figures); Duplicates
	// the contacts that share a phone with another at the end.
	People     int `json:"people"`
	Duplicates int `json:"duplicates"`
	// PeopleRateLimited are the person's requests refused with 429: the
	// person goes through the API and its limit (in RO App, a person
	// uses the web interface); they are left out of 429s.
	PeopleRateLimited int `json:"people_rate_limited"`
}

func run(c config) error {
	ctx := context.Background()
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	child := exec.Command(exe, append([]string{"-serve"}, os.Args[1:]...)...)
	child.Stderr = os.Stderr
	stdin, err := child.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := child.StdoutPipe()
	if err != nil {
		return err
	}
	if err := child.Start(); err != nil {
		return err
	}
	defer func() { stdin.Close(); _ = child.Wait() }()
	var srv served
	if err := json.NewDecoder(bufio.NewReader(stdout)).Decode(&srv); err != nil {
		return fmt.Errorf("bench: reading the servers' addresses: %w", err)
	}

	transport := &http.Transport{MaxIdleConnsPerHost: 2 * c.conc * c.replicas}
	// The client paces a little under the server's limit (-headroom), so
	// that scheduling jitter does not make it overshoot the bucket.
	clientRate := c.rate * c.headroom
	if clientRate <= 0 {
		clientRate = 1e9
	}
	probe := &liveProbe{live: map[string]*liveOrder{}, imported: new(atomic.Int64)}
	nodes, cleanup, err := startNodes(ctx, c, srv, transport, clientRate, probe)
	defer cleanup()
	if err != nil {
		return err
	}

	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go sampleHeap(&peak, stop, sampled)
	if c.cpuProf != "" {
		f, err := os.Create(c.cpuProf)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	cpu0 := cpuTime()
	start := time.Now()
	liveDone, connected := make(chan struct{}), make(chan struct{})
	go sendLive(c, srv, nodes, probe, connected, liveDone)
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Go(func() { errs[i] = n.syncer.Connect(ctx) })
	}
	wg.Wait()
	close(connected)
	<-liveDone
	wall := time.Since(start)
	probe.waitApplied()
	cpu := cpuTime() - cpu0
	if c.cpuProf != "" {
		pprof.StopCPUProfile()
	}
	if c.memProf != "" {
		if err := writeHeapProfile(c.memProf); err != nil {
			return err
		}
	}
	close(stop)
	<-sampled
	if err := errors.Join(errs...); err != nil {
		return err
	}
	failed, _ := nodes[0].syncer.Failed(ctx)
	rejected, _ := nodes[0].syncer.Rejected(ctx)

	resp, err := http.Get(srv.ROURL + "/bench/calls")
	if err != nil {
		return err
	}
	var calls emuCalls
	err = json.NewDecoder(resp.Body).Decode(&calls)
	resp.Body.Close()
	if err != nil {
		return err
	}
	lb := lowerBound(srv.Stats)
	calls.Total -= calls.People
	calls.RateLimited -= calls.PeopleRateLimited
	for ep, n := range calls.ByEndpoint {
		fmt.Printf("  %-40s %d\n", ep, n)
	}
	fmt.Printf("stats: %+v failed=%d rejected=%d replicas=%d slots_claimed=%d people_429s=%d\n", srv.Stats, len(failed), len(rejected), len(nodes), claimed.Load(), calls.PeopleRateLimited)
	if len(failed) > 0 {
		fmt.Printf("first failure: %s\n", failed[0].LastError)
	}
	if c.cpu {
		fmt.Printf("cpu_ms_per_order=%.3f cpu_s=%.2f\n", float64(cpu.Microseconds())/1000/float64(c.orders), cpu.Seconds())
	}
	util := 0.0
	if c.rate > 0 {
		util = float64(calls.Total) / wall.Seconds() / c.rate
	}
	perCall := max(time.Duration(float64(time.Second)/clientRate), c.latency)
	ack, ratio, err := probe.figures(perCall)
	if err != nil {
		return err
	}
	fmt.Printf("orders=%d calls=%d lower_bound=%d ratio=%.3f utilisation=%.3f 429s=%d heap_peak_mib=%.1f wall_s=%.1f people=%d duplicates=%d ack_p99_ms=%.1f live_wait_ratio=%.2f\n",
		c.orders, calls.Total, lb, float64(calls.Total)/float64(lb), util, calls.RateLimited,
		float64(peak.Load())/(1<<20), wall.Seconds(), calls.People, calls.Duplicates, ack, ratio)
	return nil
}

// node is one replica: a Syncer and the server of its webhook handler.
type node struct {
	syncer  *rosync.Syncer
	hookURL string
}

// startNodes builds the -replicas Syncers: one on SQLite with the client's
// own limiter, or several on one fresh PostgreSQL schema sharing the
// account's limit. cleanup closes what was opened, even after an error.
func startNodes(ctx context.Context, c config, srv served, transport *http.Transport, clientRate float64, probe *liveProbe) (nodes []*node, cleanup func(), err error) {
	var closers []func()
	cleanup = func() {
		for _, f := range slices.Backward(closers) {
			f()
		}
	}
	var schema string
	if c.replicas > 1 {
		schema, err = newSchema()
		if err != nil {
			return nil, cleanup, err
		}
		closers = append(closers, func() { dropSchema(c.pg, schema) })
	}
	roHTTP := &http.Client{Transport: &countingTransport{base: transport}}
	for i := range max(c.replicas, 1) {
		var (
			store    rosync.Store
			pool     *pgxpool.Pool
			litePath string
		)
		roOpts := &roapp.Options{BaseURL: srv.ROURL, HTTPClient: roHTTP, RequestsPerSecond: clientRate}
		if c.replicas > 1 {
			pool, err = pgxpool.New(ctx, c.pg)
			if err != nil {
				return nil, cleanup, err
			}
			closers = append(closers, pool.Close)
			pg, err := postgres.OpenPool(ctx, pool, &postgres.Options{Schema: schema})
			if err != nil {
				return nil, cleanup, err
			}
			closers = append(closers, func() { pg.Close() })
			slots, err := pg.AccountSlots("bench", clientRate, nil)
			if err != nil {
				return nil, cleanup, err
			}
			roOpts.Limiter = roapp.NewPriorityLimiter(countSlots{slots, claimed})
			store = pg
		} else {
			dir, err := os.MkdirTemp("", "rosync-bench")
			if err != nil {
				return nil, cleanup, err
			}
			closers = append(closers, func() { os.RemoveAll(dir) })
			litePath = filepath.Join(dir, "rosync.db")
			lite, err := sqlite.Open(ctx, litePath, nil)
			if err != nil {
				return nil, cleanup, err
			}
			closers = append(closers, func() { lite.Close() })
			store = lite
		}
		plat, err := woocommerce.New(srv.WooURL, woocommerce.Credentials{Key: wooKey, Secret: wooSecret},
			&woocommerce.Options{HTTPClient: &http.Client{Transport: transport}, WebhookSecret: wooHookSecret})
		if err != nil {
			return nil, cleanup, err
		}
		syncer, err := rosync.New(plat, roapp.New(roKey, roOpts), store, &rosync.Options{
			Now: scaledClock(srv.Now, srv.Start, c.scale),
			Settings: rosync.Settings{IdentifyProductsBy: rosync.IdentifyBySKU, DefaultRegion: "UA", BranchID: 1, OrderTypeID: 1,
				AssigneeID: roapptest.DefaultEmployee.ID,
				StatusMap:  map[string]string{"completed": "Closed"}},
			Concurrency: c.conc,
			Replica:     fmt.Sprintf("bench-%d", i),
			OnEvent:     probe.onEvent,
		})
		if err != nil {
			return nil, cleanup, err
		}
		handler := syncer.Webhook()
		if c.inbox {
			q, err := startQueue(ctx, syncer, pool, schema, litePath, probe)
			if err != nil {
				return nil, cleanup, err
			}
			closers = append(closers, func() {
				sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				if err := q.Stop(sctx); err != nil {
					log.Printf("bench: stop River: %v", err)
				}
			})
			handler = rosyncriver.Inbox(q, syncer)
		}
		hook := httptest.NewServer(probe.wrap(handler))
		closers = append(closers, hook.Close)
		nodes = append(nodes, &node{syncer: syncer, hookURL: hook.URL})
	}
	return nodes, cleanup, nil
}

// queue is a started rosyncriver queue of either driver.
type queue interface {
	rosyncriver.Inserter
	Stop(context.Context) error
}

// startQueue starts the River queue of one replica: on PostgreSQL in the
// Store's schema (pool), else in SQLite beside the Store's file. A worker
// middleware puts the live order of a hint job into the job's context, so
// that countingTransport counts the order's calls.
func startQueue(ctx context.Context, s *rosync.Syncer, pool *pgxpool.Pool, schema, litePath string, probe *liveProbe) (queue, error) {
	opts := &rosyncriver.Options{Schema: schema, Config: func(cfg *river.Config) {
		cfg.Middleware = append(cfg.Middleware, river.WorkerMiddlewareFunc(probe.work))
	}}
	reg := rosyncriver.Syncers{s.Shop(): s}
	if pool != nil {
		q, err := rosyncriver.NewPostgres(ctx, pool, reg, opts)
		if err != nil {
			return nil, err
		}
		return q, q.Start(ctx)
	}
	opts.Schema = ""
	q, err := rosyncriver.NewSQLite(ctx, rosyncriver.SQLitePath(litePath), reg, opts)
	if err != nil {
		return nil, err
	}
	return q, q.Start(ctx)
}

// work is the River worker middleware of startQueue.
func (p *liveProbe) work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	var args struct {
		OrderID string `json:"order_id"`
	}
	if job.Kind == (rosyncriver.HintArgs{}).Kind() && json.Unmarshal(job.EncodedArgs, &args) == nil {
		p.mu.Lock()
		lo := p.live[args.OrderID]
		p.mu.Unlock()
		if lo != nil {
			ctx = context.WithValue(ctx, liveKey{}, lo)
		}
	}
	return doInner(ctx)
}

// waitApplied waits until every live order was imported (an inbox answers
// before River's workers apply), at most a minute.
func (p *liveProbe) waitApplied() {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		left := 0
		for _, lo := range p.live {
			if lo.applied.IsZero() {
				left++
			}
		}
		p.mu.Unlock()
		if left == 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// countSlots counts the slots the replicas claimed.
type countSlots struct {
	src roapp.SlotSource
	n   *atomic.Int64
}

var claimed = new(atomic.Int64)

func (c countSlots) Slots(ctx context.Context, n int) ([]time.Time, error) {
	got, err := c.src.Slots(ctx, n)
	c.n.Add(int64(len(got)))
	return got, err
}

// newSchema returns the name of a new schema for the replicas (Open
// creates it).
func newSchema() (string, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return "rosync_bench_" + hex.EncodeToString(b[:]), nil
}

// dropSchema drops the replicas' schema and everything in it.
func dropSchema(dsn, schema string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		log.Printf("bench: schema %s left behind: %v", schema, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
		log.Printf("bench: schema %s left behind: %v", schema, err)
	}
}

// liveOrder is what the bench measures of one order that arrived by
// webhook.
type liveOrder struct {
	sent    time.Time     // the webhook was sent
	ack     time.Duration // its answer came
	applied time.Time     // the Syncer reported the order imported
	calls   atomic.Int64  // RO App requests made for it
	inCalls atomic.Int64  // nanoseconds spent in them (sending to answer)
}

// liveProbe follows the live orders: their webhooks' answers, the RO App
// calls made under their webhook's request (the context carries the order
// into the client's transport), and when the Syncer reported them.
type liveProbe struct {
	mu       sync.Mutex
	live     map[string]*liveOrder // by order id
	imported *atomic.Int64         // orders imported so far, all replicas
}

type liveKey struct{}

// wrap tags each webhook request's context with its live order, found by
// the order id of the body, so that countingTransport counts its calls.
func (p *liveProbe) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		lo := p.live[r.Header.Get("X-Bench-Order")]
		p.mu.Unlock()
		if lo != nil {
			r = r.WithContext(context.WithValue(r.Context(), liveKey{}, lo))
		}
		h.ServeHTTP(w, r)
	})
}

func (p *liveProbe) onEvent(ev rosync.Event) {
	if ev.Kind != rosync.EventImported {
		return
	}
	p.imported.Add(1)
	p.mu.Lock()
	defer p.mu.Unlock()
	if lo := p.live[ev.OrderID]; lo != nil && lo.applied.IsZero() {
		lo.applied = time.Now()
	}
}

// figures returns the webhook answers' 99th percentile in milliseconds and
// the median live wait ratio, with perCall the shortest time one call can
// take.
func (p *liveProbe) figures(perCall time.Duration) (ackP99 float64, ratio float64, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.live) == 0 {
		return 0, 0, nil
	}
	var acks, ratios, waits []float64
	var calls []int64
	var outside []float64
	for id, lo := range p.live {
		if lo.applied.IsZero() {
			return 0, 0, fmt.Errorf("bench: live order %s was never imported", id)
		}
		n := lo.calls.Load()
		wait := lo.applied.Sub(lo.sent)
		acks = append(acks, float64(lo.ack.Microseconds())/1000)
		waits = append(waits, float64(wait.Microseconds())/1000)
		calls = append(calls, n)
		outside = append(outside, float64((wait-time.Duration(lo.inCalls.Load())).Microseconds())/1000)
		ratios = append(ratios, wait.Seconds()/(float64(max(n, 1))*perCall.Seconds()))
	}
	slices.Sort(acks)
	slices.Sort(ratios)
	slices.Sort(waits)
	slices.Sort(outside)
	fmt.Printf("live: orders=%d calls_per_order=%v wait_ms_p50=%.1f wait_ms_max=%.1f ratio_p50=%.2f ratio_max=%.2f ack_ms_p50=%.1f per_call_ms=%.2f outside_calls_ms_p50=%.1f outside_calls_ms_max=%.1f\n",
		len(acks), calls, pct(waits, 0.5), waits[len(waits)-1], pct(ratios, 0.5), ratios[len(ratios)-1], pct(acks, 0.5),
		float64(perCall.Microseconds())/1000, pct(outside, 0.5), outside[len(outside)-1])
	return pct(acks, 0.99), pct(ratios, 0.5), nil
}

// pct is the nearest-rank percentile q of sorted v.
func pct(v []float64, q float64) float64 {
	i := int(math.Ceil(q*float64(len(v)))) - 1
	return v[min(max(i, 0), len(v)-1)]
}

// countingTransport counts the RO App requests made for a live order.
type countingTransport struct{ base http.RoundTripper }

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if lo, ok := r.Context().Value(liveKey{}).(*liveOrder); ok {
		lo.calls.Add(1)
		start := time.Now()
		defer func() { lo.inCalls.Add(int64(time.Since(start))) }()
	}
	return t.base.RoundTrip(r)
}

// sendLive adds the live orders to the shop while the import runs, one
// each time the import has gone another 1/(live+1) of the way, and sends
// each one's signed webhook to the replicas in turn, each from its own
// goroutine (webhooks do not wait for each other); those still held when
// the import ends (connected closed) are sent at once. It closes done when
// every webhook was answered.
func sendLive(c config, srv served, nodes []*node, p *liveProbe, connected <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	var wg sync.WaitGroup
	defer wg.Wait()
	imports := c.orders - c.live
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for k := range c.live {
	wait:
		for p.imported.Load() < int64((k+1)*imports/(c.live+1)) {
			select {
			case <-tick.C:
			case <-connected: // the import ended short of the mark (orders failed or rejected)
				break wait
			}
		}
		resp, err := http.Post(srv.WooURL+"/bench/live", "application/json", nil)
		if err != nil {
			log.Printf("bench: live order %d: %v", k, err)
			continue
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			log.Printf("bench: live order %d: %d %v", k, resp.StatusCode, err)
			continue
		}
		var o struct {
			ID int64 `json:"id"`
		}
		must(json.Unmarshal(body, &o))
		id := strconv.FormatInt(o.ID, 10)
		req, err := woocommercetest.SignedWebhook(nodes[k%len(nodes)].hookURL, wooHookSecret, "order.created", body)
		must(err)
		req.Header.Set("X-Bench-Order", id)
		lo := &liveOrder{sent: time.Now()}
		p.mu.Lock()
		p.live[id] = lo
		p.mu.Unlock()
		wg.Go(func() {
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				log.Printf("bench: webhook of live order %s: %v", id, err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			p.mu.Lock()
			lo.ack = time.Since(lo.sent)
			p.mu.Unlock()
			if resp.StatusCode != http.StatusOK {
				log.Printf("bench: webhook of live order %s answered %d", id, resp.StatusCode)
			}
		})
	}
}

// lowerBound is the fewest RO App calls the API's shape allows for the
// shop's import:
//   - 2 to check the account (GET /company, GET /orders/statuses) and 1 to
//     learn the order type's initial status (WOO-3 needs it recorded);
//   - one POST /orders per order and one POST /orders/{id}/items per line
//     (the API adds items one at a time); no comment, since WooCommerce
//     does not transfer delivery (WOO-4);
//   - one create per new contact, new product and new category (per level
//     of its path that RO App lacks);
//   - one PATCH per customer who is already an RO App contact (CUS-3: the
//     contact takes the order's data, which differs in the generated shop);
//   - knowing what RO App already has, the cheaper of: one lookup per
//     distinct customer, product and category level (as if one request
//     could search phone and email at once), or listing the account's
//     contacts, products and categories once, 50 a page.
func lowerBound(s shopgen.Stats) int {
	pages := func(n int) int { return max(1, (n+49)/50) }
	creates := s.Orders + (s.Customers - s.KnownCustomers) + (s.Products - s.KnownProducts) + s.NewCategories
	lookups := s.Customers + s.Products + s.CategoryLevels
	listing := pages(s.ROContacts) + pages(s.ROProducts) + pages(s.ROCategories)
	return 3 + creates + s.Lines + s.KnownCustomers + min(lookups, listing)
}

// sampleHeap records the peak of live heap objects every 5 ms until stop.
func sampleHeap(peak *atomic.Uint64, stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		metrics.Read(sample)
		if v := sample[0].Value.Uint64(); v > peak.Load() {
			peak.Store(v)
		}
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}

// cpuTime is the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// writeHeapProfile collects garbage, then writes the in-use heap profile:
// what the importing process still holds once the import is over.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
