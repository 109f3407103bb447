package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync/faultplan"
	"github.com/rosync/rosync/roapp/roapptest"
)

// ignoreCalls compares snapshots except their API call counts, which
// faults change.
var ignoreCalls = cmpopts.IgnoreFields(roapptest.Snapshot{}, "APICalls")

// testTimeout is the clients' timeout in the fault tests: slow answers
// cost it once each.
const testTimeout = 100 * time.Millisecond

func demoFixtures(t *testing.T) map[string]*Fixture {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(demoDir, "*-demo.json"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	out := map[string]*Fixture{}
	for _, p := range paths {
		out[strings.TrimSuffix(filepath.Base(p), ".json")] = load(t, p)
	}
	return out
}

// TestFaults_DemoShops replays every demo shop under seeded faults with
// every webhook delivered three times, concurrently and out of order: the
// snapshot equals the fault-free one except api_calls and the sequence of
// RO App ids (ENG-1: nothing created twice, an order in doubt waits out its
// quarantine while others go ahead; ENG-2: nothing lost).
func TestFaults_DemoShops(t *testing.T) {
	type tc struct {
		rate float64
		seed int64
	}
	var cases []tc
	for _, rate := range []float64{0.1, 0.3} {
		for seed := int64(1); seed <= 3; seed++ {
			cases = append(cases, tc{rate, seed})
		}
	}
	cases = append(cases, tc{0.45, 1})
	for name, fx := range demoFixtures(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want := run(t, fx, &Options{Memory: true})
			for _, c := range cases {
				t.Run(fmt.Sprintf("rate=%v/seed=%d", c.rate, c.seed), func(t *testing.T) {
					t.Parallel()
					plan := &faultplan.Plan{Rate: c.rate, Seed: c.seed}
					got := run(t, fx, &Options{Memory: true, Faults: plan, Timeout: testTimeout, Dup: 3})
					if diff := cmp.Diff(canonicalIDs(want), canonicalIDs(got), ignoreCalls); diff != "" {
						t.Errorf("snapshot under faults differs from the fault-free one (-want +got):\n%s", diff)
					}
					require.Positive(t, plan.Total(), "no fault injected")
					t.Logf("faults: %d (%s)", plan.Total(), plan.Summary())
				})
			}
		})
	}
}

// TestFaults_SQLiteStore is one faulty run of each demo shop on the SQLite
// store (the embedded default), ENG-1 and ENG-2.
func TestFaults_SQLiteStore(t *testing.T) {
	for name, fx := range demoFixtures(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want := run(t, fx, &Options{Memory: true})
			got := run(t, fx, &Options{StoreDir: t.TempDir(), Timeout: testTimeout, Dup: 2,
				Faults: &faultplan.Plan{Rate: 0.3, Seed: 11}})
			if diff := cmp.Diff(canonicalIDs(want), canonicalIDs(got), ignoreCalls); diff != "" {
				t.Errorf("snapshot under faults differs from the fault-free one (-want +got):\n%s", diff)
			}
		})
	}
}

// TestFaults_NoSecrets replays every demo shop under faults with
// duplicated webhooks, with every log line at debug level captured, and
// finds no secret in the logs, the warnings, the summary or the errors and
// reasons of the snapshot (ENG-6).
func TestFaults_NoSecrets(t *testing.T) {
	secrets := []string{roKey, roWebhookSecret, wooKey, wooSecret, wooWebhookSecret,
		shopifyToken, shopifyWebhookSecret, cartumPassword, cartumWebhookSecret}
	for name, fx := range demoFixtures(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var (
				mu  sync.Mutex
				buf bytes.Buffer
			)
			w := &lockedWriter{mu: &mu, w: &buf}
			logger := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
			res, err := Run(context.Background(), fx, &Options{
				Memory: true, Logger: logger, Timeout: testTimeout, Dup: 3,
				Faults: &faultplan.Plan{Rate: 0.3, Seed: 5},
				Warnf: func(format string, args ...any) {
					fmt.Fprintf(w, "warning: "+format+"\n", args...)
				},
			})
			require.NoError(t, err)
			res.Summary.Print(w, name)
			snap, err := json.Marshal(res.Snapshot)
			require.NoError(t, err)
			mu.Lock()
			logs := buf.String()
			mu.Unlock()
			require.Contains(t, logs, "level=DEBUG", "debug logs not captured")
			for _, s := range secrets {
				require.NotContains(t, logs, s, "a secret is in the logs")
				require.NotContains(t, string(snap), s, "a secret is in the snapshot")
			}
		})
	}
}
