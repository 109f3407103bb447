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
