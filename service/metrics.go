package service

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rosync/rosync"
)

// Metrics counts what the service does, through the Prometheus client
// library (github.com/prometheus/client_golang) on a registry of its own,
// which also holds the Go and process collectors. ServeHTTP serves them
// with promhttp. Every counter and histogram of a configured shop and of
// its services is present from the start, at zero (AddShop), so that rates
// and alerts work before anything happened. It is safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry
	h   http.Handler

	orders   *prometheus.CounterVec // shop, outcome
	rejected *prometheus.CounterVec // shop, rule
	refused  *prometheus.CounterVec // shop, reason
	pushes   *prometheus.CounterVec // shop
	dups     *prometheus.CounterVec // shop
	calls    *prometheus.CounterVec // service, status
	tooMany  *prometheus.CounterVec // service
	waitSum  prometheus.Counter
	wait     prometheus.Histogram
	webhook  *prometheus.HistogramVec // shop, code
	apply    *prometheus.HistogramVec // shop, outcome
}

// The outcomes of rosync_orders_total.
var outcomes = []rosync.EventKind{rosync.EventImported, rosync.EventUpdated, rosync.EventRejected, rosync.EventFailed}

// The reasons of rosync_webhook_refused_total.
var refusals = []string{"signature", "too_large", "other"}

// The status classes of rosync_api_calls_total ("error": no answer).
var statusClasses = []string{"2xx", "3xx", "4xx", "5xx", "error"}

// NewMetrics returns the service's metrics on a new registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		orders: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rosync_orders_total",
			Help: "Platform orders applied, by shop and outcome (imported, updated, rejected, failed)."},
			[]string{"shop", "outcome"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rosync_rejected_total",
			Help: "Orders rejected, by shop and the rule of the specification that rejected them."},
			[]string{"shop", "rule"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rosync_webhook_refused_total",
			Help: "Webhooks refused, by shop and reason (signature: bad or missing signature; too_large: body over the limit)."},
			[]string{"shop", "reason"}),
		pushes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rosync_status_pushes_total",
			Help: "Order statuses set on the platform, by shop."}, []string{"shop"}),
		dups: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rosync_duplicates_total",
			Help: "Duplicate RO App orders found (a create executed after its quarantine; commented on, never deleted), by shop (ENG-1)."},
			[]string{"shop"}),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rosync_api_calls_total",
			Help: "HTTP requests sent (retries included), by service (roapp or the platform) and status class."},
			[]string{"service", "status"}),
		tooMany: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rosync_api_429_total",
			Help: "HTTP 429 answers received, by service."}, []string{"service"}),
		waitSum: prometheus.NewCounter(prometheus.CounterOpts{Name: "rosync_ratelimit_wait_seconds_total",
			Help: "Time requests waited on the RO App rate limiter, in all."}),
		wait: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "rosync_ratelimit_wait_seconds",
			Help:    "How long each RO App request (retries included) waited on the rate limiter.",
			Buckets: []float64{0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}}),
		webhook: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "rosync_webhook_duration_seconds",
			Help:    "Time to answer a webhook, by shop (or roapp) and HTTP status code.",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}},
			[]string{"shop", "code"}),
		apply: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "rosync_order_apply_seconds",
			Help:    "Time to apply one platform order to RO App (lock, reads, writes), by shop and outcome.",
			Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}},
			[]string{"shop", "outcome"}),
	}
	m.reg.MustRegister(m.orders, m.rejected, m.refused, m.pushes, m.dups, m.calls, m.tooMany, m.waitSum, m.wait,
		m.webhook, m.apply,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.h = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
	m.AddService("roapp")
	return m
}

// Registry returns the registry that holds the metrics, for an embedder
// that adds its own.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// AddShop makes the shop's counters appear at zero before anything
// happened, so that rates and alerts work from the start.
func (m *Metrics) AddShop(shop string) {
	for _, o := range outcomes {
		m.orders.WithLabelValues(shop, string(o))
	}
	m.AddWebhookSource(shop)
	m.pushes.WithLabelValues(shop)
	m.dups.WithLabelValues(shop)
}

// AddWebhookSource makes the refused-webhook counters of a source (a shop,
// or roapp) appear at zero.
func (m *Metrics) AddWebhookSource(source string) {
	for _, r := range refusals {
		m.refused.WithLabelValues(source, r)
	}
}

// AddService makes the request counters of a service (roapp or a
// platform) appear at zero.
func (m *Metrics) AddService(service string) {
	for _, c := range statusClasses {
		m.calls.WithLabelValues(service, c)
	}
	m.tooMany.WithLabelValues(service)
}

// refusal is the reason label of a refused webhook's error.
func refusal(err error) string {
	switch {
	case errors.Is(err, rosync.ErrSignature):
		return "signature"
	case errors.Is(err, rosync.ErrBodyTooLarge):
		return "too_large"
	}
	return "other"
}

// OnEvent counts a Syncer event; it is the Syncer's Options.OnEvent.
func (m *Metrics) OnEvent(ev rosync.Event) {
	switch ev.Kind {
	case rosync.EventImported, rosync.EventUpdated, rosync.EventFailed, rosync.EventRejected:
		m.orders.WithLabelValues(ev.Shop, string(ev.Kind)).Inc()
		if ev.Kind == rosync.EventRejected {
			m.rejected.WithLabelValues(ev.Shop, ev.Rule).Inc()
		}
		if ev.Duration > 0 {
			m.apply.WithLabelValues(ev.Shop, string(ev.Kind)).Observe(ev.Duration.Seconds())
		}
	case rosync.EventWebhookRefused:
		m.refused.WithLabelValues(ev.Shop, refusal(ev.Err)).Inc()
	case rosync.EventStatusPushed:
		m.pushes.WithLabelValues(ev.Shop).Inc()
	case rosync.EventDuplicate:
		m.dups.WithLabelValues(ev.Shop).Inc()
	}
}

// OnWait adds a wait on RO App's rate limiter; it is roapp's
// Options.OnWait, called before every attempt.
func (m *Metrics) OnWait(d time.Duration) {
	m.waitSum.Add(d.Seconds())
	m.wait.Observe(d.Seconds())
}

// Transport wraps base (http.DefaultTransport when nil) to count every
// request sent to service by status class ("2xx", "4xx", "error" for no
// answer) and its 429 answers.
func (m *Metrics) Transport(service string, base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	m.AddService(service)
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
	t.m.calls.WithLabelValues(t.service, class).Inc()
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		t.m.tooMany.WithLabelValues(t.service).Inc()
	}
	return resp, err
}

// Webhook wraps a webhook handler to observe its answer time in
// rosync_webhook_duration_seconds under the label shop.
func (m *Metrics) Webhook(shop string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(sw, r)
		m.webhook.WithLabelValues(shop, strconv.Itoa(sw.code)).Observe(time.Since(start).Seconds())
	})
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.code, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// ServeHTTP serves GET /metrics with promhttp (the text exposition format,
// or OpenMetrics or protobuf as the scraper asks).
func (m *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.h.ServeHTTP(w, r) }
