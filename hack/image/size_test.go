package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Size budgets of the image's binaries, built as `make image` builds them
// (static, stripped, -trimpath, without Go plugin support). kubectl-kale is
// copied into every notebook pod by the init container, so growth costs
// every notebook start.
const (
	kubectlKaleBudget = 52 << 20
	webhookBudget     = 38 << 20
)

// TestImageBinariesFitTheirBudget builds both binaries with the Makefile's
// image flags and fails when one grows past its budget.
func TestImageBinariesFitTheirBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the static image binaries; skipped with -short")
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("kubectl-kale needs cgo (gcc)")
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	for _, b := range []struct {
		name, pkg, cgo string
		args           []string
		budget         int64
	}{
		// The flags of the Makefile's image target.
		{"kubectl-kale", "./cmd/kubectl-kale", "1", []string{"-tags", "netgo,osusergo,kustomize_disable_go_plugin_support",
			"-ldflags", `-s -w -linkmode external -extldflags "-static"`}, kubectlKaleBudget},
		{"kale-webhook", "./cmd/webhook", "0", []string{"-tags", "kustomize_disable_go_plugin_support", "-ldflags", "-s -w"}, webhookBudget},
	} {
		out := filepath.Join(dir, b.name)
		args := append([]string{"build", "-trimpath", "-o", out}, b.args...)
		cmd := exec.CommandContext(ctx, "go", append(args, b.pkg)...)
		cmd.Dir = filepath.Join("..", "..")
		cmd.Env = append(os.Environ(), "CGO_ENABLED="+b.cgo)
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %v: %v\n%s", args, err, msg)
		}
		fi, err := os.Stat(out)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %.1f MiB (budget %d MiB)", b.name, float64(fi.Size())/(1<<20), b.budget>>20)
		if fi.Size() > b.budget {
			t.Errorf("%s is %.1f MiB, over its budget of %d MiB", b.name, float64(fi.Size())/(1<<20), b.budget>>20)
		}
	}
}
