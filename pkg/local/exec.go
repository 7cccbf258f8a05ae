package local

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

// taskOutputs is what a finished step hands to the steps after it.
type taskOutputs struct {
	artifacts map[string]*pipelinespec.RuntimeArtifact
	params    map[string]*structpb.Value
	metrics   map[string]float64
}

// stepFiles are the paths of one step's run inside the work dir.
type stepFiles struct {
	dir, log, outputFile, home, tmp, marshal, outputs string
}

func (r *runner) files(name string) stepFiles {
	d := r.stepDir(name)
	return stepFiles{
		dir:        d,
		log:        r.logPath(name),
		outputFile: filepath.Join(d, "executor_output.json"),
		home:       filepath.Join(d, "home"),
		tmp:        filepath.Join(d, "tmp"),
		marshal:    filepath.Join(d, "marshal"),
		outputs:    filepath.Join(d, "outputs"),
	}
}

func (r *runner) runTask(ctx context.Context, t *task, deps map[string]*taskOutputs) (StepResult, *taskOutputs) {
	start := time.Now()
	f := r.files(t.name)
	res := StepResult{Name: t.name, Status: Failed, Log: f.log}
	fail := func(err error) (StepResult, *taskOutputs) {
		res.Seconds = elapsed(start)
		// Say what went wrong in the step's log, where users look first
		// (never in a folder that is not kale's).
		if checkOwned(f.dir) != nil || os.MkdirAll(f.dir, 0o755) != nil || markOwned(f.dir) != nil {
			return res, nil
		}
		if lf, ferr := os.OpenFile(f.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644); ferr == nil {
			fmt.Fprintf(lf, "kale local: %v\n", err)
			lf.Close()
		}
		return res, nil
	}
	// A fresh folder: nothing of an earlier run in the same work dir (an old
	// executor output, artifacts) may leak into this one.
	if err := freshDir(f.dir); err != nil {
		return fail(err)
	}
	for _, d := range []string{f.home, f.tmp, f.marshal, f.outputs} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fail(fmt.Errorf("creating %s: %w", d, err))
		}
	}
	ei, err := r.executorInput(t, f, deps)
	if err != nil {
		return fail(err)
	}
	cmdline, err := substituteAll(t, ei, r.placeholderContext(t))
	if err != nil {
		return fail(err)
	}
	logFile, err := os.Create(f.log)
	if err != nil {
		return fail(fmt.Errorf("creating log: %w", err))
	}
	cmd := exec.CommandContext(ctx, cmdline[0], cmdline[1:]...)
	cmd.Dir = f.dir
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.Env = r.env(t, f)
	killGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	runErr := cmd.Run()
	logFile.Close()
	res.Seconds = elapsed(start)
	if ctx.Err() != nil {
		res.Status = Cancelled
		return res, nil
	}
	if runErr != nil {
		var ee *exec.ExitError
		if errors.As(runErr, &ee) {
			res.ImportFailure = importFailure(f.log, r.python)
			return fail(fmt.Errorf("step %s exited with status %d", t.name, ee.ExitCode()))
		}
		return fail(fmt.Errorf("starting step %s: %w", t.name, runErr))
	}
	outs, err := r.collect(t, ei, f)
	if err != nil {
		return fail(err)
	}
	res.Status = Succeeded
	res.Seconds = elapsed(start)
	return res, outs
}

// executorInput builds the ExecutorInput the KFP launcher would give the
// step: typed parameter values, input artifacts with the metadata their
// producers reported, and output artifact and file locations in the work dir.
func (r *runner) executorInput(t *task, f stepFiles, deps map[string]*taskOutputs) (*pipelinespec.ExecutorInput, error) {
	in := &pipelinespec.ExecutorInput_Inputs{
		ParameterValues: map[string]*structpb.Value{},
		Artifacts:       map[string]*pipelinespec.ArtifactList{},
	}
	defs := t.component.GetInputDefinitions()
	for name, ps := range t.spec.GetInputs().GetParameters() {
		var v *structpb.Value
		switch {
		case ps.GetComponentInputParameter() != "":
			root := ps.GetComponentInputParameter()
			v = r.plan.params[root]
			if v == nil {
				continue // optional and unset
			}
		case ps.GetRuntimeValue() != nil:
			v = ps.GetRuntimeValue().GetConstant()
			if v == nil {
				return nil, fmt.Errorf("task %s: parameter %s: only constant runtime values are supported locally", t.name, name)
			}
		case ps.GetTaskOutputParameter() != nil:
			src := ps.GetTaskOutputParameter()
			v = deps[src.GetProducerTask()].paramValue(src.GetOutputParameterKey())
			if v == nil {
				return nil, fmt.Errorf("task %s: parameter %s: task %s did not produce output parameter %s",
					t.name, name, src.GetProducerTask(), src.GetOutputParameterKey())
			}
		default:
			return nil, fmt.Errorf("task %s: parameter %s: this kind of input is not supported by local runs", t.name, name)
		}
		in.ParameterValues[name] = v
	}
	for name, def := range defs.GetParameters() {
		if _, ok := in.ParameterValues[name]; !ok && def.GetDefaultValue() != nil {
			in.ParameterValues[name] = def.GetDefaultValue()
		}
	}
	for name, as := range t.spec.GetInputs().GetArtifacts() {
		src := as.GetTaskOutputArtifact()
		a := deps[src.GetProducerTask()].artifact(src.GetOutputArtifactKey())
		if a == nil {
			return nil, fmt.Errorf("task %s: input artifact %s: task %s has no output artifact %s",
				t.name, name, src.GetProducerTask(), src.GetOutputArtifactKey())
		}
		in.Artifacts[name] = &pipelinespec.ArtifactList{Artifacts: []*pipelinespec.RuntimeArtifact{a}}
	}
	out := &pipelinespec.ExecutorInput_Outputs{
		Artifacts:  map[string]*pipelinespec.ArtifactList{},
		Parameters: map[string]*pipelinespec.ExecutorInput_OutputParameter{},
		OutputFile: f.outputFile,
	}
	for _, name := range slices.Sorted(maps.Keys(t.component.GetOutputDefinitions().GetArtifacts())) {
		def := t.component.GetOutputDefinitions().GetArtifacts()[name]
		path := filepath.Join(f.outputs, name)
		out.Artifacts[name] = &pipelinespec.ArtifactList{Artifacts: []*pipelinespec.RuntimeArtifact{{
			Name:     name,
			Type:     def.GetArtifactType(),
			Uri:      path,
			Metadata: def.GetMetadata(),
		}}}
	}
	for name := range t.component.GetOutputDefinitions().GetParameters() {
		out.Parameters[name] = &pipelinespec.ExecutorInput_OutputParameter{
			OutputFile: filepath.Join(f.outputs, "parameters", name),
		}
	}
	return &pipelinespec.ExecutorInput{Inputs: in, Outputs: out}, nil
}

func (o *taskOutputs) artifact(key string) *pipelinespec.RuntimeArtifact {
	if o == nil {
		return nil
	}
	return o.artifacts[key]
}

func (o *taskOutputs) paramValue(key string) *structpb.Value {
	if o == nil {
		return nil
	}
	return o.params[key]
}

// env is the step's environment: this process's, the executor's env (HOME
// excepted: locally it is a folder of the step, not the shared /tmp), and
// local folders for temp files and Kale's marshal dir.
func (r *runner) env(t *task, f stepFiles) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "PATH", "HOME", "TMPDIR", "KALE_MARSHAL_DIR":
			continue
		}
		env = append(env, kv)
	}
	for _, e := range t.container.GetEnv() {
		if e.GetName() == "HOME" {
			continue
		}
		env = append(env, e.GetName()+"="+e.GetValue())
	}
	for _, s := range t.k8s.GetSecretAsEnv() {
		for _, k := range s.GetKeyToEnv() {
			r.note(fmt.Sprintf("secret %s is not read in local runs: %s comes from your environment if set", s.GetSecretName(), k.GetEnvVar()))
		}
	}
	for _, m := range t.k8s.GetPvcMount() {
		r.note(fmt.Sprintf("volume %s is not mounted in local runs (the cluster mounts it at %s)", m.GetConstant()+m.GetComponentInputParameter(), m.GetMountPath()))
	}
	env = append(env,
		"PATH="+r.pathEnv,
		"HOME="+f.home,
		"TMPDIR="+f.tmp,
		"KALE_MARSHAL_DIR="+f.marshal,
		"KALE_LOCAL_RUN=1",
	)
	return append(env, r.opts.Env...)
}

// collect reads the executor output file and turns it into the step's
// outputs: artifacts with their reported metadata, output parameters and
// metrics.
func (r *runner) collect(t *task, ei *pipelinespec.ExecutorInput, f stepFiles) (*taskOutputs, error) {
	eo := &pipelinespec.ExecutorOutput{}
	data, err := os.ReadFile(f.outputFile)
	switch {
	case err == nil:
		if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(data, eo); err != nil {
			return nil, fmt.Errorf("step %s wrote an executor output file that is not an ExecutorOutput (%s): %w", t.name, f.outputFile, err)
		}
	case !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("reading executor output of %s: %w", t.name, err)
	}
	outs := &taskOutputs{
		artifacts: map[string]*pipelinespec.RuntimeArtifact{},
		params:    map[string]*structpb.Value{},
		metrics:   map[string]float64{},
	}
	for name, list := range ei.GetOutputs().GetArtifacts() {
		a := list.GetArtifacts()[0]
		merged := &pipelinespec.RuntimeArtifact{Name: a.GetName(), Type: a.GetType(), Uri: a.GetUri(), Metadata: a.GetMetadata()}
		if rep := eo.GetArtifacts()[name].GetArtifacts(); len(rep) > 0 && rep[0].GetMetadata() != nil {
			md := &structpb.Struct{Fields: map[string]*structpb.Value{}}
			for k, v := range a.GetMetadata().GetFields() {
				md.Fields[k] = v
			}
			for k, v := range rep[0].GetMetadata().GetFields() {
				md.Fields[k] = v
			}
			merged.Metadata = md
		}
		outs.artifacts[name] = merged
		if a.GetType().GetSchemaTitle() == "system.Metrics" {
			for k, v := range merged.GetMetadata().GetFields() {
				if n, ok := v.GetKind().(*structpb.Value_NumberValue); ok {
					outs.metrics[k] = n.NumberValue
				}
			}
		}
	}
	defs := t.component.GetOutputDefinitions().GetParameters()
	for name, op := range ei.GetOutputs().GetParameters() {
		if v, ok := eo.GetParameterValues()[name]; ok {
			outs.params[name] = v
			continue
		}
		text, err := os.ReadFile(op.GetOutputFile())
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading output parameter %s of %s: %w", name, t.name, err)
		}
		v, err := parseParam(string(text), defs[name].GetParameterType())
		if err != nil {
			return nil, fmt.Errorf("output parameter %s of %s: %w", name, t.name, err)
		}
		outs.params[name] = v
	}
	return outs, nil
}
