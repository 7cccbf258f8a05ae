// Package validate implements `kubectl kale validate NOTEBOOK`: it compiles
// the notebook's front end (tags, metadata, parameters, metrics, dependency
// analysis) and reports every error and warning, each naming the cell.
package validate

import (
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
	g        *clioptions.Global
	Notebook string
	Build    pipeline.Options
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
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(cmd, args); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run()
		},
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

// Complete takes the notebook argument.
func (o *Options) Complete(_ *cobra.Command, args []string) error {
	o.Notebook = args[0]
	return nil
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
	data, err := ReadNotebook(o.Notebook)
	if err != nil {
		return err
	}
	p, err := pipeline.FromNotebook(o.Notebook, data, o.Build)
	out, errOut := o.g.IOStreams.Out, o.g.IOStreams.ErrOut
	if err != nil {
		l, ok := diag.AsList(err)
		if !ok {
			return err
		}
		PrintDiagnostics(errOut, l)
		return &clioptions.ExitError{Code: 1}
	}
	PrintDiagnostics(errOut, p.Diagnostics)
	_, err = fmt.Fprintf(out, "%s: ok: pipeline %s, experiment %s: %s, %s, %s\n", o.Notebook, p.Name, p.Experiment,
		plural(len(p.Steps), "step"), plural(len(p.Parameters), "parameter"), plural(len(p.Diagnostics.Warnings()), "warning"))
	return err
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
