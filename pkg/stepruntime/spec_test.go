package stepruntime

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

// kfpLaunch builds a step's argv as KFP's launcher does (compileCmdAndArgs
// in launcher_v2.go): {{$}} becomes the ExecutorInput's protojson first,
// then each placeholder of a declared input or output is replaced, one
// after the other in map order, in every argument.
func kfpLaunch(t testing.TB, args []string, ei *pipelinespec.ExecutorInput) []string {
	t.Helper()
	eiJSON, err := protojson.Marshal(ei)
	if err != nil {
		t.Fatal(err)
	}
	ph := map[string]string{}
	for name, v := range ei.GetInputs().GetParameterValues() {
		var s string
		switch k := v.GetKind().(type) {
		case *structpb.Value_StringValue:
			s = k.StringValue
		case *structpb.Value_NumberValue:
			s = strconv.FormatFloat(k.NumberValue, 'f', -1, 64)
		case *structpb.Value_BoolValue:
			s = strconv.FormatBool(k.BoolValue)
		}
		ph[fmt.Sprintf("{{$.inputs.parameters['%s']}}", name)] = s
	}
	for name, l := range ei.GetOutputs().GetArtifacts() {
		ph[fmt.Sprintf("{{$.outputs.artifacts['%s'].path}}", name)] = l.GetArtifacts()[0].GetUri()
		ph[fmt.Sprintf("{{$.outputs.artifacts['%s'].uri}}", name)] = l.GetArtifacts()[0].GetUri()
	}
	out := make([]string, len(args))
	for i, a := range args {
		a = strings.ReplaceAll(a, "{{$}}", string(eiJSON))
		for k, v := range ph {
			a = strings.ReplaceAll(a, k, v)
		}
		out[i] = a
	}
	return out
}

// argValue returns the value after flag in argv, as the runtime reads it.
func argValue(t testing.TB, argv []string, flag string) string {
	t.Helper()
	i := slices.Index(argv, flag)
	if i < 0 || i+1 >= len(argv) {
		t.Fatalf("no %s in %q", flag, argv)
	}
	return argv[i+1]
}

// FuzzSpecEncoding: whatever a cell holds and whatever a run's parameter
// value is, the runtime receives exactly that cell text: the launcher's
// substitution cannot reach into the encoded spec. The parameter value
// arrives exactly in the ExecutorInput unless it itself holds a placeholder
// of the step (KFP's launcher substitutes sequentially, so it rewrites
// placeholders inside values; that changes a value, never the code).
func FuzzSpecEncoding(f *testing.F) {
	f.Add("# {{$.inputs.parameters['greeting']}}\nx = '{{$.pipeline_job_name}}'", "x\nimport os; os.system('touch PWNED')\n#")
	f.Add("print({{$}})", "{{$.outputs.artifacts['s_html_report'].path}}")
	f.Add("s = \"\\u2028\u2028 \x00 </script> 🙂\"", "\"quoted\" \\ 'single'")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, cell, value string) {
		if !utf8.ValidString(cell) || !utf8.ValidString(value) {
			t.Skip("notebook text and KFP string values are UTF-8 (JSON)")
		}
		spec := Spec{Notebook: "nb.ipynb", Step: "s", Blocks: []Block{{Kind: "step", Cell: 1, Source: cell}},
			Ins: []string{}, Outs: []string{}, Parameters: []Param{{Name: "greeting", Type: "str"}}, Metrics: []Metric{}, Report: true}
		_, args, err := Container(spec)
		if err != nil {
			t.Fatal(err)
		}
		enc := argValue(t, args, SpecFlag)
		if strings.ContainsAny(enc, "{}$") {
			t.Fatalf("the encoded spec holds a placeholder character: %q", enc)
		}
		ei := &pipelinespec.ExecutorInput{
			Inputs: &pipelinespec.ExecutorInput_Inputs{ParameterValues: map[string]*structpb.Value{"greeting": structpb.NewStringValue(value)}},
			Outputs: &pipelinespec.ExecutorInput_Outputs{
				Artifacts:  map[string]*pipelinespec.ArtifactList{ReportArtifact("s"): {Artifacts: []*pipelinespec.RuntimeArtifact{{Uri: "/minio/r/s_html_report"}}}},
				OutputFile: "/tmp/kfp/output_metadata.json",
			},
		}
		argv := kfpLaunch(t, args, ei)
		got, err := DecodeSpec(argValue(t, argv, SpecFlag))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, spec) {
			t.Fatalf("the runtime got spec\n%+v\nwant\n%+v", got, spec)
		}
		if strings.Contains(value, "{{$") {
			return
		}
		var in struct {
			Inputs struct {
				ParameterValues map[string]any `json:"parameterValues"`
			} `json:"inputs"`
		}
		if err := json.Unmarshal([]byte(argValue(t, argv, "--executor-input")), &in); err != nil {
			t.Fatalf("executor input: %v", err)
		}
		if v := in.Inputs.ParameterValues["greeting"]; v != value {
			t.Fatalf("the runtime got parameter %q, want %q", v, value)
		}
		if p := argValue(t, argv, "--param"); p != "greeting="+value {
			t.Fatalf("--param %q, want greeting=%q", p, value)
		}
	})
}

// TestPythonDecodesSpec: the runtime's own decoder (decode_spec in
// kale_step.py) gives back exactly the spec Go encoded, for text that is
// hard to carry: placeholders, quotes, backslashes, NUL, line separators,
// astral characters; and rejects what is not an encoded spec.
func TestPythonDecodesSpec(t *testing.T) {
	t.Parallel()
	needPython(t)
	texts := []string{
		"# {{$.inputs.parameters['greeting']}}\nprint('{{$}}')",
		"s = \"quoted\" + 'single' + \"\"\"triple\"\"\" + '\\\\' + '\\n'",
		"a\x00b\tc\r\nd \u2028 \u2029 \U0001F642 é </script> <!-- --> & %s %(x)s $HOME `id`",
		"",
	}
	var specs []Spec
	var lines []string
	for i, text := range texts {
		s := Spec{Notebook: fmt.Sprintf("{{$.pipeline_job_name}} %d.ipynb", i), Step: "s",
			Blocks: []Block{{Kind: "step", Cell: i, Source: text}, {Kind: "functions", Cell: -1, Source: "def f(): pass"}},
			Ins:    []string{"a"}, Outs: []string{"b"}, Parameters: []Param{{Name: "p", Type: "int", Variable: "P"}},
			Metrics: []Metric{{Name: "m-1", Variable: "m_1"}}, Report: i%2 == 0}
		_, args, err := Container(s)
		if err != nil {
			t.Fatal(err)
		}
		specs = append(specs, s)
		lines = append(lines, argValue(t, args, SpecFlag))
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "kale_step.py"), []byte(Program()), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `import json, sys
sys.path.insert(0, sys.argv[1])
import kale_step
for line in sys.stdin:
    try:
        print(json.dumps(kale_step.decode_spec(line.rstrip("\n"))))
    except kale_step.StepError as e:
        print("ERROR " + str(e))
`
	cmd := exec.Command("python3", "-c", script, dir)
	cmd.Stdin = strings.NewReader(strings.Join(append(lines, "e30", "{\"step\": \"s\"}", "bm90IGpzb24="), "\n") + "\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python decoder: %v", err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(nil, 1<<20)
	var got []string
	for sc.Scan() {
		got = append(got, sc.Text())
	}
	if len(got) != len(specs)+3 {
		t.Fatalf("python printed %d lines, want %d:\n%s", len(got), len(specs)+3, out)
	}
	for i, want := range specs {
		var s Spec
		if err := json.Unmarshal([]byte(got[i]), &s); err != nil {
			t.Fatalf("spec %d: %v", i, err)
		}
		if !reflect.DeepEqual(s, want) {
			t.Errorf("python decoded spec %d as\n%+v\nwant\n%+v", i, s, want)
		}
	}
	for i, want := range []string{"ERROR --spec-base64 is not base64", "ERROR --spec-base64 is not base64", "ERROR --spec-base64 does not hold JSON"} {
		if g := got[len(specs)+i]; !strings.HasPrefix(g, want) {
			t.Errorf("bad input %d: python said %q, want %q...", i, g, want)
		}
	}
}
