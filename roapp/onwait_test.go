package roapp_test

import (
	"context"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync/roapp"
	"github.com/rosync/rosync/roapp/roapptest"
)

// TestOnWait /* ENG-3 */ checks that Options.OnWait sees every attempt's
// wait on the rate limiter. The limiter holds the second and third requests
// 40 ms each and lets the first through; OnWait must report at least what
// the limiter held (only lower bounds: a loaded machine may add time, never
// remove it).
func TestOnWait(t *testing.T) {
	emu := roapptest.New(baseSeed(), &roapptest.Options{APIKey: "key"})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)

	var (
		mu    sync.Mutex
		waits []time.Duration
	)
	lim := &holdingLimiter{hold: []time.Duration{0, 40 * time.Millisecond, 40 * time.Millisecond}}
	c := roapp.New("key", &roapp.Options{
		BaseURL: srv.URL, HTTPClient: srv.Client(), Limiter: lim,
		OnWait: func(d time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			waits = append(waits, d)
		},
	})
	ctx := context.Background()
	for range 3 {
		_, err := c.Company(ctx)
		require.NoError(t, err)
	}

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, waits, 3, "one call per attempt")
	for i, held := range lim.hold {
		require.GreaterOrEqual(t, waits[i], held, "request %d: OnWait reports the limiter's wait", i+1)
	}
}

// holdingLimiter is a roapp.Limiter that holds its n-th request hold[n].
type holdingLimiter struct {
	mu   sync.Mutex
	n    int
	hold []time.Duration
}

func (l *holdingLimiter) Wait(ctx context.Context) error {
	l.mu.Lock()
	d := time.Duration(0)
	if l.n < len(l.hold) {
		d = l.hold[l.n]
	}
	l.n++
	l.mu.Unlock()
	if d == 0 {
		return ctx.Err()
	}
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestOnWaitCancelled checks that a wait cut short by the context is
// reported too.
func TestOnWaitCancelled(t *testing.T) {
	emu := roapptest.New(baseSeed(), &roapptest.Options{APIKey: "key"})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	var calls int
	var mu sync.Mutex
	c := roapp.New("key", &roapp.Options{
		BaseURL: srv.URL, HTTPClient: srv.Client(), RequestsPerSecond: 0.5, RetryMax: -1,
		OnWait: func(time.Duration) { mu.Lock(); calls++; mu.Unlock() },
	})
	_, err := c.Company(context.Background())
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = c.Company(ctx)
	require.Error(t, err)
	mu.Lock()
	defer mu.Unlock()
	if calls != 2 {
		t.Errorf("OnWait called %d times, want 2", calls)
	}
}
