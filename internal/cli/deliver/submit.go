package deliver

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubeflow-kale/kale/internal/cli/clioptions"

	"github.com/kubeflow-kale/kale/pkg/compiler"
	"github.com/kubeflow-kale/kale/pkg/kfp"
)

// Request is one submission of a compiled pipeline.
type Request struct {
	IR *compiler.Result
	// Experiment is the experiment's display name (created when missing).
	Experiment string
	// RunName is the run's display name; empty means DefaultRunName.
	RunName string
	// Parameters are typed run parameters (see RuntimeParameters).
	Parameters map[string]any
	// Upload also uploads the pipeline (a new version when it exists) and
	// runs that version instead of the inline spec.
	Upload bool
	// Namespace is used when KFP is multi-user; Namespace is called only
	// then (it may fail when no namespace is known).
	Namespace func() (string, error)
}

// Outcome is what a submission produced; its JSON is the -o json answer.
type Outcome struct {
	RunID        string    `json:"run_id"`
	ExperimentID string    `json:"experiment_id"`
	URL          string    `json:"url"`
	State        kfp.State `json:"state"`

	Experiment        string `json:"-"`
	ExperimentCreated bool   `json:"-"`
	RunName           string `json:"-"`
	Namespace         string `json:"-"`
	PipelineID        string `json:"-"`
	VersionID         string `json:"-"`
	VersionName       string `json:"-"`
	PipelineURL       string `json:"-"`
}

// PipelineName is the compiled pipeline's name.
func PipelineName(ir *compiler.Result) string { return ir.PipelineSpec.GetPipelineInfo().GetName() }

// DefaultRunName is PIPELINE-YYYYMMDD-HHMMSS (UTC).
func DefaultRunName(pipelineName string, now time.Time) string {
	return pipelineName + "-" + now.UTC().Format("20060102-150405")
}

// Submit creates the run: it finds or creates the experiment (in the
// namespace when KFP is multi-user), optionally uploads the pipeline, and
// creates the run. It does not wait for the run.
func Submit(ctx context.Context, c *kfp.Client, req Request) (*Outcome, error) {
	if req.IR == nil || req.IR.PipelineSpec == nil {
		return nil, fmt.Errorf("nothing to submit: no pipeline spec")
	}
	name := PipelineName(req.IR)
	out := &Outcome{Experiment: req.Experiment, RunName: req.RunName}
	if out.RunName == "" {
		out.RunName = DefaultRunName(name, time.Now())
	}
	health, err := c.Health(ctx)
	if err != nil {
		return nil, fmt.Errorf("checking the KFP API at %s: %w", c.Endpoint(), err)
	}
	if health.MultiUser {
		if req.Namespace == nil {
			return nil, fmt.Errorf("this Kubeflow Pipelines is multi-user and needs a namespace")
		}
		if out.Namespace, err = req.Namespace(); err != nil {
			return nil, err
		}
	}
	exp, created, err := c.EnsureExperiment(ctx, req.Experiment, out.Namespace)
	if err != nil {
		return nil, fmt.Errorf("experiment %q: %w", req.Experiment, err)
	}
	out.ExperimentID, out.ExperimentCreated = exp.ID, created

	spec := kfp.RunSpec{DisplayName: out.RunName, ExperimentID: exp.ID, Parameters: req.Parameters}
	if req.Upload {
		yml, err := req.IR.YAML()
		if err != nil {
			return nil, err
		}
		p, v, err := c.Publish(ctx, kfp.Upload{Name: name, Description: req.IR.PipelineSpec.GetPipelineInfo().GetDescription(), Namespace: out.Namespace, Spec: yml})
		if err != nil {
			return nil, fmt.Errorf("uploading pipeline %q: %w", name, err)
		}
		out.PipelineID, out.VersionID, out.VersionName = p.ID, v.ID, v.Name
		out.PipelineURL = c.PipelineURL(p.ID, v.ID)
		spec.Version = &kfp.PipelineVersionReference{PipelineID: p.ID, PipelineVersionID: v.ID}
	} else {
		if spec.PipelineSpec, spec.PlatformSpec, err = InlineSpec(req.IR); err != nil {
			return nil, err
		}
	}
	run, err := c.CreateRun(ctx, spec)
	if err != nil {
		return nil, fmt.Errorf("creating run %q: %w", out.RunName, err)
	}
	out.RunID, out.State, out.URL = run.ID, run.State, c.RunURL(run.ID)
	return out, nil
}

// InlineSpec returns the pipeline and platform specs as JSON objects.
func InlineSpec(ir *compiler.Result) (spec, platform json.RawMessage, err error) {
	if spec, err = protojson.Marshal(ir.PipelineSpec); err != nil {
		return nil, nil, fmt.Errorf("encoding the pipeline spec: %w", err)
	}
	if ir.PlatformSpec != nil {
		if platform, err = protojson.Marshal(ir.PlatformSpec); err != nil {
			return nil, nil, fmt.Errorf("encoding the platform spec: %w", err)
		}
	}
	return spec, platform, nil
}

// PrintSubmitted writes the text report of a submission.
func PrintSubmitted(w io.Writer, o *Outcome, via string) {
	verb := "found"
	if o.ExperimentCreated {
		verb = "created"
	}
	where := ""
	if o.Namespace != "" {
		where = " in namespace " + o.Namespace
	}
	fmt.Fprintf(w, "experiment %q %s%s\n", o.Experiment, verb, where)
	if o.PipelineID != "" {
		fmt.Fprintf(w, "pipeline uploaded: pipeline_id %s, version %s (%s)\n", o.PipelineID, o.VersionName, o.PipelineURL)
	}
	fmt.Fprintf(w, "run %q submitted%s\n", o.RunName, via)
	fmt.Fprintf(w, "run id: %s\n", o.RunID)
	fmt.Fprintf(w, "url: %s\n", o.URL)
}

// How says how Deliver reports.
type How struct {
	// JSON prints the Outcome as JSON (-o json) instead of text.
	JSON bool
	// Watch follows the run until it ends (--watch).
	Watch bool
	// Via is added to the text report ("through pod x").
	Via string
	// WatchOptions pace the following; tests shorten them.
	WatchOptions kfp.WatchOptions
}

// Deliver submits req and reports as h says: text or JSON, and with Watch
// follows the run (a live table on a terminal, plain lines otherwise; in
// JSON mode the progress goes to stderr) and returns an exit status that is
// 0 only when the run succeeded.
func Deliver(ctx context.Context, streams genericiooptions.IOStreams, c *kfp.Client, req Request, h How) error {
	out, err := Submit(ctx, c, req)
	if err != nil {
		return err
	}
	progress := streams.Out
	if h.JSON {
		progress = streams.ErrOut
	} else {
		PrintSubmitted(streams.Out, out, h.Via)
	}
	var result error
	if h.Watch {
		r, err := Follow(ctx, c, out.RunID, progress, IsTerminal(progress), h.WatchOptions)
		if err != nil {
			return err
		}
		out.State = r.State
		result = RunResult(r)
	}
	if h.JSON {
		if err := clioptions.WriteJSON(streams.Out, out); err != nil {
			return err
		}
	}
	return result
}
