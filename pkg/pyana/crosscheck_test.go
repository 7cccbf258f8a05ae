package pyana

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"slices"
	"testing"
	"time"
)

type astRef struct {
	Mentioned []string `json:"mentioned"`
	Calls     []string `json:"calls"`
	Functions []struct {
		Name     string   `json:"name"`
		Line     int      `json:"line"`
		FreeVars []string `json:"free_vars"`
	} `json:"functions"`
	Classes []string `json:"classes"`
	Last    string   `json:"last"`
}

// astReference runs testdata/ast_ref.py (CPython's ast and symtable) on the
// sources. nil when python3 is absent; an entry is nil when this python3
// cannot parse that source.
func astReference(t *testing.T, sources []string) []*astRef {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Log("python3 not found: skipping the ast cross-check")
		return nil
	}
	in, _ := json.Marshal(sources)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "testdata/ast_ref.py")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ast reference: %v\n%s", err, stderr.String())
	}
	var res []*astRef
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	if len(res) != len(sources) {
		t.Fatalf("ast reference returned %d results for %d sources", len(res), len(sources))
	}
	return res
}

// crossCheckSources are realistic snippets beyond the notebooks that
// exercise the module-level lists.
var crossCheckSources = []string{
	"import a.b.c\nimport d.e as f\nfrom g import h, i as j\nfrom k import *\n",
	"with my_context(param) as ctx:\n    res = ctx.use()\n",
	"try:\n    x = 1\nexcept ValueError as err:\n    print(err)\nfinally:\n    y = 2\n",
	"match cmd:\n    case [\"go\", where, *more]:\n        go(where, more)\n    case {\"k\": v, **rest}:\n        pass\n    case Point(x=px) as pt if px > limit:\n        pass\n",
	"if (n := len(data)) > 3:\n    total = sum(v for v in data)\n",
	"@decorator(arg)\ndef f(a, b=default):\n    return a + helper(b) + CONST\n\nclass K(Base):\n    attr = value\n    def m(self):\n        return other\n",
	"if cond:\n    def g():\n        return g_free\nelse:\n    def g():\n        return g_other\n",
	"try:\n    def h():\n        global counter\n        counter += 1\n        return counter\nexcept Exception:\n    pass\n",
	"def outer():\n    def inner():\n        return shared + local_later\n    local_later = 1\n    return inner\n",
	"async def co(x):\n    async with lock:\n        return await fetch(x, timeout=T)\n",
	"x = [i * scale for i in range(n) if i % k]\nlam = lambda q, r=rdef: q + free_in_lambda\n",
	"print(f\"{value:{width}} {other!r}\")\nobj.attr.sub = data[idx]\nresult\n",
	"for i, (a, b) in enumerate(pairs):\n    acc += a * b\nwhile running:\n    step()\nelse:\n    done = True\n",
	"del a, b[c]\nassert check(x), message\nraise Err(code) from cause\n",
	"class Outer:\n    class Inner:\n        pass\n    def meth(self):\n        class Local:\n            pass\n        return Local\n",
}

// Mentioned, Calls, Functions (names, lines and free variables), Classes and
// LastExpressionName agree with CPython's ast/symtable on every corpus cell
// and on crossCheckSources.
func TestCrossCheckWithCPython(t *testing.T) {
	var sources, labels []string
	for _, nb := range loadCorpus(t) {
		for i, cell := range nb.Cells {
			sources = append(sources, cell)
			labels = append(labels, nb.Notebook+": cell "+itoa(i))
		}
	}
	for i, s := range crossCheckSources {
		sources = append(sources, s)
		labels = append(labels, "crossCheckSources["+itoa(i)+"]")
	}
	blanked := make([]string, len(sources))
	for i, s := range sources {
		blanked[i], _ = blankIPython(s, nil)
	}
	refs := astReference(t, blanked)
	if refs == nil {
		return
	}
	checked := 0
	for i, src := range sources {
		ref := refs[i]
		if ref == nil {
			continue
		}
		checked++
		r, err := Analyze(src)
		if err != nil {
			t.Errorf("%s: %v", labels[i], err)
			continue
		}
		if !equalNames(r.Mentioned, ref.Mentioned) {
			t.Errorf("%s: Mentioned = %q, CPython reference %q", labels[i], r.Mentioned, ref.Mentioned)
		}
		if !equalNames(r.Calls, ref.Calls) {
			t.Errorf("%s: Calls = %q, CPython reference %q", labels[i], r.Calls, ref.Calls)
		}
		if !equalNames(r.Classes, ref.Classes) {
			t.Errorf("%s: Classes = %q, CPython reference %q", labels[i], r.Classes, ref.Classes)
		}
		if r.LastExpressionName != ref.Last {
			t.Errorf("%s: LastExpressionName = %q, CPython reference %q", labels[i], r.LastExpressionName, ref.Last)
		}
		if len(r.Functions) != len(ref.Functions) {
			t.Errorf("%s: %d functions, CPython reference %d", labels[i], len(r.Functions), len(ref.Functions))
			continue
		}
		for j, f := range r.Functions {
			rf := ref.Functions[j]
			if f.Name != rf.Name || f.Line != rf.Line {
				t.Errorf("%s: function %d is %s at line %d, CPython reference %s at line %d", labels[i], j, f.Name, f.Line, rf.Name, rf.Line)
				continue
			}
			if rf.FreeVars != nil && !slices.Equal(orEmpty(f.FreeVars), rf.FreeVars) {
				t.Errorf("%s: %s free variables = %q, CPython symtable %q", labels[i], f.Name, f.FreeVars, rf.FreeVars)
			}
		}
	}
	if checked < len(sources)/2 {
		t.Errorf("only %d of %d sources were checked", checked, len(sources))
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
