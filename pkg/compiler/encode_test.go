package compiler

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/kubeflow-kale/kale/pkg/pipeline"
)

var models = map[string]func() *pipeline.Pipeline{
	"two-step":           twoStep,
	"titanic-like":       titanicLike,
	"kubernetes-options": kubernetesOptions,
	"generated-60":       func() *pipeline.Pipeline { return generated(60) },
}

// assertRoundTrip checks that Load reads YAML() and JSON() back, strictly,
// into messages equal to the compiled ones.
func assertRoundTrip(t *testing.T, r *Result) {
	t.Helper()
	y, err := r.YAML()
	if err != nil {
		t.Fatalf("YAML: %v", err)
	}
	j, err := r.JSON()
	if err != nil {
		t.Fatalf("JSON: %v", err)
	}
	for format, data := range map[string][]byte{"yaml": y, "json": j} {
		back, err := Load(data)
		if err != nil {
			t.Fatalf("Load(%s): %v", format, err)
		}
		if !proto.Equal(back.PipelineSpec, r.PipelineSpec) {
			t.Errorf("%s round trip changed the pipeline spec", format)
		}
		if (back.PlatformSpec == nil) != (r.PlatformSpec == nil) || !proto.Equal(back.PlatformSpec, r.PlatformSpec) {
			t.Errorf("%s round trip changed the platform spec", format)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	for name, model := range models {
		t.Run(name, func(t *testing.T) {
			assertRoundTrip(t, mustCompile(t, model(), Options{NotebookName: name + ".ipynb"}))
		})
	}
}

func TestCheckRejectsNewerPlatformFields(t *testing.T) {
	// The platform executors are Structs, so Load takes them; Check reads
	// them strictly, as the KFP driver of the pinned version would:
	// current kfp-kubernetes writes pvcNameParameter, which it lacks.
	data, err := os.ReadFile(filepath.Join("testdata", "kfp-sdk", "pvc_mount.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Load(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(r); err == nil || !strings.Contains(err.Error(), "pvcNameParameter") {
		t.Errorf("Check of a platform spec with pvcNameParameter: %v", err)
	}
}

func TestOutputIsByteIdentical(t *testing.T) {
	for name, model := range models {
		t.Run(name, func(t *testing.T) {
			first := mustCompile(t, model(), Options{})
			y1, _ := first.YAML()
			j1, _ := first.JSON()
			for i := 0; i < 5; i++ {
				r := mustCompile(t, model(), Options{})
				y, _ := r.YAML()
				j, _ := r.JSON()
				if !bytes.Equal(y, y1) || !bytes.Equal(j, j1) {
					t.Fatalf("compile %d differs from the first", i+2)
				}
			}
		})
	}
}

func TestYAMLLayout(t *testing.T) {
	r := mustCompile(t, kubernetesOptions(), Options{})
	y, _ := r.YAML()
	text := string(y)
	if !strings.HasPrefix(text, "# PIPELINE DEFINITION\n# Name: k8s-options\n# Inputs:\n#    n: int [Default: 3]\ncomponents:\n") {
		t.Errorf("header:\n%s", text[:200])
	}
	docs := strings.Split(text, "\n---\n")
	if len(docs) != 2 || !strings.HasPrefix(docs[1], "platforms:\n  kubernetes:\n    deploymentSpec:\n      executors:\n") {
		t.Errorf("want the pipeline spec, ---, then the platform spec; got %d documents", len(docs))
	}
	if !strings.Contains(docs[0], "\nschemaVersion: 2.1.0\nsdkVersion: kale-") {
		t.Error("schemaVersion/sdkVersion not at the end of the spec document (keys unsorted?)")
	}

	two := mustCompile(t, twoStep(), Options{})
	y, _ = two.YAML()
	if strings.Contains(string(y), "\n---\n") {
		t.Error("a platform document without any Kubernetes option")
	}
	j, _ := two.JSON()
	var top map[string]any
	if err := json.Unmarshal(j, &top); err != nil {
		t.Fatal(err)
	}
	if _, ok := top["pipelineInfo"]; !ok {
		t.Errorf("JSON without platform spec must be the bare pipeline spec; keys %v", top)
	}
	j, _ = r.JSON()
	top = nil
	if err := json.Unmarshal(j, &top); err != nil {
		t.Fatal(err)
	}
	if _, ok := top["platform_spec"]; !ok || len(top) != 2 {
		t.Errorf("JSON with platform spec must be {pipeline_spec, platform_spec}; keys %v", top)
	}
	if bytes.Contains(j, []byte(`\u003c`)) || bytes.Contains(j, []byte(`\u0026`)) {
		t.Error("JSON escapes < or & in code")
	}
}

func TestLoadRejects(t *testing.T) {
	good, _ := mustCompile(t, kubernetesOptions(), Options{}).YAML()
	spec := string(good[:bytes.Index(good, []byte("\n---\n"))+1])
	tests := []struct {
		name, input, want string
	}{
		{"empty", "  \n", "empty input"},
		{"not YAML", "components: [\n", "invalid YAML"},
		{"a list", "- a\n- b\n", "expected a mapping"},
		{"unknown field", strings.Replace(spec, "schemaVersion:", "schemaVersionn:", 1), `unknown field "schemaVersionn"`},
		{"both documents load", string(good), ""},
		{"platform only", "platforms:\n  kubernetes: {}\n", "no pipeline spec found"},
		{"two pipeline specs", spec + "---\n" + spec, "a second pipeline spec"},
		{"bad platform", spec + "---\nplatforms:\n  kubernetes:\n    deploymentSpec:\n      bogus: 1\n", "document 2: platform spec"},
		{"wrapper with extra key", `{"pipeline_spec": {}, "extra": 1}`, `unknown key "extra"`},
		{"bad JSON", `{"pipelineInfo": `, "invalid JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load([]byte(tc.input))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Load of a good document: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestLoadSDKCompiledSpecs(t *testing.T) {
	// The pipeline spec documents the KFP SDK writes (copied from the KFP
	// repository into testdata/kfp-sdk) parse strictly and pass Check.
	// pvc_mount.yaml and pipeline_with_volume.yaml are left out: their
	// platform documents use fields newer than the pinned proto.
	for _, name := range []string{"two_step_pipeline_containerized.yaml", "output_metrics.yaml", "lightweight_python_functions_pipeline.yaml", "container_with_artifact_output.yaml"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "kfp-sdk", name))
			if err != nil {
				t.Fatal(err)
			}
			r, err := Load(data)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if err := Check(r); err != nil {
				t.Errorf("Check of an SDK-compiled pipeline:\n%v", err)
			}
		})
	}
}
