package service

import (
	"context"
	"encoding/base64"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync/roapp/roapptest"
)

// chromiumPath is Debian's Chromium (package chromium).
const chromiumPath = "/usr/bin/chromium"

// browser starts headless Chromium through chromedp
// (github.com/chromedp/chromedp, the Chrome DevTools Protocol) and returns
// a context to run actions in. The flags keep it off the network, which is
// closed on the test machines: no background, component-update or sync
// connections, no QUIC, and a fresh profile. Without Chromium the test is
// skipped, unless CI=true: then it fails (but for ROSYNC_BROWSER_UNAVAILABLE,
// which scripts/test.sh sets when it could not install Chromium).
func browser(t *testing.T) context.Context {
	t.Helper()
	if why := os.Getenv("ROSYNC_BROWSER_UNAVAILABLE"); why != "" {
		// scripts/test.sh could not install Chromium and says so in its
		// summary.
		t.Skipf("no browser: %s", why)
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s is missing (%v): scripts/test.sh installs Debian's chromium", chromiumPath, err)
		}
		t.Skipf("%s is not installed (apt-get install chromium): the browser test needs it; CI=true makes this a failure", chromiumPath)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first Run starts the browser; it lives as long as ctx.
	_, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`1`))
	require.NoError(t, err, "start %s", chromiumPath)
	return ctx
}

// TestAdminPageInBrowser drives the status page in headless Chromium: it
// opens the page with the admin token (as the Basic password), finds a
// failed order in the shop's failed list, clears the fault (RO App grants
// the right the orders lacked), clicks the order's Retry button, and sees,
// on the page the form's redirect brings back, the outcome and the order
// gone from the failed list while the others stay (ENG-2: a permanent
// failure waits for a retry after the fix).
func TestAdminPageInBrowser(t *testing.T) {
	ctx := browser(t)
	w := startAdminWorld(t, testAdminToken)

	// Bounds a hang; nothing is timed.
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("operator:"+testAdminToken))
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders,
				network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Authorization": auth}})
			return err
		}),
		chromedp.Navigate(w.base+"/admin/"),
		chromedp.WaitVisible(chromedp.CSS(`#failed-woocommerce tr[data-order] button`)),
	))

	rows := `Array.from(document.querySelectorAll('#failed-woocommerce tr[data-order]')).map(r => r.dataset.order)`
	before, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](rows))
	require.NoError(t, err)
	require.NotEmpty(t, before, "the revoked right left failed orders on the page")
	id := before[0]
	jobs, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('a[href="/admin/jobs/"]').textContent`))
	require.NoError(t, err)
	require.Equal(t, "Jobs", jobs, "the page links the jobs UI")

	w.sb.Emulator.Grant(roapptest.RightAddWithoutDeduction) // the fault is cleared
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#failed-woocommerce tr[data-order="`+id+`"] button`)),
		chromedp.WaitVisible(chromedp.ID("flash")),
	))
	flash, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("flash")))
	require.NoError(t, err)
	require.Contains(t, flash, "Order "+id+" of woocommerce re-checked: it went through", "ENG-2")

	after, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](rows))
	require.NoError(t, err)
	require.NotContains(t, after, id, "the order left the failed list")
	require.Equal(t, len(before)-1, len(after), "the other failed orders are still listed: %s", strings.Join(after, ","))
	rec, err := w.svc.store.Record(t.Context(), "woocommerce", id)
	require.NoError(t, err)
	require.Equal(t, "imported", string(rec.State))
	require.Positive(t, rec.ROOrderID, "the order is in RO App")
}
