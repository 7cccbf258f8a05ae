package pyana

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Result is the analysis of one block of Python source. Lines are 1-based
// and refer to the analysed source.
type Result struct {
	// Undefined: names read somewhere in the code (any scope) that no
	// binding visible there defines, excluding builtins: pyflakes'
	// "undefined name". Sorted, unique.
	Undefined []string
	// UndefinedAt: the first line each undefined name is used at.
	UndefinedAt map[string]int
	// Mentioned: Kale's marshal candidates: every name that appears at
	// module level in any context (read, write, del), import bindings,
	// names of top-level def/class (not their bodies, decorators or
	// defaults), targets of every kind, comprehension variables, match
	// captures. Sorted, unique.
	Mentioned []string
	// Defined: names bound at module scope anywhere in the code, including
	// by `global` declarations in functions (a later del does not remove a
	// name from here). Sorted, unique.
	Defined []string
	// Imported: names bound by import statements at module level. Sorted,
	// unique.
	Imported []string
	// Functions: top-level function definitions (walking the module body
	// without entering function or class bodies), in source order.
	Functions []Function
	// Classes: top-level class names, sorted, unique.
	Classes []string
	// Calls: names f of every call f(...) anywhere (obj.f() excluded).
	// Sorted, unique.
	Calls []string
	// StarImports: modules imported with `from m import *`, in source
	// order. Names such a module may define are not reported as undefined.
	StarImports []string
	// Imports: top-level modules the code imports anywhere (`import a.b`
	// and `from a.b import c` give a), except relative imports,
	// __future__ and imports guarded by a try that catches ImportError.
	// Sorted, unique.
	Imports []string
	// IPythonLines: lines holding IPython syntax, replaced before parsing.
	IPythonLines []int
	// LastExpressionName: the name, if the last top-level statement is a
	// bare name expression `x`.
	LastExpressionName string
}

// Function is a top-level function definition.
type Function struct {
	Name string
	// Line is the line of the `def`; StartLine is the first decorator's
	// line (or Line), EndLine the last line of the body.
	Line, StartLine, EndLine int
	// FreeVars: names the function (body, nested functions, classes and
	// comprehensions in it) reads that are not bound inside it and are not
	// builtins, including names the module defines and names declared
	// global. Decorators, defaults and annotations of the def itself are
	// read by the enclosing scope and do not count. Sorted, unique.
	FreeVars []string
	// Source is the definition's original text (decorators included,
	// IPython lines kept), dedented to column 0 so it parses on its own.
	Source string
}

// maxDepth bounds the nesting of the syntax tree. CPython gives up earlier:
// at 200 nested brackets (checkTokens reports those the same way) and at
// about 3000 chained operators.
const maxDepth = 3000

// Analyze parses one block of Python source and returns its analysis.
// IPython lines are replaced before parsing without shifting line numbers and
// are listed in Result.IPythonLines. Code that does not parse returns a
// *SyntaxError.
func Analyze(src string) (*Result, error) {
	return analyze(src, nil)
}

// AnalyzeCells analyses cells joined with "\n", the way Kale builds a step's
// source. Unlike Analyze on the joined text, a cell magic such as %%bash
// blanks only its own cell. Lines in the Result refer to the joined source;
// CellLine maps them back.
func AnalyzeCells(cells []string) (*Result, error) {
	starts := make([]int, len(cells))
	line := 0
	for i, c := range cells {
		starts[i] = line
		line += strings.Count(c, "\n") + 1
	}
	return analyze(strings.Join(cells, "\n"), starts)
}

// CellLine maps a 1-based line of the source AnalyzeCells built from cells
// to the index of the cell holding it and the 1-based line inside that cell.
// It returns -1, 0 for a line outside the source.
func CellLine(cells []string, line int) (cell, lineInCell int) {
	first := 1
	for i, c := range cells {
		n := strings.Count(c, "\n") + 1
		if line >= first && line < first+n {
			return i, line - first + 1
		}
		first += n
	}
	return -1, 0
}

// FunctionSource returns the source of the last top-level function named
// name in src (as Kale's parse_functions keeps the last definition), dedented.
func FunctionSource(src, name string) (string, bool) {
	r, err := Analyze(src)
	if err != nil {
		return "", false
	}
	for i := len(r.Functions) - 1; i >= 0; i-- {
		if r.Functions[i].Name == name {
			return r.Functions[i].Source, true
		}
	}
	return "", false
}

func analyze(src string, cellStarts []int) (*Result, error) {
	lines := strings.Split(src, "\n")
	if err := checkEncoding(src, lines); err != nil {
		return nil, err
	}
	code, ipyLines := blankIPython(src, cellStarts)
	p := parse([]byte(code))
	if p.tooDeep {
		return nil, &SyntaxError{Line: p.deepLine + 1, Column: 1, Text: lineAt(lines, p.deepLine),
			Message: fmt.Sprintf("expression nested too deeply (more than %d levels)", maxDepth)}
	}
	if se := firstSyntaxError(checkTokens(strings.Split(code, "\n")), findSyntaxError(p, lines)); se != nil {
		se.Text = lineAt(lines, se.Line-1)
		return nil, se
	}
	b := newBinder(p)
	b.run()

	r := &Result{
		Undefined:    sortedKeys(b.undefined),
		UndefinedAt:  b.undefined,
		Mentioned:    mentioned(p),
		Defined:      sortedKeys(b.defined),
		Imported:     sortedKeys(b.imported),
		Classes:      topLevelClasses(p),
		Calls:        calls(p),
		StarImports:  b.stars,
		Imports:      imports(p),
		IPythonLines: ipyLines,
	}
	r.LastExpressionName = lastExpressionName(p)
	r.Functions = make([]Function, len(b.functions))
	for i, f := range b.functions {
		f.FreeVars = sortedKeys(b.freeVars[i])
		outer := b.funcOuter[i]
		def := b.funcNodes[i]
		f.StartLine = outer.line + 1
		f.EndLine = def.endLine + 1
		if def.endCol == 0 && def.endLine > def.line {
			f.EndLine--
		}
		f.Source = dedentLines(lines[f.StartLine-1:f.EndLine], outer.col)
		r.Functions[i] = f
	}
	return r, nil
}

// checkEncoding rejects what CPython rejects before parsing: invalid UTF-8
// and NUL bytes.
func checkEncoding(src string, lines []string) error {
	for i, l := range lines {
		if !utf8.ValidString(l) {
			col := 1
			for j := range l {
				if r, size := utf8.DecodeRuneInString(l[j:]); r == utf8.RuneError && size <= 1 {
					col = j + 1
					break
				}
			}
			return &SyntaxError{Line: i + 1, Column: col, Text: strings.ToValidUTF8(l, "\uFFFD"),
				Message: "source is not valid UTF-8"}
		}
		if j := strings.IndexByte(l, 0); j >= 0 {
			return &SyntaxError{Line: i + 1, Column: j + 1, Text: strings.ReplaceAll(l, "\x00", `\x00`),
				Message: "source code cannot contain null bytes"}
		}
	}
	return nil
}

// firstSyntaxError prefers the tokenizer's error unless the parser's is on
// an earlier line: an unclosed bracket or a bad indent explains the parse
// errors after it better than tree-sitter's recovery does.
func firstSyntaxError(tok, tree *SyntaxError) *SyntaxError {
	switch {
	case tok == nil:
		return tree
	case tree == nil:
		return tok
	case tree.Line < tok.Line:
		return tree
	}
	return tok
}

func lineAt(lines []string, i int) string {
	if i >= 0 && i < len(lines) {
		return lines[i]
	}
	return ""
}

// dedentLines joins lines after removing up to col leading blanks from each,
// leaving alone lines that continue a string literal.
func dedentLines(lines []string, col int) string {
	out := make([]string, len(lines))
	var sc lineScanner
	for i, l := range lines {
		inString := sc.triple != ""
		sc.scan(l)
		if inString {
			out[i] = l
			continue
		}
		j := 0
		for j < col && j < len(l) && (l[j] == ' ' || l[j] == '\t') {
			j++
		}
		out[i] = l[j:]
	}
	return strings.Join(out, "\n") + "\n"
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
