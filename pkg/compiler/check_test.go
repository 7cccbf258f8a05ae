package compiler

import (
	"strings"
	"testing"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	kfpcompiler "github.com/kubeflow/pipelines/backend/src/v2/compiler"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

func TestCheckFindsBrokenSpecs(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(r *Result)
		want   string
	}{
		{"dangling componentRef", func(r *Result) {
			tasks(r)["b"].ComponentRef.Name = "comp-missing"
		}, `root: task b: componentRef "comp-missing" names no component`},
		{"dangling executorLabel", func(r *Result) {
			r.PipelineSpec.Components["comp-a"].Implementation = &pipelinespec.ComponentSpec_ExecutorLabel{ExecutorLabel: "exec-gone"}
		}, `component comp-a: executorLabel "exec-gone" names no executor`},
		{"input not declared on the component", func(r *Result) {
			delete(r.PipelineSpec.Components["comp-b"].InputDefinitions.Artifacts, "x_input_artifact")
		}, "input artifact x_input_artifact is not declared by component comp-b"},
		{"producer missing from dependentTasks", func(r *Result) {
			tasks(r)["b"].DependentTasks = nil
		}, "comes from task a, which is not in its dependentTasks"},
		{"producer does not produce the artifact", func(r *Result) {
			delete(r.PipelineSpec.Components["comp-a"].OutputDefinitions.Artifacts, "x_output_artifact")
		}, `reads output artifact "x_output_artifact", which task a does not produce`},
		{"root parameter missing", func(r *Result) {
			r.PipelineSpec.Root.InputDefinitions = nil
		}, `reads root input "n", which root does not declare`},
		{"required input not supplied", func(r *Result) {
			delete(tasks(r)["b"].Inputs.Parameters, "n")
		}, "required input parameter n of component comp-b is not supplied"},
		{"cycle", func(r *Result) {
			tasks(r)["a"].DependentTasks = []string{"b"}
		}, "in a cycle: [a b a]"},
		{"placeholder names an undeclared input", func(r *Result) {
			delete(r.PipelineSpec.Components["comp-b"].InputDefinitions.Parameters, "n")
			delete(tasks(r)["b"].Inputs.Parameters, "n")
		}, `placeholder {{$.inputs.parameters['n'] names inputs parameters "n", which component comp-b does not declare`},
		{"wrong schema version", func(r *Result) { r.PipelineSpec.SchemaVersion = "2.0.0" }, `schemaVersion is "2.0.0"`},
		{"platform executor that does not exist", func(r *Result) {
			r.PlatformSpec = &pipelinespec.PlatformSpec{Platforms: map[string]*pipelinespec.SinglePlatformSpec{"kubernetes": {
				DeploymentSpec: &pipelinespec.PlatformDeploymentConfig{Executors: map[string]*structpb.Struct{"exec-zz": {}}}}}}
		}, "kubernetes executor exec-zz is not in deploymentSpec"},
		{"platform field the pinned proto lacks", func(r *Result) {
			st, _ := structpb.NewStruct(map[string]any{"securityContext": map[string]any{"runAsUser": 1}})
			r.PlatformSpec = &pipelinespec.PlatformSpec{Platforms: map[string]*pipelinespec.SinglePlatformSpec{"kubernetes": {
				DeploymentSpec: &pipelinespec.PlatformDeploymentConfig{Executors: map[string]*structpb.Struct{"exec-a": st}}}}}
		}, `unknown field "securityContext"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := mustCompile(t, twoStep(), Options{})
			tc.mutate(r)
			err := Check(r)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Check error:\n%v\nwant one containing %q", err, tc.want)
			}
		})
	}
}

// acceptAll is a KFP compiler visitor that records what it is shown.
type acceptAll struct {
	containers, dags, k8s []string
}

func (v *acceptAll) Container(name string, _ *pipelinespec.ComponentSpec, _ *pipelinespec.PipelineDeploymentConfig_PipelineContainerSpec) error {
	v.containers = append(v.containers, name)
	return nil
}

func (v *acceptAll) Importer(string, *pipelinespec.ComponentSpec, *pipelinespec.PipelineDeploymentConfig_ImporterSpec) error {
	return nil
}

func (v *acceptAll) Resolver(string, *pipelinespec.ComponentSpec, *pipelinespec.PipelineDeploymentConfig_ResolverSpec) error {
	return nil
}

func (v *acceptAll) DAG(name string, _ *pipelinespec.ComponentSpec, _ *pipelinespec.DagSpec) error {
	v.dags = append(v.dags, name)
	return nil
}

func (v *acceptAll) AddKubernetesSpec(name string, _ *structpb.Struct) error {
	v.k8s = append(v.k8s, name)
	return nil
}

// kfpAccept runs KFP's own compiler walk (backend/src/v2/compiler.Accept)
// over a compiled pipeline, as the KFP backend does before it builds the
// Argo workflow, and checks every step's component was visited.
func kfpAccept(t *testing.T, r *Result) {
	t.Helper()
	raw, err := canonicalJSON(r.PipelineSpec)
	if err != nil {
		t.Fatal(err)
	}
	st := &structpb.Struct{}
	if err := st.UnmarshalJSON(raw); err != nil {
		t.Fatal(err)
	}
	var k8s *pipelinespec.SinglePlatformSpec
	if r.PlatformSpec != nil {
		k8s = proto.Clone(r.PlatformSpec.GetPlatforms()["kubernetes"]).(*pipelinespec.SinglePlatformSpec)
	}
	v := &acceptAll{}
	if err := kfpcompiler.Accept(&pipelinespec.PipelineJob{PipelineSpec: st}, k8s, v); err != nil {
		t.Fatalf("KFP compiler.Accept rejects the pipeline: %v", err)
	}
	if len(v.containers) != len(r.PipelineSpec.GetComponents()) || len(v.dags) != 1 {
		t.Errorf("Accept visited %d containers and %d DAGs; want %d and 1", len(v.containers), len(v.dags), len(r.PipelineSpec.GetComponents()))
	}
	if want := len(r.PlatformSpec.GetPlatforms()["kubernetes"].GetDeploymentSpec().GetExecutors()); len(v.k8s) != want {
		t.Errorf("Accept saw %d Kubernetes executor configs, want %d", len(v.k8s), want)
	}
}

func TestKFPAcceptsHandBuiltModels(t *testing.T) {
	for name, model := range models {
		t.Run(name, func(t *testing.T) {
			kfpAccept(t, mustCompile(t, model(), Options{}))
		})
	}
}

func TestKFPAcceptRejectsDanglingRef(t *testing.T) {
	// The validator is not a yes-man: the same call fails on a broken spec.
	r := mustCompile(t, twoStep(), Options{})
	tasks(r)["b"].ComponentRef.Name = "comp-missing"
	raw, _ := canonicalJSON(r.PipelineSpec)
	st := &structpb.Struct{}
	if err := st.UnmarshalJSON(raw); err != nil {
		t.Fatal(err)
	}
	err := kfpcompiler.Accept(&pipelinespec.PipelineJob{PipelineSpec: st}, nil, &acceptAll{})
	if err == nil || !strings.Contains(err.Error(), "comp-missing") {
		t.Errorf("Accept of a dangling componentRef: %v", err)
	}
}
