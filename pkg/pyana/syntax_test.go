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
	{name: "more nested brackets than CPython allows", src: "x = " + strings.Repeat("(", 1200) + strings.Repeat(")", 1200) + "\n", line: 1, column: 205, message: "too many nested parentheses", sameLine: true},
	{name: "expression nested deeper than the tree allows", src: "x = " + strings.Repeat("-", 5000) + "1\n", line: 1, message: "nested too deeply"},
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

// validPython are valid Python 3.12 programs (CPython compiles them); none
// may be reported as a syntax error.
var validPython = []string{
	"@(lambda f: f)\ndef f(): pass\n",
	"@buttons[0].clicked.connect\ndef g(): pass\n",
	"with (open('a') as a, open('b') as b):\n    pass\n",
	"with (yield_ctx()):\n    pass\n",
	"a[*b]\n",
	"x = a[1:2, ::3, ...]\n",
	"return_val = *a, b\n",
	"for x in *a, *b:\n    pass\n",
	"d = {**a, 'b': 1}\ns = {*a, *b}\nl = [*a, *b]\n",
	"def f(a, b=1, /, c=2, *, d, e=3, **kw): pass\n",
	"class C(B, metaclass=M, **kw): pass\n",
	"x = 1; y = 2; z = x + y\n",
	"s = ('abc'\n     'def'\n     f'{x}')\n",
	"if (x := f()) is not None:\n    pass\n",
	"assert isinstance(x, int), 'msg'\n",
	"with a as (b, c):\n    pass\n",
	"from . import (a, b,)\nfrom .. import c\nfrom .m.n import d as e\n",
	"try:\n    pass\nexcept (A, B) as e:\n    pass\nelse:\n    pass\nfinally:\n    pass\n",
	"while x:\n    break\nelse:\n    pass\nfor i in y:\n    continue\nelse:\n    pass\n",
	"c = a @ b\nc @= b\nx = a not in b and c is not d\n",
	"f = lambda *a, **k: 0\ng = (lambda: (yield))\n",
	"n = 1_000 + 0b1010 + 0o17 + 0xFF + 1e-3j + 1.5 + .5\n",
	"x: list[int] | None = None\ndef f() -> tuple[int, ...]:\n    pass\n",
	"def gen():\n    x = yield 1\n    y = yield from g()\n    return x, y\n",
	"def f():\n    global a, b\n    a = b = 1\n",
	"match x:\n    case 1 | 2 | 3:\n        pass\n    case [1, 2, *_]:\n        pass\n    case {'a': 1, **rest}:\n        pass\n    case Point(x=0, y=0) | Point(x=1):\n        pass\n    case (a, b) if a > b:\n        pass\n    case str() | bytes():\n        pass\n    case -1.5 | 1+2j | None | True:\n        pass\n    case [Point(x=0) as p, *others]:\n        pass\n    case {**kw}:\n        pass\n",
	"match = {'a': 1}\nmatch['a']\ncase = 3\ntype = 4\nprint(match, case, type)\n",
	"print(f'{x!r:>10} {y:{w}.{p}f} {z=}')\n",
	"x = r'\\d+' + b'bytes' + rb'\\x'\n",
	"ä = 1\nprint(ä)\n",
	"async def f():\n    async with a as b:\n        pass\n    async for x in y:\n        pass\n    return [x async for x in y]\n",
	"class A:\n    @property\n    def x(self):\n        return 1\n    @x.setter\n    def x(self, v):\n        pass\n",
	"del (a), [b], c.d, e[0]\n",
	"x = [i for i in range(3) if i if i > 0]\n",
	"def f(a,\n      b):\n    return (a +\n            b)\n",
	"x = 1 if y else \\\n    2\n",
	"if a:\n    pass\nelif b:\n    pass\nelse:\n    pass\n",
	"class C:\n    '''doc'''\n\n    x = 1\n\n\n    def m(self):\n        '''doc'''\n        # comment\n        return self.x\n",
	"x = {\n    'a': [1, 2,\n          3],\n}\n",
	"print(*args, sep='', end='\\n', file=sys.stderr)\n",
	"raise\n",
	"nonlocal_free = lambda: [y for y in z]\n",
	"try:\n    pass\nexcept* ValueError:\n    pass\n",
	"x = not a\ny = -b ** -c\nz = ~d\n",
	"a, = b\n(c) = d\n[e] = f\n",
	"def f(*, a): pass\n",
	"@dataclass(frozen=True)\nclass P:\n    x: int\n    y: int = 0\n",
	"if True: x = 1; y = 2\n",
	"for i in range(3): print(i)\n",
	"while False: pass\n",
	"x = [\n    1,  # one\n    2,  # two\n]\n",
	"def f():\n    '''Docstring with quotes ' \" and colon:'''\n    pass\n",
	"s = '''a\n\nb'''\nt = \"\"\"\n    indented:\n\"\"\"\n",
	"x = 'a' \\\n    'b'\n",
	"if x:\n    # only a comment\n    pass\n",
	"def f():\n    pass\n# trailing comment at col 0\n    # indented comment\n",
	"type Alias[T] = list[T]\ndef first[T](xs: list[T]) -> T:\n    return xs[0]\nclass Box[T: int]:\n    pass\n",
}

func TestLongOperatorChainParses(t *testing.T) {
	src := "x = " + strings.Repeat("a + ", 999) + "a\n"
	r, err := Analyze(src)
	if err != nil {
		t.Fatal(err)
	}
	if !equalNames(r.Undefined, []string{"a"}) {
		t.Errorf("Undefined = %q, want a", r.Undefined)
	}
}

func TestValidPythonParses(t *testing.T) {
	for i, src := range validPython {
		if _, err := Analyze(src); err != nil {
			t.Errorf("validPython[%d]: %v\n%s", i, err, src)
		}
	}
	// All but the 3.12-only last one compile with the python3 here (3.11+).
	for i, res := range pythonCompiles(t, validPython[:len(validPython)-1]) {
		if res != "" {
			t.Errorf("validPython[%d] is not valid Python: %s", i, res)
		}
	}
}
