package graph_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubeflow-kale/kale/internal/cli"
	"github.com/kubeflow-kale/kale/internal/cli/clioptions"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// kaleData is the path the golden files were written with (warnings name
// notebooks by the path given): the tests run from pkgDir, a folder two
// levels below pkg/, so that the path stays the same and the goldens stay
// byte for byte what they were.
const (
	kaleData = "../../pipeline/testdata/kale"
	pkgDir   = "../../../../pkg/pipeline/testdata"
)

// goldenDir is testdata/ of this package, resolved before any test moves
// into pkgDir.
var goldenDir, _ = filepath.Abs("testdata")

// run executes `kubectl kale args...` against buffers and returns stdout,
// stderr and the exit code main would use.
func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	t.Setenv("KALE_DEFAULT_BASE_IMAGE", "")
	t.Chdir(pkgDir)
	var out, errOut bytes.Buffer
	root := cli.NewRootCmd(genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, "kubectl-kale")
	root.SetArgs(args)
	err := root.Execute()
	code := 0
	var exit *clioptions.ExitError
	switch {
	case errors.As(err, &exit):
		code = exit.Code
		if exit.Err != nil {
			errOut.WriteString("error: " + exit.Err.Error() + "\n")
		}
	case err != nil:
		code = 1
		errOut.WriteString("error: " + err.Error() + "\n")
	}
	return out.String(), errOut.String(), code
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join(goldenDir, name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

var goldenNotebooks = map[string]string{
	"titanic":     "notebooks/main-2026-05__examples__titanic-ml-dataset__titanic_dataset_ml.ipynb",
	"candies":     "notebooks/main-2026-05__examples__base__candies_sharing.ipynb",
	"params":      "notebooks/main-2026-05__kale__tests__assets__notebooks__pipeline_parameters_and_metrics.ipynb",
	"dogbreed":    "notebooks/legacy-v0.7.0__examples__dog-breed-classification__dog-breed-v2.ipynb",
	"defaults":    "oracle/steps_defaults.ipynb",
	"prev_nodata": "oracle/prev_without_data.ipynb",
}

func TestGraphGolden(t *testing.T) {
	for name, nb := range goldenNotebooks {
		for _, format := range []string{"json", "text", "dot", "mermaid"} {
			t.Run(name+"/"+format, func(t *testing.T) {
				path := filepath.ToSlash(filepath.Join(kaleData, nb))
				out, _, code := run(t, "graph", path, "-o", format)
				if code != 0 {
					t.Fatalf("exit %d", code)
				}
				golden(t, name+"."+map[string]string{"json": "json", "text": "txt", "dot": "dot", "mermaid": "mmd"}[format], out)
			})
		}
	}
}

// TestGraphJSONContract checks the keys scripts rely on.
func TestGraphJSONContract(t *testing.T) {
	out, _, code := run(t, "graph", filepath.Join(kaleData, goldenNotebooks["params"]), "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var g map[string]any
	if err := json.Unmarshal([]byte(out), &g); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"name", "experiment", "parameters", "steps", "metrics", "warnings"} {
		if _, ok := g[k]; !ok {
			t.Errorf("missing key %q", k)
		}
	}
	params := g["parameters"].([]any)
	for _, p := range params {
		m := p.(map[string]any)
		for _, k := range []string{"name", "type", "default"} {
			if _, ok := m[k]; !ok {
				t.Errorf("parameter missing %q: %v", k, m)
			}
		}
		switch m["type"] {
		case "int", "float", "str", "bool":
		default:
			t.Errorf("parameter type %v", m["type"])
		}
	}
	for _, s := range g["steps"].([]any) {
		m := s.(map[string]any)
		for _, k := range []string{"name", "after", "ins", "outs", "parameters", "image", "limits", "labels", "annotations", "caching"} {
			if _, ok := m[k]; !ok {
				t.Errorf("step missing %q: %v", k, m["name"])
			}
		}
	}
	for _, s := range g["metrics"].([]any) {
		m := s.(map[string]any)
		for _, k := range []string{"name", "variable", "step"} {
			if _, ok := m[k]; !ok {
				t.Errorf("metric missing %q", k)
			}
		}
	}
}

func TestGraphErrors(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		code       int
		stderrSubs []string
	}{
		{"bad output format", []string{"graph", "x.ipynb", "-o", "yaml"}, 1, []string{`unsupported output format "yaml": use one of text|json|dot|mermaid`}},
		{"missing file", []string{"graph", "nope.ipynb"}, 1, []string{"read notebook: open nope.ipynb: no such file or directory"}},
		{"no argument", []string{"graph"}, 1, []string{"accepts 1 arg(s), received 0"}},
		{"notebook with errors", []string{"graph", kaleData + "/oracle/prev_later.ipynb"}, 1,
			[]string{kaleData + "/oracle/prev_later.ipynb: cell 1: prev:b names no earlier step"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := run(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			for _, s := range tt.stderrSubs {
				if !strings.Contains(errOut, s) {
					t.Errorf("stderr %q does not contain %q", errOut, s)
				}
			}
		})
	}
}
