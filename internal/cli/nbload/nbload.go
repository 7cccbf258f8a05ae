// Package nbload reads a notebook and runs the compiler on it for the
// commands: the front end only (Check: validate, graph) or all the way to
// KFP IR (Compile: compile, run, Kale's legacy command line). Diagnostics go
// to the command's stderr in one form, warnings first; a notebook with
// errors becomes exit status 1.
package nbload

import (
	"fmt"
	"io"

	"github.com/kubeflow-kale/kale/internal/cli/clioptions"
	"github.com/kubeflow-kale/kale/pkg/compiler"
	"github.com/kubeflow-kale/kale/pkg/diag"
	"github.com/kubeflow-kale/kale/pkg/notebook"
	"github.com/kubeflow-kale/kale/pkg/pipeline"
)

// Read reads a notebook argument (a local file path).
func Read(path string) ([]byte, error) {
	return notebook.ReadFile(path)
}

// Check reads the notebook at path and runs the compiler's front end on it.
// When the notebook has errors the diagnostics are written to errOut and
// the error is an *clioptions.ExitError with status 1; other errors are
// returned as they are. The warnings of a notebook without errors are left
// to the caller (graph -o json carries them instead).
func Check(errOut io.Writer, path string, build pipeline.Options) (*pipeline.Pipeline, error) {
	data, err := Read(path)
	if err != nil {
		return nil, err
	}
	p, err := pipeline.FromNotebook(path, data, build)
	if err != nil {
		l, ok := diag.AsList(err)
		if !ok {
			return nil, err
		}
		PrintDiagnostics(errOut, l)
		return nil, &clioptions.ExitError{Code: 1}
	}
	return p, nil
}

// Compile compiles a notebook (named name in diagnostics) and writes its
// warnings to errOut. When the notebook has errors they are written too,
// after the warnings, and the error is an *clioptions.ExitError with status
// 1; other errors are returned as they are.
func Compile(errOut io.Writer, name string, data []byte, build pipeline.Options, co compiler.Options) (*pipeline.Pipeline, *compiler.Result, error) {
	p, res, err := compiler.CompileNotebook(name, data, build, co)
	if err != nil {
		if p != nil {
			PrintDiagnostics(errOut, p.Diagnostics.Warnings())
		}
		l, ok := diag.AsList(err)
		if !ok {
			return nil, nil, err
		}
		PrintDiagnostics(errOut, l)
		return nil, nil, &clioptions.ExitError{Code: 1}
	}
	PrintDiagnostics(errOut, res.Warnings)
	return p, res, nil
}

// PrintDiagnostics writes warnings as `warning: NOTEBOOK: cell N: message`,
// then errors as `NOTEBOOK: cell N: message`, one per line.
func PrintDiagnostics(w io.Writer, l diag.List) {
	for _, d := range l.Warnings() {
		fmt.Fprintf(w, "warning: %s\n", d.Error())
	}
	for _, d := range l.Errors() {
		fmt.Fprintln(w, d.Error())
	}
}
