package run

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"
	utilexec "k8s.io/client-go/util/exec"

	"github.com/kubeflow-kale/kale/internal/cli/buildflags"
	"github.com/kubeflow-kale/kale/internal/cli/clioptions"
	"github.com/kubeflow-kale/kale/internal/cli/deliver"
	"github.com/kubeflow-kale/kale/internal/cli/kfpflags"
	"github.com/kubeflow-kale/kale/internal/termtext"
	"github.com/kubeflow-kale/kale/pkg/compiler"
	"github.com/kubeflow-kale/kale/pkg/contract"
	"github.com/kubeflow-kale/kale/pkg/kfp"
	"github.com/kubeflow-kale/kale/pkg/notebook"
	"github.com/kubeflow-kale/kale/pkg/pipeline"
	"github.com/kubeflow-kale/kale/pkg/podsource"
)

// maxNotebook bounds a notebook read from a pod.
const maxNotebook = notebook.MaxFileSize

// Remote is the part of `run` that reads notebooks from notebook pods and
// submits to Kubeflow Pipelines (everything but --local).
type Remote struct {
	KFP kfpflags.KFP
	// Sub is --run-name, --upload and --watch; the experiment comes from
	// the notebook (or --experiment, a build flag).
	Sub    kfpflags.Submission
	DryRun bool
	// NotebookCR is --notebook NAME: a kubeflow.org/v1 Notebook whose pod
	// holds the notebook file.
	NotebookCR string
	Container  string

	// Env and WatchOptions are replaced by tests.
	Env          kfp.Env
	WatchOptions kfp.WatchOptions
}

// AddFlags registers the remote flags.
func (r *Remote) AddFlags(fs *pflag.FlagSet) {
	r.KFP.AddFlags(fs)
	r.Sub.AddFlags(fs)
	fs.BoolVar(&r.DryRun, "dry-run", false, "compile and print what would be submitted, without calling the KFP API")
	fs.StringVar(&r.NotebookCR, "notebook", "", "read NOTEBOOK from the pod of this Kubeflow Notebook (then NOTEBOOK is a path in it)")
	fs.StringVarP(&r.Container, "container", "c", "", "container of the notebook pod (default: the notebook's container)")
}

// Notebook is a notebook read from disk or from a pod.
type Notebook struct {
	// Name names it in diagnostics: the path, or NAMESPACE/POD:PATH.
	Name string
	Data []byte
	// Pod and Source are set when the notebook came from a pod.
	Pod    *podsource.Pod
	Source *podsource.Source
	// Self is set when kale runs inside Pod (a local file in the notebook
	// pod's terminal); there is no submitting through the pod then.
	Self bool
}

// PodRef reports whether the NOTEBOOK argument (with --notebook) names a
// notebook in a pod rather than a local file.
func (r *Remote) PodRef(arg string) (podsource.Ref, bool) {
	if r.NotebookCR != "" {
		return podsource.Ref{Notebook: r.NotebookCR, Path: arg, Container: r.Container}, true
	}
	if _, err := os.Stat(arg); err == nil {
		return podsource.Ref{}, false // an existing local file wins
	}
	ref, ok := podsource.ParseRef(arg)
	ref.Container = r.Container
	return ref, ok
}

// ReadNotebook reads the NOTEBOOK argument: a local file, POD:PATH, or a
// path in the pod of --notebook NAME (by exec through the API server). Pod
// warnings (ReadWriteOnce claims...) go to errOut.
func (r *Remote) ReadNotebook(ctx context.Context, g *clioptions.Global, arg string, errOut io.Writer) (*Notebook, error) {
	ref, inPod := r.PodRef(arg)
	if !inPod {
		data, err := notebook.ReadFile(arg)
		if err != nil {
			return nil, err
		}
		nb := &Notebook{Name: arg, Data: data}
		r.ownPod(ctx, g, nb, errOut)
		return nb, nil
	}
	if err := g.RequireCluster("reading " + ref.String()); err != nil {
		return nil, err
	}
	if ref.Namespace == "" {
		ns, _, err := g.ConfigFlags.ToRawKubeConfigLoader().Namespace()
		if err != nil {
			return nil, fmt.Errorf("namespace of %s: %w", ref, err)
		}
		ref.Namespace = ns
	}
	cfg, err := g.ConfigFlags.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("reading %s needs a cluster: %w", ref, err)
	}
	src, err := podsource.New(cfg)
	if err != nil {
		return nil, err
	}
	pod, err := src.Resolve(ctx, ref)
	if err != nil {
		return nil, err
	}
	for _, w := range pod.Warnings {
		fmt.Fprintf(errOut, "warning: %s\n", w)
	}
	data, err := src.ReadFile(ctx, pod, ref.Path, maxNotebook)
	if err != nil {
		return nil, err
	}
	return &Notebook{Name: pod.Location(ref.Path), Data: data, Pod: pod, Source: src}, nil
}

// ownPod: inside a notebook pod (KALE_POD_NAME and KALE_NAMESPACE set by
// the webhook), a local notebook compiles with the pod's volumes, PodDefault
// labels and image, as one read from the pod from outside would. Failing to
// read the pod is only a warning.
func (r *Remote) ownPod(ctx context.Context, g *clioptions.Global, nb *Notebook, errOut io.Writer) {
	name, ns := r.Env.Getenv(contract.EnvPodName), r.Env.Getenv(contract.EnvNamespace)
	if name == "" || ns == "" {
		return
	}
	cfg, err := g.ConfigFlags.ToRESTConfig()
	if err == nil {
		var src *podsource.Source
		if src, err = podsource.New(cfg); err == nil {
			var pod *podsource.Pod
			if pod, err = src.Resolve(ctx, podsource.Ref{Namespace: ns, Pod: name, Container: r.Container}); err == nil {
				for _, w := range pod.Warnings {
					fmt.Fprintf(errOut, "warning: %s\n", w)
				}
				nb.Pod, nb.Self = pod, true
				return
			}
		}
	}
	fmt.Fprintf(errOut, "warning: cannot read this notebook pod %s/%s (its volumes and PodDefault labels are not added to the steps): %v\n", ns, name, err)
}

// FromPod adds what a notebook pod gives the pipeline: its PVC mounts and
// PodDefault labels (to pipeline options) and its image (the default step
// image). Without a pod it returns the usual default image.
func (nb *Notebook) FromPod(popts *pipeline.Options) (defaultImage string) {
	if nb.Pod == nil {
		return compiler.ResolveDefaultImage("")
	}
	popts.Volumes = append(popts.Volumes, nb.Pod.Volumes...)
	if len(nb.Pod.PodDefaultLabels) > 0 {
		labels := map[string]string{}
		for k, v := range popts.Labels {
			labels[k] = v
		}
		for k, v := range nb.Pod.PodDefaultLabels {
			if _, ok := labels[k]; !ok {
				labels[k] = v
			}
		}
		popts.Labels = labels
	}
	return compiler.ResolveDefaultImage(nb.Pod.Image)
}

// Submit sends a compiled notebook to KFP and reports, as JSON when asJSON.
// The endpoint is --kfp-endpoint, $KF_PIPELINES_ENDPOINT or the in-cluster
// service; without one, a notebook read from a pod that has the kale
// tooling is submitted through that pod (`kale submit -` in its container,
// with the pod's own KFP credentials).
func (r *Remote) Submit(ctx context.Context, g *clioptions.Global, nb *Notebook, p *pipeline.Pipeline, ir *compiler.Result, params []string, asJSON bool) error {
	values, err := deliver.RuntimeParameters(ir.PipelineSpec, params)
	if err != nil {
		return err
	}
	sub := r.Sub
	sub.Experiment = p.Experiment
	if sub.RunName == "" {
		sub.RunName = deliver.DefaultRunName(deliver.PipelineName(ir), time.Now())
	}
	if r.DryRun {
		return r.printDryRun(g, ir, sub, values, asJSON)
	}
	streams := g.IOStreams
	c, cfg, err := r.KFP.Client(r.Env, g.IOStreams.ErrOut)
	switch {
	case errors.Is(err, kfp.ErrNoEndpoint) && nb.Pod != nil && !nb.Self && nb.Pod.HasKaleTooling:
		return r.submitThroughPod(ctx, g, nb, ir, sub, params, asJSON)
	case errors.Is(err, kfp.ErrNoEndpoint) && nb.Pod != nil && !nb.Self:
		return fmt.Errorf("%w; pod %s has no kale tooling (the kale webhook did not inject it), so it cannot submit for you", err, nb.Pod)
	case err != nil:
		return err
	}
	req := deliver.Request{
		IR: ir, Experiment: sub.Experiment, RunName: sub.RunName, Parameters: values, Upload: sub.Upload,
		Namespace: func() (string, error) {
			if r.KFP.Namespace == "" && nb.Pod != nil {
				return nb.Pod.Namespace, nil // the notebook's profile namespace
			}
			return r.KFP.ResolveNamespace(g.ConfigFlags, r.Env.Getenv)
		},
	}
	via := fmt.Sprintf(" to %s (endpoint from %s)", cfg.Endpoint, describeSource(cfg.EndpointSource))
	return deliver.Deliver(ctx, streams, c, req, deliver.How{JSON: asJSON, Watch: sub.Watch, Via: via, WatchOptions: r.WatchOptions})
}

func describeSource(s string) string {
	switch s {
	case kfp.SourceFlag:
		return "--kfp-endpoint"
	case kfp.SourceEnv:
		return "$" + kfp.EnvEndpoint
	}
	return "the in-cluster service"
}

// submitThroughPod execs `kale submit -` in the notebook container with the
// IR on stdin. The pod's kale reads its own KFP endpoint and token; its
// JSON answer is re-printed here, its progress passes through on stderr,
// and its exit status becomes ours.
func (r *Remote) submitThroughPod(ctx context.Context, g *clioptions.Global, nb *Notebook, ir *compiler.Result, sub kfpflags.Submission, params []string, asJSON bool) error {
	yml, err := ir.YAML()
	if err != nil {
		return err
	}
	cmd := SubmitCommand(sub, params, r.KFP.NamespaceArgs())
	streams := g.IOStreams
	fmt.Fprintf(streams.ErrOut, "no KFP endpoint here: submitting through pod %s with the pod's own KFP credentials\n", nb.Pod)
	// kale in the pod answers with one small JSON object; a pod is not
	// trusted to stay small or to print only text a terminal is safe with.
	out := podsource.NewLimitedBuffer(1<<20, "kale's answer in pod "+nb.Pod.String())
	errOut := termtext.NewWriter(streams.ErrOut)
	execErr := nb.Source.Exec(ctx, nb.Pod, cmd, bytes.NewReader(yml), out, errOut)
	errOut.Flush()
	var exit utilexec.CodeExitError
	code := 0
	if execErr != nil {
		if !errors.As(execErr, &exit) || exit.Code != deliver.ExitRunNotSucceeded {
			return fmt.Errorf("submitting through pod %s: %w", nb.Pod, execErr)
		}
		code = exit.Code
	}
	var o deliver.Outcome
	if err := json.Unmarshal(out.Bytes(), &o); err != nil || o.RunID == "" {
		return fmt.Errorf("submitting through pod %s: unexpected answer from kale in the pod: %q", nb.Pod, strings.TrimSpace(out.String()))
	}
	if asJSON {
		if err := clioptions.WriteJSON(streams.Out, o); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(streams.Out, "run %q submitted through pod %s (the pod's KFP credentials)\n", sub.RunName, nb.Pod)
		fmt.Fprintf(streams.Out, "run id: %s\nurl: %s\n", termtext.Line(o.RunID), termtext.Line(o.URL))
		if sub.Watch {
			fmt.Fprintf(streams.Out, "state: %s\n", termtext.Line(string(o.State)))
		}
	}
	if code != 0 {
		return &clioptions.ExitError{Code: code}
	}
	return nil
}

// dryRun is what --dry-run -o json prints.
type dryRun struct {
	Experiment   string          `json:"experiment"`
	RunName      string          `json:"run_name"`
	Parameters   map[string]any  `json:"parameters,omitempty"`
	Upload       bool            `json:"upload"`
	PipelineSpec json.RawMessage `json:"pipeline_spec"`
}

func (r *Remote) printDryRun(g *clioptions.Global, ir *compiler.Result, sub kfpflags.Submission, values map[string]any, asJSON bool) error {
	out := g.IOStreams.Out
	if asJSON {
		spec, err := ir.JSON()
		if err != nil {
			return err
		}
		return clioptions.WriteJSON(out, dryRun{Experiment: sub.Experiment, RunName: sub.RunName, Parameters: values, Upload: sub.Upload, PipelineSpec: spec})
	}
	yml, err := ir.YAML()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "# dry run: nothing was submitted\n# experiment: %s\n# run name: %s\n", sub.Experiment, sub.RunName)
	if len(values) > 0 {
		b, _ := json.Marshal(values)
		fmt.Fprintf(out, "# parameters: %s\n", b)
	}
	if sub.Upload {
		fmt.Fprintf(out, "# the pipeline would be uploaded as %s (a new version if it exists)\n", deliver.PipelineName(ir))
	}
	_, err = out.Write(yml)
	return err
}

// SubmitCommand is the command line of `kale submit -` that
// submitThroughPod runs in a notebook pod: the flags are rendered by the
// packages that register them, so they cannot drift apart.
func SubmitCommand(sub kfpflags.Submission, params, kfpArgs []string) []string {
	cmd := []string{contract.Command, "submit", "-"}
	cmd = append(cmd, sub.Args()...)
	cmd = append(cmd, "-o", "json")
	cmd = append(cmd, buildflags.ParamArgs(params)...)
	return append(cmd, kfpArgs...)
}
