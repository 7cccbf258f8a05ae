package pyana

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// corpusNotebook is the code cells of one example notebook (Kale's examples
// and the edge-case oracle notebooks), extracted to testdata/notebooks.
type corpusNotebook struct {
	Notebook string   `json:"notebook"`
	Cells    []string `json:"cells"`
	file     string
}

func loadCorpus(tb testing.TB) []corpusNotebook {
	tb.Helper()
	files, err := filepath.Glob("testdata/notebooks/*.json")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no corpus notebooks: %v", err)
	}
	var out []corpusNotebook
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		var nb corpusNotebook
		if err := json.Unmarshal(data, &nb); err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		nb.file = strings.TrimSuffix(filepath.Base(f), ".json")
		out = append(out, nb)
	}
	return out
}

// pythonCompiles reports, for each source, "" when python3 compiles it or
// "LINE: MESSAGE" for its SyntaxError. nil when python3 is absent.
func pythonCompiles(t *testing.T, sources []string) []string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Log("python3 not found: skipping the compile cross-check")
		return nil
	}
	const prog = `
import json, sys
out = []
for src in json.load(sys.stdin):
    try:
        compile(src, "<cell>", "exec", dont_inherit=True)
        out.append("")
    except SyntaxError as e:
        out.append("%d: %s" % (e.lineno or 0, e.msg))
print(json.dumps(out))
`
	in, _ := json.Marshal(sources)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "-c", prog)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	var res []string
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	return res
}

// Every code cell of the example notebooks analyses without error, and
// CPython compiles the same cells once their IPython lines are blanked.
func TestCorpusCellsParse(t *testing.T) {
	var blanked []string
	var where []string
	for _, nb := range loadCorpus(t) {
		for i, cell := range nb.Cells {
			if _, err := Analyze(cell); err != nil {
				t.Errorf("%s: cell %d: %v", nb.Notebook, i, err)
			}
			code, _ := blankIPython(cell, nil)
			blanked = append(blanked, code)
			where = append(where, nb.Notebook)
		}
		if _, err := AnalyzeCells(nb.Cells); err != nil {
			t.Errorf("%s: all cells: %v", nb.Notebook, err)
		}
	}
	for i, res := range pythonCompiles(t, blanked) {
		if res != "" {
			t.Errorf("%s: python3 rejects the blanked cell: %s\n%s", where[i], res, blanked[i])
		}
	}
}

// goldenCell is what the golden files record for a cell.
type goldenCell struct {
	Cell               int            `json:"cell"`
	Undefined          []string       `json:"undefined,omitempty"`
	UndefinedAt        map[string]int `json:"undefined_at,omitempty"`
	Mentioned          []string       `json:"mentioned,omitempty"`
	Defined            []string       `json:"defined,omitempty"`
	Imported           []string       `json:"imported,omitempty"`
	Functions          []goldenFunc   `json:"functions,omitempty"`
	Classes            []string       `json:"classes,omitempty"`
	Calls              []string       `json:"calls,omitempty"`
	StarImports        []string       `json:"star_imports,omitempty"`
	IPythonLines       []int          `json:"ipython_lines,omitempty"`
	LastExpressionName string         `json:"last_expression_name,omitempty"`
}

type goldenFunc struct {
	Name     string   `json:"name"`
	Line     int      `json:"line"`
	FreeVars []string `json:"free_vars,omitempty"`
}

func toGolden(i int, r *Result) goldenCell {
	g := goldenCell{
		Cell: i, Undefined: r.Undefined, Mentioned: r.Mentioned, Defined: r.Defined,
		Imported: r.Imported, Classes: r.Classes, Calls: r.Calls, StarImports: r.StarImports,
		IPythonLines: r.IPythonLines, LastExpressionName: r.LastExpressionName,
	}
	if len(r.UndefinedAt) > 0 {
		g.UndefinedAt = r.UndefinedAt
	}
	for _, f := range r.Functions {
		g.Functions = append(g.Functions, goldenFunc{Name: f.Name, Line: f.Line, FreeVars: f.FreeVars})
	}
	return g
}

// The analysis of every corpus cell matches testdata/golden (regenerate
// with `go test ./pkg/pyana -run TestCorpusGolden -update` and review the
// diff).
func TestCorpusGolden(t *testing.T) {
	for _, nb := range loadCorpus(t) {
		t.Run(nb.file, func(t *testing.T) {
			var cells []goldenCell
			for i, cell := range nb.Cells {
				r, err := Analyze(cell)
				if err != nil {
					t.Fatalf("cell %d: %v", i, err)
				}
				cells = append(cells, toGolden(i, r))
			}
			got, err := json.MarshalIndent(cells, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", "golden", nb.file+".json")
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
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("analysis differs from %s; run with -update and review the diff\ngot:\n%s", path, got)
			}
		})
	}
}
