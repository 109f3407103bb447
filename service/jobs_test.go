package service

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestJobsUI: River's web UI is served at /admin/jobs/ only with the admin
// token (401 without it or with a wrong one), and its API lists the jobs
// of the service's River database on SQLite: the periodic poll that the
// leader inserted at start is there.
func TestJobsUI(t *testing.T) {
	sb, ln, base := demoSandbox(t)
	cfg := sandboxConfig(sb, filepath.Join(t.TempDir(), "rosync.db"))
	const token = "jobs-ui-token-0123456789"
	cfg.Admin.Token = token
	require.NoError(t, cfg.Validate())
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := NewService(ctx, cfg, &ServiceOptions{Now: sb.Now, Listener: ln})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})

	get := func(path, auth string) (int, string) {
		req, err := http.NewRequest(http.MethodGet, base+path, nil)
		require.NoError(t, err)
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, _ := get(JobsPath, "")
	require.Equal(t, http.StatusUnauthorized, code, "no token")
	code, _ = get(JobsPath, "wrong-token-0123456789")
	require.Equal(t, http.StatusUnauthorized, code, "wrong token")
	code, body := get(JobsPath, token)
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, strings.ToLower(body), "<html")

	deadline := time.Now().Add(60 * time.Second)
	for {
		code, body = get(JobsPath+"api/jobs?state=available&limit=20", token)
		require.Equal(t, http.StatusOK, code, body)
		code2, body2 := get(JobsPath+"api/jobs?state=completed&limit=20", token)
		require.Equal(t, http.StatusOK, code2, body2)
		if strings.Contains(body+body2, "rosync_poll") {
			break
		}
		require.True(t, time.Now().Before(deadline), "no poll job listed: %s %s", body, body2)
		time.Sleep(50 * time.Millisecond)
	}
}
