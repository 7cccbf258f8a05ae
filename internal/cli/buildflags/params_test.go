package clioptions_test

import (
	"reflect"
	"testing"

	"github.com/kubeflow-kale/kale/pkg/cli/clioptions"
)

func TestParseParams(t *testing.T) {
	got, err := clioptions.ParseParams([]string{"a=1", "b=x=y", "c=", " d =sp "}, false)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "1", "b": "x=y", "c": "", "d": "sp "}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got, err := clioptions.ParseParams(nil, true); got != nil || err != nil {
		t.Errorf("no flags: got %v, %v", got, err)
	}
}

func TestParseParamsErrorOrder(t *testing.T) {
	flags := []string{"b=1", "b=2", "novalue", "=x"}
	for _, tc := range []struct {
		sorted bool
		want   string
	}{
		{false, "--param b: given twice\n--param \"novalue\": want NAME=VALUE\n--param \"=x\": want NAME=VALUE"},
		{true, "--param \"=x\": want NAME=VALUE\n--param \"novalue\": want NAME=VALUE\n--param b: given twice"},
	} {
		got, err := clioptions.ParseParams(flags, tc.sorted)
		if got != nil || err == nil || err.Error() != tc.want {
			t.Errorf("sorted=%v: got %v, %v\nwant error:\n%s", tc.sorted, got, err, tc.want)
		}
	}
}
