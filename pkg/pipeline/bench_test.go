package pipeline

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const titanic = "main-2026-05__examples__titanic-ml-dataset__titanic_dataset_ml.ipynb"

func readTitanic(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(kaleData, "notebooks", titanic))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// BenchmarkBuild measures the whole front end (parse + build) on the
// titanic example and on a generated 500-cell, 100-step notebook.
func BenchmarkBuild(b *testing.B) {
	cases := []struct {
		name string
		data []byte
	}{
		{"titanic", readTitanic(b)},
		{"generated-500-cells-100-steps", generateNotebook(b, 100, 5)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.data)))
			for b.Loop() {
				if _, err := FromNotebook("bench.ipynb", c.data, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// generateNotebook writes a notebook of steps*cellsPerStep cells: an
// imports cell, a parameters cell, then steps chained with prev: (each also
// reaching back to the step two before), each step a few cells of
// realistic data-science code reading what earlier steps made.
func generateNotebook(t testing.TB, steps, cellsPerStep int) []byte {
	t.Helper()
	type cellJSON struct {
		CellType string         `json:"cell_type"`
		Source   []string       `json:"source"`
		Metadata map[string]any `json:"metadata"`
		Outputs  []any          `json:"outputs"`
	}
	lines := func(s string) []string { return strings.SplitAfter(s, "\n") }
	cells := []cellJSON{
		{"code", lines("import numpy as np\nimport pandas as pd\nfrom sklearn.linear_model import LogisticRegression\n%matplotlib inline"), map[string]any{"tags": []string{"imports"}}, []any{}},
		{"code", lines("LR = 0.01\nEPOCHS = 10\nNAME = 'run'\nSEED = -1"), map[string]any{"tags": []string{"pipeline-parameters"}}, []any{}},
		{"code", lines("def normalize(df):\n    return (df - df.mean()) / df.std()\n\ndef score(model, x, y):\n    return model.score(x, y)"), map[string]any{"tags": []string{"functions"}}, []any{}},
	}
	for s := range steps {
		tags := []string{fmt.Sprintf("step:step_%d", s)}
		if s > 0 {
			tags = append(tags, fmt.Sprintf("prev:step_%d", s-1))
		}
		if s > 1 {
			tags = append(tags, fmt.Sprintf("prev:step_%d", s-2))
		}
		for k := range cellsPerStep {
			var src string
			switch {
			case s == 0 && k == 0:
				src = "df_0 = pd.DataFrame(np.random.rand(100, 4), columns=list('abcd'))\nlabels_0 = (df_0['a'] > 0.5).astype(int)"
			case k == 0:
				src = fmt.Sprintf("df_%d = normalize(df_%d.copy())\nlabels_%d = labels_%d\nfor col in df_%d.columns:\n    df_%d[col] = df_%d[col] * LR", s, s-1, s, s-1, s, s, s)
			case k == 1:
				src = fmt.Sprintf("model_%d = LogisticRegression(max_iter=EPOCHS)\nmodel_%d.fit(df_%d, labels_%d)", s, s, s, s)
			case k == 2:
				src = fmt.Sprintf("acc_%d = score(model_%d, df_%d, labels_%d)\nprint(f'{NAME} step %d: {acc_%d:.3f}')", s, s, s, s, s, s)
			case k == 3:
				src = fmt.Sprintf("stats_%d = {c: float(df_%d[c].mean()) for c in df_%d.columns}\nbest_%d = max(stats_%d, key=stats_%d.get)", s, s, s, s, s, s)
			default:
				prev := s - 2
				if prev < 0 {
					prev = 0
				}
				src = fmt.Sprintf("summary_%d = [acc_%d, best_%d, len(df_%d)]\nprint(summary_%d)", s, s, s, prev, s)
			}
			md := map[string]any{}
			if k == 0 {
				md["tags"] = tags
			}
			cells = append(cells, cellJSON{"code", lines(src), md, []any{}})
		}
	}
	cells = append(cells, cellJSON{"code", lines(fmt.Sprintf("print(acc_%d)", steps-1)), map[string]any{"tags": []string{"pipeline-metrics"}}, []any{}})
	data, err := json.Marshal(map[string]any{
		"nbformat": 4, "nbformat_minor": 5, "cells": cells,
		"metadata": map[string]any{"kubeflow_notebook": map[string]any{"pipeline_name": "generated", "experiment_name": "bench"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestGeneratedNotebook checks the benchmark's notebook builds into what
// the generator means: 500+ cells, 100 steps, data flowing down the chain.
func TestGeneratedNotebook(t *testing.T) {
	data := generateNotebook(t, 100, 5)
	p, err := FromNotebook("gen.ipynb", data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Steps) != 100 {
		t.Fatalf("%d steps, want 100", len(p.Steps))
	}
	s := p.Step("step_50")
	if got := strings.Join(s.Ins, ","); got != "df_48,df_49,labels_49" {
		t.Errorf("step_50 ins = %s", got)
	}
	if got := strings.Join(s.Parameters, ","); got != "EPOCHS,LR,NAME" {
		t.Errorf("step_50 params = %s", got)
	}
	if len(p.Metrics) != 1 || p.Metrics[0].Step != "step_99" {
		t.Errorf("metrics %+v", p.Metrics)
	}
}
