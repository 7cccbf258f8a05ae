package run

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"reflect"
	"sort"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubeflow-kale/kale/internal/cli/clioptions"
)

// The notebooks of pkg/local's tests.
const localNotebooks = "../../../../pkg/local/testdata/"

type localRun struct {
	out, errOut string
	code        int
	err         error
}

func runLocalCmd(t *testing.T, args ...string) localRun {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not on the PATH")
	}
	var out, errOut bytes.Buffer
	g := &clioptions.Global{
		ConfigFlags: genericclioptions.NewConfigFlags(true),
		IOStreams:   genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
	}
	cmd := NewCmd(g)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs(append([]string{"--local", "--workdir", t.TempDir()}, args...))
	err := cmd.ExecuteContext(context.Background())
	r := localRun{out: out.String(), errOut: errOut.String(), err: err}
	var ee *clioptions.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.Code
	default:
		r.code = 1
	}
	return r
}

func TestLocalJSON(t *testing.T) {
	tricky := "it's \"quoted\"\nand on two lines"
	r := runLocalCmd(t, localNotebooks+"params.ipynb", "-o", "json", "--param", "greeting="+tricky, "--param", "EPOCHS=5")
	if r.code != 0 {
		t.Fatalf("exit %d: %v\n%s", r.code, r.err, r.errOut)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.out)
	}
	if got := keys(doc); !reflect.DeepEqual(got, []string{"metrics", "status", "steps", "workdir"}) {
		t.Errorf("top-level keys %v", got)
	}
	if doc["status"] != "SUCCEEDED" {
		t.Errorf("status %v", doc["status"])
	}
	steps := doc["steps"].([]any)
	if len(steps) != 1 {
		t.Fatalf("steps %v", steps)
	}
	st := steps[0].(map[string]any)
	if got := keys(st); !reflect.DeepEqual(got, []string{"log", "name", "seconds", "status"}) {
		t.Errorf("step keys %v", got)
	}
	if st["name"] != "train" || st["status"] != "SUCCEEDED" || !strings.HasPrefix(st["log"].(string), doc["workdir"].(string)) {
		t.Errorf("step %v", st)
	}
	log, err := os.ReadFile(st["log"].(string))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(tricky)
	if !strings.Contains(string(log), `"greeting": `+string(want)) || !strings.Contains(string(log), `"EPOCHS": 5`) {
		t.Errorf("the step did not see the --param values; log:\n%s", log)
	}
	if m, ok := doc["metrics"].(map[string]any); !ok || len(m) != 0 {
		t.Errorf("metrics %v, want {}", doc["metrics"])
	}
}

func TestLocalTextSummaryAndMetrics(t *testing.T) {
	r := runLocalCmd(t, localNotebooks+"metrics.ipynb", "--param", "seed=3")
	if r.code != 0 {
		t.Fatalf("exit %d: %v\n%s", r.code, r.err, r.errOut)
	}
	for _, w := range []string{"✓ data                     SUCCEEDED (", "\n  evaluate  SUCCEEDED ", "run SUCCEEDED in", "metrics:\n", "n-rows    200\n"} {
		if !strings.Contains(r.out, w) {
			t.Errorf("stdout lacks %q:\n%s", w, r.out)
		}
	}
	if !strings.Contains(r.errOut, "note: images are ignored in local runs") {
		t.Errorf("stderr lacks the note about images:\n%s", r.errOut)
	}
}

func TestLocalFailure(t *testing.T) {
	r := runLocalCmd(t, localNotebooks+"failing.ipynb", "-o", "json")
	if r.code != 2 {
		t.Errorf("exit %d, want 2 (the pipeline ran and failed)", r.code)
	}
	var doc struct {
		Status string `json:"status"`
		Steps  []struct{ Name, Status string }
	}
	if err := json.Unmarshal([]byte(r.out), &doc); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.out)
	}
	if doc.Status != "FAILED" || len(doc.Steps) != 3 || doc.Steps[2].Status != "SKIPPED" {
		t.Errorf("result %+v", doc)
	}
	if w := "failing.ipynb, cell 3, line 3: ZeroDivisionError"; !strings.Contains(r.errOut, w) {
		t.Errorf("stderr lacks %q:\n%s", w, r.errOut)
	}
}

func TestLocalBadParam(t *testing.T) {
	r := runLocalCmd(t, localNotebooks+"params.ipynb", "--param", "EPOCHS=many")
	if r.code == 0 || r.err == nil || !strings.Contains(r.err.Error(), "--param EPOCHS:") || !strings.Contains(r.err.Error(), "an int") {
		t.Errorf("exit %d, err %v", r.code, r.err)
	}
	r = runLocalCmd(t, localNotebooks+"params.ipynb", "--param", "nope=1")
	if r.err == nil || !strings.Contains(r.err.Error(), "--param nope: the pipeline has no such parameter") {
		t.Errorf("err %v", r.err)
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestLocalFailureSummary(t *testing.T) {
	r := runLocalCmd(t, localNotebooks+"failing.ipynb")
	if r.code != 2 {
		t.Errorf("exit %d, want 2", r.code)
	}
	for _, line := range strings.Split(r.out, "\n") {
		if strings.Contains(line, "SKIPPED") && strings.Contains(line, ".log") {
			t.Errorf("a skipped step's summary line names a log it never wrote: %q", line)
		}
	}
}

func TestLocalInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errOut bytes.Buffer
	g := &clioptions.Global{
		ConfigFlags: genericclioptions.NewConfigFlags(true),
		IOStreams:   genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
	}
	cmd := NewCmd(g)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs([]string{"--local", "--workdir", t.TempDir(), localNotebooks + "failing.ipynb"})
	err := cmd.ExecuteContext(ctx)
	var ee *clioptions.ExitError
	if !errors.As(err, &ee) || ee.Code != 130 || !strings.Contains(errOut.String(), "interrupted") {
		t.Errorf("interrupted run: err %v, stderr %q; want exit 130 and \"interrupted\"", err, errOut.String())
	}
}
