package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rosync/rosync"
)

// Metrics counts what the service does and writes it in the Prometheus
// text exposition format (version 0.0.4), by hand: the service needs no
// client library for a handful of counters. It is safe for concurrent use.
type Metrics struct {
	mu       sync.Mutex
	orders   map[[2]string]uint64 // shop, outcome
	rejected map[[2]string]uint64 // shop, rule
	refused  map[string]uint64    // shop
	pushes   map[string]uint64    // shop
	calls    map[[2]string]uint64 // service, status class
	tooMany  map[string]uint64    // service
	wait     time.Duration
}

// The outcomes of rosync_orders_total.
var outcomes = []rosync.EventKind{rosync.EventImported, rosync.EventUpdated, rosync.EventRejected, rosync.EventFailed}

// NewMetrics returns empty counters.
func NewMetrics() *Metrics {
	return &Metrics{
		orders: map[[2]string]uint64{}, rejected: map[[2]string]uint64{}, refused: map[string]uint64{},
		pushes: map[string]uint64{}, calls: map[[2]string]uint64{}, tooMany: map[string]uint64{},
	}
}

// AddShop makes the shop's counters appear at zero before anything
// happened, so that rates and alerts work from the start.
func (m *Metrics) AddShop(shop string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, o := range outcomes {
		m.orders[[2]string{shop, string(o)}] += 0
	}
	m.refused[shop] += 0
	m.pushes[shop] += 0
}

// OnEvent counts a Syncer event; it is the Syncer's Options.OnEvent.
func (m *Metrics) OnEvent(ev rosync.Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch ev.Kind {
	case rosync.EventImported, rosync.EventUpdated, rosync.EventFailed:
		m.orders[[2]string{ev.Shop, string(ev.Kind)}]++
	case rosync.EventRejected:
		m.orders[[2]string{ev.Shop, string(ev.Kind)}]++
		m.rejected[[2]string{ev.Shop, ev.Rule}]++
	case rosync.EventWebhookRefused:
		m.refused[ev.Shop]++
	case rosync.EventStatusPushed:
		m.pushes[ev.Shop]++
	}
}

// OnWait adds a wait on RO App's rate limiter; it is roapp's
// Options.OnWait.
func (m *Metrics) OnWait(d time.Duration) {
	m.mu.Lock()
	m.wait += d
	m.mu.Unlock()
}

// Transport wraps base (http.DefaultTransport when nil) to count every
// request sent to service by status class ("2xx", "4xx", "error" for no
// answer) and its 429 answers.
func (m *Metrics) Transport(service string, base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &countingTransport{m: m, service: service, base: base}
}

type countingTransport struct {
	m       *Metrics
	service string
	base    http.RoundTripper
}

func (t *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(r)
	class := "error"
	if err == nil {
		class = strconv.Itoa(resp.StatusCode/100) + "xx"
	}
	t.m.mu.Lock()
	t.m.calls[[2]string{t.service, class}]++
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		t.m.tooMany[t.service]++
	}
	t.m.mu.Unlock()
	return resp, err
}

// ServeHTTP serves GET /metrics.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = m.WriteTo(w)
}

// WriteTo writes every metric in the Prometheus text exposition format,
// families and samples in a stable order.
func (m *Metrics) WriteTo(w io.Writer) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cw := &countWriter{w: bufio.NewWriter(w)}
	family(cw, "rosync_orders_total", "Platform orders applied, by shop and outcome (imported, updated, rejected, failed).",
		pairs(m.orders, "shop", "outcome"))
	family(cw, "rosync_rejected_total", "Orders rejected, by shop and the rule of the specification that rejected them.",
		pairs(m.rejected, "shop", "rule"))
	family(cw, "rosync_webhook_refused_total", "Webhooks refused (bad signature or too large), by shop.",
		singles(m.refused, "shop"))
	family(cw, "rosync_status_pushes_total", "Order statuses set on the platform, by shop.",
		singles(m.pushes, "shop"))
	family(cw, "rosync_api_calls_total", "HTTP requests sent (retries included), by service (roapp or the platform) and status class.",
		pairs(m.calls, "service", "status"))
	family(cw, "rosync_api_429_total", "HTTP 429 answers received, by service.",
		singles(m.tooMany, "service"))
	fmt.Fprintf(cw, "# HELP rosync_ratelimit_wait_seconds_total Time requests waited on the RO App rate limiter.\n")
	fmt.Fprintf(cw, "# TYPE rosync_ratelimit_wait_seconds_total counter\n")
	fmt.Fprintf(cw, "rosync_ratelimit_wait_seconds_total %s\n", strconv.FormatFloat(m.wait.Seconds(), 'g', -1, 64))
	err := cw.w.(*bufio.Writer).Flush()
	return cw.n, errors.Join(cw.err, err)
}

type sample struct {
	labels string // `{a="b",c="d"}`
	value  uint64
}

func family(w io.Writer, name, help string, samples []sample) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n", name, help, name)
	for _, s := range samples {
		fmt.Fprintf(w, "%s%s %d\n", name, s.labels, s.value)
	}
}

func pairs(m map[[2]string]uint64, k1, k2 string) []sample {
	out := make([]sample, 0, len(m))
	for k, v := range m {
		out = append(out, sample{labels: "{" + k1 + `="` + escapeLabel(k[0]) + `",` + k2 + `="` + escapeLabel(k[1]) + `"}`, value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].labels < out[j].labels })
	return out
}

func singles(m map[string]uint64, k string) []sample {
	out := make([]sample, 0, len(m))
	for key, v := range m {
		out = append(out, sample{labels: "{" + k + `="` + escapeLabel(key) + `"}`, value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].labels < out[j].labels })
	return out
}

// escapeLabel escapes a label value as the exposition format wants:
// backslash, double quote and line feed.
func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

type countWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}
