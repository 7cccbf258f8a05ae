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
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if bin, err = testenv.BuildKubectlKale(ctx, dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
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
	return testenv.Main(m, testenv.Options{CRDPaths: []string{filepath.Join("..", "..", "..", "..", "..", "pkg", "podsource", "testdata", "crds")}}, &env)
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
