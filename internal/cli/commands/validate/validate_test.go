package validate_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubeflow-kale/kale/internal/cli"
	"github.com/kubeflow-kale/kale/internal/cli/clioptions"
)

const kaleData = "../../../../pkg/pipeline/testdata/kale"

func run(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := cli.NewRootCmd(genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, "kubectl-kale")
	root.SetArgs(args)
	err := root.Execute()
	var exit *clioptions.ExitError
	switch {
	case errors.As(err, &exit):
		return out.String(), errOut.String(), exit.Code
	case err != nil:
		return out.String(), errOut.String() + "error: " + err.Error(), 1
	}
	return out.String(), errOut.String(), 0
}

func TestValidate(t *testing.T) {
	oracle := func(n string) string { return kaleData + "/oracle/" + n + ".ipynb" }
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		// stderr lines, in order, each a prefix of the actual line.
		stderr []string
	}{
		{name: "clean notebook", args: []string{"validate", oracle("nearest_ancestor")},
			stdout: oracle("nearest_ancestor") + ": ok: pipeline edge, experiment exp: 3 steps, 0 parameters, 0 warnings\n"},
		{name: "warnings go to stderr", args: []string{"validate", oracle("untagged_first")},
			stdout: oracle("untagged_first") + ": ok: pipeline edge, experiment exp: 2 steps, 0 parameters, 2 warnings\n",
			stderr: []string{
				"warning: " + oracle("untagged_first") + ": cell 1: cell belongs to no step",
				"warning: " + oracle("untagged_first") + ": cell 3: line 1: step b reads x, which no ancestor step defines"}},
		{name: "parameters are counted", args: []string{"validate", oracle("upper_param")},
			stdout: oracle("upper_param") + ": ok: pipeline edge, experiment exp: 1 step, 3 parameters, 0 warnings\n"},
		{name: "error names the cell", args: []string{"validate", oracle("dash_step")}, code: 1,
			stderr: []string{oracle("dash_step") + `: cell 1: unrecognized tag "step:load-data": step names are lowercase letters, digits and _ and do not start with a digit ([_a-z][_a-z0-9]*): did you mean load_data?`}},
		{name: "metrics not last", args: []string{"validate", oracle("metrics_not_last")}, code: 1,
			stderr: []string{oracle("metrics_not_last") + ": cell 3: step:b comes after a pipeline-metrics cell"}},
		{name: "experiment flag silences the default-experiment warning",
			args:   []string{"validate", kaleData + "/notebooks/main-2026-05__examples__base__candies_sharing.ipynb", "--experiment", "kids"},
			stdout: kaleData + "/notebooks/main-2026-05__examples__base__candies_sharing.ipynb: ok: pipeline candies-sharing, experiment kids: 4 steps, 1 parameter, 0 warnings\n"},
		{name: "missing file", args: []string{"validate", "nope.ipynb"}, code: 1, stderr: []string{"error: read notebook: open nope.ipynb"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := run(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tt.code, errOut)
			}
			if out != tt.stdout {
				t.Errorf("stdout %q, want %q", out, tt.stdout)
			}
			lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
			if errOut == "" {
				lines = nil
			}
			if len(lines) != len(tt.stderr) {
				t.Fatalf("stderr has %d lines, want %d:\n%s", len(lines), len(tt.stderr), errOut)
			}
			for i, want := range tt.stderr {
				if !strings.HasPrefix(lines[i], want) {
					t.Errorf("stderr line %d = %q, want prefix %q", i, lines[i], want)
				}
			}
		})
	}
}

// TestValidateEveryExample runs validate on every bundled notebook: all
// must pass (exit 0) and print the one-line summary.
func TestValidateEveryExample(t *testing.T) {
	files, _ := filepath.Glob(kaleData + "/notebooks/*.ipynb")
	if len(files) == 0 {
		t.Fatal("no notebooks")
	}
	for _, f := range files {
		out, errOut, code := run(t, "validate", f)
		if code != 0 || !strings.HasPrefix(out, f+": ok: pipeline ") {
			t.Errorf("%s: exit %d, stdout %q, stderr:\n%s", f, code, out, errOut)
		}
	}
}

func TestValidateCollectsEveryError(t *testing.T) {
	nb := `{"nbformat": 4, "nbformat_minor": 4, "metadata": {"kubeflow_notebook": {"pipeline_name": "p", "experiment_name": "e"}},
 "cells": [
  {"cell_type": "code", "source": "a = 1", "metadata": {"tags": ["step:A"]}},
  {"cell_type": "markdown", "source": "text", "metadata": {}},
  {"cell_type": "code", "source": "b = 1", "metadata": {"tags": ["step:b", "cache:maybe"]}}
 ]}`
	path := filepath.Join(t.TempDir(), "bad.ipynb")
	if err := os.WriteFile(path, []byte(nb), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := run(t, "validate", path)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	want := path + `: cell 1: unrecognized tag "step:A"` + "\n"
	if !strings.HasPrefix(errOut, want[:len(want)-1]) || !strings.Contains(errOut, path+`: cell 3: tag "cache:maybe": expected cache:enabled or cache:disabled`) {
		t.Errorf("stderr:\n%s\nwant errors for cells 0 and 2", errOut)
	}
}
