package local_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/kubeflow-kale/kale/pkg/compiler"
	"github.com/kubeflow-kale/kale/pkg/local"
	"github.com/kubeflow-kale/kale/pkg/pipeline"
)

// These tests compile the notebooks under testdata (and the bundled demo)
// into IR exactly as `kubectl kale compile` writes it, read that document
// back, run it with local.Run and assert the values that reached the steps.

func needPython(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not on the PATH")
	}
}

// compileNotebook returns the compiled IR of a notebook, after a round trip
// through its YAML document.
func compileNotebook(t testing.TB, path string, overrides map[string]string) *compiler.Result {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Base(path)
	p, err := pipeline.FromNotebook(name, data, pipeline.Options{})
	if err != nil {
		t.Fatalf("building %s: %v", name, err)
	}
	res, err := compiler.Compile(p, compiler.Options{NotebookName: name, ParamOverrides: overrides})
	if err != nil {
		t.Fatalf("compiling %s: %v", name, err)
	}
	doc, err := res.YAML()
	if err != nil {
		t.Fatal(err)
	}
	back, err := compiler.Load(doc)
	if err != nil {
		t.Fatalf("reading back the IR of %s: %v", name, err)
	}
	return back
}

func runNotebook(t *testing.T, path string, overrides map[string]string, opts local.Options) *local.Result {
	t.Helper()
	ir := compileNotebook(t, path, overrides)
	if opts.WorkDir == "" {
		opts.WorkDir = t.TempDir()
	}
	res, err := local.Run(context.Background(), ir.PipelineSpec, ir.PlatformSpec, opts)
	if err != nil {
		t.Fatalf("local run of %s: %v", path, err)
	}
	return res
}

func stepStatus(res *local.Result) map[string]string {
	out := map[string]string{}
	for _, s := range res.Steps {
		out[s.Name] = s.Status
	}
	return out
}

func mustSucceed(t *testing.T, res *local.Result) {
	t.Helper()
	if res.Status == local.Succeeded {
		return
	}
	for _, s := range res.Steps {
		if s.Status != local.Succeeded {
			log, _ := os.ReadFile(s.Log)
			t.Errorf("step %s %s; log:\n%s", s.Name, s.Status, log)
		}
	}
	t.FailNow()
}

// result decodes the `RESULT {json}` line a step printed into its log.
func result(t *testing.T, res *local.Result, step string) map[string]any {
	t.Helper()
	s, ok := res.Step(step)
	if !ok {
		t.Fatalf("no step %s in %v", step, stepStatus(res))
	}
	log, err := os.ReadFile(s.Log)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(log), "\n") {
		if rest, ok := strings.CutPrefix(line, "RESULT "); ok {
			var m map[string]any
			if err := json.Unmarshal([]byte(rest), &m); err != nil {
				t.Fatalf("step %s printed a bad RESULT line: %v", step, err)
			}
			return m
		}
	}
	t.Fatalf("step %s printed no RESULT line; log:\n%s", step, log)
	return nil
}

func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestValuesFlowBetweenSteps(t *testing.T) {
	t.Parallel()
	needPython(t)
	res := runNotebook(t, "testdata/values.ipynb", nil, local.Options{})
	mustSucceed(t, res)
	got := result(t, res, "consume")
	want := map[string]any{
		"number": 7.0, "ratio": 0.5, "text": "it's a \"quoted\" string\nwith a second line",
		"items": []any{1.0, "two", 3.5, nil}, "table": map[string]any{"a": 1.0, "nested": map[string]any{"b": []any{1.0, 2.0}}},
		"doubled": 14.0,
		// a function, a lambda and a class instance defined two steps earlier
		"scale": 21.0, "square": 25.0, "owner": "ada", "balance": 150.0, "cls": "Account",
	}
	if asJSON(got) != asJSON(want) {
		t.Errorf("consume step saw\n%s\nwant\n%s", asJSON(got), asJSON(want))
	}
}

func TestParameters(t *testing.T) {
	t.Parallel()
	needPython(t)
	tricky := "it's a \"quoted\" \\ value\nwith a newline"
	cases := []struct {
		name      string
		overrides map[string]string
		want      map[string]any
	}{
		{"defaults", nil, map[string]any{"EPOCHS": 3.0, "lr": 0.1, "greeting": "hello", "verbose": true}},
		{"--param overrides", map[string]string{"greeting": tricky, "EPOCHS": "5", "verbose": "false"},
			map[string]any{"EPOCHS": 5.0, "lr": 0.1, "greeting": tricky, "verbose": false}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := runNotebook(t, "testdata/params.ipynb", tc.overrides, local.Options{})
			mustSucceed(t, res)
			got := result(t, res, "train")
			want := tc.want
			want["types"] = []any{"int", "float", "str", "bool"}
			if asJSON(got) != asJSON(want) {
				t.Errorf("step saw %s, want %s", asJSON(got), asJSON(want))
			}
		})
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	needPython(t)
	res := runNotebook(t, "testdata/metrics.ipynb", nil, local.Options{})
	mustSucceed(t, res)
	if got := res.Metrics["n-rows"]; got != 200 {
		t.Errorf("metric n-rows = %v, want 200 (metrics: %v)", got, res.Metrics)
	}
	if acc, ok := res.Metrics["accuracy"]; !ok || acc <= 0.5 || acc >= 1 {
		t.Errorf("metric accuracy = %v (present %v), want a share near 0.75", acc, ok)
	}
	// The same seed gives the same metric.
	again := runNotebook(t, "testdata/metrics.ipynb", nil, local.Options{})
	if again.Metrics["accuracy"] != res.Metrics["accuracy"] {
		t.Errorf("accuracy differs between runs with one seed: %v vs %v", res.Metrics["accuracy"], again.Metrics["accuracy"])
	}
}

// TestParallelBranches: left and right each wait (up to 30 s) for the
// other to start, so the run succeeds only when they overlap.
func TestParallelBranches(t *testing.T) {
	t.Parallel()
	needPython(t)
	barrier := t.TempDir()
	var mu sync.Mutex
	running, maxRunning := 0, 0
	res := runNotebook(t, "testdata/parallel.ipynb", map[string]string{"barrier_dir": barrier}, local.Options{
		Parallelism: 2,
		OnEvent: func(ev local.Event) {
			mu.Lock()
			defer mu.Unlock()
			switch ev.Status {
			case local.Running:
				running++
				maxRunning = max(maxRunning, running)
			case local.Succeeded, local.Failed:
				running--
			}
		},
	})
	mustSucceed(t, res)
	if got := result(t, res, "join")["total"]; got != 23.0 {
		t.Errorf("join saw total %v, want 23", got)
	}
	if maxRunning != 2 {
		t.Errorf("at most %d steps ran at once, want 2", maxRunning)
	}
	for _, f := range []string{"left", "right"} {
		if _, err := os.Stat(filepath.Join(barrier, f)); err != nil {
			t.Errorf("branch %s did not reach the barrier: %v", f, err)
		}
	}
}

func TestFailingStep(t *testing.T) {
	t.Parallel()
	needPython(t)
	res := runNotebook(t, "testdata/failing.ipynb", nil, local.Options{})
	if res.Status != local.Failed {
		t.Fatalf("run status %s, want FAILED", res.Status)
	}
	want := map[string]string{"ok": local.Succeeded, "broken": local.Failed, "after": local.Skipped}
	if got := stepStatus(res); asJSON(got) != asJSON(want) {
		t.Errorf("steps %v, want %v", got, want)
	}
	s, _ := res.Step("broken")
	log, _ := os.ReadFile(s.Log)
	for _, w := range []string{`File "failing.ipynb", cell 3, line 3, in <module>`, "z = x / y",
		"kale: step broken failed at failing.ipynb, cell 3, line 3: ZeroDivisionError: division by zero"} {
		if !strings.Contains(string(log), w) {
			t.Errorf("log of broken lacks %q:\n%s", w, log)
		}
	}
}

func TestDemo(t *testing.T) {
	t.Parallel()
	needPython(t)
	res := runNotebook(t, "../../examples/demo.ipynb", nil, local.Options{})
	mustSucceed(t, res)
	for _, m := range []string{"accuracy", "logistic-accuracy", "centroid-accuracy"} {
		if v, ok := res.Metrics[m]; !ok || v < 0.7 || v > 1 {
			t.Errorf("metric %s = %v (present %v), want a plausible accuracy", m, v, ok)
		}
	}
	if res.Metrics["accuracy"] != max(res.Metrics["logistic-accuracy"], res.Metrics["centroid-accuracy"]) {
		t.Errorf("accuracy is not the better model's: %v", res.Metrics)
	}
}

// TestPlaceholderTextInCodeIsNotSubstituted: a cell that mentions
// placeholders (in a comment and in strings) run with parameter values made
// to break out of that comment (a newline, or the \n that a shell's
// "x\nimport ..." passes and JSON would decode): the value never runs as
// code, and the step sees its own text unchanged and the value as given.
func TestPlaceholderTextInCodeIsNotSubstituted(t *testing.T) {
	t.Parallel()
	needPython(t)
	ir := compileNotebook(t, "testdata/inject.ipynb", nil)
	for name, value := range map[string]string{
		"escaped newline": `x\nimport os; os.system('touch PWNED')\n#`,
		"newline":         "x\nimport os; os.system('touch PWNED')\n#",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			params, err := local.ParseParameters(ir.PipelineSpec, map[string]string{"greeting": value})
			if err != nil {
				t.Fatal(err)
			}
			wd := t.TempDir()
			res, err := local.Run(context.Background(), ir.PipelineSpec, ir.PlatformSpec, local.Options{WorkDir: wd, Parameters: params})
			if err != nil {
				t.Fatal(err)
			}
			_ = filepath.WalkDir(wd, func(path string, d os.DirEntry, err error) error {
				if err == nil && d.Name() == "PWNED" {
					t.Errorf("the parameter value ran as code: %s exists", path)
				}
				return nil
			})
			mustSucceed(t, res)
			got := result(t, res, "greet")
			want := map[string]any{"literal": "{{$.inputs.parameters['greeting']}}", "job": "{{$.pipeline_job_name}}", "greeting": value}
			if asJSON(got) != asJSON(want) {
				t.Errorf("step saw\n%s\nwant\n%s", asJSON(got), asJSON(want))
			}
		})
	}
}
