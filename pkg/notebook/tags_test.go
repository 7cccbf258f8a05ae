package notebook

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kubeflow-kale/kale/pkg/diag"
)

func boolp(b bool) *bool { return &b }

func TestParseTags(t *testing.T) {
	tests := []struct {
		name string
		tags []string
		want Tags
		// errs are substrings, one per expected error, in order.
		errs  []string
		warns []string
	}{
		{name: "no tags is an untagged cell", tags: nil, want: Tags{Role: RoleNone}},
		{name: "empty step name is untagged", tags: []string{"step:"}, want: Tags{Role: RoleNone}},
		{name: "step with prev", tags: []string{"step:train", "prev:load", "prev:clean"},
			want: Tags{Role: RoleStep, Step: "train", Prev: []string{"load", "clean"}}},
		{name: "digits after the first character", tags: []string{"step:load_1"}, want: Tags{Role: RoleStep, Step: "load_1"}},
		{name: "skip wins over a step tag after it", tags: []string{"skip", "step:b"}, want: Tags{Role: RoleSkip}},
		{name: "skip wins over a step tag before it", tags: []string{"step:b", "skip"}, want: Tags{Role: RoleSkip}},
		{name: "imports drops prev", tags: []string{"imports", "prev:x"}, want: Tags{Role: RoleImports}},
		{name: "functions", tags: []string{"functions"}, want: Tags{Role: RoleFunctions}},
		{name: "pipeline-parameters", tags: []string{"pipeline-parameters"}, want: Tags{Role: RoleParameters}},
		{name: "pipeline-metrics", tags: []string{"pipeline-metrics"}, want: Tags{Role: RoleMetrics}},
		{name: "annotation value keeps its colons", tags: []string{"step:a", "annotation:example.com/url:http://x.y:80"},
			want: Tags{Role: RoleStep, Step: "a", Config: StepConfig{Annotations: map[string]string{"example.com/url": "http://x.y:80"}}}},
		{name: "label with empty value", tags: []string{"step:a", "label:team:"},
			want: Tags{Role: RoleStep, Step: "a", Config: StepConfig{Labels: map[string]string{"team": ""}}}},
		{name: "limits keep cpu and memory", tags: []string{"step:a", "limit:nvidia.com/gpu:1", "limit:memory:2Gi", "limit:cpu:500m"},
			want: Tags{Role: RoleStep, Step: "a", Config: StepConfig{Limits: map[string]string{"nvidia.com/gpu": "1", "memory": "2Gi", "cpu": "500m"}}}},
		{name: "image keeps its colon", tags: []string{"step:a", "image:python:3.11-slim"},
			want: Tags{Role: RoleStep, Step: "a", Config: StepConfig{Image: "python:3.11-slim"}}},
		{name: "cache and report", tags: []string{"step:a", "cache:disabled", "report:enabled"},
			want: Tags{Role: RoleStep, Step: "a", Config: StepConfig{Cache: boolp(false), Report: boolp(true)}}},
		{name: "secret", tags: []string{"step:a", "secret:db-creds:password:DB_PASSWORD"},
			want: Tags{Role: RoleStep, Step: "a", Config: StepConfig{Secrets: []Secret{{Env: "DB_PASSWORD", Name: "db-creds", Key: "password"}}}}},
		{name: "step:imports is the imports tag", tags: []string{"step:imports", "prev:a", "label:x:y"}, want: Tags{Role: RoleImports},
			warns: []string{"step:imports is read as the imports tag"}},
		{name: "step:skip is skip", tags: []string{"step:skip"}, want: Tags{Role: RoleSkip}, warns: []string{"read as the skip tag"}},
		{name: "block is the legacy step", tags: []string{"block:load_data"}, want: Tags{Role: RoleStep, Step: "load_data", Legacy: true},
			warns: []string{"Kale v0.7 spelling"}},
		{name: "upper-case step name", tags: []string{"step:Load"}, want: Tags{Role: RoleNone, BadStep: "Load"},
			errs: []string{`"step:Load": step names are lowercase letters, digits and _ and do not start with a digit ([_a-z][_a-z0-9]*): did you mean load?`}},
		{name: "dash in step name", tags: []string{"step:load-data"}, want: Tags{Role: RoleNone, BadStep: "load-data"}, errs: []string{"did you mean load_data?"}},
		{name: "digit first", tags: []string{"step:1st"}, want: Tags{Role: RoleNone, BadStep: "1st"}, errs: []string{"did you mean _1st?"}},
		{name: "bad prev name", tags: []string{"step:a", "prev:B"}, want: Tags{Role: RoleStep, Step: "a"}, errs: []string{`"prev:B"`}},
		{name: "unknown tag", tags: []string{"step:a", "gpu:1"}, want: Tags{Role: RoleStep, Step: "a"}, errs: []string{`unrecognized tag "gpu:1"`}},
		{name: "unknown bare tag", tags: []string{"train"}, want: Tags{Role: RoleNone}, errs: []string{`unrecognized tag "train"`}},
		{name: "prev without step", tags: []string{"prev:a"}, want: Tags{Role: RoleNone},
			errs: []string{"can not provide `prev` annotations without providing a `step` annotation"}},
		{name: "config without step", tags: []string{"label:a:b", "limit:cpu:1", "image:x"}, want: Tags{Role: RoleNone},
			errs: []string{"Pod labels", "Pod resource limits", "a base image"}},
		{name: "two step names", tags: []string{"step:a", "step:b"}, want: Tags{Role: RoleNone}, errs: []string{"one step name, this one has 2"}},
		{name: "bad cache value", tags: []string{"step:a", "cache:off"}, want: Tags{Role: RoleStep, Step: "a"}, errs: []string{"cache:enabled or cache:disabled"}},
		{name: "bad limit value", tags: []string{"step:a", "limit:cpu:1 core"}, want: Tags{Role: RoleStep, Step: "a"}, errs: []string{"limit:RESOURCE:VALUE"}},
		{name: "annotation without value", tags: []string{"step:a", "annotation:key"}, want: Tags{Role: RoleStep, Step: "a"}, errs: []string{"annotation:KEY:VALUE"}},
		{name: "notebook composition is not supported", tags: []string{"notebook:prep"}, want: Tags{Role: RoleNotebook, Notebook: "prep"},
			errs: []string{"not supported yet"}},
		{name: "a bad step name is the only error of its cell", tags: []string{"step:Load-Data", "prev:a", "label:a:b", "limit:cpu:2"},
			want: Tags{Role: RoleNone, BadStep: "Load-Data"}, errs: []string{`"step:Load-Data"`}},
		{name: "error before special tag is kept", tags: []string{"bad", "skip"}, want: Tags{Role: RoleSkip}, errs: []string{`"bad"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, diags := ParseTags(tt.tags)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseTags(%q) = %+v, want %+v", tt.tags, got, tt.want)
			}
			checkDiags(t, diags.Errors(), tt.errs)
			checkDiags(t, diags.Warnings(), tt.warns)
		})
	}
}

func checkDiags(t *testing.T, got diag.List, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d diagnostics, want %d:\n%v", len(got), len(want), got)
	}
	for i, w := range want {
		if !strings.Contains(got[i].Message, w) {
			t.Errorf("diagnostic %d = %q, want it to contain %q", i, got[i].Message, w)
		}
	}
}

func TestStepDefaults(t *testing.T) {
	defaults, diags := ParseStepDefaults([]string{"label:team:ml", "label:x:default", "annotation:owner:me",
		"limit:nvidia.com/gpu:1", "image:foo/bar:1.0", "cache:disabled"})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	own := StepConfig{Labels: map[string]string{"x": "1"}, Cache: boolp(true)}
	got := own.WithDefaults(defaults)
	want := StepConfig{
		Labels:      map[string]string{"team": "ml", "x": "1"},
		Annotations: map[string]string{"owner": "me"},
		Limits:      map[string]string{"nvidia.com/gpu": "1"},
		Image:       "foo/bar:1.0",
		Cache:       boolp(true),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("step's own tags must win over defaults:\n got %+v\nwant %+v", got, want)
	}
	if _, d := ParseStepDefaults([]string{"step:a"}); !d.HasErrors() || !strings.Contains(d[0].Message, "unrecognized common step configuration") {
		t.Errorf("steps_defaults step:a: got %v, want an unrecognized-configuration error", d)
	}
}

func TestSuggestStepName(t *testing.T) {
	for in, want := range map[string]string{"load-data": "load_data", "Load": "load", "1st": "_1st", "---": "", "ok": "ok", "Data Prep": "data_prep"} {
		if got := SuggestStepName(in); got != want {
			t.Errorf("SuggestStepName(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseTags(f *testing.F) {
	for _, s := range []string{"step:a", "prev:b", "annotation:a/b:c:d", "label:x:", "limit:nvidia.com/gpu:1", "image:python:3.12",
		"cache:enabled", "report:disabled", "secret:a:b:C", "block:x", "notebook:n", "skip", "step:", "::", "step:A-b"} {
		f.Add(s, "step:a")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		tags, diags := ParseTags([]string{a, b})
		for _, d := range diags {
			if d.Message == "" {
				t.Fatalf("empty diagnostic for %q %q", a, b)
			}
		}
		if tags.Role == RoleStep && !ValidStepName(tags.Step) {
			t.Fatalf("ParseTags(%q, %q) accepted invalid step name %q", a, b, tags.Step)
		}
		if tags.Role != RoleStep && (len(tags.Prev) > 0 || !tags.Config.IsZero()) {
			t.Fatalf("ParseTags(%q, %q) kept step settings on a %v cell", a, b, tags.Role)
		}
		_, _ = ParseStepDefaults([]string{a, b})
	})
}
