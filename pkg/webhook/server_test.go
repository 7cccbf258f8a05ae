package webhook

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubeflow-kale/kale/internal/testenv"
)

// writeServingCert writes a self-signed certificate for 127.0.0.1 with the
// given common name and returns it.
func writeServingCert(t *testing.T, dir, cn string) *x509.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kd, _ := x509.MarshalECPrivateKey(key)
	// Write the key first and the certificate last, as a renewal would.
	if err := os.WriteFile(filepath.Join(dir, "tls.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "tls.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func get(url string) (int, string, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

// TestServerLifecycle: not ready without a certificate, ready once one
// appears, a renewed certificate is served without a restart, TLS below
// 1.2 is refused, metrics count requests, and cancelling the context shuts
// everything down.
func TestServerLifecycle(t *testing.T) {
	dir := t.TempDir()
	port := freePort(t)
	srv, err := New(Options{Host: "127.0.0.1", Port: port, CertDir: dir, Config: testConfig(),
		MetricsBindAddress: "127.0.0.1:0", HealthProbeBindAddress: "127.0.0.1:0", CertRetry: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Start(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	testenv.Eventually(t, 20*time.Second, "health server listening", func() error {
		if srv.HealthAddr() == "" {
			return fmt.Errorf("not yet")
		}
		return nil
	})
	health := "http://" + srv.HealthAddr()
	if code, body, err := get(health + "/healthz"); err != nil || code != 200 {
		t.Fatalf("/healthz = %d %q %v", code, body, err)
	}
	if code, body, _ := get(health + "/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "no serving certificate") {
		t.Fatalf("/readyz without a certificate = %d %q, want 503", code, body)
	}

	first := writeServingCert(t, dir, "first")
	testenv.Eventually(t, 20*time.Second, "ready after the certificate appears", func() error {
		code, body, err := get(health + "/readyz")
		if err != nil || code != 200 {
			return fmt.Errorf("%d %s %v", code, body, err)
		}
		return nil
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	servedCN := func() (string, error) {
		c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			return "", err
		}
		defer c.Close()
		return c.ConnectionState().PeerCertificates[0].Subject.CommonName, nil
	}
	if cn, err := servedCN(); err != nil || cn != first.Subject.CommonName {
		t.Fatalf("served %q %v, want %q", cn, err, first.Subject.CommonName)
	}
	writeServingCert(t, dir, "renewed")
	testenv.Eventually(t, 20*time.Second, "the renewed certificate served", func() error {
		cn, err := servedCN()
		if err != nil || cn != "renewed" {
			return fmt.Errorf("served %q %v", cn, err)
		}
		return nil
	})
	if _, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS11}); err == nil {
		t.Error("a TLS 1.1 handshake succeeded")
	}

	body, _ := os.ReadFile("testdata/admission/notebook-pod.json")
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := client.Post("https://"+addr+Path, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `"allowed":true`) || !strings.Contains(string(b), `"patchType":"JSONPatch"`) {
		t.Fatalf("admission answer: %s", b)
	}
	_, metrics, err := get("http://" + srv.MetricsAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`kale_webhook_requests_total{outcome="injected",reason=""} 1`, "kale_webhook_request_duration_seconds_bucket"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Start returned %v after a clean shutdown", err)
		}
		done <- nil
	case <-time.After(70 * time.Second):
		t.Fatal("no shutdown")
	}
	if _, err := servedCN(); err == nil {
		t.Error("still serving after shutdown")
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	if _, err := New(Options{}); err == nil || !strings.Contains(err.Error(), "--cert-dir") {
		t.Errorf("New without a cert dir: %v", err)
	}
	cfg := testConfig()
	cfg.BinaryMountPath = "relative"
	if _, err := New(Options{CertDir: t.TempDir(), Config: cfg}); err == nil {
		t.Error("New accepted an invalid config")
	}
}
