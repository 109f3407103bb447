package rosync

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Settings are a shop's import settings, as RO App's integration screen has
// them.
type Settings struct {
	// IdentifyProductsBy is the "identify products by" setting (PRD-2); it
	// must be one of the platform's Policy.IdentifyBy. Empty means the
	// platform's first offered key.
	IdentifyProductsBy IdentifyBy
	// DefaultRegion is the ISO 3166-1 region used to read phone numbers
	// written without a country code (CUS-3), e.g. "UA".
	DefaultRegion string
	// BranchID is the RO App location (branch) orders are created in.
	BranchID int64
	// OrderTypeID is the RO App order type of imported orders; its
	// settings give the initial status (SHO-3).
	OrderTypeID int64
	// Deduction says how rosync tells that an order's products were
	// written off in RO App (ORD-5, PRD-7, WOO-3); the zero value reads
	// item fields, closed-group statuses and refused item writes.
	Deduction DeductionSignal
	// AssigneeID is the RO App employee that the products added to
	// imported orders are assigned to: RO App requires an assignee on
	// every order item. Connect checks that the employee exists.
	AssigneeID int64
	// StatusMap maps a platform status (Order.Status) to an RO App status
	// name, for the directions the platform's Policy.StatusSync allows
	// (CAR-2; WooCommerce reads it in reverse, RO App -> platform).
	StatusMap map[string]string
	// DuplicateStatus, when set, is the name of the RO App status that a
	// duplicate RO App order is moved to once found (see Duplicate); it
	// must exist (Connect checks). Empty leaves a duplicate's status as it
	// is. Duplicates are never deleted.
	DuplicateStatus string
}

// Options configure a Syncer. The zero value of each field is its
// documented default; a nil *Options is all defaults.
type Options struct {
	// Shop names the shop in the Store; default the platform's Name().
	// It must not contain ':'.
	Shop string
	// Settings are the shop's import settings.
	Settings Settings
	// Now is the clock; default time.Now. Times are used in UTC.
	Now func() time.Time
	// Logger receives structured logs; nil discards them. No secret is
	// ever logged. New also offers it to the Platform and the ROClient
	// (LoggerTaker): an adapter or RO App client built without a logger of
	// its own then logs through it, the adapter with the shop's name as
	// attribute, so that one logger carries every line.
	Logger *slog.Logger
	// Concurrency is how many orders are applied at once during an import
	// or poll (each order's own steps stay in order); default 4. With RO
	// App's latency, more workers keep its rate limit busy: the limit, not
	// the number of workers, bounds the calls per second. RO App ids are
	// then not in the platform's order.
	Concurrency int
	// WarmIndex is deprecated and ignored: the Syncer always mirrors the
	// RO App account's contacts and products in the Store when the Store
	// has the Mirror capability and the ROClient lists (ROIndexLister);
	// see index.go. It was the opt-in in-memory index that this mirror
	// replaced.
	WarmIndex bool
	// IndexMaxAge is how old the listed categories may get before their
	// next use lists them again; default 1 minute. (Contacts and products
	// are mirrored, and refreshed before every create that relies on
	// them.)
	IndexMaxAge time.Duration
	// MirrorOverlap is how far each refresh of the mirror reaches back
	// before the time the previous listing started, for the difference
	// between RO App's clock and the Syncer's and for late commits; default
	// 10 seconds. Larger costs pages, smaller risks missing a contact whose
	// modification RO App stamped that much earlier than we saw it.
	MirrorOverlap time.Duration
	// PollOverlap is how far each reconciliation poll reaches back before
	// the poll cursor (ShopState.PollCursor: the newest modification time
	// the previous poll saw, in the platform's own clock), to catch late
	// writes; default 5 minutes.
	PollOverlap time.Duration
	// RetryBase and RetryMax bound the back-off of transient failures
	// (ENG-2): RetryBase·2^(attempts-1), at most RetryMax. Defaults 30 s
	// and 1 h.
	RetryBase time.Duration
	RetryMax  time.Duration
	// MaxWebhookBody is the largest webhook body accepted; default 1 MiB.
	// Adapters enforce their own limit too.
	MaxWebhookBody int64
	// InlineRetries is how many times a transient failure of one order is
	// retried at once, before the order is recorded as failed and left to
	// Poll's back-off; default 2, negative for none. InlineWait is the
	// first wait between those attempts (doubled each time, at most 5 s);
	// default 200 ms.
	InlineRetries int
	InlineWait    time.Duration
	// SettleWait is the least wait before the in-place retry that follows
	// a create whose outcome is unknown (a timeout, a lost answer): RO App
	// may still be executing it, and the retry looks it up before creating
	// again. Default 2 s; negative for none.
	SettleWait time.Duration
	// Quarantine is how long a create whose outcome is unknown (a
	// timeout, a lost answer, a crash after the intent was recorded) is
	// not repeated: RO App has no idempotency key and may execute a
	// request late, so until then no caller, on any replica, creates the
	// same order, contact, product, category, item or comment again,
	// however often it looks it up and misses it (ENG-1). It must exceed
	// the RO App client's timeout plus RO App's own gateway timeout.
	// Default 5 minutes; negative for none (tests).
	Quarantine time.Duration
	// DuplicateWatch is how long, after the quarantine, an order whose
	// RO App order create was in doubt is still checked by each poll for
	// a second RO App order carrying its reference (a create RO App
	// executed later than the quarantine allowed for; see Duplicate).
	// Default 1 hour.
	DuplicateWatch time.Duration
	// Sleep waits for d or until ctx is done; default a timer. Tests and
	// replays that run on a fake clock replace it.
	Sleep func(ctx context.Context, d time.Duration) error
	// Replica names this process among the replicas that share a Store
	// (the holder of the poll lease, see Leaser); default a random id.
	Replica string
	// PollLease is how long a poll lease lasts before another replica may
	// take it over; default 10 minutes.
	PollLease time.Duration
	// OnEvent, when set, receives every order outcome and refused webhook,
	// synchronously and from several goroutines at once: keep it quick
	// (count, log) and safe for concurrent use.
	OnEvent func(Event)
	// Progress, when set, receives the progress of the initial import and
	// of each poll after every order and once at the end (Done), one call
	// at a time per run.
	Progress func(Progress)
}

// Leaser is an optional capability of a Store shared by several replicas
// (storage/postgres): named leases with expiry, so that one replica at a
// time polls a shop. Syncer.Poll uses it when the Store has it.
type Leaser interface {
	// Lease takes or renews the lease name for holder until ttl from now,
	// and reports whether holder holds it. A lease whose holder let it
	// expire can be taken by another.
	Lease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	// Release gives the lease up if holder holds it.
	Release(ctx context.Context, name, holder string) error
}

// Syncer imports one shop's orders into RO App. It is safe for concurrent
// use: webhooks, polls and retries may run at once, serialised per order by
// the Store's lock. Several Syncers (one per shop) may share one ROClient
// (and so one RO App rate limit) and one Store.
type Syncer struct {
	p        Platform
	ro       ROClient
	store    Store
	shop     string
	settings Settings
	now      func() time.Time
	log      *slog.Logger
	conc     int
	overlap  time.Duration
	rbase    time.Duration
	rmax     time.Duration
	maxBody  int64

	inlineRetries int
	inlineWait    time.Duration
	settle        time.Duration
	quarantine    time.Duration
	dupWatch      time.Duration
	sleep         func(context.Context, time.Duration) error
	replica       string
	leaseTTL      time.Duration
	onEvent       func(Event)
	progress      func(Progress)
	noIndex       bool
	indexMaxAge   time.Duration
	mirrorOverlap time.Duration
	index         *roIndex
	cats          *categoryCache // RO App's categories (PRD-5)

	mu       sync.Mutex
	policy   Policy
	currency string
	// zone is the shop's timezone (ShopInfo.Timezone), for the dates that
	// rosync shows people (the human line of an order's manager notes);
	// UTC when the platform names none or a name that does not load.
	zone     *time.Location
	ready    bool
	statusID map[string]int64 // RO status name (lower case) -> id
	statusNm map[int64]string // RO status id -> name
	// deductedStatus holds the RO status ids that mean deduction.
	deductedStatus map[int64]bool
	// initStatus is the initial status of Settings.OrderTypeID, learned
	// from the first order created (0 until then).
	initStatus int64
	// initMu lets one order at a time learn initStatus, so that orders
	// created at once wait for the first read rather than each read.
	initMu sync.Mutex
	// connectedAt is the shop's ShopState.ConnectedAt once known: it is
	// set by the first Connect and never changes, so planEnv reads it once (connected).
	connectedAt time.Time
	// skew is the host clock minus the platform's, as Connect measured it
	// through PlatformClock; 0 when the platform has no clock to read.
	skew time.Duration

	// catalog remembers the catalogue identities (products and categories)
	// found in the Store or made, so that an order's lines cost no Store
	// read: an identity without a pending create never changes, and there
	// are as many as the catalogue has entries, not as orders.
	catalog sync.Map // identity key -> int64
}

// New returns a Syncer for the shop behind p. It does not call any API;
// Connect does.
func New(p Platform, ro ROClient, store Store, opts *Options) (*Syncer, error) {
	if p == nil || ro == nil || store == nil {
		return nil, errors.New("rosync: New needs a Platform, an ROClient and a Store")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	s := &Syncer{
		p: p, ro: ro, store: store, shop: o.Shop, settings: o.Settings,
		now: o.Now, log: o.Logger, conc: o.Concurrency, overlap: o.PollOverlap,
		rbase: o.RetryBase, rmax: o.RetryMax, maxBody: o.MaxWebhookBody,
		inlineRetries: o.InlineRetries, inlineWait: o.InlineWait, settle: o.SettleWait, sleep: o.Sleep,
		replica: o.Replica, leaseTTL: o.PollLease, onEvent: o.OnEvent, progress: o.Progress,
		indexMaxAge: o.IndexMaxAge, mirrorOverlap: o.MirrorOverlap, cats: &categoryCache{},
		index: &roIndex{contacts: mirrorFeed{kind: MirrorContacts}, products: mirrorFeed{kind: MirrorProducts}},
	}
	switch {
	case s.inlineRetries == 0:
		s.inlineRetries = 2
	case s.inlineRetries < 0:
		s.inlineRetries = 0
	}
	if s.inlineWait <= 0 {
		s.inlineWait = 200 * time.Millisecond
	}
	switch {
	case s.settle == 0:
		s.settle = 2 * time.Second
	case s.settle < 0:
		s.settle = 0
	}
	switch {
	case o.Quarantine == 0:
		s.quarantine = 5 * time.Minute
	case o.Quarantine > 0:
		s.quarantine = o.Quarantine
	}
	s.dupWatch = o.DuplicateWatch
	if s.dupWatch <= 0 {
		s.dupWatch = time.Hour
	}
	if s.sleep == nil {
		s.sleep = sleepCtx
	}
	if s.replica == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		s.replica = hex.EncodeToString(b[:])
	}
	if s.indexMaxAge <= 0 {
		s.indexMaxAge = time.Minute
	}
	if s.mirrorOverlap <= 0 {
		s.mirrorOverlap = 10 * time.Second
	}
	if s.leaseTTL <= 0 {
		s.leaseTTL = 10 * time.Minute
	}
	if s.shop == "" {
		s.shop = p.Name()
	}
	if strings.Contains(s.shop, ":") {
		return nil, fmt.Errorf("rosync: shop name %q must not contain ':'", s.shop)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s.log = s.log.With("shop", s.shop, "platform", p.Name())
	s.offerLogger(o.Logger)
	if s.conc <= 0 {
		s.conc = 4
	}
	if s.overlap <= 0 {
		s.overlap = 5 * time.Minute
	}
	if s.rbase <= 0 {
		s.rbase = 30 * time.Second
	}
	if s.rmax <= 0 {
		s.rmax = time.Hour
	}
	if s.maxBody <= 0 {
		s.maxBody = 1 << 20
	}
	return s, nil
}

// Shop returns the shop's name in the Store.
func (s *Syncer) Shop() string { return s.shop }

func (s *Syncer) clock() time.Time { return s.now().UTC() }

// maxSkew is the clock skew between host and platform above which Connect
// and Poll warn.
const maxSkew = time.Minute

// platformNow is the host clock corrected by the skew Connect measured:
// the platform's time now, as well as the host can tell.
func (s *Syncer) platformNow() time.Time {
	s.mu.Lock()
	skew := s.skew
	s.mu.Unlock()
	return s.clock().Add(-skew)
}

// measureSkew reads the platform's clock when it offers one (PlatformClock)
// and remembers the skew; it warns when the skew passes maxSkew. A failed
// read is logged and leaves the skew unknown (0): nothing depends on it for
// correctness, since poll cursors come from the platform's timestamps.
func (s *Syncer) measureSkew(ctx context.Context) {
	pc, ok := s.p.(PlatformClock)
	if !ok {
		return
	}
	pt, err := pc.Now(ctx)
	if err != nil || pt.IsZero() {
		s.log.DebugContext(ctx, "platform clock not read", "err", err)
		return
	}
	host := s.clock()
	skew := host.Sub(pt.UTC())
	s.mu.Lock()
	s.skew = skew
	s.mu.Unlock()
	if skew > maxSkew || skew < -maxSkew {
		s.log.WarnContext(ctx, "host and platform clocks differ; poll cursors follow the platform's clock",
			"skew", skew.Round(time.Second).String(), "host", host.Format(time.RFC3339), "platform", pt.UTC().Format(time.RFC3339))
	}
}

// newestUpdate wraps an order stream and keeps the newest Order.UpdatedAt
// it yields in *newest: the platform's own clock, from which poll cursors
// are taken (a host clock ahead of the platform's would make a poll skip
// the orders modified in between).
func newestUpdate(orders iter.Seq2[Order, error], newest *time.Time) iter.Seq2[Order, error] {
	return func(yield func(Order, error) bool) {
		for o, err := range orders {
			if err == nil && o.UpdatedAt.After(*newest) {
				*newest = o.UpdatedAt.UTC()
			}
			if !yield(o, err) {
				return
			}
		}
	}
}

// skipSeenFailures wraps a poll's order stream. An order modified at or
// before the cursor was seen by an earlier poll or the import and is read
// again only because of the overlap (the newest order stays in it until a
// newer one comes, since the cursor is the newest modification seen): when
// its last attempt failed and its retry is not due (or needs Retry, a
// permanent failure), it is left to the back-off (ENG-2, ORD-2) instead of
// being retried at every poll. Orders modified after the cursor always go
// through.
func (s *Syncer) skipSeenFailures(ctx context.Context, orders iter.Seq2[Order, error], cursor, now time.Time) iter.Seq2[Order, error] {
	return func(yield func(Order, error) bool) {
		for o, err := range orders {
			if err == nil && !o.UpdatedAt.IsZero() && !o.UpdatedAt.After(cursor) {
				rec, rerr := s.store.Record(ctx, s.shop, o.ID)
				if rerr == nil && rec.Failed() && (rec.Permanent || rec.NextRetry.After(now)) {
					s.log.DebugContext(ctx, "failed order read again by the poll's overlap; left to its back-off", "order", o.ID)
					continue
				}
			}
			if !yield(o, err) {
				return
			}
		}
	}
}

// cursorAt returns the poll cursor for the newest modification a complete
// order stream showed: that time itself, capped at the platform's time now
// (start corrected by the measured skew), so that an order dated in the
// future (a platform clock ahead of the host's, a timestamp read in the
// wrong timezone) cannot push the cursor past orders not yet modified. The
// cap only ever makes the next poll read more.
func (s *Syncer) cursorAt(ctx context.Context, newest, start time.Time) time.Time {
	s.mu.Lock()
	limit := start.Add(-s.skew)
	s.mu.Unlock()
	if newest.After(limit) {
		if ahead := newest.Sub(limit); ahead > maxSkew {
			s.log.WarnContext(ctx, "an order was modified after the host's time now: the platform's clock is ahead (or its timestamps are off)",
				"ahead", ahead.Round(time.Second).String(), "modified", newest.Format(time.RFC3339))
		}
		return limit
	}
	return newest
}

// Connect checks the shop against RO App and runs the initial import once.
//
// It fails with an error wrapping ErrCurrencyMismatch when the platform's
// currency differs from RO App's (ORD-4), with a *SettingError when
// Settings.AssigneeID, BranchID or OrderTypeID names nothing in the RO App
// account (checked where the ROClient lists them: EmployeeLister,
// BranchLister, OrderTypeLister), and with a plain error when the settings
// do not fit the platform (an identify-by key it does not offer, a status
// map naming an RO App status that does not exist). The first
// successful Connect records the connection time; the initial import then
// brings in the orders of the last Policy.ImportMonths months except the
// excluded statuses (CAR-1, SHO-1, WOO-1). Calling Connect again resumes an
// interrupted import and otherwise only re-checks the shop.
func (s *Syncer) Connect(ctx context.Context) error {
	ctx = WithPriority(ctx, PriorityBackfill) // the import gives way to live orders (priority.go)
	if err := s.prepare(ctx, true); err != nil {
		return err
	}
	s.measureSkew(ctx)
	st, err := s.store.ShopState(ctx, s.shop)
	if errors.Is(err, ErrNotFound) {
		st = ShopState{Shop: s.shop, ConnectedAt: s.platformNow()}
		if err := s.store.PutShopState(ctx, st); err != nil {
			return fmt.Errorf("rosync: save shop state: %w", err)
		}
	} else if err != nil {
		return fmt.Errorf("rosync: read shop state: %w", err)
	}
	// Every Connect (a process start) brings the mirror of the RO App
	// account up to date: listed whole the first time, refreshed from the
	// stored time after that (index.go).
	s.warmIndex(ctx, true)
	if !st.ImportedAt.IsZero() {
		return nil
	}
	pol := s.pol()
	since := windowStart(st.ConnectedAt, pol.ImportMonths)
	// RO App's time before the import creates anything: the first RO App
	// poll reaches back to it (ROClock).
	roStart := s.roNow(ctx, st.ConnectedAt)
	// The import is the shop as it was at the connection: orders created
	// after it come by webhooks and polls, which go ahead of the back-fill
	// (Query.Until; the first poll reaches back to the connection, below).
	q := Query{CreatedSince: since, Until: st.ConnectedAt}
	total := s.countOrders(ctx, q)
	s.log.InfoContext(ctx, "initial import", "since", since, "orders", total)
	var newest time.Time
	if _, err := s.run(ctx, "import", total, newestUpdate(s.p.Orders(ctx, q), &newest)); err != nil {
		return err
	}
	st.ImportedAt = s.clock()
	if st.PollCursor.IsZero() {
		// The first poll reaches back to the newest modification the
		// import saw, in the platform's clock (ENG-2): the connection time
		// is the host's, which may be ahead of the platform's. A shop
		// without orders in the window is polled from the window's start.
		// The import stopped at the connection (Until), so the cursor
		// never passes it: an order created after the connection, and
		// modified before an old order the import saw modified later, is
		// still read by the first poll.
		st.PollCursor = since
		if !newest.IsZero() {
			st.PollCursor = s.cursorAt(ctx, newest, s.clock())
		}
		if st.PollCursor.After(st.ConnectedAt) {
			st.PollCursor = st.ConnectedAt
		}
	}
	if st.ROCursor.IsZero() {
		st.ROCursor = roStart
	}
	if err := s.store.PutShopState(ctx, st); err != nil {
		return fmt.Errorf("rosync: save shop state: %w", err)
	}
	return nil
}

// prepare loads the shop's currency, policy and RO App statuses, and checks
// the settings. With force it re-reads them even when already loaded.
func (s *Syncer) prepare(ctx context.Context, force bool) error {
	s.mu.Lock()
	ready := s.ready
	s.mu.Unlock()
	if ready && !force {
		return nil
	}
	info, err := s.p.Shop(ctx)
	if err != nil {
		return fmt.Errorf("rosync: read %s shop: %w", s.p.Name(), err)
	}
	co, err := s.ro.Company(ctx)
	if err != nil {
		return fmt.Errorf("rosync: read RO App company settings: %w", err)
	}
	if !SameCurrency(info.Currency, co.Currency) {
		return fmt.Errorf("%w: shop %s uses %q, RO App uses %q (ORD-4: orders are not converted)",
			ErrCurrencyMismatch, s.shop, info.Currency, co.Currency)
	}
	pol := s.p.Policy()
	if pol.ImportMonths <= 0 {
		pol.ImportMonths = 2
	}
	if s.settings.IdentifyProductsBy == "" && len(pol.IdentifyBy) > 0 {
		s.settings.IdentifyProductsBy = pol.IdentifyBy[0]
	}
	offered := false
	for _, k := range pol.IdentifyBy {
		offered = offered || k == s.settings.IdentifyProductsBy
	}
	if !offered {
		return fmt.Errorf("rosync: %s does not offer identifying products by %q (offers %v)",
			s.p.Name(), s.settings.IdentifyProductsBy, pol.IdentifyBy)
	}
	statuses, err := s.ro.Statuses(ctx)
	if err != nil {
		return fmt.Errorf("rosync: list RO App statuses: %w", err)
	}
	deductedStatus, err := deductedStatuses(s.settings.Deduction, statuses)
	if err != nil {
		return err
	}
	if err := s.checkSettings(ctx); err != nil {
		return err
	}
	byName := make(map[string]int64, len(statuses))
	byID := make(map[int64]string, len(statuses))
	for _, st := range statuses {
		byName[strings.ToLower(strings.TrimSpace(st.Name))] = st.ID
		byID[st.ID] = st.Name
	}
	if name := s.settings.DuplicateStatus; name != "" {
		if _, ok := byName[strings.ToLower(strings.TrimSpace(name))]; !ok {
			return fmt.Errorf("rosync: settings: DuplicateStatus: RO App has no status %q", name)
		}
	}
	if pol.StatusSync != StatusSyncNone {
		reverse := map[string]string{}
		keys := make([]string, 0, len(s.settings.StatusMap))
		for k := range s.settings.StatusMap {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, ps := range keys {
			name := s.settings.StatusMap[ps]
			if _, ok := byName[strings.ToLower(strings.TrimSpace(name))]; !ok {
				return fmt.Errorf("rosync: status map: RO App has no status %q (for %s status %q)", name, s.p.Name(), ps)
			}
			if prev, dup := reverse[strings.ToLower(name)]; dup && pol.StatusSync.ToPlatform() {
				return fmt.Errorf("rosync: status map: RO App status %q maps back to both %q and %q", name, prev, ps)
			}
			reverse[strings.ToLower(name)] = ps
		}
	}
	zone := time.UTC
	if name := strings.TrimSpace(info.Timezone); name != "" {
		if loc, err := time.LoadLocation(name); err == nil {
			zone = loc
		} else {
			s.log.WarnContext(ctx, "the shop's timezone does not load; dates shown to people stay in UTC", "timezone", name, "err", err)
		}
	}
	s.mu.Lock()
	s.policy, s.currency, s.statusID, s.statusNm, s.ready = pol, co.Currency, byName, byID, true
	s.zone = zone
	s.deductedStatus = deductedStatus
	s.mu.Unlock()
	return nil
}

// shopZone returns the shop's timezone for dates shown to people.
func (s *Syncer) shopZone() *time.Location {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.zone == nil {
		return time.UTC
	}
	return s.zone
}

func (s *Syncer) pol() Policy {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.policy
}

// roStatusID returns the RO App status id for a platform status through the
// status map, and whether there is one.
func (s *Syncer) roStatusID(platformStatus string) (int64, bool) {
	name, ok := s.settings.StatusMap[platformStatus]
	if !ok {
		return 0, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.statusID[strings.ToLower(strings.TrimSpace(name))]
	return id, ok
}

// platformStatusFor returns the platform status that an RO App status id
// maps back to, and whether there is one.
func (s *Syncer) platformStatusFor(roStatusID int64) (string, bool) {
	s.mu.Lock()
	name, ok := s.statusNm[roStatusID]
	s.mu.Unlock()
	if !ok {
		return "", false
	}
	for ps, n := range s.settings.StatusMap {
		if strings.EqualFold(strings.TrimSpace(n), strings.TrimSpace(name)) {
			return ps, true
		}
	}
	return "", false
}

// Poll runs one reconciliation pass: it re-reads the orders created or
// modified on the platform since the previous poll (with an overlap), so
// that missed or out-of-order webhooks are caught; retries failed orders
// whose back-off is due; pushes held statuses whose products were deducted
// (WOO-3); and reads RO App orders modified since the previous poll to catch
// missed RO App status webhooks. Poll needs a prior Connect.
func (s *Syncer) Poll(ctx context.Context) error {
	ctx = WithPriority(ctx, PriorityBackfill) // reconciliation gives way to live orders (priority.go)
	if err := s.prepare(ctx, false); err != nil {
		return err
	}
	st, err := s.store.ShopState(ctx, s.shop)
	if err != nil {
		return fmt.Errorf("rosync: poll before Connect: %w", err)
	}
	if st.ImportedAt.IsZero() {
		return errors.New("rosync: poll before the initial import finished; call Connect")
	}
	if l, ok := s.store.(Leaser); ok {
		name := "poll/" + s.shop
		held, err := l.Lease(ctx, name, s.replica, s.leaseTTL)
		if err != nil {
			return &storeError{fmt.Errorf("take the poll lease: %w", err)}
		}
		if !held {
			s.log.DebugContext(ctx, "another replica polls this shop", "lease", name)
			return nil
		}
		defer func() {
			if err := l.Release(context.WithoutCancel(ctx), name, s.replica); err != nil {
				s.log.WarnContext(ctx, "poll lease not released", "err", err)
			}
		}()
	}
	start := s.clock()
	since := st.PollCursor.Add(-s.overlap)
	// Categories created in RO App since they were listed are listed
	// again before their next use; the mirror refreshes itself before
	// every create that relies on it.
	s.markIndexStale()
	var errs []error
	var newest time.Time
	orders := s.skipSeenFailures(ctx, s.p.Orders(ctx, Query{UpdatedSince: since}), st.PollCursor, start)
	if _, err := s.run(ctx, "poll", 0, newestUpdate(orders, &newest)); err != nil {
		errs = append(errs, err)
	} else if !newest.IsZero() {
		// The cursor follows the platform's own clock (ENG-2): the newest
		// modification seen, never the host's time, which may be ahead of
		// the platform's and would skip what was modified in between. A
		// poll that sees no order leaves it where it was.
		st.PollCursor = s.cursorAt(ctx, newest, start)
	}
	if err := s.retryDue(ctx, start); err != nil {
		errs = append(errs, err)
	}
	if err := s.pollRO(ctx, &st); err != nil {
		errs = append(errs, err)
	}
	if err := s.checkDuplicates(ctx, start); err != nil {
		errs = append(errs, err)
	}
	if err := s.store.PutShopState(ctx, st); err != nil {
		errs = append(errs, fmt.Errorf("rosync: save shop state: %w", err))
	}
	return errors.Join(errs...)
}

// retryDue re-applies failed orders whose back-off has passed.
func (s *Syncer) retryDue(ctx context.Context, now time.Time) error {
	recs, err := s.store.Records(ctx, s.shop, RecordFilter{Failed: true, DueBefore: now})
	if err != nil {
		return fmt.Errorf("rosync: list failed orders: %w", err)
	}
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.OrderID
	}
	s.syncAll(ctx, ids)
	return nil
}

// Sync fetches one order from the platform and applies it now. A rejected
// order returns its *RejectedError (and is recorded); a failed one its
// error (and is recorded as failed, to be retried).
func (s *Syncer) Sync(ctx context.Context, orderID string) error {
	if err := s.prepare(ctx, false); err != nil {
		return err
	}
	o, err := s.p.Order(ctx, orderID)
	if err != nil {
		return s.fetchFailed(ctx, orderID, err)
	}
	return s.apply(ctx, o)
}

// fetchFailed records an order that could not be fetched: invalid data is
// rejected under ORD-3, a deleted order is left alone, and anything else (a
// malformed answer too: it is not the order's fault) is kept as failed so
// that a later poll retries it.
func (s *Syncer) fetchFailed(ctx context.Context, orderID string, err error) error {
	var inv *InvalidOrderError
	if errors.As(err, &inv) && !malformedAnswer(err) {
		if inv.OrderID == "" {
			inv.OrderID = orderID
		}
		return s.recordInvalid(ctx, inv)
	}
	if errors.Is(err, ErrNotFound) {
		s.log.InfoContext(ctx, "order not found on the platform (deleted?)", "order", orderID)
		return nil
	}
	return s.withRecord(ctx, orderID, func(ctx context.Context, rec *Record) error { return err })
}

// Retry re-applies the given failed orders now, whatever their back-off or
// permanence (after the cause was fixed, e.g. the right of ORD-2 granted);
// with no ids it retries every failed order of the shop. The RO App order
// is never created twice (ENG-1).
func (s *Syncer) Retry(ctx context.Context, orderIDs ...string) error {
	if err := s.prepare(ctx, false); err != nil {
		return err
	}
	if len(orderIDs) == 0 {
		recs, err := s.store.Records(ctx, s.shop, RecordFilter{Failed: true})
		if err != nil {
			return err
		}
		for _, r := range recs {
			orderIDs = append(orderIDs, r.OrderID)
		}
	}
	var errs []error
	for _, id := range orderIDs {
		if err := s.Sync(ctx, id); err != nil {
			errs = append(errs, fmt.Errorf("order %s: %w", id, err))
		}
	}
	return errors.Join(errs...)
}

// Failed lists the shop's orders whose last attempt failed, with their
// error, attempts and next retry time.
func (s *Syncer) Failed(ctx context.Context) ([]Record, error) {
	return s.store.Records(ctx, s.shop, RecordFilter{Failed: true})
}

// Rejected lists the shop's orders that a rule kept out, with rule and reason.
func (s *Syncer) Rejected(ctx context.Context) ([]Record, error) {
	return s.store.Records(ctx, s.shop, RecordFilter{State: StateRejected})
}

// Webhook returns the http.Handler for the platform's webhooks. It verifies
// the signature over the raw body (ENG-4; 401 and nothing applied when it is
// wrong or missing, 413 for a body over the limit), drops redeliveries of an
// event already seen, then fetches the order and applies it (webhooks are
// hints; the platform's API is the truth). An order that fails is recorded
// and retried by Poll, so the answer is 200 unless the Store itself failed.
//
// It is WebhookFunc with HandleHint as its accept function; an inbox that
// applies hints later (package rosyncriver) uses WebhookFunc with its own.
func (s *Syncer) Webhook() http.Handler {
	return s.WebhookFunc(func(ctx context.Context, h Hint) error {
		if err := s.HandleHint(ctx, h); err != nil && !isRecorded(err) {
			s.log.ErrorContext(ctx, "webhook not applied", "order", h.OrderID, "err", err)
			return err
		}
		return nil
	})
}

// WebhookFunc returns the http.Handler for the platform's webhooks that
// verifies each delivery exactly as Webhook does and then hands the
// verified hint to accept instead of applying it: 405 for another method
// than POST, 413 for a body over Options.MaxWebhookBody, 401 for a
// missing or wrong signature (both EventWebhookRefused, ENG-4), 400 for a
// malformed delivery; then 200 when accept returns nil and 500 when it
// fails, so that the platform delivers the hint again. accept sees every
// verified hint, those without an order too (HandleHint ignores them).
//
// An inbox passes an accept that writes the hint durably (a job insert)
// and returns only once that write committed: the answer then promises
// that the hint is not lost, whatever happens to the process next.
func (s *Syncer) WebhookFunc(accept func(ctx context.Context, h Hint) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.maxBody)
		hint, err := s.p.VerifyWebhook(r)
		var mbe *http.MaxBytesError
		switch {
		case errors.Is(err, ErrBodyTooLarge) || errors.As(err, &mbe):
			s.emit(r.Context(), Event{Kind: EventWebhookRefused, Err: ErrBodyTooLarge})
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		case errors.Is(err, ErrSignature):
			s.log.DebugContext(r.Context(), "webhook refused", "reason", "signature", "err", err)
			s.emit(r.Context(), Event{Kind: EventWebhookRefused, Err: ErrSignature})
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		case err != nil:
			http.Error(w, "bad webhook", http.StatusBadRequest)
			return
		}
		if err := accept(r.Context(), hint); err != nil {
			http.Error(w, "not applied", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// storeError marks an error of the Store itself: the outcome could not be
// recorded, so the caller must not acknowledge the work.
type storeError struct{ err error }

func (e *storeError) Error() string { return "rosync: store: " + e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

// isRecorded reports whether an apply error was recorded in the Store (so
// nothing is lost), as opposed to a Store failure.
func isRecorded(err error) bool {
	var se *storeError
	return !errors.As(err, &se)
}

// HandleHint applies a verified webhook hint: it ignores hints without an
// order and redeliveries of a seen event, and otherwise syncs the order.
func (s *Syncer) HandleHint(ctx context.Context, h Hint) error {
	ctx = WithPriority(ctx, PriorityLive) // a webhook's order goes ahead of the back-fill (priority.go)
	if h.OrderID == "" {
		return nil
	}
	if h.EventID != "" {
		seen, err := s.store.SeenEvent(ctx, s.shop, h.EventID)
		if err != nil {
			return &storeError{err}
		}
		if seen {
			s.log.DebugContext(ctx, "webhook redelivery ignored", "order", h.OrderID, "topic", h.Topic)
			return nil
		}
	}
	return s.Sync(ctx, h.OrderID)
}

// run applies every order of a stream with s.conc workers, reporting
// progress against total (0: unknown). It returns how many orders were
// applied and the stream's error, if it broke.
func (s *Syncer) run(ctx context.Context, phase string, total int, orders func(func(Order, error) bool)) (int, error) {
	ctx, t := s.track(ctx, phase, total)
	defer s.report(t, true)
	jobs := make(chan Order)
	var wg sync.WaitGroup
	for range s.conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for o := range jobs {
				if err := s.apply(ctx, o); err != nil {
					s.log.DebugContext(ctx, "order not imported", "order", o.ID, "err", err)
				}
			}
		}()
	}
	n := 0
	var streamErr error
	for o, err := range orders {
		if err != nil {
			var inv *InvalidOrderError
			if errors.As(err, &inv) && !malformedAnswer(err) {
				_ = s.recordInvalid(ctx, inv)
				continue
			}
			if errors.As(err, &inv) && inv.OrderID != "" {
				// Not JSON at all: a transient failure of this order's
				// answer, kept as failed and retried with back-off.
				_ = s.withRecord(ctx, inv.OrderID, func(context.Context, *Record) error { return err })
				continue
			}
			streamErr = fmt.Errorf("rosync: read %s orders: %w", s.p.Name(), err)
			break
		}
		select {
		case jobs <- o:
			n++
		case <-ctx.Done():
			streamErr = ctx.Err()
		}
		if streamErr != nil {
			break
		}
	}
	close(jobs)
	wg.Wait()
	return n, streamErr
}

// syncAll fetches and applies orders by id with s.conc workers.
func (s *Syncer) syncAll(ctx context.Context, ids []string) {
	jobs := make(chan string)
	var wg sync.WaitGroup
	for range s.conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range jobs {
				if err := s.Sync(ctx, id); err != nil {
					s.log.DebugContext(ctx, "retry failed", "order", id, "err", err)
				}
			}
		}()
	}
	for _, id := range ids {
		select {
		case jobs <- id:
		case <-ctx.Done():
		}
	}
	close(jobs)
	wg.Wait()
}

// windowStart returns the start of the initial import window: months
// calendar months before t, on the same day and time of day, or on the
// last day of that month when it has no such day (connected 30 April
// 12:00, two months: 28 February 12:00, 29 in a leap year; 31 May: 31
// March). It is the one definition of "the last two months" for every
// platform (CAR-1, SHO-1, WOO-1); time.AddDate would overflow into the
// next month instead (30 April gives 2 March).
func windowStart(t time.Time, months int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m-time.Month(months), 1, 0, 0, 0, 0, t.Location())
	last := time.Date(first.Year(), first.Month()+1, 0, 0, 0, 0, 0, t.Location()).Day()
	hh, mm, ss := t.Clock()
	return time.Date(first.Year(), first.Month(), min(d, last), hh, mm, ss, t.Nanosecond(), t.Location())
}

// sleepCtx waits for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
