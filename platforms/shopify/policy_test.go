package shopify

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rosync/rosync"
)

var testTime = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

func TestPolicy(t *testing.T) {
	p, err := New("example", Credentials{AccessToken: "x"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := rosync.Policy{
		WindowRule:       "SHO-1",                                                // SHO-1
		ImportMonths:     2,                                                      // SHO-1: the last two months
		ExcludedStatuses: []string{"fulfilled", "cancelled", "refunded"},         // SHO-1
		StatusSync:       rosync.StatusSyncNone,                                  // SHO-2: neither direction
		IdentifyBy:       []rosync.IdentifyBy{"name", "sku", "id"},               // PRD-2, SHO-P1
		Delivery:         rosync.DeliveryOnChange,                                // DEL-1, DEL-2
		MatchEmail:       true,                                                   // CUS-3
		TransfersAddress: true,                                                   // SHO-C1
		StatusComments:   map[string]string{"cancelled": "Cancelled on Shopify"}, // SHO-2
	}
	if diff := cmp.Diff(want, p.Policy()); diff != "" {
		t.Errorf("Policy (-want +got):\n%s", diff)
	}
	if p.Name() != "shopify" {
		t.Errorf("Name = %q", p.Name())
	}
}
