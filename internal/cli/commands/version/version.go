// Package version implements `kubectl kale version [-o text|json]`.
package version

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kubeflow-kale/kale/internal/cli/clioptions"
	"github.com/kubeflow-kale/kale/pkg/version"
)

// Options holds the version command's flags.
type Options struct {
	g      *clioptions.Global
	Output clioptions.Output
}

// NewCmd returns the version command.
func NewCmd(g *clioptions.Global) *cobra.Command {
	o := &Options{g: g}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the kale version",
		Args:  cobra.NoArgs,
		RunE:  clioptions.RunE(o),
	}
	o.Output.AddFlags(cmd.Flags(), "text", "json")
	return cmd
}

// Complete takes no arguments.
func (o *Options) Complete(*cobra.Command, []string) error { return nil }

// Validate checks -o.
func (o *Options) Validate() error { return o.Output.Validate() }

// Run prints the version.
func (o *Options) Run(context.Context) error {
	info := version.Get()
	if o.Output.JSON() {
		return clioptions.WriteJSON(o.g.IOStreams.Out, info)
	}
	_, err := fmt.Fprintf(o.g.IOStreams.Out, "kale %s (%s)\n", info.Version, info.GoVersion)
	return err
}
