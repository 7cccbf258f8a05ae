// Package stepruntime is the program that runs inside every pipeline step,
// and the contract between it and the IR compiler: which container command
// and arguments a step gets, and how its inputs, outputs, parameters and
// metrics are named. The program itself is Python (standard library only,
// Python 3.8+), embedded with go:embed and written into the container by a
// short sh launcher, so step images need nothing but python3.
package stepruntime

import (
	"bytes"
	"compress/zlib"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
)

//go:embed kale_step.py
var program string

// Program returns the Python source of the step runtime.
func Program() string { return program }

// encodedProgram is computed once: every step of every pipeline embeds it.
var encodedProgram = sync.OnceValue(func() string {
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression) // a valid level never fails
	_, _ = zw.Write([]byte(program))                         // bytes.Buffer writes never fail
	_ = zw.Close()
	return base64.StdEncoding.EncodeToString(buf.Bytes())
})

// EncodedProgram returns the program as base64 of its zlib compression, the
// form the container command carries. The runtime is embedded in every
// executor of the IR, so compressing it keeps a 100-step pipeline's IR at a
// fraction of the size (the KFP API server stores and returns the whole spec).
func EncodedProgram() string { return encodedProgram() }

// Launcher is the sh script that decodes the program ($0) with python3's own
// standard library into a temporary file and runs it with the remaining
// arguments, much as the KFP SDK does for lightweight components. It needs
// nothing in the image but sh and python3.
const Launcher = `prog="$(mktemp -d)/kale_step.py"
python3 -c 'import base64, sys, zlib; sys.stdout.buffer.write(zlib.decompress(base64.b64decode(sys.argv[1])))' "$0" > "$prog"
exec python3 -u "$prog" "$@"
`

// MetricsArtifact is the output artifact (system.Metrics) of a step that
// reports pipeline metrics; as in Kale, its metadata carries the values.
const MetricsArtifact = "kale_metrics_artifact"

// InputArtifact is the component input artifact that carries variable v into
// a step (Kale's naming).
func InputArtifact(v string) string { return v + "_input_artifact" }

// OutputArtifact is the component output artifact that carries variable v
// out of a step (Kale's naming).
func OutputArtifact(v string) string { return v + "_output_artifact" }

// ReportArtifact is the HTML report output artifact (system.HTML) of a step.
func ReportArtifact(step string) string { return step + "_html_report" }

// Block is a piece of step code with the notebook cell it came from, so a
// traceback can name the cell and line.
type Block struct {
	Kind string `json:"kind"`
	// Cell is the 0-based notebook cell index; -1 for generated code.
	Cell   int    `json:"cell"`
	Source string `json:"source"`
}

// Param is a pipeline parameter the step reads, with its Python type
// (int, float, str, bool).
type Param struct {
	Name string `json:"name"`
	Type string `json:"type"`
	// Variable is the Python name the value gets in the step when it is not
	// Name (e.g. an IR input renamed from the notebook's upper-case name).
	Variable string `json:"variable,omitempty"`
}

// Metric is a metric the step reports: Name is the KFP metric name, Variable
// the Python variable holding the value.
type Metric struct {
	Name     string `json:"name"`
	Variable string `json:"variable"`
}

// Spec is everything the runtime needs to run one step. It travels in the
// container arguments as EncodeSpec makes it.
type Spec struct {
	Notebook   string   `json:"notebook"`
	Step       string   `json:"step"`
	Blocks     []Block  `json:"blocks"`
	Ins        []string `json:"ins"`
	Outs       []string `json:"outs"`
	Parameters []Param  `json:"parameters"`
	Metrics    []Metric `json:"metrics"`
	// Report asks for an HTML report of the step's outputs.
	Report bool `json:"report"`
}

// Container returns the command and arguments of the step's container.
// Arguments:
//
//	--executor-input {{$}}                          the KFP ExecutorInput (typed parameter
//	                                                values, artifact metadata, outputFile)
//	--spec-base64 BASE64                            the Spec (EncodeSpec)
//	--input VAR={{$.inputs.artifacts['VAR_input_artifact'].path}}     per input, sorted
//	--output VAR={{$.outputs.artifacts['VAR_output_artifact'].path}}  per output, sorted
//	--param NAME={{$.inputs.parameters['NAME']}}    per parameter, sorted
//	--metrics {{$.outputs.artifacts['kale_metrics_artifact'].path}}   when the step has metrics
//	--report {{$.outputs.artifacts['STEP_html_report'].path}}         when Report is set
//
// The compiler must declare exactly these inputs and outputs on the component.
func Container(s Spec) (command, args []string, err error) {
	spec, err := EncodeSpec(s)
	if err != nil {
		return nil, nil, err
	}
	command = []string{"sh", "-ec", Launcher, EncodedProgram()}
	args = []string{"--executor-input", "{{$}}", SpecFlag, spec}
	for _, v := range sorted(s.Ins) {
		args = append(args, "--input", fmt.Sprintf("%s={{$.inputs.artifacts['%s'].path}}", v, InputArtifact(v)))
	}
	for _, v := range sorted(s.Outs) {
		args = append(args, "--output", fmt.Sprintf("%s={{$.outputs.artifacts['%s'].path}}", v, OutputArtifact(v)))
	}
	params := make([]string, len(s.Parameters))
	for i, p := range s.Parameters {
		params[i] = p.Name
	}
	for _, p := range sorted(params) {
		args = append(args, "--param", fmt.Sprintf("%s={{$.inputs.parameters['%s']}}", p, p))
	}
	if len(s.Metrics) > 0 {
		args = append(args, "--metrics", fmt.Sprintf("{{$.outputs.artifacts['%s'].path}}", MetricsArtifact))
	}
	if s.Report {
		args = append(args, "--report", fmt.Sprintf("{{$.outputs.artifacts['%s'].path}}", ReportArtifact(s.Step)))
	}
	return command, args, nil
}

// SpecFlag is the runtime argument whose value is the encoded Spec.
const SpecFlag = "--spec-base64"

// EncodeSpec returns the Spec as the container argument carries it: the
// standard, padded base64 of its JSON. The spec holds the notebook's code,
// and KFP's launcher (and Argo before it) rewrites every {{...}} placeholder
// in every argument, including one inside a comment or a string literal,
// with run-time values such as parameters: code carried as text would then
// run whatever a parameter value says. The base64 alphabet (A-Z a-z 0-9 + /
// =) has no "{", so no placeholder of any system can match in the value.
func EncodeSpec(s Spec) (string, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return "", fmt.Errorf("encoding step spec for %s: %w", s.Step, err)
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// DecodeSpec reverses EncodeSpec, as the runtime does (strict base64, UTF-8
// JSON).
func DecodeSpec(text string) (Spec, error) {
	var s Spec
	b, err := base64.StdEncoding.Strict().DecodeString(text)
	if err != nil {
		return s, fmt.Errorf("step spec is not base64: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("step spec is not JSON: %w", err)
	}
	return s, nil
}

func sorted(in []string) []string {
	out := append([]string(nil), in...)
	sort.Strings(out)
	return out
}
