package compiler

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/kubeflow-kale/kale/pkg/stepruntime"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// runtimeMarker stands in for the step runtime's Python source in golden
// files, so that they change when the IR changes, not when the runtime does.
const runtimeMarker = "<the step runtime: pkg/stepruntime/kale_step.py>"

// goldenYAML returns r.YAML() with the embedded runtime program replaced by
// runtimeMarker (after checking it is there, verbatim, in every executor).
func goldenYAML(t *testing.T, r *Result) []byte {
	t.Helper()
	spec := proto.Clone(r.PipelineSpec).(*pipelinespec.PipelineSpec)
	deploy := &pipelinespec.PipelineDeploymentConfig{}
	raw, _ := protojson.Marshal(spec.GetDeploymentSpec())
	if err := protojson.Unmarshal(raw, deploy); err != nil {
		t.Fatal(err)
	}
	for label, e := range deploy.GetExecutors() {
		cmd := e.GetContainer().GetCommand()
		if len(cmd) != 4 || cmd[3] != stepruntime.EncodedProgram() {
			t.Fatalf("executor %s does not embed the step runtime as command[3]", label)
		}
		cmd[3] = runtimeMarker
	}
	st, err := toStruct(deploy)
	if err != nil {
		t.Fatal(err)
	}
	spec.DeploymentSpec = st
	y, err := (&Result{PipelineSpec: spec, PlatformSpec: r.PlatformSpec}).YAML()
	if err != nil {
		t.Fatal(err)
	}
	return y
}

// assertGolden compares got with testdata/<name>, or rewrites it with -update.
func assertGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; review the change and run go test ./pkg/compiler -update\n%s", path, firstDiff(want, got))
	}
}

// firstDiff shows the first differing line.
func firstDiff(want, got []byte) string {
	w, g := bytes.Split(want, []byte("\n")), bytes.Split(got, []byte("\n"))
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl []byte
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if !bytes.Equal(wl, gl) {
			return fmt.Sprintf("line %d:\n want: %s\n  got: %s", i+1, wl, gl)
		}
	}
	return ""
}

func TestGoldenHandBuilt(t *testing.T) {
	for _, name := range []string{"two-step", "titanic-like", "kubernetes-options"} {
		t.Run(name, func(t *testing.T) {
			r := mustCompile(t, models[name](), Options{NotebookName: name + ".ipynb"})
			assertGolden(t, filepath.Join("model", name+".yaml"), goldenYAML(t, r))
		})
	}
}
