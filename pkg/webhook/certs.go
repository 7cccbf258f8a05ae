package webhook

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/certwatcher"
)

// certLoader serves the certificate in certPath/keyPath, reloading it when
// the files change (cert-manager renews it in place). Until the files exist
// and parse, handshakes fail and the server is not ready.
type certLoader struct {
	certPath, keyPath string
	watcher           atomic.Pointer[certwatcher.CertWatcher]
	log               *slog.Logger
}

func (l *certLoader) loaded() bool { return l.watcher.Load() != nil }

// GetCertificate is the tls.Config hook.
func (l *certLoader) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	w := l.watcher.Load()
	if w == nil {
		return nil, fmt.Errorf("no serving certificate loaded yet from %s", l.certPath)
	}
	return w.GetCertificate(hello)
}

// run waits for a readable certificate, then watches it until ctx ends.
func (l *certLoader) run(ctx context.Context, retry time.Duration) {
	for {
		w, err := certwatcher.New(l.certPath, l.keyPath)
		if err == nil {
			l.watcher.Store(w)
			l.log.InfoContext(ctx, "serving certificate loaded", "cert", l.certPath)
			if err := w.Start(ctx); err != nil {
				l.log.ErrorContext(ctx, "watching the serving certificate", "error", err)
			}
			return
		}
		l.log.WarnContext(ctx, "no usable serving certificate yet; retrying", "error", err, "retry", retry.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(retry):
		}
	}
}
