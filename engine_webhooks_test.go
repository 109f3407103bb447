package rosync_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp"
)

// TestEngine_WebhookAuth: ENG-4, an unsigned or wrongly signed webhook is
// refused with 401 and changes nothing; a body over 1 MiB is refused with
// 413.
func TestEngine_WebhookAuth(t *testing.T) { // ENG-4
	ctx := context.Background()
	big := append([]byte(`{"id":"1601","pad":"`), bytes.Repeat([]byte("x"), 1<<20)...)
	big = append(big, `"}`...)
	tests := []struct {
		name string
		body []byte
		sig  string // "" signs correctly, "-" sends none
		want int
	}{
		{"missing signature", []byte(`{"id":"1601"}`), "-", http.StatusUnauthorized},
		{"wrong signature", []byte(`{"id":"1601"}`), "00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff", http.StatusUnauthorized},
		{"signature of another body", []byte(`{"id":"1601"}`), "sig-of-other", http.StatusUnauthorized},
		{"body over 1 MiB", big, "", http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, basePolicy())
			e.addOrder(newOrder("1601", time.Time{}))
			before := e.emu.Calls()
			sig := tt.sig
			if sig == "sig-of-other" {
				sig = e.plat.sign([]byte(`{"id":"1602"}`))
			}
			code := e.postWebhook(t, tt.body, "evt-1", sig)
			require.Equal(t, tt.want, code, "ENG-4")

			// Nothing applied, fetched, stored or sent.
			require.Equal(t, before, e.emu.Calls(), "ENG-4: RO App was called")
			require.Zero(t, e.plat.fetches, "ENG-4: the order was fetched")
			recs, err := e.store.Records(ctx, shopName, rosync.RecordFilter{})
			require.NoError(t, err)
			require.Empty(t, recs, "ENG-4: a record was stored")
			require.Empty(t, e.emu.Snapshot().Orders)

			// The event id was not consumed: the genuine delivery applies.
			require.Equal(t, 200, e.webhook(t, "1601", "evt-1", ""))
			require.Len(t, e.emu.Snapshot().Orders, 1)
		})
	}
}

// TestEngine_WebhookRedelivery: ENG-1 and ENG-4, a signed redelivery of an
// event already applied is acknowledged and changes nothing.
func TestEngine_WebhookRedelivery(t *testing.T) { // ENG-1, ENG-4
	e := newEnv(t, basePolicy())
	e.addOrder(newOrder("1611", time.Time{}))
	require.Equal(t, 200, e.webhook(t, "1611", "evt-9", ""))
	fetches := e.plat.fetches
	calls := e.emu.Calls()
	for range 3 {
		require.Equal(t, 200, e.webhook(t, "1611", "evt-9", ""))
	}
	require.Equal(t, fetches, e.plat.fetches, "a redelivered event is not fetched again")
	require.Equal(t, calls, e.emu.Calls())
	require.Len(t, e.emu.Snapshot().Orders, 1)
}

// wooStatusPolicy is WooCommerce's status policy: RO App -> platform, with
// "completed" held until the products are deducted (WOO-3).
func wooStatusPolicy() rosync.Policy {
	p := basePolicy()
	p.StatusSync = rosync.StatusSyncToPlatform
	p.HoldUntilDeducted = []string{"completed"}
	return p
}

func withStatusMap(m map[string]string) envOption {
	return withSettings(func(s *rosync.Settings) { s.StatusMap = m })
}

// TestEngine_StatusToPlatform: WOO-3, an RO App status change reaches the
// platform through the status map, "completed" only once the products are
// deducted, and the platform reporting it back is not echoed.
func TestEngine_StatusToPlatform(t *testing.T) { // WOO-3
	ctx := context.Background()
	tests := []struct {
		name        string
		deductFirst bool
		lostHook    bool // the RO App webhook is lost: only a poll sees the change
	}{
		{name: "held until deducted"},
		{name: "deducted first", deductFirst: true},
		{name: "webhook lost, held until deducted", lostHook: true},
		{name: "webhook lost, deducted first", deductFirst: true, lostHook: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, wooStatusPolicy(), withStatusMap(map[string]string{"completed": "Closed"}))
			e.addOrder(newOrder("1701", time.Time{}))
			e.sync(t, "1701")
			roID := e.roOrderID(t, "N-1701")
			e.roHooks.Store(!tt.lostHook)

			e.clock.Advance(time.Minute)
			if tt.deductFirst {
				require.NoError(t, e.emu.Deduct(roID))
			}
			require.NoError(t, e.emu.SetStatus(ctx, roID, "Closed")) // an RO App user closes the order
			if tt.lostHook {
				e.clock.Advance(10 * time.Minute)
				require.NoError(t, e.syncer.Poll(ctx))
			}
			if !tt.deductFirst {
				require.Empty(t, e.plat.pushed(), "WOO-3: completed pushed before deduction")
				require.Equal(t, "completed", e.record(t, "1701").HeldStatus, "WOO-3: the push is held")
				e.clock.Advance(10 * time.Minute)
				require.NoError(t, e.syncer.Poll(ctx))
				require.Empty(t, e.plat.pushed(), "WOO-3: completed pushed before deduction")

				require.NoError(t, e.emu.Deduct(roID))
				e.clock.Advance(10 * time.Minute)
				require.NoError(t, e.syncer.Poll(ctx)) // WOO-3: the next poll pushes it
			}
			require.Equal(t, []string{"1701=completed"}, e.plat.pushed(), "WOO-3: pushed once deducted")
			rec := e.record(t, "1701")
			require.Empty(t, rec.HeldStatus)
			require.Equal(t, "completed", rec.PlatformStatus)

			// The platform reports the pushed status: no echo, no new push.
			statusCalls := e.calls("POST /orders/{id}/status")
			e.clock.Advance(time.Minute)
			e.change("1701", func(o *rosync.Order) {})
			require.Equal(t, 200, e.webhook(t, "1701", "", ""))
			e.clock.Advance(10 * time.Minute)
			require.NoError(t, e.syncer.Poll(ctx))
			require.Equal(t, []string{"1701=completed"}, e.plat.pushed(), "pushed once")
			require.Equal(t, statusCalls, e.calls("POST /orders/{id}/status"), "no echo to RO App")
			require.Equal(t, "Closed", e.emu.Snapshot().Orders[0].Status)
		})
	}
}

// TestEngine_StatusSyncNone: SHO-2 (engine side), with StatusSyncNone no
// status goes either way.
func TestEngine_StatusSyncNone(t *testing.T) { // SHO-2
	ctx := context.Background()
	e := newEnv(t, basePolicy(), withStatusMap(map[string]string{"completed": "Closed", "processing": "In progress"}))
	e.addOrder(newOrder("1801", time.Time{}))
	e.sync(t, "1801")
	roID := e.roOrderID(t, "N-1801")

	require.NoError(t, e.emu.Deduct(roID))
	require.NoError(t, e.emu.SetStatus(ctx, roID, "Closed"))
	require.NoError(t, e.syncer.HandleROEvent(ctx, rosync.ROEvent{ID: "x", Name: "Order.Status.Changed", OrderID: roID, StatusID: stClosed}))
	e.clock.Advance(10 * time.Minute)
	require.NoError(t, e.syncer.Poll(ctx))
	require.Zero(t, e.plat.statusCalls, "SHO-2: a status was pushed to the platform")

	e.clock.Advance(time.Minute)
	e.change("1801", func(o *rosync.Order) { o.Status = "cancelled" })
	e.sync(t, "1801")
	require.Zero(t, e.calls("POST /orders/{id}/status"), "SHO-2: a platform status moved the RO App order")
	require.Equal(t, "Closed", e.emu.Snapshot().Orders[0].Status)
}

// TestEngine_StatusSyncBoth: CAR-2, a platform status change moves the RO
// App order through the map, an RO App change moves the platform order,
// and neither comes back as an echo.
func TestEngine_StatusSyncBoth(t *testing.T) { // CAR-2
	ctx := context.Background()
	pol := basePolicy()
	pol.StatusSync = rosync.StatusSyncBoth
	e := newEnv(t, pol, withStatusMap(map[string]string{"1": "New", "2": "In progress", "3": "Closed"}))
	o := newOrder("1901", time.Time{})
	o.Status = "1"
	e.addOrder(o)
	e.sync(t, "1901")
	roID := e.roOrderID(t, "N-1901")
	require.Equal(t, "New", e.emu.Snapshot().Orders[0].Status)

	// Platform -> RO App.
	e.clock.Advance(time.Minute)
	e.change("1901", func(o *rosync.Order) { o.Status = "2" })
	require.Equal(t, 200, e.webhook(t, "1901", "", ""))
	require.Equal(t, "In progress", e.emu.Snapshot().Orders[0].Status, "CAR-2: the platform status moved the RO App order")
	setCalls := e.calls("POST /orders/{id}/status")

	// RO App announces the change it was given: not echoed to the platform.
	require.NoError(t, e.syncer.HandleROEvent(ctx, rosync.ROEvent{ID: "e1", Name: "Order.Status.Changed", OrderID: roID, StatusID: stInProgress}))
	e.clock.Advance(10 * time.Minute)
	require.NoError(t, e.syncer.Poll(ctx))
	require.Zero(t, e.plat.statusCalls, "CAR-2: our own change was echoed to the platform")
	require.Equal(t, setCalls, e.calls("POST /orders/{id}/status"))

	// RO App -> platform, through the RO App webhook handler.
	e.clock.Advance(time.Minute)
	require.NoError(t, e.emu.SetStatus(ctx, roID, "Closed"))
	require.Equal(t, []string{"1901=3"}, e.plat.pushed(), "CAR-2: the RO App status moved the platform order")

	// The platform reports the status we pushed: not echoed to RO App.
	e.clock.Advance(time.Minute)
	e.change("1901", func(o *rosync.Order) {})
	require.Equal(t, 200, e.webhook(t, "1901", "", ""))
	e.clock.Advance(10 * time.Minute)
	require.NoError(t, e.syncer.Poll(ctx))
	require.Equal(t, setCalls, e.calls("POST /orders/{id}/status"), "CAR-2: the pushed status came back to RO App")
	require.Equal(t, []string{"1901=3"}, e.plat.pushed())
	require.Equal(t, "Closed", e.emu.Snapshot().Orders[0].Status)
}

// TestEngine_ROWebhookAuth: ENG-4, RO App webhooks with a bad signature are
// refused before they reach the Syncer.
func TestEngine_ROWebhookAuth(t *testing.T) { // ENG-4
	e := newEnv(t, wooStatusPolicy(), withStatusMap(map[string]string{"completed": "Closed"}))
	e.addOrder(newOrder("1951", time.Time{}))
	e.sync(t, "1951")
	roID := e.roOrderID(t, "N-1951")
	require.NoError(t, e.emu.Deduct(roID))
	body := []byte(`{"id":"e1","event_name":"Order.Status.Changed","context":{"object_id":` +
		strconv.FormatInt(roID, 10) + `,"object_type":"order"},"metadata":{"new":{"id":3}}}`)
	for _, sig := range []string{"", "deadbeef", roapp.Sign([]byte("other secret"), "e1")} {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		if sig != "" {
			req.Header.Set(roapp.SignatureHeader, sig)
		}
		rec := httptest.NewRecorder()
		roapp.WebhookHandler(roHookToken, e.syncer.HandleROEvent).ServeHTTP(rec, req)
		require.Equal(t, http.StatusUnauthorized, rec.Code, "ENG-4")
	}
	require.Empty(t, e.plat.pushed(), "ENG-4: an unsigned RO App webhook pushed a status")
	require.Equal(t, stNew, e.record(t, "1951").ROStatusID, "ENG-4: the refused event changed nothing")
}

// slowOrderRead is an ROClient whose Order reads take a while, so that
// orders created at once all reach the initial status read together.
type slowOrderRead struct{ rosync.ROClient }

func (s slowOrderRead) Order(ctx context.Context, id int64) (rosync.ROOrder, error) {
	time.Sleep(30 * time.Millisecond)
	return s.ROClient.Order(ctx, id)
}

// TestEngine_InitialStatusReadOnce: WOO-3 records the order type's initial
// status with every new order; orders imported at once wait for the first
// read of it instead of each reading an order of its own.
func TestEngine_InitialStatusReadOnce(t *testing.T) { // WOO-3
	e := newEnv(t, wooStatusPolicy(),
		withROClient(func(c rosync.ROClient) rosync.ROClient { return slowOrderRead{c} }),
		withOptions(func(o *rosync.Options) { o.Concurrency = 8 }))
	for i := range 12 {
		e.addOrder(newOrder(fmt.Sprint(1500+i), time.Time{}))
	}
	require.NoError(t, e.syncer.Poll(context.Background()))
	snap := e.emu.Snapshot()
	require.Len(t, snap.Orders, 12)
	require.Equal(t, 1, e.calls("GET /orders/{id}"), "the initial status was read more than once")
	for i := range 12 {
		rec := e.record(t, fmt.Sprint(1500+i))
		require.NotZero(t, rec.ROStatusID, "WOO-3: order %d has no initial status recorded", 1500+i)
	}
}

// TestEngine_WebhookFunc: WebhookFunc refuses exactly as Webhook does
// (ENG-4: 401 and 413, accept never called) and otherwise hands the
// verified hint to accept, answering 200 when it succeeds and 500 when it
// fails (so that the platform delivers the hint again); nothing is applied
// by the handler itself.
func TestEngine_WebhookFunc(t *testing.T) { // ENG-4
	e := newEnv(t, basePolicy())
	e.addOrder(newOrder("1621", time.Time{}))
	var got []rosync.Hint
	fail := false
	h := e.syncer.WebhookFunc(func(_ context.Context, hint rosync.Hint) error {
		got = append(got, hint)
		if fail {
			return fmt.Errorf("inbox down")
		}
		return nil
	})
	post := func(body []byte, sig string) int {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/fake", bytes.NewReader(body))
		if sig != "-" {
			req.Header.Set("X-Test-Signature", sig)
		}
		req.Header.Set("X-Test-Event", "evt-21")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	body := []byte(`{"id":"1621"}`)
	require.Equal(t, http.StatusUnauthorized, post(body, "-"), "ENG-4: unsigned")
	big := append([]byte(`{"id":"1621","pad":"`), bytes.Repeat([]byte("x"), 1<<20)...)
	big = append(big, `"}`...)
	require.Equal(t, http.StatusRequestEntityTooLarge, post(big, e.plat.sign(big)), "ENG-4: over the limit")
	require.Empty(t, got, "ENG-4: a refused delivery reached accept")

	require.Equal(t, http.StatusOK, post(body, e.plat.sign(body)))
	require.Equal(t, []rosync.Hint{{OrderID: "1621", EventID: "evt-21", Topic: "order"}}, got)
	fail = true
	require.Equal(t, http.StatusInternalServerError, post(body, e.plat.sign(body)), "a failed accept is not acknowledged")
	require.Empty(t, e.emu.Snapshot().Orders, "WebhookFunc applies nothing itself")
	require.Zero(t, e.plat.fetches)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/webhooks/fake", nil))
	require.Equal(t, http.StatusMethodNotAllowed, rec.Code)
}
