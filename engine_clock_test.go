package rosync_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/platformkit/fakekit"
)

// clockedPlatform is the fake platform with a clock of its own that the
// Syncer can read (rosync.PlatformClock), as an adapter reading the Date
// header of the platform's answers would offer it.
type clockedPlatform struct {
	*fakePlatform
	now func() time.Time
}

func (c clockedPlatform) Now(context.Context) (time.Time, error) { return c.now(), nil }

// TestEngine_PlatformClock: the host's clock is 30 minutes ahead of the
// platform's. An order created on the platform after a poll, whose webhook
// was lost, carries the platform's timestamps; the next poll must still
// import it: the poll cursor follows the platform's clock, not the host's
// (ENG-2: a missed webhook is caught by the reconciliation poll; ORD-1:
// every new order is transferred).
func TestEngine_PlatformClock(t *testing.T) { // ENG-2, ORD-1
	const skew = 30 * time.Minute
	tests := []struct {
		name string
		// before puts orders on the platform before Connect (the import
		// sees them) when set.
		before bool
		// clocked offers the platform's clock to the Syncer
		// (rosync.PlatformClock), as an adapter reading Date headers would.
		clocked bool
	}{
		{"empty shop", false, false},
		{"orders before connect", true, false},
		{"empty shop, platform clock read", false, true},
		{"orders before connect, platform clock read", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			var logs fakekit.LogBuffer
			opts := []envOption{withoutConnect(), withOptions(func(o *rosync.Options) {
				o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
			})}
			var e *env
			// platformNow is the platform's clock: the host's (the test
			// clock) minus the skew.
			platformNow := func() time.Time { return e.clock.Now().Add(-skew) }
			if tt.clocked {
				opts = append(opts, withPlatform(func(f *fakePlatform) rosync.Platform {
					return clockedPlatform{fakePlatform: f, now: platformNow}
				}))
			}
			e = newEnv(t, basePolicy(), opts...)
			if tt.before {
				e.addOrder(newOrder("100", platformNow().Add(-24*time.Hour)))
				o := newOrder("101", platformNow().Add(-2*time.Hour))
				o.UpdatedAt = platformNow().Add(-time.Minute)
				e.addOrder(o)
			}
			require.NoError(t, e.syncer.Connect(ctx))
			e.clock.Advance(10 * time.Minute)
			require.NoError(t, e.syncer.Poll(ctx))

			// Created on the platform, in its own time, after that poll;
			// its webhook is lost.
			e.clock.Advance(time.Minute)
			e.addOrder(newOrder("200", platformNow()))
			e.clock.Advance(10 * time.Minute)
			require.NoError(t, e.syncer.Poll(ctx))

			rec := e.record(t, "200")
			require.Equal(t, rosync.StateImported, rec.State,
				"ENG-2, ORD-1: the order whose webhook was lost is imported by the next poll although the host clock is %s ahead", skew)
			require.NotZero(t, rec.ROOrderID, "ORD-1")

			// A poll that sees no new order leaves the cursor alone, and the
			// cursor never runs ahead of the platform's clock.
			st, err := e.store.ShopState(ctx, shopName)
			require.NoError(t, err)
			require.Equal(t, platformNow().Add(-10*time.Minute), st.PollCursor,
				"ENG-2: the poll cursor is the newest modification seen, in the platform's clock")
			e.clock.Advance(time.Hour)
			require.NoError(t, e.syncer.Poll(ctx))
			st2, err := e.store.ShopState(ctx, shopName)
			require.NoError(t, err)
			require.Equal(t, st.PollCursor, st2.PollCursor, "ENG-2: a poll that sees nothing newer keeps the cursor")

			warned := strings.Contains(logs.String(), "clocks differ")
			require.Equal(t, tt.clocked, warned, "the skew is logged when the platform's clock can be read:\n%s", logs.String())
			if tt.clocked {
				require.Contains(t, logs.String(), "skew=30m0s")
			}
		})
	}
}

// TestEngine_PlatformClockFuture: an order dated in the host's future (a
// platform clock ahead, a timestamp read in the wrong timezone) does not
// push the poll cursor past the host's time now: an order modified after
// it, with a sound timestamp and a lost webhook, is still imported by the
// next poll (ENG-2, ORD-1).
func TestEngine_PlatformClockFuture(t *testing.T) { // ENG-2, ORD-1
	ctx := context.Background()
	var logs fakekit.LogBuffer
	e := newEnv(t, basePolicy(), withOptions(func(o *rosync.Options) {
		o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}))
	bogus := newOrder("300", e.clock.Now())
	bogus.UpdatedAt = e.clock.Now().Add(3 * time.Hour)
	e.addOrder(bogus)
	e.clock.Advance(time.Minute)
	require.NoError(t, e.syncer.Poll(ctx))
	require.Equal(t, rosync.StateImported, e.record(t, "300").State, "ORD-1")
	st, err := e.store.ShopState(ctx, shopName)
	require.NoError(t, err)
	require.Equal(t, e.clock.Now(), st.PollCursor, "ENG-2: the cursor is capped at the host's time now")
	require.Contains(t, logs.String(), "platform's clock is ahead", "the skew is logged")

	e.clock.Advance(time.Minute)
	e.addOrder(newOrder("301", e.clock.Now())) // its webhook is lost
	e.clock.Advance(time.Minute)
	require.NoError(t, e.syncer.Poll(ctx))
	require.Equal(t, rosync.StateImported, e.record(t, "301").State, "ENG-2, ORD-1: imported by the next poll")
}
