package replayps_test

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync/replay"
	"github.com/rosync/rosync/roapp/roapptest"

	_ "example.com/rosync-prestashop/replayps"
)

var update = flag.Bool("update", false, "rewrite the golden snapshot")

const (
	fixturePath  = "testdata/prestashop-demo.json"
	snapshotPath = "testdata/prestashop-demo.snapshot.json"
)

func run(t *testing.T) *replay.Result {
	t.Helper()
	f, err := os.Open(fixturePath)
	require.NoError(t, err)
	defer f.Close()
	fx, err := replay.Load(f)
	require.NoError(t, err, "the fixture names a platform registered by replayps (replay.Register)")
	res, err := replay.Run(context.Background(), fx, &replay.Options{Memory: true})
	require.NoError(t, err)
	return res
}

// TestDemoShop replays the demo shop through replay.Register and compares
// the RO App snapshot with the golden one.
func TestDemoShop(t *testing.T) {
	res := run(t)
	got, err := json.MarshalIndent(res.Snapshot, "", "  ")
	require.NoError(t, err)
	got = append(got, '\n')
	if *update {
		require.NoError(t, os.WriteFile(snapshotPath, got, 0o644))
	}
	want, err := os.ReadFile(snapshotPath)
	require.NoError(t, err, "run go test ./replayps -update once to write the golden snapshot")
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("snapshot differs from %s (-want +got):\n%s", snapshotPath, diff)
	}
	require.Zero(t, res.Summary.Warnings)
}

// TestDemoShopRules checks what the PRS rules decide in the demo shop.
func TestDemoShopRules(t *testing.T) {
	res := run(t)
	snap := res.Snapshot
	rejected := map[string]string{}
	for _, r := range snap.Rejected {
		rejected[r.PlatformOrderID] = r.Rule
	}
	require.Equal(t, map[string]string{"102": "PRS-1", "103": "PRS-5"}, rejected,
		"PRS-1: order 102 is Delivered (state 5) and skipped by the initial import; PRS-5: order 103 has no rows")
	byRef := map[string]roapptest.Order{}
	for _, o := range snap.Orders {
		byRef[o.Platform+"/"+o.PlatformOrderID] = o
	}
	o101, ok := byRef["prestashop/101"]
	require.True(t, ok, "PRS-1: order 101 (Payment accepted, in the window) is imported: %+v", snap.Orders)
	_, ok = byRef["prestashop/104"]
	require.True(t, ok, "PRS-3: order 104 arrives by the relay webhook")
	qty := int64(0)
	for _, it := range o101.Items {
		if strings.HasPrefix(it.Price, "1299") { // the charger, CHG-65W
			qty = it.Quantity
		}
	}
	require.Equal(t, int64(2), qty, "PRS-3: the changed order 101 is read back through the Webservice")
	require.Empty(t, snap.PlatformStatusUpdates, "PRS-4: no status is pushed to PrestaShop")
}
