package compiler

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"github.com/kubeflow/pipelines/kubernetes_platform/go/kubernetesplatform"
	"google.golang.org/protobuf/encoding/protojson"
)

// kfpNameRE is the pipeline name rule of the KFP API server.
var kfpNameRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

// placeholderRE finds the input and output references in container
// command lines.
var placeholderRE = regexp.MustCompile(`\{\{\$\.(inputs|outputs)\.(parameters|artifacts)\['([^']*)'\]`)

// Check verifies that a compiled pipeline hangs together the way the KFP
// backend needs it to: the schema version and name are accepted, every
// componentRef and executorLabel resolves, every task input is declared on
// its component and comes from a parent input or from a task the task
// depends on, every required input is supplied, the DAG has no cycle, every
// placeholder of a container names a declared input or output, and the
// platform spec only configures existing executors with known fields. It
// returns every problem found, joined.
func Check(r *Result) error {
	if r == nil || r.PipelineSpec == nil {
		return errors.New("no pipeline spec")
	}
	ck := &checker{spec: r.PipelineSpec}
	ck.run(r.PlatformSpec)
	sort.Strings(ck.problems)
	errs := make([]error, len(ck.problems))
	for i, p := range ck.problems {
		errs[i] = errors.New(p)
	}
	return errors.Join(errs...)
}

type checker struct {
	spec     *pipelinespec.PipelineSpec
	deploy   *pipelinespec.PipelineDeploymentConfig
	problems []string
}

func (ck *checker) addf(format string, args ...any) {
	ck.problems = append(ck.problems, fmt.Sprintf(format, args...))
}

func (ck *checker) run(platform *pipelinespec.PlatformSpec) {
	spec := ck.spec
	if spec.GetSchemaVersion() != SchemaVersion {
		ck.addf("schemaVersion is %q; KFP accepts only %s", spec.GetSchemaVersion(), SchemaVersion)
	}
	if name := spec.GetPipelineInfo().GetName(); !kfpNameRE.MatchString(name) {
		ck.addf("pipelineInfo.name %q is not a valid KFP pipeline name", name)
	}
	ck.deploy = &pipelinespec.PipelineDeploymentConfig{}
	if spec.GetDeploymentSpec() != nil {
		raw, err := protojson.Marshal(spec.GetDeploymentSpec())
		if err == nil {
			err = protojson.Unmarshal(raw, ck.deploy)
		}
		if err != nil {
			ck.addf("deploymentSpec: %v", err)
		}
	}
	if spec.GetRoot().GetDag() == nil {
		ck.addf("root: no DAG")
	} else {
		ck.dag("root", spec.GetRoot())
	}
	for _, name := range sortedMapKeys(spec.GetComponents()) {
		comp := spec.GetComponents()[name]
		switch impl := comp.GetImplementation().(type) {
		case *pipelinespec.ComponentSpec_ExecutorLabel:
			exec, ok := ck.deploy.GetExecutors()[impl.ExecutorLabel]
			if !ok {
				ck.addf("component %s: executorLabel %q names no executor in deploymentSpec", name, impl.ExecutorLabel)
				continue
			}
			if c := exec.GetContainer(); c != nil {
				ck.container(name, impl.ExecutorLabel, comp, c)
			}
		case *pipelinespec.ComponentSpec_Dag:
			ck.dag(name, comp)
		default:
			ck.addf("component %s: neither executorLabel nor dag", name)
		}
	}
	for _, label := range sortedMapKeys(ck.deploy.GetExecutors()) {
		if ck.deploy.GetExecutors()[label].GetContainer() != nil && ck.deploy.GetExecutors()[label].GetContainer().GetImage() == "" {
			ck.addf("executor %s: container has no image", label)
		}
	}
	for _, pname := range sortedMapKeys(platform.GetPlatforms()) {
		if pname != "kubernetes" {
			continue
		}
		execs := platform.GetPlatforms()[pname].GetDeploymentSpec().GetExecutors()
		for _, label := range sortedMapKeys(execs) {
			if _, ok := ck.deploy.GetExecutors()[label]; !ok {
				ck.addf("platform spec: kubernetes executor %s is not in deploymentSpec", label)
			}
			raw, err := protojson.Marshal(execs[label])
			if err == nil {
				err = protojson.Unmarshal(raw, &kubernetesplatform.KubernetesExecutorConfig{})
			}
			if err != nil {
				ck.addf("platform spec: kubernetes executor %s: %v", label, err)
			}
		}
	}
}

// container checks that every placeholder names an input or output the
// component declares.
func (ck *checker) container(comp, label string, c *pipelinespec.ComponentSpec, ctr *pipelinespec.PipelineDeploymentConfig_PipelineContainerSpec) {
	lines := append(append([]string(nil), ctr.GetCommand()...), ctr.GetArgs()...)
	for _, line := range lines {
		for _, m := range placeholderRE.FindAllStringSubmatch(line, -1) {
			dir, kind, name := m[1], m[2], m[3]
			var ok bool
			switch dir + "." + kind {
			case "inputs.parameters":
				_, ok = c.GetInputDefinitions().GetParameters()[name]
			case "inputs.artifacts":
				_, ok = c.GetInputDefinitions().GetArtifacts()[name]
			case "outputs.parameters":
				_, ok = c.GetOutputDefinitions().GetParameters()[name]
			case "outputs.artifacts":
				_, ok = c.GetOutputDefinitions().GetArtifacts()[name]
			}
			if !ok {
				ck.addf("executor %s: placeholder %s names %s %s %q, which component %s does not declare", label, m[0], dir, kind, name, comp)
			}
		}
	}
}

// dag checks the tasks of a DAG component.
func (ck *checker) dag(name string, parent *pipelinespec.ComponentSpec) {
	tasks := parent.GetDag().GetTasks()
	for _, key := range sortedMapKeys(tasks) {
		t := tasks[key]
		where := fmt.Sprintf("%s: task %s", name, key)
		if t.GetTaskInfo().GetName() == "" {
			ck.addf("%s: taskInfo.name is empty", where)
		}
		ref := t.GetComponentRef().GetName()
		comp, ok := ck.spec.GetComponents()[ref]
		if ref == "" || !ok {
			ck.addf("%s: componentRef %q names no component", where, ref)
			continue
		}
		deps := t.GetDependentTasks()
		for _, d := range deps {
			if _, ok := tasks[d]; !ok || d == key {
				ck.addf("%s: dependentTasks names %q, which is not another task of %s", where, d, name)
			}
		}
		producer := func(what, task string) *pipelinespec.ComponentSpec {
			pt, ok := tasks[task]
			switch {
			case !ok:
				ck.addf("%s: %s comes from task %q, which is not in %s", where, what, task, name)
			case !slices.Contains(deps, task):
				ck.addf("%s: %s comes from task %s, which is not in its dependentTasks", where, what, task)
			default:
				return ck.spec.GetComponents()[pt.GetComponentRef().GetName()]
			}
			return nil
		}
		for _, in := range sortedMapKeys(t.GetInputs().GetParameters()) {
			what := "input parameter " + in
			if _, ok := comp.GetInputDefinitions().GetParameters()[in]; !ok {
				ck.addf("%s: %s is not declared by component %s", where, what, ref)
			}
			switch k := t.GetInputs().GetParameters()[in].GetKind().(type) {
			case *pipelinespec.TaskInputsSpec_InputParameterSpec_ComponentInputParameter:
				if _, ok := parent.GetInputDefinitions().GetParameters()[k.ComponentInputParameter]; !ok {
					ck.addf("%s: %s reads %s input %q, which %s does not declare", where, what, name, k.ComponentInputParameter, name)
				}
			case *pipelinespec.TaskInputsSpec_InputParameterSpec_TaskOutputParameter:
				src := k.TaskOutputParameter
				if pc := producer(what, src.GetProducerTask()); pc != nil {
					if _, ok := pc.GetOutputDefinitions().GetParameters()[src.GetOutputParameterKey()]; !ok {
						ck.addf("%s: %s reads output parameter %q, which task %s does not produce", where, what, src.GetOutputParameterKey(), src.GetProducerTask())
					}
				}
			}
		}
		for _, in := range sortedMapKeys(t.GetInputs().GetArtifacts()) {
			what := "input artifact " + in
			if _, ok := comp.GetInputDefinitions().GetArtifacts()[in]; !ok {
				ck.addf("%s: %s is not declared by component %s", where, what, ref)
			}
			switch k := t.GetInputs().GetArtifacts()[in].GetKind().(type) {
			case *pipelinespec.TaskInputsSpec_InputArtifactSpec_ComponentInputArtifact:
				if _, ok := parent.GetInputDefinitions().GetArtifacts()[k.ComponentInputArtifact]; !ok {
					ck.addf("%s: %s reads %s input artifact %q, which %s does not declare", where, what, name, k.ComponentInputArtifact, name)
				}
			case *pipelinespec.TaskInputsSpec_InputArtifactSpec_TaskOutputArtifact:
				src := k.TaskOutputArtifact
				if pc := producer(what, src.GetProducerTask()); pc != nil {
					if _, ok := pc.GetOutputDefinitions().GetArtifacts()[src.GetOutputArtifactKey()]; !ok {
						ck.addf("%s: %s reads output artifact %q, which task %s does not produce", where, what, src.GetOutputArtifactKey(), src.GetProducerTask())
					}
				}
			}
		}
		for _, in := range sortedMapKeys(comp.GetInputDefinitions().GetParameters()) {
			p := comp.GetInputDefinitions().GetParameters()[in]
			if _, ok := t.GetInputs().GetParameters()[in]; !ok && p.GetDefaultValue() == nil && !p.GetIsOptional() {
				ck.addf("%s: required input parameter %s of component %s is not supplied", where, in, ref)
			}
		}
		for _, in := range sortedMapKeys(comp.GetInputDefinitions().GetArtifacts()) {
			if _, ok := t.GetInputs().GetArtifacts()[in]; !ok && !comp.GetInputDefinitions().GetArtifacts()[in].GetIsOptional() {
				ck.addf("%s: required input artifact %s of component %s is not supplied", where, in, ref)
			}
		}
	}
	if cycle := findCycle(tasks); cycle != nil {
		ck.addf("%s: the tasks depend on each other in a cycle: %v", name, cycle)
	}
}

// findCycle returns the tasks of a dependency cycle, or nil.
func findCycle(tasks map[string]*pipelinespec.PipelineTaskSpec) []string {
	const (
		unseen = iota
		active
		done
	)
	state := map[string]int{}
	var stack []string
	var visit func(string) []string
	visit = func(n string) []string {
		state[n] = active
		stack = append(stack, n)
		for _, d := range tasks[n].GetDependentTasks() {
			if _, ok := tasks[d]; !ok {
				continue
			}
			switch state[d] {
			case active:
				i := slices.Index(stack, d)
				return append(append([]string(nil), stack[i:]...), d)
			case unseen:
				if c := visit(d); c != nil {
					return c
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[n] = done
		return nil
	}
	for _, n := range sortedMapKeys(tasks) {
		if state[n] == unseen {
			if c := visit(n); c != nil {
				return c
			}
		}
	}
	return nil
}

func sortedMapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
