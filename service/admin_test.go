package service

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
	"github.com/rosync/rosync/platforms/platformkit/fakekit"
	"github.com/rosync/rosync/replay"
	"github.com/rosync/rosync/roapp/roapptest"
)

const testAdminToken = "admin-token-0123456789"

// adminWorld is a running service on a sandbox (the WooCommerce demo: fake
// shop and RO App emulator) whose RO App employee lacks the right "Can add
// products without deduction", so that every order with products fails
// permanently until the right is granted (the README's case for Retry).
type adminWorld struct {
	base string
	sb   *replay.Sandbox
	svc  *Service
	logs *fakekit.LogBuffer
}

func startAdminWorld(t *testing.T, token string) *adminWorld {
	t.Helper()
	sb, ln, base := demoSandbox(t)
	sb.Emulator.Revoke(roapptest.RightAddWithoutDeduction)

	cfg := sandboxConfig(sb, filepath.Join(t.TempDir(), "rosync.db"))
	cfg.Listen = ln.Addr().String()
	cfg.Admin.Token = token
	cfg.PollInterval = Duration(time.Hour) // no poll during a test: what RO App receives is the test's doing
	require.NoError(t, cfg.Validate())
	logs := &fakekit.LogBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	svc, err := NewService(t.Context(), cfg, &ServiceOptions{Logger: log, Now: sb.Now, Listener: ln,
		AdminRoutes: func(mux *http.ServeMux) {
			mux.HandleFunc("GET /admin/jobs/", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "jobs") })
		}})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(60 * time.Second):
			t.Error("no clean shutdown")
		}
	})
	w := &adminWorld{base: base, sb: sb, svc: svc, logs: logs}
	// Ready once the initial import is done; the deadline only bounds a
	// hang, nothing is timed.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		require.True(t, time.Now().Before(deadline), "not ready; logs:\n%s", logs.String())
		time.Sleep(20 * time.Millisecond)
	}
	return w
}

// do sends a request with an Authorization header (none when auth is "").
func (w *adminWorld) do(t *testing.T, method, path, auth string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, w.base+path, nil)
	require.NoError(t, err)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b), resp.Header
}

func (w *adminWorld) getJSON(t *testing.T, path string, v any) {
	t.Helper()
	code, body, _ := w.do(t, "GET", path, "Bearer "+testAdminToken)
	require.Equal(t, http.StatusOK, code, body)
	require.NoError(t, json.Unmarshal([]byte(body), v), body)
}

func ids(l AdminOrderList) []string {
	var out []string
	for _, o := range l.Orders {
		out = append(out, o.OrderID)
	}
	return out
}

// TestAdminAuth: every admin route answers 401 without the token or with
// a wrong one (nothing is read or retried), and data with it, as a bearer
// token or as the Basic password.
func TestAdminAuth(t *testing.T) {
	w := startAdminWorld(t, testAdminToken)
	routes := []struct{ method, path string }{
		{"GET", "/admin/"},
		{"GET", "/admin/jobs/"},
		{"GET", "/admin/api/shops"},
		{"GET", "/admin/api/shops/woocommerce/progress"},
		{"GET", "/admin/api/shops/woocommerce/rejected"},
		{"GET", "/admin/api/shops/woocommerce/failed"},
		{"GET", "/admin/api/shops/woocommerce/doubt"},
		{"GET", "/admin/api/shops/woocommerce/imported"},
		{"POST", "/admin/api/shops/woocommerce/orders/1001/retry"},
		{"POST", "/admin/shops/woocommerce/orders/1001/retry"},
	}
	wrongs := map[string]string{
		"none":         "",
		"wrong bearer": "Bearer " + testAdminToken + "x",
		"prefix":       "Bearer " + testAdminToken[:10],
		"wrong basic":  basic("admin", "nope"),
		"empty bearer": "Bearer ",
		"not a scheme": testAdminToken,
	}
	before := w.sb.Emulator.Calls()
	for _, rt := range routes {
		for name, auth := range wrongs {
			code, _, h := w.do(t, rt.method, rt.path, auth)
			require.Equal(t, http.StatusUnauthorized, code, "%s %s with %s", rt.method, rt.path, name)
			require.Contains(t, h.Get("WWW-Authenticate"), "Basic", "a browser is asked for the token")
		}
	}
	// No refused request reaches RO App: a refused retry that went through
	// would write (create the order, add its items). Reads are left out:
	// the service's own work after /readyz (the mirror, the duplicate
	// watch) may read at any time on a loaded machine.
	after := w.sb.Emulator.Calls()
	writes := map[string]int{}
	for ep, n := range after.ByEndpoint {
		if d := n - before.ByEndpoint[ep]; d != 0 && !strings.HasPrefix(ep, "GET ") {
			writes[ep] = d
		}
	}
	require.Empty(t, writes, "no refused request reaches RO App: new writes by endpoint")
	for _, rt := range routes {
		if rt.method != "GET" {
			continue
		}
		for _, auth := range []string{"Bearer " + testAdminToken, "bearer " + testAdminToken, basic("anyone", testAdminToken)} {
			code, body, _ := w.do(t, rt.method, rt.path, auth)
			require.Equal(t, http.StatusOK, code, "%s %s: %s", rt.method, rt.path, body)
		}
	}
	code, _, _ := w.do(t, "GET", "/admin/api/shops/nosuch/failed", "Bearer "+testAdminToken)
	require.Equal(t, http.StatusNotFound, code)
	code, _, _ = w.do(t, "GET", "/admin/api/shops/woocommerce/imported?limit=0", "Bearer "+testAdminToken)
	require.Equal(t, http.StatusBadRequest, code)
}

func basic(user, pw string) string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(user, pw)
	return req.Header.Get("Authorization")
}

// TestAdminNoToken: without admin.token the admin routes are not mounted
// (404, with or without any token) and the service warns at start.
func TestAdminNoToken(t *testing.T) {
	w := startAdminWorld(t, "")
	for _, auth := range []string{"", "Bearer " + testAdminToken, basic("a", "")} {
		for _, p := range []string{"/admin/", "/admin/api/shops", "/admin/jobs/"} {
			code, _, _ := w.do(t, "GET", p, auth)
			require.Equal(t, http.StatusNotFound, code, p)
		}
	}
	require.Contains(t, w.logs.String(), `admin.token is empty`)
	require.Nil(t, w.svc.AdminMux())
}

// TestAdminData: the lists say what the Store holds — the orders with
// products failed on RO App's refusal (permanent, waiting for a fix), the
// rejected ones with rule and reason (ORD-2 and the demo's rules), the
// imported ones page by page — and the progress is the import's last
// report.
func TestAdminData(t *testing.T) {
	w := startAdminWorld(t, testAdminToken)
	ctx := t.Context()
	sh := w.svc.shops[0]
	wantFailed, err := sh.syncer.Failed(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, wantFailed, "the revoked right fails orders")
	wantRejected, err := sh.syncer.Rejected(ctx)
	require.NoError(t, err)
	require.NotEmpty(t, wantRejected, "the demo has rejected orders")

	var failed AdminOrderList
	w.getJSON(t, "/admin/api/shops/woocommerce/failed", &failed)
	require.Equal(t, "woocommerce", failed.Shop)
	require.Len(t, failed.Orders, len(wantFailed))
	for i, o := range failed.Orders {
		require.Equal(t, wantFailed[i].OrderID, o.OrderID)
		require.Equal(t, wantFailed[i].LastError, o.Error)
		require.Contains(t, o.Error, "Can add products without deduction")
		require.True(t, o.Permanent, "a refused right waits for a fix (ENG-2)")
		require.Positive(t, o.Attempts)
	}
	var rejected AdminOrderList
	w.getJSON(t, "/admin/api/shops/woocommerce/rejected", &rejected)
	require.Len(t, rejected.Orders, len(wantRejected))
	for i, o := range rejected.Orders {
		require.Equal(t, wantRejected[i].OrderID, o.OrderID)
		require.Equal(t, "rejected", o.State)
		require.NotEmpty(t, o.Rule, "a rejected order names its rule")
		require.Equal(t, wantRejected[i].Rule, o.Rule)
		require.Equal(t, wantRejected[i].Reason, o.Reason)
	}

	// Imported, a page of one at a time, covers what the Store lists.
	wantImported, err := w.svc.store.Records(ctx, "woocommerce", rosync.RecordFilter{State: rosync.StateImported})
	require.NoError(t, err)
	var got []string
	after := ""
	for range len(wantImported) + 1 {
		var page AdminOrderList
		w.getJSON(t, "/admin/api/shops/woocommerce/imported?limit=1&after="+url.QueryEscape(after), &page)
		got = append(got, ids(page)...)
		if page.Next == "" {
			break
		}
		require.Len(t, page.Orders, 1)
		after = page.Next
	}
	var want []string
	for _, r := range wantImported {
		want = append(want, r.OrderID)
	}
	require.Equal(t, want, got)

	var prog *AdminProgress
	w.getJSON(t, "/admin/api/shops/woocommerce/progress", &prog)
	require.NotNil(t, prog)
	require.Equal(t, "import", prog.Phase)
	require.True(t, prog.Done)
	require.Equal(t, len(wantFailed), prog.Failed)

	var shops []AdminShop
	w.getJSON(t, "/admin/api/shops", &shops)
	require.Len(t, shops, 1)
	require.Equal(t, AdminShop{Shop: "woocommerce", Platform: "woocommerce", Ready: true, Progress: shops[0].Progress,
		Rejected: len(wantRejected), Failed: len(wantFailed), InDoubt: 0}, shops[0])
	require.NotNil(t, shops[0].Progress)
}

// TestAdminDoubt: the doubt list holds the orders whose RO App writes may
// or may not have happened (ENG-1) — a create intent recorded (pending,
// even without an error, as a crash leaves it) and an attempt that waits
// out a quarantine (DoubtAt, an InDoubtError) — and no plain failure.
func TestAdminDoubt(t *testing.T) {
	w := startAdminWorld(t, testAdminToken)
	ctx := t.Context()
	at := w.sb.Now().UTC().Truncate(time.Second)
	pending := rosync.Record{Shop: "woocommerce", OrderID: "zz-pending", Number: "Z1", State: rosync.StatePending,
		IntentAt: at, UpdatedAt: at}
	quarantined := rosync.Record{Shop: "woocommerce", OrderID: "zz-quarantined", Number: "Z2", State: rosync.StateImported,
		ROOrderID: 77, DoubtAt: at, Attempts: 1, NextRetry: at.Add(time.Hour), UpdatedAt: at,
		LastError: (&rosync.InDoubtError{What: "item", Until: at.Add(time.Hour)}).Error()}
	require.NoError(t, w.svc.store.PutRecord(ctx, &pending))
	require.NoError(t, w.svc.store.PutRecord(ctx, &quarantined))

	var doubt AdminOrderList
	w.getJSON(t, "/admin/api/shops/woocommerce/doubt", &doubt)
	require.ElementsMatch(t, []string{"zz-pending", "zz-quarantined"}, ids(doubt), "ENG-1: the plain failures are not in doubt")
	for _, o := range doubt.Orders {
		require.True(t, o.InDoubt)
		require.NotNil(t, o.DoubtSince)
		require.True(t, at.Equal(*o.DoubtSince), "doubt since %v", o.DoubtSince)
	}
	var failed AdminOrderList
	w.getJSON(t, "/admin/api/shops/woocommerce/failed", &failed)
	require.Contains(t, ids(failed), "zz-quarantined", "an order waiting out a quarantine is failed too")
	require.NotContains(t, ids(failed), "zz-pending", "a pending order without an error is not failed")
	var shops []AdminShop
	w.getJSON(t, "/admin/api/shops", &shops)
	require.Equal(t, 2, shops[0].InDoubt)

	code, page, _ := w.do(t, "GET", "/admin/", "Bearer "+testAdminToken)
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, page, `id="doubt-woocommerce"`)
	require.Contains(t, page, `<tr data-order="zz-pending">`)

	// What the shop and RO App wrote reaches the page escaped.
	evil := rosync.Record{Shop: "woocommerce", OrderID: `zz"><script>x()</script>`, Number: "Z3", State: rosync.StateRejected,
		Rule: "ORD-2", Reason: `<img src=x onerror=alert(1)>`, UpdatedAt: at}
	require.NoError(t, w.svc.store.PutRecord(ctx, &evil))
	code, page, _ = w.do(t, "GET", "/admin/", "Bearer "+testAdminToken)
	require.Equal(t, http.StatusOK, code)
	require.NotContains(t, page, "<script>x()")
	require.NotContains(t, page, "<img src=x")
	require.Contains(t, page, "&lt;img src=x onerror=alert(1)&gt;")
}

// TestAdminRetry: a retry before the cause is fixed leaves the order
// failed and says why; after the right is granted it moves the order from
// the failed list to RO App (ENG-2: a permanent failure waits for Retry).
// An order neither failed nor rejected is 409, an unknown one 404.
func TestAdminRetry(t *testing.T) {
	w := startAdminWorld(t, testAdminToken)
	var failed AdminOrderList
	w.getJSON(t, "/admin/api/shops/woocommerce/failed", &failed)
	require.NotEmpty(t, failed.Orders)
	id := failed.Orders[0].OrderID
	retry := "/admin/api/shops/woocommerce/orders/" + url.PathEscape(id) + "/retry"

	code, body, _ := w.do(t, "POST", retry, "Bearer "+testAdminToken)
	require.Equal(t, http.StatusOK, code, body)
	var res AdminRetry
	require.NoError(t, json.Unmarshal([]byte(body), &res))
	require.Contains(t, res.Error, "Can add products without deduction", "the cause is still there")
	require.Equal(t, id, res.Order.OrderID)
	require.NotEmpty(t, res.Order.Error)

	w.sb.Emulator.Grant(roapptest.RightAddWithoutDeduction)
	code, body, _ = w.do(t, "POST", retry, "Bearer "+testAdminToken)
	require.Equal(t, http.StatusOK, code, body)
	res = AdminRetry{}
	require.NoError(t, json.Unmarshal([]byte(body), &res))
	require.Empty(t, res.Error, body)
	require.Equal(t, "imported", res.Order.State, "ENG-2: the retried order went through")
	require.Positive(t, res.Order.ROOrderID)
	require.Empty(t, res.Order.Error)

	var after AdminOrderList
	w.getJSON(t, "/admin/api/shops/woocommerce/failed", &after)
	require.NotContains(t, ids(after), id, "the order left the failed list")
	require.Len(t, after.Orders, len(failed.Orders)-1, "the others are still failed")
	_, ok := w.sb.Emulator.OrderIDByNumber(res.Order.Number)
	require.True(t, ok, "the order is in RO App")

	code, _, _ = w.do(t, "POST", retry, "Bearer "+testAdminToken)
	require.Equal(t, http.StatusConflict, code, "an imported order is not re-checked")

	// A rejected order is re-checked against the rules: still rejected,
	// with its rule (the demo's rejections do not depend on RO App).
	var rejected AdminOrderList
	w.getJSON(t, "/admin/api/shops/woocommerce/rejected", &rejected)
	require.NotEmpty(t, rejected.Orders)
	rj := rejected.Orders[0]
	code, body, _ = w.do(t, "POST", "/admin/api/shops/woocommerce/orders/"+url.PathEscape(rj.OrderID)+"/retry", "Bearer "+testAdminToken)
	require.Equal(t, http.StatusOK, code, body)
	res = AdminRetry{}
	require.NoError(t, json.Unmarshal([]byte(body), &res))
	require.Equal(t, "rejected", res.Order.State, body)
	require.Equal(t, rj.Rule, res.Order.Rule, "rejected again under the same rule")
	code, _, _ = w.do(t, "POST", "/admin/api/shops/woocommerce/orders/999999/retry", "Bearer "+testAdminToken)
	require.Equal(t, http.StatusNotFound, code)
	code, _, _ = w.do(t, "POST", "/admin/api/shops/nosuch/orders/1/retry", "Bearer "+testAdminToken)
	require.Equal(t, http.StatusNotFound, code)
}

// TestAdminPageRetryForm: the page's form posts and is redirected back
// (303) with the outcome; a cross-site form post is refused even with the
// credentials (http.CrossOriginProtection).
func TestAdminPageRetryForm(t *testing.T) {
	w := startAdminWorld(t, testAdminToken)
	code, page, _ := w.do(t, "GET", "/admin/", basic("op", testAdminToken))
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, page, `href="/admin/jobs/"`)
	require.Contains(t, page, `id="failed-woocommerce"`)
	require.Contains(t, page, `id="rejected-woocommerce"`)

	var failed AdminOrderList
	w.getJSON(t, "/admin/api/shops/woocommerce/failed", &failed)
	id := failed.Orders[0].OrderID
	require.Contains(t, page, `action="/admin/shops/woocommerce/orders/`+id+`/retry"`)

	req, err := http.NewRequest("POST", w.base+"/admin/shops/woocommerce/orders/"+id+"/retry", nil)
	require.NoError(t, err)
	req.SetBasicAuth("op", testAdminToken)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := http.DefaultTransport.RoundTrip(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "a cross-site post is refused")

	w.sb.Emulator.Grant(roapptest.RightAddWithoutDeduction)
	code, _, h := w.do(t, "POST", "/admin/shops/woocommerce/orders/"+id+"/retry", basic("op", testAdminToken))
	require.Equal(t, http.StatusSeeOther, code)
	loc, err := url.Parse(h.Get("Location"))
	require.NoError(t, err)
	require.Equal(t, "/admin/", loc.Path)
	require.Equal(t, id, loc.Query().Get("retried"))
	require.Empty(t, loc.Query().Get("error"))
	code, page, _ = w.do(t, "GET", loc.RequestURI(), basic("op", testAdminToken))
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, page, "re-checked: it went through")
	require.NotContains(t, page, `action="/admin/shops/woocommerce/orders/`+id+`/retry"`, "the order left the failed list")
}

// TestInDoubtText: the admin's in-doubt test reads rosync.InDoubtError's
// message, the only form of it the Store keeps (ENG-1).
func TestInDoubtText(t *testing.T) {
	err := &rosync.InDoubtError{What: "item", Until: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	require.Contains(t, err.Error(), inDoubtText)
	require.True(t, inDoubt(rosync.Record{State: rosync.StateImported, LastError: err.Error()}))
	require.True(t, inDoubt(rosync.Record{State: rosync.StatePending}))
	require.True(t, inDoubt(rosync.Record{State: rosync.StateImported, DoubtAt: time.Unix(1, 0)}))
	require.False(t, inDoubt(rosync.Record{State: rosync.StateNew, LastError: "HTTP 403"}))
	o := adminOrder(rosync.Record{OrderID: "7", State: rosync.StatePending, UpdatedAt: time.Unix(100, 0)})
	require.Equal(t, time.Unix(100, 0).UTC(), *o.DoubtSince, "after a crash the last save stands for the doubt's start")
}

// TestAdminConfig: admin.token comes from the file or ROSYNC_ADMIN_TOKEN
// (the environment wins) and must not be short.
func TestAdminConfig(t *testing.T) {
	doc := `roapp: {api_key: k, branch_id: 1, order_type_id: 1, assignee_id: 1}
shops: [{name: main, platform: woocommerce, url: "https://a.example", key: k, secret: s, webhook_secret: w}]
admin: {token: from-the-file-0123456789}
`
	cfg, err := LoadConfig(strings.NewReader(doc), env(nil))
	require.NoError(t, err)
	require.Equal(t, "from-the-file-0123456789", cfg.Admin.Token)
	cfg, err = LoadConfig(strings.NewReader(doc), env(map[string]string{"ROSYNC_ADMIN_TOKEN": "from-the-env-0123456789"}))
	require.NoError(t, err)
	require.Equal(t, "from-the-env-0123456789", cfg.Admin.Token)
	_, err = LoadConfig(strings.NewReader(strings.Replace(doc, "from-the-file-0123456789", "short", 1)), env(nil))
	require.ErrorContains(t, err, "admin.token: shorter than 16 characters")
	require.NotContains(t, err.Error(), "short\"", "the secret is not quoted")
}

// demoSandbox starts the WooCommerce demo shop's sandbox (fake shop and RO
// App emulator) and a listener for the service under test, whose base URL
// the emulator's webhooks go to.
func demoSandbox(t *testing.T) (*replay.Sandbox, net.Listener, string) {
	t.Helper()
	f, err := os.Open("../testdata/replay/woocommerce-demo.json")
	require.NoError(t, err)
	fx, err := replay.Load(f)
	f.Close()
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	base := "http://" + ln.Addr().String()
	sb, err := replay.NewSandbox(fx, &replay.SandboxOptions{ROAppWebhookURL: base + "/webhooks/roapp"})
	require.NoError(t, err)
	t.Cleanup(sb.Close)
	return sb, ln, base
}
