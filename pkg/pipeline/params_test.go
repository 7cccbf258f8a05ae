package pipeline

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kubeflow-kale/kale/pkg/diag"
)

func TestParseParameters(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []Parameter
		// err is a substring of the one expected error, with its line.
		err     string
		errLine int
	}{
		{name: "int float str bool", src: "a = 1\nb = 0.5\nc = 'x'\nd = True\ne = False",
			want: []Parameter{{"a", Int, int64(1)}, {"b", Float, 0.5}, {"c", Str, "x"}, {"d", Bool, true}, {"e", Bool, false}}},
		{name: "negative numbers are parameters", src: "lr = -0.1\nn = -3\np = +2", want: []Parameter{{"lr", Float, -0.1}, {"n", Int, int64(-3)}, {"p", Int, int64(2)}}},
		{name: "float forms", src: "a = 1e-3\nb = .5\nc = 5.\nd = 1_000.5\ne = 2E+2",
			want: []Parameter{{"a", Float, 0.001}, {"b", Float, 0.5}, {"c", Float, 5.0}, {"d", Float, 1000.5}, {"e", Float, 200.0}}},
		{name: "int forms", src: "a = 0x1F\nb = 1_000\nc = 0o17\nd = 0b101\ne = 0",
			want: []Parameter{{"a", Int, int64(31)}, {"b", Int, int64(1000)}, {"c", Int, int64(15)}, {"d", Int, int64(5)}, {"e", Int, int64(0)}}},
		{name: "string forms", src: `a = "double"` + "\n" + `b = 'it\'s'` + "\n" + `c = r'C:\path'` + "\n" + `d = 'tab\tnew\nline'` + "\n" + `e = """multi` + "\n" + `line"""` + "\n" + `f = 'con' 'cat'` + "\n" + `g = '\u00e9\x41'`,
			want: []Parameter{{"a", Str, "double"}, {"b", Str, "it's"}, {"c", Str, `C:\path`}, {"d", Str, "tab\tnew\nline"}, {"e", Str, "multi\nline"}, {"f", Str, "concat"}, {"g", Str, "éA"}}},
		{name: "comments blank lines and semicolons", src: "# params\n\na = 1  # one\nb = 2; c = 'x#y'\n",
			want: []Parameter{{"a", Int, int64(1)}, {"b", Int, int64(2)}, {"c", Str, "x#y"}}},
		{name: "reassignment keeps position, last value wins", src: "a = 1\nb = 2\na = 3", want: []Parameter{{"a", Int, int64(3)}, {"b", Int, int64(2)}}},
		{name: "None", src: "a = 1\nx = None", err: "None is not supported", errLine: 2},
		{name: "list", src: "x = [1, 2]", err: "not a literal", errLine: 1},
		{name: "call", src: "x = int('3')", err: "not a literal", errLine: 1},
		{name: "expression", src: "x = 1 + 2", err: "not a literal", errLine: 1},
		{name: "name", src: "x = y", err: "not a literal", errLine: 1},
		{name: "tuple target", src: "a, b = 1, 2", err: "single variable assignments", errLine: 1},
		{name: "chained target", src: "a = b = 1", err: "single variable assignments", errLine: 1},
		{name: "not an assignment", src: "print(1)", err: "just primitive types assignments", errLine: 1},
		{name: "annotated", src: "x: int = 1", err: "just primitive types assignments", errLine: 1},
		{name: "f-string", src: "x = f'{y}'", err: "f-strings are not literals", errLine: 1},
		{name: "bytes", src: "x = b'a'", err: "bytes literals", errLine: 1},
		{name: "leading zero", src: "x = 007", err: "leading zeros", errLine: 1},
		{name: "too big", src: "x = 99999999999999999999", err: "out of range", errLine: 1},
		{name: "unterminated string", src: "x = 'abc", err: "unterminated", errLine: 1},
		{name: "error line counts multi-line strings", src: "a = '''x\ny'''\nb = [", err: "not a literal", errLine: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var diags diag.List
			got := parseParameters("t.ipynb", []sourceCell{{Cell: 4, Source: tt.src}}, &diags)
			if tt.err != "" {
				errs := diags.Errors()
				if len(errs) != 1 {
					t.Fatalf("got errors %v, want one containing %q", errs, tt.err)
				}
				if !strings.Contains(errs[0].Message, tt.err) || errs[0].Cell != 4 || errs[0].Line != tt.errLine {
					t.Errorf("error = %q (cell %d line %d), want %q at cell 4 line %d", errs[0].Message, errs[0].Cell, errs[0].Line, tt.err, tt.errLine)
				}
				return
			}
			if len(diags) > 0 {
				t.Fatalf("unexpected diagnostics: %v", diags)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestParseMetrics(t *testing.T) {
	var diags diag.List
	got := parseMetrics("t.ipynb", []sourceCell{{Cell: 9, Source: "print(acc)\n\n# comment\nprint( test_loss )\nprint(acc)"}}, &diags)
	want := []Metric{{Name: "acc", Variable: "acc"}, {Name: "test-loss", Variable: "test_loss"}}
	if len(diags) > 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("got %v %v, want %v", got, diags, want)
	}
	for _, bad := range []string{`print("acc", acc)`, "print(Acc)", "acc", "print(acc_)", "print(" + strings.Repeat("a", 65) + ")"} {
		var d diag.List
		parseMetrics("t.ipynb", []sourceCell{{Cell: 9, Source: "print(ok)\n" + bad}}, &d)
		if len(d.Errors()) != 1 || d[0].Cell != 9 || d[0].Line != 2 || !strings.Contains(d[0].Message, "not print(<variable>)") {
			t.Errorf("%q: got %v, want one error at cell 9 line 2", bad, d)
		}
	}
}

func FuzzParseParameters(f *testing.F) {
	for _, s := range []string{"a = 1", "b = -0.5e3", "c = 'x\\'y'", "d = '''a\nb'''", "e = 0x1f; f = True", "g = r'\\'", "h = '\\x4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		var diags diag.List
		params := parseParameters("f.ipynb", []sourceCell{{Cell: 0, Source: src}}, &diags)
		for _, p := range params {
			switch p.Default.(type) {
			case int64, float64, string, bool:
			default:
				t.Fatalf("parameter %s has default %T", p.Name, p.Default)
			}
			if p.Name == "" {
				t.Fatal("empty parameter name")
			}
		}
	})
}
