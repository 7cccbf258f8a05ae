package local

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"github.com/kubeflow/pipelines/kubernetes_platform/go/kubernetesplatform"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

// task is one root DAG task resolved against its component and executor.
type task struct {
	name      string
	deps      []string
	spec      *pipelinespec.PipelineTaskSpec
	component *pipelinespec.ComponentSpec
	container *pipelinespec.PipelineDeploymentConfig_PipelineContainerSpec
	k8s       *kubernetesplatform.KubernetesExecutorConfig
}

// plan is the pipeline as the local runner executes it: the root DAG's tasks
// in a deterministic topological order.
type plan struct {
	name   string
	params map[string]*structpb.Value
	types  map[string]pipelinespec.ParameterType_ParameterTypeEnum
	tasks  []*task
	byName map[string]*task
}

// newPlan checks that the IR is something this runner can execute (container
// executors in the root DAG) and resolves every task.
func newPlan(spec *pipelinespec.PipelineSpec, platform *pipelinespec.PlatformSpec, overrides map[string]any) (*plan, error) {
	if spec == nil || spec.GetRoot() == nil {
		return nil, fmt.Errorf("pipeline spec has no root component")
	}
	dag := spec.GetRoot().GetDag()
	if dag == nil {
		return nil, fmt.Errorf("pipeline spec root is not a DAG")
	}
	executors, err := deploymentExecutors(spec.GetDeploymentSpec())
	if err != nil {
		return nil, err
	}
	k8s, err := platformExecutors(platform)
	if err != nil {
		return nil, err
	}
	p := &plan{
		name:   spec.GetPipelineInfo().GetName(),
		params: map[string]*structpb.Value{},
		types:  map[string]pipelinespec.ParameterType_ParameterTypeEnum{},
		byName: map[string]*task{},
	}
	if err := p.rootParams(spec.GetRoot(), overrides); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(dag.GetTasks()))
	for n := range dag.GetTasks() {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		ts := dag.GetTasks()[n]
		t, err := resolveTask(n, ts, spec, executors, k8s)
		if err != nil {
			return nil, err
		}
		p.byName[n] = t
	}
	order, err := topoSort(names, p.byName)
	if err != nil {
		return nil, err
	}
	p.tasks = order
	return p, nil
}

func (p *plan) rootParams(root *pipelinespec.ComponentSpec, overrides map[string]any) error {
	defs := root.GetInputDefinitions().GetParameters()
	for name, def := range defs {
		p.types[name] = def.GetParameterType()
		if def.GetDefaultValue() != nil {
			p.params[name] = def.GetDefaultValue()
		}
	}
	for name, v := range overrides {
		if _, ok := defs[name]; !ok {
			return fmt.Errorf("parameter %s: the pipeline has no such parameter (it has: %s)", name, strings.Join(slices.Sorted(maps.Keys(defs)), ", "))
		}
		val, err := structpb.NewValue(v)
		if err != nil {
			return fmt.Errorf("parameter %s: %w", name, err)
		}
		p.params[name] = val
	}
	for name, def := range defs {
		if _, ok := p.params[name]; !ok && !def.GetIsOptional() {
			return fmt.Errorf("parameter %s has no default and no value was given", name)
		}
	}
	return nil
}

func resolveTask(name string, ts *pipelinespec.PipelineTaskSpec, spec *pipelinespec.PipelineSpec,
	executors map[string]*pipelinespec.PipelineDeploymentConfig_ExecutorSpec,
	k8s map[string]*kubernetesplatform.KubernetesExecutorConfig) (*task, error) {
	if name == "" || strings.HasPrefix(name, ".") || strings.ContainsAny(name, `/\`) {
		return nil, fmt.Errorf("task %q: local runs need task names that can name a folder", name)
	}
	if ts.GetIterator() != nil || ts.GetTriggerPolicy().GetCondition() != "" {
		return nil, fmt.Errorf("task %s: loops and conditions are not supported by local runs", name)
	}
	ref := ts.GetComponentRef().GetName()
	comp, ok := spec.GetComponents()[ref]
	if !ok {
		return nil, fmt.Errorf("task %s: component %q is not defined in the pipeline spec", name, ref)
	}
	if comp.GetDag() != nil {
		return nil, fmt.Errorf("task %s: component %s is a sub-DAG; local runs support container steps in the root DAG only", name, ref)
	}
	label := comp.GetExecutorLabel()
	ex, ok := executors[label]
	if !ok {
		return nil, fmt.Errorf("task %s: executor %q is not in the deployment spec", name, label)
	}
	c := ex.GetContainer()
	if c == nil {
		return nil, fmt.Errorf("task %s: executor %s is not a container executor; local runs support containers only", name, label)
	}
	if len(c.GetCommand()) == 0 {
		return nil, fmt.Errorf("task %s: executor %s has no command: local runs cannot use an image's entrypoint", name, label)
	}
	deps := append([]string(nil), ts.GetDependentTasks()...)
	for in, a := range ts.GetInputs().GetArtifacts() {
		prod := a.GetTaskOutputArtifact().GetProducerTask()
		if prod == "" {
			return nil, fmt.Errorf("task %s: input artifact %s does not come from another task; local runs cannot provide it", name, in)
		}
		deps = append(deps, prod)
	}
	for _, prm := range ts.GetInputs().GetParameters() {
		if prod := prm.GetTaskOutputParameter().GetProducerTask(); prod != "" {
			deps = append(deps, prod)
		}
	}
	sort.Strings(deps)
	deps = compact(deps)
	return &task{name: name, deps: deps, spec: ts, component: comp, container: c, k8s: k8s[label]}, nil
}

// topoSort orders tasks dependencies first, ties by name.
func topoSort(names []string, tasks map[string]*task) ([]*task, error) {
	indeg := map[string]int{}
	users := map[string][]string{}
	for _, n := range names {
		for _, d := range tasks[n].deps {
			if _, ok := tasks[d]; !ok {
				return nil, fmt.Errorf("task %s depends on %s, which is not a task of the root DAG", n, d)
			}
			indeg[n]++
			users[d] = append(users[d], n)
		}
	}
	var ready []string
	for _, n := range names {
		if indeg[n] == 0 {
			ready = append(ready, n)
		}
	}
	var out []*task
	for len(ready) > 0 {
		sort.Strings(ready)
		n := ready[0]
		ready = ready[1:]
		out = append(out, tasks[n])
		for _, u := range users[n] {
			indeg[u]--
			if indeg[u] == 0 {
				ready = append(ready, u)
			}
		}
	}
	if len(out) != len(names) {
		var cyc []string
		for _, n := range names {
			if indeg[n] > 0 {
				cyc = append(cyc, n)
			}
		}
		return nil, fmt.Errorf("tasks %s depend on each other in a cycle", strings.Join(cyc, ", "))
	}
	return out, nil
}

func deploymentExecutors(s *structpb.Struct) (map[string]*pipelinespec.PipelineDeploymentConfig_ExecutorSpec, error) {
	if s == nil {
		return nil, fmt.Errorf("pipeline spec has no deploymentSpec")
	}
	b, err := protojson.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("reading deploymentSpec: %w", err)
	}
	var dc pipelinespec.PipelineDeploymentConfig
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, &dc); err != nil {
		return nil, fmt.Errorf("reading deploymentSpec: %w", err)
	}
	return dc.GetExecutors(), nil
}

func platformExecutors(p *pipelinespec.PlatformSpec) (map[string]*kubernetesplatform.KubernetesExecutorConfig, error) {
	out := map[string]*kubernetesplatform.KubernetesExecutorConfig{}
	for label, s := range p.GetPlatforms()["kubernetes"].GetDeploymentSpec().GetExecutors() {
		b, err := protojson.Marshal(s)
		if err != nil {
			return nil, fmt.Errorf("reading platform spec for %s: %w", label, err)
		}
		var cfg kubernetesplatform.KubernetesExecutorConfig
		if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, &cfg); err != nil {
			return nil, fmt.Errorf("reading platform spec for %s: %w", label, err)
		}
		out[label] = &cfg
	}
	return out, nil
}

func compact(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// ParseParameters converts NAME=VALUE text (from --param flags) into typed
// values for Options.Parameters, checked against the pipeline's parameter
// types: integers, numbers, true/false, JSON for lists and structs, and
// strings as given (quotes and newlines included).
func ParseParameters(spec *pipelinespec.PipelineSpec, texts map[string]string) (map[string]any, error) {
	if len(texts) == 0 {
		return nil, nil
	}
	defs := spec.GetRoot().GetInputDefinitions().GetParameters()
	out := map[string]any{}
	var errs []string
	for _, name := range slices.Sorted(maps.Keys(texts)) {
		def, ok := defs[name]
		if !ok {
			errs = append(errs, fmt.Sprintf("--param %s: the pipeline has no such parameter (it has: %s)", name, strings.Join(slices.Sorted(maps.Keys(defs)), ", ")))
			continue
		}
		v, err := parseParam(texts[name], def.GetParameterType())
		if err == nil && def.GetParameterType() == pipelinespec.ParameterType_NUMBER_INTEGER {
			f := v.GetNumberValue()
			if f != float64(int64(f)) {
				err = fmt.Errorf("%q is not a whole number", texts[name])
			}
		}
		if err != nil {
			errs = append(errs, fmt.Sprintf("--param %s: %v (the parameter is %s)", name, err, ParamTypeName(def.GetParameterType())))
			continue
		}
		out[name] = v.AsInterface()
	}
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "\n"))
	}
	return out, nil
}

// ParamTypeName names a KFP parameter type as --param messages do ("an int").
func ParamTypeName(t pipelinespec.ParameterType_ParameterTypeEnum) string {
	switch t {
	case pipelinespec.ParameterType_NUMBER_INTEGER:
		return "an int"
	case pipelinespec.ParameterType_NUMBER_DOUBLE:
		return "a float"
	case pipelinespec.ParameterType_BOOLEAN:
		return "a bool"
	case pipelinespec.ParameterType_STRING:
		return "a str"
	}
	return strings.ToLower(t.String())
}
