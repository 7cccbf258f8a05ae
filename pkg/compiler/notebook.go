package compiler

import "github.com/kubeflow-kale/kale/pkg/pipeline"

// CompileNotebook is the whole path from notebook bytes to IR: it builds the
// pipeline model (pipeline.FromNotebook) and compiles it. name is the path
// or name the user gave; it prefixes every diagnostic and, unless
// copts.NotebookName says otherwise, names the notebook in step tracebacks
// (by its file name only, see NotebookFile).
// The model is returned even when compilation fails, so callers can print
// its warnings; Result.Warnings already includes them on success. Errors
// are diag.Lists.
func CompileNotebook(name string, data []byte, popts pipeline.Options, copts Options) (*pipeline.Pipeline, *Result, error) {
	if popts.DefaultImage == "" {
		// The model warns about steps left in the built-in image; it must
		// know the image this compilation gives them.
		popts.DefaultImage = copts.DefaultImage
	}
	p, err := pipeline.FromNotebook(name, data, popts)
	if err != nil {
		return nil, nil, err
	}
	if copts.NotebookName == "" {
		copts.NotebookName = name
	}
	r, err := Compile(p, copts)
	if err != nil {
		return p, nil, err
	}
	return p, r, nil
}
