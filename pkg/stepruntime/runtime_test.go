package stepruntime

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"google.golang.org/protobuf/encoding/protojson"
)

// These tests run the embedded program with python3 exactly as a step
// container would: the command and args from Container, with the KFP
// placeholders replaced by files in a temp dir.

func needPython(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not on the PATH")
	}
}

// hasIPython asks python3 once per test binary.
var hasIPython = sync.OnceValue(func() bool {
	return exec.Command("python3", "-c", "import IPython").Run() == nil
})

// allModes are the two ways the runtime runs code; IPython only when
// present.
func allModes(t *testing.T) []bool {
	if hasIPython() {
		return []bool{false, true}
	}
	t.Log("IPython is not importable: testing the exec mode only")
	return []bool{false}
}

// modes is allModes, but only the exec mode under -short: starting IPython
// costs about a second of CPU per step, and TestReport and
// TestShellAndMagicsInIPython still run in IPython.
func modes(t *testing.T) []bool {
	if testing.Short() {
		return []bool{false}
	}
	return allModes(t)
}

func modeName(ipython bool) string {
	if ipython {
		return "ipython"
	}
	return "exec"
}

type input struct {
	path     string
	metadata map[string]any
}

type step struct {
	spec Spec
	// values are the typed parameterValues of the ExecutorInput; when nil
	// the runtime must fall back to the --param text.
	values  map[string]any
	texts   map[string]string
	inputs  map[string]input
	ipython bool
}

type stepResult struct {
	stdout, stderr string
	code           int
	dir            string
	outputs        map[string]string // var -> artifact file
	executorOutput []byte
	report         string
}

var placeholder = regexp.MustCompile(`\{\{\$(\.[^{}]*)?\}\}`)

func run(t *testing.T, s step) stepResult {
	t.Helper()
	dir := t.TempDir()
	res := stepResult{dir: dir, outputs: map[string]string{}}
	ins := map[string]any{}
	for v, in := range s.inputs {
		ins[InputArtifact(v)] = map[string]any{"artifacts": []any{map[string]any{
			"name": InputArtifact(v), "uri": in.path, "metadata": in.metadata}}}
	}
	outs := map[string]any{}
	outPath := func(name string) string { return filepath.Join(dir, "outputs", name) }
	for _, v := range s.spec.Outs {
		outs[OutputArtifact(v)] = map[string]any{"artifacts": []any{map[string]any{
			"name": OutputArtifact(v), "uri": outPath(OutputArtifact(v))}}}
		res.outputs[v] = outPath(OutputArtifact(v))
	}
	outs[MetricsArtifact] = map[string]any{"artifacts": []any{map[string]any{
		"name": MetricsArtifact, "uri": outPath(MetricsArtifact)}}}
	inputsJSON := map[string]any{"artifacts": ins}
	if s.values != nil {
		inputsJSON["parameterValues"] = s.values
	}
	ei, err := json.Marshal(map[string]any{
		"inputs":  inputsJSON,
		"outputs": map[string]any{"artifacts": outs, "outputFile": filepath.Join(dir, "executor_output.json")},
	})
	if err != nil {
		t.Fatal(err)
	}
	command, args, err := Container(s.spec)
	if err != nil {
		t.Fatal(err)
	}
	reportPath := outPath(ReportArtifact(s.spec.Step))
	sub := func(arg string) string {
		return placeholder.ReplaceAllStringFunc(arg, func(ph string) string {
			if ph == "{{$}}" {
				return string(ei)
			}
			m := regexp.MustCompile(`^\{\{\$\.(inputs|outputs)\.(artifacts|parameters)\['([^']+)'\](\.path)?\}\}$`).FindStringSubmatch(ph)
			if m == nil {
				t.Fatalf("unexpected placeholder %s", ph)
			}
			switch {
			case m[1] == "inputs" && m[2] == "parameters":
				if v, ok := s.texts[m[3]]; ok {
					return v
				}
				return formatValue(s.values[m[3]])
			case m[1] == "inputs":
				return s.inputs[strings.TrimSuffix(m[3], "_input_artifact")].path
			default:
				return outPath(m[3])
			}
		})
	}
	var argv []string
	for _, a := range append(command[1:], args...) {
		argv = append(argv, sub(a))
	}
	cmd := exec.Command(command[0], argv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = append(os.Environ(), "KALE_MARSHAL_DIR="+filepath.Join(dir, "marshal"), "TMPDIR="+dir,
		"KALE_STEP_IPYTHON="+map[bool]string{true: "1", false: "0"}[s.ipython])
	err = cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("running step: %v", err)
	}
	res.stdout, res.stderr, res.code = stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
	res.executorOutput, _ = os.ReadFile(filepath.Join(dir, "executor_output.json"))
	if b, err := os.ReadFile(reportPath); err == nil {
		res.report = string(b)
	}
	return res
}

func formatValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		return strconv.Itoa(x)
	case bool:
		return strconv.FormatBool(x)
	}
	return ""
}

func mustSucceed(t *testing.T, r stepResult) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("step failed with exit code %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
}

// outputMetadata reads the executor output file strictly as KFP's launcher
// does and returns each output artifact's metadata.
func outputMetadata(t *testing.T, r stepResult) map[string]map[string]any {
	t.Helper()
	var eo pipelinespec.ExecutorOutput
	if err := protojson.Unmarshal(r.executorOutput, &eo); err != nil {
		t.Fatalf("executor output is not an ExecutorOutput: %v\n%s", err, r.executorOutput)
	}
	out := map[string]map[string]any{}
	for name, list := range eo.GetArtifacts() {
		out[name] = list.GetArtifacts()[0].GetMetadata().AsMap()
	}
	return out
}

func block(cell int, src string) Block { return Block{Kind: "step", Cell: cell, Source: src} }

// lastJSON decodes the last stdout line.
func lastJSON(t *testing.T, stdout string) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil {
		t.Fatalf("last line of stdout is not JSON: %v\n%s", err, stdout)
	}
	return m
}

const producer = `import dataclasses

def scale(x, k=2):
    return x * k

def make_adder(n):
    def add(x):
        return x + n
    return add

class Base:
    def hello(self):
        return "base"

class Counter(Base):
    unit = "items"
    def __init__(self, start):
        self._n = start
    def incr(self):
        self._n += 1
        return self
    @property
    def n(self):
        return self._n
    @classmethod
    def zero(cls):
        return cls(0)
    @staticmethod
    def double(v):
        return scale(v)
    def hello(self):
        return "counter+" + super().hello()

@dataclasses.dataclass
class Point:
    x: int
    y: int = 0

def fact(n):
    return 1 if n < 2 else n * fact(n - 1)

number = 42
ratio = 0.25
text = "it's \"quoted\"\n\\ and ünïcode"
items = [1, "two", 3.0, None, True]
table = {"a": [1, 2], "b": {"c": (3, 4)}, 5: "five"}
pair = (1, 2)
tags = {"x", "y"}
blob = b"\x00\xff"
nothing = None
square = lambda v: v * v + OFFSET
OFFSET = 1
add3 = make_adder(3)
counter = Counter(10).incr()
point = Point(1, 2)
`

var producerOuts = []string{"add3", "blob", "counter", "fact", "items", "nothing", "number", "pair",
	"point", "ratio", "scale", "square", "table", "tags", "text", "Counter"}

const consumer = `import dataclasses, json
print(json.dumps({
    "number": number, "ratio": ratio, "text": text, "items": items,
    "table": {str(k): v for k, v in table.items()}, "pair": list(pair), "tuple": isinstance(pair, tuple),
    "tags": sorted(tags), "blob": list(blob), "nothing": nothing,
    "scale": scale(3), "scale_k": scale(3, k=5), "square": square(4), "add3": add3(4), "fact": fact(5),
    "counter_n": counter.n, "counter_incr": counter.incr().n, "counter_hello": counter.hello(),
    "counter_unit": counter.unit, "zero": Counter.zero().n, "double": Counter.double(21),
    "isinstance": isinstance(counter, Counter),
    "point": dataclasses.asdict(point), "point_eq": point == type(point)(1, 2),
}, sort_keys=True))
`

// TestValuesRoundTrip: values, functions, lambdas, closures and class
// instances defined in one step are usable two steps later, both straight
// from the producer's artifacts and after a middle step passed them on.
func TestValuesRoundTrip(t *testing.T) {
	t.Parallel()
	needPython(t)
	want := map[string]any{
		"number": 42.0, "ratio": 0.25, "text": "it's \"quoted\"\n\\ and ünïcode",
		"items": []any{1.0, "two", 3.0, nil, true},
		"table": map[string]any{"a": []any{1.0, 2.0}, "b": map[string]any{"c": []any{3.0, 4.0}}, "5": "five"},
		"pair":  []any{1.0, 2.0}, "tuple": true, "tags": []any{"x", "y"}, "blob": []any{0.0, 255.0}, "nothing": nil,
		"scale": 6.0, "scale_k": 15.0, "square": 17.0, "add3": 7.0, "fact": 120.0,
		"counter_n": 11.0, "counter_incr": 12.0, "counter_hello": "counter+base", "counter_unit": "items",
		"zero": 0.0, "double": 42.0, "isinstance": true,
		"point": map[string]any{"x": 1.0, "y": 2.0}, "point_eq": true,
	}
	for _, ipy := range modes(t) {
		t.Run(modeName(ipy), func(t *testing.T) {
			t.Parallel()
			a := run(t, step{ipython: ipy, spec: Spec{Notebook: "nb.ipynb", Step: "a",
				Blocks: []Block{block(1, producer)}, Outs: producerOuts}})
			mustSucceed(t, a)
			md := outputMetadata(t, a)
			fromA := map[string]input{}
			for _, v := range producerOuts {
				mp, _ := md[OutputArtifact(v)]["marshal_path"].(string)
				if filepath.Base(mp) != v+"_artifact.pkl" {
					t.Errorf("%s: marshal_path %q, want a Kale file name %s_artifact.pkl", v, mp, v)
				}
				fromA[v] = input{path: a.outputs[v], metadata: md[OutputArtifact(v)]}
			}
			// The middle step receives everything and passes it on unchanged.
			b := run(t, step{ipython: ipy, spec: Spec{Notebook: "nb.ipynb", Step: "b",
				Blocks: []Block{block(2, "middle = 1")}, Ins: producerOuts, Outs: producerOuts}, inputs: fromA})
			mustSucceed(t, b)
			mdB := outputMetadata(t, b)
			fromB := map[string]input{}
			for _, v := range producerOuts {
				fromB[v] = input{path: b.outputs[v], metadata: mdB[OutputArtifact(v)]}
			}
			for name, ins := range map[string]map[string]input{"from producer": fromA, "through a middle step": fromB} {
				c := run(t, step{ipython: ipy, spec: Spec{Notebook: "nb.ipynb", Step: "c",
					Blocks: []Block{block(3, consumer)}, Ins: producerOuts}, inputs: ins})
				mustSucceed(t, c)
				got := lastJSON(t, c.stdout)
				for k, w := range want {
					if g, _ := json.Marshal(got[k]); string(g) != mustJSON(w) {
						t.Errorf("%s: %s = %s, want %s", name, k, g, mustJSON(w))
					}
				}
			}
		})
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestParameters: typed values from the ExecutorInput, and the --param
// text converted by declared type when the ExecutorInput has none; strings
// with quotes, backslashes and newlines survive both ways.
func TestParameters(t *testing.T) {
	t.Parallel()
	needPython(t)
	tricky := "it's a \"test\"\\n\nline two ''' \"\"\" {braces} $HOME"
	spec := Spec{Notebook: "nb.ipynb", Step: "p",
		Parameters: []Param{{Name: "LR", Type: "float"}, {Name: "epochs", Type: "int"},
			{Name: "name", Type: "str"}, {Name: "flag", Type: "bool"}},
		Blocks: []Block{block(4, `import json
print(json.dumps({"LR": [LR, type(LR).__name__], "epochs": [epochs, type(epochs).__name__],
                  "name": [name, type(name).__name__], "flag": [flag, type(flag).__name__]}))`)}}
	want := map[string]any{"LR": []any{0.5, "float"}, "epochs": []any{3.0, "int"},
		"name": []any{tricky, "str"}, "flag": []any{false, "bool"}}
	cases := []struct {
		name   string
		values map[string]any
		texts  map[string]string
	}{
		{"typed executor input", map[string]any{"LR": 0.5, "epochs": 3.0, "name": tricky, "flag": false}, nil},
		{"--param text only", nil, map[string]string{"LR": "0.5", "epochs": "3", "name": tricky, "flag": "false"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, step{spec: spec, values: tc.values, texts: tc.texts})
			mustSucceed(t, r)
			got := lastJSON(t, r.stdout)
			if mustJSON(got) != mustJSON(want) {
				t.Errorf("parameters arrived as %s, want %s", mustJSON(got), mustJSON(want))
			}
		})
	}
	t.Run("renamed parameter keeps its name in code", func(t *testing.T) {
		t.Parallel()
		r := run(t, step{spec: Spec{Notebook: "nb.ipynb", Step: "p", Parameters: []Param{{Name: "lr", Type: "float", Variable: "LR"}},
			Blocks: []Block{block(1, "print(LR * 2)")}}, values: map[string]any{"lr": 0.25}})
		mustSucceed(t, r)
		if strings.TrimSpace(r.stdout) != "0.5" {
			t.Errorf("stdout %q", r.stdout)
		}
	})
	t.Run("wrong type is a clear error", func(t *testing.T) {
		t.Parallel()
		r := run(t, step{spec: spec, texts: map[string]string{"LR": "fast", "epochs": "3", "name": "x", "flag": "true"}})
		if r.code == 0 || !strings.Contains(r.stderr, "parameter LR: 'fast' is not a valid float") {
			t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
		}
	})
}

// TestShellAndMagicsWithoutIPython: !cmd runs through the shell (with
// {expr} and $name expansion), x = !cmd captures lines, line magics are
// skipped with a note, %%bash cells run.
func TestShellAndMagicsWithoutIPython(t *testing.T) {
	t.Parallel()
	needPython(t)
	r := run(t, step{spec: Spec{Notebook: "nb.ipynb", Step: "sh", Blocks: []Block{
		block(2, "%matplotlib inline\nx = 21\n!echo double={x*2} name=$x\nlines = !printf 'a\\nb\\n'\nprint(lines, lines.n == 'a\\nb')\nif True:\n    !echo indented\n"),
		block(3, "%%bash\necho from bash $((6*7))\n"),
		block(4, "%env KALE_TEST_VAR=hello\nimport os\nprint(os.environ['KALE_TEST_VAR'])"),
		block(5, "get_ipython().system('echo via get_ipython')\nprint(get_ipython().getoutput('echo captured'))"),
	}}})
	mustSucceed(t, r)
	for _, want := range []string{"via get_ipython\n", "['captured']\n", "double=42 name=21\n", "['a', 'b'] True\n", "indented\n", "from bash 42\n", "hello\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if want := "kale: nb.ipynb, cell 2, line 1: skipped %matplotlib (IPython is not available in this image)"; !strings.Contains(r.stderr, want) {
		t.Errorf("stderr lacks the note %q:\n%s", want, r.stderr)
	}
}

// TestFailureNamesCellAndLine: a failing step exits non-zero and its
// traceback names the notebook cell and line, never the generated file.
func TestFailureNamesCellAndLine(t *testing.T) {
	t.Parallel()
	needPython(t)
	cases := []struct {
		name   string
		blocks []Block
		want   []string
	}{
		{
			name:   "error in the step's cell",
			blocks: []Block{block(5, "a = 1\n\nb = a / 0\n")},
			want: []string{`File "nb.ipynb", cell 5, line 3, in <module>`, "b = a / 0",
				"kale: step s failed at nb.ipynb, cell 5, line 3: ZeroDivisionError: division by zero"},
		},
		{
			name: "error in a function from a functions cell",
			blocks: []Block{{Kind: "functions", Cell: 2, Source: "def load(path):\n    with open(path) as f:\n        return f.read()\n"},
				block(7, "x = 1\ndata = load('/no/such/file')\n")},
			want: []string{`File "nb.ipynb", cell 7, line 2, in <module>`, `File "nb.ipynb", cell 2, line 2, in load`,
				"kale: step s failed at nb.ipynb, cell 2, line 2: FileNotFoundError"},
		},
		{
			name:   "syntax error",
			blocks: []Block{block(1, "x = 1"), block(9, "y = 2\nif y >\n    pass\n")},
			want:   []string{`File "nb.ipynb", cell 9, line 2`, "SyntaxError"},
		},
	}
	for _, ipy := range modes(t) {
		for _, tc := range cases {
			t.Run(modeName(ipy)+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				r := run(t, step{ipython: ipy, spec: Spec{Notebook: "nb.ipynb", Step: "s", Blocks: tc.blocks}})
				if r.code == 0 {
					t.Fatalf("step succeeded; stderr:\n%s", r.stderr)
				}
				for _, w := range tc.want {
					if !strings.Contains(r.stderr, w) {
						t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
					}
				}
				for _, bad := range []string{"kale_step.py", "<kale-block", "ipython-input", "interactiveshell.py"} {
					if strings.Contains(r.stderr, bad) {
						t.Errorf("stderr mentions %q:\n%s", bad, r.stderr)
					}
				}
			})
		}
	}
}

// TestMetrics: metrics become artifact metadata of kale_metrics_artifact in
// the executor output file; a non-number is a clear error.
func TestMetrics(t *testing.T) {
	t.Parallel()
	needPython(t)
	spec := Spec{Notebook: "nb.ipynb", Step: "eval", Outs: []string{"model"},
		Blocks:  []Block{block(3, "model = {'w': 1}\naccuracy = 0.875\nn_rows = 120\nlabel = 'good'")},
		Metrics: []Metric{{Name: "accuracy", Variable: "accuracy"}, {Name: "n-rows", Variable: "n_rows"}}}
	r := run(t, step{spec: spec})
	mustSucceed(t, r)
	md := outputMetadata(t, r)
	if got := mustJSON(md[MetricsArtifact]); got != `{"accuracy":0.875,"n-rows":120}` {
		t.Errorf("metrics metadata = %s", got)
	}
	if mp, _ := md[OutputArtifact("model")]["marshal_path"].(string); filepath.Base(mp) != "model_artifact.pkl" {
		t.Errorf("model marshal_path = %q", mp)
	}

	spec.Metrics = append(spec.Metrics, Metric{Name: "label", Variable: "label"})
	r = run(t, step{spec: spec})
	if r.code == 0 || !strings.Contains(r.stderr, "metric label (variable label) is a str ('good'): KFP metrics must be numbers") {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
}

// TestKaleArtifacts: inputs get their Kale file name back from the
// marshal_path metadata (or from the content when there is none), and
// Kale's dill formats without dill are a clear error.
func TestKaleArtifacts(t *testing.T) {
	t.Parallel()
	needPython(t)
	dir := t.TempDir()
	pkl := filepath.Join(dir, "data_output_artifact")
	// A protocol-2 pickle of {"k": [1, 2]}.
	if err := os.WriteFile(pkl, []byte("\x80\x02}q\x00X\x01\x00\x00\x00kq\x01]q\x02(K\x01K\x02es."), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := Spec{Notebook: "nb.ipynb", Step: "use", Ins: []string{"data"},
		Blocks: []Block{block(1, "import os, json\nprint(json.dumps([data, sorted(os.listdir(os.environ['KALE_MARSHAL_DIR']))]))")}}
	cases := []struct {
		name     string
		metadata map[string]any
		want     string
	}{
		{"marshal_path from a Kale producer", map[string]any{"marshal_path": "/tmp/marshal/data_artifact.pkl"}, `[{"k":[1,2]},["data_artifact.pkl"]]`},
		{"no metadata: format from the content", nil, `[{"k":[1,2]},["data_artifact.pkl"]]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, step{spec: spec, inputs: map[string]input{"data": {path: pkl, metadata: tc.metadata}}})
			mustSucceed(t, r)
			if got := mustJSON(lastJSON2(t, r.stdout)); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	if exec.Command("python3", "-c", "import dill").Run() != nil {
		t.Run("dill format without dill", func(t *testing.T) {
			t.Parallel()
			r := run(t, step{spec: spec, inputs: map[string]input{"data": {path: pkl,
				metadata: map[string]any{"marshal_path": "/tmp/marshal/data_artifact.dillpkl"}}}})
			if r.code == 0 || !strings.Contains(r.stderr, "data_artifact.dillpkl was written with dill (Kale's dillpkl backend) but dill is not installed") {
				t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
			}
		})
	}
	t.Run("undefined output", func(t *testing.T) {
		t.Parallel()
		r := run(t, step{spec: Spec{Notebook: "nb.ipynb", Step: "s", Outs: []string{"ghost"}, Blocks: []Block{block(1, "x = 1")}}})
		if r.code == 0 || !strings.Contains(r.stderr, "step s: variable ghost is not defined when the step ends") {
			t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
		}
	})
}

func lastJSON2(t *testing.T, stdout string) any {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	var v any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &v); err != nil {
		t.Fatalf("last line of stdout is not JSON: %v\n%s", err, stdout)
	}
	return v
}

// TestReport: the HTML report holds the step's output text, escaped, and
// rich HTML output as HTML.
func TestReport(t *testing.T) {
	t.Parallel()
	needPython(t)
	for _, ipy := range allModes(t) {
		t.Run(modeName(ipy), func(t *testing.T) {
			t.Parallel()
			r := run(t, step{ipython: ipy, spec: Spec{Notebook: "nb.ipynb", Step: "rep", Report: true, Blocks: []Block{
				block(1, "print('<script>alert(1)</script> & done')"),
				block(2, "class Table:\n    def _repr_html_(self):\n        return '<table><tr><td>cell</td></tr></table>'\nTable()"),
			}}})
			mustSucceed(t, r)
			for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt; &amp; done", "<table><tr><td>cell</td></tr></table>", "nb.ipynb, cell 2"} {
				if !strings.Contains(r.report, want) {
					t.Errorf("report lacks %q:\n%s", want, r.report)
				}
			}
			if strings.Contains(r.report, "<script>") {
				t.Errorf("report has unescaped output:\n%s", r.report)
			}
		})
	}
}

// TestProgramHasNoPlaceholders: KFP's launcher substitutes placeholders in
// the command too, and the program travels in the command.
func TestProgramHasNoPlaceholders(t *testing.T) {
	if loc := placeholder.FindStringIndex(Program()); loc != nil {
		t.Errorf("the step program contains a KFP placeholder %q; the launcher would replace it", Program()[loc[0]:loc[1]])
	}
}

// TestProgramIsPython38: the program parses with Python 3.8's grammar, the
// oldest Python a step image may have.
func TestProgramIsPython38(t *testing.T) {
	t.Parallel()
	needPython(t)
	cmd := exec.Command("python3", "-c", "import ast, sys; ast.parse(sys.stdin.read(), 'kale_step.py', feature_version=(3, 8))")
	cmd.Stdin = strings.NewReader(Program())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("the step program is not Python 3.8: %v\n%s", err, out)
	}
}

// TestShellAndMagicsInIPython: the same notebook lines through IPython.
func TestShellAndMagicsInIPython(t *testing.T) {
	t.Parallel()
	needPython(t)
	if !hasIPython() {
		t.Skip("IPython is not importable")
	}
	r := run(t, step{ipython: true, spec: Spec{Notebook: "nb.ipynb", Step: "sh", Blocks: []Block{
		block(2, "%matplotlib inline\nx = 21\nlines = !printf 'a\\nb\\n'\nprint(lines, lines.n == 'a\\nb')"),
		block(3, "%%bash\necho from bash $((6*7))\n"),
		block(4, "%env KALE_TEST_VAR=hello\nimport os\nprint(os.environ['KALE_TEST_VAR'])"),
	}}})
	mustSucceed(t, r)
	for _, want := range []string{"['a', 'b'] True\n", "from bash 42\n", "hello\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if exec.Command("python3", "-c", "import matplotlib").Run() != nil {
		if want := "kale: nb.ipynb, cell 2: skipped %matplotlib (matplotlib is not installed in this image)"; !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}
