package pipeline

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kubeflow-kale/kale/pkg/diag"
)

// cell is a code cell for nb, or a markdown cell.
type cell struct {
	src      string
	tags     []string
	markdown bool
}

func c(src string, tags ...string) cell { return cell{src: src, tags: tags} }

// mdc is a markdown cell: it is no code but counts in cell numbers.
func mdc(src string) cell { return cell{src: src, markdown: true} }

// nb builds notebook JSON with kubeflow_notebook metadata md (nil: none).
func nb(t testing.TB, md map[string]any, cells ...cell) []byte {
	t.Helper()
	var raw []map[string]any
	for _, cl := range cells {
		meta := map[string]any{}
		if cl.tags != nil {
			meta["tags"] = cl.tags
		}
		if cl.markdown {
			raw = append(raw, map[string]any{"cell_type": "markdown", "source": cl.src, "metadata": meta})
			continue
		}
		raw = append(raw, map[string]any{"cell_type": "code", "source": cl.src, "metadata": meta, "outputs": []any{}})
	}
	meta := map[string]any{}
	if md != nil {
		meta["kubeflow_notebook"] = md
	}
	b, err := json.Marshal(map[string]any{"nbformat": 4, "nbformat_minor": 4, "metadata": meta, "cells": raw})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var md = map[string]any{"pipeline_name": "p", "experiment_name": "e"}

func mustBuild(t *testing.T, data []byte, opts Options) *Pipeline {
	t.Helper()
	p, err := FromNotebook("t.ipynb", data, opts)
	if err != nil {
		t.Fatalf("build failed:\n%v", err)
	}
	return p
}

func TestSettings(t *testing.T) {
	tests := []struct {
		name  string
		md    map[string]any
		file  string
		opts  Options
		check func(t *testing.T, p *Pipeline)
		warn  string
		err   string
	}{
		{name: "metadata values", md: map[string]any{"pipeline_name": "p", "experiment_name": "e", "pipeline_description": "d",
			"base_image": "img:1", "enable_caching": false},
			check: func(t *testing.T, p *Pipeline) {
				got := []any{p.Name, p.Experiment, p.Description, p.BaseImage, p.Caching}
				if want := []any{"p", "e", "d", "img:1", false}; !reflect.DeepEqual(got, want) {
					t.Errorf("got %v, want %v", got, want)
				}
			}},
		{name: "overrides win when given", md: md, opts: Options{PipelineName: "q", Experiment: "x", Description: "dd", BaseImage: "b"},
			check: func(t *testing.T, p *Pipeline) {
				if got := []string{p.Name, p.Experiment, p.Description, p.BaseImage}; !slices.Equal(got, []string{"q", "x", "dd", "b"}) {
					t.Errorf("got %v", got)
				}
			}},
		{name: "pipeline name from the file name", md: map[string]any{"experiment_name": "e"}, file: "dir/My Notebook_v2.ipynb",
			check: func(t *testing.T, p *Pipeline) { eqs(t, p.Name, "my-notebook-v2") }, warn: `no pipeline_name; using "my-notebook-v2"`},
		{name: "default experiment", md: map[string]any{"pipeline_name": "p", "experiment_name": ""},
			check: func(t *testing.T, p *Pipeline) { eqs(t, p.Experiment, DefaultExperiment) }, warn: "no experiment_name"},
		{name: "experiment from the Kale UI record", md: map[string]any{"pipeline_name": "p", "experiment": map[string]any{"id": "new", "name": "ui"}},
			check: func(t *testing.T, p *Pipeline) { eqs(t, p.Experiment, "ui") }, warn: "from the experiment the Kale UI recorded"},
		{name: "no metadata at all", md: nil, file: "train.ipynb",
			check: func(t *testing.T, p *Pipeline) { eqs(t, p.Name+"/"+p.Experiment, "train/"+DefaultExperiment) }, warn: "no kubeflow_notebook metadata"},
		{name: "security context", md: map[string]any{"pipeline_name": "p", "experiment_name": "e",
			"security_context": map[string]any{"run_as_user": 1000, "run_as_non_root": true}},
			check: func(t *testing.T, p *Pipeline) {
				sc := p.SecurityContext
				if sc == nil || !sc.Enabled || *sc.RunAsUser != 1000 || sc.RunAsGroup != nil || !*sc.RunAsNonRoot {
					t.Errorf("security context %+v", sc)
				}
			}},
		{name: "invalid pipeline name", md: map[string]any{"pipeline_name": "My_Pipeline", "experiment_name": "e"},
			err: `pipeline name "My_Pipeline" is invalid: use lowercase letters, digits and -, starting and ending with a letter or digit, at most 124 characters (e.g. my-pipeline)`},
		{name: "pvc volumes are mounted, others warned about", md: map[string]any{"pipeline_name": "p", "experiment_name": "e",
			"volumes": []any{
				map[string]any{"name": "data", "mount_point": "/data", "type": "pvc", "expose_as_env_var": true},
				map[string]any{"name": "ws", "mount_point": "/home/jovyan", "type": "clone"}}},
			opts: Options{Volumes: []Volume{{Name: "home", MountPath: "/home/jovyan", Type: "pvc"}}},
			check: func(t *testing.T, p *Pipeline) {
				want := []Volume{{Name: "data", MountPath: "/data", Type: "pvc", ExposeAsEnv: true}, {Name: "home", MountPath: "/home/jovyan", Type: "pvc"}}
				if !reflect.DeepEqual(p.Volumes, want) {
					t.Errorf("volumes %+v, want %+v", p.Volumes, want)
				}
			}, warn: `volume "ws" of type clone is not mounted`},
		{name: "volume env names collide", md: map[string]any{"pipeline_name": "p", "experiment_name": "e",
			"volumes": []any{
				map[string]any{"name": "my-data", "mount_point": "/a", "type": "pvc", "expose_as_env_var": true},
				map[string]any{"name": "my.data", "mount_point": "/b", "type": "pvc", "expose_as_env_var": true}}},
			err: "volumes my-data and my.data both map to the environment variable KALE_VOLUME_MY_DATA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := tt.file
			if file == "" {
				file = "t.ipynb"
			}
			p, err := FromNotebook(file, nb(t, tt.md, c("a = 1", "step:a")), tt.opts)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, want error containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, p)
			if tt.warn != "" && !hasWarning(p.Diagnostics, tt.warn) {
				t.Errorf("no warning contains %q: %v", tt.warn, p.Diagnostics)
			}
		})
	}
}

func eqs(t *testing.T, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestErrorsAreCollectedInOnePass(t *testing.T) {
	data := nb(t, md,
		c("x = 1", "step:Load"),
		c("y = 2", "step:b", "prev:nope"),
		c("LR = None", "pipeline-parameters"),
		c("z = 3", "label:a:b"),
		c("print('acc', acc)", "pipeline-metrics"),
	)
	_, err := FromNotebook("t.ipynb", data, Options{})
	l, ok := diag.AsList(err)
	if !ok {
		t.Fatalf("got %v, want diagnostics", err)
	}
	var cells []int
	for _, d := range l.Errors() {
		cells = append(cells, d.Cell)
	}
	// Tag errors stop at notebook.Parse (cells 1 and 4); fix those and the
	// build reports the rest (cells 2, 3, 5).
	if !slices.Equal(cells, []int{1, 4}) {
		t.Errorf("errors at cells %v, want [1 4]:\n%v", cells, err)
	}
	data = nb(t, md,
		c("x = 1", "step:load"),
		c("y = 2", "step:b", "prev:nope"),
		c("LR = None", "pipeline-parameters"),
		c("print('acc', acc)", "pipeline-metrics"),
	)
	_, err = FromNotebook("t.ipynb", data, Options{})
	l, _ = diag.AsList(err)
	cells = nil
	for _, d := range l.Errors() {
		cells = append(cells, d.Cell)
	}
	if !slices.Equal(cells, []int{2, 3, 4}) {
		t.Errorf("errors at cells %v, want [2 3 4]:\n%v", cells, err)
	}
}

func TestSyntaxErrorNamesCellAndLine(t *testing.T) {
	data := nb(t, md,
		c("import os", "imports"),
		c("a = 1", "step:a"),
		c("b = 2\nif b >\n    pass"),
	)
	_, err := FromNotebook("t.ipynb", data, Options{})
	l, ok := diag.AsList(err)
	if !ok || len(l.Errors()) != 1 {
		t.Fatalf("got %v, want one error", err)
	}
	d := l.Errors()[0]
	if d.Cell != 3 || d.Line != 2 || !strings.HasPrefix(d.Error(), "t.ipynb: cell 3: line 2: syntax error") {
		t.Errorf("got %q (cell %d line %d), want cell 3 line 2", d.Error(), d.Cell, d.Line)
	}
	// An error in the imports cell is reported once, not once per step.
	data = nb(t, md, c("import (", "imports"), c("a = 1", "step:a"), c("b = 1", "step:b"))
	_, err = FromNotebook("t.ipynb", data, Options{})
	if l, _ := diag.AsList(err); len(l.Errors()) != 1 || l.Errors()[0].Cell != 1 {
		t.Errorf("got %v, want one error at cell 1", err)
	}
}

func TestDependencies(t *testing.T) {
	t.Setenv(EnvDefaultBaseImage, "") // numpy in the default image is warned about
	tests := []struct {
		name  string
		cells []cell
		// want maps step -> "ins|outs|params"
		want map[string]string
		// producers maps "step.var" -> producer
		producers map[string]string
		warn      string
	}{
		{name: "function free variables travel with the function",
			cells:     []cell{c("y = 2", "step:a"), c("def g():\n    return y * k\nk = 3", "step:b", "prev:a"), c("print(g())", "step:c", "prev:b")},
			want:      map[string]string{"a": "|y|", "b": "y|g,k|", "c": "g,k,y||"},
			producers: map[string]string{"c.g": "b", "c.k": "b", "c.y": "a", "b.y": "a"}},
		{name: "a free variable the step defines itself is not loaded",
			cells: []cell{c("y = 2\ndef g():\n    return y", "step:a"), c("y = 3\nprint(g())", "step:b", "prev:a")},
			want:  map[string]string{"a": "|g|", "b": "g||"}},
		{name: "nested functions are followed",
			cells: []cell{c("z = 1\ndef h():\n    return z\ndef g():\n    return h()", "step:a"), c("g()", "step:b", "prev:a")},
			want:  map[string]string{"a": "|g,h,z|", "b": "g,h,z||"}},
		{name: "parameters are never marshalled, also through functions",
			cells: []cell{c("LR = 0.1\nN = 2", "pipeline-parameters"), c("def g():\n    return LR", "step:a"), c("x = g() * N\nLR = 5\nprint(LR)", "step:b", "prev:a")},
			want:  map[string]string{"a": "|g|LR", "b": "g||LR,N"}},
		{name: "functions cells are re-run, not marshalled; their free variables are",
			cells: []cell{c("def f():\n    return data", "functions"), c("data = [1]", "step:a"), c("f()", "step:b", "prev:a")},
			want:  map[string]string{"a": "|data|", "b": "data||"}},
		{name: "imports are never marshalled",
			cells: []cell{c("import numpy as np", "imports"), c("x = np.ones(2)", "step:a"), c("y = np.sum(x)", "step:b", "prev:a")},
			warn:  "step b imports numpy, which is not in the Python standard library",
			want:  map[string]string{"a": "|x|", "b": "x||"}},
		{name: "nearest layer first, alphabetical inside a layer",
			cells: []cell{c("v = 1", "step:z"), c("v = 2", "step:y"), c("print(v)", "step:m", "prev:z", "prev:y")},
			want:  map[string]string{"y": "|v|", "z": "||", "m": "v||"}, producers: map[string]string{"m.v": "y"}},
		{name: "a grandparent provides what the parent does not mention",
			cells: []cell{c("v = 1", "step:a"), c("w = 2", "step:b", "prev:a"), c("print(v, w)", "step:c", "prev:b")},
			want:  map[string]string{"a": "|v|", "b": "|w|", "c": "v,w||"}, producers: map[string]string{"c.v": "a", "c.w": "b"}},
		{name: "names no ancestor defines are warnings",
			cells: []cell{c("a = 1", "step:a"), c("print(a, missing)", "step:b", "prev:a")},
			want:  map[string]string{"a": "|a|", "b": "a||"}, warn: "step b reads missing, which no ancestor step defines (ancestors: a)"},
		{name: "the warning names a step that defines the name but is no ancestor",
			cells: []cell{c("a = 1", "step:a"), c("b = 2", "step:b"), c("print(a, b)", "step:c", "prev:a")},
			want:  map[string]string{"a": "|a|", "b": "||", "c": "a||"},
			warn:  "step c reads b, which no ancestor step defines (ancestors: a); step b (cell 2) defines it: add prev:b to cell 3 if c needs it"},
		{name: "ipython lines are left out of the analysis",
			cells: []cell{c("%matplotlib inline\nimport os", "imports"), c("!pip install foo\nfiles = !ls\nx = 1", "step:a"), c("x?\nprint(x, files)", "step:b", "prev:a")},
			want:  map[string]string{"a": "|files,x|", "b": "files,x||"}},
		{name: "star imports silence unresolved names",
			cells: []cell{c("from math import *", "imports"), c("x = pi", "step:a")},
			want:  map[string]string{"a": "||"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustBuild(t, nb(t, md, tt.cells...), Options{})
			for name, w := range tt.want {
				s := p.Step(name)
				if s == nil {
					t.Fatalf("no step %s", name)
				}
				got := strings.Join(s.Ins, ",") + "|" + strings.Join(s.Outs, ",") + "|" + strings.Join(s.Parameters, ",")
				if got != w {
					t.Errorf("step %s: ins|outs|params = %q, want %q", name, got, w)
				}
			}
			for k, w := range tt.producers {
				step, v, _ := strings.Cut(k, ".")
				if got := p.Step(step).Producers[v]; got != w {
					t.Errorf("%s loads %s from %q, want %q", step, v, got, w)
				}
			}
			if tt.warn != "" && !hasWarning(p.Diagnostics, tt.warn) {
				t.Errorf("no warning contains %q: %v", tt.warn, p.Diagnostics)
			} else if tt.warn == "" && len(p.Diagnostics) > 0 {
				t.Errorf("unexpected warnings: %v", p.Diagnostics)
			}
		})
	}
}

func TestMetricsGoToTheNearestStepFromTheLeaves(t *testing.T) {
	p := mustBuild(t, nb(t, md,
		c("acc = 0.5\nloss = 1", "step:train"),
		c("acc = 0.9", "step:eval", "prev:train"),
		c("print(acc)\nprint(loss)\nprint(nowhere)", "pipeline-metrics"),
	), Options{})
	want := []Metric{{Name: "acc", Variable: "acc", Step: "eval"}, {Name: "loss", Variable: "loss", Step: "train"}}
	if !reflect.DeepEqual(p.Metrics, want) {
		t.Errorf("metrics %+v, want %+v", p.Metrics, want)
	}
	if !hasWarning(p.Diagnostics, "no step mentions the variable nowhere") {
		t.Errorf("want a warning about nowhere: %v", p.Diagnostics)
	}
}

func TestStepCodeAndConfig(t *testing.T) {
	p := mustBuild(t, nb(t, map[string]any{"pipeline_name": "p", "experiment_name": "e", "steps_defaults": []any{"label:team:ml", "label:tier:gold"}},
		c("import os", "imports"),
		c("import sys"),
		c("def f():\n    pass", "functions"),
		c("a = 1", "step:a", "label:tier:silver", "secret:db:pw:DB_PW", "report:disabled", "limit:cpu:2"),
		c("print(a)", "step:"),
		c("ignored = 1", "skip"),
	), Options{Labels: map[string]string{"access-ml-pipeline": "true", "team": "pod"}})
	s := p.Step("a")
	var kinds []string
	for _, b := range s.Code {
		kinds = append(kinds, string(b.Kind)+"@"+string(rune('0'+b.Cell)))
	}
	if want := []string{"imports@1", "imports@2", "functions@3", "step@4", "step@5"}; !slices.Equal(kinds, want) {
		t.Errorf("code blocks %v, want %v", kinds, want)
	}
	wantLabels := map[string]string{"team": "pod", "tier": "silver", "access-ml-pipeline": "true"}
	if !reflect.DeepEqual(s.Labels, wantLabels) {
		t.Errorf("labels %v, want %v (own tag > pod labels > steps_defaults)", s.Labels, wantLabels)
	}
	if !reflect.DeepEqual(s.Secrets, []SecretEnv{{Env: "DB_PW", Secret: "db", Key: "pw"}}) || s.Report == nil || *s.Report || s.Limits["cpu"] != "2" {
		t.Errorf("secrets %v report %v limits %v", s.Secrets, s.Report, s.Limits)
	}
}

func TestNotebookWithoutTagsIsOneStep(t *testing.T) {
	p := mustBuild(t, nb(t, md, c("import os"), c("x = os.getcwd()"), c("print(x)")), Options{})
	if len(p.Steps) != 1 || p.Steps[0].Name != WholeNotebookStep || len(p.Steps[0].Code) != 3 {
		t.Fatalf("steps %+v, want one step %s with 3 cells", p.Steps, WholeNotebookStep)
	}
	if !hasWarning(p.Diagnostics, "no cell has a Kale tag") {
		t.Errorf("want a warning: %v", p.Diagnostics)
	}
	_, err := FromNotebook("t.ipynb", nb(t, md, c("import os", "imports"), c("x = 1")), Options{})
	if err == nil || !strings.Contains(err.Error(), "the notebook has no steps") {
		t.Errorf("got %v, want a no-steps error", err)
	}
}

func TestStepOrderIsGenerationByGeneration(t *testing.T) {
	p := mustBuild(t, nb(t, md,
		c("", "step:root"), c("", "step:a1", "prev:root"), c("", "step:a2", "prev:a1"),
		c("", "step:b1", "prev:root"), c("", "step:other"),
	), Options{})
	var got []string
	for _, s := range p.Steps {
		got = append(got, s.Name)
	}
	if want := []string{"root", "other", "a1", "b1", "a2"}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

func TestBuildIsDeterministic(t *testing.T) {
	data := readTitanic(t)
	first, err := FromNotebook("titanic.ipynb", data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		again, _ := FromNotebook("titanic.ipynb", data, Options{})
		if !reflect.DeepEqual(first, again) {
			t.Fatal("two builds of the same notebook differ")
		}
	}
}

func TestPrevErrors(t *testing.T) {
	tests := []struct {
		cells []cell
		want  string
	}{
		{[]cell{c("", "step:a", "prev:b"), c("", "step:b")}, "t.ipynb: cell 1: prev:b names no earlier step (step b does not exist yet; it was defined as previous step of a): step b starts later, at cell 2"},
		{[]cell{c("", "step:load_data"), c("", "step:b", "prev:load")}, "t.ipynb: cell 2: prev:load names no earlier step (step load does not exist; it was defined as previous step of b); steps so far: load_data"},
		{[]cell{c("", "step:a", "prev:a")}, "t.ipynb: cell 1: prev:a names step a itself: a step cannot follow itself"},
		{[]cell{c("", "step:b"), c("", "step:a", "prev:b", "prev:a")}, "t.ipynb: cell 2: prev:a names step a itself: a step cannot follow itself"},
	}
	for _, tt := range tests {
		_, err := FromNotebook("t.ipynb", nb(t, md, tt.cells...), Options{})
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("got %v\nwant prefix %q", err, tt.want)
		}
	}
}

// FuzzFromNotebook runs the whole front end (notebook parsing, Python
// analysis, build) on arbitrary cell sources and tags: it must return a
// pipeline or diagnostics, never panic.
func FuzzFromNotebook(f *testing.F) {
	f.Add("a = 1", "step:a", "print(a)\n!ls", "step:b", "prev:a")
	f.Add("LR = -1", "pipeline-parameters", "def g():\n    return LR", "step:x", "label:a:b:c")
	f.Add("%%bash\necho", "imports", "x = [i for i in y]", "block:y", "limit:cpu:1")
	f.Add("print(acc)", "pipeline-metrics", "class K: pass", "step:k", "cache:disabled")
	f.Fuzz(func(t *testing.T, src1, tag1, src2, tag2, tag3 string) {
		data := nb(t, md, c(src1, tag1), c(src2, tag2, tag3), c(src1+"\n"+src2))
		p, err := FromNotebook("f.ipynb", data, Options{})
		if err != nil {
			if _, ok := diag.AsList(err); !ok {
				t.Fatalf("error %T is not a diagnostic: %v", err, err)
			}
			return
		}
		for _, s := range p.Steps {
			for _, v := range s.Ins {
				if s.Producers[v] == "" {
					t.Fatalf("step %s loads %s from no step", s.Name, v)
				}
			}
		}
	})
}

// TestCellNumbersAreJupyters: the model and every diagnostic number cells
// from 1 and count markdown cells, as Jupyter, ruff and nbQA show them, so a
// runtime traceback and a warning point at the cell the user sees.
func TestCellNumbersAreJupyters(t *testing.T) {
	p := mustBuild(t, nb(t, md,
		mdc("# Load"),
		c("import os", "imports"),
		mdc("## Steps"),
		c("a = 1", "step:a"),
		mdc("text"),
		c("b = a + 1"),
		c("print(b, missing)", "step:c", "prev:a"),
	), Options{})
	a, c := p.Step("a"), p.Step("c")
	if a.Cell != 4 || c.Cell != 7 {
		t.Errorf("steps start at cells %d and %d, want 4 and 7", a.Cell, c.Cell)
	}
	var cells []int
	for _, b := range a.Code {
		cells = append(cells, b.Cell)
	}
	if !slices.Equal(cells, []int{2, 4, 6}) {
		t.Errorf("step a's code comes from cells %v, want [2 4 6]", cells)
	}
	if !hasWarning(p.Diagnostics, "step c reads missing") || p.Diagnostics[0].Cell != 7 ||
		!strings.HasPrefix(p.Diagnostics[0].Error(), "t.ipynb: cell 7: line 1: ") {
		t.Errorf("warnings %v, want one at cell 7 line 1", p.Diagnostics)
	}
}
