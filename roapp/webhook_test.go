package roapp_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
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

// bodyMAC is a signature computed the wrong way, over the whole body.
func bodyMAC(secret, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	return hex.EncodeToString(m.Sum(nil))
}

// TestVerifyWebhook covers ENG-4: only webhooks signed as RO App signs
// them (over the delivery id, either construction) are accepted, and
// oversized bodies are refused.
func TestVerifyWebhook(t *testing.T) {
	const id = "9cba80cc-1"
	good := roapp.Sign([]byte(hookSecret), id)
	concat := roapp.SignConcat([]byte(hookSecret), id)
	huge := `{"id":"x","event_name":"x","pad":"` + strings.Repeat("a", roapp.MaxWebhookBytes) + `"}`
	want := rosync.ROEvent{ID: id, Name: "Order.Status.Changed", OrderID: 50699833, StatusID: 267312,
		At: time.Date(2024, 12, 5, 11, 31, 39, 440424000, time.UTC)}
	tests := []struct {
		name, body, sig, secret string
		want                    rosync.ROEvent
		wantErr                 error
		wantOtherErr            bool
	}{
		{name: "HMAC-SHA256(secret, id)", body: statusChanged, sig: good, secret: hookSecret, want: want},
		{name: "sha256(id + secret)", body: statusChanged, sig: concat, secret: hookSecret, want: want},
		{name: "upper-case hex", body: statusChanged, sig: strings.ToUpper(good), secret: hookSecret, want: want},
		{name: "sha256= prefix", body: statusChanged, sig: "sha256=" + good, secret: hookSecret, want: want},
		// The body is not signed: a changed body with the same id verifies;
		// the caller reads the order back (ENG-4).
		{name: "body changed, same id", body: strings.Replace(statusChanged, "267312", "1", 1), sig: good, secret: hookSecret,
			want: rosync.ROEvent{ID: id, Name: "Order.Status.Changed", OrderID: 50699833, StatusID: 1, At: want.At}},
		{name: "signed over the body", body: statusChanged, sig: bodyMAC(hookSecret, statusChanged), secret: hookSecret, wantErr: rosync.ErrSignature},
		{name: "wrong secret", body: statusChanged, sig: roapp.Sign([]byte("other"), id), secret: hookSecret, wantErr: rosync.ErrSignature},
		{name: "wrong secret, concat", body: statusChanged, sig: roapp.SignConcat([]byte("other"), id), secret: hookSecret, wantErr: rosync.ErrSignature},
		{name: "other id", body: strings.Replace(statusChanged, id, "9cba80cc-2", 1), sig: good, secret: hookSecret, wantErr: rosync.ErrSignature},
		{name: "no id", body: `{"event_name":"Order.Created"}`, sig: roapp.Sign([]byte(hookSecret), ""), secret: hookSecret, wantErr: rosync.ErrSignature},
		{name: "missing", body: statusChanged, secret: hookSecret, wantErr: rosync.ErrSignature},
		{name: "not hex", body: statusChanged, sig: "zz", secret: hookSecret, wantErr: rosync.ErrSignature},
		{name: "no secret configured", body: statusChanged, sig: roapp.Sign(nil, id), secret: "", wantErr: rosync.ErrSignature},
		{name: "too large", body: huge, sig: roapp.Sign([]byte(hookSecret), "x"), secret: hookSecret, wantErr: rosync.ErrBodyTooLarge},
		{name: "unreadable payload", body: `{"event_name":`, sig: good, secret: hookSecret, wantErr: rosync.ErrSignature},
		{name: "no event name", body: `{"id":"9cba80cc-1"}`, sig: good, secret: hookSecret, wantOtherErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := roapp.VerifyWebhook(hookRequest(tt.body, tt.sig), tt.secret)
			switch {
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("ENG-4: err = %v, want %v", err, tt.wantErr)
				}
			case tt.wantOtherErr:
				if err == nil || errors.Is(err, rosync.ErrSignature) || errors.Is(err, rosync.ErrBodyTooLarge) {
					t.Fatalf("err = %v, want a malformed-payload error", err)
				}
			default:
				require.NoError(t, err, "ENG-4")
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
		{"ok", http.MethodPost, statusChanged, roapp.Sign([]byte(hookSecret), "9cba80cc-1"), nil, 200},
		{"signed over the body", http.MethodPost, statusChanged, bodyMAC(hookSecret, statusChanged), nil, 401},
		{"bad signature", http.MethodPost, statusChanged, "00", nil, 401},
		{"missing signature", http.MethodPost, statusChanged, "", nil, 401},
		{"too large", http.MethodPost, strings.Repeat(" ", roapp.MaxWebhookBytes+1), "00", nil, 413},
		{"malformed", http.MethodPost, `{"id":"9cba80cc-1"}`, roapp.Sign([]byte(hookSecret), "9cba80cc-1"), nil, 400},
		{"handler fails", http.MethodPost, statusChanged, roapp.Sign([]byte(hookSecret), "9cba80cc-1"), failing, 200}, // ENG-4: verified, so answered 2xx; the poll redoes the work
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
