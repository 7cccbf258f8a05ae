package compiler

import (
	"strings"
	"testing"

	"github.com/kubeflow-kale/kale/pkg/pipeline"
)

// TestCompileNotebookTellsTheModelTheDefaultImage: the pipeline model warns
// about steps left in the built-in image only when this compilation really
// gives them that image (not when it uses a notebook pod's image).
func TestCompileNotebookTellsTheModelTheDefaultImage(t *testing.T) {
	t.Setenv(EnvDefaultBaseImage, "")
	nb := `{"nbformat": 4, "nbformat_minor": 5, "metadata": {"kubeflow_notebook": {"pipeline_name": "p", "experiment_name": "e"}},
		"cells": [{"cell_type": "code", "source": "import pandas", "metadata": {"tags": ["step:a"]}, "outputs": []}]}`
	for _, tt := range []struct {
		image string
		warn  bool
	}{{"", true}, {DefaultBaseImage, true}, {"jupyter/scipy-notebook:2024", false}} {
		_, res, err := CompileNotebook("nb.ipynb", []byte(nb), pipeline.Options{}, Options{DefaultImage: tt.image})
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Contains(res.Warnings.Error(), "nb.ipynb: cell 1: step a imports pandas, which is not in the Python standard library, and runs in the default image python:3.12")
		if got != tt.warn {
			t.Errorf("default image %q: warned %v, want %v: %v", tt.image, got, tt.warn, res.Warnings)
		}
	}
}
