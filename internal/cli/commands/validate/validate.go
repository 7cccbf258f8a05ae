// Package validate implements `kubectl kale validate NOTEBOOK`: it compiles
// the notebook's front end (tags, metadata, parameters, metrics, dependency
// analysis) and reports every error and warning, each naming the cell.
package validate

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kubeflow-kale/kale/internal/cli/buildflags"
	"github.com/kubeflow-kale/kale/internal/cli/clioptions"
	"github.com/kubeflow-kale/kale/internal/cli/nbload"
	"github.com/kubeflow-kale/kale/pkg/pipeline"
)

// Options holds the validate command's flags and arguments.
type Options struct {
	g        *clioptions.Global
	Notebook string
	// Build overrides the notebook's metadata, only where given.
	Build pipeline.Options
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
		RunE:    clioptions.RunE(o),
	}
	buildflags.AddFlags(cmd.Flags(), &o.Build)
	return cmd
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
func (o *Options) Run(context.Context) error {
	out, errOut := o.g.IOStreams.Out, o.g.IOStreams.ErrOut
	p, err := nbload.Check(errOut, o.Notebook, o.Build)
	if err != nil {
		return err
	}
	nbload.PrintDiagnostics(errOut, p.Diagnostics)
	_, err = fmt.Fprintf(out, "%s: ok: pipeline %s, experiment %s: %s, %s, %s\n", o.Notebook, p.Name, p.Experiment,
		plural(len(p.Steps), "step"), plural(len(p.Parameters), "parameter"), plural(len(p.Diagnostics.Warnings()), "warning"))
	return err
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
