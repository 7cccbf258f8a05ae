// Package e2e_test runs the real kubectl-kale binary, built by TestMain,
// against the fake KFP API server (internal/kfpfake) and, for notebooks
// read from pods, a real kube-apiserver (internal/testenv) whose node is a
// stand-in kubelet (internal/fakekubelet) that runs exec'd commands as
// local processes: `kubectl kale run POD:PATH`, `--notebook NAME`, and the
// submission through the pod, where the exec'd `kale submit -` is the same
// binary talking to the fake KFP with the pod's token.
package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kubeflow-kale/kale/internal/testenv"
)

var (
	env *testenv.Env
	// bin is the built kubectl-kale; kaleDir holds a link to it named kale.
	bin, kaleDir string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "kale-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin = filepath.Join(dir, "kubectl-kale")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/kubeflow-kale/kale/cmd/kubectl-kale")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "building kubectl-kale: %v\n", err)
		return 1
	}
	kaleDir = filepath.Join(dir, "kale-bin")
	if err := os.MkdirAll(kaleDir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := os.Symlink(bin, filepath.Join(kaleDir, "kale")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return testenv.Main(m, testenv.Options{CRDPaths: []string{filepath.Join("..", "..", "..", "podsource", "testdata", "crds")}}, &env)
}

// cleanEnv is the environment for the binary: the test's, minus anything
// that would point it at a KFP or a cluster, plus extra.
func cleanEnv(extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "KF_PIPELINES_") || strings.HasPrefix(k, "KALE_") || k == "KUBECONFIG" {
			continue
		}
		out = append(out, kv)
	}
	return append(out, extra...)
}

type result struct {
	out, errOut string
	code        int
	// cpu is the process's user plus system time.
	cpu time.Duration
}

// kubectlKale runs the binary with args and environment env.
func kubectlKale(t testing.TB, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("running kubectl-kale: %v", err)
		}
		code = ee.ExitCode()
	}
	return result{out.String(), errOut.String(), code, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
}
