package woocommerce

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/rosync/rosync"
)

// The engine applies the policy; these tests pin what the adapter declares.
func TestPolicy(t *testing.T) {
	p, err := New("https://shop.example", Credentials{Key: "ck", Secret: "cs"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name() != "woocommerce" {
		t.Errorf("Name() = %q", p.Name())
	}
	pol := p.Policy()

	t.Run("WOO-1 initial import window and excluded statuses", func(t *testing.T) {
		if pol.WindowRule != "WOO-1" || pol.ImportMonths != 2 {
			t.Errorf("WindowRule %q ImportMonths %d, want WOO-1 and 2", pol.WindowRule, pol.ImportMonths)
		}
		for _, st := range []string{"completed", "cancelled", "refunded", "failed", "trash"} {
			if !pol.Excluded(st) {
				t.Errorf("status %q is not excluded", st)
			}
		}
		for _, st := range []string{"pending", "processing", "on-hold"} {
			if pol.Excluded(st) {
				t.Errorf("status %q is excluded", st)
			}
		}
	})
	t.Run("WOO-2 and WOO-C2 requirements", func(t *testing.T) {
		if !pol.RequireLines || !pol.RequireCustomer || pol.RequireRule != "WOO-2" {
			t.Errorf("RequireLines %v RequireCustomer %v RequireRule %q", pol.RequireLines, pol.RequireCustomer, pol.RequireRule)
		}
	})
	t.Run("WOO-3 completed held until deducted", func(t *testing.T) {
		if pol.StatusSync != rosync.StatusSyncToPlatform || !pol.StatusSync.ToPlatform() || pol.StatusSync.FromPlatform() {
			t.Errorf("StatusSync = %v, want RO App -> WooCommerce only", pol.StatusSync)
		}
		if !pol.Held("completed") || pol.Held("processing") {
			t.Errorf("HoldUntilDeducted = %v, want [completed]", pol.HoldUntilDeducted)
		}
	})
	t.Run("WOO-4 delivery not transferred", func(t *testing.T) {
		if pol.Delivery != rosync.DeliveryNone {
			t.Errorf("Delivery = %v, want DeliveryNone", pol.Delivery)
		}
	})
	t.Run("WOO-C1 match by email too, no address", func(t *testing.T) {
		if !pol.MatchEmail || pol.TransfersAddress {
			t.Errorf("MatchEmail %v TransfersAddress %v", pol.MatchEmail, pol.TransfersAddress)
		}
	})
	t.Run("PRD-2 and WOO-P1 identify by name, SKU or id", func(t *testing.T) {
		want := []rosync.IdentifyBy{rosync.IdentifyByName, rosync.IdentifyBySKU, rosync.IdentifyByID}
		if diff := cmp.Diff(want, pol.IdentifyBy); diff != "" {
			t.Errorf("IdentifyBy (-want +got):\n%s", diff)
		}
	})
}

func TestNew_Validation(t *testing.T) {
	tests := []struct {
		name, url string
		creds     Credentials
	}{
		{"relative URL", "shop.example", Credentials{Key: "ck", Secret: "cs"}},
		{"ftp", "ftp://shop.example", Credentials{Key: "ck", Secret: "cs"}},
		{"credentials in URL", "https://ck:cs@shop.example", Credentials{Key: "ck", Secret: "cs"}},
		{"query", "https://shop.example/?a=b", Credentials{Key: "ck", Secret: "cs"}},
		{"no key", "https://shop.example", Credentials{Secret: "cs"}},
		{"no secret", "https://shop.example", Credentials{Key: "ck"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.url, tt.creds, nil); err == nil {
				t.Error("New succeeded")
			}
		})
	}
	p, err := New("https://shop.example/store/", Credentials{Key: "ck", Secret: "cs"}, &Options{PerPage: 500})
	if err != nil {
		t.Fatal(err)
	}
	if p.c.api != "https://shop.example/store/wp-json/wc/v3" || p.perPage != 100 {
		t.Errorf("api %q perPage %d", p.c.api, p.perPage)
	}
}
