package compiler

import (
	"bytes"
	"encoding/base64"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
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
// runtimeMarker (after checking it is there, verbatim, in every executor),
// and each step spec, which travels as base64, shown decoded so that a
// change of the step's code or inputs reads as such in a review.
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
		args := e.GetContainer().GetArgs()
		i := slices.Index(args, stepruntime.SpecFlag)
		if i < 0 || i+1 >= len(args) {
			t.Fatalf("executor %s has no %s argument", label, stepruntime.SpecFlag)
		}
		args[i+1] = decodedSpec(t, label, args[i+1])
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

// decodedSpec returns "base64 of: JSON" for an encoded step spec, after
// checking that it is exactly what EncodeSpec makes of its JSON.
func decodedSpec(t *testing.T, label, enc string) string {
	t.Helper()
	s, err := stepruntime.DecodeSpec(enc)
	if err != nil {
		t.Fatalf("executor %s: %v", label, err)
	}
	if again, _ := stepruntime.EncodeSpec(s); again != enc {
		t.Fatalf("executor %s: the step spec is not what EncodeSpec makes of it", label)
	}
	js, _ := base64.StdEncoding.DecodeString(enc)
	return "base64 of: " + string(js)
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
