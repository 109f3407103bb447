package rosync_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp/roapptest"
)

// listCalls counts the list reads of the mirror.
func (e *env) listCalls() (contacts, products int) {
	return e.calls("GET /contacts/people"), e.calls("GET /catalog/products")
}

// The account is mirrored at Connect: a known customer or product is
// matched, and a new one created, without a lookup per order (CUS-3, PRD-2
// through the mirror); a create costs one refresh of what changed.
func TestEngine_Mirror(t *testing.T) {
	e := newEnv(t, basePolicy(),
		withSeed(func(s *roapptest.Seed) {
			s.Contacts = []roapptest.Contact{{ID: 7, FirstName: "Olena", LastName: "Old", Phones: []string{"+380501112233"}}}
			s.Products = []roapptest.Product{{ID: 9, Title: "Phone X", SKU: "PH-1", UOM: "piece"}}
		}))
	c0, p0 := e.listCalls()
	require.Positive(t, c0, "Connect lists the contacts")
	require.Positive(t, p0, "Connect lists the products")

	e.addOrder(newOrder("981", time.Time{})) // Olena's phone, product PH-1
	e.sync(t, "981")
	snap := e.emu.Snapshot()
	require.EqualValues(t, 7, snap.Orders[0].ClientID, "CUS-3: matched through the mirror")
	require.EqualValues(t, 9, snap.Orders[0].Items[0].ProductID, "PRD-2: matched through the mirror")
	c, p := e.listCalls()
	require.Equal(t, [2]int{c0, p0}, [2]int{c, p}, "a lookup was made for what the mirror holds")

	newbie := newOrder("982", time.Time{})
	newbie.Customer = &rosync.Customer{FirstName: "Taras", Phone: "+380671234567", Email: "taras@example.com"}
	e.addOrder(newbie)
	e.sync(t, "982")
	c, p = e.listCalls()
	require.Equal(t, [2]int{c0 + 1, p0}, [2]int{c, p}, "CUS-3: a new customer costs one refresh of the contacts")
	require.Equal(t, 1, e.calls("POST /contacts/people"))
}

// CUS-3: contacts a person creates in RO App while the initial import runs
// are matched, by phone and by email, not duplicated: each order that the
// mirror cannot match waits for a refresh that started after it began
// looking.
func TestEngine_MirrorSeesContactsCreatedDuringTheImport(t *testing.T) {
	var (
		mu      sync.Mutex
		e       *env
		created = map[string]int64{} // order id -> contact created before it
	)
	// Before orders 2 and 3 are applied (right after the one before them),
	// a person creates their customer in RO App.
	people := map[string]rosync.Contact{
		"imp-1": {FirstName: "Ivan", LastName: "Phone", Phones: []string{"+380631112244"}},
		"imp-2": {FirstName: "Iryna", LastName: "Mail", Email: "iryna@example.com"},
	}
	e = newEnv(t, basePolicy(), withoutConnect(), withOptions(func(o *rosync.Options) {
		o.Concurrency = 1
		o.OnEvent = func(ev rosync.Event) {
			c, ok := people[ev.OrderID]
			if !ok || ev.Kind != rosync.EventImported {
				return
			}
			id, err := e.client.CreateContact(context.Background(), c)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			created[ev.OrderID] = id
			mu.Unlock()
		}
	}))
	at := t0.Add(-48 * time.Hour)
	e.addOrder(newOrder("imp-1", at))
	ivan := newOrder("imp-2", at.Add(time.Hour))
	ivan.Customer = &rosync.Customer{FirstName: "Ivan", LastName: "Phone", Phone: "063 111 22 44"}
	e.addOrder(ivan)
	iryna := newOrder("imp-3", at.Add(2*time.Hour))
	iryna.Customer = &rosync.Customer{FirstName: "Iryna", LastName: "Mail", Email: "Iryna@Example.com"}
	e.addOrder(iryna)
	require.NoError(t, e.syncer.Connect(context.Background()))

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, created, 2, "the contacts were not created during the import")
	require.Equal(t, created["imp-1"], e.record(t, "imp-2").ClientID, "CUS-3: a contact created in RO App during the import was not matched by phone")
	require.Equal(t, created["imp-2"], e.record(t, "imp-3").ClientID, "CUS-3: a contact created in RO App during the import was not matched by email")
	// Olena (order imp-1) by rosync, Ivan and Iryna by the person.
	require.Equal(t, 3, e.calls("POST /contacts/people"), "CUS-3: a contact was duplicated")
}

// After a restart (a new Syncer on the same Store) the mirror is refreshed
// from the stored time, not listed whole again.
func TestEngine_MirrorSurvivesARestart(t *testing.T) {
	e := newEnv(t, basePolicy(), withoutConnect(), withSeed(func(s *roapptest.Seed) {
		for i := range 120 {
			s.Contacts = append(s.Contacts, roapptest.Contact{ID: int64(100 + i), FirstName: "Seed",
				Phones: []string{fmt.Sprintf("+38050100%04d", i)}})
		}
		s.Products = []roapptest.Product{{ID: 9, Title: "Phone X", SKU: "PH-1", UOM: "piece"}}
	}))
	e.clock.Advance(time.Hour)
	require.NoError(t, e.syncer.Connect(context.Background()))
	full, _ := e.listCalls()
	require.Equal(t, 3, full, "the first Connect lists the 120 contacts, 50 a page")

	e.clock.Advance(time.Hour)
	// Someone adds a contact while the process is away.
	id, err := e.client.CreateContact(context.Background(), rosync.Contact{FirstName: "Ivan", Phones: []string{"+380631112244"}})
	require.NoError(t, err)
	e.clock.Advance(time.Hour)

	restarted, err := rosync.New(e.plat, e.client, e.store, &rosync.Options{Shop: shopName, Settings: e.settings,
		Now: e.clock.Now, InlineRetries: -1})
	require.NoError(t, err)
	require.NoError(t, restarted.Connect(context.Background()))
	c, _ := e.listCalls()
	require.Equal(t, full+1, c, "a restart listed the whole account again")

	o := newOrder("r-1", time.Time{})
	o.Customer = &rosync.Customer{FirstName: "Ivan", Phone: "+380631112244"}
	e.addOrder(o)
	require.NoError(t, restarted.Sync(context.Background(), "r-1"))
	require.Equal(t, id, e.record(t, "r-1").ClientID, "CUS-3: the contact added while the process was away was not matched")
	c, _ = e.listCalls()
	require.Equal(t, full+1, c, "the refreshed mirror matched without another list")
}

// Concurrent orders that need creates share the mirror's refreshes: 16
// orders, each with a new customer and a new product, cost far fewer list
// calls than creates.
func TestEngine_MirrorRefreshesAreShared(t *testing.T) {
	const n = 16
	e := newEnv(t, basePolicy(), withoutConnect(), withOptions(func(o *rosync.Options) { o.Concurrency = n }))
	for i := range n {
		o := newOrder(fmt.Sprint("c-", i), t0.Add(-time.Duration(i+1)*time.Hour))
		o.Customer = &rosync.Customer{FirstName: "New", LastName: fmt.Sprint(i), Phone: fmt.Sprintf("+38067100%04d", i)}
		o.Lines = []rosync.LineItem{line(fmt.Sprint("c-", i, "-1"), fmt.Sprint("NEW-", i), 1, "10.00")}
		e.addOrder(o)
	}
	require.NoError(t, e.syncer.Connect(context.Background()))
	require.Equal(t, n, e.calls("POST /contacts/people"))
	require.Equal(t, n, e.calls("POST /catalog/products"))
	contacts, products := rosync.MirrorRefreshes(e.syncer)
	c, p := e.listCalls()
	t.Logf("refreshes: contacts %d, products %d; list calls: contacts %d, products %d", contacts, products, c, p)
	// The first of each is Connect's listing.
	require.LessOrEqual(t, c, n/3, "creates did not share the contacts' refreshes")
	require.LessOrEqual(t, p, n/3, "creates did not share the products' refreshes")
}

// An RO App Client.Created webhook refreshes the mirror, unless the mirror
// holds the contact already; the order that names it then needs no list.
func TestEngine_MirrorClientCreatedWebhook(t *testing.T) {
	e := newEnv(t, basePolicy())
	c0, _ := e.listCalls()
	id, err := e.client.CreateContact(context.Background(), rosync.Contact{FirstName: "Ivan", Phones: []string{"+380631112244"}})
	require.NoError(t, err)
	ev := rosync.ROEvent{ID: "ev-1", Name: "Client.Created", ObjectID: id, ObjectType: "client", At: t0}
	require.NoError(t, e.syncer.HandleROEvent(context.Background(), ev))
	c, _ := e.listCalls()
	require.Equal(t, c0+1, c, "Client.Created did not read the contact back")
	ev.ID = "ev-2"
	require.NoError(t, e.syncer.HandleROEvent(context.Background(), ev))
	c, _ = e.listCalls()
	require.Equal(t, c0+1, c, "Client.Created of a mirrored contact read it again")

	o := newOrder("w-1", time.Time{})
	o.Customer = &rosync.Customer{FirstName: "Ivan", Phone: "063 111 22 44"}
	e.addOrder(o)
	e.sync(t, "w-1")
	require.Equal(t, id, e.record(t, "w-1").ClientID, "CUS-3: the contact of the webhook was not matched")
	c, _ = e.listCalls()
	require.Equal(t, c0+1, c, "the order looked up a contact the webhook brought")
}

// An RO App Client.Deleted webhook makes the mirror forget the contact: a
// later order with its phone gets a new contact instead of the deleted one
// (CUS-3 matches what RO App has). The emulator cannot delete a contact;
// an unmodified one is not listed again, as a deleted one is not.
func TestEngine_MirrorClientDeletedWebhook(t *testing.T) {
	e := newEnv(t, basePolicy(), withoutConnect(), withSeed(func(s *roapptest.Seed) {
		s.Contacts = []roapptest.Contact{{ID: 7, FirstName: "Olena", Phones: []string{"+380501112233"}}}
	}))
	e.clock.Advance(time.Hour)
	require.NoError(t, e.syncer.Connect(context.Background()))
	require.NoError(t, e.syncer.HandleROEvent(context.Background(),
		rosync.ROEvent{ID: "ev-1", Name: "Client.Deleted", ObjectID: 7, ObjectType: "client", At: t0}))
	e.addOrder(newOrder("d-1", time.Time{})) // Olena's phone
	e.sync(t, "d-1")
	require.NotEqualValues(t, 7, e.record(t, "d-1").ClientID, "CUS-3: an order was matched to a contact RO App deleted")
	require.Equal(t, 1, e.calls("POST /contacts/people"))
}
