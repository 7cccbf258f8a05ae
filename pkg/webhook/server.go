package webhook

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/kubeflow-kale/kale/pkg/inject"
)

// Options configure a Server. Empty fields take the defaults in
// brackets.
type Options struct {
	// Host to listen on [all interfaces] and Port [9443] for HTTPS.
	Host string
	Port int
	// CertDir holds CertName [tls.crt] and KeyName [tls.key].
	CertDir, CertName, KeyName string
	// MetricsBindAddress serves /metrics; "0" or "" disables it.
	MetricsBindAddress string
	// HealthProbeBindAddress serves /healthz and /readyz; "0" or "" disables it.
	HealthProbeBindAddress string
	// Config is what the webhook injects [inject.DefaultConfig()].
	Config *inject.Config
	// Logger [discard].
	Logger *slog.Logger
	// CertRetry is how often to look for a missing certificate [2s].
	CertRetry time.Duration
}

// Server is the running kale-webhook: the HTTPS admission endpoint, the
// probes and the metrics.
type Server struct {
	opts    Options
	certs   *certLoader
	hook    webhook.Server
	Metrics *Metrics

	mu            sync.Mutex
	metricsAddr   string
	healthAddr    string
	listenersDone chan struct{}
}

// New builds a Server; nothing listens until Start.
func New(opts Options) (*Server, error) {
	if opts.Config == nil {
		opts.Config = inject.DefaultConfig()
	}
	if err := opts.Config.Validate(); err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Port == 0 {
		opts.Port = webhook.DefaultPort
	}
	if opts.CertName == "" {
		opts.CertName = "tls.crt"
	}
	if opts.KeyName == "" {
		opts.KeyName = "tls.key"
	}
	if opts.CertDir == "" {
		return nil, errors.New("no certificate directory (--cert-dir)")
	}
	if opts.CertRetry == 0 {
		opts.CertRetry = 2 * time.Second
	}
	s := &Server{opts: opts, Metrics: NewMetrics(), listenersDone: make(chan struct{})}
	s.certs = &certLoader{
		certPath: filepath.Join(opts.CertDir, opts.CertName),
		keyPath:  filepath.Join(opts.CertDir, opts.KeyName),
		log:      opts.Logger,
	}
	s.hook = webhook.NewServer(webhook.Options{
		Host: opts.Host,
		Port: opts.Port,
		TLSOpts: []func(*tls.Config){func(c *tls.Config) {
			c.MinVersion = tls.VersionTLS12
			// HTTP/1.1 only, as kubebuilder scaffolds by default: HTTP/2
			// rapid stream resets (CVE-2023-44487) cost a webhook more
			// than HTTP/2 gains it.
			c.NextProtos = []string{"http/1.1"}
			c.GetCertificate = s.certs.GetCertificate
		}},
	})
	s.hook.Register(Path, NewHandler(opts.Config, s.Metrics, opts.Logger).Webhook())
	return s, nil
}

// Ready reports nil once a certificate is loaded and the HTTPS server
// answers handshakes.
func (s *Server) Ready() error {
	if !s.certs.loaded() {
		return fmt.Errorf("no serving certificate loaded yet from %s", s.certs.certPath)
	}
	return s.hook.StartedChecker()(nil)
}

// MetricsAddr and HealthAddr are the bound addresses once Start listens
// (useful with port 0).
func (s *Server) MetricsAddr() string { s.mu.Lock(); defer s.mu.Unlock(); return s.metricsAddr }

// HealthAddr: see MetricsAddr.
func (s *Server) HealthAddr() string { s.mu.Lock(); defer s.mu.Unlock(); return s.healthAddr }

// Start serves until ctx ends, then shuts down gracefully: in-flight
// admission requests finish. It returns the first serving error.
func (s *Server) Start(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	log := s.opts.Logger

	var servers []*http.Server
	var listeners []net.Listener
	if addr := s.opts.MetricsBindAddress; addr != "" && addr != "0" {
		mux := http.NewServeMux()
		gather := prometheus.Gatherers{s.Metrics.Registry, crmetrics.Registry}
		mux.Handle("/metrics", promhttp.HandlerFor(gather, promhttp.HandlerOpts{}))
		ln, srv, err := listen(addr, mux)
		if err != nil {
			return fmt.Errorf("metrics server: %w", err)
		}
		s.mu.Lock()
		s.metricsAddr = ln.Addr().String()
		s.mu.Unlock()
		servers, listeners = append(servers, srv), append(listeners, ln)
	}
	if addr := s.opts.HealthProbeBindAddress; addr != "" && addr != "0" {
		mux := http.NewServeMux()
		mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok")) })
		mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
			if err := s.Ready(); err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
			_, _ = w.Write([]byte("ok"))
		})
		ln, srv, err := listen(addr, mux)
		if err != nil {
			for _, l := range listeners {
				_ = l.Close()
			}
			return fmt.Errorf("health probe server: %w", err)
		}
		s.mu.Lock()
		s.healthAddr = ln.Addr().String()
		s.mu.Unlock()
		servers, listeners = append(servers, srv), append(listeners, ln)
	}

	errc := make(chan error, len(servers)+1)
	for i, srv := range servers {
		go func() {
			if err := srv.Serve(listeners[i]); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
	}
	go s.certs.run(ctx, s.opts.CertRetry)
	log.InfoContext(ctx, "starting kale-webhook", "port", s.opts.Port, "path", Path,
		"metrics", s.opts.MetricsBindAddress, "health", s.opts.HealthProbeBindAddress)
	go func() { errc <- s.hook.Start(ctx) }()

	var err error
	select {
	case <-ctx.Done():
		err = <-errc // the webhook server drains in-flight requests, then returns
	case err = <-errc:
		cancel()
	}
	shutdown, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	for _, srv := range servers {
		_ = srv.Shutdown(shutdown)
	}
	log.Info("kale-webhook stopped")
	return err
}

func listen(addr string, h http.Handler) (net.Listener, *http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	return ln, &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}, nil
}
