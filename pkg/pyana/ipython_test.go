package pyana

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestIPythonLines(t *testing.T) {
	tests := []struct {
		name      string
		src       string
		lines     []int
		undefined []string
		defined   []string
	}{
		{name: "line magic is left out", src: "%matplotlib inline\nimport numpy as np\n", lines: []int{1}, defined: []string{"np"}},
		{name: "shell escape is left out", src: "!pip install foo\nx = 1\n", lines: []int{1}, defined: []string{"x"}},
		{name: "shell escape reads the names it expands", src: "!pip install {pkg} ${HOME} {}\n", lines: []int{1}, undefined: []string{"pkg"}},
		{name: "magic inside an indented block keeps the block valid", src: "for i in range(3):\n    %time f(i)\n    !echo hi\n", lines: []int{2, 3}, undefined: []string{"f"}, defined: []string{"i"}},
		{name: "only magic in an indented block", src: "if True:\n    !ls\nprint(1)\n", lines: []int{2}},
		{name: "time magic keeps its Python code", src: "%time model = fit(data)\nprint(model)\n", lines: []int{1}, undefined: []string{"data", "fit"}, defined: []string{"model"}},
		{name: "timeit with options is left out", src: "%timeit -n 10 fit(data)\n", lines: []int{1}},
		{name: "shell assignment binds its target", src: "files = !ls\nprint(files)\n", lines: []int{1}, defined: []string{"files"}},
		{name: "magic assignment binds every target", src: "a, b = %sx echo 1\nprint(a, b)\n", lines: []int{1}, defined: []string{"a", "b"}},
		{name: "shell assignment expands names", src: "out = !grep {pattern} file\n", lines: []int{1}, undefined: []string{"pattern"}, defined: []string{"out"}},
		{name: "help suffix and prefix", src: "np.array?\n??len\nobj??\nnp.*load*?\nx = 1\n", lines: []int{1, 2, 3, 4}, defined: []string{"x"}},
		{name: "question mark in a comment is Python", src: "x = 1  # why?\n", defined: []string{"x"}},
		{name: "python cell magic keeps its body", src: "%%time\ny = compute(x)\n", lines: []int{1}, undefined: []string{"compute", "x"}, defined: []string{"y"}},
		{name: "capture cell magic binds its name and keeps the body", src: "%%capture --no-stderr out\nrun(x)\nprint(out)\n", lines: []int{1}, undefined: []string{"run", "x"}, defined: []string{"out"}},
		{name: "other cell magic blanks the whole cell", src: "%%bash\nfor f in *.csv; do\n  echo $f\ndone\n", lines: []int{1, 2, 3, 4}},
		{name: "writefile cell body is not Python", src: "%%writefile app.py\nimport os\nprint(os.getcwd()\n", lines: []int{1, 2, 3}},
		{name: "magic continued with a backslash", src: "!pip install a \\\n    b\nx = 1\n", lines: []int{1, 2}, defined: []string{"x"}},
		{name: "percent inside a triple-quoted string is left alone", src: "s = \"\"\"\n%d items\n!important\n\"\"\"\n", defined: []string{"s"}},
		{name: "percent inside brackets is Python", src: "x = (10\n     % 3)\n", defined: []string{"x"}},
		{name: "modulo and not-equal are Python", src: "a = 1\nb = a % 2\nc = a != b\n", defined: []string{"a", "b", "c"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := mustAnalyze(t, tc.src)
			if !slices.Equal(r.IPythonLines, tc.lines) {
				t.Errorf("IPythonLines = %v, want %v", r.IPythonLines, tc.lines)
			}
			if !equalNames(r.Undefined, tc.undefined) {
				t.Errorf("Undefined = %q, want %q", r.Undefined, tc.undefined)
			}
			if !equalNames(r.Defined, tc.defined) {
				t.Errorf("Defined = %q, want %q", r.Defined, tc.defined)
			}
		})
	}
}

// Blanking keeps every line where it was: a syntax error after IPython lines
// is reported on its own line, in Analyze and in AnalyzeCells.
func TestIPythonBlankingKeepsLineNumbers(t *testing.T) {
	src := "%matplotlib inline\n!pip install x\nfiles = !ls\nnp.array?\nx = (1,\n"
	_, err := Analyze(src)
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("Analyze: error %v, want a *SyntaxError", err)
	}
	if se.Line != 5 || se.Column != 5 {
		t.Errorf("error at line %d column %d, want line 5 column 5: %v", se.Line, se.Column, se)
	}
	if se.Text != "x = (1," {
		t.Errorf("Text = %q, want the offending line", se.Text)
	}

	cells := []string{"%%bash\necho 'not python ('", "import os\n%time os.getcwd()", "def f(:\n    pass"}
	_, err = AnalyzeCells(cells)
	if !errors.As(err, &se) {
		t.Fatalf("AnalyzeCells: error %v, want a *SyntaxError", err)
	}
	cell, line := CellLine(cells, se.Line)
	if se.Line != 5 || cell != 2 || line != 1 {
		t.Errorf("error at joined line %d = cell %d line %d, want joined line 5 = cell 2 line 1: %v", se.Line, cell, line, se)
	}
}

func TestAnalyzeCellsBlanksCellMagicOnlyInItsCell(t *testing.T) {
	cells := []string{"%%bash\necho hi", "x = 1\ny = x + z"}
	r, err := AnalyzeCells(cells)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r.IPythonLines, []int{1, 2}) {
		t.Errorf("IPythonLines = %v, want [1 2]", r.IPythonLines)
	}
	if !equalNames(r.Undefined, []string{"z"}) || r.UndefinedAt["z"] != 4 {
		t.Errorf("Undefined = %q at %v, want z at line 4", r.Undefined, r.UndefinedAt)
	}
	// The same text through Analyze treats the %%bash body as running to the end.
	r, err = Analyze(strings.Join(cells, "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Undefined) != 0 || len(r.IPythonLines) != 4 {
		t.Errorf("Analyze of the joined text: Undefined %q, IPythonLines %v; want none and 4 lines", r.Undefined, r.IPythonLines)
	}
}

func TestCellLine(t *testing.T) {
	cells := []string{"a\nb", "c", "d\ne\nf"}
	tests := []struct{ line, cell, inCell int }{
		{1, 0, 1}, {2, 0, 2}, {3, 1, 1}, {4, 2, 1}, {6, 2, 3}, {7, -1, 0}, {0, -1, 0},
	}
	for _, tc := range tests {
		cell, in := CellLine(cells, tc.line)
		if cell != tc.cell || in != tc.inCell {
			t.Errorf("CellLine(%d) = %d, %d; want %d, %d", tc.line, cell, in, tc.cell, tc.inCell)
		}
	}
}
