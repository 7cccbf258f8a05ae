package pyana

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
)

// corpusCell returns one cell of a corpus notebook.
func corpusCell(t *testing.T, file string, i int) string {
	t.Helper()
	data, err := os.ReadFile("testdata/notebooks/" + file + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var nb corpusNotebook
	if err := json.Unmarshal(data, &nb); err != nil {
		t.Fatal(err)
	}
	return nb.Cells[i]
}

const openVaccine = "main-2026-05__examples__openvaccine-kaggle-competition__open-vaccine"

func TestFunctionsOnNotebookCode(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		funcs []Function // Name, Line and FreeVars are compared
	}{
		{
			name:  "free variables include imports and module names used in the body",
			src:   corpusCell(t, openVaccine, 11),
			funcs: []Function{{Name: "process_features", Line: 1, FreeVars: []string{"np", "tokenizer_from_json", "tokenizer_string"}}},
		},
		{
			name: "defaults are not free variables; nested defs and classes are inside",
			src:  corpusCell(t, openVaccine, 17),
			funcs: []Function{{Name: "build_model", Line: 1, FreeVars: []string{
				"Layer", "gru_layer", "lstm_layer", "tf",
			}}},
		},
		{
			name:  "methods are not top-level functions",
			src:   corpusCell(t, openVaccine, 20),
			funcs: nil,
		},
		{
			name: "defs inside if and try count, in source order",
			src:  "try:\n    def a():\n        return x\nexcept ImportError:\n    def a():\n        return y\nif flag:\n    def b(): return a()\n",
			funcs: []Function{
				{Name: "a", Line: 2, FreeVars: []string{"x"}},
				{Name: "a", Line: 5, FreeVars: []string{"y"}},
				{Name: "b", Line: 8, FreeVars: []string{"a"}},
			},
		},
		{
			name:  "global declarations are free variables",
			src:   "def bump():\n    global counter\n    counter += step\n",
			funcs: []Function{{Name: "bump", Line: 1, FreeVars: []string{"counter", "step"}}},
		},
		{
			name:  "lambdas and comprehensions in the body are inside the function",
			src:   "def f(xs):\n    key = lambda v: v[col]\n    return sorted([x for x in xs if x > lo], key=key)\n",
			funcs: []Function{{Name: "f", Line: 1, FreeVars: []string{"col", "lo"}}},
		},
		{
			name:  "builtins are not free variables but module rebinding of one is",
			src:   "len = 3\ndef f(s):\n    return len + print(s) + str(s)\n",
			funcs: []Function{{Name: "f", Line: 2, FreeVars: []string{"len"}}},
		},
		{
			name:  "decorated and async functions",
			src:   "@cache\nasync def fetch(url):\n    async with session.get(url) as r:\n        return await r.text()\n",
			funcs: []Function{{Name: "fetch", Line: 2, FreeVars: []string{"session"}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := mustAnalyze(t, tc.src)
			if len(r.Functions) != len(tc.funcs) {
				t.Fatalf("Functions = %+v, want %d", r.Functions, len(tc.funcs))
			}
			for i, f := range r.Functions {
				want := tc.funcs[i]
				if f.Name != want.Name || f.Line != want.Line || !equalNames(f.FreeVars, want.FreeVars) {
					t.Errorf("Functions[%d] = %s line %d free %q, want %s line %d free %q",
						i, f.Name, f.Line, f.FreeVars, want.Name, want.Line, want.FreeVars)
				}
			}
		})
	}
}

func TestFunctionSource(t *testing.T) {
	src := "import os\n%matplotlib inline\nif True:\n    @deco(1)\n    def helper(a):\n        !echo {a}\n        s = \"\"\"\n  text\n\"\"\"\n        return os.path.join(a, s)\n\ndef helper2():\n    pass\n"
	got, ok := FunctionSource(src, "helper")
	if !ok {
		t.Fatal("FunctionSource did not find helper")
	}
	want := "@deco(1)\ndef helper(a):\n    !echo {a}\n    s = \"\"\"\n  text\n\"\"\"\n    return os.path.join(a, s)\n"
	if got != want {
		t.Errorf("FunctionSource =\n%s\nwant\n%s", got, want)
	}
	// The source analyses on its own, IPython line and all.
	r := mustAnalyze(t, got)
	if !equalNames(r.Undefined, []string{"deco", "os"}) {
		t.Errorf("the extracted source reads %q, want deco and os", r.Undefined)
	}
	r = mustAnalyze(t, src)
	f := r.Functions[0]
	if f.StartLine != 4 || f.Line != 5 || f.EndLine != 10 {
		t.Errorf("lines = start %d def %d end %d, want 4, 5, 10", f.StartLine, f.Line, f.EndLine)
	}
	if _, ok := FunctionSource(src, "missing"); ok {
		t.Error("FunctionSource found a function that is not there")
	}
	if _, ok := FunctionSource("def (:", "f"); ok {
		t.Error("FunctionSource succeeded on code that does not parse")
	}
	// Kale keeps the last definition of a name.
	got, _ = FunctionSource("def f():\n    return 1\ndef f():\n    return 2\n", "f")
	if got != "def f():\n    return 2\n" {
		t.Errorf("FunctionSource of a redefined function = %q, want the last one", got)
	}
}

func TestMentionedCallsAndLastExpression(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		mentioned []string
		calls     []string
		last      string
	}{
		{
			name:      "Kale's context manager example",
			src:       "with my_context(param) as ctx:\n    res = ctx.use()\n",
			mentioned: []string{"ctx", "my_context", "param", "res"},
			calls:     []string{"my_context"},
		},
		{
			name:      "function and class names without their bodies, decorators or defaults",
			src:       "@register(app)\ndef train(model=default_model):\n    inner = fit(model)\nclass Net(Base):\n    layer = Dense()\n",
			mentioned: []string{"Net", "train"},
			calls:     []string{"Dense", "fit", "register"},
		},
		{
			name:      "import bindings, not module paths",
			src:       "import os.path\nimport numpy as np\nfrom sklearn.model_selection import train_test_split as tts, KFold\n",
			mentioned: []string{"KFold", "np", "os", "tts"},
		},
		{
			name:      "targets, comprehension variables, walrus and attributes' objects",
			src:       "a, (b, *c) = data\n[v for v in vals if (w := v)]\nobj.attr = cfg.value\nd[k] = 1\n",
			mentioned: []string{"a", "b", "c", "cfg", "d", "data", "k", "obj", "v", "vals", "w"},
		},
		{
			name:      "keyword names and attribute calls are not names",
			src:       "model.fit(x=X, epochs=n)\nprint(len(X))\n",
			mentioned: []string{"X", "len", "model", "n", "print"},
			calls:     []string{"len", "print"},
		},
		{
			name:      "trailing bare name is the last expression",
			src:       "acc = evaluate(model)\nacc\n",
			mentioned: []string{"acc", "evaluate", "model"},
			calls:     []string{"evaluate"},
			last:      "acc",
		},
		{
			name:      "a trailing comment does not hide the last expression",
			src:       "x = 1\nx  # show it\n\n",
			mentioned: []string{"x"},
			last:      "x",
		},
		{
			name:      "a trailing attribute or call is not a bare name",
			src:       "df.head()\n",
			mentioned: []string{"df"},
		},
		{
			name:      "a trailing IPython line is not a bare name",
			src:       "x\n%time f()\n",
			mentioned: []string{"f", "x"},
			calls:     []string{"f"},
		},
		{
			name:      "match captures and except-as names are mentioned",
			src:       "match msg:\n    case {\"id\": ident, **rest}:\n        pass\ntry:\n    pass\nexcept E as err:\n    pass\n",
			mentioned: []string{"E", "err", "ident", "msg", "rest"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := mustAnalyze(t, tc.src)
			if !equalNames(r.Mentioned, tc.mentioned) {
				t.Errorf("Mentioned = %q, want %q", r.Mentioned, tc.mentioned)
			}
			if !equalNames(r.Calls, tc.calls) {
				t.Errorf("Calls = %q, want %q", r.Calls, tc.calls)
			}
			if r.LastExpressionName != tc.last {
				t.Errorf("LastExpressionName = %q, want %q", r.LastExpressionName, tc.last)
			}
		})
	}
}

func TestModuleLevelLists(t *testing.T) {
	src := "import os, sys as system\nfrom m import *\nfrom n import *\nif c:\n    class A: pass\nclass B:\n    class Inner: pass\ndef f():\n    class Local: pass\n    global g\n    g = 1\nx = 1\n"
	r := mustAnalyze(t, src)
	if want := []string{"m", "n"}; !slices.Equal(r.StarImports, want) {
		t.Errorf("StarImports = %q, want %q", r.StarImports, want)
	}
	if want := []string{"A", "B"}; !slices.Equal(r.Classes, want) {
		t.Errorf("Classes = %q, want %q", r.Classes, want)
	}
	if want := []string{"os", "system"}; !slices.Equal(r.Imported, want) {
		t.Errorf("Imported = %q, want %q", r.Imported, want)
	}
	if want := []string{"A", "B", "f", "g", "os", "system", "x"}; !slices.Equal(r.Defined, want) {
		t.Errorf("Defined = %q, want %q", r.Defined, want)
	}
}
