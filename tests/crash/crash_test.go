//go:build unix

package crash

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/woocommerce"
	"github.com/rosync/rosync/platforms/woocommerce/woocommercetest"
	"github.com/rosync/rosync/roapp"
	"github.com/rosync/rosync/roapp/roapptest"
	"github.com/rosync/rosync/storage/sqlite"
)

const (
	// childEnv carries the child's childConfig (JSON); it is set only in
	// the child, where it turns TestCrashChild on.
	childEnv = "ROSYNC_CRASH_CHILD"
	seedEnv  = "ROSYNC_CRASH_SEED"
	// genHeader names the child generation that sent an RO App request,
	// so that the parent never lets a dead child's request act on (or be
	// taken for a request of) the next one.
	genHeader = "X-Crash-Generation"

	roKey     = "ro-crash-api-key-0123456789"
	wooKey    = "ck_crash_0123456789abcdef"
	wooSecret = "cs_crash_fedcba9876543210"
	shopName  = "crash"

	minKills            = 30
	minAfterCreateKills = 5
	maxChildren         = 120
	// timeKills is how many kills come at random times: each after a
	// seeded random delay of less than maxTimeKillDelay, counted from a
	// random one of the creates (so that they spread over the whole
	// import, whatever the machine's speed, and land anywhere: in a Store
	// write, between two requests, in the middle of one).
	timeKills        = 20
	maxTimeKillDelay = 40 * time.Millisecond
)

// The creates of the RO App API: the dangerous calls (DESIGN.md).
var createEndpoints = []string{
	"POST /orders", "POST /orders/{id}/items", "POST /orders/{id}/comments",
	"POST /contacts/people", "POST /catalog/products", "POST /catalog/products/categories",
}

// How many kills per create endpoint: right after the emulator executed
// the k-th create (before answering), and right before it executes it.
// With timeKills, about 40 kills in all.
var (
	afterQuota = map[string]int{
		"POST /orders": 4, "POST /orders/{id}/items": 4, "POST /orders/{id}/comments": 1,
		"POST /contacts/people": 2, "POST /catalog/products": 2, "POST /catalog/products/categories": 1,
	}
	beforeQuota = map[string]int{
		"POST /orders": 2, "POST /orders/{id}/items": 2, "POST /orders/{id}/comments": 1,
		"POST /contacts/people": 1, "POST /catalog/products": 1, "POST /catalog/products/categories": 1,
	}
)

// childConfig is what the parent tells a child.
type childConfig struct {
	ROURL  string `json:"ro_url"`
	WooURL string `json:"woo_url"`
	DB     string `json:"db"`
	Gen    int    `json:"gen"`
}

// settings are the shop's import settings, the same in both runs.
func settings() rosync.Settings {
	return rosync.Settings{
		IdentifyProductsBy: rosync.IdentifyBySKU, DefaultRegion: "UA", BranchID: 1, OrderTypeID: 1,
		AssigneeID: roapptest.DefaultEmployee.ID,
		StatusMap:  map[string]string{"completed": "Closed", "cancelled": "Cancelled"},
	}
}

// newSyncer wires the real adapter and the real RO App client to the fake
// shop and the emulator. One order at a time keeps RO App ids in the
// platform's order, so that the crash run can be compared with the
// fault-free one id for id; InlineRetries stays the default.
func newSyncer(cfg childConfig, store rosync.Store) (*rosync.Syncer, error) {
	plat, err := woocommerce.New(cfg.WooURL, woocommerce.Credentials{Key: wooKey, Secret: wooSecret},
		&woocommerce.Options{RetryWaitMin: time.Millisecond, RetryWaitMax: 10 * time.Millisecond})
	if err != nil {
		return nil, err
	}
	ro := roapp.New(roKey, &roapp.Options{
		BaseURL: cfg.ROURL, RequestsPerSecond: 10000,
		HTTPClient:   &http.Client{Transport: tagTransport{gen: strconv.Itoa(cfg.Gen), base: http.DefaultTransport}},
		RetryWaitMin: time.Millisecond, RetryWaitMax: 10 * time.Millisecond,
	})
	return rosync.New(plat, ro, store, &rosync.Options{
		Shop: shopName, Settings: settings(), Concurrency: 1,
		// Failed orders are due again at once: the child polls until none
		// is left (ENG-2) without waiting out the production back-off.
		RetryBase: time.Millisecond, RetryMax: 10 * time.Millisecond,
		// A killed child's request is executed by the emulator before
		// the next generation starts, or never: nothing lands late, so
		// the intents a kill leaves need no quarantine (ENG-1's late
		// creates are tested in the root package and the replay).
		Quarantine: -1,
	})
}

// tagTransport stamps every RO App request with the child's generation.
type tagTransport struct {
	gen  string
	base http.RoundTripper
}

func (t tagTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(genHeader, t.gen)
	return t.base.RoundTrip(r)
}

// syncShop is what the host application does: Connect (the initial
// import, resumed after a restart), then Poll until no order is failed.
func syncShop(ctx context.Context, s *rosync.Syncer) error {
	if err := s.Connect(ctx); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	for i := 0; ; i++ {
		perr := s.Poll(ctx)
		failed, err := s.Failed(ctx)
		if err != nil {
			return err
		}
		if len(failed) == 0 && perr == nil {
			return nil
		}
		if i == 20 {
			msg := fmt.Sprintf("poll: %v", perr)
			if len(failed) > 0 {
				msg += fmt.Sprintf("; %d failed orders, first %s: %s", len(failed), failed[0].OrderID, failed[0].LastError)
			}
			return fmt.Errorf("still not done after %d polls: %s", i+1, msg)
		}
		time.Sleep(10 * time.Millisecond) // the back-off of RetryBase
	}
}

// TestCrashChild is the child process of TestCrash: one attempt at the
// import, killed at any point. It does nothing in a normal test run.
func TestCrashChild(t *testing.T) {
	raw := os.Getenv(childEnv)
	if raw == "" {
		t.Skip("the child process of TestCrash")
	}
	var cfg childConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatalf("%s: %v", childEnv, err)
	}
	ctx := context.Background()
	store, err := sqlite.Open(ctx, cfg.DB, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	s, err := newSyncer(cfg, store)
	if err != nil {
		t.Fatal(err)
	}
	if err := syncShop(ctx, s); err != nil {
		t.Fatal(err)
	}
}

// world is a fake shop and an RO App emulator on loopback.
type world struct {
	emu    *roapptest.Emulator
	woo    *woocommercetest.Server
	roURL  string
	wooURL string
}

func newWorld(t *testing.T, sh shop, opts *roapptest.Options, wrap func(http.Handler) http.Handler) *world {
	t.Helper()
	if opts == nil {
		opts = &roapptest.Options{}
	}
	opts.APIKey = roKey
	w := &world{emu: roapptest.New(roSeed(), opts)}
	var h http.Handler = w.emu
	if wrap != nil {
		h = wrap(h)
	}
	roSrv := httptest.NewServer(h)
	t.Cleanup(roSrv.Close)
	w.roURL = roSrv.URL

	w.woo = woocommercetest.New(woocommercetest.Options{Key: wooKey, Secret: wooSecret, Currency: currency})
	for _, c := range sh.categories {
		must(t, w.woo.AddCategory(c))
	}
	for _, p := range sh.products {
		must(t, w.woo.AddProduct(p))
	}
	for _, v := range sh.variations {
		must(t, w.woo.AddVariation(v.parent, v.raw))
	}
	for _, o := range sh.orders {
		must(t, w.woo.AddOrder(o))
	}
	wooSrv := httptest.NewServer(w.woo)
	t.Cleanup(wooSrv.Close)
	w.wooURL = wooSrv.URL
	return w
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// child is one run of the child process.
type child struct {
	cmd  *exec.Cmd
	out  bytes.Buffer
	done chan struct{} // closed once the process was waited for

	once   sync.Once
	mu     sync.Mutex
	proc   *os.Process // set once started
	reason string      // why it was killed: "time", "before-create", "after-create"
	timer  *time.Timer
	delay  time.Duration // of timer
	// fired is closed once the timer's kill returned; timeLost is set
	// when it found the child already killed.
	fired    chan struct{}
	timeLost bool
}

// kill sends SIGKILL (once) and waits until the child is dead and reaped.
// It reports whether this call killed it.
func (c *child) kill(reason string) (killed bool) {
	c.once.Do(func() {
		killed = true
		c.mu.Lock()
		c.reason = reason
		p := c.proc
		c.mu.Unlock()
		if p != nil {
			_ = p.Signal(syscall.SIGKILL)
		}
	})
	<-c.done
	return killed
}

// killAfter kills the child after d, unless it is dead by then. It
// reports false when a time kill is already on its way.
func (c *child) killAfter(d time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.timer != nil {
		return false
	}
	fired := make(chan struct{})
	c.timer, c.delay, c.fired = time.AfterFunc(d, func() {
		defer close(fired)
		if !c.kill("time") {
			c.mu.Lock()
			c.timeLost = true
			c.mu.Unlock()
		}
	}), d, fired
	return true
}

// timeKillOwed reports whether the child's time kill is still owed: its
// timer had not fired when stopped, or it fired on a child another kill
// had already taken.
func (c *child) timeKillOwed() bool {
	if c.stopTimer() {
		return true
	}
	c.mu.Lock()
	fired := c.fired
	c.mu.Unlock()
	if fired == nil {
		return false // no time kill was started
	}
	<-fired
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.timeLost
}

// stopTimer stops the time kill and reports whether it had not fired.
func (c *child) stopTimer() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.timer != nil && c.timer.Stop()
}

// crashRun is the parent's side: it lets only the live child's requests
// reach the emulator and kills the child from the emulator's hooks.
type crashRun struct {
	mu       sync.Mutex
	cond     *sync.Cond
	gen      int
	open     bool // the current generation's requests are let through
	cur      *child
	inflight int

	before, after         map[string]map[int]bool // kill plans: create ordinals per endpoint
	timed                 map[int]time.Duration   // kill plan: delay after the n-th create of any kind
	owed                  []time.Duration         // time kills planned but not started yet
	beforeN, afterN       map[string]int          // creates seen so far, over all children
	createN               int                     // creates executed so far, of any kind
	beforeKill, afterKill map[string]int          // kills done per endpoint
}

// gate serves only requests of the live child, and counts them so that
// the parent can wait for a dead child's last requests to finish before
// the next child starts.
func (r *crashRun) gate(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		if !r.open || req.Header.Get(genHeader) != strconv.Itoa(r.gen) {
			r.mu.Unlock()
			http.Error(w, "request of a dead child", http.StatusGone)
			return
		}
		r.inflight++
		r.mu.Unlock()
		defer func() {
			r.mu.Lock()
			r.inflight--
			r.cond.Broadcast()
			r.mu.Unlock()
		}()
		h.ServeHTTP(w, req)
	})
}

// intercept kills the child right before the emulator executes a planned
// create; the create is then never executed.
func (r *crashRun) intercept(endpoint string, _ http.ResponseWriter, _ *http.Request) bool {
	if !slices.Contains(createEndpoints, endpoint) {
		return false
	}
	r.mu.Lock()
	r.beforeN[endpoint]++
	hit := r.before[endpoint][r.beforeN[endpoint]]
	c := r.cur
	r.mu.Unlock()
	if hit {
		killed := c.kill("before-create")
		r.mu.Lock()
		if killed {
			r.beforeKill[endpoint]++
		} else {
			replan(r.before[endpoint], r.beforeN[endpoint])
		}
		r.mu.Unlock()
	}
	return hit
}

// afterCreate kills the child right after the emulator executed a planned
// create, before the answer is written: RO App has the entity, the child
// never learns its id and its Store never records it. It also starts the
// time kills.
func (r *crashRun) afterCreate(endpoint string, _ int64) {
	r.mu.Lock()
	r.afterN[endpoint]++
	r.createN++
	hit := r.after[endpoint][r.afterN[endpoint]]
	if d, ok := r.timed[r.createN]; ok {
		r.owed = append(r.owed, d)
	}
	c := r.cur
	if len(r.owed) > 0 && !hit && c.killAfter(r.owed[0]) {
		r.owed = r.owed[1:]
	}
	r.mu.Unlock()
	if hit {
		killed := c.kill("after-create")
		r.mu.Lock()
		if killed {
			r.afterKill[endpoint]++
		} else {
			replan(r.after[endpoint], r.afterN[endpoint])
		}
		r.mu.Unlock()
	}
}

// replan moves a planned kill that found its child already dying (another
// request of it, or a time kill, came first: on a loaded machine a killed
// child takes a while to be reaped and its requests in flight still reach
// the hooks) to the next create of the same endpoint not planned yet, so
// that the run makes the kills it planned rather than fewer.
func replan(planned map[int]bool, seen int) {
	for n := seen + 1; ; n++ {
		if !planned[n] {
			planned[n] = true
			return
		}
	}
}

// start makes c the live child and starts it. The child's requests wait
// at the gate until it is recorded as started, so every kill finds it.
func (r *crashRun) start(c *child) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gen++
	r.cur, r.open = c, true
	if err := c.cmd.Start(); err != nil {
		close(c.done)
		return err
	}
	c.mu.Lock()
	c.proc = c.cmd.Process
	c.mu.Unlock()
	go func() {
		_ = c.cmd.Wait()
		close(c.done)
	}()
	return nil
}

// settle waits after c died until the emulator finished its requests.
func (r *crashRun) settle(c *child) {
	<-c.done
	r.mu.Lock()
	if c.timeKillOwed() {
		// Another kill came first: this time kill is still owed.
		r.owed = append([]time.Duration{c.delay}, r.owed...)
	}
	r.open = false
	for r.inflight > 0 {
		r.cond.Wait()
	}
	r.mu.Unlock()
}

// plan picks, per create endpoint, quota[endpoint] distinct ordinals among
// the n creates the fault-free run made.
func plan(rng *rand.Rand, counts map[string]int, quota map[string]int) map[string]map[int]bool {
	out := map[string]map[int]bool{}
	for _, ep := range createEndpoints {
		n, q := counts[ep], min(quota[ep], counts[ep])
		out[ep] = map[int]bool{}
		for len(out[ep]) < q {
			out[ep][1+rng.IntN(n)] = true
		}
	}
	return out
}

func TestCrash(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		t.Skip("in the child")
	}
	if testing.Short() {
		t.Skip("crash test: a child process killed 30+ times")
	}
	seed := uint64(1)
	if s := os.Getenv(seedEnv); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		must(t, err)
		seed = v
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	ctx := context.Background()
	sh := genShop(time.Now().UTC().Truncate(time.Hour).AddDate(0, 0, -40))

	// The fault-free run, in process.
	ref := newWorld(t, sh, nil, nil)
	refDB := filepath.Join(t.TempDir(), "reference.db")
	refStore, err := sqlite.Open(ctx, refDB, nil)
	must(t, err)
	t.Cleanup(func() { refStore.Close() })
	s, err := newSyncer(childConfig{ROURL: ref.roURL, WooURL: ref.wooURL}, refStore)
	must(t, err)
	must(t, syncShop(ctx, s))
	want := ref.emu.Snapshot()
	creates := map[string]int{}
	for _, ep := range createEndpoints {
		creates[ep] = want.APICalls.ByEndpoint[ep]
	}
	if imported := importedOrders(want); imported != shopOrders {
		t.Fatalf("the fault-free run imported %d orders, want %d", imported, shopOrders)
	}

	// The crash run: the child imports, the parent kills it.
	total := 0
	for _, n := range creates {
		total += n
	}
	r := &crashRun{
		before: plan(rng, creates, beforeQuota), after: plan(rng, creates, afterQuota), timed: map[int]time.Duration{},
		beforeN: map[string]int{}, afterN: map[string]int{}, beforeKill: map[string]int{}, afterKill: map[string]int{},
	}
	r.cond = sync.NewCond(&r.mu)
	for len(r.timed) < min(timeKills, total) {
		r.timed[1+rng.IntN(total)] = time.Duration(rng.Int64N(int64(maxTimeKillDelay)))
	}
	crash := newWorld(t, sh, &roapptest.Options{Intercept: r.intercept, AfterCreate: r.afterCreate}, r.gate)
	exe, err := os.Executable()
	must(t, err)
	db := filepath.Join(t.TempDir(), "crash.db")

	var (
		last     *child
		kills    int
		byReason = map[string]int{}
		children int
	)
	t.Cleanup(func() {
		// Whatever happened, no child outlives the test.
		if last != nil {
			last.kill("cleanup")
		}
	})
	for {
		children++
		if children > maxChildren {
			t.Fatalf("the import did not finish after %d children (%d kills)", maxChildren, kills)
		}
		cfg, err := json.Marshal(childConfig{ROURL: crash.roURL, WooURL: crash.wooURL, DB: db, Gen: r.gen + 1})
		must(t, err)
		c := &child{done: make(chan struct{})}
		c.cmd = exec.Command(exe, "-test.run=^TestCrashChild$", "-test.count=1", "-test.timeout=3m")
		// The race detector's exit pause (1 s) is not needed in the child.
		c.cmd.Env = append(os.Environ(), childEnv+"="+string(cfg),
			"GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
		c.cmd.Stdout, c.cmd.Stderr = &c.out, &c.out
		c.cmd.SysProcAttr = childProcAttr()
		last = c
		must(t, r.start(c))
		r.settle(c)

		ws, _ := c.cmd.ProcessState.Sys().(syscall.WaitStatus)
		if ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			c.mu.Lock()
			reason := c.reason
			c.mu.Unlock()
			if reason == "" {
				t.Fatalf("child %d was killed by someone else\n%s", children, tail(c.out.String()))
			}
			kills++
			byReason[reason]++
			continue
		}
		if !c.cmd.ProcessState.Success() {
			t.Fatalf("child %d failed (%v) after %d kills:\n%s", children, c.cmd.ProcessState, kills, tail(c.out.String()))
		}
		break
	}
	restarts := children - 1

	// Compare with the fault-free run.
	got := crash.emu.Snapshot()
	callsWant, callsGot := want.APICalls, got.APICalls
	want.APICalls, got.APICalls = roapptest.APICalls{}, roapptest.APICalls{}
	dups, lost := countDiff(want, got)
	diff := cmp.Diff(want, got)

	crashStore, err := sqlite.Open(ctx, db, nil)
	must(t, err)
	defer crashStore.Close()
	recDiff := cmp.Diff(records(t, refStore), records(t, crashStore))
	pushDiff := cmp.Diff(ref.woo.StatusUpdates(), crash.woo.StatusUpdates())

	result := "equal"
	if diff != "" || recDiff != "" || pushDiff != "" {
		result = "different"
	}
	fmt.Printf("crash: orders=%d kills=%d restarts=%d duplicates=%d lost=%d result=%s\n",
		importedOrders(got), kills, restarts, dups, lost, result)
	t.Logf("seed %d; kills by moment: %v; before-create kills %v; after-create kills %v",
		seed, byReason, r.beforeKill, r.afterKill)
	t.Logf("RO App requests: fault-free %d, crash run %d; creates in the fault-free run: %v",
		callsWant.Total, callsGot.Total, creates)

	// ENG-1: killed anywhere, even between an RO App create and the Store
	// write, the import creates each order, item, contact, product and
	// category once: the same RO App state as the fault-free run.
	if dups != 0 || lost != 0 {
		t.Errorf("ENG-1/ENG-2: %d duplicated and %d lost RO App entities", dups, lost)
	}
	if diff != "" {
		t.Errorf("ENG-1: RO App state differs from the fault-free run (-want +got):\n%s", clip(diff))
	}
	if pushDiff != "" {
		t.Errorf("ENG-1: status pushes to WooCommerce differ (-want +got):\n%s", clip(pushDiff))
	}
	// ENG-2: nothing lost: every order ends imported, with the same links,
	// and none is left failed or pending.
	if recDiff != "" {
		t.Errorf("ENG-2: Store records differ from the fault-free run (-want +got):\n%s", clip(recDiff))
	}
	if kills < minKills {
		t.Errorf("%d kills, want at least %d", kills, minKills)
	}
	if byReason["after-create"] < minAfterCreateKills {
		t.Errorf("%d kills between an RO App create and the Store write, want at least %d",
			byReason["after-create"], minAfterCreateKills)
	}
}

func importedOrders(s roapptest.Snapshot) int {
	n := 0
	for _, o := range s.Orders {
		if o.Platform != "" {
			n++
		}
	}
	return n
}

// countDiff counts what the crash run has more (duplicates) and less
// (lost) than the fault-free one: orders by platform order id, items per
// order, contacts, products by SKU and categories by title and parent.
func countDiff(want, got roapptest.Snapshot) (dups, lost int) {
	tally := func(w, g map[string]int) {
		for k, n := range g {
			if d := n - w[k]; d > 0 {
				dups += d
			}
		}
		for k, n := range w {
			if d := n - g[k]; d > 0 {
				lost += d
			}
		}
	}
	orders := func(s roapptest.Snapshot) (map[string]int, map[string]int) {
		os, items := map[string]int{}, map[string]int{}
		for _, o := range s.Orders {
			os[o.PlatformOrderID]++
			items[o.PlatformOrderID] += len(o.Items)
		}
		return os, items
	}
	wo, wi := orders(want)
	gotO, gi := orders(got)
	tally(wo, gotO)
	tally(wi, gi)
	count := func(n int) map[string]int { return map[string]int{"": n} }
	tally(count(len(want.Contacts)), count(len(got.Contacts)))
	products := func(s roapptest.Snapshot) map[string]int {
		m := map[string]int{}
		for _, p := range s.Products {
			m[p.SKU]++
		}
		return m
	}
	tally(products(want), products(got))
	categories := func(s roapptest.Snapshot) map[string]int {
		title := map[int64]string{}
		for _, c := range s.Categories {
			title[c.ID] = c.Title
		}
		m := map[string]int{}
		for _, c := range s.Categories {
			parent := ""
			if c.ParentID != nil {
				parent = title[*c.ParentID]
			}
			m[parent+"/"+c.Title]++
		}
		return m
	}
	tally(categories(want), categories(got))
	return dups, lost
}

// record is the part of a Store record that must not depend on crashes
// (times left out).
type record struct {
	OrderID, Number, State         string
	ROOrderID, ClientID, ROStatus  int64
	Lines                          map[string]string
	DeliveryHash, PendingComment   string
	Deducted                       bool
	PlatformStatus, HeldStatus     string
	Rule, Reason, LastError        string
	Permanent                      bool
	Attempts                       int
	PlatformCreatedAt, IntentIsSet string
}

func records(t *testing.T, st rosync.Store) []record {
	t.Helper()
	recs, err := st.Records(context.Background(), shopName, rosync.RecordFilter{})
	must(t, err)
	out := make([]record, 0, len(recs))
	for _, r := range recs {
		lines := map[string]string{}
		for id, l := range r.Lines {
			lines[id] = fmt.Sprintf("item %d product %d × %d at %s", l.ROItemID, l.ProductID, l.Quantity, l.Price)
		}
		out = append(out, record{
			OrderID: r.OrderID, Number: r.Number, State: string(r.State),
			ROOrderID: r.ROOrderID, ClientID: r.ClientID, ROStatus: r.ROStatusID, Lines: lines,
			DeliveryHash: r.DeliveryHash, PendingComment: r.PendingComment, Deducted: r.Deducted,
			PlatformStatus: r.PlatformStatus, HeldStatus: r.HeldStatus, Rule: r.Rule, Reason: r.Reason,
			LastError: r.LastError, Permanent: r.Permanent, Attempts: r.Attempts,
			PlatformCreatedAt: r.PlatformCreatedAt.UTC().Format(time.RFC3339),
			IntentIsSet:       strconv.FormatBool(!r.IntentAt.IsZero()),
		})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].OrderID < out[j].OrderID })
	return out
}

// tail is the end of a child's output.
func tail(s string) string {
	if len(s) > 4000 {
		s = "…" + s[len(s)-4000:]
	}
	return s
}

// clip shortens a long diff.
func clip(s string) string {
	lines := strings.Split(s, "\n")
	if len(lines) > 80 {
		lines = append(lines[:80], fmt.Sprintf("… %d more lines", len(lines)-80))
	}
	return strings.Join(lines, "\n")
}
