package termtext

import (
	"io"
	"strings"
	"testing"
)

// BenchmarkLine is the cost per table cell: a clean run name (the common
// case, no copy) and one full of escapes.
func BenchmarkLine(b *testing.B) {
	for _, bc := range []struct{ name, s string }{
		{"clean", "train-pipeline-2024-06-01 12:00:00"},
		{"escapes", strings.Repeat("a\x1b[31mb\x1b]0;t\x07\u202e", 4)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = Line(bc.s)
			}
		})
	}
}

// BenchmarkWriter is the throughput of sanitizing a pod's output stream.
func BenchmarkWriter(b *testing.B) {
	chunk := []byte(strings.Repeat("step 3/7: loading data ... done\n", 1024))
	w := NewWriter(io.Discard)
	b.SetBytes(int64(len(chunk)))
	b.ReportAllocs()
	for b.Loop() {
		_, _ = w.Write(chunk)
	}
}
