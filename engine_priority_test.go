package rosync_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp"
)

// priorityRO is the real client that notes the priority each order create
// carried (the class the RO App limiter serves it in).
type priorityRO struct {
	*roapp.Client
	mu   sync.Mutex
	seen map[string]rosync.Priority // by RO App order number
}

func (p *priorityRO) CreateOrder(ctx context.Context, o rosync.NewOrder) (int64, error) {
	p.mu.Lock()
	p.seen[o.Ref.Number] = rosync.PriorityOf(ctx)
	p.mu.Unlock()
	return p.Client.CreateOrder(ctx, o)
}

func (p *priorityRO) of(number string) (rosync.Priority, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pr, ok := p.seen[number]
	return pr, ok
}

// TestEngine_Priorities checks which of the engine's paths are back-fill
// and which are live, so that the RO App limiter serves a new order before
// the initial import's (ENG-3, issue 13): Connect's import and Poll are
// back-fill; a webhook (HandleHint) and Sync are live.
func TestEngine_Priorities(t *testing.T) {
	ctx := context.Background()
	var ro *priorityRO
	e := newEnv(t, basePolicy(), withoutConnect(), withROClient(func(c rosync.ROClient) rosync.ROClient {
		ro = &priorityRO{Client: c.(*roapp.Client), seen: map[string]rosync.Priority{}}
		return ro
	}))
	e.addOrder(newOrder("2001", e.clock.Now().Add(-time.Hour)))
	require.NoError(t, e.syncer.Connect(ctx))

	e.clock.Advance(time.Minute)
	e.addOrder(newOrder("2002", e.clock.Now()))
	require.Equal(t, 200, e.webhook(t, "2002", "", ""))

	e.clock.Advance(time.Minute)
	e.addOrder(newOrder("2003", e.clock.Now()))
	e.sync(t, "2003")

	e.clock.Advance(time.Minute)
	e.addOrder(newOrder("2004", e.clock.Now()))
	e.clock.Advance(10 * time.Minute)
	require.NoError(t, e.syncer.Poll(ctx))

	for _, tt := range []struct {
		number string
		want   rosync.Priority
		path   string
	}{
		{"N-2001", rosync.PriorityBackfill, "Connect's initial import"},
		{"N-2002", rosync.PriorityLive, "a webhook"},
		{"N-2003", rosync.PriorityLive, "Sync"},
		{"N-2004", rosync.PriorityBackfill, "Poll"},
	} {
		got, ok := ro.of(tt.number)
		require.True(t, ok, "%s was not created", tt.number)
		require.Equal(t, tt.want, got, "ENG-3: %s (%s) is %s work", tt.number, tt.path, tt.want)
	}
}
