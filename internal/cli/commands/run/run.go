// Package run implements `kubectl kale run NOTEBOOK`: compile a Kale
// notebook and run it, on Kubeflow Pipelines (remote.go: submit, follow,
// read the notebook from a notebook pod, submit through that pod) or on this
// machine with --local (local.go).
package run

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/kubeflow-kale/kale/internal/cli/buildflags"
	"github.com/kubeflow-kale/kale/internal/cli/clioptions"
	"github.com/kubeflow-kale/kale/internal/cli/nbload"
	"github.com/kubeflow-kale/kale/pkg/compiler"
	"github.com/kubeflow-kale/kale/pkg/kfp"
	"github.com/kubeflow-kale/kale/pkg/pipeline"
)

// Options holds the run command's flags and arguments.
type Options struct {
	g        *clioptions.Global
	Notebook string
	// Build overrides the notebook's metadata, only where given.
	Build pipeline.Options
	// Params are --param NAME=VALUE: run parameters on KFP, new parameter
	// values for a local run.
	Params []string
	Output clioptions.Output
	// Local runs the pipeline on this machine instead of on KFP.
	Local  bool
	Remote Remote
	// LocalFlags are read by --local runs only (local.go).
	LocalFlags LocalFlags
}

// NewCmd returns the run command.
func NewCmd(g *clioptions.Global) *cobra.Command {
	return newCmd(&Options{g: g, Remote: Remote{Env: kfp.OSEnv()}})
}

func newCmd(o *Options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "run NOTEBOOK",
		Short: "Compile a Kale notebook and run it on Kubeflow Pipelines (or locally with --local)",
		Long: `Run compiles a notebook tagged for Kale and submits it to Kubeflow Pipelines:
it finds or creates the experiment, creates the run and prints its id and UI
link (KF_PIPELINES_UI_ENDPOINT, else the endpoint). --watch follows the run,
showing each task's state (a live table on a terminal, one line per change
otherwise), and the exit status is 0 only when the run SUCCEEDED (2 when it
ended otherwise, 1 for errors). Flags override the notebook's metadata only
when given.

NOTEBOOK is a local file, POD:PATH (a notebook pod's file, read by exec with
-n/--context/-c), or a path in the pod of --notebook NAME (a Kubeflow
Notebook). A notebook from a pod compiles with the pod's image as default
step image, its volumes mounted at the same paths, and its PodDefault labels.

The KFP endpoint is --kfp-endpoint, else $KF_PIPELINES_ENDPOINT, else the
in-cluster service when a KFP token is mounted. Without one, a notebook from
a pod that has the kale tooling is submitted through the pod ("kale submit -"
in its container, with the pod's own KFP credentials).`,
		Example: `  kubectl kale run train.ipynb --kfp-endpoint http://localhost:8888 --watch
  kubectl kale run my-notebook-0:/home/jovyan/train.ipynb -n team-a --param lr=0.1
  kubectl kale run --notebook my-notebook train.ipynb -n team-a -o json
  kubectl kale run train.ipynb --dry-run
  kale run train.ipynb --watch        # inside the notebook's terminal`,
		GroupID: "kfp",
		Args:    cobra.ExactArgs(1),
		RunE:    clioptions.RunE(o),
	}
	f := cmd.Flags()
	buildflags.AddFlags(f, &o.Build)
	buildflags.AddDescription(f, &o.Build)
	buildflags.AddParams(f, &o.Params, buildflags.ParamValues)
	o.Output.AddFlags(f, "text", "json")
	f.BoolVar(&o.Local, "local", false, "run the pipeline on this machine with python3 instead of on Kubeflow Pipelines")
	o.Remote.AddFlags(f)
	o.LocalFlags.AddFlags(f)
	// run serves notebooks in pods and KFP as well as --local: it keeps
	// kubectl's flags.
	o.g.AddClusterFlags(cmd)
	return cmd
}

// Complete takes the notebook argument.
func (o *Options) Complete(_ *cobra.Command, args []string) error {
	o.Notebook = args[0]
	return nil
}

// Validate checks flags before any I/O.
func (o *Options) Validate() error {
	if o.Notebook == "" {
		return errors.New("a notebook is required")
	}
	if err := o.Output.Validate(); err != nil {
		return err
	}
	if o.Local && (o.Remote.Sub.Upload || o.Remote.Sub.Watch || o.Remote.DryRun || o.Remote.KFP.Settings.Endpoint != "") {
		return errors.New("--local runs on this machine: --upload, --watch, --dry-run and --kfp-endpoint do not apply")
	}
	return nil
}

// Run reads and compiles the notebook, then runs it.
func (o *Options) Run(ctx context.Context) error {
	errOut := o.g.IOStreams.ErrOut
	nb, err := o.Remote.ReadNotebook(ctx, o.g, o.Notebook, errOut)
	if err != nil {
		return err
	}
	popts := o.Build
	image := nb.FromPod(&popts)
	p, ir, err := nbload.Compile(errOut, nb.Name, nb.Data, popts, compiler.Options{DefaultImage: image, NotebookName: nb.Name})
	if err != nil {
		return err
	}
	if o.Local {
		return o.runLocal(ctx, ir)
	}
	return o.Remote.Submit(ctx, o.g, nb, p, ir, o.Params, o.Output.JSON())
}
