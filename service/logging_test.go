package service

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
)

// logLines decodes JSON log lines.
func logLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for l := range strings.Lines(buf.String()) {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		out = append(out, m)
	}
	return out
}

func find(lines []map[string]any, msg string) []map[string]any {
	var out []map[string]any
	for _, l := range lines {
		if l["msg"] == msg {
			out = append(out, l)
		}
	}
	return out
}

// newLoggedService builds a Service (no API is called) whose logs, at
// debug level, go to the returned buffer.
func newLoggedService(t *testing.T, roSecret string) (*Service, *bytes.Buffer) {
	t.Helper()
	doc := `roapp: {api_key: k, branch_id: 1, order_type_id: 1, assignee_id: 1, webhook_secret: "` + roSecret + `"}
store: {sqlite_path: "` + filepath.Join(t.TempDir(), "r.db") + `"}
shops: [{name: main, platform: woocommerce, url: "https://a.example", key: k, secret: s, webhook_secret: w}]
`
	cfg, err := LoadConfig(strings.NewReader(doc), env(nil))
	require.NoError(t, err)
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svc, err := NewService(t.Context(), cfg, &ServiceOptions{Logger: log})
	require.NoError(t, err)
	t.Cleanup(svc.close)
	return svc, &buf
}

// TestWarnMissingROSecret: without roapp.webhook_secret every RO App
// webhook would be refused: the service warns at start, and then logs each
// refused delivery at debug with its reason and counts it.
func TestWarnMissingROSecret(t *testing.T) {
	svc, buf := newLoggedService(t, "")
	warn := find(logLines(t, buf), "roapp.webhook_secret is empty (ROSYNC_ROAPP_WEBHOOK_SECRET): every RO App webhook will be refused; "+
		"RO App changes reach the shops only through the reconciliation polls")
	require.Len(t, warn, 1, buf.String())
	require.Equal(t, "WARN", warn[0]["level"])

	buf.Reset()
	rec := httptest.NewRecorder()
	svc.Handler().ServeHTTP(rec, httptest.NewRequest("POST", "/webhooks/roapp", strings.NewReader(`{"id":"1"}`)))
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	refused := find(logLines(t, buf), "webhook refused")
	require.Len(t, refused, 1, buf.String())
	require.Equal(t, "DEBUG", refused[0]["level"])
	require.Equal(t, "signature", refused[0]["reason"])
	e := scrape(t, svc.Metrics)
	require.Equal(t, 1.0, e.samples[`rosync_webhook_refused_total{reason="signature",shop="roapp"}`])
	require.Equal(t, 1.0, e.samples[`rosync_webhook_duration_seconds_count{code="401",shop="roapp"}`])

	_, quiet := newLoggedService(t, "set")
	require.Empty(t, find(logLines(t, quiet), warn[0]["msg"].(string)), "no warning when the secret is set")
}

// TestImportedOrderLoggedOnce: an imported order is logged at info with
// its RO App id; its later updates only at debug.
func TestImportedOrderLoggedOnce(t *testing.T) {
	svc, buf := newLoggedService(t, "set")
	buf.Reset()
	svc.onEvent(rosync.Event{Kind: rosync.EventImported, Shop: "main", OrderID: "42", ROOrderID: 9001})
	svc.onEvent(rosync.Event{Kind: rosync.EventUpdated, Shop: "main", OrderID: "42", ROOrderID: 9001})
	svc.onEvent(rosync.Event{Kind: rosync.EventUpdated, Shop: "main", OrderID: "42", ROOrderID: 9001})
	lines := logLines(t, buf)
	imported := find(lines, "order imported")
	require.Len(t, imported, 1, buf.String())
	require.Equal(t, "INFO", imported[0]["level"])
	require.Equal(t, "42", imported[0]["order"])
	require.Equal(t, 9001.0, imported[0]["ro_order"])
	for _, l := range find(lines, "order updated") {
		require.Equal(t, "DEBUG", l["level"], "an update is not logged at info again")
	}
}
