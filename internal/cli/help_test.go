package cli_test

import (
	"bytes"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubeflow-kale/kale/internal/cli"
)

// help returns `kubectl kale ARGS --help`.
func help(t *testing.T, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	root := cli.NewRootCmd(genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &out}, "kubectl-kale")
	root.SetArgs(append(args, "--help"))
	if err := root.Execute(); err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return out.String()
}

// TestClusterFlagsOnlyOnClusterCommands: kubectl's flags show on the
// commands that talk to a cluster, not on the offline ones.
func TestClusterFlagsOnlyOnClusterCommands(t *testing.T) {
	cluster := []string{"--kubeconfig", "--context", "--namespace", "--server", "--as-group"}
	for _, tc := range []struct {
		args    []string
		cluster bool
	}{
		{[]string{"compile"}, false},
		{[]string{"validate"}, false},
		{[]string{"graph"}, false},
		{[]string{"inject"}, false},
		{[]string{"version"}, false},
		{nil, false},
		{[]string{"run"}, true},
		{[]string{"submit"}, true},
		{[]string{"runs"}, true},
		{[]string{"runs", "list"}, true},
	} {
		t.Run(strings.Join(append([]string{"kale"}, tc.args...), " "), func(t *testing.T) {
			h := help(t, tc.args...)
			for _, f := range cluster {
				if got := strings.Contains(h, f); got != tc.cluster {
					t.Errorf("help shows %s: %v, want %v\n%s", f, got, tc.cluster, h)
				}
			}
		})
	}
}

// TestOutputIsAFormatEverywhere: -o/--output is the output format on every
// command that prints something, never a file name.
func TestOutputIsAFormatEverywhere(t *testing.T) {
	for _, args := range [][]string{{"compile"}, {"graph"}, {"run"}, {"submit"}, {"runs", "list"}, {"inject"}, {"version"}} {
		h := help(t, args...)
		if !strings.Contains(h, "-o, --output string") || !strings.Contains(h, "output format: ") {
			t.Errorf("%v: -o/--output is not the output format:\n%s", args, h)
		}
	}
	if h := help(t, "compile"); !strings.Contains(h, "--out-file string") {
		t.Errorf("compile has no --out-file:\n%s", h)
	}
}
