package pyana

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

type syntaxCase struct {
	name     string
	src      string
	line     int
	column   int
	message  string // a substring of the message
	sameLine bool   // CPython reports the same line
}

var syntaxCases = []syntaxCase{
	{name: "unclosed parenthesis is reported where it opens", src: "x = (1,\ny = 2\n", line: 1, column: 5, message: "'(' was never closed", sameLine: true},
	{name: "unclosed bracket at the end of the cell", src: "a = 1\nx = [1, 2\n", line: 2, column: 5, message: "'[' was never closed", sameLine: true},
	{name: "unmatched closing brace", src: "x = }\n", line: 1, column: 5, message: "unmatched '}'", sameLine: true},
	{name: "mismatched closing bracket", src: "x = (1, 2]\n", line: 1, column: 10, message: "does not match opening parenthesis '('", sameLine: true},
	{name: "missing colon after for", src: "for x in y\n    pass\n", line: 1, column: 11, message: "expected ':'", sameLine: true},
	{name: "missing colon after class", src: "import os\nclass C\n    pass\n", line: 2, column: 8, message: "expected ':'", sameLine: true},
	{name: "unexpected indent", src: "x = 1\n  y = 2\n", line: 2, column: 3, message: "unexpected indent", sameLine: true},
	{name: "missing indented block", src: "if x:\npass\n", line: 2, column: 1, message: "expected an indented block after line 1", sameLine: true},
	{name: "missing indented block at the end", src: "def f():\n", line: 1, column: 1, message: "expected an indented block after line 1"},
	{name: "dedent to no outer level", src: "def f():\n    return\n  x = 1\n", line: 3, column: 3, message: "unindent does not match any outer indentation level", sameLine: true},
	{name: "unterminated string", src: "x = 'abc\n", line: 1, column: 5, message: "unterminated string literal", sameLine: true},
	{name: "unterminated triple-quoted string", src: "a = 1\nx = \"\"\"abc\nmore\n", line: 2, column: 5, message: "unterminated triple-quoted string literal (detected at line 3)", sameLine: true},
	{name: "incomplete expression", src: "a = 1 +\n", line: 1, column: 8, message: "invalid syntax", sameLine: true},
	{name: "two names in a row", src: "x = y z\n", line: 1, column: 7, message: "invalid syntax near 'z'", sameLine: true},
	{name: "bare import", src: "import\n", line: 1, column: 7, message: "invalid syntax", sameLine: true},
	{name: "missing parameter before colon", src: "def f(:\n    pass\n", line: 1, message: "", sameLine: true},
	{name: "python 2 print statement", src: "print 'a'\n", line: 1, column: 1, message: "Missing parentheses in call to 'print'", sameLine: true},
	{name: "python 2 exec statement", src: "exec 'code'\n", line: 1, column: 1, message: "Missing parentheses in call to 'exec'", sameLine: true},
	{name: "python 2 not-equal operator", src: "a <> b\n", line: 1, column: 3, message: "'<>'", sameLine: true},
	{name: "else without if", src: "x = 1\nelse:\n    pass\n", line: 2, column: 1, message: "invalid syntax", sameLine: true},
	{name: "assignment to a call", src: "f() = 3\n", line: 1, message: "invalid syntax", sameLine: true},
	{name: "error after IPython lines keeps its line", src: "%matplotlib inline\n!ls\nx = = 1\n", line: 3, column: 5, message: "invalid syntax", sameLine: true},
	{name: "error inside a function body", src: "def f():\n    x = 1\n    return x +\n", line: 3, column: 15, message: "invalid syntax", sameLine: true},
	{name: "null byte", src: "x = 1\x00\n", line: 1, column: 6, message: "null bytes"},
	{name: "invalid UTF-8", src: "x = '\xff'\n", line: 1, column: 6, message: "not valid UTF-8"},
	{name: "nesting deeper than the parser allows", src: "x = " + strings.Repeat("(", 1200) + strings.Repeat(")", 1200) + "\n", line: 1, message: "too many nested"},
}

func TestSyntaxErrors(t *testing.T) {
	for _, tc := range syntaxCases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Analyze(tc.src)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Analyze = %+v, %v; want a *SyntaxError", r, err)
			}
			if se.Line != tc.line {
				t.Errorf("Line = %d, want %d (%v)", se.Line, tc.line, se)
			}
			if tc.column != 0 && se.Column != tc.column {
				t.Errorf("Column = %d, want %d (%v)", se.Column, tc.column, se)
			}
			if !strings.Contains(se.Message, tc.message) {
				t.Errorf("Message = %q, want it to contain %q", se.Message, tc.message)
			}
			lines := strings.Split(tc.src, "\n")
			if want := lines[se.Line-1]; se.Text != want && !strings.Contains(tc.message, "UTF-8") && !strings.Contains(tc.message, "null") {
				t.Errorf("Text = %q, want line %d of the source %q", se.Text, se.Line, want)
			}
			if !strings.Contains(se.Error(), "line "+strconv.Itoa(tc.line)) {
				t.Errorf("Error() = %q does not name the line", se.Error())
			}
		})
	}
	// CPython reports the same line for the cases that say so (the IPython
	// one after blanking, as pyana parses it).
	var srcs []string
	var cases []syntaxCase
	for _, tc := range syntaxCases {
		if tc.sameLine {
			code, _ := blankIPython(tc.src, nil)
			srcs = append(srcs, code)
			cases = append(cases, tc)
		}
	}
	res := pythonCompiles(t, srcs)
	for i, got := range res {
		line, _, _ := strings.Cut(got, ":")
		if got == "" || line != strconv.Itoa(cases[i].line) {
			t.Errorf("%s: CPython says %q, the table says line %d", cases[i].name, got, cases[i].line)
		}
	}
}
