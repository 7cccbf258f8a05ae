package testenv

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// BuildKubectlKale builds cmd/kubectl-kale into dir and returns its path.
// It uses the default build configuration, to reuse the build cache (the
// release's static netgo build would rebuild everything).
func BuildKubectlKale(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "kubectl-kale")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/kubeflow-kale/kale/cmd/kubectl-kale")
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building kubectl-kale: %w\n%s", err, out)
	}
	return bin, nil
}

// CleanEnviron is this process's environment without the variables that
// would point a kale binary at a KFP or a cluster other than the test's,
// plus extra.
func CleanEnviron(extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "KF_PIPELINES_") || strings.HasPrefix(name, "KALE_") || name == "KUBECONFIG" {
			continue
		}
		out = append(out, kv)
	}
	return append(out, extra...)
}
