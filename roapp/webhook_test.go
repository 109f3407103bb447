package roapp_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/roapp"
	"github.com/rosync/rosync/roapp/roapptest"

	"github.com/stretchr/testify/require"
)

const hookSecret = "whsec-test"

const statusChanged = `{"id":"9cba80cc-1","created_at":"2024-12-05T11:31:39.440424Z","created_at_ts":1733398299.44,
 "event_name":"Order.Status.Changed","context":{"object_id":50699833,"object_type":"order"},
 "metadata":{"new":{"id":267312},"old":{"id":393648},"order":{"id":50699833,"name":"AB0300"}},
 "employee":{"id":200206,"full_name":"John Doe","email":"j.doe@corp.com"}}`

func hookRequest(body, sig string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/hooks/roapp", strings.NewReader(body))
	if sig != "" {
		r.Header.Set(roapp.SignatureHeader, sig)
	}
	return r
}

// TestVerifyWebhook covers ENG-4: only correctly signed webhooks are
// accepted, over the raw body, and oversized bodies are refused.
func TestVerifyWebhook(t *testing.T) {
	good := roapp.Sign([]byte(hookSecret), []byte(statusChanged))
	huge := `{"event_name":"x","pad":"` + strings.Repeat("a", roapp.MaxWebhookBytes) + `"}`
	tests := []struct {
		name, body, sig, secret string
		want                    rosync.ROEvent
		wantErr                 error
		wantOtherErr            bool
	}{
		{name: "good", body: statusChanged, sig: good, secret: hookSecret, want: rosync.ROEvent{
			ID: "9cba80cc-1", Name: "Order.Status.Changed", OrderID: 50699833, StatusID: 267312,
			At: time.Date(2024, 12, 5, 11, 31, 39, 440424000, time.UTC)}},
		{name: "good, upper-case hex", body: statusChanged, sig: strings.ToUpper(good), secret: hookSecret, want: rosync.ROEvent{
			ID: "9cba80cc-1", Name: "Order.Status.Changed", OrderID: 50699833, StatusID: 267312,
			At: time.Date(2024, 12, 5, 11, 31, 39, 440424000, time.UTC)}},
		{name: "wrong secret", body: statusChanged, sig: roapp.Sign([]byte("other"), []byte(statusChanged)), secret: hookSecret, wantErr: rosync.ErrSignature},
		{name: "body changed", body: strings.Replace(statusChanged, "267312", "1", 1), sig: good, secret: hookSecret, wantErr: rosync.ErrSignature},
		{name: "missing", body: statusChanged, secret: hookSecret, wantErr: rosync.ErrSignature},
		{name: "not hex", body: statusChanged, sig: "zz", secret: hookSecret, wantErr: rosync.ErrSignature},
		{name: "no secret configured", body: statusChanged, sig: roapp.Sign(nil, []byte(statusChanged)), secret: "", wantErr: rosync.ErrSignature},
		{name: "too large", body: huge, sig: roapp.Sign([]byte(hookSecret), []byte(huge)), secret: hookSecret, wantErr: rosync.ErrBodyTooLarge},
		{name: "malformed", body: `{"event_name":`, sig: roapp.Sign([]byte(hookSecret), []byte(`{"event_name":`)), secret: hookSecret, wantOtherErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := roapp.VerifyWebhook(hookRequest(tt.body, tt.sig), tt.secret)
			switch {
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
			case tt.wantOtherErr:
				if err == nil || errors.Is(err, rosync.ErrSignature) || errors.Is(err, rosync.ErrBodyTooLarge) {
					t.Fatalf("err = %v, want a malformed-payload error", err)
				}
			default:
				require.NoError(t, err)
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("event (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestWebhookHandler(t *testing.T) { // ENG-4
	failing := errors.New("store down")
	tests := []struct {
		name, method, body, sig string
		handleErr               error
		want                    int
	}{
		{"ok", http.MethodPost, statusChanged, roapp.Sign([]byte(hookSecret), []byte(statusChanged)), nil, 200},
		{"bad signature", http.MethodPost, statusChanged, "00", nil, 401},
		{"missing signature", http.MethodPost, statusChanged, "", nil, 401},
		{"too large", http.MethodPost, strings.Repeat(" ", roapp.MaxWebhookBytes+1), "00", nil, 413},
		{"malformed", http.MethodPost, `[]`, roapp.Sign([]byte(hookSecret), []byte(`[]`)), nil, 400},
		{"handler fails", http.MethodPost, statusChanged, roapp.Sign([]byte(hookSecret), []byte(statusChanged)), failing, 500},
		{"GET", http.MethodGet, "", "", nil, 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got rosync.ROEvent
			h := roapp.WebhookHandler(hookSecret, func(_ context.Context, ev rosync.ROEvent) error {
				got = ev
				return tt.handleErr
			})
			r := hookRequest(tt.body, tt.sig)
			r.Method = tt.method
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Errorf("status = %d, want %d", w.Code, tt.want)
			}
			if tt.want == 200 && got.StatusID != 267312 {
				t.Errorf("event = %+v", got)
			}
		})
	}
}

// TestEmulatorWebhook checks the emulator's SetStatus delivers a webhook
// that VerifyWebhook accepts.
func TestEmulatorWebhook(t *testing.T) {
	ctx := context.Background()
	events := make(chan rosync.ROEvent, 1)
	hooks := httptest.NewServer(roapp.WebhookHandler(hookSecret, func(_ context.Context, ev rosync.ROEvent) error {
		events <- ev
		return nil
	}))
	t.Cleanup(hooks.Close)
	emu, c := newEmulator(t, baseSeed(), &roapptest.Options{WebhookURL: hooks.URL, WebhookSecret: hookSecret}, nil)
	oid, err := c.CreateOrder(ctx, rosync.NewOrder{BranchID: 1, OrderTypeID: 1, ClientID: 10, Ref: ref("1001")})
	require.NoError(t, err)
	require.NoError(t, emu.SetStatus(ctx, oid, "closed"))
	ev := <-events
	want := rosync.ROEvent{ID: "00000000-0000-4000-8000-000000000001", Name: "Order.Status.Changed", OrderID: oid, StatusID: 3, At: t0}
	if diff := cmp.Diff(want, ev); diff != "" {
		t.Errorf("event (-want +got):\n%s", diff)
	}

	bad := roapptest.New(baseSeed(), &roapptest.Options{WebhookURL: hooks.URL, WebhookSecret: "wrong"})
	srv := httptest.NewServer(bad)
	t.Cleanup(srv.Close)
	c2 := roapp.New(testKey, fastOptions(srv.URL))
	oid, err = c2.CreateOrder(ctx, rosync.NewOrder{BranchID: 1, OrderTypeID: 1, ClientID: 10, Ref: ref("1001")})
	require.NoError(t, err)
	if err := bad.SetStatus(ctx, oid, "Closed"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("delivery with a wrong secret: err = %v, want the 401", err)
	}
}
