package compiler

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeflow-kale/kale/pkg/pipeline"
)

// benchCompile measures Compile plus the YAML encoding: the back end of
// `kubectl kale compile`.
func benchCompile(b *testing.B, p *pipeline.Pipeline) {
	b.ReportAllocs()
	opts := Options{DefaultImage: "python:3.12", NotebookName: "bench.ipynb"}
	for b.Loop() {
		r, err := Compile(p, opts)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.YAML(); err != nil {
			b.Fatal(err)
		}
	}
}

// benchNotebook measures the whole of `kubectl kale compile` after reading
// the file: front end (parse, analysis, build), IR and YAML.
func benchNotebook(b *testing.B, name string, data []byte) {
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	opts := Options{DefaultImage: "python:3.12"}
	for b.Loop() {
		_, r, err := CompileNotebook(name, data, pipeline.Options{}, opts)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.YAML(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompileTitanic(b *testing.B) {
	path := filepath.Join("testdata", "notebooks", "examples", "main-2026-05__examples__titanic-ml-dataset__titanic_dataset_ml.ipynb")
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	benchNotebook(b, filepath.Base(path), data)
}

func BenchmarkCompile500Cells(b *testing.B) {
	benchNotebook(b, "generated.ipynb", generatedNotebook(b, 500))
}

func BenchmarkCompileModelTitanic(b *testing.B) { benchCompile(b, titanicLike()) }

func BenchmarkCompileModel500Steps(b *testing.B) { benchCompile(b, generated(500)) }

// generatedNotebook writes a notebook of n code cells: imports, parameters,
// then a new step every other cell (the cell between merges into it), each
// step reading the values of the two steps before it and of one seven
// steps back, so data flows along many edges.
func generatedNotebook(tb testing.TB, n int) []byte {
	type cell struct {
		CellType       string         `json:"cell_type"`
		ExecutionCount *int           `json:"execution_count"`
		Metadata       map[string]any `json:"metadata"`
		Outputs        []any          `json:"outputs"`
		Source         string         `json:"source"`
	}
	cells := []cell{
		{CellType: "code", Metadata: map[string]any{"tags": []string{"imports"}}, Source: "import math\nimport json"},
		{CellType: "code", Metadata: map[string]any{"tags": []string{"pipeline-parameters"}}, Source: "scale = 1.5\nlabel = 'x'"},
	}
	step := 0
	for len(cells) < n {
		var src strings.Builder
		fmt.Fprintf(&src, "v%d = math.sqrt(%d) * scale\n", step, step)
		for _, back := range []int{1, 2, 7} {
			if step-back >= 0 {
				fmt.Fprintf(&src, "v%d = v%d + v%d\n", step, step, step-back)
			}
		}
		src.WriteString("for i in range(3):\n    tmp = [x * i for x in range(10)]\n")
		tags := []string{fmt.Sprintf("step:s%d", step)}
		if step > 0 {
			tags = append(tags, fmt.Sprintf("prev:s%d", step-1))
		}
		cells = append(cells, cell{CellType: "code", Metadata: map[string]any{"tags": tags}, Source: src.String()})
		if len(cells) < n {
			cells = append(cells, cell{CellType: "code", Metadata: map[string]any{}, Source: fmt.Sprintf("print(label, v%d)\nresult_%d = json.dumps({'v': v%d})", step, step, step)})
		}
		step++
	}
	for i := range cells {
		cells[i].Outputs = []any{}
	}
	nb := map[string]any{
		"nbformat": 4, "nbformat_minor": 5, "cells": cells,
		"metadata": map[string]any{"kubeflow_notebook": map[string]any{"pipeline_name": "generated", "experiment_name": "bench"}},
	}
	data, err := json.Marshal(nb)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func TestGeneratedNotebookCompiles(t *testing.T) {
	p, r, err := CompileNotebook("generated.ipynb", generatedNotebook(t, 500), pipeline.Options{}, Options{DefaultImage: "img"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Steps) != 249 {
		t.Errorf("%d steps, want 249", len(p.Steps))
	}
	if err := Check(r); err != nil {
		t.Fatal(err)
	}
	// v8 and v3 are re-read by s9 and s5, the nearest steps that mention
	// them, so Kale loads them from there.
	if got := tasks(r)["s10"].GetDependentTasks(); strings.Join(got, ",") != "s5,s9" {
		t.Errorf("s10 depends on %v, want [s5 s9]", got)
	}
}

// BenchmarkLoad500Steps reads back the YAML of a 500-step pipeline, as the
// local runner and submit do.
func BenchmarkLoad500Steps(b *testing.B) {
	r, err := Compile(generated(500), Options{DefaultImage: "python:3.12"})
	if err != nil {
		b.Fatal(err)
	}
	y, err := r.YAML()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(y)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(y); err != nil {
			b.Fatal(err)
		}
	}
}
