package roapptest_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/faultplan"
	"github.com/rosync/rosync/roapp"
	"github.com/rosync/rosync/roapp/roapptest"
)

// TestExecutedLate: under faultplan.ExecutedLate a create fails for the
// client with an unknown outcome, is not in RO App until the emulator's
// clock passes its due time, and is then executed once, before the next
// request is served (ENG-1: the case that duplicates orders).
func TestExecutedLate(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	now := t0
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	plan := &faultplan.Plan{Rate: 1, Seed: 1, Kinds: []faultplan.Kind{faultplan.ExecutedLate}, CreatesOnly: true,
		LateMin: time.Minute, LateMax: time.Minute, Delay: time.Second}
	emu := roapptest.New(seed(), &roapptest.Options{APIKey: key, Now: clock, Faults: plan})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	c := roapp.New(key, &roapp.Options{BaseURL: srv.URL + "/v2", Limiter: rate.NewLimiter(rate.Inf, 1),
		RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond, Timeout: 100 * time.Millisecond})

	before := len(emu.Snapshot().Contacts)
	_, err := c.CreateContact(ctx, rosync.Contact{FirstName: "Late", Phones: []string{"+380931234567"}})
	var amb *rosync.AmbiguousError
	require.True(t, errors.As(err, &amb), "ENG-1: a late create is an unknown outcome, got %v", err)
	require.Len(t, emu.Snapshot().Contacts, before, "ENG-1: executed before its due time")
	n, due := emu.LatePending()
	require.Equal(t, 1, n)
	require.Equal(t, t0.Add(time.Minute), due)

	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	found, err := c.FindContacts(ctx, "+380931234567", "")
	require.NoError(t, err)
	require.Len(t, found, 1, "ENG-1: the late create lands before the lookup that follows its due time")
	require.Len(t, emu.Snapshot().Contacts, before+1, "executed twice")
	require.Equal(t, 1, emu.LateExecuted())
	require.Equal(t, 1, plan.Counts()[faultplan.ExecutedLate])
}
