package cli_test

import (
	"bytes"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubeflow-kale/kale/internal/cli"
)

// complete runs cobra's hidden __complete command, which is what
// kubectl_complete-kale (kubectl >= 1.26 plugin completion) calls.
func complete(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	root := cli.NewRootCmd(genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, "kubectl-kale")
	root.SetArgs(append([]string{"__complete"}, args...))
	if err := root.Execute(); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, errOut.String())
	}
	return out.String()
}

func TestShellCompletion(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		// Commands, then flags, then notebook files (cobra's directive 8 is
		// "filter files by extension", the word before it the extension).
		{[]string{""}, []string{"compile", "run", "runs", "validate", "graph"}},
		{[]string{"compile", "--"}, []string{"--out-file", "--output", "--param"}},
		{[]string{"compile", ""}, []string{"ipynb", ":8"}},
		{[]string{"run", ""}, []string{"ipynb", ":8"}},
		{[]string{"runs", ""}, []string{"list", "get", "watch", "cancel"}},
	} {
		got := complete(t, tc.args...)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("completing %q: no %q in\n%s", tc.args, w, got)
			}
		}
	}
}
