package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics holds the process's Prometheus collectors in its own registry
// (no global state).
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

// SubscriberCounter reports how many realtime subscribers are connected;
// realtime.Local and realtime.Postgres implement it.
type SubscriberCounter interface{ Subscribers() int }

func newMetrics(subs SubscriberCounter) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_http_requests_total",
			Help: "HTTP requests served, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "switchboard_http_request_duration_seconds",
			Help:    "Time to serve HTTP requests, by route pattern, method and status code (long-lived streams excluded).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method", "code"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "switchboard_http_requests_in_flight",
			Help: "HTTP requests being served now, streams included.",
		}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.inFlight,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if subs != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "switchboard_realtime_subscribers",
			Help: "Realtime event subscribers (open SSE/WebSocket streams) in this process.",
		}, func() float64 { return float64(subs.Subscribers()) }))
	}
	if shared, ok := subs.(sharedBroker); ok {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "switchboard_realtime_notify_dropped_total",
			Help: "Realtime events not sent to the other instances (send queue full or database unreachable); they were told to resync.",
		}, func() float64 { return float64(shared.Dropped()) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "switchboard_realtime_reconnects_total",
				Help: "Times the realtime listener lost its PostgreSQL connection and got a new one (its subscribers resynced).",
			}, func() float64 { return float64(shared.Reconnects()) }))
	}
	return m
}

// sharedBroker is a broker shared between instances (realtime.Postgres),
// whose losses are exported as counters.
type sharedBroker interface {
	Dropped() uint64
	Reconnects() uint64
}

func (m *metrics) observe(route, method string, code int, d time.Duration, stream bool) {
	method = methodLabel(method)
	c := strconv.Itoa(code)
	m.requests.WithLabelValues(route, method, c).Inc()
	if !stream {
		m.duration.WithLabelValues(route, method, c).Observe(d.Seconds())
	}
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// methodLabel bounds the method label: clients may send any token as a
// method, and each distinct one would be a new time series.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return m
	}
	return "other"
}
