package rosync_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp/roapptest"
)

// With Options.WarmIndex the account is listed once at Connect: a known
// customer or product is matched, and a new one created, without a lookup
// per order (CUS-3, PRD-2 through the index); what RO App gains meanwhile
// is picked up once the index is older than IndexMaxAge.
func TestEngine_WarmIndex(t *testing.T) {
	e := newEnv(t, basePolicy(),
		withSeed(func(s *roapptest.Seed) {
			s.Contacts = []roapptest.Contact{{ID: 7, FirstName: "Olena", LastName: "Old", Phones: []string{"+380501112233"}}}
			s.Products = []roapptest.Product{{ID: 9, Title: "Phone X", SKU: "PH-1", UOM: "piece"}}
		}),
		withOptions(func(o *rosync.Options) { o.WarmIndex = true; o.IndexMaxAge = time.Minute }))
	lookups := func() int { return e.calls("GET /contacts/people") + e.calls("GET /catalog/products") }
	afterWarm := lookups()
	require.Positive(t, afterWarm, "Connect lists the account")

	e.addOrder(newOrder("981", time.Time{})) // Olena's phone, product PH-1
	e.sync(t, "981")
	snap := e.emu.Snapshot()
	require.EqualValues(t, 7, snap.Orders[0].ClientID)           // CUS-3: matched through the index
	require.EqualValues(t, 9, snap.Orders[0].Items[0].ProductID) // PRD-2: matched through the index
	require.Equal(t, afterWarm, lookups(), "a lookup was made for what the index knows")

	newbie := newOrder("982", time.Time{})
	newbie.Customer = &rosync.Customer{FirstName: "Taras", Phone: "+380671234567", Email: "taras@example.com"}
	e.addOrder(newbie)
	e.sync(t, "982")
	require.Equal(t, afterWarm, lookups(), "a new customer cost a lookup")
	require.Equal(t, 1, e.calls("POST /contacts/people"))

	// Someone adds a contact in RO App; once the index is older than
	// IndexMaxAge, the next use refreshes it and the contact is matched.
	id, err := e.client.CreateContact(context.Background(), rosync.Contact{FirstName: "Ivan", Phones: []string{"+380631112244"}})
	require.NoError(t, err)
	e.clock.Advance(2 * time.Minute)
	ivan := newOrder("983", time.Time{})
	ivan.Customer = &rosync.Customer{FirstName: "Ivan", Phone: "063 111 22 44"}
	e.addOrder(ivan)
	e.sync(t, "983")
	snap = e.emu.Snapshot()
	require.Equal(t, id, snap.Orders[2].ClientID, "CUS-3: a contact added in RO App was duplicated after the refresh")
	require.Equal(t, 2, e.calls("POST /contacts/people")) // Taras, and Ivan by the test itself
}

// The warm index holds what RO App had, not what the Syncer adds: a contact
// the Syncer creates is answered by the Store's identities, and a refresh
// leaves it out unless someone changed it in RO App (a phone added), in
// which case the new phone is matched (CUS-3) rather than duplicated.
func TestEngine_WarmIndexHoldsNotWhatTheSyncerCreates(t *testing.T) {
	e := newEnv(t, basePolicy(),
		withSeed(func(s *roapptest.Seed) {
			s.Contacts = []roapptest.Contact{{ID: 7, FirstName: "Olena", LastName: "Old", Phones: []string{"+380501112233"}}}
		}),
		withOptions(func(o *rosync.Options) { o.WarmIndex = true; o.IndexMaxAge = time.Minute }))
	base := rosync.IndexedContacts(e.syncer)
	require.Equal(t, 1, base)

	for i, phone := range []string{"+380671230001", "+380671230002", "+380671230003"} {
		o := newOrder(fmt.Sprint(990+i), time.Time{})
		o.Customer = &rosync.Customer{FirstName: "New", LastName: fmt.Sprint(i), Phone: phone}
		e.addOrder(o)
		e.sync(t, o.ID)
	}
	require.Equal(t, 3, e.calls("POST /contacts/people"))
	require.Equal(t, base, rosync.IndexedContacts(e.syncer), "the index grew with the contacts the Syncer created")

	// The index refreshes (older than IndexMaxAge): the three contacts are
	// listed as modified, and left to the Store.
	e.clock.Advance(2 * time.Minute)
	again := newOrder("995", time.Time{})
	again.Customer = &rosync.Customer{FirstName: "New", LastName: "0", Phone: "+380671230001"}
	e.addOrder(again)
	e.sync(t, "995")
	require.Equal(t, base, rosync.IndexedContacts(e.syncer), "a refresh put the Syncer's own contacts into the index")
	snap := e.emu.Snapshot()
	require.Equal(t, snap.Orders[0].ClientID, snap.Orders[3].ClientID, "CUS-3: a repeat customer got another contact")

	// Someone adds a phone to one of them in RO App: the next refresh
	// indexes it, and an order with that phone is matched (CUS-3).
	first := snap.Orders[1].ClientID
	require.NoError(t, e.client.UpdateContact(context.Background(),
		rosync.Contact{ID: first, Phones: []string{"+380671230002", "+380931230002"}}))
	e.clock.Advance(2 * time.Minute)
	other := newOrder("996", time.Time{})
	other.Customer = &rosync.Customer{FirstName: "New", LastName: "1", Phone: "+380931230002"}
	e.addOrder(other)
	e.sync(t, "996")
	require.Equal(t, base+1, rosync.IndexedContacts(e.syncer))
	snap = e.emu.Snapshot()
	require.Equal(t, first, snap.Orders[4].ClientID, "CUS-3: a contact changed in RO App was duplicated")
	require.Equal(t, 3, e.calls("POST /contacts/people"))
}
