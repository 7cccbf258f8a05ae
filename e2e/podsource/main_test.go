package podsource_test

import (
	"context"
	"flag"
	"fmt"
	"os"
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
		if kubectlKale, err = testenv.BuildKubectlKale(context.Background(), dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return testenv.Main(m, testenv.Options{CRDPaths: []string{"../../pkg/podsource/testdata/crds"}}, &env)
}
