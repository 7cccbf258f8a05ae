package compiler

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kubeflow-kale/kale/pkg/pipeline"
)

// Notebooks under testdata/notebooks are copies of the shared Kale oracle
// notebooks (edge cases) and of the real Kale examples.

// failing are the notebooks the front end must reject, with what the error
// must say (EXPECTED.md).
var failing = map[string]string{
	"oracle/upper_step.ipynb":       "cell 1:",
	"oracle/dash_step.ipynb":        "cell 1:",
	"oracle/prev_later.ipynb":       "cell 1:",
	"oracle/metrics_not_last.ipynb": "pipeline-metrics",
}

func notebookFiles(t testing.TB, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "notebooks", dir, "*.ipynb"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no notebooks in testdata/notebooks/%s: %v", dir, err)
	}
	return files
}

func compileFile(t testing.TB, path string) (*pipeline.Pipeline, *Result, error) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return CompileNotebook(filepath.Base(path), data, pipeline.Options{}, Options{DefaultImage: DefaultBaseImage})
}

// TestNotebooks compiles every notebook: golden IR, structural check, strict
// round trip and KFP's own compiler.Accept; the failing ones must fail with
// a positioned error.
func TestNotebooks(t *testing.T) {
	for _, dir := range []string{"oracle", "examples"} {
		for _, path := range notebookFiles(t, dir) {
			rel := dir + "/" + filepath.Base(path)
			t.Run(rel, func(t *testing.T) {
				_, r, err := compileFile(t, path)
				if want, ok := failing[rel]; ok {
					if err == nil || !strings.Contains(err.Error(), want) {
						t.Fatalf("want an error containing %q, got %v", want, err)
					}
					return
				}
				if err != nil {
					t.Fatalf("compile: %v", err)
				}
				if err := Check(r); err != nil {
					t.Fatalf("Check:\n%v", err)
				}
				assertRoundTrip(t, r)
				kfpAccept(t, r)
				assertGolden(t, filepath.Join("golden", dir, strings.TrimSuffix(filepath.Base(path), ".ipynb")+".yaml"), goldenYAML(t, r))
			})
		}
	}
}

func deps(r *Result, task string) []string { return tasks(r)[task].GetDependentTasks() }

// TestOracleExpectations checks the IR-level promises of EXPECTED.md.
func TestOracleExpectations(t *testing.T) {
	compile := func(t *testing.T, name string) *Result {
		_, r, err := compileFile(t, filepath.Join("testdata", "notebooks", "oracle", name+".ipynb"))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	t.Run("parallel_roots: a and b run in parallel, c after both", func(t *testing.T) {
		r := compile(t, "parallel_roots")
		if len(deps(r, "a")) != 0 || len(deps(r, "b")) != 0 || !slices.Equal(deps(r, "c"), []string{"a", "b"}) {
			t.Errorf("dependencies a=%v b=%v c=%v", deps(r, "a"), deps(r, "b"), deps(r, "c"))
		}
	})
	t.Run("prev_without_data: c depends on a and b", func(t *testing.T) {
		r := compile(t, "prev_without_data")
		if !slices.Equal(deps(r, "c"), []string{"a", "b"}) {
			t.Errorf("c depends on %v", deps(r, "c"))
		}
	})
	t.Run("model_names: my_model is a Model, the rest Datasets", func(t *testing.T) {
		r := compile(t, "model_names")
		outs := r.PipelineSpec.GetComponents()["comp-a"].GetOutputDefinitions().GetArtifacts()
		for v, want := range map[string]string{"my_model": TypeModel, "data_frame": TypeDataset, "foo": TypeDataset} {
			if got := outs[v+"_output_artifact"].GetArtifactType().GetSchemaTitle(); got != want {
				t.Errorf("%s is %q, want %s", v, got, want)
			}
		}
	})
	t.Run("image_tag: a runs on python:3.11-slim", func(t *testing.T) {
		r := compile(t, "image_tag")
		if got := container(t, r, "a").GetImage(); got != "python:3.11-slim" {
			t.Errorf("a runs on %q", got)
		}
		if got := container(t, r, "b").GetImage(); got != DefaultBaseImage {
			t.Errorf("b runs on %q", got)
		}
	})
	t.Run("steps_defaults: defaults apply, the step's own tag wins", func(t *testing.T) {
		r := compile(t, "steps_defaults")
		cfg := k8sConfig(t, r, "a")
		l := cfg.GetPodMetadata().GetLabels()
		if l["x"] != "1" || l["team"] != "ml" || cfg.GetPodMetadata().GetAnnotations()["owner"] != "me" {
			t.Errorf("pod metadata %v", cfg.GetPodMetadata())
		}
		c := container(t, r, "a")
		if c.GetImage() != "foo/bar:1.0" || c.GetResources().GetAccelerator().GetResourceCount() != "1" {
			t.Errorf("image %q resources %v", c.GetImage(), c.GetResources())
		}
		if tasks(r)["a"].GetCachingOptions().GetEnableCache() {
			t.Error("caching is on despite cache:disabled in steps_defaults")
		}
	})
	t.Run("annotation_colon: the value is kept whole", func(t *testing.T) {
		r := compile(t, "annotation_colon")
		if got := k8sConfig(t, r, "a").GetPodMetadata().GetAnnotations()["example.com/url"]; got != "http://x.y:80" {
			t.Errorf("annotation %q", got)
		}
	})
	t.Run("negative_param: lr is a float with default -0.1", func(t *testing.T) {
		r := compile(t, "negative_param")
		p := r.PipelineSpec.GetRoot().GetInputDefinitions().GetParameters()["lr"]
		if p.GetParameterType().String() != "NUMBER_DOUBLE" || p.GetDefaultValue().GetNumberValue() != -0.1 {
			t.Errorf("lr = %v", p)
		}
	})
	t.Run("upper_param: parameters keep their names and types", func(t *testing.T) {
		r := compile(t, "upper_param")
		ps := r.PipelineSpec.GetRoot().GetInputDefinitions().GetParameters()
		got := map[string]string{}
		for n, p := range ps {
			got[n] = p.GetParameterType().String()
		}
		want := map[string]string{"LR": "NUMBER_DOUBLE", "name": "STRING", "flag": "BOOLEAN"}
		for n, typ := range want {
			if got[n] != typ {
				t.Errorf("parameters %v, want %v", got, want)
				break
			}
		}
		if in := tasks(r)["a"].GetInputs().GetParameters(); len(in) != 3 {
			t.Errorf("step a reads %d parameters, want 3", len(in))
		}
	})
}

// TestKFPAcceptsSharedNotebooks compiles the notebooks in the shared
// reference folder itself (when present), so a newer copy there is checked
// too.
func TestKFPAcceptsSharedNotebooks(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(sharedDir(), "kale", "notebooks", "*.ipynb"))
	if len(files) == 0 {
		t.Skip("shared notebooks not present (set KALE_SHARED)")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			_, r, err := compileFile(t, path)
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			kfpAccept(t, r)
		})
	}
}

// TestIRDependsOnContentOnly: the same notebook gives byte-identical IR
// whatever path names it and whichever folder it is compiled from;
// diagnostics still name it as given.
func TestIRDependsOnContentOnly(t *testing.T) {
	data, err := os.ReadFile("testdata/notebooks/examples/main-2026-05__examples__base__candies_sharing.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	compile := func(name string, data []byte) []byte {
		t.Helper()
		_, r, err := CompileNotebook(name, data, pipeline.Options{}, Options{DefaultImage: "example.com/default:1"})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, w := range r.Warnings {
			if w.Notebook != name {
				t.Errorf("%s: a warning names the notebook %q", name, w.Notebook)
			}
		}
		y, err := r.YAML()
		if err != nil {
			t.Fatal(err)
		}
		return y
	}
	want := compile("nb.ipynb", data)
	check := func(name string, nb []byte) {
		t.Helper()
		if got := compile(name, nb); !bytes.Equal(got, want) {
			t.Errorf("%s: the IR differs from that of nb.ipynb\n%s", name, firstDiff(want, got))
		}
	}
	// Two working directories, each with its copy at x/nb.ipynb, named
	// relative to one and absolute from the other.
	for i := range 2 {
		dir := t.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, "x"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "x", "nb.ipynb"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Chdir(dir)
		name := []string{"./x/nb.ipynb", filepath.Join(dir, "x", "nb.ipynb")}[i]
		nb, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		check(name, nb)
	}
	for _, name := range []string{"x/nb.ipynb", "../x/nb.ipynb", `C:\Users\me\x\nb.ipynb`, "notebook-0:/home/jovyan/x/nb.ipynb", "notebook-0:nb.ipynb"} {
		check(name, data)
	}
}
