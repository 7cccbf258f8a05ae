package compiler

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"github.com/kubeflow/pipelines/kubernetes_platform/go/kubernetesplatform"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/kubeflow-kale/kale/pkg/diag"
	"github.com/kubeflow-kale/kale/pkg/pipeline"
	"github.com/kubeflow-kale/kale/pkg/stepruntime"
)

func mustCompile(t testing.TB, p *pipeline.Pipeline, opts Options) *Result {
	t.Helper()
	if opts.DefaultImage == "" {
		opts.DefaultImage = "example.com/default:1"
	}
	res, err := Compile(p, opts)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	if err := Check(res); err != nil {
		t.Fatalf("Check of compiled pipeline:\n%v", err)
	}
	return res
}

func tasks(r *Result) map[string]*pipelinespec.PipelineTaskSpec {
	return r.PipelineSpec.GetRoot().GetDag().GetTasks()
}

// stepSpec decodes the step spec in the task's container arguments.
func stepSpec(t *testing.T, r *Result, task string) stepruntime.Spec {
	t.Helper()
	args := container(t, r, task).GetArgs()
	i := slices.Index(args, stepruntime.SpecFlag)
	if i < 0 || i+1 >= len(args) {
		t.Fatalf("task %s: no %s argument in %q", task, stepruntime.SpecFlag, args)
	}
	s, err := stepruntime.DecodeSpec(args[i+1])
	if err != nil {
		t.Fatalf("task %s: %v", task, err)
	}
	return s
}

func container(t *testing.T, r *Result, task string) *pipelinespec.PipelineDeploymentConfig_PipelineContainerSpec {
	t.Helper()
	d := &pipelinespec.PipelineDeploymentConfig{}
	raw, _ := protojson.Marshal(r.PipelineSpec.GetDeploymentSpec())
	if err := protojson.Unmarshal(raw, d); err != nil {
		t.Fatal(err)
	}
	e, ok := d.GetExecutors()["exec-"+task]
	if !ok {
		t.Fatalf("no executor exec-%s", task)
	}
	return e.GetContainer()
}

func k8sConfig(t *testing.T, r *Result, task string) *kubernetesplatform.KubernetesExecutorConfig {
	t.Helper()
	st := r.PlatformSpec.GetPlatforms()["kubernetes"].GetDeploymentSpec().GetExecutors()["exec-"+task]
	if st == nil {
		return nil
	}
	raw, _ := protojson.Marshal(st)
	cfg := &kubernetesplatform.KubernetesExecutorConfig{}
	if err := protojson.Unmarshal(raw, cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func env(c *pipelinespec.PipelineDeploymentConfig_PipelineContainerSpec) map[string]string {
	out := map[string]string{}
	for _, e := range c.GetEnv() {
		out[e.GetName()] = e.GetValue()
	}
	return out
}

func TestCompileTwoStepShape(t *testing.T) {
	r := mustCompile(t, twoStep(), Options{NotebookName: "two.ipynb"})
	s := r.PipelineSpec
	if s.GetSchemaVersion() != "2.1.0" || s.GetPipelineInfo().GetName() != "two-step" || !strings.HasPrefix(s.GetSdkVersion(), "kale-") {
		t.Errorf("header: schema %q name %q sdk %q", s.GetSchemaVersion(), s.GetPipelineInfo().GetName(), s.GetSdkVersion())
	}
	if r.PlatformSpec != nil {
		t.Errorf("platform spec without any Kubernetes option: %v", r.PlatformSpec)
	}
	n := s.GetRoot().GetInputDefinitions().GetParameters()["n"]
	if n.GetParameterType() != pipelinespec.ParameterType_NUMBER_INTEGER || n.GetDefaultValue().GetNumberValue() != 3 {
		t.Errorf("root parameter n = %v", n)
	}
	b := tasks(r)["b"]
	if b.GetTaskInfo().GetName() != "b-step" || b.GetComponentRef().GetName() != "comp-b" {
		t.Errorf("task b: %v", b)
	}
	if !slices.Equal(b.GetDependentTasks(), []string{"a"}) {
		t.Errorf("b depends on %v, want [a]", b.GetDependentTasks())
	}
	in := b.GetInputs().GetArtifacts()["x_input_artifact"].GetTaskOutputArtifact()
	if in.GetProducerTask() != "a" || in.GetOutputArtifactKey() != "x_output_artifact" {
		t.Errorf("b's x comes from %v", in)
	}
	if got := b.GetInputs().GetParameters()["n"].GetComponentInputParameter(); got != "n" {
		t.Errorf("b's n comes from %q", got)
	}
	comp := s.GetComponents()["comp-b"]
	if comp.GetExecutorLabel() != "exec-b" || comp.GetInputDefinitions().GetParameters()["n"].GetParameterType() != pipelinespec.ParameterType_NUMBER_INTEGER {
		t.Errorf("comp-b: %v", comp)
	}
	if got := comp.GetOutputDefinitions().GetArtifacts()["b_html_report"].GetArtifactType().GetSchemaTitle(); got != "system.HTML" {
		t.Errorf("b_html_report type %q", got)
	}
	c := container(t, r, "b")
	if c.GetImage() != "example.com/default:1" {
		t.Errorf("image %q", c.GetImage())
	}
	if env(c)["HOME"] != "/tmp" {
		t.Errorf("env %v lacks HOME=/tmp", env(c))
	}
	wantCmd, wantArgs, _ := stepruntime.Container(stepruntime.Spec{
		Notebook: "two.ipynb", Step: "b", Ins: []string{"x"}, Outs: []string{}, Metrics: []stepruntime.Metric{},
		Blocks:     []stepruntime.Block{{Kind: "imports", Cell: 0, Source: "import math"}, {Kind: "step", Cell: 3, Source: "print(x * n)"}},
		Parameters: []stepruntime.Param{{Name: "n", Type: "int"}}, Report: true,
	})
	if !slices.Equal(c.GetCommand(), wantCmd) || !slices.Equal(c.GetArgs(), wantArgs) {
		t.Errorf("container of b:\n args %q\nwant %q", c.GetArgs(), wantArgs)
	}
	if !b.GetCachingOptions().GetEnableCache() {
		t.Errorf("caching off although the notebook enables it")
	}
}

func TestCompileBehaviour(t *testing.T) {
	tests := []struct {
		name  string
		model func() *pipeline.Pipeline
		opts  Options
		check func(t *testing.T, r *Result)
	}{
		{
			name: "prev edge without data is a dependency",
			model: func() *pipeline.Pipeline {
				return &pipeline.Pipeline{Name: "prev", Caching: true, Steps: []*pipeline.Step{
					{Name: "a", Outs: []string{"a"}},
					{Name: "b"},
					{Name: "c", After: []string{"a", "b"}, Ins: []string{"a"}, Producers: map[string]string{"a": "a"}},
				}}
			},
			check: func(t *testing.T, r *Result) {
				if got := tasks(r)["c"].GetDependentTasks(); !slices.Equal(got, []string{"a", "b"}) {
					t.Errorf("c depends on %v, want [a b]", got)
				}
			},
		},
		{
			name: "independent roots do not depend on each other",
			model: func() *pipeline.Pipeline {
				return &pipeline.Pipeline{Name: "roots", Caching: true, Steps: []*pipeline.Step{
					{Name: "a", Outs: []string{"a"}},
					{Name: "b", Outs: []string{"b"}},
					{Name: "c", After: []string{"a", "b"}, Ins: []string{"a", "b"}, Producers: map[string]string{"a": "a", "b": "b"}},
				}}
			},
			check: func(t *testing.T, r *Result) {
				if d := tasks(r)["a"].GetDependentTasks(); len(d) != 0 {
					t.Errorf("a depends on %v", d)
				}
				if d := tasks(r)["b"].GetDependentTasks(); len(d) != 0 {
					t.Errorf("b depends on %v", d)
				}
			},
		},
		{
			name: "producer without a prev tag is still a dependency",
			model: func() *pipeline.Pipeline {
				return &pipeline.Pipeline{Name: "data", Caching: true, Steps: []*pipeline.Step{
					{Name: "a", Outs: []string{"x"}},
					{Name: "b"},
					{Name: "c", After: []string{"b"}, Ins: []string{"x"}, Producers: map[string]string{"x": "a"}},
				}}
			},
			check: func(t *testing.T, r *Result) {
				if got := tasks(r)["c"].GetDependentTasks(); !slices.Equal(got, []string{"a", "b"}) {
					t.Errorf("c depends on %v, want [a b]", got)
				}
			},
		},
		{
			name: "a step's cache tag wins over the notebook default",
			model: func() *pipeline.Pipeline {
				p := twoStep()
				p.Caching = false
				p.Steps[1].Caching = boolp(true)
				return p
			},
			check: func(t *testing.T, r *Result) {
				if tasks(r)["a"].GetCachingOptions().GetEnableCache() {
					t.Error("a caches although enable_caching is false")
				}
				if !tasks(r)["b"].GetCachingOptions().GetEnableCache() {
					t.Error("b does not cache although tagged cache:enabled")
				}
			},
		},
		{
			name: "variables named like a model are system.Model",
			model: func() *pipeline.Pipeline {
				return &pipeline.Pipeline{Name: "models", Caching: true, Steps: []*pipeline.Step{
					{Name: "a", Outs: []string{"data_frame", "my_model"}},
					{Name: "b", After: []string{"a"}, Ins: []string{"data_frame", "my_model"}, Producers: map[string]string{"data_frame": "a", "my_model": "a"}},
				}}
			},
			check: func(t *testing.T, r *Result) {
				outs := r.PipelineSpec.GetComponents()["comp-a"].GetOutputDefinitions().GetArtifacts()
				ins := r.PipelineSpec.GetComponents()["comp-b"].GetInputDefinitions().GetArtifacts()
				for name, want := range map[string]string{"my_model": "system.Model", "data_frame": "system.Dataset"} {
					if got := outs[name+"_output_artifact"].GetArtifactType().GetSchemaTitle(); got != want {
						t.Errorf("output %s is %q, want %s", name, got, want)
					}
					if got := ins[name+"_input_artifact"].GetArtifactType().GetSchemaTitle(); got != want {
						t.Errorf("input %s is %q, want %s", name, got, want)
					}
				}
			},
		},
		{
			name: "the step reporting metrics declares a metrics artifact",
			model: func() *pipeline.Pipeline {
				p := twoStep()
				p.Metrics = []pipeline.Metric{{Name: "my-acc", Variable: "my_acc", Step: "b"}}
				return p
			},
			check: func(t *testing.T, r *Result) {
				b := r.PipelineSpec.GetComponents()["comp-b"].GetOutputDefinitions().GetArtifacts()
				if got := b[stepruntime.MetricsArtifact].GetArtifactType().GetSchemaTitle(); got != "system.Metrics" {
					t.Errorf("metrics artifact type %q", got)
				}
				if _, ok := r.PipelineSpec.GetComponents()["comp-a"].GetOutputDefinitions().GetArtifacts()[stepruntime.MetricsArtifact]; ok {
					t.Error("a declares metrics it does not report")
				}
				args := container(t, r, "b").GetArgs()
				if got := stepSpec(t, r, "b").Metrics; !slices.Equal(got, []stepruntime.Metric{{Name: "my-acc", Variable: "my_acc"}}) || !slices.Contains(args, "--metrics") {
					t.Errorf("b's args do not pass the metric: spec metrics %v, args %q", got, args)
				}
			},
		},
		{
			name: "image: tag, then base_image, then the default image",
			model: func() *pipeline.Pipeline {
				p := twoStep()
				p.BaseImage = "base:1"
				p.Steps[0].Image = "own:2"
				return p
			},
			check: func(t *testing.T, r *Result) {
				if got := container(t, r, "a").GetImage(); got != "own:2" {
					t.Errorf("a runs on %q, want own:2", got)
				}
				if got := container(t, r, "b").GetImage(); got != "base:1" {
					t.Errorf("b runs on %q, want base:1", got)
				}
			},
		},
		{
			name: "GPU, CPU and memory limits fill the container resources",
			model: func() *pipeline.Pipeline {
				p := twoStep()
				p.Steps[0].Limits = map[string]string{"amd.com/gpu": "1", "cpu": "500m", "memory": "2Gi"}
				return p
			},
			check: func(t *testing.T, r *Result) {
				res := container(t, r, "a").GetResources()
				acc := res.GetAccelerator()
				if acc.GetResourceType() != "amd.com/gpu" || acc.GetResourceCount() != "1" || acc.GetType() != "amd.com/gpu" || acc.GetCount() != 1 {
					t.Errorf("accelerator %v", acc)
				}
				if res.GetResourceCpuLimit() != "500m" || res.GetCpuLimit() != 0.5 {
					t.Errorf("cpu limit %q / %v", res.GetResourceCpuLimit(), res.GetCpuLimit())
				}
				if res.GetResourceMemoryLimit() != "2Gi" || res.GetMemoryLimit() != 2.147483648 {
					t.Errorf("memory limit %q / %v", res.GetResourceMemoryLimit(), res.GetMemoryLimit())
				}
				if container(t, r, "b").GetResources() != nil {
					t.Error("b has resources it did not ask for")
				}
			},
		},
		{
			name:  "Kubernetes options go to the platform spec",
			model: kubernetesOptions,
			check: func(t *testing.T, r *Result) {
				a := k8sConfig(t, r, "a")
				if a.GetPodMetadata().GetLabels()["team"] != "ml" || a.GetPodMetadata().GetAnnotations()["example.com/url"] != "http://x.y:80" {
					t.Errorf("pod metadata %v", a.GetPodMetadata())
				}
				var secrets []string
				for _, s := range a.GetSecretAsEnv() {
					for _, k := range s.GetKeyToEnv() {
						secrets = append(secrets, s.GetSecretName()+"/"+k.GetSecretKey()+"="+k.GetEnvVar())
					}
				}
				if want := []string{"api/key=API_KEY", "db/password=DB_PASS", "db/user=DB_USER"}; !slices.Equal(secrets, want) {
					t.Errorf("secrets %v, want %v", secrets, want)
				}
				for _, task := range []string{"a", "b"} {
					cfg := k8sConfig(t, r, task)
					var pvcs []string
					for _, m := range cfg.GetPvcMount() {
						pvcs = append(pvcs, m.GetConstant()+":"+m.GetMountPath())
					}
					if want := []string{"data-pvc:/data", "scratch:/scratch"}; !slices.Equal(pvcs, want) {
						t.Errorf("%s mounts %v, want %v", task, pvcs, want)
					}
					e := env(container(t, r, task))
					if e["KALE_VOLUME_DATA_PVC"] != "/data" || e["HOME"] != "/tmp" {
						t.Errorf("%s env %v", task, e)
					}
					if _, ok := e["KALE_VOLUME_SCRATCH"]; ok {
						t.Errorf("%s exposes scratch although not asked to", task)
					}
				}
				if k8sConfig(t, r, "b").GetPodMetadata() != nil {
					t.Error("b got a's labels")
				}
				if got := container(t, r, "a").GetResources().GetAccelerator().GetCount(); got != 2 {
					t.Errorf("a asks for %d GPUs, want 2", got)
				}
				if tasks(r)["a"].GetCachingOptions().GetEnableCache() {
					t.Error("a caches despite cache:disabled")
				}
				if _, ok := r.PipelineSpec.GetComponents()["comp-b"].GetOutputDefinitions().GetArtifacts()["b_html_report"]; ok {
					t.Error("b declares a report despite report:disabled")
				}
				var msgs []string
				for _, w := range r.Warnings {
					msgs = append(msgs, w.Message)
				}
				joined := strings.Join(msgs, "\n")
				for _, want := range []string{"a model warning", "ephemeral-storage", `volume old: type "new_pvc"`} {
					if !strings.Contains(joined, want) {
						t.Errorf("warnings lack %q:\n%s", want, joined)
					}
				}
				if len(msgs) != 3 {
					t.Errorf("want 3 warnings, got:\n%s", joined)
				}
			},
		},
		{
			name: "a security context the pinned spec cannot carry is a warning",
			model: func() *pipeline.Pipeline {
				p := twoStep()
				uid := int64(1000)
				p.SecurityContext = &pipeline.SecurityContext{Enabled: true, RunAsUser: &uid}
				return p
			},
			check: func(t *testing.T, r *Result) {
				if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0].Message, "no securityContext field") {
					t.Errorf("warnings %v", r.Warnings)
				}
				if strings.Contains(fmt.Sprint(r.PlatformSpec), "1000") {
					t.Error("the security context leaked into the platform spec")
				}
			},
		},
		{
			name: "a disabled security context is silent",
			model: func() *pipeline.Pipeline {
				p := twoStep()
				p.SecurityContext = &pipeline.SecurityContext{Enabled: false}
				return p
			},
			check: func(t *testing.T, r *Result) {
				if len(r.Warnings) != 0 {
					t.Errorf("warnings %v", r.Warnings)
				}
			},
		},
		{
			name:  "parameter overrides become the new defaults",
			model: titanicLike,
			opts:  Options{ParamOverrides: map[string]string{"seed": "7", "PREDICTION_LABEL": "it's\n\"quoted\""}},
			check: func(t *testing.T, r *Result) {
				ps := r.PipelineSpec.GetRoot().GetInputDefinitions().GetParameters()
				if ps["seed"].GetDefaultValue().GetNumberValue() != 7 {
					t.Errorf("seed default %v", ps["seed"].GetDefaultValue())
				}
				if got := ps["PREDICTION_LABEL"].GetDefaultValue().GetStringValue(); got != "it's\n\"quoted\"" {
					t.Errorf("PREDICTION_LABEL default %q", got)
				}
			},
		},
		{
			name: "an upper-case parameter can be overridden in lower case, as Kale names it",
			model: func() *pipeline.Pipeline {
				p := twoStep()
				p.Parameters = append(p.Parameters, pipeline.Parameter{Name: "LR", Type: pipeline.Float, Default: 0.1})
				return p
			},
			opts: Options{ParamOverrides: map[string]string{"lr": "0.5"}},
			check: func(t *testing.T, r *Result) {
				if got := r.PipelineSpec.GetRoot().GetInputDefinitions().GetParameters()["LR"].GetDefaultValue().GetNumberValue(); got != 0.5 {
					t.Errorf("LR default %v, want 0.5", got)
				}
			},
		},
		{
			name: "step names that differ only in punctuation get distinct tasks",
			model: func() *pipeline.Pipeline {
				return &pipeline.Pipeline{Name: "names", Caching: true, Steps: []*pipeline.Step{{Name: "load_data"}, {Name: "load__data"}, {Name: "_"}}}
			},
			check: func(t *testing.T, r *Result) {
				var got []string
				for k, v := range tasks(r) {
					got = append(got, k+"="+v.GetTaskInfo().GetName())
				}
				slices.Sort(got)
				if want := []string{"load-data-2=load--data-step", "load-data=load-data-step", "step=--step"}; !slices.Equal(got, want) {
					t.Errorf("tasks %v, want %v", got, want)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.check(t, mustCompile(t, tc.model(), tc.opts))
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name  string
		model func() *pipeline.Pipeline
		opts  Options
		want  []string
	}{
		{"no pipeline name", func() *pipeline.Pipeline { p := twoStep(); p.Name = ""; return p }, Options{},
			[]string{"nb.ipynb: the notebook names no pipeline: set pipeline_name"}},
		{"bad pipeline name", func() *pipeline.Pipeline { p := twoStep(); p.Name = "My_Pipeline"; return p }, Options{},
			[]string{`pipeline name "My_Pipeline" must be lowercase`}},
		{"no steps", func() *pipeline.Pipeline { p := twoStep(); p.Steps = nil; return p }, Options{},
			[]string{"the notebook defines no steps"}},
		{"unknown parameter override", twoStep, Options{ParamOverrides: map[string]string{"m": "1"}},
			[]string{`nb.ipynb: --param m: the notebook has no pipeline parameter "m" (parameters: n)`}},
		{"ambiguous case-insensitive override", func() *pipeline.Pipeline {
			p := twoStep()
			p.Parameters = append(p.Parameters, pipeline.Parameter{Name: "ab", Type: pipeline.Int, Default: int64(1)},
				pipeline.Parameter{Name: "AB", Type: pipeline.Int, Default: int64(1)})
			return p
		}, Options{ParamOverrides: map[string]string{"Ab": "2"}},
			[]string{`no pipeline parameter "Ab" (parameters: n, ab, AB)`}},
		{"override of the wrong type", twoStep, Options{ParamOverrides: map[string]string{"n": "3.5"}},
			[]string{`--param n: "3.5" is not an integer (the parameter is an int)`}},
		{"every problem at once", twoStep, Options{ParamOverrides: map[string]string{"n": "x", "z": "1"}},
			[]string{`"x" is not an integer`, `no pipeline parameter "z"`}},
		{"producer that runs later", func() *pipeline.Pipeline {
			p := twoStep()
			p.Steps[0], p.Steps[1] = p.Steps[1], p.Steps[0]
			return p
		}, Options{}, []string{"nb.ipynb: cell 3: step b: prev:a names step a, which does not run before it"}},
		{"producer that does not save the variable", func() *pipeline.Pipeline { p := twoStep(); p.Steps[0].Outs = nil; return p }, Options{},
			[]string{"cell 3: step b: loads x from step a, which does not save it"}},
		{"prev names no step", func() *pipeline.Pipeline { p := twoStep(); p.Steps[1].After = []string{"zz"}; return p }, Options{},
			[]string{"cell 3: step b: prev:zz names no step of the pipeline"}},
		{"undeclared parameter", func() *pipeline.Pipeline { p := twoStep(); p.Steps[1].Parameters = []string{"q"}; return p }, Options{},
			[]string{"step b: reads pipeline parameter q, which the notebook does not declare"}},
		{"fractional GPU", func() *pipeline.Pipeline {
			p := twoStep()
			p.Steps[0].Limits = map[string]string{"nvidia.com/gpu": "0.5"}
			return p
		}, Options{},
			[]string{"cell 2: step a: limit:nvidia.com/gpu:0.5: an accelerator count must be a whole number above 0"}},
		{"two GPU kinds", func() *pipeline.Pipeline {
			p := twoStep()
			p.Steps[0].Limits = map[string]string{"nvidia.com/gpu": "1", "amd.com/gpu": "1"}
			return p
		}, Options{}, []string{"a step can use one accelerator type"}},
		{"bad memory quantity", func() *pipeline.Pipeline {
			p := twoStep()
			p.Steps[0].Limits = map[string]string{"memory": "lots"}
			return p
		}, Options{},
			[]string{`limit:memory:lots: "lots" is not a memory quantity`}},
		{"bad label value", func() *pipeline.Pipeline {
			p := twoStep()
			p.Steps[0].Labels = map[string]string{"url": "http://x"}
			return p
		}, Options{}, []string{`label:url:http://x: "http://x" is not a valid label value`}},
		{"volume env names collide", func() *pipeline.Pipeline {
			p := twoStep()
			p.Volumes = []pipeline.Volume{{Name: "a-b", MountPath: "/x", Type: "pvc", ExposeAsEnv: true}, {Name: "a.b", MountPath: "/y", Type: "pvc", ExposeAsEnv: true}}
			return p
		}, Options{}, []string{"volumes a-b and a.b both expose their mount point as KALE_VOLUME_A_B"}},
		{"default of the wrong type", func() *pipeline.Pipeline { p := twoStep(); p.Parameters[0].Default = "3"; return p }, Options{},
			[]string{`pipeline parameter n: default "3" does not match its type int`}},
		{"integer too large for KFP", func() *pipeline.Pipeline { p := twoStep(); p.Parameters[0].Default = int64(1) << 60; return p }, Options{},
			[]string{"exact only up to 2^53"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.NotebookName = "nb.ipynb"
			tc.opts.DefaultImage = "img"
			res, err := Compile(tc.model(), tc.opts)
			if err == nil {
				t.Fatalf("Compile succeeded: %v", res)
			}
			if _, ok := diag.AsList(err); !ok {
				t.Errorf("error is not a diag.List: %T", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\ndoes not contain %q", err, w)
				}
			}
		})
	}
}

func TestParseParamValue(t *testing.T) {
	tests := []struct {
		typ     pipeline.ParamType
		text    string
		want    any
		wantErr bool
	}{
		{pipeline.Int, "42", int64(42), false},
		{pipeline.Int, "-7", int64(-7), false},
		{pipeline.Int, "1_000", int64(1000), false},
		{pipeline.Int, "4.0", nil, true},
		{pipeline.Int, "", nil, true},
		{pipeline.Float, "0.1", 0.1, false},
		{pipeline.Float, "-3", -3.0, false},
		{pipeline.Float, "1e-3", 0.001, false},
		{pipeline.Float, "NaN", nil, true},
		{pipeline.Float, "inf", nil, true},
		{pipeline.Float, "abc", nil, true},
		{pipeline.Bool, "true", true, false},
		{pipeline.Bool, "False", false, false},
		{pipeline.Bool, "1", true, false},
		{pipeline.Bool, "0", false, false},
		{pipeline.Bool, "yes", nil, true},
		{pipeline.Str, " spaced 'quoted'\n", " spaced 'quoted'\n", false},
		{pipeline.Str, "", "", false},
		{"complex", "1j", nil, true},
	}
	for _, tc := range tests {
		got, err := ParseParamValue(tc.typ, tc.text)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParseParamValue(%s, %q) = %#v, %v; want %#v, error %v", tc.typ, tc.text, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestResolveDefaultImage(t *testing.T) {
	t.Setenv(EnvDefaultBaseImage, "")
	if got := ResolveDefaultImage(""); got != "python:3.12" {
		t.Errorf("no pod, no env: %q", got)
	}
	t.Setenv(EnvDefaultBaseImage, "  env/image:1 ")
	if got := ResolveDefaultImage(""); got != "env/image:1" {
		t.Errorf("env: %q", got)
	}
	if got := ResolveDefaultImage("pod/image:2"); got != "pod/image:2" {
		t.Errorf("pod image must win over env: %q", got)
	}
	r, err := Compile(twoStep(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := container(t, r, "a").GetImage(); got != "env/image:1" {
		t.Errorf("Compile without DefaultImage uses %q, want the env image", got)
	}
}

func TestVolumeEnvName(t *testing.T) {
	for in, want := range map[string]string{"data": "KALE_VOLUME_DATA", "my-data.pvc": "KALE_VOLUME_MY_DATA_PVC", "x1": "KALE_VOLUME_X1"} {
		if got := VolumeEnvName(in); got != want {
			t.Errorf("VolumeEnvName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCodeCarriesNoPlaceholder: placeholder text in a cell (here in a
// comment and a string) reaches the IR only inside the encoded step spec,
// where no launcher can rewrite it; the only placeholders in the container
// are the ones the runtime contract asks for.
func TestCodeCarriesNoPlaceholder(t *testing.T) {
	p := twoStep()
	src := "# {{$.inputs.parameters['n']}}\nname = '{{$.pipeline_job_name}}'  # {{$}} {{inputs.parameters.x}}\nprint(x * n)"
	p.Steps[1].Code = code(3, src)
	r := mustCompile(t, p, Options{NotebookName: "{{$.pipeline_task_name}}.ipynb"})
	c := container(t, r, "b")
	var got []string
	for _, a := range append(slices.Clone(c.GetCommand()), c.GetArgs()...) {
		for i := strings.Index(a, "{"); i >= 0; i = strings.Index(a, "{") {
			end := strings.Index(a[i:], "}}")
			if end < 0 {
				t.Fatalf("a lone { in argument %q", a)
			}
			got = append(got, a[i:i+end+2])
			a = a[i+end+2:]
		}
	}
	want := []string{"{{$}}", "{{$.inputs.artifacts['x_input_artifact'].path}}", "{{$.inputs.parameters['n']}}", "{{$.outputs.artifacts['b_html_report'].path}}"}
	if !slices.Equal(got, want) {
		t.Errorf("placeholders in b's container:\n %q\nwant %q", got, want)
	}
	s := stepSpec(t, r, "b")
	if s.Blocks[len(s.Blocks)-1].Source != src || s.Notebook != "{{$.pipeline_task_name}}.ipynb" {
		t.Errorf("the decoded spec lost the code or notebook name: %+v", s)
	}
}
