package service

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/rosync/rosync"
)

// exposition is a parsed Prometheus text exposition: sample values by
// `name{labels}`, labels sorted by name as client_golang writes them, and
// each family's type.
type exposition struct {
	samples map[string]float64
	types   map[string]string
}

// parseExposition reads the text format with the Prometheus parser
// (github.com/prometheus/common/expfmt), which refuses what a scraper
// would refuse. Histograms give their _count and _sum samples.
func parseExposition(r io.Reader) (*exposition, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, err
	}
	e := &exposition{samples: map[string]float64{}, types: map[string]string{}}
	for name, f := range fams {
		e.types[name] = strings.ToLower(f.GetType().String())
		for _, m := range f.GetMetric() {
			var ls []string
			for _, l := range m.GetLabel() {
				ls = append(ls, l.GetName()+"="+strconv.Quote(l.GetValue()))
			}
			slices.Sort(ls)
			key := name
			if len(ls) > 0 {
				key += "{" + strings.Join(ls, ",") + "}"
			}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				e.samples[key] = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				e.samples[key] = m.GetGauge().GetValue()
			case dto.MetricType_HISTOGRAM:
				lk := strings.TrimPrefix(key, name)
				e.samples[name+"_count"+lk] = float64(m.GetHistogram().GetSampleCount())
				e.samples[name+"_sum"+lk] = m.GetHistogram().GetSampleSum()
			}
		}
	}
	return e, nil
}

func TestMetricsExposition(t *testing.T) {
	m := NewMetrics()
	m.AddShop("main")
	m.AddShop("idle")

	// Before anything happened, every counter of a configured shop and
	// service is there at zero, and the Go and process collectors answer.
	e := scrape(t, m)
	for _, k := range []string{
		`rosync_orders_total{outcome="imported",shop="idle"}`,
		`rosync_orders_total{outcome="failed",shop="idle"}`,
		`rosync_webhook_refused_total{reason="signature",shop="idle"}`,
		`rosync_status_pushes_total{shop="idle"}`,
		`rosync_duplicates_total{shop="idle"}`,
		`rosync_api_calls_total{service="roapp",status="2xx"}`,
		`rosync_api_429_total{service="roapp"}`,
		`rosync_ratelimit_wait_seconds_total`,
		`rosync_ratelimit_wait_seconds_count`,
	} {
		v, ok := e.samples[k]
		require.True(t, ok, "counter %s missing at start", k)
		require.Zero(t, v, k)
	}
	require.Equal(t, "gauge", e.types["go_goroutines"], "Go collector")
	require.Equal(t, "gauge", e.types["process_start_time_seconds"], "process collector")

	for _, ev := range []rosync.Event{
		{Kind: rosync.EventImported, Shop: "main", Duration: time.Second}, {Kind: rosync.EventImported, Shop: "main", Duration: time.Second},
		{Kind: rosync.EventUpdated, Shop: "main", Duration: 500 * time.Millisecond},
		{Kind: rosync.EventRejected, Shop: "main", Rule: "WOO-2"},
		{Kind: rosync.EventRejected, Shop: `we"ird\shop` + "\n", Rule: "ORD-4"},
		{Kind: rosync.EventFailed, Shop: "main", Err: errors.New("boom")},
		{Kind: rosync.EventWebhookRefused, Shop: "main", Err: rosync.ErrSignature},
		{Kind: rosync.EventWebhookRefused, Shop: "main", Err: rosync.ErrBodyTooLarge},
		{Kind: rosync.EventStatusPushed, Shop: "main"},
		{Kind: rosync.EventDuplicate, Shop: "main", OrderID: "1", ROOrderID: 9},
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

	hook := m.Webhook("main", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
	}))
	hook.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/webhooks/main", nil))

	e = scrape(t, m)
	want := map[string]float64{
		`rosync_orders_total{outcome="imported",shop="main"}`:              2,
		`rosync_orders_total{outcome="updated",shop="main"}`:               1,
		`rosync_orders_total{outcome="rejected",shop="main"}`:              1,
		`rosync_orders_total{outcome="failed",shop="main"}`:                1,
		`rosync_rejected_total{rule="WOO-2",shop="main"}`:                  1,
		`rosync_webhook_refused_total{reason="signature",shop="main"}`:     1,
		`rosync_webhook_refused_total{reason="too_large",shop="main"}`:     1,
		`rosync_status_pushes_total{shop="main"}`:                          1,
		`rosync_duplicates_total{shop="main"}`:                             1, // ENG-1
		`rosync_api_calls_total{service="roapp",status="2xx"}`:             2,
		`rosync_api_calls_total{service="roapp",status="4xx"}`:             2,
		`rosync_api_calls_total{service="roapp",status="5xx"}`:             1,
		`rosync_api_calls_total{service="woocommerce",status="error"}`:     1,
		`rosync_api_calls_total{service="woocommerce",status="2xx"}`:       0,
		`rosync_api_429_total{service="roapp"}`:                            1,
		`rosync_ratelimit_wait_seconds_total`:                              1.75,
		`rosync_ratelimit_wait_seconds_count`:                              2,
		`rosync_ratelimit_wait_seconds_sum`:                                1.75,
		`rosync_order_apply_seconds_count{outcome="imported",shop="main"}`: 2,
		`rosync_order_apply_seconds_sum{outcome="imported",shop="main"}`:   2,
		`rosync_order_apply_seconds_count{outcome="updated",shop="main"}`:  1,
		`rosync_webhook_duration_seconds_count{code="401",shop="main"}`:    1,
		`rosync_orders_total{outcome="imported",shop="idle"}`:              0,
	}
	for k, v := range want {
		got, ok := e.samples[k]
		require.True(t, ok, "missing %s in %v", k, e.samples)
		require.Equal(t, v, got, k)
	}
	for f, typ := range map[string]string{"rosync_orders_total": "counter", "rosync_rejected_total": "counter",
		"rosync_webhook_refused_total": "counter", "rosync_status_pushes_total": "counter",
		"rosync_duplicates_total": "counter",
		"rosync_api_calls_total":  "counter", "rosync_api_429_total": "counter",
		"rosync_ratelimit_wait_seconds_total": "counter", "rosync_ratelimit_wait_seconds": "histogram",
		"rosync_order_apply_seconds": "histogram", "rosync_webhook_duration_seconds": "histogram"} {
		require.Equal(t, typ, e.types[f], f)
	}
	// The odd shop name round-trips through the label escaping.
	_, found := e.samples[`rosync_rejected_total{rule="ORD-4",shop=`+strconv.Quote(`we"ird\shop`+"\n")+`}`]
	require.True(t, found, "escaped label value not found")
}

// scrape gets /metrics from m and parses it.
func scrape(t *testing.T, m *Metrics) *exposition {
	t.Helper()
	rec := httptest.NewRecorder()
	m.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	require.True(t, strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain; version=0.0.4"), rec.Header().Get("Content-Type"))
	e, err := parseExposition(rec.Body)
	require.NoError(t, err, rec.Body.String())
	return e
}
