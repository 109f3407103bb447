package rosync_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp/roapptest"
)

// TestEngine_CustomerContact: CUS-1, CUS-2 and CUS-3, the order's customer
// becomes an RO App contact, matched rather than duplicated.
func TestEngine_CustomerContact(t *testing.T) { // CUS-1, CUS-2, CUS-3
	tests := []struct {
		name       string
		matchEmail bool
		seed       []roapptest.Contact
		customer   rosync.Customer
		want       []roapptest.Contact // the contacts after the import
		wantClient int64
		creates    int // POST /contacts/people
		updates    int // PATCH /contacts/people/{id}
	}{
		{
			name:     "new customer", // CUS-1, CUS-2
			customer: rosync.Customer{FirstName: " Olena ", LastName: "Kovalenko", Phone: "050 111 22 33", Email: "Olena.K@Example.com"},
			want: []roapptest.Contact{{ID: 1, FirstName: "Olena", LastName: "Kovalenko",
				Phones: []string{"+380501112233"}, Email: "olena.k@example.com"}},
			wantClient: 1, creates: 1,
		},
		{
			name: "same phone in another format", // CUS-3
			seed: []roapptest.Contact{{ID: 7, FirstName: "O.", Phones: []string{"+38 (050) 111-22-33"}, Email: ""}},
			customer: rosync.Customer{FirstName: "Olena", LastName: "Kovalenko", Phone: "050 111 22 33",
				Email: "olena.k@example.com"},
			want: []roapptest.Contact{{ID: 7, FirstName: "Olena", LastName: "Kovalenko",
				Phones: []string{"+38 (050) 111-22-33"}, Email: "olena.k@example.com"}},
			wantClient: 7, updates: 1,
		},
		{
			name: "same phone, the contact's other phones kept", // CUS-3
			seed: []roapptest.Contact{{ID: 7, FirstName: "O.", Phones: []string{"+380671234567", "+380501112233"}}},
			customer: rosync.Customer{FirstName: "Olena", LastName: "Kovalenko", Phone: "+380 50 111 2233",
				Email: "olena.k@example.com"},
			want: []roapptest.Contact{{ID: 7, FirstName: "Olena", LastName: "Kovalenko",
				Phones: []string{"+380671234567", "+380501112233"}, Email: "olena.k@example.com"}},
			wantClient: 7, updates: 1,
		},
		{
			name:       "email case-insensitively with MatchEmail", // CUS-3
			matchEmail: true,
			seed:       []roapptest.Contact{{ID: 4, FirstName: "Olena", Email: "OLENA.K@example.COM"}},
			customer:   rosync.Customer{FirstName: "Olena", LastName: "Kovalenko", Phone: "050 111 22 33", Email: "olena.k@Example.com"},
			want: []roapptest.Contact{{ID: 4, FirstName: "Olena", LastName: "Kovalenko",
				Phones: []string{"+380501112233"}, Email: "olena.k@example.com"}},
			wantClient: 4, updates: 1,
		},
		{
			name:       "not by email without MatchEmail when a phone exists", // CUS-3
			matchEmail: false,
			seed:       []roapptest.Contact{{ID: 4, FirstName: "Olena", Phones: []string{"+380671234567"}, Email: "olena.k@example.com"}},
			customer:   rosync.Customer{FirstName: "Olena", LastName: "Kovalenko", Phone: "050 111 22 33", Email: "olena.k@example.com"},
			want: []roapptest.Contact{
				{ID: 4, FirstName: "Olena", Phones: []string{"+380671234567"}, Email: "olena.k@example.com"},
				{ID: 5, FirstName: "Olena", LastName: "Kovalenko", Phones: []string{"+380501112233"}, Email: "olena.k@example.com"},
			},
			wantClient: 5, creates: 1,
		},
		{
			name: "a foreign number is not matched to a local contact", // CUS-3
			seed: []roapptest.Contact{{ID: 7, FirstName: "Olena", Phones: []string{"+380501112233"}}},
			// The same digits, read in the country of the order's address.
			customer: rosync.Customer{FirstName: "Jan", LastName: "Nowak", Phone: "501 112 233", Country: "PL"},
			want: []roapptest.Contact{
				{ID: 7, FirstName: "Olena", Phones: []string{"+380501112233"}},
				{ID: 8, FirstName: "Jan", LastName: "Nowak", Phones: []string{"+48501112233"}},
			},
			wantClient: 8, creates: 1,
		},
		{
			name:       "a number that cannot be normalised is not written as a phone", // CUS-3
			customer:   rosync.Customer{FirstName: "Bob", Phone: "(555) 555-5555", Email: "bob@example.com"},
			want:       []roapptest.Contact{{ID: 1, FirstName: "Bob", Phones: []string{}, Email: "bob@example.com"}},
			wantClient: 1, creates: 1,
		},
		{
			name:       "placeholders are no phone or email", // CUS-3, WOO-C1
			customer:   rosync.Customer{FirstName: "Bob", Phone: "n/a", Email: "bob@example.com"},
			want:       []roapptest.Contact{{ID: 1, FirstName: "Bob", Phones: []string{}, Email: "bob@example.com"}},
			wantClient: 1, creates: 1,
		},
		{
			name:       "an update writes no invented name over a real one", // CUS-3
			matchEmail: true,
			seed:       []roapptest.Contact{{ID: 7, FirstName: "Olena", LastName: "Kovalenko", Phones: []string{"+380501112233"}}},
			customer:   rosync.Customer{Phone: "050 111 22 33", Email: "olena.k@example.com"},
			want: []roapptest.Contact{{ID: 7, FirstName: "Olena", LastName: "Kovalenko",
				Phones: []string{"+380501112233"}, Email: "olena.k@example.com"}},
			wantClient: 7, updates: 1,
		},
		{
			name:     "a contact created without a first name gets the placeholder", // CUS-2
			customer: rosync.Customer{LastName: "Kovalenko", Email: "olena.k@example.com"},
			want: []roapptest.Contact{{ID: 1, FirstName: rosync.UnnamedPrefix + "N-601", LastName: "Kovalenko",
				Phones: []string{}, Email: "olena.k@example.com"}},
			wantClient: 1, creates: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol := basePolicy()
			pol.MatchEmail = tt.matchEmail
			e := newEnv(t, pol, withSeed(func(s *roapptest.Seed) { s.Contacts = tt.seed }))
			o := newOrder("601", time.Time{})
			o.Customer = &tt.customer
			e.addOrder(o)
			e.sync(t, "601")

			snap := e.emu.Snapshot()
			if diff := cmp.Diff(tt.want, snap.Contacts); diff != "" {
				t.Errorf("contacts (-want +got):\n%s", diff)
			}
			require.Len(t, snap.Orders, 1)
			require.Equal(t, tt.wantClient, snap.Orders[0].ClientID, "the order's client")
			require.Equal(t, tt.creates, e.calls("POST /contacts/people"), "contact creates")
			require.Equal(t, tt.updates, e.calls("PATCH /contacts/people/{id}"), "contact updates")
		})
	}
}

// TestEngine_RepeatCustomer: CUS-3, a repeat customer costs no contact
// create, and no update while unchanged; a change is written over the same
// contact.
func TestEngine_RepeatCustomer(t *testing.T) { // CUS-3
	e := newEnv(t, basePolicy())
	e.addOrder(newOrder("611", time.Time{}))
	e.sync(t, "611")
	require.Equal(t, 1, e.calls("POST /contacts/people"))
	findsAfterFirst := e.calls("GET /contacts/people")

	// The same customer, phone written differently, email in other case.
	o := newOrder("612", time.Time{})
	o.Customer.Phone = "+380501112233"
	o.Customer.Email = "OLENA.K@EXAMPLE.COM"
	e.addOrder(o)
	e.sync(t, "612")
	require.Equal(t, 1, e.calls("POST /contacts/people"), "CUS-3: a repeat customer is not created again")
	require.Equal(t, 0, e.calls("PATCH /contacts/people/{id}"), "CUS-3: an unchanged customer is not updated")
	require.Equal(t, findsAfterFirst, e.calls("GET /contacts/people"), "CUS-3: a known customer costs no search")

	// A changed name updates the same contact.
	o = newOrder("613", time.Time{})
	o.Customer.LastName = "Shevchenko"
	e.addOrder(o)
	e.sync(t, "613")
	require.Equal(t, 1, e.calls("POST /contacts/people"))
	require.Equal(t, 1, e.calls("PATCH /contacts/people/{id}"), "CUS-3: a changed customer is updated")

	snap := e.emu.Snapshot()
	want := []roapptest.Contact{{ID: 1, FirstName: "Olena", LastName: "Shevchenko",
		Phones: []string{"+380501112233"}, Email: "olena.k@example.com"}}
	if diff := cmp.Diff(want, snap.Contacts); diff != "" {
		t.Errorf("CUS-3: contacts (-want +got):\n%s", diff)
	}
	require.Len(t, snap.Orders, 3)
	for _, o := range snap.Orders {
		require.Equal(t, int64(1), o.ClientID)
	}
}

// TestEngine_NoContactData: WOO-C2, an order whose customer has a name but
// only placeholders for phone and email ("-", "n/a") is not imported where
// the policy requires contact data, and is kept with its reason.
func TestEngine_NoContactData(t *testing.T) { // WOO-C2, WOO-2
	pol := basePolicy()
	pol.RequireCustomer, pol.RequireRule = true, "WOO-2"
	e := newEnv(t, pol)
	o := newOrder("621", time.Time{})
	o.Customer = &rosync.Customer{FirstName: "Olena", LastName: "Kovalenko", Phone: "-", Email: "n/a"}
	e.addOrder(o)
	var rej *rosync.RejectedError
	require.ErrorAs(t, e.syncer.Sync(t.Context(), "621"), &rej, "WOO-C2: no contact data, no order")
	rec := e.record(t, "621")
	require.Equal(t, rosync.StateRejected, rec.State)
	require.Equal(t, "WOO-2", rec.Rule)
	require.Contains(t, rec.Reason, "WOO-C2")
	require.Empty(t, e.emu.Snapshot().Contacts, "WOO-C2: the customer is not created")
	require.Empty(t, e.emu.Snapshot().Orders)
}

// TestEngine_CustomerCorrection: CUS-3 with PRD-7, a correction of the
// customer's name, phone or email on the platform before deduction updates
// the order's contact (the new phone replacing the one written before,
// the contact's other phones kept); an unchanged customer costs nothing;
// after deduction nothing follows (ORD-5).
func TestEngine_CustomerCorrection(t *testing.T) { // CUS-3, PRD-7, ORD-5
	e := newEnv(t, basePolicy())
	e.addOrder(newOrder("631", time.Time{}))
	e.sync(t, "631")
	require.Equal(t, 1, e.calls("POST /contacts/people"))
	// Someone adds a second phone to the contact in RO App.
	require.NoError(t, e.client.UpdateContact(t.Context(), rosync.Contact{ID: 1,
		Phones: []string{"+380501112233", "+380441234567"}}))
	patches := e.calls("PATCH /contacts/people/{id}")

	e.clock.Advance(time.Minute)
	e.change("631", func(o *rosync.Order) {
		o.Customer = &rosync.Customer{FirstName: "Olena", LastName: "Shevchenko", Phone: "067 123 45 67", Email: "olena.s@example.com"}
	})
	e.sync(t, "631")
	want := []roapptest.Contact{{ID: 1, FirstName: "Olena", LastName: "Shevchenko",
		Phones: []string{"+380441234567", "+380671234567"}, Email: "olena.s@example.com"}}
	if diff := cmp.Diff(want, e.emu.Snapshot().Contacts); diff != "" {
		t.Errorf("CUS-3, PRD-7: the corrected customer is the contact's (-want +got):\n%s", diff)
	}
	require.Equal(t, patches+1, e.calls("PATCH /contacts/people/{id}"))
	require.Equal(t, 1, e.calls("POST /contacts/people"), "CUS-3: the same contact, not a new one")

	// Unchanged: no write. A placeholder phone is no correction.
	e.sync(t, "631")
	e.change("631", func(o *rosync.Order) { o.Customer.Phone = "n/a" })
	e.sync(t, "631")
	require.Equal(t, patches+2, e.calls("PATCH /contacts/people/{id}"))
	if diff := cmp.Diff(want, e.emu.Snapshot().Contacts); diff != "" {
		t.Errorf("CUS-3: a placeholder phone changes nothing (-want +got):\n%s", diff)
	}

	// A later order with the new phone finds the contact without a lookup.
	o := newOrder("632", time.Time{})
	o.Customer = &rosync.Customer{FirstName: "Olena", LastName: "Shevchenko", Phone: "+380671234567", Email: "olena.s@example.com"}
	e.addOrder(o)
	e.sync(t, "632")
	require.Equal(t, 1, e.calls("POST /contacts/people"), "CUS-3: the corrected phone leads to the contact")

	// After deduction nothing follows.
	require.NoError(t, e.emu.Deduct(e.roOrderID(t, "N-631")))
	e.change("631", func(o *rosync.Order) { o.Customer.LastName = "Bondarenko" })
	before := e.writes()
	e.sync(t, "631")
	require.Equal(t, before, e.writes(), "ORD-5: no write after deduction")
	require.Equal(t, "Shevchenko", e.emu.Snapshot().Contacts[0].LastName, "ORD-5")
}

// TestEngine_CorrectionNeverTouchesPlaceholder: SHO-C2 with CUS-3, an order
// imported with the shared "Not specified" contact never writes a
// customer over it when its data appears later.
func TestEngine_CorrectionNeverTouchesPlaceholder(t *testing.T) { // SHO-C2, CUS-3
	e := newEnv(t, basePolicy())
	o := newOrder("641", time.Time{})
	o.Customer, o.CustomerRedacted = nil, true
	e.addOrder(o)
	e.sync(t, "641")
	e.change("641", func(o *rosync.Order) {
		o.CustomerRedacted = false
		o.Customer = &rosync.Customer{FirstName: "Olena", Phone: "050 111 22 33"}
	})
	e.sync(t, "641")
	snap := e.emu.Snapshot()
	require.Len(t, snap.Contacts, 1)
	require.Equal(t, rosync.PlaceholderFirstName, snap.Contacts[0].FirstName, "SHO-C2: the placeholder stays")
	require.Equal(t, 0, e.calls("PATCH /contacts/people/{id}"), "SHO-C2: the placeholder is not updated")
}
