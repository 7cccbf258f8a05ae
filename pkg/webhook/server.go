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
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/net/netutil"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

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
	// Limits on the admission endpoint's clients (see Limits).
	Limits Limits
}

// Server is the running kale-webhook: the HTTPS admission endpoint, the
// probes and the metrics.
type Server struct {
	opts    Options
	certs   *certLoader
	tls     *tls.Config
	handler http.Handler
	Metrics *Metrics

	mu          sync.Mutex
	metricsAddr string
	healthAddr  string
	hookAddr    string
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
		opts.Port = DefaultPort
	}
	opts.Limits.setDefaults()
	if err := opts.Limits.validate(); err != nil {
		return nil, err
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
	s := &Server{opts: opts, Metrics: NewMetrics()}
	s.certs = &certLoader{
		certPath: filepath.Join(opts.CertDir, opts.CertName),
		keyPath:  filepath.Join(opts.CertDir, opts.KeyName),
		log:      opts.Logger,
	}
	s.tls = &tls.Config{
		MinVersion: tls.VersionTLS12,
		// HTTP/1.1 only, as kubebuilder scaffolds by default: HTTP/2 rapid
		// stream resets (CVE-2023-44487) cost a webhook more than HTTP/2
		// gains it.
		NextProtos:     []string{"http/1.1"},
		GetCertificate: s.certs.GetCertificate,
	}
	mux := http.NewServeMux()
	mux.Handle(Path, newLimiter(opts.Limits, NewHandler(opts.Config, s.Metrics, opts.Logger).Webhook(), s.Metrics))
	s.handler = mux
	return s, nil
}

// DefaultPort is the admission endpoint's port.
const DefaultPort = 9443

// Ready reports nil once a certificate is loaded and the HTTPS server
// answers handshakes.
func (s *Server) Ready() error {
	if !s.certs.loaded() {
		return fmt.Errorf("no serving certificate loaded yet from %s", s.certs.certPath)
	}
	addr := s.WebhookAddr()
	if addr == "" {
		return errors.New("the webhook server is not listening yet")
	}
	d := &net.Dialer{Timeout: 5 * time.Second}
	conn, err := tls.DialWithDialer(d, "tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		return fmt.Errorf("the webhook server is not reachable: %w", err)
	}
	return conn.Close()
}

// WebhookAddr is the admission endpoint's bound address once Start listens.
func (s *Server) WebhookAddr() string { s.mu.Lock(); defer s.mu.Unlock(); return s.hookAddr }

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

	hookLn, err := net.Listen("tcp", net.JoinHostPort(s.opts.Host, strconv.Itoa(s.opts.Port)))
	if err != nil {
		for _, l := range listeners {
			_ = l.Close()
		}
		return fmt.Errorf("webhook server: %w", err)
	}
	s.mu.Lock()
	s.hookAddr = hookLn.Addr().String()
	s.mu.Unlock()
	lim := s.opts.Limits
	hook := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: lim.ReadHeaderTimeout,
		ReadTimeout:       lim.ReadTimeout,
		WriteTimeout:      lim.WriteTimeout,
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug), // TLS handshake noise from probes and scanners
	}
	servers = append(servers, hook)
	listeners = append(listeners, tls.NewListener(netutil.LimitListener(hookLn, lim.MaxConnections), s.tls))

	errc := make(chan error, len(servers))
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

	select {
	case <-ctx.Done():
	case err = <-errc:
		cancel()
	}
	// In-flight admission requests finish; the API server gives each 5 s.
	shutdown, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	for _, srv := range servers {
		_ = srv.Shutdown(shutdown)
	}
	log.Info("kale-webhook stopped")
	return err
}

// listen serves h on addr (metrics, probes) with the same timeouts as the
// admission endpoint's defaults.
func listen(addr string, h http.Handler) (net.Listener, *http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	return ln, &http.Server{Handler: h, ReadHeaderTimeout: 2 * time.Second, ReadTimeout: 5 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 30 * time.Second}, nil
}
