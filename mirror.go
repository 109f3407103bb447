package rosync

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// mirrorBatch is how many listed contacts or products are written to the
// Store at once: a large account is not held in memory while it is listed.
const mirrorBatch = 500

// mirrorFeed is the refresh state of one mirrored list, guarded by
// roIndex.fmu. Refreshes of a list run one at a time; each has a
// generation (started counts them), and a caller waits for the first one
// that started after its ticket was taken, so that every order that began
// looking before a refresh started shares it.
type mirrorFeed struct {
	kind MirrorKind

	started uint64 // refreshes started; a ticket is this count
	done    uint64 // the last refresh that succeeded
	failed  uint64 // the last refresh that failed, with err
	err     error
	running bool
	runs    int // refreshes run, for tests
}

// mirrorGate decides when a refresh starts, guarded by roIndex.fmu: at
// once for a caller outside an order (Connect, a webhook), and for orders
// once every order being imported waits for a refresh or for a Store lock
// of its lookups (nothing else could use RO App's rate limit meanwhile), or
// the first waiter has waited mirrorMaxWait (an order may be held up
// elsewhere).
// Orders that arrive meanwhile join the refresh: an import costs about
// one list call per batch of creates.
type mirrorGate struct {
	active  int           // orders between beginLooking and its end
	waiting int           // of them, waiting for a refresh or a lock
	change  chan struct{} // closed and replaced at every change
}

// mirrorMaxWait bounds how long an order waits for other orders to join
// a refresh (wall time).
const mirrorMaxWait = 2 * time.Second

// changedLocked wakes every waiter to look again; fmu is held.
func (ix *roIndex) changedLocked() {
	if ix.gate.change != nil {
		close(ix.gate.change)
	}
	ix.gate.change = make(chan struct{})
}

// ticket returns f's generation now: a refresh that starts later has a
// higher one.
func (ix *roIndex) ticket(f *mirrorFeed) uint64 {
	ix.fmu.Lock()
	defer ix.fmu.Unlock()
	return f.started
}

// lookTickets are an order's tickets, taken when it began looking.
type lookTickets struct{ contacts, products uint64 }

type lookKey struct{}

// beginLooking marks in ctx the moment an order begins looking up its
// customer and products (a create that the mirror's silence would
// justify waits for a refresh that started after it), and counts the
// order as active until done is called.
func (s *Syncer) beginLooking(ctx context.Context) (_ context.Context, done func()) {
	ix := s.index
	ix.fmu.Lock()
	t := lookTickets{ix.contacts.started, ix.products.started}
	ix.gate.active++
	ix.changedLocked()
	ix.fmu.Unlock()
	var once sync.Once
	return context.WithValue(ctx, lookKey{}, t), func() {
		once.Do(func() {
			ix.fmu.Lock()
			ix.gate.active--
			ix.changedLocked()
			ix.fmu.Unlock()
		})
	}
}

// lookTicket returns the ticket of f that beginLooking put in ctx, and
// whether there was one (the lookup is an order's); else f's ticket now.
func (s *Syncer) lookTicket(ctx context.Context, f *mirrorFeed) (uint64, bool) {
	if t, ok := ctx.Value(lookKey{}).(lookTickets); ok {
		if f == &s.index.contacts {
			return t.contacts, true
		}
		return t.products, true
	}
	return s.index.ticket(f), false
}

// ensureFresh returns once a refresh of f that started after ticket was
// taken has succeeded, starting one when none is under way and the gate
// allows it (at once unless order), or with the error of the one it
// waited for.
func (s *Syncer) ensureFresh(ctx context.Context, f *mirrorFeed, ticket uint64, order bool) error {
	ix := s.index
	ix.fmu.Lock()
	if order {
		ix.gate.waiting++
		ix.changedLocked()
	}
	leave := func() {
		if order {
			ix.gate.waiting--
			ix.changedLocked()
		}
		ix.fmu.Unlock()
	}
	since := time.Now()
	for {
		if f.done > ticket {
			leave()
			return nil
		}
		if f.failed > ticket && (ctx.Err() != nil || !isContextErr(f.err)) {
			// A refresh that another caller's end cancelled is run
			// again for this one.
			err := f.err
			leave()
			return err
		}
		wait := time.Duration(0)
		if !f.running {
			wait = mirrorMaxWait - time.Since(since)
			if !order || PriorityOf(ctx) == PriorityLive || 2*ix.gate.waiting >= ix.gate.active || wait <= 0 { // a live order does not wait for the import's orders to gather (priority.go)
				f.started++
				seq := f.started
				f.running = true
				f.runs++
				ix.fmu.Unlock()

				err := s.refresh(ctx, f.kind)

				ix.fmu.Lock()
				f.running = false
				if err == nil {
					f.done = seq
				} else {
					f.failed, f.err = seq, err
				}
				ix.changedLocked()
				continue
			}
		}
		if ix.gate.change == nil {
			ix.changedLocked()
		}
		change := ix.gate.change
		ix.fmu.Unlock()
		var (
			timeout <-chan time.Time
			timer   *time.Timer
		)
		if wait > 0 {
			timer = time.NewTimer(wait)
			timeout = timer.C
		}
		select {
		case <-change:
		case <-timeout:
		case <-ctx.Done():
		}
		if timer != nil {
			timer.Stop()
		}
		ix.fmu.Lock()
		if ctx.Err() != nil {
			leave()
			return ctx.Err()
		}
	}
}

// lockWaiting is Store.Lock for an order's lookups: while it waits for the
// lock (held, perhaps, by an order that waits for a refresh), the order
// counts as waiting, so that the gate does not wait for it.
func (s *Syncer) lockWaiting(ctx context.Context, key string) (func(), error) {
	if _, ok := ctx.Value(lookKey{}).(lookTickets); !ok {
		return s.store.Lock(ctx, key)
	}
	ix := s.index
	ix.fmu.Lock()
	ix.gate.waiting++
	ix.changedLocked()
	ix.fmu.Unlock()
	defer func() {
		ix.fmu.Lock()
		ix.gate.waiting--
		ix.changedLocked()
		ix.fmu.Unlock()
	}()
	return s.store.Lock(ctx, key)
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// refresh lists kind into the mirror: all of it when the Store has never
// mirrored it, else what RO App modified since the stored time (less
// Options.MirrorOverlap), and then records the time the listing started.
func (s *Syncer) refresh(ctx context.Context, kind MirrorKind) error {
	m, l, on := s.mirrorOf()
	if !on {
		return nil
	}
	upTo, err := m.MirroredUpTo(ctx, kind)
	if err != nil {
		return &storeError{fmt.Errorf("mirrored %s up to: %w", kind, err)}
	}
	since := time.Time{}
	if !upTo.IsZero() {
		since = upTo.Add(-s.mirrorOverlap)
	}
	start := s.clock()
	n := 0
	switch kind {
	case MirrorContacts:
		n, err = mirrorList(ctx, l.ListContacts(ctx, since, s.settings.DefaultRegion), mirrored, m.PutMirrorContacts)
	case MirrorProducts:
		n, err = mirrorList(ctx, l.ListProducts(ctx, since), mirroredProduct, m.PutMirrorProducts)
	default:
		return fmt.Errorf("rosync: no mirror of %s", kind)
	}
	if err != nil {
		return fmt.Errorf("rosync: mirror RO App %s: %w", kind, err)
	}
	if err := m.SetMirroredUpTo(ctx, kind, start); err != nil {
		return &storeError{fmt.Errorf("set mirrored %s up to: %w", kind, err)}
	}
	s.log.DebugContext(ctx, "mirror refreshed", "list", kind, "listed", n, "full", since.IsZero())
	return nil
}

// mirrorList writes a listing into the Store in batches and returns how
// many it wrote.
func mirrorList[T any](ctx context.Context, seq func(func(T, error) bool), conv func(T) T,
	put func(context.Context, []T) error) (int, error) {
	batch := make([]T, 0, mirrorBatch)
	n := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := put(ctx, batch); err != nil {
			return &storeError{err}
		}
		n += len(batch)
		batch = batch[:0]
		return nil
	}
	for v, err := range seq {
		if err != nil {
			return n, err
		}
		batch = append(batch, conv(v))
		if len(batch) == mirrorBatch {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	return n, flush()
}

// handleROObjectEvent handles an RO App webhook event that is not about an
// order (the events of roapp.readme.io's Webhooks Guide; the event is a
// hint, its payload is not signed). Client.Created says the account has a
// new contact: the mirror is refreshed (the contact read back, in a
// refresh shared with those under way) unless it holds that contact
// already (one the Syncer created and listed since, or a redelivery).
// Client.Deleted empties the mirrored contact's phones and email, so that
// nothing matches it any more (RO App lists no deletions). Other events
// are ignored.
func (s *Syncer) handleROObjectEvent(ctx context.Context, ev ROEvent) error {
	m, _, on := s.mirrorOf()
	if !on {
		return nil
	}
	object := ev.ObjectID != 0 && (ev.ObjectType == "" || strings.EqualFold(ev.ObjectType, "client"))
	switch ev.Name {
	case "Client.Created":
		if object {
			got, err := m.MirrorContacts(ctx, ev.ObjectID, "", "")
			if err != nil {
				return &storeError{fmt.Errorf("mirrored contact: %w", err)}
			}
			if len(got) > 0 {
				return nil
			}
		}
		return s.ensureFresh(ctx, &s.index.contacts, s.index.ticket(&s.index.contacts), false)
	case "Client.Deleted":
		if !object {
			return nil
		}
		if err := m.PutMirrorContacts(ctx, []Contact{{ID: ev.ObjectID}}); err != nil {
			return &storeError{fmt.Errorf("forget mirrored contact: %w", err)}
		}
	}
	return nil
}
