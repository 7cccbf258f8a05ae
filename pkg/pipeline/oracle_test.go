package pipeline

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/kubeflow-kale/kale/pkg/diag"
)

// wantStep is a step as testdata/kale/oracle/KALE-RESULTS.txt lists it.
type wantStep struct {
	name                string
	ins, outs, params   []string
	preds               []string
	labels, annotations map[string]string
	limits              map[string]string
	image               string
	caching             *bool
}

func bp(b bool) *bool { return &b }

// TestOracle runs every edge case of testdata/kale/oracle as EXPECTED.md
// says: the same steps, ins, outs, params and preds as Kale 2.1 where Kale
// was right, and the documented differences where it was not.
func TestOracle(t *testing.T) {
	t.Setenv(EnvDefaultBaseImage, "") // magic_in_imports warns about the default image
	tests := []struct {
		name  string
		steps []wantStep
		// errTag and errSubs describe the expected error: it names the
		// cell that carries errTag, by the number Jupyter shows for it.
		errTag  string
		errSubs []string
		// warns are substrings, each of which some warning must contain.
		warns  []string
		params []Parameter
		check  func(t *testing.T, p *Pipeline)
	}{
		{name: "empty_step_tag", steps: []wantStep{
			{name: "a", outs: []string{"b"}},
			{name: "c", ins: []string{"b"}, preds: []string{"a"}}}},
		{name: "untagged_first", steps: []wantStep{
			{name: "a", outs: []string{"a"}},
			{name: "b", ins: []string{"a"}, preds: []string{"a"}}},
			warns: []string{"cell belongs to no step", "step b reads x, which no ancestor step defines"}},
		{name: "prev_without_data", steps: []wantStep{
			{name: "a", outs: []string{"a"}},
			{name: "b"},
			{name: "c", ins: []string{"a"}, preds: []string{"a", "b"}}},
			check: func(t *testing.T, p *Pipeline) {
				if d := p.Step("c").Dependencies(); !slices.Equal(d, []string{"a", "b"}) {
					t.Errorf("c depends on %v, want [a b]: every prev: edge counts", d)
				}
			}},
		{name: "magic_in_imports", steps: []wantStep{{name: "a"}},
			warns: []string{"step a imports numpy, pandas, which are not in the Python standard library, and runs in the default image python:3.12"}},
		{name: "negative_param", steps: []wantStep{{name: "a", params: []string{"lr"}}},
			params: []Parameter{{Name: "lr", Type: Float, Default: -0.1}}},
		{name: "annotation_colon", steps: []wantStep{{name: "a",
			annotations: map[string]string{"example.com/url": "http://x.y:80"}, labels: map[string]string{"team": "ml"}}}},
		{name: "upper_step", errTag: "step:Load", errSubs: []string{`"step:Load"`, "lowercase", "[_a-z][_a-z0-9]*"}},
		{name: "dash_step", errTag: "step:load-data", errSubs: []string{`"step:load-data"`, "lowercase", "did you mean load_data?"}},
		{name: "skip_and_step", steps: []wantStep{{name: "a"}}},
		{name: "step_twice", steps: []wantStep{
			{name: "a", outs: []string{"a2"}},
			{name: "b", outs: []string{"b"}, preds: []string{"a"}},
			{name: "c", ins: []string{"a2", "b"}, preds: []string{"b"}}}},
		{name: "prev_later", errTag: "prev:b", errSubs: []string{"prev:b names no earlier step", "step b does not exist"}},
		{name: "nearest_ancestor", steps: []wantStep{
			{name: "a", outs: []string{"x"}},
			{name: "b", ins: []string{"x"}, outs: []string{"x"}, preds: []string{"a"}},
			{name: "c", ins: []string{"x"}, preds: []string{"b"}}},
			check: func(t *testing.T, p *Pipeline) {
				if got := p.Step("c").Producers["x"]; got != "b" {
					t.Errorf("c loads x from %q, want b (nearest ancestor)", got)
				}
			}},
		{name: "fn_free_var", steps: []wantStep{
			{name: "a", outs: []string{"y"}},
			{name: "b", ins: []string{"y"}, preds: []string{"a"}}}},
		{name: "steps_defaults", steps: []wantStep{{name: "a",
			labels: map[string]string{"x": "1", "team": "ml"}, annotations: map[string]string{"owner": "me"},
			limits: map[string]string{"nvidia.com/gpu": "1"}, image: "foo/bar:1.0", caching: bp(false)}}},
		{name: "metrics_not_last", errTag: "step:b", errSubs: []string{"step:b", "pipeline-metrics must be placed on a cell at the end"}},
		{name: "image_tag", steps: []wantStep{
			{name: "a", outs: []string{"a"}, image: "python:3.11-slim"},
			{name: "b", ins: []string{"a"}, preds: []string{"a"}, caching: bp(false)}}},
		{name: "two_prev_tags_merge_cell", steps: []wantStep{
			{name: "a", outs: []string{"a"}},
			{name: "b"},
			{name: "c", ins: []string{"a"}, preds: []string{"a"}}},
			warns: []string{"prev: and configuration tags of this cell are ignored", "step c reads b"}},
		{name: "bang_in_step", steps: []wantStep{
			{name: "a", outs: []string{"a"}},
			{name: "b", ins: []string{"a"}, preds: []string{"a"}}}},
		{name: "steps_defaults_dicts", steps: []wantStep{{name: "a",
			labels: map[string]string{"x": "1", "team": "ml"}, annotations: map[string]string{"owner": "me"},
			limits: map[string]string{"nvidia.com/gpu": "1"}}}},
		{name: "parallel_roots", steps: []wantStep{
			{name: "a", outs: []string{"a"}},
			{name: "b", outs: []string{"b"}},
			{name: "c", ins: []string{"a", "b"}, preds: []string{"a", "b"}}},
			check: func(t *testing.T, p *Pipeline) {
				if len(p.Step("a").Dependencies())+len(p.Step("b").Dependencies()) != 0 {
					t.Error("a and b must not depend on anything")
				}
			}},
		{name: "class_def_in_step", steps: []wantStep{
			{name: "a", outs: []string{"K"}},
			{name: "b", ins: []string{"K"}, preds: []string{"a"}}}},
		{name: "model_names", steps: []wantStep{
			{name: "a", outs: []string{"data_frame", "foo", "my_model"}},
			{name: "b", ins: []string{"data_frame", "foo", "my_model"}, preds: []string{"a"}}}},
		{name: "upper_param", steps: []wantStep{{name: "a", params: []string{"LR", "flag", "name"}}},
			params: []Parameter{{Name: "LR", Type: Float, Default: 0.1}, {Name: "name", Type: Str, Default: "x"}, {Name: "flag", Type: Bool, Default: true}}},
		{name: "skip_transparent", steps: []wantStep{
			{name: "a", outs: []string{"b"}},
			{name: "c", ins: []string{"b"}, preds: []string{"a"}}},
			check: func(t *testing.T, p *Pipeline) {
				var src []string
				for _, b := range p.Step("a").Code {
					src = append(src, b.Source)
				}
				if !slices.Equal(src, []string{"a = 1", "b = a + 1"}) {
					t.Errorf("step a code = %q, want the cell after skip merged into a", src)
				}
			}},
		{name: "block_tag", steps: []wantStep{
			{name: "a", outs: []string{"a"}},
			{name: "b", ins: []string{"a"}, preds: []string{"a"}}},
			warns: []string{`"block:a" is the Kale v0.7 spelling of "step:a"`}},
		{name: "docker_image_md", steps: []wantStep{{name: "a"}},
			warns: []string{"docker_image is the Kale v0.7 name of base_image"}},
	}
	files, _ := filepath.Glob(filepath.Join(kaleData, "oracle", "*.ipynb"))
	if len(files) != len(tests) {
		t.Errorf("%d oracle notebooks, %d cases: every notebook needs a case", len(files), len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := buildFile(t, filepath.Join(kaleData, "oracle", tt.name+".ipynb"))
			if tt.errSubs != nil {
				l, ok := diag.AsList(err)
				if err == nil || !ok {
					t.Fatalf("got %v, want a diagnostic error", err)
				}
				d := l.Errors()[0]
				want := jupyterCellWithTag(t, filepath.Join(kaleData, "oracle", tt.name+".ipynb"), tt.errTag)
				if d.Cell != want {
					t.Errorf("error names cell %d, want %d (the cell tagged %s): %v", d.Cell, want, tt.errTag, d)
				}
				for _, sub := range tt.errSubs {
					if !strings.Contains(d.Error(), sub) {
						t.Errorf("error %q does not contain %q", d.Error(), sub)
					}
				}
				if prefix := fmt.Sprintf("%s.ipynb: cell %d: ", tt.name, want); !strings.HasPrefix(d.Error(), prefix) {
					t.Errorf("error %q does not start with %q", d.Error(), prefix)
				}
				return
			}
			if err != nil {
				t.Fatalf("build failed: %v", err)
			}
			var names []string
			for _, s := range p.Steps {
				names = append(names, s.Name)
			}
			var wantNames []string
			for _, ws := range tt.steps {
				wantNames = append(wantNames, ws.name)
			}
			if !slices.Equal(names, wantNames) {
				t.Fatalf("steps %v, want %v", names, wantNames)
			}
			for _, ws := range tt.steps {
				s := p.Step(ws.name)
				for _, c := range []struct {
					what      string
					got, want any
				}{
					{"ins", orNil(s.Ins), orNil(ws.ins)},
					{"outs", orNil(s.Outs), orNil(ws.outs)},
					{"params", orNil(s.Parameters), orNil(ws.params)},
					{"preds", orNil(s.After), orNil(ws.preds)},
					{"labels", s.Labels, ws.labels},
					{"annotations", s.Annotations, ws.annotations},
					{"limits", s.Limits, ws.limits},
					{"image", s.Image, ws.image},
					{"caching", s.Caching, ws.caching},
				} {
					if !reflect.DeepEqual(c.got, c.want) {
						t.Errorf("step %s %s = %v, want %v", s.Name, c.what, show(c.got), show(c.want))
					}
				}
			}
			if tt.params != nil && !reflect.DeepEqual(p.Parameters, tt.params) {
				t.Errorf("parameters %+v, want %+v", p.Parameters, tt.params)
			}
			for _, w := range tt.warns {
				if !hasWarning(p.Diagnostics, w) {
					t.Errorf("no warning contains %q; warnings: %v", w, p.Diagnostics)
				}
			}
			if tt.warns == nil && len(p.Diagnostics) > 0 {
				t.Errorf("unexpected warnings: %v", p.Diagnostics)
			}
			if tt.check != nil {
				tt.check(t, p)
			}
		})
	}
}

func show(v any) any {
	if b, ok := v.(*bool); ok && b != nil {
		return *b
	}
	return v
}

// jupyterCellWithTag reads the notebook JSON on its own (not through
// notebook.Parse) and returns the number Jupyter shows for the only cell
// that carries tag: its 1-based position among all cells, markdown and raw
// cells included.
func jupyterCellWithTag(t *testing.T, path, tag string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var nb struct {
		Cells []struct {
			Metadata struct {
				Tags []string `json:"tags"`
			} `json:"metadata"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(data, &nb); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	found := 0
	for i, c := range nb.Cells {
		if slices.Contains(c.Metadata.Tags, tag) {
			if found != 0 {
				t.Fatalf("%s: cells %d and %d both carry %s", path, found, i+1, tag)
			}
			found = i + 1
		}
	}
	if found == 0 {
		t.Fatalf("%s: no cell carries %s", path, tag)
	}
	return found
}
