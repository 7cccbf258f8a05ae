package webhook

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Outcomes of an admission request, the "outcome" label.
const (
	OutcomeInjected = "injected"
	OutcomeSkipped  = "skipped"
	OutcomeError    = "error"
)

// Metrics are the webhook's Prometheus collectors, on their own registry.
type Metrics struct {
	Registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	refusals *prometheus.CounterVec
}

// NewMetrics registers the collectors (and the Go and process collectors)
// on a new registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kale_webhook_requests_total",
			Help: "Admission requests by outcome (injected, skipped, error) and reason (why skipped, what failed).",
		}, []string{"outcome", "reason"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kale_webhook_request_duration_seconds",
			Help:    "Time to decide and build the response for one admission request.",
			Buckets: []float64{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1},
		}, []string{"outcome"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kale_webhook_refused_total",
			Help: "Requests refused before decoding by reason (busy, memory, too-large, read); the API server admits those pods without kale.",
		}, []string{"reason"}),
	}
	m.Registry.MustRegister(m.requests, m.duration, m.refusals,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *Metrics) observe(outcome, reason string, d time.Duration) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(outcome, reason).Inc()
	m.duration.WithLabelValues(outcome).Observe(d.Seconds())
}

func (m *Metrics) refused(reason string) {
	if m == nil {
		return
	}
	m.refusals.WithLabelValues(reason).Inc()
}
