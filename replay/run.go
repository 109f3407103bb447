package replay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/faultplan"
	"github.com/rosync/rosync/roapp"
	"github.com/rosync/rosync/roapp/roapptest"
	"github.com/rosync/rosync/storage/memory"
	"github.com/rosync/rosync/storage/sqlite"
)

// replaySettle is the wall-clock wait after a create whose answer was lost
// (rosync.Options.SettleWait) in a replay.
const replaySettle = 10 * time.Millisecond

// Test credentials of the replay's RO App emulator.
const (
	roKey           = "ro-replay-api-key-0123456789"
	roWebhookSecret = "ro-replay-webhook-secret"
	// replayDeductionField is the item field the emulator shows deduction
	// in, and the client reads (ORD-5), until the engine reads the status
	// group and refused writes instead.
	replayDeductionField = "deducted"
	shopName             = "replay"
)

// Options configure Run.
type Options struct {
	// StoreDir is where the SQLite store (the embedded default) is kept;
	// empty means a temporary folder removed at the end. With Memory set,
	// the in-memory store is used instead.
	StoreDir string
	Memory   bool
	// Logger receives the engine's and clients' logs; nil discards them.
	Logger *slog.Logger
	// Warnf receives notes about events that could not be played (an
	// event naming an order RO App does not have); nil discards them.
	Warnf func(format string, args ...any)

	// Faults, when set, is applied to the RO App emulator and to the fake
	// platform (for harnesses that take faults). The clients then time
	// out after Timeout and retry quickly and often, each order is
	// retried in place until it is through, and after the reconciliation
	// poll the replay keeps polling, its clock moved past the back-off,
	// until no order is left failed for a transient reason (at most 50
	// rounds). A zero Faults.Delay becomes three times Timeout, an empty
	// Faults.RetryAfter "0". The snapshot must then equal the fault-free
	// one except api_calls and the sequence of RO App ids.
	//
	// Creates executed late (faultplan.ExecutedLate, up to
	// Faults.LateMax, default faultplan.DefaultLateMax, on the replay's
	// clock) are met by the engine's quarantine (rosync.Options.Quarantine
	// = LateMax plus a minute): an order in doubt stays failed until it
	// has passed. After each event the replay waits it out (see settle):
	// it moves its clock to the end of the quarantines and retries the
	// orders left failed, until none is, before it plays the next event,
	// so that the events find RO App as the fault-free replay does.
	Faults *faultplan.Plan
	// Timeout is how long the HTTP clients wait for an answer's headers
	// under Faults (the faults hold the answer past it); the rest of a
	// request is not cut short, so that a loaded machine does not turn a
	// sound answer into a fault. Default DefaultFaultTimeout.
	Timeout time.Duration
	// Dup delivers every webhook (the platform's and RO App's) Dup times,
	// concurrently and shuffled; platform copies after the first may come
	// with the next event's. 0 or 1: once.
	Dup int
	// Seed shuffles the duplicated deliveries; default Faults.Seed.
	Seed int64
	// InlineRetries is rosync.Options.InlineRetries under Faults;
	// default 1000 (every order through before the next starts);
	// negative for none, leaving every failure to the replay's retries.
	InlineRetries int
	// Quarantine, when positive, is rosync.Options.Quarantine under
	// Faults instead of Faults.LateMax plus a minute: shorter than the
	// late creates, it lets some slip through, for the duplicate repair
	// to find (rosync.Duplicate).
	Quarantine time.Duration
	// DuplicateStatus is rosync.Settings.DuplicateStatus: the RO App
	// status a duplicate order found is moved to ("" for none).
	DuplicateStatus string
}

// Result is what a replay produced.
type Result struct {
	Snapshot roapptest.Snapshot
	Summary  Summary
}

// Summary counts what a replay did, for the one-screen report.
type Summary struct {
	Platform        string
	PlatformOrders  int
	Events          int
	Imported        int
	Rejected        int
	RejectedByRule  map[string]int
	Failed          int
	StatusPushes    int
	APICalls        int
	APICallsByRoute map[string]int
	Warnings        int
	// Faults counts the faults injected, by kind (faultplan.Kind names);
	// Retries the retries of the clients and of the engine (in place);
	// PollRounds the polls after the reconciliation poll, under faults.
	Faults     map[string]int
	Retries    int
	PollRounds int
	// InDoubt counts the times an order waited out a quarantine (an
	// *rosync.InDoubtError: a create of its may still land late; an order
	// can be in doubt more than once), and QuarantineWaits how long each
	// wait lasted on the replay's clock, from when the replay first saw
	// the doubt until the order no longer showed it. DoubtSpans are the
	// times orders stayed in doubt without a break: an order whose next
	// create lands in a new doubt as soon as a quarantine ended waits out
	// both in one span.
	InDoubt         int
	QuarantineWaits []time.Duration
	DoubtSpans      []time.Duration
	// LateCreates counts the creates RO App executed late.
	LateCreates int
	// RepairFound counts the duplicate RO App orders the engine's
	// duplicate check found (rosync.Syncer.Duplicates).
	RepairFound int
}

// Run replays a fixture: it starts the platform's fake server and the RO App
// emulator on loopback, connects the real adapter and the real roapp client
// to them over HTTP, runs the initial import at fx.Now, plays the events in
// order (a platform change arrives as the platform's signed webhook; RO App
// events act on the emulator, which sends its own signed webhooks), runs one
// reconciliation poll, and returns the snapshot. A platform that sends no
// webhooks (ErrNoWebhooks) is polled after each of its platform_order
// events instead.
func Run(ctx context.Context, fx *Fixture, opts *Options) (*Result, error) {
	if err := fx.Validate(); err != nil {
		return nil, err
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Warnf == nil {
		o.Warnf = func(string, ...any) {}
	}
	faulty := o.Faults != nil
	if o.Timeout <= 0 {
		o.Timeout = DefaultFaultTimeout
	}
	if faulty {
		if o.Faults.Delay == 0 {
			o.Faults.Delay = 3 * o.Timeout
		}
		if o.Faults.RetryAfter == "" {
			o.Faults.RetryAfter = "0"
		}
	}
	if o.Seed == 0 && faulty {
		o.Seed = o.Faults.Seed
	}
	var retries atomic.Int64
	o.Logger = countingLogger(o.Logger, &retries)
	clock := &clock{t: fx.Now.UTC()}

	// The host application's webhook endpoints; handlers are set once
	// the Syncer exists.
	var (
		mu              sync.Mutex
		platformWebhook = http.NotFoundHandler()
		roWebhook       = http.NotFoundHandler()
	)
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := platformWebhook
		mu.Unlock()
		if r.URL.Path == "/webhooks/roapp" {
			h = fanOut(func() http.Handler {
				mu.Lock()
				defer mu.Unlock()
				return roWebhook
			}, max(1, o.Dup))
		}
		h.ServeHTTP(w, r)
	}))
	defer host.Close()

	emu := roapptest.New(fx.ROApp, &roapptest.Options{
		APIKey: roKey, WebhookURL: host.URL + "/webhooks/roapp", WebhookSecret: roWebhookSecret,
		WebhookClient: host.Client(), Now: clock.Now, Faults: o.Faults,
		// Items show whether they are written off, and the client reads
		// it: the engine's ORD-5 signal today (see roapp.Options).
		DeductionField: replayDeductionField,
	})
	roSrv := httptest.NewServer(emu)
	defer roSrv.Close()

	newH, _ := harnessFor(fx.Platform) // Validate checked it
	h, err := newH(fx, clock.Now)
	if err != nil {
		return nil, err
	}
	if fh, ok := h.(faultable); ok && faulty {
		fh.SetFaults(o.Faults)
	}
	platSrv := httptest.NewServer(h.Handler())
	defer platSrv.Close()
	platClient, roClient := platSrv.Client(), roSrv.Client()
	roRetries, roTimeout := 0, time.Duration(0)
	if faulty {
		platClient = withTimeout(platClient, o.Timeout)
		roClient = withTimeout(roClient, o.Timeout)
		roRetries, roTimeout = 30, answerGuard
	}
	plat, err := h.Connect(platSrv.URL, platClient, o.Logger)
	if err != nil {
		return nil, fmt.Errorf("replay: connect the %s adapter: %w", fx.Platform, err)
	}

	store, closeStore, err := openStore(ctx, o)
	if err != nil {
		return nil, err
	}
	defer closeStore()

	ro := roapp.New(roKey, &roapp.Options{BaseURL: roSrv.URL, HTTPClient: roClient,
		RequestsPerSecond: 10000, Logger: o.Logger, RetryWaitMin: time.Millisecond, RetryWaitMax: 10 * time.Millisecond,
		RetryMax: roRetries, Timeout: roTimeout, DeductionFields: []string{replayDeductionField}})
	branch := fx.Settings.BranchID
	if branch == 0 {
		branch = 1
	}
	inline, quarantine := 10, time.Duration(-1)
	if faulty {
		// Every order is through before the next one starts, so that
		// RO App ids come out as without faults.
		inline = 1000
		if o.InlineRetries != 0 {
			inline = o.InlineRetries
		}
		lateMax := o.Faults.LateMax
		if lateMax <= 0 {
			lateMax = faultplan.DefaultLateMax
		}
		quarantine = lateMax + time.Minute
		if o.Quarantine > 0 {
			quarantine = o.Quarantine
		}
	}
	syncer, err := rosync.New(plat, ro, store, &rosync.Options{
		Shop: shopName,
		Settings: rosync.Settings{
			IdentifyProductsBy: fx.Settings.IdentifyProductsBy, DefaultRegion: fx.Settings.DefaultRegion,
			BranchID: branch, OrderTypeID: fx.Settings.OrderTypeID, StatusMap: fx.Settings.StatusMap,
			AssigneeID: fx.assignee(), DuplicateStatus: o.DuplicateStatus,
		},
		Now: clock.Now, Logger: o.Logger,
		// Transient failures are retried in place on the replay's clock,
		// so each order finishes before the next one starts.
		InlineRetries: inline,
		// Waits move the replay's clock instead of taking wall-clock
		// time, except the short settle after a create whose answer was
		// lost, which also lets a create still running in the emulator
		// land before it is looked up.
		SettleWait: replaySettle,
		// A create executed late lands within Faults.LateMax on the
		// replay's clock: the quarantine outlasts it (ENG-1). Without
		// faults nothing is in doubt.
		Quarantine: quarantine,
		Sleep: func(ctx context.Context, d time.Duration) error {
			if d <= replaySettle {
				time.Sleep(d)
			}
			clock.Advance(d)
			return nil
		},
		RetryBase: time.Second, RetryMax: time.Minute,
		// One order at a time keeps RO App ids, and so the snapshot,
		// the same from run to run.
		Concurrency: 1,
	})
	if err != nil {
		return nil, err
	}
	mu.Lock()
	platformWebhook = syncer.Webhook()
	roWebhook = roapp.WebhookHandler(roWebhookSecret, syncer.HandleROEvent)
	mu.Unlock()

	if err := syncer.Connect(ctx); err != nil {
		return nil, fmt.Errorf("replay: connect: %w", err)
	}
	doubt := &doubtTracker{since: map[string]time.Time{}}
	if faulty {
		if err := settle(ctx, syncer, store, emu, clock, doubt); err != nil {
			return nil, err
		}
	}
	warnings := 0
	warn := func(format string, args ...any) {
		warnings++
		o.Warnf(format, args...)
	}
	dl := newDeliverer(o.Dup, o.Seed, host.Client())
	for i, ev := range fx.Events {
		clock.Advance(time.Minute)
		err := play(ctx, h, emu, host.URL+"/webhooks/platform", dl, ev)
		if errors.Is(err, ErrNoWebhooks) {
			// A polled platform: the host's poll loop finds the change.
			err = syncer.Poll(ctx)
		}
		if err != nil {
			var fe *FixtureError
			if errors.As(err, &fe) {
				fe.Field = fmt.Sprintf("events[%d]%s", i, fe.Field)
				return nil, fe
			}
			if faulty && ev.Type == EventROStatus {
				// RO App's webhook failed under the faults: the poll
				// catches up.
				continue
			}
			warn("event %d (%s): %v", i, ev.Type, err)
		}
		if faulty {
			if err := settle(ctx, syncer, store, emu, clock, doubt); err != nil {
				return nil, err
			}
		}
	}
	if err := dl.flush(ctx); err != nil {
		warn("late webhook copies: %v", err)
	}
	clock.Advance(time.Minute)
	if err := syncer.Poll(ctx); err != nil && !faulty {
		warn("reconciliation poll: %v", err)
	}
	rounds := 0
	for faulty && rounds < maxFaultRounds {
		n, err := transientlyFailed(ctx, store)
		if err != nil {
			return nil, err
		}
		if err := doubt.observe(ctx, store, clock.Now()); err != nil {
			return nil, err
		}
		late, lastDue := emu.LatePending()
		if n == 0 && late == 0 && rounds > 0 {
			break
		}
		rounds++
		// Two minutes, or past the last create still to land late.
		clock.Advance(max(2*time.Minute, lastDue.Sub(clock.Now())+time.Second))
		_ = syncer.Poll(ctx)
	}

	dups, err := syncer.Duplicates(ctx)
	if err != nil {
		return nil, err
	}
	snap := emu.Snapshot()
	snap.PlatformStatusUpdates = h.StatusUpdates()
	rejected, err := store.Records(ctx, shopName, rosync.RecordFilter{State: rosync.StateRejected})
	if err != nil {
		return nil, err
	}
	for _, r := range rejected {
		snap.Rejected = append(snap.Rejected, roapptest.Rejected{PlatformOrderID: r.OrderID, PlatformNumber: r.Number, Rule: r.Rule, Reason: r.Reason})
	}
	failed, err := store.Records(ctx, shopName, rosync.RecordFilter{Failed: true})
	if err != nil {
		return nil, err
	}
	for _, r := range failed {
		snap.Failed = append(snap.Failed, roapptest.Failed{PlatformOrderID: r.OrderID, Error: r.LastError})
	}
	sort.Slice(snap.Rejected, func(i, j int) bool {
		return idLess(snap.Rejected[i].PlatformOrderID, snap.Rejected[j].PlatformOrderID)
	})
	sort.Slice(snap.Failed, func(i, j int) bool { return idLess(snap.Failed[i].PlatformOrderID, snap.Failed[j].PlatformOrderID) })

	sum := Summary{
		Platform: fx.Platform, Events: len(fx.Events), Rejected: len(snap.Rejected), Failed: len(snap.Failed),
		RejectedByRule: map[string]int{}, StatusPushes: len(snap.PlatformStatusUpdates),
		APICalls: snap.APICalls.Total, APICallsByRoute: snap.APICalls.ByEndpoint, Warnings: warnings,
		Faults: map[string]int{}, Retries: int(retries.Load()), PollRounds: rounds,
		InDoubt: len(doubt.waits) + len(doubt.since), QuarantineWaits: doubt.waits, DoubtSpans: doubt.spans,
		LateCreates: emu.LateExecuted(),
		RepairFound: len(dups),
	}
	for k, n := range o.Faults.Counts() {
		sum.Faults[k.String()] = n
	}
	for _, r := range snap.Rejected {
		sum.RejectedByRule[r.Rule]++
	}
	for _, ord := range snap.Orders {
		if ord.Platform != "" {
			sum.Imported++
		}
	}
	sum.PlatformOrders = countOrders(fx)
	return &Result{Snapshot: snap, Summary: sum}, nil
}

// play performs one event.
func play(ctx context.Context, h Harness, emu *roapptest.Emulator, target string, dl *deliverer, ev Event) error {
	switch ev.Type {
	case EventPlatformOrder:
		created, err := h.PutOrder(ev.Order)
		if err != nil {
			return &FixtureError{Field: ".order", Err: err}
		}
		body := ev.Order
		return dl.deliver(ctx, func() (*http.Request, error) { return h.Webhook(target, body, created) })
	case EventRODeduct, EventROStatus:
		id, ok := emu.OrderIDByNumber(ev.OrderNumber)
		if !ok {
			return fmt.Errorf("RO App has no order for platform order number %q", ev.OrderNumber)
		}
		if ev.Type == EventRODeduct {
			return emu.Deduct(id)
		}
		return emu.SetStatus(ctx, id, ev.Status)
	}
	return nil
}

// transientlyFailed counts the orders failed for a transient reason.
func transientlyFailed(ctx context.Context, store rosync.Store) (int, error) {
	failed, err := store.Records(ctx, shopName, rosync.RecordFilter{Failed: true})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range failed {
		if !r.Permanent {
			n++
		}
	}
	return n, nil
}

// answerGuard bounds a whole request under faults (answer and body), only
// so that nothing hangs: the short Options.Timeout applies to the wait for
// the answer's headers, which is what the faults hold.
const answerGuard = 30 * time.Second

// withTimeout returns a copy of c that waits at most d for an answer's
// headers (Transport.ResponseHeaderTimeout) and answerGuard for the whole
// request. A fault holds the answer before its headers (slow, executed then
// timeout), so it times out after d; a sound answer whose body is slow to
// read on a loaded machine is not cut: an error while reading a body is
// not retried by the adapters' HTTP clients (retryablehttp retries Do, not
// the read), so a timeout there failed a whole Connect.
func withTimeout(c *http.Client, d time.Duration) *http.Client {
	cp := *c
	tr, ok := c.Transport.(*http.Transport)
	if !ok {
		tr = http.DefaultTransport.(*http.Transport)
	}
	tr = tr.Clone()
	tr.ResponseHeaderTimeout = d
	cp.Transport, cp.Timeout = tr, answerGuard
	return &cp
}

func openStore(ctx context.Context, o Options) (rosync.Store, func(), error) {
	if o.Memory {
		return memory.New(), func() {}, nil
	}
	dir := o.StoreDir
	cleanup := func() {}
	if dir == "" {
		tmp, err := mkdirTemp()
		if err != nil {
			return nil, nil, err
		}
		dir, cleanup = tmp, func() { removeAll(tmp) }
	}
	st, err := sqlite.Open(ctx, filepath.Join(dir, "rosync.db"), nil)
	if err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("replay: open the SQLite store: %w", err)
	}
	return st, func() { st.Close(); cleanup() }, nil
}

// countOrders counts the distinct platform orders of a fixture.
func countOrders(fx *Fixture) int {
	ids := map[string]bool{}
	add := func(raw []byte) {
		if id, ok := nativeID(raw); ok {
			ids[id] = true
		}
	}
	for _, o := range fx.Shop.Orders {
		add(o)
	}
	for _, ev := range fx.Events {
		if ev.Type == EventPlatformOrder {
			add(ev.Order)
		}
	}
	return len(ids)
}

// idLess orders platform ids numerically when both are numbers.
func idLess(a, b string) bool {
	x, errA := strconv.ParseInt(a, 10, 64)
	y, errB := strconv.ParseInt(b, 10, 64)
	if errA == nil && errB == nil {
		return x < y
	}
	return a < b
}

// clock is the replay's clock: fixed at the fixture's now, advanced by
// the replay between events.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// settleRounds bounds the rounds of settle after one event.
const settleRounds = 20

// settle waits out what one event left in doubt, on the replay's clock:
// while orders are failed for a transient reason (an *rosync.InDoubtError
// among them: a create that RO App may still execute late), it moves the
// clock past their next retry and retries them. The fault-free replay plays
// each event on a RO App that holds every order before it; so must the
// faulty one, or an RO App event would name an order RO App does not have
// yet. Orders still failed after settleRounds rounds are left to the final
// polls.
func settle(ctx context.Context, s *rosync.Syncer, store rosync.Store, emu *roapptest.Emulator, clock *clock, doubt *doubtTracker) error {
	for range settleRounds {
		failed, err := store.Records(ctx, shopName, rosync.RecordFilter{Failed: true})
		if err != nil {
			return err
		}
		if err := doubt.observe(ctx, store, clock.Now()); err != nil {
			return err
		}
		var (
			ids  []string
			next time.Time
		)
		for _, r := range failed {
			if r.Permanent {
				continue
			}
			ids = append(ids, r.OrderID)
			next = maxTime(next, r.NextRetry)
		}
		if len(ids) == 0 {
			return nil
		}
		if d := next.Sub(clock.Now()); d > 0 {
			clock.Advance(d)
		}
		_ = s.Retry(ctx, ids...)
	}
	return doubt.observe(ctx, store, clock.Now())
}

// inDoubtText is in the error of an order waiting out a quarantine
// (rosync.InDoubtError), as the Store keeps it.
const inDoubtText = "may still land in RO App"

// doubtTracker measures, on the replay's clock, how long orders waited out
// a quarantine: each doubt (an *rosync.InDoubtError with its end) from when
// the replay first saw it until the order no longer showed it, and each
// span of doubts in a row (an order whose next create lands in a new doubt
// as soon as the first quarantine ended waits out both).
type doubtTracker struct {
	since map[string]time.Time // orders in doubt now, since when they show this doubt
	doubt map[string]string    // the doubt they show (the error)
	span  map[string]time.Time // since when they are in doubt without a break
	waits []time.Duration      // the waits of doubts over
	spans []time.Duration      // the spans over
}

// observe notes the orders in doubt at now, and the end of the waits of
// those no longer in that doubt.
func (d *doubtTracker) observe(ctx context.Context, store rosync.Store, now time.Time) error {
	failed, err := store.Records(ctx, shopName, rosync.RecordFilter{Failed: true})
	if err != nil {
		return err
	}
	if d.doubt == nil {
		d.doubt, d.span = map[string]string{}, map[string]time.Time{}
	}
	still := map[string]string{}
	for _, r := range failed {
		if strings.Contains(r.LastError, inDoubtText) {
			still[r.OrderID] = r.LastError
		}
	}
	for id, t := range d.since {
		if still[id] != d.doubt[id] {
			d.waits = append(d.waits, now.Sub(t))
			delete(d.since, id)
			delete(d.doubt, id)
		}
		if still[id] == "" {
			d.spans = append(d.spans, now.Sub(d.span[id]))
			delete(d.span, id)
		}
	}
	for id, e := range still {
		if _, ok := d.since[id]; !ok {
			d.since[id], d.doubt[id] = now, e
		}
		if _, ok := d.span[id]; !ok {
			d.span[id] = now
		}
	}
	return nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
