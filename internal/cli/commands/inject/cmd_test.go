package inject

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubeflow-kale/kale/internal/cli/clioptions"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func runCmd(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	in, out, errOut := bytes.NewBufferString(stdin), &bytes.Buffer{}, &bytes.Buffer{}
	g := &clioptions.Global{IOStreams: genericiooptions.IOStreams{In: in, Out: out, ErrOut: errOut}}
	cmd := NewCmd(g)
	cmd.SetArgs(args)
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	err := cmd.Execute()
	return out.String(), errOut.String(), err
}

func TestInjectGolden(t *testing.T) {
	out, stderr, err := runCmd(t, "", "-f", "testdata/notebook-pod.yaml", "--config", "testdata/config.yaml")
	if err != nil || stderr != "" {
		t.Fatalf("err=%v stderr=%q", err, stderr)
	}
	const golden = "testdata/notebook-pod.injected.yaml"
	if *update {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it):\n%s", golden, out)
	}
}

func TestInject(t *testing.T) {
	pod, _ := os.ReadFile("testdata/notebook-pod.yaml")
	tests := []struct {
		name       string
		stdin      string
		args       []string
		wantErr    string
		wantStderr string
		check      func(t *testing.T, out string)
	}{
		{name: "json output from stdin is the injected pod", stdin: string(pod), args: []string{"-f", "-", "-o", "json"},
			check: func(t *testing.T, out string) {
				var p corev1.Pod
				if err := json.Unmarshal([]byte(out), &p); err != nil {
					t.Fatal(err)
				}
				if p.Annotations["kale.kubeflow.org/injected"] == "" || len(p.Spec.InitContainers) != 1 {
					t.Errorf("not injected: %s", out)
				}
			}},
		{name: "an injected pod comes back unchanged", stdin: mustRun(t, string(pod)), args: []string{"-f", "-"},
			wantStderr: "not injected: it is already injected"},
		{name: "opt-out is explained", stdin: strings.Replace(string(pod), "  labels:", "  annotations:\n    kale.kubeflow.org/inject: \"false\"\n  labels:", 1),
			args: []string{"-f", "-"}, wantStderr: `the pod opts out (annotation kale.kubeflow.org/inject: "false")`},
		{name: "a pod without notebook-name is explained", stdin: strings.Replace(string(pod), "    notebook-name: train\n", "", 1),
			args: []string{"-f", "-"}, wantStderr: "has no notebook-name label"},
		{name: "conflicts are reported", stdin: strings.Replace(string(pod), "    - name: NB_PREFIX", "    - name: KF_PIPELINES_ENDPOINT\n      value: http://mine\n    - name: NB_PREFIX", 1),
			args: []string{"-f", "-"}, wantStderr: "kept the pod's value: container train: env KF_PIPELINES_ENDPOINT"},
		{name: "not a pod", stdin: "apiVersion: apps/v1\nkind: StatefulSet\n", args: []string{"-f", "-"}, wantErr: `got apiVersion "apps/v1" kind "StatefulSet": expected a v1 Pod`},
		{name: "unknown field", stdin: strings.Replace(string(pod), "  workingDir", "  workDir", 1), args: []string{"-f", "-"}, wantErr: `unknown field "workDir"`},
		{name: "empty input", args: []string{"-f", "-"}, wantErr: "empty input"},
		{name: "missing -f", wantErr: "a pod manifest is required"},
		{name: "bad output format", args: []string{"-f", "-", "-o", "wide"}, wantErr: `unsupported output format "wide"`},
		{name: "bad config", args: []string{"-f", "-", "--config", "testdata/notebook-pod.yaml"}, wantErr: "field apiVersion not found"},
		{name: "missing file", args: []string{"-f", "testdata/nope.yaml"}, wantErr: "nope.yaml: no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, err := runCmd(t, tt.stdin, tt.args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(stderr, tt.wantStderr) || tt.wantStderr == "" && stderr != "" {
				t.Errorf("stderr = %q, want %q", stderr, tt.wantStderr)
			}
			if tt.check != nil {
				tt.check(t, out)
			}
		})
	}
}

func mustRun(t *testing.T, stdin string) string {
	out, _, err := runCmd(t, stdin, "-f", "-")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestInjectTakesThePodAsArgument(t *testing.T) {
	withF, _, err := runCmd(t, "", "-f", "testdata/notebook-pod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	asArg, _, err := runCmd(t, "", "testdata/notebook-pod.yaml")
	if err != nil || asArg != withF {
		t.Errorf("inject POD.yaml: err %v, output differs from -f POD.yaml", err)
	}
	if _, _, err := runCmd(t, "", "-f", "testdata/notebook-pod.yaml", "other.yaml"); err == nil || !strings.Contains(err.Error(), "two pod manifests") {
		t.Errorf("-f and an argument: %v", err)
	}
}
