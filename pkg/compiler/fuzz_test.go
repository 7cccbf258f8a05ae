package compiler

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/kubeflow-kale/kale/pkg/pipeline"
)

// FuzzLoad feeds arbitrary bytes to Load: it must not panic, and whatever
// it accepts must survive a YAML round trip unchanged.
func FuzzLoad(f *testing.F) {
	// Small seeds: the fuzzer minimises every new input, which takes long on
	// a full compiled pipeline (it embeds the step runtime).
	f.Add([]byte(seedSpec))
	f.Add([]byte(seedSpec + "---\n" + seedPlatform))
	f.Add([]byte(`{"pipeline_spec": {"pipelineInfo": {"name": "p"}, "root": {"dag": {}}}, "platform_spec": {"platforms": {"kubernetes": {}}}}`))
	f.Add([]byte("pipelineInfo:\n  name: x\n---\nplatforms: {}\n"))
	f.Add([]byte(`{"pipeline_spec": {"root": {}}, "platform_spec": null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Load(data)
		if err != nil {
			return
		}
		_ = Check(r)
		y, err := r.YAML()
		if err != nil {
			return // e.g. NaN numbers protojson cannot write
		}
		back, err := Load(y)
		if err != nil {
			t.Fatalf("Load(YAML()) of an accepted document: %v\n%s", err, y)
		}
		if !proto.Equal(back.PipelineSpec, r.PipelineSpec) || !proto.Equal(back.PlatformSpec, r.PlatformSpec) {
			t.Fatalf("YAML round trip changed the document:\n%s", y)
		}
	})
}

// FuzzParseParamValue: never panics; accepted text has the parameter's Go
// type.
func FuzzParseParamValue(f *testing.F) {
	for _, s := range []string{"1", "-2.5e3", "True", "0", "it's \"x\"\n", "1_0", "NaN"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, typ := range []pipeline.ParamType{pipeline.Int, pipeline.Float, pipeline.Bool, pipeline.Str} {
			v, err := ParseParamValue(typ, text)
			if err != nil {
				continue
			}
			ok := false
			switch typ {
			case pipeline.Int:
				_, ok = v.(int64)
			case pipeline.Float:
				_, ok = v.(float64)
			case pipeline.Bool:
				_, ok = v.(bool)
			case pipeline.Str:
				ok = v == text
			}
			if !ok {
				t.Fatalf("ParseParamValue(%s, %q) = %#v", typ, text, v)
			}
			if _, err := defaultValue(pipeline.Parameter{Name: "p", Type: typ, Default: v}); err != nil && typ != pipeline.Int {
				t.Fatalf("accepted %q as %s but cannot encode it: %v", text, typ, err)
			}
		}
	})
}

const seedSpec = `components:
  comp-a:
    executorLabel: exec-a
    outputDefinitions:
      artifacts:
        x_output_artifact:
          artifactType:
            schemaTitle: system.Dataset
            schemaVersion: 0.0.1
deploymentSpec:
  executors:
    exec-a:
      container:
        args: ["{{$.outputs.artifacts['x_output_artifact'].path}}"]
        command: [sh, -c]
        image: python:3.12
pipelineInfo:
  name: p
root:
  dag:
    tasks:
      a:
        cachingOptions: {enableCache: true}
        componentRef: {name: comp-a}
        taskInfo: {name: a-step}
  inputDefinitions:
    parameters:
      "n": {defaultValue: 3, parameterType: NUMBER_INTEGER}
schemaVersion: 2.1.0
sdkVersion: kale-dev
`

const seedPlatform = `platforms:
  kubernetes:
    deploymentSpec:
      executors:
        exec-a:
          podMetadata: {labels: {team: ml}}
          pvcMount: [{constant: data, mountPath: /data}]
`
