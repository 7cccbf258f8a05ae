package run

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubeflow-kale/kale/internal/cli/clioptions"
	"github.com/kubeflow-kale/kale/internal/cli/deliver"
	"github.com/kubeflow-kale/kale/internal/kfpfake"
	"github.com/kubeflow-kale/kale/pkg/kfp"
)

const nbPath = "testdata/train.ipynb"

type result struct {
	out, errOut string
	err         error
}

func (r result) code() int {
	var e *clioptions.ExitError
	switch {
	case r.err == nil:
		return 0
	case errors.As(r.err, &e):
		return e.Code
	}
	return 1
}

func runCmd(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	g := &clioptions.Global{
		ConfigFlags: genericclioptions.NewConfigFlags(true),
		IOStreams:   genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
	}
	o := &Options{g: g, Remote: Remote{
		Env:          kfp.Env{Getenv: func(k string) string { return env[k] }, Exists: func(string) bool { return false }},
		WatchOptions: kfp.WatchOptions{MinInterval: 20 * time.Millisecond, MaxInterval: 50 * time.Millisecond},
	}}
	cmd := newCmd(o)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	err := cmd.ExecuteContext(context.Background())
	return result{out.String(), errOut.String(), err}
}

func TestRunSubmitsTheCompiledNotebook(t *testing.T) {
	fake, url := kfpfake.Start(t, kfpfake.Options{Schedule: kfpfake.Schedule{Pending: time.Hour}})
	r := runCmd(t, map[string]string{kfp.EnvEndpoint: url}, nbPath, "--param", "LR=0.5")
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.errOut)
	}
	ids := fake.RunIDs()
	if len(ids) != 1 {
		t.Fatalf("runs: %v", ids)
	}
	for _, want := range []string{
		`experiment "nightly" created`, "run id: " + ids[0], "url: " + url + "/#/runs/details/" + ids[0],
		"to " + url + " (endpoint from $KF_PIPELINES_ENDPOINT)",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("output lacks %q:\n%s", want, r.out)
		}
	}
	sub, _ := fake.Submission(ids[0])
	if got := sub.Run.GetRuntimeConfig().GetParameters()["LR"].GetNumberValue(); got != 0.5 {
		t.Errorf("LR = %v, want 0.5", got)
	}
	if !strings.HasPrefix(sub.Run.GetDisplayName(), "train-") {
		t.Errorf("run name %q, want train-<time>", sub.Run.GetDisplayName())
	}
}

func TestRunFlagsOverrideTheNotebookOnlyWhenGiven(t *testing.T) {
	fake, url := kfpfake.Start(t, kfpfake.Options{Schedule: kfpfake.Schedule{Pending: time.Hour}})
	env := map[string]string{kfp.EnvEndpoint: url}
	r := runCmd(t, env, nbPath, "--experiment", "adhoc", "--run-name", "mine", "--pipeline-name", "renamed", "-o", "json")
	if r.err != nil {
		t.Fatal(r.err)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(r.out), &got); err != nil || got["state"] != "PENDING" || got["url"] != url+"/#/runs/details/"+got["run_id"] {
		t.Fatalf("json: %v %s", err, r.out)
	}
	sub, _ := fake.Submission(got["run_id"])
	if sub.Run.GetDisplayName() != "mine" || !bytes.Contains(sub.PipelineSpec, []byte(`"name":"renamed"`)) {
		t.Errorf("run %q spec %s", sub.Run.GetDisplayName(), sub.PipelineSpec[:200])
	}
	c, _ := kfp.New(kfp.Config{Endpoint: url})
	if e, _ := c.FindExperiment(context.Background(), "adhoc", ""); e == nil || e.ID != got["experiment_id"] {
		t.Errorf("experiment adhoc: %+v", e)
	}
	if e, _ := c.FindExperiment(context.Background(), "nightly", ""); e != nil {
		t.Error("the notebook's experiment was used despite --experiment")
	}
}

func TestRunWatch(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sched kfpfake.Schedule
		code  int
		want  []string
	}{
		{"succeeded exits 0", kfpfake.Schedule{Pending: 400 * time.Millisecond, Running: 400 * time.Millisecond}, 0,
			[]string{"run PENDING", "run RUNNING", "task load-step RUNNING", "task train-step SUCCEEDED", "run SUCCEEDED"}},
		{"failed exits 2", kfpfake.Schedule{Running: 200 * time.Millisecond, FailTask: "load"}, deliver.ExitRunNotSucceeded,
			[]string{"task load-step FAILED", "run FAILED"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, url := kfpfake.Start(t, kfpfake.Options{Schedule: tc.sched})
			r := runCmd(t, map[string]string{kfp.EnvEndpoint: url}, nbPath, "--watch")
			if r.code() != tc.code {
				t.Fatalf("exit %d (%v), want %d\n%s", r.code(), r.err, tc.code, r.out)
			}
			last := -1
			for _, w := range tc.want {
				i := strings.Index(r.out, w)
				if i < 0 || i < last {
					t.Errorf("output lacks %q after the lines before it:\n%s", w, r.out)
				}
				last = i
			}
		})
	}
}

func TestRunDryRunCallsNothing(t *testing.T) {
	fake, url := kfpfake.Start(t, kfpfake.Options{})
	env := map[string]string{kfp.EnvEndpoint: url}
	r := runCmd(t, env, nbPath, "--dry-run", "--param", "epochs=5")
	if r.err != nil {
		t.Fatal(r.err)
	}
	if !strings.Contains(r.out, "# dry run: nothing was submitted") || !strings.Contains(r.out, "# experiment: nightly") ||
		!strings.Contains(r.out, `"epochs":5`) || !strings.Contains(r.out, "schemaVersion: 2.1.0") {
		t.Errorf("dry run output:\n%s", r.out)
	}
	r = runCmd(t, nil, nbPath, "--dry-run", "-o", "json")
	var d map[string]any
	if r.err != nil || json.Unmarshal([]byte(r.out), &d) != nil || d["experiment"] != "nightly" || d["pipeline_spec"] == nil {
		t.Errorf("json dry run (no endpoint needed): %v\n%s", r.err, r.out)
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests reached the API", n)
	}
}

func TestRunErrors(t *testing.T) {
	fake, url := kfpfake.Start(t, kfpfake.Options{})
	env := map[string]string{kfp.EnvEndpoint: url}
	bad := filepath.Join(t.TempDir(), "bad.ipynb")
	if err := os.WriteFile(bad, []byte(`{"cells":[{"cell_type":"code","metadata":{"tags":["step:a","prev:nope"]},"source":"x=1","outputs":[]}],"metadata":{"kubeflow_notebook":{"pipeline_name":"p","experiment_name":"e"}},"nbformat":4,"nbformat_minor":5}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"bad parameter value", env, []string{nbPath, "--param", "epochs=many"}, 1, `"many" is not an integer`},
		{"unknown parameter", env, []string{nbPath, "--param", "batch=1"}, 1, `no parameter "batch"`},
		{"no endpoint", nil, []string{nbPath}, 1, "--kfp-endpoint"},
		{"missing file", env, []string{"nope.ipynb"}, 1, "nope.ipynb"},
		{"local with watch", env, []string{nbPath, "--local", "--watch"}, 1, "--local runs on this machine"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCmd(t, tc.env, tc.args...)
			if r.code() != tc.code || r.err == nil || !strings.Contains(r.err.Error(), tc.want) {
				t.Errorf("exit %d, err %v; want %d and %q", r.code(), r.err, tc.code, tc.want)
			}
		})
	}
	r := runCmd(t, env, bad)
	if r.code() != 1 || !strings.Contains(r.errOut, "prev:nope") {
		t.Errorf("compile error: exit %d, stderr %q", r.code(), r.errOut)
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests reached the API", n)
	}
}
