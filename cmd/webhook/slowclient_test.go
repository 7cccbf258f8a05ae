package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// TestSlowClientsCannotExhaustMemory starts the kale-webhook binary as the
// Deployment in manifests/base runs it (same GOMEMLIMIT) on loopback and
// attacks it for some seconds: 30 connections claim a 7 MB body and
// trickle it, 30 claim a body just under the limit and trickle it, and 20
// send bodies of the largest size as fast as they can. Meanwhile a client
// sends the notebook pod's review again and again: every answer must be the
// one it got before the attack, the binary's peak resident memory (VmHWM)
// must stay under the Deployment's memory limit, and the server must hang
// up on the trickling connections after its read timeout.
func TestSlowClientsCannotExhaustMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and attacks the webhook binary for about 10 s; skipped with -short")
	}
	memLimit, goMemLimit := deploymentMemory(t)
	dir := t.TempDir()
	// KALE_WEBHOOK_BIN attacks another build (e.g. an older one, to compare).
	bin := os.Getenv("KALE_WEBHOOK_BIN")
	if bin == "" {
		bin = filepath.Join(dir, "kale-webhook")
		build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, ".")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	pool := writeCerts(t, dir)
	port, health := freePort(t), freePort(t)
	cmd := exec.Command(bin, "--cert-dir", dir, "--host", "127.0.0.1", "--port", strconv.Itoa(port),
		"--metrics-bind-address", "0", "--health-probe-bind-address", "127.0.0.1:"+strconv.Itoa(health), "--log-level", "ERROR")
	cmd.Env = append(os.Environ(), "GOMEMLIMIT="+goMemLimit)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("webhook output:\n%s", logs.String())
		}
	})
	waitReady(t, fmt.Sprintf("http://127.0.0.1:%d/readyz", health))

	addr := fmt.Sprintf("127.0.0.1:%d", port)
	url := "https://" + addr + "/mutate-v1-pod"
	review, err := os.ReadFile("../../pkg/webhook/testdata/admission/notebook-pod.json")
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	want, err := postReview(client, url, review)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(want, []byte(`"patchType":"JSONPatch"`)) {
		t.Fatalf("the notebook pod was not injected: %s", want)
	}
	before := memory(t, cmd.Process.Pid)

	const attack = 7 * time.Second // beyond the 5 s read timeout
	ctx, cancel := context.WithTimeout(context.Background(), attack)
	defer cancel()
	tlsConf := &tls.Config{RootCAs: pool}
	var wg sync.WaitGroup
	var hungUp, stillOpen atomic.Int32
	trickle := func(claim int) {
		start := time.Now()
		conn, err := tls.Dial("tcp", addr, tlsConf)
		if err != nil {
			t.Errorf("attacker dial: %v", err)
			return
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST /mutate-v1-pod HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{\"x\":\"", addr, claim)
		chunk := bytes.Repeat([]byte("a"), 4<<10)
		for {
			if _, err := conn.Write(chunk); err != nil {
				break // the server hung up
			}
			select {
			case <-ctx.Done():
				stillOpen.Add(1)
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
		if time.Since(start) < 8*time.Second {
			hungUp.Add(1)
		}
	}
	maxBody := 3 << 20
	for range 30 {
		wg.Go(func() { trickle(7_000_000) })
		wg.Go(func() { trickle(maxBody - 100) })
	}
	flood := append(append([]byte(`{"x":"`), bytes.Repeat([]byte("a"), maxBody-8)...), `"}`...)
	var floodCodes sync.Map
	for range 20 {
		wg.Go(func() {
			c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsConf}}
			for ctx.Err() == nil {
				resp, err := c.Post(url, "application/json", bytes.NewReader(flood))
				if err != nil {
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				n, _ := floodCodes.LoadOrStore(resp.StatusCode, new(atomic.Int32))
				n.(*atomic.Int32).Add(1)
			}
		})
	}
	normal, wrong := 0, 0
	for ctx.Err() == nil {
		got, err := postReview(client, url, review)
		normal++
		if err != nil || !bytes.Equal(got, want) {
			wrong++
			t.Errorf("review during the attack: %v %.300s", err, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	after := memory(t, cmd.Process.Pid)
	var codes []string
	floodCodes.Range(func(k, v any) bool {
		codes = append(codes, fmt.Sprintf("%v:%d", k, v.(*atomic.Int32).Load()))
		return true
	})
	t.Logf("RSS before %d MiB; after the attack RSS %d MiB, peak (VmHWM) %d MiB; limit %d MiB, GOMEMLIMIT %s",
		before.rss>>20, after.rss>>20, after.hwm>>20, memLimit>>20, goMemLimit)
	t.Logf("%d reviews during the attack, %d wrong; trickling connections closed by the server: %d of 60; flood answers %v",
		normal, wrong, hungUp.Load(), codes)
	if after.hwm >= memLimit {
		t.Errorf("peak RSS %d MiB reached the Deployment's memory limit %d MiB", after.hwm>>20, memLimit>>20)
	}
	if normal < 10 {
		t.Errorf("only %d reviews answered during the attack", normal)
	}
	if n := stillOpen.Load(); n > 0 {
		t.Errorf("%d trickling connections were still open after %v", n, attack)
	}
	if _, err := postReview(client, url, review); err != nil {
		t.Errorf("after the attack: %v", err)
	}
}

// deploymentMemory reads the webhook container's memory limit and its
// GOMEMLIMIT from manifests/base/deployment.yaml.
func deploymentMemory(t *testing.T) (int64, string) {
	b, err := os.ReadFile("../../manifests/base/deployment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var d appsv1.Deployment
	if err := yaml.UnmarshalStrict(b, &d); err != nil {
		t.Fatalf("manifests/base/deployment.yaml: %v", err)
	}
	for _, c := range d.Spec.Template.Spec.Containers {
		if c.Name != "webhook" {
			continue
		}
		q, ok := c.Resources.Limits[corev1.ResourceMemory]
		if !ok {
			t.Fatal("the webhook container has no memory limit")
		}
		for _, e := range c.Env {
			if e.Name == "GOMEMLIMIT" {
				return q.Value(), e.Value
			}
		}
		t.Fatal("the webhook container sets no GOMEMLIMIT")
	}
	t.Fatal("manifests/base/deployment.yaml has no webhook container")
	return 0, ""
}

type mem struct{ rss, hwm int64 }

// memory reads VmRSS and VmHWM (peak) of pid.
func memory(t *testing.T, pid int) mem {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var m mem
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), ":")
		kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			m.rss = kb << 10
		case "VmHWM":
			m.hwm = kb << 10
		}
	}
	if m.hwm == 0 {
		t.Fatalf("no VmHWM in /proc/%d/status", pid)
	}
	return m
}

func postReview(c *http.Client, url string, body []byte) ([]byte, error) {
	resp, err := c.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return b, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return b, nil
}

func waitReady(t *testing.T, url string) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhook not ready at %s: %v", url, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// writeCerts writes a self-signed serving certificate for 127.0.0.1 as
// tls.crt and tls.key in dir and returns a pool trusting it.
func writeCerts(t *testing.T, dir string) *x509.CertPool {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kale-webhook"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kd, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(
		os.WriteFile(filepath.Join(dir, "tls.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd}), 0o600),
		os.WriteFile(filepath.Join(dir, "tls.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600),
	); err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return pool
}
