package cli

import (
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubeflow-kale/kale/internal/cli/clioptions"
	"github.com/kubeflow-kale/kale/internal/cli/commands/compile"
	"github.com/kubeflow-kale/kale/internal/cli/commands/graph"
	"github.com/kubeflow-kale/kale/internal/cli/commands/inject"
	"github.com/kubeflow-kale/kale/internal/cli/commands/run"
	"github.com/kubeflow-kale/kale/internal/cli/commands/runs"
	"github.com/kubeflow-kale/kale/internal/cli/commands/submit"
	"github.com/kubeflow-kale/kale/internal/cli/commands/validate"
	"github.com/kubeflow-kale/kale/internal/cli/commands/version"
	"github.com/kubeflow-kale/kale/pkg/contract"
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
	if invokedAs == contract.Command {
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
	// kubectl's cluster flags are registered by the commands that talk to a
	// cluster (run, runs, submit), not here: offline commands show only
	// their own flags.

	root.AddGroup(
		&cobra.Group{ID: "notebook", Title: "Notebook commands:"},
		&cobra.Group{ID: "kfp", Title: "Kubeflow Pipelines commands:"},
		&cobra.Group{ID: "cluster", Title: "Cluster commands:"},
	)
	root.AddCommand(version.NewCmd(g))
	root.AddCommand(compile.NewCmd(g))
	root.AddCommand(validate.NewCmd(g))
	root.AddCommand(graph.NewCmd(g))
	root.AddCommand(submit.NewCmd(g))
	root.AddCommand(runs.NewCmd(g))
	root.AddCommand(run.NewCmd(g))
	root.AddCommand(inject.NewCmd(g))
	completeNotebooks(root)
	return root
}

// completeNotebooks makes every command whose argument is a NOTEBOOK
// complete .ipynb files (and folders) in the shell.
func completeNotebooks(root *cobra.Command) {
	for _, c := range root.Commands() {
		if c.ValidArgsFunction == nil && strings.Contains(c.Use, "NOTEBOOK") {
			c.ValidArgsFunction = func(_ *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
				if len(args) > 0 {
					return nil, cobra.ShellCompDirectiveNoFileComp
				}
				return []string{"ipynb"}, cobra.ShellCompDirectiveFilterFileExt
			}
		}
	}
}
