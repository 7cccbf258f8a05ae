package pyana

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// FuzzAnalyze checks that no input makes Analyze panic, that errors are
// positioned *SyntaxErrors inside the source, and that results are well
// formed. Seeds: every corpus notebook cell and the table cases.
func FuzzAnalyze(f *testing.F) {
	for _, nb := range loadCorpus(f) {
		for _, cell := range nb.Cells {
			f.Add(cell)
		}
	}
	for _, tc := range scopingCases {
		f.Add(tc.src)
	}
	for _, tc := range syntaxCases {
		f.Add(tc.src)
	}
	for _, src := range validPython {
		f.Add(src)
	}
	f.Add("%%bash\necho {x}\n")
	f.Add("x = !ls {d}\n%time y = f(x)\nobj??\n")
	f.Fuzz(func(t *testing.T, src string) {
		lines := strings.Count(src, "\n") + 1
		r, err := Analyze(src)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %T %v is not a *SyntaxError", err, err)
			}
			if se.Line < 1 || se.Line > lines || se.Column < 1 {
				t.Fatalf("error position line %d column %d outside a %d-line source: %v", se.Line, se.Column, lines, se)
			}
			if se.Error() == "" || se.Message == "" {
				t.Fatal("empty error message")
			}
			return
		}
		for _, list := range [][]string{r.Undefined, r.Mentioned, r.Defined, r.Imported, r.Classes, r.Calls} {
			if !slices.IsSorted(list) || len(slices.Compact(slices.Clone(list))) != len(list) {
				t.Fatalf("list not sorted and unique: %q", list)
			}
		}
		for _, name := range r.Undefined {
			if l := r.UndefinedAt[name]; l < 1 || l > lines {
				t.Fatalf("UndefinedAt[%q] = %d outside a %d-line source", name, l, lines)
			}
			if isBuiltin(name) {
				t.Fatalf("builtin %q reported undefined", name)
			}
		}
		for _, l := range r.IPythonLines {
			if l < 1 || l > lines {
				t.Fatalf("IPython line %d outside a %d-line source", l, lines)
			}
		}
		for _, fn := range r.Functions {
			if fn.StartLine < 1 || fn.StartLine > fn.Line || fn.Line > fn.EndLine || fn.EndLine > lines {
				t.Fatalf("function %s lines start %d def %d end %d in a %d-line source", fn.Name, fn.StartLine, fn.Line, fn.EndLine, lines)
			}
			if !strings.Contains(fn.Source, fn.Name) {
				t.Fatalf("function %s source %q does not hold its name", fn.Name, fn.Source)
			}
		}
		// Splitting into cells never panics either.
		_, _ = AnalyzeCells(strings.SplitAfterN(src, "\n", 3))
	})
}

func BenchmarkAnalyze(b *testing.B) {
	var notebook []string
	for _, nb := range loadCorpus(b) {
		if nb.file == openVaccine {
			notebook = nb.Cells
		}
	}
	if notebook == nil {
		b.Fatal("open-vaccine notebook not in the corpus")
	}
	whole := strings.Join(notebook, "\n")
	// A typical cell: the largest code cell of the notebook.
	typical := ""
	for _, c := range notebook {
		if len(c) > len(typical) {
			typical = c
		}
	}
	// A synthetic step of 500 cells of realistic code.
	var sb strings.Builder
	for i := 0; sb.Len() < 500*400; i++ {
		sb.WriteString(notebook[i%len(notebook)])
		sb.WriteString("\n")
	}
	synthetic, _ := blankIPython(sb.String(), nil)
	for _, bc := range []struct {
		name string
		src  string
	}{
		{"cell", typical},
		{"open-vaccine", whole},
		{"synthetic-500-cells", synthetic},
	} {
		if _, err := Analyze(bc.src); err != nil {
			b.Fatalf("%s: %v", bc.name, err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.src)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Analyze(bc.src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Analyze keeps no shared mutable state: concurrent calls give the same
// results as sequential ones (run with -race to check the memory model too).
func TestAnalyzeConcurrently(t *testing.T) {
	var srcs []string
	for _, nb := range loadCorpus(t) {
		srcs = append(srcs, strings.Join(nb.Cells, "\n"))
	}
	want := make([]*Result, len(srcs))
	for i, s := range srcs {
		want[i], _ = Analyze(s)
	}
	errs := make(chan string, len(srcs)*4)
	done := make(chan struct{})
	for w := 0; w < 4; w++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i, s := range srcs {
				got, _ := Analyze(s)
				if (got == nil) != (want[i] == nil) || got != nil && !slices.Equal(got.Undefined, want[i].Undefined) {
					errs <- s[:min(len(s), 40)]
				}
			}
		}()
	}
	for w := 0; w < 4; w++ {
		<-done
	}
	close(errs)
	for e := range errs {
		t.Errorf("concurrent Analyze differs for source starting %q", e)
	}
}
