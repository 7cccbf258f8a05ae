package testenv

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-logr/logr"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

// Main starts the control plane (unless -short), stores it in *env, runs
// the package's tests and stops it. Call it from TestMain and pass its
// result to os.Exit. A control plane that cannot start fails the package.
func Main(m *testing.M, opts Options, env **Env) int {
	if !flag.Parsed() {
		flag.Parse()
	}
	if testing.Short() || fuzzing() {
		return m.Run()
	}
	// controller-runtime complains, with a stack trace, when nothing
	// receives its logs; keep its warnings and errors.
	ctrllog.SetLogger(logr.FromSlogHandler(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	// envtest runs etcd and kube-apiserver in their own process groups:
	// stop them if the tests are interrupted, or they outlive us. A signal
	// during Start waits for it to finish, then stops what it started.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	started := make(chan *Env, 1)
	// The first run builds the binaries, which takes minutes.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	go func() {
		if _, ok := <-sigs; !ok {
			return
		}
		cancel()
		if e := <-started; e != nil {
			_ = e.Stop()
		}
		os.Exit(2)
	}()
	e, err := Start(ctx, opts)
	started <- e
	if err != nil {
		fmt.Fprintf(os.Stderr, "testenv: %v\n", err)
		return 1
	}
	*env = e
	code := m.Run()
	if err := e.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "testenv: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// Require skips the test under -short (and while fuzzing, when Main starts
// no control plane) and fails it when Main did not start the control plane.
func Require(t testing.TB, env *Env) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs a kube-apiserver; skipped with -short")
	}
	if fuzzing() {
		t.Skip("needs a kube-apiserver; none is started while fuzzing")
	}
	if env == nil {
		t.Fatal("testenv: no control plane; start it in TestMain with testenv.Main")
	}
}

// Eventually calls f until it returns nil, and fails the test with what
// and f's last error when timeout passes first: for state the API server
// (or any server) reaches asynchronously.
func Eventually(t testing.TB, timeout time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fuzzing reports whether this test binary runs with -fuzz (as the
// coordinator or a worker): fuzz targets need no cluster, and every worker
// process runs TestMain again.
func fuzzing() bool {
	if f := flag.Lookup("test.fuzz"); f != nil && f.Value.String() != "" {
		return true
	}
	f := flag.Lookup("test.fuzzworker")
	return f != nil && f.Value.String() == "true"
}

var nonDNS = regexp.MustCompile(`[^a-z0-9-]+`)

// Namespace creates a fresh namespace for the test, named after it, with
// labels, and deletes it when the test ends. (No namespace controller runs,
// so deleted namespaces stay Terminating; names never repeat.)
func Namespace(t testing.TB, env *Env, labels map[string]string) string {
	t.Helper()
	Require(t, env)
	prefix := strings.Trim(nonDNS.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	if len(prefix) > 40 {
		prefix = strings.TrimRight(prefix[:40], "-")
	}
	ns, err := env.CreateNamespace(context.Background(), prefix+"-", labels)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = env.Client.CoreV1().Namespaces().Delete(context.Background(), ns.Name, metav1.DeleteOptions{})
	})
	return ns.Name
}
