package buildflags_test

import (
	"reflect"
	"testing"

	"github.com/kubeflow-kale/kale/internal/cli/buildflags"
)

func TestParseParams(t *testing.T) {
	got, err := buildflags.ParseParams([]string{"b=x=y", "a=1", "c=", " d =sp "})
	if err != nil {
		t.Fatal(err)
	}
	want := []buildflags.Param{{"b", "x=y"}, {"a", "1"}, {"c", ""}, {"d", "sp "}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v (in the order of the flags)", got, want)
	}
	m, err := buildflags.ParseParamMap([]string{"a=1", "b=x=y"})
	if err != nil || !reflect.DeepEqual(m, map[string]string{"a": "1", "b": "x=y"}) {
		t.Errorf("map: %v, %v", m, err)
	}
	if got, err := buildflags.ParseParams(nil); got != nil || err != nil {
		t.Errorf("no flags: got %v, %v", got, err)
	}
}

// TestParseParamsErrorOrder: every problem, in the order of the flags, one
// per line — the same for compile, run and submit.
func TestParseParamsErrorOrder(t *testing.T) {
	got, err := buildflags.ParseParams([]string{"b=1", "b=2", "novalue", "=x"})
	want := "--param b: given twice\n--param \"novalue\": want NAME=VALUE\n--param \"=x\": want NAME=VALUE"
	if got != nil || err == nil || err.Error() != want {
		t.Errorf("got %v, %v\nwant error:\n%s", got, err, want)
	}
}

func TestParamArgs(t *testing.T) {
	got := buildflags.ParamArgs([]string{"a=1", "b=x y"})
	if want := []string{"--param", "a=1", "--param", "b=x y"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
