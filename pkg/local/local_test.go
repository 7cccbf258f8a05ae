package local

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/kubeflow-kale/kale/pkg/stepruntime"
)

// shTask is a task of a hand-built pipeline: a container running sh -c.
type shTask struct {
	name   string
	script string
	deps   []string
	// params are component input parameters fed from root parameters of
	// the same name.
	params []string
	outs   []string // output artifacts
	ins    map[string][2]string
	env    map[string]string
	args   []string
}

// buildSpec returns a PipelineSpec with the given root parameters and tasks.
func buildSpec(t testing.TB, rootParams map[string]*structpb.Value, tasks ...shTask) *pipelinespec.PipelineSpec {
	t.Helper()
	root := &pipelinespec.ComponentSpec{
		InputDefinitions: &pipelinespec.ComponentInputsSpec{Parameters: map[string]*pipelinespec.ComponentInputsSpec_ParameterSpec{}},
	}
	for name, v := range rootParams {
		pt := pipelinespec.ParameterType_STRING
		switch v.GetKind().(type) {
		case *structpb.Value_NumberValue:
			pt = pipelinespec.ParameterType_NUMBER_DOUBLE
		case *structpb.Value_BoolValue:
			pt = pipelinespec.ParameterType_BOOLEAN
		}
		root.InputDefinitions.Parameters[name] = &pipelinespec.ComponentInputsSpec_ParameterSpec{ParameterType: pt, DefaultValue: v}
	}
	dag := &pipelinespec.DagSpec{Tasks: map[string]*pipelinespec.PipelineTaskSpec{}}
	root.Implementation = &pipelinespec.ComponentSpec_Dag{Dag: dag}
	spec := &pipelinespec.PipelineSpec{
		PipelineInfo: &pipelinespec.PipelineInfo{Name: "hand-built"},
		Root:         root,
		Components:   map[string]*pipelinespec.ComponentSpec{},
	}
	executors := &pipelinespec.PipelineDeploymentConfig{Executors: map[string]*pipelinespec.PipelineDeploymentConfig_ExecutorSpec{}}
	for _, tk := range tasks {
		comp := &pipelinespec.ComponentSpec{
			Implementation:    &pipelinespec.ComponentSpec_ExecutorLabel{ExecutorLabel: "exec-" + tk.name},
			InputDefinitions:  &pipelinespec.ComponentInputsSpec{Parameters: map[string]*pipelinespec.ComponentInputsSpec_ParameterSpec{}, Artifacts: map[string]*pipelinespec.ComponentInputsSpec_ArtifactSpec{}},
			OutputDefinitions: &pipelinespec.ComponentOutputsSpec{Artifacts: map[string]*pipelinespec.ComponentOutputsSpec_ArtifactSpec{}},
		}
		ts := &pipelinespec.PipelineTaskSpec{
			TaskInfo:       &pipelinespec.PipelineTaskInfo{Name: tk.name},
			ComponentRef:   &pipelinespec.ComponentRef{Name: "comp-" + tk.name},
			DependentTasks: tk.deps,
			Inputs:         &pipelinespec.TaskInputsSpec{Parameters: map[string]*pipelinespec.TaskInputsSpec_InputParameterSpec{}, Artifacts: map[string]*pipelinespec.TaskInputsSpec_InputArtifactSpec{}},
		}
		for _, p := range tk.params {
			comp.InputDefinitions.Parameters[p] = root.InputDefinitions.Parameters[p]
			ts.Inputs.Parameters[p] = &pipelinespec.TaskInputsSpec_InputParameterSpec{
				Kind: &pipelinespec.TaskInputsSpec_InputParameterSpec_ComponentInputParameter{ComponentInputParameter: p}}
		}
		for _, o := range tk.outs {
			comp.OutputDefinitions.Artifacts[o] = &pipelinespec.ComponentOutputsSpec_ArtifactSpec{
				ArtifactType: &pipelinespec.ArtifactTypeSchema{Kind: &pipelinespec.ArtifactTypeSchema_SchemaTitle{SchemaTitle: "system.Dataset"}}}
		}
		for in, src := range tk.ins {
			comp.InputDefinitions.Artifacts[in] = &pipelinespec.ComponentInputsSpec_ArtifactSpec{
				ArtifactType: &pipelinespec.ArtifactTypeSchema{Kind: &pipelinespec.ArtifactTypeSchema_SchemaTitle{SchemaTitle: "system.Dataset"}}}
			ts.Inputs.Artifacts[in] = &pipelinespec.TaskInputsSpec_InputArtifactSpec{
				Kind: &pipelinespec.TaskInputsSpec_InputArtifactSpec_TaskOutputArtifact{
					TaskOutputArtifact: &pipelinespec.TaskInputsSpec_InputArtifactSpec_TaskOutputArtifactSpec{ProducerTask: src[0], OutputArtifactKey: src[1]}}}
		}
		c := &pipelinespec.PipelineDeploymentConfig_PipelineContainerSpec{
			Image:   "python:3.12",
			Command: []string{"sh", "-c", tk.script, "sh"},
			Args:    tk.args,
		}
		for k, v := range tk.env {
			c.Env = append(c.Env, &pipelinespec.PipelineDeploymentConfig_PipelineContainerSpec_EnvVar{Name: k, Value: v})
		}
		executors.Executors["exec-"+tk.name] = &pipelinespec.PipelineDeploymentConfig_ExecutorSpec{
			Spec: &pipelinespec.PipelineDeploymentConfig_ExecutorSpec_Container{Container: c}}
		spec.Components["comp-"+tk.name] = comp
		dag.Tasks[tk.name] = ts
	}
	b, err := protojson.Marshal(executors)
	if err != nil {
		t.Fatal(err)
	}
	spec.DeploymentSpec = &structpb.Struct{}
	if err := protojson.Unmarshal(b, spec.DeploymentSpec); err != nil {
		t.Fatal(err)
	}
	return spec
}

func readLog(t *testing.T, r *Result, step string) string {
	t.Helper()
	s, ok := r.Step(step)
	if !ok {
		t.Fatalf("no step %s", step)
	}
	b, err := os.ReadFile(s.Log)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPlaceholdersAndEnvironment: the command line a step gets, as KFP's
// launcher would build it, and the environment of a local step.
func TestPlaceholdersAndEnvironment(t *testing.T) {
	spec := buildSpec(t, map[string]*structpb.Value{
		"n":    structpb.NewNumberValue(3),
		"f":    structpb.NewNumberValue(0.1),
		"s":    structpb.NewStringValue("it's \"x\"\nline2"),
		"flag": structpb.NewBoolValue(true),
	},
		shTask{name: "make", script: `printf '%s' "$1" > "$2"; printf '%s|%s|%s|%s' "$3" "$4" "$5" "$6" > params.txt; printf '%s' "$7" > ei.json; echo "HOME=$HOME TMPDIR=$TMPDIR MODE=$MODE"`,
			params: []string{"n", "f", "s", "flag"}, outs: []string{"data"}, env: map[string]string{"HOME": "/tmp", "MODE": "test"},
			args: []string{"payload", "{{$.outputs.artifacts['data'].path}}", "{{$.inputs.parameters['n']}}", "{{$.inputs.parameters['f']}}",
				"{{$.inputs.parameters['s']}}", `{{$.inputs.parameters["flag"]}}`, "{{$}}"}},
		shTask{name: "use", deps: []string{"make"}, script: `cat "$1"; echo; echo "task=$2 job=$3"`,
			ins:  map[string][2]string{"in": {"make", "data"}},
			args: []string{"{{$.inputs.artifacts['in'].path}}", "{{$.pipeline_task_name}}", "{{$.pipeline_job_name}}"}},
	)
	wd := t.TempDir()
	res, err := Run(context.Background(), spec, nil, Options{WorkDir: wd})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != Succeeded {
		t.Fatalf("run %s:\n%s\n%s", res.Status, readLog(t, res, "make"), readLog(t, res, "use"))
	}
	params, _ := os.ReadFile(filepath.Join(wd, "make", "params.txt"))
	if got, want := string(params), "3|0.1|it's \"x\"\nline2|true"; got != want {
		t.Errorf("parameter placeholders gave %q, want %q", got, want)
	}
	if got := readLog(t, res, "use"); got != "payload\ntask=use job=hand-built\n" {
		t.Errorf("use saw %q", got)
	}
	home := filepath.Join(wd, "make", "home")
	if got := readLog(t, res, "make"); got != "HOME="+home+" TMPDIR="+filepath.Join(wd, "make", "tmp")+" MODE=test\n" {
		t.Errorf("environment %q", got)
	}
	var ei pipelinespec.ExecutorInput
	raw, _ := os.ReadFile(filepath.Join(wd, "make", "ei.json"))
	if err := protojson.Unmarshal(raw, &ei); err != nil {
		t.Fatalf("{{$}} is not an ExecutorInput: %v\n%s", err, raw)
	}
	got, _ := json.Marshal(ei.GetInputs().GetParameterValues())
	if want := `{"f":0.1,"flag":true,"n":3,"s":"it's \"x\"\nline2"}`; string(got) != want {
		t.Errorf("parameterValues %s, want %s", got, want)
	}
	if ei.GetOutputs().GetOutputFile() != filepath.Join(wd, "make", "executor_output.json") {
		t.Errorf("outputFile %s", ei.GetOutputs().GetOutputFile())
	}
}

func TestOverridesAndErrors(t *testing.T) {
	spec := buildSpec(t, map[string]*structpb.Value{"n": structpb.NewNumberValue(1)},
		shTask{name: "a", script: `echo "n=$1"`, params: []string{"n"}, args: []string{"{{$.inputs.parameters['n']}}"}})
	params, err := ParseParameters(spec, map[string]string{"n": "2.5"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), spec, nil, Options{WorkDir: t.TempDir(), Parameters: params})
	if err != nil || res.Status != Succeeded {
		t.Fatalf("%v %v", err, res)
	}
	if got := readLog(t, res, "a"); got != "n=2.5\n" {
		t.Errorf("override gave %q", got)
	}
	// A second run in the same work dir starts each step from a clean folder.
	stale := filepath.Join(res.WorkDir, "a", "stale")
	if err := os.WriteFile(stale, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if res, err = Run(context.Background(), spec, nil, Options{WorkDir: res.WorkDir}); err != nil || res.Status != Succeeded {
		t.Fatalf("%v %v", err, res)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Errorf("a file of the earlier run survived in the step's folder")
	}
	cases := []struct {
		name string
		spec *pipelinespec.PipelineSpec
		opts Options
		want string
	}{
		{"unknown parameter", spec, Options{Parameters: map[string]any{"m": 1}}, "parameter m: the pipeline has no such parameter (it has: n)"},
		{"unsupported placeholder", buildSpec(t, nil, shTask{name: "a", script: "true", args: []string{"{{$.inputs.artifacts['x'].metadata}}"}}), Options{}, ""},
		{"cycle", buildSpec(t, nil, shTask{name: "a", script: "true", deps: []string{"b"}}, shTask{name: "b", script: "true", deps: []string{"a"}}), Options{}, "tasks a, b depend on each other in a cycle"},
		{"task name that is no folder name", buildSpec(t, nil, shTask{name: "..", script: "true"}), Options{}, `task "..": local runs need task names that can name a folder`},
		{"missing dependency", buildSpec(t, nil, shTask{name: "a", script: "true", deps: []string{"z"}}), Options{}, "task a depends on z, which is not a task of the root DAG"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.WorkDir = t.TempDir()
			res, err := Run(context.Background(), tc.spec, nil, tc.opts)
			if tc.want == "" {
				// Reported as a failed step, with the reason in its log.
				if err != nil || res.Status != Failed {
					t.Fatalf("err %v, result %+v", err, res)
				}
				if log := readLog(t, res, "a"); !strings.Contains(log, "placeholder {{$.inputs.artifacts['x'].metadata}} is not supported by local runs") {
					t.Errorf("log %q", log)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want %q", err, tc.want)
			}
		})
	}
}

// TestCancelKillsRunningSteps: cancelling the context kills a step and the
// processes it started; the steps after it are skipped.
func TestCancelKillsRunningSteps(t *testing.T) {
	wd := t.TempDir()
	spec := buildSpec(t, nil,
		shTask{name: "slow", script: `sleep 60 & echo $! > child.pid; wait`},
		shTask{name: "next", script: "true", deps: []string{"slow"}})
	ctx, cancel := context.WithCancel(context.Background())
	pidFile := filepath.Join(wd, "slow", "child.pid")
	go func() {
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if b, err := os.ReadFile(pidFile); err == nil && len(b) > 0 {
				break
			}
		}
		cancel()
	}()
	start := time.Now()
	res, err := Run(ctx, spec, nil, Options{WorkDir: wd})
	if err == nil {
		t.Errorf("Run returned no error after cancel")
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("cancel took %v", d)
	}
	if got := []string{res.Steps[0].Status, res.Steps[1].Status}; got[0] != Cancelled || got[1] != Skipped {
		t.Errorf("statuses %v, want CANCELLED, SKIPPED", got)
	}
	pid, _ := os.ReadFile(pidFile)
	// The child sleep must be gone (kill -0 fails), not orphaned.
	for i := 0; i < 100; i++ {
		if exec.Command("kill", "-0", strings.TrimSpace(string(pid))).Run() != nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("the step's child process %s survived the cancel", strings.TrimSpace(string(pid)))
}

func TestFormatParam(t *testing.T) {
	list, _ := structpb.NewValue([]any{1, "a"})
	cases := []struct {
		v    *structpb.Value
		want string
	}{
		{structpb.NewNumberValue(3), "3"},
		{structpb.NewNumberValue(0.1), "0.1"},
		{structpb.NewNumberValue(1e21), "1000000000000000000000"},
		{structpb.NewStringValue("a 'b'\n\"c\""), "a 'b'\n\"c\""},
		{structpb.NewBoolValue(false), "false"},
		{list, `[1,"a"]`},
	}
	for _, tc := range cases {
		if got, err := formatParam(tc.v); err != nil || got != tc.want {
			t.Errorf("formatParam(%v) = %q, %v; want %q", tc.v, got, err, tc.want)
		}
	}
}

func TestParseParameters(t *testing.T) {
	ir := &pipelinespec.PipelineSpec{Root: &pipelinespec.ComponentSpec{InputDefinitions: &pipelinespec.ComponentInputsSpec{
		Parameters: map[string]*pipelinespec.ComponentInputsSpec_ParameterSpec{
			"i": {ParameterType: pipelinespec.ParameterType_NUMBER_INTEGER},
			"f": {ParameterType: pipelinespec.ParameterType_NUMBER_DOUBLE},
			"b": {ParameterType: pipelinespec.ParameterType_BOOLEAN},
			"s": {ParameterType: pipelinespec.ParameterType_STRING},
		}}}}
	got, err := ParseParameters(ir, map[string]string{"i": "4", "f": "-1.5", "b": "true", "s": " it's\n"})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(got); string(b) != `{"b":true,"f":-1.5,"i":4,"s":" it's\n"}` {
		t.Errorf("got %s", b)
	}
	for in, want := range map[string]string{"i=1.5": "not a whole number", "i=x": "--param i: \"x\" is not an integer (the parameter is an int)", "b=yes": "is not a bool (the parameter is a bool)"} {
		name, text, _ := strings.Cut(in, "=")
		if _, err := ParseParameters(ir, map[string]string{name: text}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err %v, want %q", in, err, want)
		}
	}
}

// FuzzSubstitute: any argument text substitutes without panicking.
func FuzzSubstitute(f *testing.F) {
	for _, s := range []string{"{{$}}", "x={{$.inputs.parameters['p']}}", "{{$.outputs.artifacts['a'].path}}", "{{$.inputs.artifacts[\"a\"].uri}}", "{{$.", "{{$.pipeline_job_name}}"} {
		f.Add(s)
	}
	ei := &pipelinespec.ExecutorInput{
		Inputs: &pipelinespec.ExecutorInput_Inputs{ParameterValues: map[string]*structpb.Value{"p": structpb.NewStringValue("v")}},
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := substitute(s, ei, "{}", pipelineContext{".pipeline_job_name": "j"})
		if err == nil && strings.Contains(out, "{{$}}") && !strings.Contains(s, "{{$}}{{$}}") {
			// {{$}} always resolves.
			t.Errorf("unsubstituted {{$}} in %q -> %q", s, out)
		}
	})
}

// BenchmarkStepOverhead compares a one-step pipeline run with the step
// runtime (what every notebook step costs locally) against python3's own
// start; the difference is the local-run overhead per step.
func BenchmarkStepOverhead(b *testing.B) {
	// The interpreter itself, not a wrapper such as a pyenv shim, for both.
	out, err := exec.Command("python3", "-c", "import sys; print(sys.executable)").Output()
	if err != nil {
		b.Skip("python3 is not on the PATH")
	}
	python := strings.TrimSpace(string(out))
	b.Run("python3 -c pass", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if err := exec.Command(python, "-c", "pass").Run(); err != nil {
				b.Fatal(err)
			}
		}
	})
	spec := runtimeSpec(b)
	b.Run("one-step pipeline", func(b *testing.B) {
		dir := b.TempDir()
		for i := 0; i < b.N; i++ {
			res, err := Run(context.Background(), spec, nil, Options{Python: python, WorkDir: filepath.Join(dir, time.Now().Format("150405.000000000"))})
			if err != nil || res.Status != Succeeded {
				b.Fatalf("%v %+v", err, res)
			}
		}
	})
}

// runtimeSpec is a one-step pipeline whose container is the step runtime
// (exec mode, as in an image without IPython) running `x = 1`.
func runtimeSpec(b *testing.B) *pipelinespec.PipelineSpec { return runtimeSpecOf(b, "x = 1") }

// runtimeSpecOf is a one-step pipeline whose step runs source with the step
// runtime (exec mode).
func runtimeSpecOf(b testing.TB, source string) *pipelinespec.PipelineSpec {
	b.Helper()
	command, args, err := stepruntime.Container(stepruntime.Spec{Notebook: "bench.ipynb", Step: "one",
		Blocks: []stepruntime.Block{{Kind: "step", Cell: 0, Source: source}}})
	if err != nil {
		b.Fatal(err)
	}
	spec := buildSpec(b, nil, shTask{name: "one", script: "unused", env: map[string]string{"KALE_STEP_IPYTHON": "0"}})
	var dc pipelinespec.PipelineDeploymentConfig
	raw, _ := protojson.Marshal(spec.DeploymentSpec)
	if err := protojson.Unmarshal(raw, &dc); err != nil {
		b.Fatal(err)
	}
	c := dc.Executors["exec-one"].GetContainer()
	c.Command, c.Args = command, args
	raw, _ = protojson.Marshal(&dc)
	if err := protojson.Unmarshal(raw, spec.DeploymentSpec); err != nil {
		b.Fatal(err)
	}
	return spec
}

// TestWorkDirKeepsWhatKaleDidNotMake: a folder named like a step that kale
// did not make (--workdir . in a project) stops the run before anything is
// written or deleted; kale's own folders are replaced run after run.
func TestWorkDirKeepsWhatKaleDidNotMake(t *testing.T) {
	spec := buildSpec(t, nil, shTask{name: "a", script: "echo a"}, shTask{name: "b", script: "echo b", deps: []string{"a"}})
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not on the PATH")
	}
	for _, name := range []string{"b", ".bin"} {
		t.Run(name, func(t *testing.T) {
			wd := t.TempDir()
			precious := filepath.Join(wd, name, "precious.txt")
			if err := os.MkdirAll(filepath.Dir(precious), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(precious, []byte("mine"), 0o644); err != nil {
				t.Fatal(err)
			}
			res, err := Run(context.Background(), spec, nil, Options{WorkDir: wd, Python: python})
			if err == nil || res != nil {
				t.Fatalf("run over a folder kale did not make: err %v, result %+v", err, res)
			}
			for _, want := range []string{filepath.Join(wd, name) + " exists and was not made by a kale local run", "deletes nothing", "--workdir"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
			if b, err := os.ReadFile(precious); err != nil || string(b) != "mine" {
				t.Errorf("the user's file: %q, %v", b, err)
			}
			entries, _ := os.ReadDir(wd)
			if len(entries) != 1 {
				t.Errorf("the refused run wrote into the work dir: %v", entries)
			}
		})
	}
	t.Run("kale's own folders are replaced", func(t *testing.T) {
		wd := t.TempDir()
		for i := 0; i < 2; i++ {
			res, err := Run(context.Background(), spec, nil, Options{WorkDir: wd, Python: python})
			if err != nil || res.Status != Succeeded {
				t.Fatalf("run %d: %v %+v", i+1, err, res)
			}
		}
	})
}

// TestRefusedRunLeavesNoWorkDir: a run that cannot start removes the work
// dir it made (and only that), whether it was asked for or temporary.
func TestRefusedRunLeavesNoWorkDir(t *testing.T) {
	good := buildSpec(t, nil, shTask{name: "a", script: "true"})
	cycle := buildSpec(t, nil, shTask{name: "a", script: "true", deps: []string{"b"}}, shTask{name: "b", script: "true", deps: []string{"a"}})
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	parent := t.TempDir()
	cases := []struct {
		name    string
		spec    *pipelinespec.PipelineSpec
		opts    Options
		gone    string // must not exist afterwards
		remains string // must still exist afterwards
	}{
		{"plan refused, new work dir", cycle, Options{WorkDir: filepath.Join(parent, "new", "deeper")}, filepath.Join(parent, "new"), parent},
		{"bad --python, new work dir", good, Options{WorkDir: filepath.Join(parent, "new", "deeper"), Python: "/no/such/python3"}, filepath.Join(parent, "new"), parent},
		{"bad --python, temporary work dir", good, Options{Python: "/no/such/python3"}, "", tmp},
		{"bad --python, existing work dir", good, Options{WorkDir: parent, Python: "/no/such/python3"}, filepath.Join(parent, ".bin"), parent},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Run(context.Background(), tc.spec, nil, tc.opts); err == nil {
				t.Fatal("the run started")
			}
			if tc.gone != "" {
				if _, err := os.Lstat(tc.gone); err == nil {
					t.Errorf("%s was left behind", tc.gone)
				}
			}
			if _, err := os.Stat(tc.remains); err != nil {
				t.Errorf("%s is gone: %v", tc.remains, err)
			}
			if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
				t.Errorf("a temporary work dir was left behind: %v", entries)
			}
		})
	}
}

func TestImportFailure(t *testing.T) {
	const tb = "Traceback (most recent call last):\n  File \"nb.ipynb\", cell 2, line 1, in <module>\n"
	cases := []struct {
		name, log string
		want      *ImportFailure
	}{
		{"module not found, as the runtime ends", tb + "ModuleNotFoundError: No module named 'sklearn'\nkale: step s failed at nb.ipynb, cell 2, line 1: ModuleNotFoundError: No module named 'sklearn'\n",
			&ImportFailure{Module: "sklearn", Error: "ModuleNotFoundError: No module named 'sklearn'"}},
		{"submodule", tb + "ModuleNotFoundError: No module named 'torch.nn'\n", &ImportFailure{Module: "torch.nn", Error: "ModuleNotFoundError: No module named 'torch.nn'"}},
		{"name missing from a module", tb + "ImportError: cannot import name 'nosuch' from 'json' (/usr/lib/python3.11/json/__init__.py)\n",
			&ImportFailure{Module: "json", Name: "nosuch", Error: "ImportError: cannot import name 'nosuch' from 'json' (/usr/lib/python3.11/json/__init__.py)"}},
		{"other import error", tb + "ImportError: libGL.so.1: cannot open shared object file\n", &ImportFailure{Error: "ImportError: libGL.so.1: cannot open shared object file"}},
		{"another error after printed text", "ModuleNotFoundError: No module named 'x' (printed)\n" + tb + "ZeroDivisionError: division by zero\n", nil},
		{"an import error handled before another error", tb + "ModuleNotFoundError: No module named 'x'\n\nDuring handling of the above exception, another exception occurred:\n\n" + tb + "KeyError: 'k'\n", nil},
		{"long log", strings.Repeat("some output line\n", 10000) + tb + "ModuleNotFoundError: No module named 'pandas'\n", &ImportFailure{Module: "pandas", Error: "ModuleNotFoundError: No module named 'pandas'"}},
		{"empty log", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "step.log")
			if err := os.WriteFile(path, []byte(tc.log), 0o644); err != nil {
				t.Fatal(err)
			}
			got := importFailure(path, "/venv/bin/python3")
			if tc.want == nil {
				if got != nil {
					t.Errorf("got %+v, want none", got)
				}
				return
			}
			if got == nil {
				t.Fatal("no import failure found")
			}
			if got.Module != tc.want.Module || got.Name != tc.want.Name || got.Error != tc.want.Error || got.Python != "/venv/bin/python3" {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			for _, w := range []string{"/venv/bin/python3", "--python", tc.want.Module, tc.want.Name} {
				if !strings.Contains(got.Hint, w) {
					t.Errorf("hint %q lacks %q", got.Hint, w)
				}
			}
		})
	}
}

// TestMissingModuleNamesPython: a step that fails on an import says which
// python3 it ran with (--python resolved to a path, or python3 on the PATH)
// in its result, a new key of the JSON result; other steps' keys stay.
func TestMissingModuleNamesPython(t *testing.T) {
	found, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not on the PATH")
	}
	abs, _ := filepath.Abs(found)
	plain := buildSpec(t, nil,
		shTask{name: "fine", script: "true"},
		shTask{name: "needs", script: `python3 -c "import kale_no_such_module_xyz"`, deps: []string{"fine"}})
	cases := []struct {
		name   string
		spec   *pipelinespec.PipelineSpec
		python string
		step   string
	}{
		{"python3 on the PATH", plain, "", "needs"},
		{"--python", plain, found, "needs"},
		{"through the step runtime", runtimeSpecOf(t, "import json\nimport kale_no_such_module_xyz"), found, "one"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Run(context.Background(), tc.spec, nil, Options{WorkDir: t.TempDir(), Python: tc.python})
			if err != nil {
				t.Fatal(err)
			}
			s, _ := res.Step(tc.step)
			f := s.ImportFailure
			if s.Status != Failed || f == nil {
				t.Fatalf("step %+v, log:\n%s", s, readLog(t, res, tc.step))
			}
			if f.Module != "kale_no_such_module_xyz" || f.Python != abs || !strings.Contains(f.Hint, "--python") {
				t.Errorf("import failure %+v, want module kale_no_such_module_xyz with %s", f, abs)
			}
			b, _ := json.Marshal(res)
			var back struct{ Steps []map[string]any }
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			for _, st := range back.Steps {
				keys := slices.Sorted(maps.Keys(st))
				want := []string{"log", "name", "seconds", "status"}
				if st["name"] == tc.step {
					want = []string{"import_failure", "log", "name", "seconds", "status"}
				}
				if !slices.Equal(keys, want) {
					t.Errorf("step %v has keys %v, want %v", st["name"], keys, want)
				}
			}
		})
	}
}

// FuzzStepArgs: for any cell text and any parameter value, the command line
// a local run gives the step runtime carries exactly that code (the spec is
// out of the placeholders' reach) and exactly that value, in the executor
// input and in --param (local substitution is one pass: a value is never
// substituted again).
func FuzzStepArgs(f *testing.F) {
	f.Add("# {{$.inputs.parameters['p']}}\nprint('{{$.pipeline_job_name}}')", "x\nimport os; os.system('touch PWNED')\n#")
	f.Add("{{$}}", "{{$.inputs.parameters['p']}} {{$}}")
	f.Fuzz(func(t *testing.T, cell, value string) {
		if !utf8.ValidString(cell) || !utf8.ValidString(value) {
			t.Skip("notebook text and KFP string values are UTF-8 (JSON)")
		}
		spec := stepruntime.Spec{Notebook: "nb.ipynb", Step: "s", Blocks: []stepruntime.Block{{Kind: "step", Cell: 1, Source: cell}},
			Ins: []string{}, Outs: []string{}, Parameters: []stepruntime.Param{{Name: "p", Type: "str"}}, Metrics: []stepruntime.Metric{}}
		command, args, err := stepruntime.Container(spec)
		if err != nil {
			t.Fatal(err)
		}
		tk := &task{name: "s", container: &pipelinespec.PipelineDeploymentConfig_PipelineContainerSpec{Command: command, Args: args}}
		ei := &pipelinespec.ExecutorInput{Inputs: &pipelinespec.ExecutorInput_Inputs{
			ParameterValues: map[string]*structpb.Value{"p": structpb.NewStringValue(value)}}}
		argv, err := substituteAll(tk, ei, pipelineContext{".pipeline_job_name": "j"})
		if err != nil {
			t.Fatal(err)
		}
		argv = argv[len(command):]
		at := func(flag string) string {
			i := slices.Index(argv, flag)
			if i < 0 || i+1 >= len(argv) {
				t.Fatalf("no %s in %q", flag, argv)
			}
			return argv[i+1]
		}
		got, err := stepruntime.DecodeSpec(at(stepruntime.SpecFlag))
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Blocks) != 1 || got.Blocks[0].Source != cell {
			t.Fatalf("the runtime would run %+v, want %q", got.Blocks, cell)
		}
		var in pipelinespec.ExecutorInput
		if err := protojson.Unmarshal([]byte(at("--executor-input")), &in); err != nil {
			t.Fatal(err)
		}
		if v := in.GetInputs().GetParameterValues()["p"].GetStringValue(); v != value {
			t.Fatalf("executor input value %q, want %q", v, value)
		}
		if p := at("--param"); p != "p="+value {
			t.Fatalf("--param %q, want p=%q", p, value)
		}
	})
}
