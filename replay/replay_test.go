package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync/roapp/roapptest"
)

var update = flag.Bool("update", false, "rewrite the golden snapshots in testdata/replay")

const demoDir = "../testdata/replay"

// TestDemoShops replays every demo shop and compares the snapshot with its
// golden file, on the SQLite store (the embedded default) and in memory.
func TestDemoShops(t *testing.T) {
	fixtures, err := filepath.Glob(filepath.Join(demoDir, "*-demo.json"))
	require.NoError(t, err)
	require.NotEmpty(t, fixtures, "no demo fixtures found")
	for _, path := range fixtures {
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		t.Run(name, func(t *testing.T) {
			fx := load(t, path)
			golden := filepath.Join(demoDir, name+".snapshot.json")
			got := run(t, fx, &Options{StoreDir: t.TempDir()})
			if *update {
				data, err := json.MarshalIndent(got, "", "  ")
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(golden, append(data, '\n'), 0o644))
			}
			data, err := os.ReadFile(golden)
			require.NoError(t, err, "golden snapshot missing: run go test ./replay -update")
			var want roapptest.Snapshot
			require.NoError(t, json.Unmarshal(data, &want))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("SQLite store: snapshot differs from %s (-want +got):\n%s", golden, diff)
			}
			if diff := cmp.Diff(want, run(t, fx, &Options{Memory: true})); diff != "" {
				t.Errorf("memory store: snapshot differs from %s (-want +got):\n%s", golden, diff)
			}
		})
	}
}

func load(t *testing.T, path string) *Fixture {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	fx, err := Load(f)
	require.NoError(t, err)
	return fx
}

func run(t *testing.T, fx *Fixture, opts *Options) roapptest.Snapshot {
	t.Helper()
	opts.Warnf = func(format string, args ...any) { t.Errorf("replay warning: "+format, args...) }
	res, err := Run(context.Background(), fx, opts)
	require.NoError(t, err)
	// Through JSON, as the snapshot file is compared.
	data, err := json.Marshal(res.Snapshot)
	require.NoError(t, err)
	var snap roapptest.Snapshot
	require.NoError(t, json.Unmarshal(data, &snap))
	return snap
}

func TestLoadErrors(t *testing.T) {
	tests := map[string]string{
		"malformed":        `{"platform": "woocommerce",`,
		"unknown key":      `{"platform": "woocommerce", "now": "2026-11-27T12:00:00Z", "shopp": {}}`,
		"unknown platform": `{"platform": "magento", "now": "2026-11-27T12:00:00Z"}`,
		"no now":           `{"platform": "woocommerce"}`,
		"bad event":        `{"platform": "woocommerce", "now": "2026-11-27T12:00:00Z", "events": [{"type": "explode"}]}`,
		"event no order":   `{"platform": "woocommerce", "now": "2026-11-27T12:00:00Z", "events": [{"type": "platform_order"}]}`,
		"status no name":   `{"platform": "woocommerce", "now": "2026-11-27T12:00:00Z", "events": [{"type": "ro_status", "order_number": "1"}]}`,
		"trailing":         `{"platform": "woocommerce", "now": "2026-11-27T12:00:00Z"} {}`,
		"wrong type":       `{"platform": 7, "now": "2026-11-27T12:00:00Z"}`,
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Load(strings.NewReader(in))
			var fe *FixtureError
			if !errors.As(err, &fe) {
				t.Fatalf("Load = %v, want *FixtureError", err)
			}
		})
	}
	big := bytes.Repeat([]byte(" "), MaxFixtureSize+2)
	if _, err := Load(bytes.NewReader(big)); err == nil {
		t.Error("oversized fixture accepted")
	}
}
