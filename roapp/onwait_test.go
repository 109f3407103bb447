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
// wait on the rate limiter: 20 requests per second with a burst of 1 make
// the second and third requests wait about 50 ms each.
func TestOnWait(t *testing.T) {
	emu := roapptest.New(baseSeed(), &roapptest.Options{APIKey: "key"})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)

	var (
		mu    sync.Mutex
		waits []time.Duration
	)
	c := roapp.New("key", &roapp.Options{
		BaseURL: srv.URL, HTTPClient: srv.Client(), RequestsPerSecond: 20,
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
	if waits[0] > 25*time.Millisecond {
		t.Errorf("first request waited %v, want about 0 (the bucket starts full)", waits[0])
	}
	var total time.Duration
	for _, d := range waits {
		total += d
	}
	if total < 70*time.Millisecond {
		t.Errorf("total wait %v, want at least ~100 ms at 20 requests/s", total)
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
