// Package submit implements `kale submit -`: it reads a compiled pipeline
// (KFP IR, YAML or JSON) from stdin or a file and submits it to Kubeflow
// Pipelines, optionally following the run. Inside a notebook pod it uses the
// pod's own KFP credentials; `kubectl kale run POD:PATH` execs it there.
package submit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubeflow-kale/kale/internal/cli/buildflags"
	"github.com/kubeflow-kale/kale/internal/cli/clioptions"
	"github.com/kubeflow-kale/kale/internal/cli/deliver"
	"github.com/kubeflow-kale/kale/internal/cli/kfpflags"
	"github.com/kubeflow-kale/kale/pkg/compiler"
	"github.com/kubeflow-kale/kale/pkg/kfp"
	"github.com/kubeflow-kale/kale/pkg/pipeline"
)

// maxIR bounds the size of a pipeline read from stdin or a file.
const maxIR = 64 << 20

// Options holds the submit command's flags.
type Options struct {
	g      *clioptions.Global
	KFP    kfpflags.KFP
	Sub    kfpflags.Submission
	Params []string
	Output clioptions.Output
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
		RunE:    clioptions.RunE(o),
	}
	f := cmd.Flags()
	o.KFP.AddFlags(f)
	o.Sub.AddExperimentFlag(f, pipeline.DefaultExperiment)
	o.Sub.AddFlags(f)
	buildflags.AddParams(f, &o.Params, buildflags.ParamValues)
	o.Output.AddFlags(f, "text", "json")
	// -n and the kubeconfig name the namespace of multi-user KFP.
	o.g.AddClusterFlags(cmd)
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
	return o.Output.Validate()
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
	params, err := deliver.RuntimeParameters(ir.PipelineSpec, o.Params)
	if err != nil {
		return err
	}
	c, _, err := o.KFP.Client(o.Env, o.g.IOStreams.ErrOut)
	if err != nil {
		return err
	}
	req := deliver.Request{
		IR: ir, Experiment: o.Sub.Experiment, RunName: o.Sub.RunName, Parameters: params, Upload: o.Sub.Upload,
		Namespace: func() (string, error) { return o.KFP.ResolveNamespace(o.g.ConfigFlags, o.Env.Getenv) },
	}
	return deliver.Deliver(ctx, o.g.IOStreams, c, req, deliver.How{JSON: o.Output.JSON(), Watch: o.Sub.Watch, WatchOptions: o.Watch})
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
	if looksLikeNotebook(o.Source, data) {
		return nil, fmt.Errorf("%s is a notebook; submit takes a compiled pipeline: use `run %s` to compile and submit a notebook", o.sourceName(), o.Source)
	}
	return data, nil
}

func (o *Options) sourceName() string {
	if o.Source == "-" {
		return "stdin"
	}
	return o.Source
}

// looksLikeNotebook tells a Jupyter notebook (by name, or a JSON object
// with "cells" and "nbformat") from the compiled IR submit expects.
func looksLikeNotebook(name string, data []byte) bool {
	if strings.HasSuffix(strings.ToLower(name), ".ipynb") {
		return true
	}
	var doc struct {
		Cells    json.RawMessage `json:"cells"`
		NBFormat json.RawMessage `json:"nbformat"`
	}
	return json.Unmarshal(data, &doc) == nil && doc.Cells != nil && doc.NBFormat != nil
}
