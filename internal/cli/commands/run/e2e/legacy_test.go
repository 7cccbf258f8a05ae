package e2e_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeflow-kale/kale/internal/kfpfake"
	"github.com/kubeflow-kale/kale/internal/testenv"
)

// TestKaleAnswersKalesOwnCommandLine runs the binary as `kale --nb ...`, as
// scripts written for Kale do, and as `kale run` for the new commands.
func TestKaleAnswersKalesOwnCommandLine(t *testing.T) {
	fake, url := kfpfake.Start(t, kfpfake.Options{})
	dir := t.TempDir()
	nb, err := os.ReadFile(notebook)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "train.ipynb"), nb, 0o644); err != nil {
		t.Fatal(err)
	}
	kale := filepath.Join(kaleDir, "kale")
	cmd := exec.Command(kale, "--nb", "train.ipynb", "--run_pipeline", "--kfp_host", url, "--experiment_name", "legacy")
	cmd.Dir, cmd.Env = dir, testenv.CleanEnviron()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "pipeline_package_path: ") || !strings.Contains(out.String(), "Pipeline submitted!") {
		t.Errorf("stdout:\n%s", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, ".kale", "train.yaml")); err != nil {
		t.Errorf("package not written: %v", err)
	}
	if len(fake.RunIDs()) != 1 {
		t.Errorf("runs %v", fake.RunIDs())
	}

	// Without --nb, kale is the usual command tree.
	cmd = exec.Command(kale, "runs", "list", "--kfp-endpoint", url)
	cmd.Env = testenv.CleanEnviron()
	b, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(b), "train-") {
		t.Errorf("kale runs list: %v\n%s", err, b)
	}
}
