package compiler

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/kubeflow-kale/kale/pkg/diag"
	"github.com/kubeflow-kale/kale/pkg/pipeline"
	"github.com/kubeflow-kale/kale/pkg/stepruntime"
	"github.com/kubeflow-kale/kale/pkg/version"
)

// SchemaVersion is the only PipelineSpec schema version the KFP API server
// accepts.
const SchemaVersion = "2.1.0"

// Artifact schema titles used by the compiler.
const (
	TypeDataset = "system.Dataset"
	TypeModel   = "system.Model"
	TypeMetrics = "system.Metrics"
	TypeHTML    = "system.HTML"
)

// pipelineNameRE is Kale's pipeline name rule, which is also a valid KFP
// pipeline name.
var pipelineNameRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// Options tune a compilation.
type Options struct {
	// DefaultImage is used for steps without image: tag when the notebook
	// has no base_image. Empty means ResolveDefaultImage("").
	DefaultImage string
	// ParamOverrides are new defaults "NAME" -> "VALUE" text, type-checked
	// against the parameter (see ParseParamValue).
	ParamOverrides map[string]string
	// NotebookName names the notebook in diagnostics, as given; the step
	// runtime's tracebacks name its file name only (NotebookFile), so the
	// IR does not depend on where the notebook was compiled from.
	NotebookName string
}

// Result is a compiled pipeline.
type Result struct {
	PipelineSpec *pipelinespec.PipelineSpec
	// PlatformSpec is nil when no step uses a Kubernetes option.
	PlatformSpec *pipelinespec.PlatformSpec
	// Warnings holds the model's warnings followed by the compiler's.
	Warnings diag.List
}

// NotebookFile is the file name of a notebook as a user names it: a path
// of this system or another (/ or \ separated) or POD:PATH (a pod's name is
// no part of the notebook either).
func NotebookFile(name string) string {
	if i := strings.LastIndexAny(name, `/\:`); i >= 0 {
		name = name[i+1:]
	}
	return name
}

// ArtifactType is the KFP artifact type of a variable: system.Model when
// its name contains "model" (as in Kale), otherwise system.Dataset.
func ArtifactType(variable string) string {
	if strings.Contains(variable, "model") {
		return TypeModel
	}
	return TypeDataset
}

// Compile turns a pipeline model into KFP IR. Errors are a diag.List that
// names the notebook, the cell and the tag at fault; every problem is
// reported, not only the first.
func Compile(p *pipeline.Pipeline, opts Options) (*Result, error) {
	if p == nil {
		return nil, errors.New("compile: no pipeline")
	}
	c := &compilation{p: p, opts: opts, warned: map[string]bool{}}
	if c.opts.DefaultImage == "" {
		c.opts.DefaultImage = ResolveDefaultImage("")
	}
	res := c.compile()
	if c.diags.HasErrors() {
		errs := c.diags.Errors()
		errs.Sort()
		return nil, errs
	}
	res.Warnings = append(append(diag.List(nil), p.Diagnostics.Warnings()...), c.diags.Warnings()...)
	return res, nil
}

// compilation holds the state of one Compile call.
type compilation struct {
	p      *pipeline.Pipeline
	opts   Options
	diags  diag.List
	warned map[string]bool
}

func (c *compilation) errorf(cell int, tag, format string, args ...any) {
	c.diags.Add(diag.Diagnostic{Severity: diag.Error, Notebook: c.opts.NotebookName, Cell: cell, Tag: tag, Message: fmt.Sprintf(format, args...)})
}

// warnOnce adds a warning unless one with the same key was added already.
func (c *compilation) warnOnce(cell int, tag, key, format string, args ...any) {
	if c.warned[key] {
		return
	}
	c.warned[key] = true
	c.diags.Add(diag.Diagnostic{Severity: diag.Warning, Notebook: c.opts.NotebookName, Cell: cell, Tag: tag, Message: fmt.Sprintf(format, args...)})
}

func (c *compilation) compile() *Result {
	p := c.p
	switch {
	case p.Name == "":
		c.errorf(diag.NoCell, "pipeline_name", "the notebook names no pipeline: set pipeline_name in its Kale metadata or pass --pipeline-name")
	case len(p.Name) > 124 || !pipelineNameRE.MatchString(p.Name):
		c.errorf(diag.NoCell, "pipeline_name", "pipeline name %q must be lowercase letters, digits and dashes, start and end with a letter or digit, at most 124 characters", p.Name)
	}
	if len(p.Steps) == 0 {
		c.errorf(diag.NoCell, "", "the notebook defines no steps: tag a code cell with step:NAME")
	}

	params := applyOverrides(p.Parameters, c.opts.ParamOverrides, c.opts.NotebookName, &c.diags)
	paramTypes := map[string]pipeline.ParamType{}
	rootInputs := &pipelinespec.ComponentInputsSpec{Parameters: map[string]*pipelinespec.ComponentInputsSpec_ParameterSpec{}}
	for _, prm := range params {
		t, err := parameterType(prm.Type)
		if err != nil {
			c.errorf(diag.NoCell, prm.Name, "pipeline parameter %s: %v", prm.Name, err)
			continue
		}
		def, err := defaultValue(prm)
		if err != nil {
			c.errorf(diag.NoCell, prm.Name, "pipeline parameter %s: %v", prm.Name, err)
			continue
		}
		paramTypes[prm.Name] = prm.Type
		rootInputs.Parameters[prm.Name] = &pipelinespec.ComponentInputsSpec_ParameterSpec{ParameterType: t, DefaultValue: def}
	}

	// Task names, and where each step sits in the (topological) step order.
	names := newNamer()
	task := map[string]string{}
	index := map[string]int{}
	for i, s := range p.Steps {
		if _, dup := index[s.Name]; dup {
			c.errorf(s.Cell, "step:"+s.Name, "step %s is defined twice in the pipeline model", s.Name)
			continue
		}
		index[s.Name] = i
		task[s.Name] = names.name(s.Name)
	}
	for _, m := range p.Metrics {
		if _, ok := index[m.Step]; !ok {
			c.errorf(diag.NoCell, m.Variable, "metric %s: reported by step %q, which is not in the pipeline", m.Name, m.Step)
		}
	}

	if sc := p.SecurityContext; sc != nil && sc.Enabled {
		c.warnOnce(diag.NoCell, "security_context", "security_context",
			"security_context: the pinned KFP platform spec has no securityContext field, so it is not applied and steps run as their image's user; choose an image whose user suits the cluster's pod security policy")
	}
	mnts := c.volumeMounts(p.Volumes)
	components := map[string]*pipelinespec.ComponentSpec{}
	executors := map[string]*pipelinespec.PipelineDeploymentConfig_ExecutorSpec{}
	tasks := map[string]*pipelinespec.PipelineTaskSpec{}
	k8s := map[string]*structpb.Struct{}
	for i, s := range p.Steps {
		if index[s.Name] != i {
			continue // duplicate, reported above
		}
		t := task[s.Name]
		comp, exec, ts := c.step(s, i, index, task, paramTypes, mnts)
		components[componentName(t)] = comp
		executors[executorName(t)] = exec
		tasks[t] = ts
		if cfg := c.executorConfig(s, mnts); cfg != nil {
			st, err := toStruct(cfg)
			if err != nil {
				c.errorf(s.Cell, "", "step %s: encoding its Kubernetes settings: %v", s.Name, err)
				continue
			}
			k8s[executorName(t)] = st
		}
	}
	if c.diags.HasErrors() {
		return nil
	}

	deploy, err := toStruct(&pipelinespec.PipelineDeploymentConfig{Executors: executors})
	if err != nil {
		c.errorf(diag.NoCell, "", "encoding the deployment spec: %v", err)
		return nil
	}
	root := &pipelinespec.ComponentSpec{
		Implementation: &pipelinespec.ComponentSpec_Dag{Dag: &pipelinespec.DagSpec{Tasks: tasks}},
	}
	if len(rootInputs.Parameters) > 0 {
		root.InputDefinitions = rootInputs
	}
	res := &Result{PipelineSpec: &pipelinespec.PipelineSpec{
		PipelineInfo:   &pipelinespec.PipelineInfo{Name: p.Name, Description: p.Description},
		DeploymentSpec: deploy,
		SdkVersion:     "kale-" + version.String(),
		SchemaVersion:  SchemaVersion,
		Components:     components,
		Root:           root,
	}}
	if len(k8s) > 0 {
		res.PlatformSpec = &pipelinespec.PlatformSpec{Platforms: map[string]*pipelinespec.SinglePlatformSpec{
			"kubernetes": {DeploymentSpec: &pipelinespec.PlatformDeploymentConfig{Executors: k8s}},
		}}
	}
	return res
}

// step builds the component, executor and DAG task of one step.
func (c *compilation) step(s *pipeline.Step, at int, index map[string]int, task map[string]string,
	paramTypes map[string]pipeline.ParamType, mnts mounts,
) (*pipelinespec.ComponentSpec, *pipelinespec.PipelineDeploymentConfig_ExecutorSpec, *pipelinespec.PipelineTaskSpec) {
	t := task[s.Name]
	comp := &pipelinespec.ComponentSpec{
		Implementation: &pipelinespec.ComponentSpec_ExecutorLabel{ExecutorLabel: executorName(t)},
	}
	inputs := &pipelinespec.ComponentInputsSpec{}
	outputs := &pipelinespec.ComponentOutputsSpec{}
	ts := &pipelinespec.PipelineTaskSpec{
		TaskInfo:       &pipelinespec.PipelineTaskInfo{Name: displayName(s.Name)},
		ComponentRef:   &pipelinespec.ComponentRef{Name: componentName(t)},
		CachingOptions: &pipelinespec.PipelineTaskSpec_CachingOptions{EnableCache: c.p.Caching},
	}
	if s.Caching != nil {
		ts.CachingOptions.EnableCache = *s.Caching
	}
	taskInputs := &pipelinespec.TaskInputsSpec{}

	// An earlier step, or an error naming the tag that refers to it.
	earlier := func(name, tag string) bool {
		j, ok := index[name]
		switch {
		case !ok:
			c.errorf(s.Cell, tag, "step %s: %s names no step of the pipeline", s.Name, tag)
		case j >= at:
			c.errorf(s.Cell, tag, "step %s: %s names step %s, which does not run before it (steps must be in dependency order)", s.Name, tag, name)
		default:
			return true
		}
		return false
	}
	for _, a := range s.After {
		earlier(a, "prev:"+a)
	}

	// Empty lists rather than null, so the runtime can iterate every field.
	spec := stepruntime.Spec{
		Notebook:   NotebookFile(c.opts.NotebookName),
		Step:       s.Name,
		Blocks:     []stepruntime.Block{},
		Ins:        append([]string{}, s.Ins...),
		Outs:       append([]string{}, s.Outs...),
		Parameters: []stepruntime.Param{},
		Metrics:    []stepruntime.Metric{},
	}
	for _, b := range s.Code {
		spec.Blocks = append(spec.Blocks, stepruntime.Block{Kind: string(b.Kind), Cell: b.Cell, Source: b.Source})
	}

	for _, v := range s.Ins {
		prod, ok := s.Producers[v]
		if !ok || prod == "" {
			c.errorf(s.Cell, v, "step %s: variable %s has no producing step", s.Name, v)
			continue
		}
		if !earlier(prod, "variable "+v+" from step "+prod) {
			continue
		}
		if !slices.Contains(c.p.Steps[index[prod]].Outs, v) {
			c.errorf(s.Cell, v, "step %s: loads %s from step %s, which does not save it", s.Name, v, prod)
			continue
		}
		if inputs.Artifacts == nil {
			inputs.Artifacts = map[string]*pipelinespec.ComponentInputsSpec_ArtifactSpec{}
			taskInputs.Artifacts = map[string]*pipelinespec.TaskInputsSpec_InputArtifactSpec{}
		}
		inputs.Artifacts[stepruntime.InputArtifact(v)] = &pipelinespec.ComponentInputsSpec_ArtifactSpec{ArtifactType: artifactType(ArtifactType(v))}
		taskInputs.Artifacts[stepruntime.InputArtifact(v)] = &pipelinespec.TaskInputsSpec_InputArtifactSpec{
			Kind: &pipelinespec.TaskInputsSpec_InputArtifactSpec_TaskOutputArtifact{
				TaskOutputArtifact: &pipelinespec.TaskInputsSpec_InputArtifactSpec_TaskOutputArtifactSpec{
					ProducerTask:      task[prod],
					OutputArtifactKey: stepruntime.OutputArtifact(v),
				},
			},
		}
	}
	for _, v := range s.Outs {
		addOutput(outputs, stepruntime.OutputArtifact(v), ArtifactType(v))
	}
	for _, name := range s.Parameters {
		pt, ok := paramTypes[name]
		if !ok {
			if _, declared := c.p.Parameter(name); !declared {
				c.errorf(s.Cell, name, "step %s: reads pipeline parameter %s, which the notebook does not declare", s.Name, name)
			}
			continue
		}
		kfpType, _ := parameterType(pt)
		if inputs.Parameters == nil {
			inputs.Parameters = map[string]*pipelinespec.ComponentInputsSpec_ParameterSpec{}
			taskInputs.Parameters = map[string]*pipelinespec.TaskInputsSpec_InputParameterSpec{}
		}
		inputs.Parameters[name] = &pipelinespec.ComponentInputsSpec_ParameterSpec{ParameterType: kfpType}
		taskInputs.Parameters[name] = &pipelinespec.TaskInputsSpec_InputParameterSpec{
			Kind: &pipelinespec.TaskInputsSpec_InputParameterSpec_ComponentInputParameter{ComponentInputParameter: name},
		}
		spec.Parameters = append(spec.Parameters, stepruntime.Param{Name: name, Type: string(pt)})
	}
	for _, m := range c.p.StepMetrics(s.Name) {
		spec.Metrics = append(spec.Metrics, stepruntime.Metric{Name: m.Name, Variable: m.Variable})
	}
	if len(spec.Metrics) > 0 {
		addOutput(outputs, stepruntime.MetricsArtifact, TypeMetrics)
	}
	spec.Report = s.Report == nil || *s.Report
	if spec.Report {
		addOutput(outputs, stepruntime.ReportArtifact(s.Name), TypeHTML)
	}

	if len(inputs.Parameters) > 0 || len(inputs.Artifacts) > 0 {
		comp.InputDefinitions = inputs
		ts.Inputs = taskInputs
	}
	if len(outputs.Artifacts) > 0 {
		comp.OutputDefinitions = outputs
	}
	for _, d := range s.Dependencies() {
		if t, ok := task[d]; ok {
			ts.DependentTasks = append(ts.DependentTasks, t)
		}
	}
	sortStrings(ts.DependentTasks)

	command, args, err := stepruntime.Container(spec)
	if err != nil {
		c.errorf(s.Cell, "", "step %s: %v", s.Name, err)
	}
	image := s.Image
	if image == "" {
		image = c.p.BaseImage
	}
	if image == "" {
		image = c.opts.DefaultImage
	}
	container := &pipelinespec.PipelineDeploymentConfig_PipelineContainerSpec{
		Image:     image,
		Command:   command,
		Args:      args,
		Env:       []*pipelinespec.PipelineDeploymentConfig_PipelineContainerSpec_EnvVar{{Name: "HOME", Value: "/tmp"}},
		Resources: c.containerResources(s),
	}
	for _, e := range mnts.env {
		container.Env = append(container.Env, &pipelinespec.PipelineDeploymentConfig_PipelineContainerSpec_EnvVar{Name: e.name, Value: e.value})
	}
	exec := &pipelinespec.PipelineDeploymentConfig_ExecutorSpec{
		Spec: &pipelinespec.PipelineDeploymentConfig_ExecutorSpec_Container{Container: container},
	}
	return comp, exec, ts
}

func addOutput(o *pipelinespec.ComponentOutputsSpec, name, schema string) {
	if o.Artifacts == nil {
		o.Artifacts = map[string]*pipelinespec.ComponentOutputsSpec_ArtifactSpec{}
	}
	o.Artifacts[name] = &pipelinespec.ComponentOutputsSpec_ArtifactSpec{ArtifactType: artifactType(schema)}
}

func artifactType(schema string) *pipelinespec.ArtifactTypeSchema {
	return &pipelinespec.ArtifactTypeSchema{
		Kind:          &pipelinespec.ArtifactTypeSchema_SchemaTitle{SchemaTitle: schema},
		SchemaVersion: "0.0.1",
	}
}
