// Command kale-webhook is the mutating admission webhook that makes
// Kubeflow Notebook pods Kale-ready (see pkg/webhook and pkg/inject).
//
//	kale-webhook --cert-dir DIR [--port 9443] [--config FILE] \
//	  [--metrics-bind-address :8080] [--health-probe-bind-address :8081]
//
// In the kale image the same binary also installs the kale tool into a
// notebook pod's kale-bin volume (the injected init container runs
// `kale-webhook install --dest /opt/kale/bin/kale`).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/kubeflow-kale/kale/internal/fileutil"
	"github.com/kubeflow-kale/kale/pkg/inject"
	"github.com/kubeflow-kale/kale/pkg/version"
	"github.com/kubeflow-kale/kale/pkg/webhook"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "install" {
		if err := install(args[1:], stderr); err != nil {
			fmt.Fprintln(stderr, "kale-webhook install:", err)
			return 1
		}
		return 0
	}
	fs := flag.NewFlagSet("kale-webhook", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		opts       webhook.Options
		configPath string
		logLevel   slog.Level
		showVer    bool
	)
	fs.StringVar(&opts.CertDir, "cert-dir", "/etc/kale-webhook/certs", "directory holding tls.crt and tls.key (reloaded when they change)")
	fs.StringVar(&opts.Host, "host", "", "address to serve HTTPS on (empty: all)")
	fs.IntVar(&opts.Port, "port", 9443, "HTTPS port for /mutate-v1-pod")
	fs.StringVar(&configPath, "config", "", "YAML configuration file (empty: defaults)")
	fs.StringVar(&opts.MetricsBindAddress, "metrics-bind-address", ":8080", `address for /metrics ("0" disables)`)
	fs.StringVar(&opts.HealthProbeBindAddress, "health-probe-bind-address", ":8081", `address for /healthz and /readyz ("0" disables)`)
	fs.TextVar(&logLevel, "log-level", slog.LevelInfo, "DEBUG, INFO, WARN or ERROR")
	fs.BoolVar(&showVer, "version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if showVer {
		fmt.Fprintln(stderr, "kale-webhook", version.String())
		return 0
	}

	handler := slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: logLevel})
	log := slog.New(handler).With("app", "kale-webhook")
	ctrllog.SetLogger(logr.FromSlogHandler(handler))

	cfg := inject.DefaultConfig()
	if configPath != "" {
		f, err := os.Open(configPath)
		if err != nil {
			log.Error("cannot open the configuration", "error", err)
			return 1
		}
		cfg, err = inject.LoadConfig(f)
		f.Close()
		if err != nil {
			log.Error("invalid configuration", "file", configPath, "error", err)
			return 1
		}
	}
	opts.Config, opts.Logger = cfg, log

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := webhook.New(opts)
	if err != nil {
		log.Error("cannot start", "error", err)
		return 1
	}
	log.Info("kale-webhook", "version", version.String(), "image", cfg.Image)
	if err := srv.Start(ctx); err != nil {
		log.Error("serving failed", "error", err)
		return 1
	}
	return 0
}

// install copies the kale binary (kubectl-kale, next to this program in
// the image) to dest with mode 0755, atomically: it is what the injected
// init container runs.
func install(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("install", flag.ContinueOnError)
	fs.SetOutput(stderr)
	self, _ := os.Executable()
	src := fs.String("src", filepath.Join(filepath.Dir(self), "kubectl-kale"), "the kale binary to copy")
	dest := fs.String("dest", "", "where to put it (e.g. /opt/kale/bin/kale)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dest == "" {
		return errors.New("--dest is required")
	}
	in, err := os.Open(*src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(*dest), 0o755); err != nil {
		return err
	}
	if err := fileutil.Write(*dest, in, fileutil.Options{Perm: 0o755, ForcePerm: true}); err != nil {
		return fmt.Errorf("copying %s: %w", *src, err)
	}
	fmt.Fprintf(stderr, "installed %s -> %s\n", *src, *dest)
	return nil
}
