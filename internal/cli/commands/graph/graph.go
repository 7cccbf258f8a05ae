// Package graph implements `kubectl kale graph NOTEBOOK -o text|json|dot|mermaid`:
// it prints the pipeline a notebook describes: steps, the edges between
// them with the variables on each edge, parameters and metrics.
package graph

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kubeflow-kale/kale/internal/cli/buildflags"
	"github.com/kubeflow-kale/kale/internal/cli/clioptions"
	"github.com/kubeflow-kale/kale/internal/cli/nbload"
	"github.com/kubeflow-kale/kale/pkg/pipeline"
)

// Formats are the -o values graph supports.
var Formats = []string{"text", "json", "dot", "mermaid"}

// Options holds the graph command's flags and arguments.
type Options struct {
	g        *clioptions.Global
	Notebook string
	// Build overrides the notebook's metadata, only where given.
	Build  pipeline.Options
	Output clioptions.Output
}

// NewCmd returns the graph command.
func NewCmd(g *clioptions.Global) *cobra.Command {
	o := &Options{g: g}
	cmd := &cobra.Command{
		Use:   "graph NOTEBOOK",
		Short: "Print the pipeline DAG of a Kale notebook",
		Long: `Graph compiles a notebook tagged for Kale and prints the pipeline it describes:
the steps, the prev: edges and the variables that flow along them, the
parameters each step reads and the metrics. -o json is a stable format for
scripts; dot and mermaid draw the DAG.`,
		Example: `  kubectl kale graph train.ipynb
  kubectl kale graph train.ipynb -o json | jq '.steps[].name'
  kubectl kale graph train.ipynb -o dot | dot -Tsvg > train.svg`,
		GroupID: "notebook",
		Args:    cobra.ExactArgs(1),
		RunE:    clioptions.RunE(o),
	}
	o.Output.AddFlags(cmd.Flags(), Formats...)
	buildflags.AddFlags(cmd.Flags(), &o.Build)
	return cmd
}

// Complete takes the notebook argument.
func (o *Options) Complete(_ *cobra.Command, args []string) error {
	o.Notebook = args[0]
	return nil
}

// Validate checks the output format before any I/O.
func (o *Options) Validate() error {
	return o.Output.Validate()
}

// Run compiles the notebook and prints the graph. Errors are printed like
// validate prints them, with exit status 1; warnings go to stderr except in
// the JSON form, which carries them.
func (o *Options) Run(context.Context) error {
	p, err := nbload.Check(o.g.IOStreams.ErrOut, o.Notebook, o.Build)
	if err != nil {
		return err
	}
	if !o.Output.JSON() {
		nbload.PrintDiagnostics(o.g.IOStreams.ErrOut, p.Diagnostics)
	}
	return Write(o.g.IOStreams.Out, p, o.Output.Format)
}

// Write renders p in format (one of Formats).
func Write(w interface{ Write([]byte) (int, error) }, p *pipeline.Pipeline, format string) error {
	switch format {
	case "json":
		return WriteJSON(w, p)
	case "dot":
		return WriteDOT(w, p)
	case "mermaid":
		return WriteMermaid(w, p)
	case "text":
		return WriteText(w, p)
	}
	return fmt.Errorf("unsupported output format %q", format)
}
