package podsource_test

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeflow-kale/kale/internal/testenv"
)

var (
	env *testenv.Env
	// kubectlKale is the kubectl-kale binary built for these tests: the
	// plugin on the "laptop" and, copied into a pod's folder as kale, the
	// tool the webhook injects.
	kubectlKale string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	flag.Parse()
	if !testing.Short() {
		dir, err := os.MkdirTemp("", "kale-e2e-bin-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		kubectlKale = filepath.Join(dir, "kubectl-kale")
		// The default build configuration, to reuse the build cache (the
		// release's static netgo build would rebuild everything).
		build := exec.Command("go", "build", "-o", kubectlKale, "github.com/kubeflow-kale/kale/cmd/kubectl-kale")
		if out, err := build.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building kubectl-kale: %v\n%s", err, out)
			return 1
		}
	}
	return testenv.Main(m, testenv.Options{CRDPaths: []string{"../../pkg/podsource/testdata/crds"}}, &env)
}

// hostEnv is this process's environment without the variables that would
// point the binary at a KFP or a cluster other than the test's.
func hostEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "KF_PIPELINES_") || strings.HasPrefix(name, "KALE_") || name == "KUBECONFIG" {
			continue
		}
		out = append(out, kv)
	}
	return out
}
