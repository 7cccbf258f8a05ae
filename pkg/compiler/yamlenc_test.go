package compiler

import (
	"bytes"
	"encoding/json"
	"testing"

	yamlv3 "gopkg.in/yaml.v3"
	"sigs.k8s.io/yaml"
)

// assertYAMLReadsBack checks that both YAML parsers in use (go-yaml v2
// through sigs.k8s.io/yaml, and yaml.v3) read the writer's output as the
// JSON value it was written from.
func assertYAMLReadsBack(t *testing.T, doc []byte) {
	t.Helper()
	y, err := jsonToYAML(doc)
	if err != nil {
		t.Fatalf("jsonToYAML: %v", err)
	}
	want := normJSON(t, doc)
	back, err := yaml.YAMLToJSON(y)
	if err != nil {
		t.Fatalf("go-yaml v2 cannot read\n%s\n%v", y, err)
	}
	if got := normJSON(t, back); !bytes.Equal(got, want) {
		t.Fatalf("go-yaml v2 reads\n%s\nas %s, want %s", y, got, want)
	}
	var v any
	if err := yamlv3.Unmarshal(y, &v); err != nil {
		t.Fatalf("yaml.v3 cannot read\n%s\n%v", y, err)
	}
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("yaml.v3 read\n%s\nas a non-JSON value %#v", y, v)
	}
	if got := normJSON(t, j); !bytes.Equal(got, want) {
		t.Fatalf("yaml.v3 reads\n%s\nas %s, want %s", y, got, want)
	}
}

func normJSON(t *testing.T, data []byte) []byte {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(v)
	return out
}

func TestYAMLWriterStrings(t *testing.T) {
	for _, s := range []string{
		"", "plain", "n", "No", "TRUE", "null", "~", "1", "1.0", "2.1.0", "0.0.1", "1.2.3.4", "0x1F", "1_000", "12:30", "2001-12-14",
		".inf", "-", "- a", "a: b", "a:b", "http://x.y:80", "a #b", "a#b", "#x", "'q'", `"q"`, "{{$}}", "[a]", "{a}", "*x", "&x", "!x",
		"|", ">", "%x", "@x", "`x", "a,b", "trailing ", " leading", "two  spaces", "tab\tx", "x\n", "x\ny", "x\ny\n", "x\n\n", "\nx",
		" x\ny", "x \ny", "x\n y\n", "x\n\ny\n", "x\r\ny", "nul\x00", "bell\a", "nel\u0085x", "ls\u2028x", "bom\ufeff", "é ü 中文",
		"emoji 🙂\nline", "back\\slash", "<html>&amp;", "a\n  \nb\n", "def f():\n\treturn 1\n", "-ec", "--spec", "-", "--", "---", "---x", "--1", "-1", "-.5", "-x y", "-a: b",
	} {
		doc, _ := json.Marshal(map[string]any{"k": s, "list": []any{s, map[string]any{s: s}}})
		t.Run(s, func(t *testing.T) { assertYAMLReadsBack(t, doc) })
	}
}

func TestYAMLWriterShapes(t *testing.T) {
	for _, doc := range []string{
		`{}`, `[]`, `{"a": {}}`, `{"a": []}`, `{"a": [[], [1, [2, {"b": null}]], {}]}`, `[[["x"]]]`, `{"a": [{"b": [{"c": 1}]}]}`,
		`{"n": -0.1, "big": 1e+21, "i": 9007199254740993, "t": true, "f": false, "z": null}`,
	} {
		t.Run(doc, func(t *testing.T) { assertYAMLReadsBack(t, []byte(doc)) })
	}
}

// FuzzYAMLWriter: any string, as key and value, reads back unchanged.
func FuzzYAMLWriter(f *testing.F) {
	for _, s := range []string{"plain", "a: b", "x\ny\n", "2.1.0", " x", "é\u0085"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		doc, err := json.Marshal(map[string]any{"k": s, "l": []any{s, map[string]any{s: []any{s}}}})
		if err != nil {
			return
		}
		if !json.Valid(doc) {
			return
		}
		assertYAMLReadsBack(t, doc)
	})
}
