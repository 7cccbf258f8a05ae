package compiler

import (
	"testing"

	"github.com/kubeflow-kale/kale/pkg/pipeline"
)

// benchCompile measures Compile plus the YAML encoding, the whole of what
// `kubectl kale compile` does after the front end.
func benchCompile(b *testing.B, p *pipeline.Pipeline) {
	b.ReportAllocs()
	opts := Options{DefaultImage: "python:3.12", NotebookName: "bench.ipynb"}
	for b.Loop() {
		r, err := Compile(p, opts)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.YAML(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompileModelTitanic(b *testing.B) { benchCompile(b, titanicLike()) }

func BenchmarkCompileModel500Steps(b *testing.B) { benchCompile(b, generated(500)) }
