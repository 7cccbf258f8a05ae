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

// symtableUndefined runs testdata/symtable_ref.py, which derives undefined
// names from CPython's symtable module, on every source at once. It returns
// nil when python3 is not installed; an entry is nil when this python3
// cannot compile that source (e.g. 3.12 syntax on an older interpreter).
func symtableUndefined(t *testing.T, sources []string) [][]string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Log("python3 not found: skipping the symtable cross-check")
		return nil
	}
	in, err := json.Marshal(sources)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "testdata/symtable_ref.py")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("symtable reference: %v\n%s", err, stderr.String())
	}
	var res [][]string
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("symtable reference output: %v\n%s", err, out)
	}
	if len(res) != len(sources) {
		t.Fatalf("symtable reference returned %d results for %d sources", len(res), len(sources))
	}
	return res
}

// orEmpty makes nil and empty slices compare equal.
func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func equalNames(a, b []string) bool {
	return slices.Equal(orEmpty(a), orEmpty(b))
}

func mustAnalyze(t *testing.T, src string) *Result {
	t.Helper()
	r, err := Analyze(src)
	if err != nil {
		t.Fatalf("Analyze: %v\nsource:\n%s", err, src)
	}
	return r
}
