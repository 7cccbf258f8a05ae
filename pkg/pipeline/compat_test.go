package pipeline

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kubeflow-kale/kale/pkg/diag"
	"github.com/kubeflow-kale/kale/pkg/pyana"
)

// The notebooks, oracle and dag-oracle under testdata/kale are copies of
// ../shared/kale (public Kale example notebooks and what Kale 2.1 built
// from them), so these tests run in a fresh clone.
const kaleData = "testdata/kale"

func buildFile(t testing.TB, path string) (*Pipeline, error) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return FromNotebook(filepath.Base(path), data, Options{})
}

// dagOracle is one ../shared/kale/dag-oracle file.
type dagOracle struct {
	PipelineName string `json:"pipeline_name"`
	Extra        struct {
		ParamBindings []struct {
			Name     string `json:"name"`
			Variable string `json:"variable"`
		} `json:"param_bindings"`
	} `json:"_extra"`
	Steps []struct {
		Name   string   `json:"name"`
		Ins    []string `json:"ins"`
		Outs   []string `json:"outs"`
		Params []string `json:"params"`
	} `json:"steps"`
}

// TestDAGOracle checks every real example against what Kale 2.1 built from
// it: the same steps, ins, outs and parameters.
//
// Parameters: Kale passes every pipeline parameter to every component, so
// the oracle's params list holds all of them for every step. We compare
// instead against the parameters each step really reads: the names in the
// oracle's list that the step's code (with the imports and functions cells,
// and the functions it loads from earlier steps) uses without defining.
// That set must be a subset of the oracle's list, and it is checked against
// an independent reading below: a parameter counts as read when its
// notebook name appears as a word in the code the step runs (imports,
// functions and own cells) or among the free variables of a function the
// step loads from an earlier step (a function travels without its globals,
// so the step must define the parameters its body reads; its defaults were
// evaluated where it was defined).
func TestDAGOracle(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(kaleData, "dag-oracle", "*.json"))
	if len(files) < 10 {
		t.Fatalf("found %d dag-oracle files, want 10", len(files))
	}
	for _, f := range files {
		base := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(base, func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var want dagOracle
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatal(err)
			}
			p, err := buildFile(t, filepath.Join(kaleData, "notebooks", "main-2026-05__"+base+".ipynb"))
			if err != nil {
				t.Fatal(err)
			}
			if p.Name != want.PipelineName {
				t.Errorf("pipeline name %q, want %q", p.Name, want.PipelineName)
			}
			var gotSteps, wantSteps []string
			for _, s := range p.Steps {
				gotSteps = append(gotSteps, s.Name)
			}
			for _, s := range want.Steps {
				wantSteps = append(wantSteps, s.Name)
			}
			if !slices.Equal(gotSteps, wantSteps) {
				t.Fatalf("steps %v, want %v", gotSteps, wantSteps)
			}
			nbParam := map[string]string{} // pipeline arg -> notebook name
			for _, prm := range want.Extra.ParamBindings {
				nbParam[prm.Name] = prm.Variable
			}
			for _, ws := range want.Steps {
				s := p.Step(ws.Name)
				if !slices.Equal(orNil(s.Ins), orNil(ws.Ins)) {
					t.Errorf("step %s: ins %v, want %v", s.Name, s.Ins, ws.Ins)
				}
				if !slices.Equal(orNil(s.Outs), orNil(ws.Outs)) {
					t.Errorf("step %s: outs %v, want %v", s.Name, s.Outs, ws.Outs)
				}
				var all []string
				for _, arg := range ws.Params {
					all = append(all, nbParam[arg])
				}
				for _, prm := range s.Parameters {
					if !slices.Contains(all, prm) {
						t.Errorf("step %s reads parameter %s, which Kale does not pass it (%v)", s.Name, prm, all)
					}
				}
				if got, want := s.Parameters, wordsIn(readCode(p, s), all); !slices.Equal(orNil(got), orNil(want)) {
					t.Errorf("step %s: parameters %v, want the ones its code names: %v", s.Name, got, want)
				}
			}
		})
	}
}

// readCode is the code a step runs (imports, functions and own cells) and
// the free variables of every function it loads from an earlier step.
func readCode(p *Pipeline, s *Step) string {
	var b strings.Builder
	for _, c := range s.Code {
		b.WriteString(c.Source)
		b.WriteString("\n")
	}
	for _, v := range s.Ins {
		for _, c := range p.Step(s.Producers[v]).Code {
			if c.Kind != CodeStep {
				continue
			}
			r, err := pyana.Analyze(c.Source)
			if err != nil {
				continue
			}
			for _, f := range r.Functions {
				if f.Name == v {
					b.WriteString(strings.Join(f.FreeVars, " ") + "\n")
				}
			}
		}
	}
	return b.String()
}

// wordsIn returns the names that occur in code as whole words, sorted.
func wordsIn(code string, names []string) []string {
	words := map[string]bool{}
	for _, w := range strings.FieldsFunc(code, func(r rune) bool {
		return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) {
		words[w] = true
	}
	var out []string
	for _, n := range names {
		if words[n] {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

func orNil(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// TestRealNotebooksCompile builds every bundled notebook, Kale 2.x and v0.7.
func TestRealNotebooksCompile(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(kaleData, "notebooks", "*.ipynb"))
	if len(files) < 20 {
		t.Fatalf("found %d notebooks, want at least 20", len(files))
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".ipynb"), func(t *testing.T) {
			p, err := buildFile(t, f)
			if err != nil {
				t.Fatalf("build failed:\n%v", err)
			}
			if len(p.Steps) == 0 {
				t.Fatal("no steps")
			}
			if strings.HasSuffix(f, "read_data.ipynb") {
				if p.Experiment != DefaultExperiment || !hasWarning(p.Diagnostics, "no experiment_name") {
					t.Errorf("read_data: experiment %q, warnings %v; want %q and a warning", p.Experiment, p.Diagnostics, DefaultExperiment)
				}
				if p.Name != "main-2026-05-examples-taxi-cab-classification-read-data" && p.Name != "legacy-v0-7-0-examples-taxi-cab-classification-read-data" {
					t.Errorf("read_data: pipeline name %q, want one derived from the file name", p.Name)
				}
			}
		})
	}
}

func hasWarning(l diag.List, sub string) bool {
	for _, d := range l.Warnings() {
		if strings.Contains(d.Message, sub) {
			return true
		}
	}
	return false
}
