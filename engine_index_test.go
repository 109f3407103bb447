package rosync_test

import (
	"context"
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
