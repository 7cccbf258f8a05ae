// Command loadgen measures kale-webhook over HTTPS on loopback: it starts
// the webhook binary (and, for comparison, a do-nothing HTTPS server that
// answers every AdmissionReview with a fixed "allowed", the floor) with a
// certificate it generates, sends the same AdmissionReview at each
// concurrency for a fixed time, and prints requests per second, p50 and
// p99 latency, the server's CPU time per request (user + system; unlike
// the rates, it hardly moves when the host is busy) and its peak resident
// memory (VmHWM).
//
//	go build -o bin/kale-webhook ./cmd/webhook
//	go run ./hack/loadgen -webhook bin/kale-webhook -c 1,16,64 -d 10s
package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "floor" {
		if err := serveFloor(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "loadgen floor:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

type target struct {
	name string
	cmd  *exec.Cmd
	url  string
}

func run() error {
	webhookBin := flag.String("webhook", "bin/kale-webhook", "kale-webhook binary to start")
	bodyPath := flag.String("body", "pkg/webhook/testdata/admission/notebook-pod.json", "AdmissionReview to send")
	conc := flag.String("c", "1,16,64", "concurrency levels")
	dur := flag.Duration("d", 10*time.Second, "duration per level")
	floor := flag.Bool("floor", true, "also measure the do-nothing HTTPS handler")
	flag.Parse()

	body, err := os.ReadFile(*bodyPath)
	if err != nil {
		return err
	}
	var levels []int
	for _, s := range strings.Split(*conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("bad concurrency %q", s)
		}
		levels = append(levels, n)
	}
	dir, err := os.MkdirTemp("", "loadgen-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	caPEM, err := writeCerts(dir)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)

	self, _ := os.Executable()
	var targets []target
	port := freePort()
	targets = append(targets, target{name: "kale-webhook", url: fmt.Sprintf("https://127.0.0.1:%d/mutate-v1-pod", port),
		cmd: exec.Command(*webhookBin, "--cert-dir", dir, "--host", "127.0.0.1", "--port", strconv.Itoa(port),
			"--metrics-bind-address", "0", "--health-probe-bind-address", "0", "--log-level", "WARN")})
	if *floor {
		p := freePort()
		targets = append(targets, target{name: "floor (do-nothing HTTPS)", url: fmt.Sprintf("https://127.0.0.1:%d/mutate-v1-pod", p),
			cmd: exec.Command(self, "floor", "--cert-dir", dir, "--port", strconv.Itoa(p))})
	}

	fmt.Printf("%-26s %5s %9s %10s %10s %9s %8s %10s\n", "server", "conc", "requests", "req/s", "p50", "p99", "cpu/req", "peak RSS")
	for _, tg := range targets {
		tg.cmd.Stdout, tg.cmd.Stderr = io.Discard, os.Stderr
		if err := tg.cmd.Start(); err != nil {
			return fmt.Errorf("starting %s: %w", tg.name, err)
		}
		err := func() error {
			defer func() { _ = tg.cmd.Process.Signal(os.Interrupt); _ = tg.cmd.Wait() }()
			if err := waitReady(tg.url, pool); err != nil {
				return fmt.Errorf("%s: %w", tg.name, err)
			}
			pid := tg.cmd.Process.Pid
			for _, c := range levels {
				cpu0 := cpuTime(pid)
				r, err := load(tg.url, pool, body, c, *dur)
				if err != nil {
					return fmt.Errorf("%s at concurrency %d: %w", tg.name, c, err)
				}
				// The warm-up requests count too.
				perReq := (cpuTime(pid) - cpu0) / time.Duration(r.n+c)
				fmt.Printf("%-26s %5d %9d %10.0f %10s %9s %8s %10s\n", tg.name, c, r.n, r.rps,
					r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond), perReq.Round(time.Microsecond), peakRSS(pid))
			}
			return nil
		}()
		if err != nil {
			return err
		}
	}
	return nil
}

type result struct {
	n        int
	rps      float64
	p50, p99 time.Duration
}

func client(pool *x509.CertPool, conns int) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, ForceAttemptHTTP2: false,
	}}
}

func post(c *http.Client, url string, body []byte) error {
	resp, err := c.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || !bytes.Contains(b, []byte(`"allowed":true`)) {
		return fmt.Errorf("HTTP %d: %.200s", resp.StatusCode, b)
	}
	return nil
}

func waitReady(url string, pool *x509.CertPool) error {
	c := client(pool, 1)
	deadline := time.Now().Add(15 * time.Second)
	probe := []byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1","kind":{"kind":"Pod","version":"v1"},"operation":"DELETE"}}`)
	for {
		err := post(c, url, probe)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func load(url string, pool *x509.CertPool, body []byte, conc int, d time.Duration) (result, error) {
	c := client(pool, conc)
	// Warm up the connections.
	for range conc {
		if err := post(c, url, body); err != nil {
			return result{}, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var (
		mu       sync.Mutex
		lat      []time.Duration
		firstErr atomic.Value
		wg       sync.WaitGroup
	)
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			for ctx.Err() == nil {
				t0 := time.Now()
				if err := post(c, url, body); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				local = append(local, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err, ok := firstErr.Load().(error); ok {
		return result{}, err
	}
	if len(lat) == 0 {
		return result{}, errors.New("no requests completed")
	}
	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	return result{n: len(lat), rps: float64(len(lat)) / elapsed.Seconds(), p50: q(0.50), p99: q(0.99)}, nil
}

// cpuTime reads the user and system CPU time of a process (Linux; the
// kernel counts in ticks of 10 ms).
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command (which may hold spaces), from field 3 on.
	_, rest, ok := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// peakRSS reads VmHWM of a process (Linux).
func peakRSS(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.Atoi(f[1])
			return fmt.Sprintf("%.1fMiB", float64(kb)/1024)
		}
	}
	return "?"
}

// serveFloor answers every request with a fixed allowed AdmissionReview
// after reading the body: TLS and HTTP cost only.
func serveFloor(args []string) error {
	fs := flag.NewFlagSet("floor", flag.ContinueOnError)
	dir := fs.String("cert-dir", "", "")
	port := fs.Int("port", 0, "")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(*dir, "tls.crt"), filepath.Join(*dir, "tls.key"))
	if err != nil {
		return err
	}
	answer, _ := json.Marshal(map[string]any{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
		"response": map[string]any{"uid": "1", "allowed": true}})
	srv := &http.Server{
		Addr:              fmt.Sprintf("127.0.0.1:%d", *port),
		ReadHeaderTimeout: 10 * time.Second,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(answer)
		}),
	}
	return srv.ListenAndServeTLS("", "")
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func writeCerts(dir string) ([]byte, error) {
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "loadgen-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	if err := os.WriteFile(filepath.Join(dir, "tls.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER}), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "tls.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), nil
}
