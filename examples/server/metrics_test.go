package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
)

// exposition is a parsed Prometheus text exposition: sample values by
// `name{labels}` (labels as written), and each family's type.
type exposition struct {
	samples map[string]float64
	types   map[string]string
}

var (
	sampleRE = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (\S+)$`)
	labelRE  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)
)

// parseExposition reads the text format strictly: every line is a HELP,
// a TYPE or a sample of the family last typed; counters end in _total.
func parseExposition(r io.Reader) (*exposition, error) {
	e := &exposition{samples: map[string]float64{}, types: map[string]string{}}
	sc := bufio.NewScanner(r)
	current := ""
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "# HELP "):
			f := strings.SplitN(line, " ", 4)
			if len(f) < 4 || f[3] == "" {
				return nil, fmt.Errorf("line %d: HELP without text", n)
			}
		case strings.HasPrefix(line, "# TYPE "):
			f := strings.Fields(line)
			if len(f) != 4 || f[3] != "counter" {
				return nil, fmt.Errorf("line %d: want a counter TYPE: %q", n, line)
			}
			if _, dup := e.types[f[2]]; dup {
				return nil, fmt.Errorf("line %d: family %s typed twice", n, f[2])
			}
			current, e.types[f[2]] = f[2], f[3]
		default:
			m := sampleRE.FindStringSubmatch(line)
			if m == nil {
				return nil, fmt.Errorf("line %d: not a sample: %q", n, line)
			}
			if m[1] != current || !strings.HasSuffix(m[1], "_total") {
				return nil, fmt.Errorf("line %d: sample of %s outside its family %s", n, m[1], current)
			}
			v, err := strconv.ParseFloat(m[3], 64)
			if err != nil {
				return nil, fmt.Errorf("line %d: value: %w", n, err)
			}
			key := m[1] + m[2]
			if _, dup := e.samples[key]; dup {
				return nil, fmt.Errorf("line %d: duplicate sample %s", n, key)
			}
			e.samples[key] = v
		}
	}
	return e, sc.Err()
}

// labels unescapes the label values of a `{…}` string.
func labels(s string) map[string]string {
	out := map[string]string{}
	for _, m := range labelRE.FindAllStringSubmatch(s, -1) {
		out[m[1]] = strings.NewReplacer(`\\`, `\`, `\"`, `"`, `\n`, "\n").Replace(m[2])
	}
	return out
}

func TestMetricsExposition(t *testing.T) {
	m := NewMetrics()
	m.AddShop("main")
	for _, ev := range []rosync.Event{
		{Kind: rosync.EventImported, Shop: "main"}, {Kind: rosync.EventImported, Shop: "main"},
		{Kind: rosync.EventUpdated, Shop: "main"},
		{Kind: rosync.EventRejected, Shop: "main", Rule: "WOO-2"},
		{Kind: rosync.EventRejected, Shop: `we"ird\shop` + "\n", Rule: "ORD-4"},
		{Kind: rosync.EventFailed, Shop: "main", Err: errors.New("boom")},
		{Kind: rosync.EventWebhookRefused, Shop: "main"},
		{Kind: rosync.EventStatusPushed, Shop: "main"},
	} {
		m.OnEvent(ev)
	}
	m.OnWait(1500 * time.Millisecond)
	m.OnWait(250 * time.Millisecond)

	codes := []int{200, 200, 429, 503, 404}
	i := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(codes[i])
		i++
	}))
	defer srv.Close()
	hc := &http.Client{Transport: m.Transport("roapp", nil)}
	for range codes {
		resp, err := hc.Get(srv.URL)
		require.NoError(t, err)
		resp.Body.Close()
	}
	broken := &http.Client{Transport: m.Transport("woocommerce", nil)}
	_, err := broken.Get("http://127.0.0.1:1/unreachable")
	require.Error(t, err)

	rec := httptest.NewRecorder()
	m.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	require.Equal(t, "text/plain; version=0.0.4; charset=utf-8", rec.Header().Get("Content-Type"))
	e, err := parseExposition(rec.Body)
	require.NoError(t, err, rec.Body.String())

	want := map[string]float64{
		`rosync_orders_total{shop="main",outcome="imported"}`:          2,
		`rosync_orders_total{shop="main",outcome="updated"}`:           1,
		`rosync_orders_total{shop="main",outcome="rejected"}`:          1,
		`rosync_orders_total{shop="main",outcome="failed"}`:            1,
		`rosync_rejected_total{shop="main",rule="WOO-2"}`:              1,
		`rosync_webhook_refused_total{shop="main"}`:                    1,
		`rosync_status_pushes_total{shop="main"}`:                      1,
		`rosync_api_calls_total{service="roapp",status="2xx"}`:         2,
		`rosync_api_calls_total{service="roapp",status="4xx"}`:         2,
		`rosync_api_calls_total{service="roapp",status="5xx"}`:         1,
		`rosync_api_calls_total{service="woocommerce",status="error"}`: 1,
		`rosync_api_429_total{service="roapp"}`:                        1,
		`rosync_ratelimit_wait_seconds_total`:                          1.75,
	}
	for k, v := range want {
		got, ok := e.samples[k]
		require.True(t, ok, "missing %s in\n%s", k, rec.Body.String())
		require.Equal(t, v, got, k)
	}
	for _, f := range []string{"rosync_orders_total", "rosync_rejected_total", "rosync_webhook_refused_total",
		"rosync_status_pushes_total", "rosync_api_calls_total", "rosync_api_429_total", "rosync_ratelimit_wait_seconds_total"} {
		require.Equal(t, "counter", e.types[f], f)
	}
	// The odd shop name round-trips through the label escaping.
	found := false
	for k := range e.samples {
		if strings.HasPrefix(k, "rosync_rejected_total{") && labels(k)["shop"] == `we"ird\shop`+"\n" {
			found = true
		}
	}
	require.True(t, found, "escaped label value not found")
}
