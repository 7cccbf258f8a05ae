// Package submit implements `kale submit -`: it reads a compiled pipeline
// (KFP IR, YAML or JSON) from stdin or a file and submits it to Kubeflow
// Pipelines, optionally following the run. Inside a notebook pod it uses the
// pod's own KFP credentials; `kubectl kale run POD:PATH` execs it there. The
// package also holds what every KFP command shares: the connection flags,
// the submission itself and the live view of a run.
package submit

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubeflow-kale/kale/pkg/cli/clioptions"
	"github.com/kubeflow-kale/kale/pkg/compiler"
	"github.com/kubeflow-kale/kale/pkg/kfp"
	"github.com/kubeflow-kale/kale/pkg/pipeline"
)

// maxIR bounds the size of a pipeline read from stdin or a file.
const maxIR = 64 << 20

// Options holds the submit command's flags.
type Options struct {
	g      *clioptions.Global
	KFP    KFPFlags
	Sub    RunFlags
	Source string
	// Env and Watch are replaced by tests.
	Env   kfp.Env
	Watch kfp.WatchOptions
}

// NewCmd returns the submit command.
func NewCmd(g *clioptions.Global) *cobra.Command {
	return newCmd(&Options{g: g, Env: kfp.OSEnv()})
}

func newCmd(o *Options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "submit (-|FILE)",
		Short: "Submit a compiled pipeline (KFP IR) to Kubeflow Pipelines",
		Long: `Submit reads a compiled pipeline, the YAML or JSON that "kubectl kale compile"
writes, from stdin (-) or a file, and creates a run on Kubeflow Pipelines:
it finds or creates the experiment, optionally uploads the pipeline, and
starts the run. Inside a notebook pod prepared by the kale webhook the
endpoint and token come from the pod (KF_PIPELINES_ENDPOINT and the token at
KF_PIPELINES_SA_TOKEN_PATH); "kubectl kale run POD:PATH" uses this command to
submit through the pod.`,
		Example: `  kubectl kale compile train.ipynb | kale submit - --experiment nightly --watch
  kale submit pipeline.yaml --param lr=0.1 -o json`,
		GroupID: "kfp",
		Args:    cobra.ExactArgs(1),
		RunE:    clioptions.RunE(o, o.Run),
	}
	o.KFP.AddFlags(cmd.Flags())
	o.Sub.AddFlags(cmd.Flags(), "KFP experiment, created when missing (default "+pipeline.DefaultExperiment+")")
	cmd.Flags().StringVarP(&o.Sub.Output, "output", "o", "text", "output format: text|json")
	return cmd
}

// Complete takes the source argument.
func (o *Options) Complete(_ *cobra.Command, args []string) error {
	o.Source = args[0]
	if o.Sub.Experiment == "" {
		o.Sub.Experiment = pipeline.DefaultExperiment
	}
	return nil
}

// Validate checks flags before any I/O.
func (o *Options) Validate() error {
	if o.Source == "" {
		return fmt.Errorf("name a file, or - for stdin")
	}
	return o.Sub.ValidateOutput()
}

// Run reads the pipeline, submits it and reports.
func (o *Options) Run(ctx context.Context) error {
	data, err := o.read()
	if err != nil {
		return err
	}
	ir, err := compiler.Load(data)
	if err != nil {
		return fmt.Errorf("reading the pipeline from %s: %w", o.sourceName(), err)
	}
	params, err := RuntimeParameters(ir.PipelineSpec, o.Sub.Params)
	if err != nil {
		return err
	}
	c, _, err := o.KFP.Client(o.Env)
	if err != nil {
		return err
	}
	req := Request{
		IR: ir, Experiment: o.Sub.Experiment, RunName: o.Sub.RunName, Parameters: params, Upload: o.Sub.Upload,
		Namespace: func() (string, error) { return o.KFP.ResolveNamespace(o.g, o.Env.Getenv) },
	}
	return Deliver(ctx, o.g.IOStreams, c, req, o.Sub, "", o.Watch)
}

func (o *Options) read() ([]byte, error) {
	var r io.Reader
	if o.Source == "-" {
		r = o.g.IOStreams.In
	} else {
		f, err := os.Open(o.Source)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxIR+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", o.sourceName(), err)
	}
	if len(data) > maxIR {
		return nil, fmt.Errorf("%s is larger than %d MB", o.sourceName(), maxIR>>20)
	}
	if len(data) == 0 {
		return nil, fmt.Errorf("%s is empty: expected a compiled pipeline (YAML or JSON)", o.sourceName())
	}
	return data, nil
}

func (o *Options) sourceName() string {
	if o.Source == "-" {
		return "stdin"
	}
	return o.Source
}

// Deliver submits req and reports as the flags ask: text or JSON, and with
// --watch follows the run (a live table on a terminal, plain lines
// otherwise; in JSON mode the progress goes to stderr) and returns an exit
// status that is 0 only when the run succeeded. via is added to the text
// report ("through pod x").
func Deliver(ctx context.Context, streams genericiooptions.IOStreams, c *kfp.Client, req Request, rf RunFlags, via string, wo kfp.WatchOptions) error {
	out, err := Submit(ctx, c, req)
	if err != nil {
		return err
	}
	progress := streams.Out
	if rf.Output == "json" {
		progress = streams.ErrOut
	} else {
		PrintSubmitted(streams.Out, out, via)
	}
	var result error
	if rf.Watch {
		r, err := Follow(ctx, c, out.RunID, progress, IsTerminal(progress), wo)
		if err != nil {
			return err
		}
		out.State = r.State
		result = RunResult(r)
	}
	if rf.Output == "json" {
		if err := WriteJSON(streams.Out, out); err != nil {
			return err
		}
	}
	return result
}
