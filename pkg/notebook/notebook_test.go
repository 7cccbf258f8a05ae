package notebook

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeflow-kale/kale/pkg/diag"
)

// nbJSON builds a notebook from cells and kubeflow_notebook metadata.
func nbJSON(t testing.TB, md any, cells ...map[string]any) []byte {
	t.Helper()
	if cells == nil {
		cells = []map[string]any{}
	}
	meta := map[string]any{}
	if md != nil {
		meta["kubeflow_notebook"] = md
	}
	b, err := json.Marshal(map[string]any{"nbformat": 4, "nbformat_minor": 5, "metadata": meta, "cells": cells})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func code(src any, tags ...any) map[string]any {
	md := map[string]any{}
	if tags != nil {
		md["tags"] = tags
	}
	return map[string]any{"cell_type": "code", "source": src, "metadata": md, "outputs": []any{}, "execution_count": nil}
}

func markdown(src string) map[string]any {
	return map[string]any{"cell_type": "markdown", "source": src, "metadata": map[string]any{}}
}

var okMeta = map[string]any{"pipeline_name": "p", "experiment_name": "e"}

func TestParseCells(t *testing.T) {
	data := nbJSON(t, okMeta,
		markdown("# title"),
		code([]string{"import os\n", "import sys"}, "imports"),
		map[string]any{"cell_type": "raw", "source": "raw", "metadata": map[string]any{}},
		code("x = 1", "step:a"),
	)
	nb, err := Parse("t.ipynb", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(nb.Cells) != 2 {
		t.Fatalf("got %d code cells, want 2", len(nb.Cells))
	}
	if c := nb.Cells[0]; c.Number != 2 || c.Source != "import os\nimport sys" || c.Tags.Role != RoleImports {
		t.Errorf("cell 0 = %+v: want number 2 (the markdown cell before it counts), list source joined, imports", c)
	}
	if c := nb.Cells[1]; c.Number != 4 || c.Tags.Step != "a" {
		t.Errorf("cell 1 = %+v: want number 4 (markdown and raw cells count), step a", c)
	}
	if nb.Metadata.PipelineName != "p" || nb.Metadata.ExperimentName != "e" {
		t.Errorf("metadata = %+v", nb.Metadata)
	}
}

func TestParseByteOrderMark(t *testing.T) {
	data := append([]byte("\xef\xbb\xbf"), nbJSON(t, okMeta, code("x = 1", "step:a"))...)
	if nb, err := Parse("t.ipynb", data); err != nil || len(nb.Cells) != 1 {
		t.Fatalf("got %v, want the notebook read despite the byte order mark", err)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		data string
		want string
	}{
		{"empty file", "", "t.ipynb: the file is empty"},
		{"not JSON", "print('hi')", "not a Jupyter notebook: a .ipynb file is a JSON object"},
		{"broken JSON", "{\n\"cells\": [}", "not valid notebook JSON: invalid character '}' looking for beginning of value at line 2, column 11"},
		{"JSON but not a notebook", `{"name": "x"}`, `no "nbformat" field`},
		{"nbformat 3", `{"nbformat": 3, "nbformat_minor": 0, "worksheets": []}`, "nbformat 3 is not supported"},
		{"nbformat 5", `{"nbformat": 5, "cells": []}`, "nbformat 5 is not supported"},
		{"no cells", `{"nbformat": 4, "nbformat_minor": 4, "metadata": {}}`, `without a "cells" list`},
		{"wrong type", `{"nbformat": "4", "cells": []}`, "nbformat is a JSON string"},
		{"source not text", `{"nbformat": 4, "cells": [{"cell_type": "code", "source": 5, "metadata": {}}]}`,
			"t.ipynb: cell 1: cell source must be a string or a list of strings"},
		{"tag not a string", `{"nbformat": 4, "cells": [{"cell_type": "markdown", "source": ""}, {"cell_type": "code", "source": "", "metadata": {"tags": ["step:a", 3]}}]}`,
			"t.ipynb: cell 2: tags must be strings: found tag 3 of type number"},
		{"bad tag", `{"nbformat": 4, "cells": [{"cell_type": "code", "source": "", "metadata": {"tags": ["step:Load"]}}]}`,
			`t.ipynb: cell 1: unrecognized tag "step:Load"`},
		{"metadata wrong type", `{"nbformat": 4, "cells": [], "metadata": {"kubeflow_notebook": {"pipeline_name": 3}}}`,
			"t.ipynb: metadata pipeline_name must be a string, found number"},
		{"bad steps_defaults", `{"nbformat": 4, "cells": [], "metadata": {"kubeflow_notebook": {"steps_defaults": ["step:x"]}}}`,
			`metadata steps_defaults entry "step:x"`},
		{"bad volume", `{"nbformat": 4, "cells": [], "metadata": {"kubeflow_notebook": {"volumes": [{"name": "v", "type": "nfs"}]}}}`,
			`volumes[0]: type "nfs" is not one of`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("t.ipynb", []byte(tt.data))
			if err == nil {
				t.Fatalf("Parse succeeded, want error containing %q", tt.want)
			}
			if _, ok := diag.AsList(err); !ok {
				t.Errorf("error %T is not a diagnostic", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestBlockTagsGiveOneWarning(t *testing.T) {
	nb, err := Parse("t.ipynb", nbJSON(t, okMeta, code("", "block:a"), markdown(""), code("", "block:b", "prev:a"), code("", "block:")))
	if err != nil {
		t.Fatal(err)
	}
	w := nb.Diagnostics.Warnings()
	if len(w) != 1 || w[0].Cell != 1 || !strings.HasSuffix(w[0].Message, "; 2 more cells use block: tags (cells 3, 4)") {
		t.Errorf("warnings %v, want one at cell 1 listing cells 3 and 4", w)
	}
	if nb.Cells[1].Tags.Step != "b" || nb.Cells[1].Tags.Prev[0] != "a" || nb.Cells[2].Tags.Role != RoleNone {
		t.Errorf("cells %+v", nb.Cells)
	}
}

func TestParseReportsEveryCellError(t *testing.T) {
	data := nbJSON(t, okMeta, code("", "step:A"), code("", "step:b", "bogus"), code("", "prev:x"))
	_, err := Parse("t.ipynb", data)
	l, _ := diag.AsList(err)
	if len(l.Errors()) != 3 {
		t.Fatalf("got %d errors, want 3 (one per bad cell): %v", len(l.Errors()), err)
	}
	for i, d := range l.Errors() {
		if d.Cell != i+1 {
			t.Errorf("error %d names cell %d, want %d", i, d.Cell, i+1)
		}
	}
}

func TestMetadata(t *testing.T) {
	tests := []struct {
		name  string
		md    map[string]any
		check func(t *testing.T, md Metadata)
		warns []string
	}{
		{name: "docker_image maps to base_image",
			md:    map[string]any{"docker_image": "img:1", "pipeline_name": "p", "experiment_name": "e"},
			check: func(t *testing.T, md Metadata) { eq(t, md.BaseImage, "img:1") },
			warns: []string{`docker_image is the Kale v0.7 name of base_image; using "img:1"`}},
		{name: "base_image wins over docker_image",
			md:    map[string]any{"docker_image": "old", "base_image": "new"},
			check: func(t *testing.T, md Metadata) { eq(t, md.BaseImage, "new") },
			warns: []string{"docker_image (Kale v0.7) is ignored"}},
		{name: "ignored legacy keys warn only when they ask for something",
			md: map[string]any{"autosnapshot": true, "katib_run": false, "snapshot_volumes": false, "abs_working_dir": "",
				"katib_metadata": map[string]any{"maxTrialCount": 12}, "timeout": 30},
			warns: []string{"autosnapshot is ignored", "timeout is ignored"}},
		{name: "katib_metadata is reported through katib_run",
			md:    map[string]any{"katib_run": true, "katib_metadata": map[string]any{"maxTrialCount": 12}},
			warns: []string{"katib_run is ignored: Katib tuning runs are not supported"}},
		{name: "unknown key is a warning",
			md:    map[string]any{"shiny": 1},
			warns: []string{`metadata key "shiny" is unknown`}},
		{name: "null is absent",
			md:    map[string]any{"pipeline_name": nil, "enable_caching": nil},
			check: func(t *testing.T, md Metadata) { eq(t, md.PipelineName, ""); eqb(t, md.EnableCaching == nil, true) }},
		{name: "caching, volumes, steps_defaults, experiment",
			md: map[string]any{"enable_caching": false, "experiment": map[string]any{"id": "new", "name": "ui-exp"},
				"volumes":        []any{map[string]any{"name": "data", "mount_point": "/data", "type": "pvc", "expose_as_env_var": true}},
				"steps_defaults": []any{"label:access-ml-pipeline:true"}},
			check: func(t *testing.T, md Metadata) {
				eqb(t, *md.EnableCaching, false)
				eq(t, md.ExperimentUIName, "ui-exp")
				eq(t, md.Volumes[0].String(), "pvc data at /data")
				eqb(t, md.Volumes[0].ExposeAsEnvVar, true)
				eq(t, md.StepDefaults.Labels["access-ml-pipeline"], "true")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nb, err := Parse("t.ipynb", nbJSON(t, tt.md))
			if err != nil {
				t.Fatal(err)
			}
			if tt.check != nil {
				tt.check(t, nb.Metadata)
			}
			checkDiags(t, nb.Diagnostics.Warnings(), tt.warns)
		})
	}
}

func eq(t *testing.T, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func eqb(t *testing.T, got, want bool) {
	t.Helper()
	if got != want {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestParseRealNotebooks reads every bundled example notebook.
func TestParseRealNotebooks(t *testing.T) {
	files, _ := filepath.Glob("../pipeline/testdata/kale/notebooks/*.ipynb")
	if len(files) == 0 {
		t.Fatal("no notebooks under ../pipeline/testdata/kale/notebooks")
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		nb, err := Parse(filepath.Base(f), data)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if len(nb.Cells) == 0 {
			t.Errorf("%s: no code cells", f)
		}
	}
}

func FuzzParseNotebook(f *testing.F) {
	files, _ := filepath.Glob("../pipeline/testdata/kale/oracle/*.ipynb")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"nbformat": 4, "cells": [{"cell_type": "code", "source": ["a", "b"], "metadata": {"tags": ["step:a", 1]}}]}`))
	f.Add([]byte(`{"nbformat": 4, "cells": [], "metadata": {"kubeflow_notebook": {"volumes": [{}], "steps_defaults": [1]}}}`))
	f.Add([]byte(`{"nbformat": 3}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		nb, err := Parse("fuzz.ipynb", data)
		if err != nil {
			if _, ok := diag.AsList(err); !ok {
				t.Fatalf("error %T is not a diagnostic: %v", err, err)
			}
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		for _, c := range nb.Cells {
			if c.Tags.Role == RoleStep && !ValidStepName(c.Tags.Step) {
				t.Fatalf("invalid step name %q accepted", c.Tags.Step)
			}
		}
	})
}

// TestBadStepNameIsReportedOnce: the prev: tags that name a step whose
// step: tag was rejected are not reported as more bad names; the one error
// lists their cells. Other bad prev: names are still reported.
func TestBadStepNameIsReportedOnce(t *testing.T) {
	data := nbJSON(t, okMeta,
		markdown("# Load"),
		code("x = 1", "step:Load-Data", "label:a:b"),
		code("y = x", "step:train", "prev:load-data"),
		code("z = y", "step:eval", "prev:train", "prev:Load-Data"),
		code("w = 1", "step:other", "prev:Other-Thing"),
	)
	_, err := Parse("t.ipynb", data)
	l, ok := diag.AsList(err)
	if !ok {
		t.Fatalf("got %v, want diagnostics", err)
	}
	want := []string{
		`t.ipynb: cell 2: unrecognized tag "step:Load-Data": step names are lowercase letters, digits and _ and do not start with a digit ([_a-z][_a-z0-9]*): did you mean load_data? (the prev: tags of cells 3, 4 name this step too: rename them with it)`,
		`t.ipynb: cell 5: unrecognized tag "prev:Other-Thing"`,
	}
	errs := l.Errors()
	if len(errs) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(want), errs)
	}
	for i, w := range want {
		if !strings.HasPrefix(errs[i].Error(), w) {
			t.Errorf("error %d = %q, want prefix %q", i, errs[i].Error(), w)
		}
	}
}
