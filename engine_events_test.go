package rosync_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
)

// Options.OnEvent and Options.Progress report what the Syncer did, for
// metrics and progress bars.
func TestEngine_EventsAndProgress(t *testing.T) {
	var (
		mu       sync.Mutex
		events   []rosync.Event
		progress []rosync.Progress
	)
	e := newEnv(t, basePolicy(), withoutConnect(), withOptions(func(o *rosync.Options) {
		o.OnEvent = func(ev rosync.Event) { mu.Lock(); events = append(events, ev); mu.Unlock() }
		o.Progress = func(p rosync.Progress) { mu.Lock(); progress = append(progress, p); mu.Unlock() }
	}))
	before := e.clock.Now().Add(-24 * time.Hour)
	e.addOrder(newOrder("971", before))
	e.addOrder(newOrder("972", before.Add(time.Minute)))
	usd := newOrder("973", before.Add(2*time.Minute))
	usd.Currency = "USD"
	e.addOrder(usd)
	require.NoError(t, e.syncer.Connect(context.Background()))

	mu.Lock()
	last := progress[len(progress)-1]
	mu.Unlock()
	want := rosync.Progress{Phase: "import", Shop: shopName, Orders: 3, Imported: 2, Rejected: 1, Started: last.Started, Done: true}
	if diff := cmp.Diff(want, last); diff != "" {
		t.Errorf("last progress (-want +got):\n%s", diff)
	}
	require.Len(t, progress, 4, "one report per order and one at the end")

	// A webhook with a bad signature is an event too (ENG-4), and a
	// re-sync of an imported order an update.
	require.Equal(t, 401, e.webhook(t, "971", "", "bad"))
	e.sync(t, "971")
	mu.Lock()
	defer mu.Unlock()
	kinds := map[rosync.EventKind]int{}
	for _, ev := range events {
		kinds[ev.Kind]++
		require.Equal(t, shopName, ev.Shop)
		if ev.Kind == rosync.EventRejected {
			require.Equal(t, "ORD-4", ev.Rule)
			require.Equal(t, "973", ev.OrderID)
		}
	}
	want2 := map[rosync.EventKind]int{rosync.EventImported: 2, rosync.EventRejected: 1, rosync.EventWebhookRefused: 1, rosync.EventUpdated: 1}
	if diff := cmp.Diff(want2, kinds); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}
