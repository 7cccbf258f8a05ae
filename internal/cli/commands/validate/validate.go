// Package validate implements `kubectl kale validate NOTEBOOK`: it compiles
// the notebook's front end (tags, metadata, parameters, metrics, dependency
// analysis) and reports every error and warning, each naming the cell.
package validate

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/kubeflow-kale/kale/pkg/cli/clioptions"
	"github.com/kubeflow-kale/kale/pkg/diag"
	"github.com/kubeflow-kale/kale/pkg/pipeline"
)

// Options holds the validate command's flags and arguments.
type Options struct {
	g *clioptions.Global
	NotebookOptions
}

// NotebookOptions are the NOTEBOOK argument and the flags that override the
// notebook's metadata (AddBuildFlags); validate, graph, compile and run
// embed them.
type NotebookOptions struct {
	Notebook string
	// Build overrides the notebook's metadata, only where given.
	Build pipeline.Options
}

// Complete takes the notebook argument.
func (n *NotebookOptions) Complete(_ *cobra.Command, args []string) error {
	n.Notebook = args[0]
	return nil
}

// NewCmd returns the validate command.
func NewCmd(g *clioptions.Global) *cobra.Command {
	o := &Options{g: g}
	cmd := &cobra.Command{
		Use:   "validate NOTEBOOK",
		Short: "Check a Kale notebook and report every error and warning by cell",
		Long: `Validate reads a notebook tagged for Kale (Kale 2.x or the v0.7 format) and
runs the compiler's front end on it: cell tags, notebook metadata, pipeline
parameters and metrics, and the analysis of the variables that flow between
steps. Warnings go to stderr; errors are printed as NOTEBOOK: cell N: message
and make the command exit with status 1. On success a one-line summary is
printed on stdout.`,
		Example: `  kubectl kale validate train.ipynb
  kubectl kale validate train.ipynb --experiment nightly`,
		GroupID: "notebook",
		Args:    cobra.ExactArgs(1),
		RunE:    clioptions.RunE(o, func(context.Context) error { return o.Run() }),
	}
	AddBuildFlags(cmd, &o.Build)
	return cmd
}

// AddBuildFlags adds the flags that override notebook metadata.
func AddBuildFlags(cmd *cobra.Command, b *pipeline.Options) {
	cmd.Flags().StringVar(&b.PipelineName, "pipeline-name", "", "pipeline name (overrides the notebook's pipeline_name)")
	cmd.Flags().StringVar(&b.Experiment, "experiment", "", "KFP experiment (overrides the notebook's experiment_name)")
	cmd.Flags().StringVar(&b.BaseImage, "base-image", "", "image of steps without an image: tag (overrides the notebook's base_image)")
}

// Validate rejects an empty notebook path.
func (o *Options) Validate() error {
	if o.Notebook == "" {
		return fmt.Errorf("a notebook path is required")
	}
	return nil
}

// Run compiles the notebook and prints the diagnostics and the summary.
func (o *Options) Run() error {
	out, errOut := o.g.IOStreams.Out, o.g.IOStreams.ErrOut
	p, err := Notebook(errOut, o.Notebook, o.Build)
	if err != nil {
		return err
	}
	PrintDiagnostics(errOut, p.Diagnostics)
	_, err = fmt.Fprintf(out, "%s: ok: pipeline %s, experiment %s: %s, %s, %s\n", o.Notebook, p.Name, p.Experiment,
		plural(len(p.Steps), "step"), plural(len(p.Parameters), "parameter"), plural(len(p.Diagnostics.Warnings()), "warning"))
	return err
}

// Notebook reads the notebook at path and runs the compiler's front end on
// it. When the notebook has errors the diagnostics are written to errOut
// and the error is an *clioptions.ExitError with status 1; other errors are
// returned as they are. The warnings of a notebook without errors are left
// to the caller. validate and graph both check notebooks through it.
func Notebook(errOut io.Writer, path string, build pipeline.Options) (*pipeline.Pipeline, error) {
	data, err := ReadNotebook(path)
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

// ReadNotebook reads a notebook argument (a local file path).
func ReadNotebook(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read notebook: %w", err)
	}
	return data, nil
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

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
