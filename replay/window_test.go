package replay

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync/roapp/roapptest"
)

// TestWindowAndCorrections runs woocommerce-window.json through the real
// WooCommerce adapter and the RO App emulator. The shop is connected on 30
// April at 12:00: the initial import reaches back two calendar months,
// clamped to the month's end, to 28 February 12:00 (not 2 March, as
// adding -2 months with overflow gives): order 3001 (28 February 12:30) is
// imported, order 3002 (11:30) is not. Then the customer of order 3003
// corrects name, phone and email before the goods are written off, and
// the order's RO App contact follows; after the write-off, another
// correction stays on the platform.
func TestWindowAndCorrections(t *testing.T) { // WOO-1, CUS-3, PRD-7, ORD-5
	fx := load(t, filepath.Join(demoDir, "woocommerce-window.json"))
	snap := run(t, fx, &Options{Memory: true})

	imported := map[string]int64{}
	for _, o := range snap.Orders {
		imported[o.PlatformOrderID] = o.ClientID
	}
	require.Contains(t, imported, "3001", "WOO-1: an order inside the clamped two-month window was not imported")
	require.NotContains(t, imported, "3002", "WOO-1: an order before the window was imported")

	var contact *roapptest.Contact
	for i := range snap.Contacts {
		if snap.Contacts[i].ID == imported["3003"] {
			contact = &snap.Contacts[i]
		}
	}
	require.NotNil(t, contact, "order 3003 has no contact")
	require.Equal(t, "Bondarenko", contact.LastName, "CUS-3: a correction before deduction did not reach the contact")
	require.Equal(t, "t.bondarenko@example.com", contact.Email, "CUS-3")
	require.Equal(t, []string{"+380503330033"}, contact.Phones, "CUS-3: the corrected phone replaces the one rosync wrote")
	for _, c := range snap.Contacts {
		require.NotEqual(t, "Else", c.LastName, "ORD-5: a correction after deduction reached RO App")
		require.NotContains(t, c.Phones, "+380503330099", "ORD-5: a correction after deduction reached RO App")
	}
}
