// Package cli wires kubectl-kale's cobra commands. Each subcommand lives in
// its own package with a Complete/Validate/Run options struct; this package
// only assembles them under the root command.
package cli

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubeflow-kale/kale/pkg/cli/clioptions"
	"github.com/kubeflow-kale/kale/pkg/cli/compile"
	"github.com/kubeflow-kale/kale/pkg/cli/graph"
	"github.com/kubeflow-kale/kale/pkg/cli/inject"
	"github.com/kubeflow-kale/kale/pkg/cli/run"
	"github.com/kubeflow-kale/kale/pkg/cli/runs"
	"github.com/kubeflow-kale/kale/pkg/cli/submit"
	"github.com/kubeflow-kale/kale/pkg/cli/validate"
	"github.com/kubeflow-kale/kale/pkg/version"
)

// NewRootCmd returns the kubectl-kale command tree. invokedAs is the
// program's base name: "kale" inside notebook pods, "kubectl-kale" otherwise.
func NewRootCmd(streams genericiooptions.IOStreams, invokedAs string) *cobra.Command {
	g := &clioptions.Global{
		ConfigFlags: genericclioptions.NewConfigFlags(true),
		IOStreams:   streams,
		InvokedAs:   invokedAs,
	}
	// kubectl plugins show as "kubectl kale" in help; inside notebook pods
	// the same binary is called "kale".
	display := "kubectl kale"
	if invokedAs == "kale" {
		display = "kale"
	}
	root := &cobra.Command{
		Use:         "kubectl-kale",
		Annotations: map[string]string{cobra.CommandDisplayNameAnnotation: display},
		Short:       "Compile, run and submit Kale-annotated Jupyter notebooks as Kubeflow pipelines",
		Long: `kale turns a Jupyter notebook tagged for Kale into a Kubeflow Pipelines v2
pipeline, runs it on this machine, submits it to Kubeflow Pipelines and follows the run.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	g.ConfigFlags.AddFlags(root.PersistentFlags())

	root.AddGroup(
		&cobra.Group{ID: "notebook", Title: "Notebook commands:"},
		&cobra.Group{ID: "kfp", Title: "Kubeflow Pipelines commands:"},
		&cobra.Group{ID: "cluster", Title: "Cluster commands:"},
	)
	root.AddCommand(newVersionCmd(g))
	root.AddCommand(compile.NewCmd(g))
	root.AddCommand(validate.NewCmd(g))
	root.AddCommand(graph.NewCmd(g))
	root.AddCommand(submit.NewCmd(g))
	root.AddCommand(runs.NewCmd(g))
	root.AddCommand(run.NewCmd(g))
	root.AddCommand(inject.NewCmd(g))
	return root
}

func newVersionCmd(g *clioptions.Global) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the kale version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := clioptions.ValidateOutput(output, "text", "json"); err != nil {
				return err
			}
			info := version.Get()
			if output == "json" {
				enc := json.NewEncoder(g.IOStreams.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(info)
			}
			_, err := fmt.Fprintf(g.IOStreams.Out, "kale %s (%s)\n", info.Version, info.GoVersion)
			return err
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text|json")
	return cmd
}
