package legacy

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubeflow-kale/kale/internal/cli/clioptions"
	"github.com/kubeflow-kale/kale/internal/kfpfake"
	"github.com/kubeflow-kale/kale/pkg/kfp"
)

func TestWants(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"--nb", "a.ipynb"}, true},
		{[]string{"--upload_pipeline", "--nb=a.ipynb"}, true},
		{[]string{"run", "a.ipynb"}, false},
		{[]string{"submit", "-", "--", "--nb"}, false},
		{nil, false},
	} {
		if got := Wants(tc.args); got != tc.want {
			t.Errorf("Wants(%q) = %v, want %v", tc.args, got, tc.want)
		}
	}
}

// testNotebook is resolved when the test binary starts, in the package
// directory (tests then change into temporary directories).
var testNotebook, _ = filepath.Abs(filepath.Join("..", "run", "testdata", "train.ipynb"))

// runKale runs the legacy command in a fresh directory holding the test
// notebook and returns stdout, stderr and the error.
func runKale(t *testing.T, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	nb, err := os.ReadFile(testNotebook)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "train.ipynb"), nb, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	var out, errOut bytes.Buffer
	g := &clioptions.Global{ConfigFlags: genericclioptions.NewConfigFlags(true),
		IOStreams: genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, InvokedAs: "kale"}
	cmd := newCmd(&Options{g: g, Env: kfp.Env{Getenv: func(k string) string { return env[k] }, Exists: func(string) bool { return false }}})
	cmd.SetArgs(args)
	err = cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func TestCompileOnlyWritesThePackage(t *testing.T) {
	out, _, err := runKale(t, nil, "--nb", "train.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := filepath.Abs(filepath.Join(".kale", "train.yaml"))
	if strings.TrimSpace(out) != "pipeline_package_path: "+want {
		t.Errorf("stdout %q, want the package path %s", out, want)
	}
	b, err := os.ReadFile(want)
	if err != nil || !bytes.Contains(b, []byte("schemaVersion: 2.1.0")) {
		t.Errorf("package: %v", err)
	}
}

func TestUploadAndRun(t *testing.T) {
	fake, url := kfpfake.Start(t, kfpfake.Options{Schedule: kfpfake.Schedule{Pending: time.Hour}})
	out, _, err := runKale(t, nil, "--nb", "train.ipynb", "--upload_pipeline", "--kfp_host", url, "--pipeline_name", "renamed")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "renamed.yaml") || !strings.Contains(out, "pipeline_id: ") || !strings.Contains(out, ", version_id: ") {
		t.Errorf("upload output:\n%s", out)
	}
	if n := len(fake.RunIDs()); n != 0 {
		t.Errorf("--upload_pipeline started %d runs", n)
	}

	// The endpoint may also come from the environment; a second upload is
	// a new version; the notebook's experiment is used unless a flag says.
	out, _, err = runKale(t, map[string]string{kfp.EnvEndpoint: url}, "--nb", "train.ipynb", "--run_pipeline", "--pipeline_name", "renamed")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Pipeline submitted!") || !strings.Contains(out, "run_url: "+url+"/#/runs/details/") {
		t.Errorf("run output:\n%s", out)
	}
	if n := fake.Count("POST", "/pipelines/upload_version"); n != 1 {
		t.Errorf("version uploads %d, want 1", n)
	}
	ids := fake.RunIDs()
	if len(ids) != 1 {
		t.Fatalf("runs %v", ids)
	}
	sub, _ := fake.Submission(ids[0])
	c, _ := kfp.New(kfp.Config{Endpoint: url})
	e, _ := c.FindExperiment(context.Background(), "nightly", "")
	if e == nil || sub.Run.GetExperimentId() != e.ID || !strings.HasPrefix(sub.Run.GetDisplayName(), "renamed-") {
		t.Errorf("run %q in experiment %s, want renamed-... in the notebook's experiment nightly", sub.Run.GetDisplayName(), sub.Run.GetExperimentId())
	}

	if _, _, err := runKale(t, map[string]string{kfp.EnvEndpoint: url}, "--nb", "train.ipynb", "--run_pipeline", "--experiment_name", "other"); err != nil {
		t.Fatal(err)
	}
	if e, _ := c.FindExperiment(context.Background(), "other", ""); e == nil {
		t.Error("--experiment_name was not used")
	}
}

func TestLegacyErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no notebook", []string{"--upload_pipeline"}, "--nb NOTEBOOK is required"},
		{"output outside", []string{"--nb", "train.ipynb", "--output_path", "../x"}, "not a valid output directory"},
		{"no endpoint", []string{"--nb", "train.ipynb", "--run_pipeline"}, "pass --kfp_host URL"},
		{"missing notebook", []string{"--nb", "nope.ipynb"}, "nope.ipynb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runKale(t, nil, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
	_, errOut, err := runKale(t, nil, "--nb", "train.ipynb", "--dev")
	if err != nil || !strings.Contains(errOut, "--dev has no effect") {
		t.Errorf("--dev: %v %q", err, errOut)
	}
}
