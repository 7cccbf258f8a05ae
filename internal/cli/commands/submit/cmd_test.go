package submit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubeflow-kale/kale/internal/cli/clioptions"
	"github.com/kubeflow-kale/kale/internal/cli/deliver"
	"github.com/kubeflow-kale/kale/internal/kfpfake"
	"github.com/kubeflow-kale/kale/pkg/contract"
	"github.com/kubeflow-kale/kale/pkg/kfp"
)

type result struct {
	out, errOut string
	err         error
}

// exitCode is the process exit status main would return for err.
func (r result) exitCode() int {
	if r.err == nil {
		return 0
	}
	var e *clioptions.ExitError
	if errors.As(r.err, &e) {
		return e.Code
	}
	return 1
}

// runSubmit runs `submit ARGS` with stdin and environment env against
// buffers.
func runSubmit(t *testing.T, stdin []byte, env map[string]string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	g := &clioptions.Global{
		ConfigFlags: genericclioptions.NewConfigFlags(true),
		IOStreams:   genericiooptions.IOStreams{In: bytes.NewReader(stdin), Out: &out, ErrOut: &errOut},
		InvokedAs:   "kale",
	}
	o := &Options{g: g, Env: kfp.Env{
		Getenv: func(k string) string { return env[k] },
		Exists: func(p string) bool { _, err := os.Stat(p); return err == nil },
	}, Watch: kfp.WatchOptions{MinInterval: 20 * time.Millisecond, MaxInterval: 50 * time.Millisecond}}
	cmd := newCmd(o)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true // as under the root command
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	err := cmd.ExecuteContext(context.Background())
	return result{out.String(), errOut.String(), err}
}

func twoStep(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "pkg", "kfp", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSubmitText(t *testing.T) {
	fake, url := kfpfake.Start(t, kfpfake.Options{Schedule: kfpfake.Schedule{Pending: time.Hour}})
	r := runSubmit(t, twoStep(t, "two_step_platform.yaml"), map[string]string{kfp.EnvEndpoint: url},
		"-", "--experiment", "nightly", "--run-name", "r1", "--param", "text=hello")
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.errOut)
	}
	ids := fake.RunIDs()
	if len(ids) != 1 {
		t.Fatalf("runs = %v, want one", ids)
	}
	for _, want := range []string{`experiment "nightly" created`, `run "r1" submitted`, "run id: " + ids[0], "url: " + url + "/#/runs/details/" + ids[0]} {
		if !strings.Contains(r.out, want) {
			t.Errorf("output lacks %q:\n%s", want, r.out)
		}
	}
	sub, _ := fake.Submission(ids[0])
	if sub.Run.GetDisplayName() != "r1" || sub.Run.GetRuntimeConfig().GetParameters()["text"].GetStringValue() != "hello" || len(sub.PlatformSpec) == 0 {
		t.Errorf("submitted %v with platform %s", sub.Run, sub.PlatformSpec)
	}
}

func TestSubmitJSONAndUIEndpoint(t *testing.T) {
	_, url := kfpfake.Start(t, kfpfake.Options{Schedule: kfpfake.Schedule{Pending: time.Hour}})
	r := runSubmit(t, twoStep(t, "two_step.yaml"), map[string]string{kfp.EnvEndpoint: url, kfp.EnvUIEndpoint: "https://kf.example.com/pipeline"}, "-", "-o", "json")
	if r.err != nil {
		t.Fatal(r.err)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(r.out), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.out)
	}
	if len(got) != 4 || got["state"] != "PENDING" || got["experiment_id"] == "" ||
		got["url"] != "https://kf.example.com/pipeline/#/runs/details/"+got["run_id"].(string) {
		t.Errorf("json = %v, want exactly run_id, experiment_id, url (UI endpoint) and state", got)
	}
}

var linePrefix = regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d `)

func TestSubmitWatchExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sched kfpfake.Schedule
		code  int
		lines []string
	}{
		{"succeeded exits 0", kfpfake.Schedule{Pending: 400 * time.Millisecond, Running: 400 * time.Millisecond}, 0,
			[]string{"run PENDING", "run RUNNING", "task component1 RUNNING", "task component1 SUCCEEDED", "task component2 SUCCEEDED", "run SUCCEEDED"}},
		{"failed exits non-zero", kfpfake.Schedule{Running: 200 * time.Millisecond, FailTask: "component2"}, deliver.ExitRunNotSucceeded,
			[]string{"run RUNNING", "task component2 FAILED", "run FAILED"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, url := kfpfake.Start(t, kfpfake.Options{Schedule: tc.sched})
			r := runSubmit(t, twoStep(t, "two_step.yaml"), map[string]string{kfp.EnvEndpoint: url}, "-", "--watch")
			if r.exitCode() != tc.code {
				t.Fatalf("exit code %d (%v), want %d\n%s", r.exitCode(), r.err, tc.code, r.out)
			}
			plain := linePrefix.ReplaceAllString(r.out, "")
			for _, l := range tc.lines {
				if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(l) + `( \(.*\))?$`).MatchString(plain) {
					t.Errorf("watch output lacks the line %q:\n%s", l, r.out)
				}
			}
			if strings.Contains(r.out, "\x1b[") {
				t.Error("plain output must not redraw with escape codes")
			}
		})
	}
}

func TestSubmitWatchJSONKeepsStdoutClean(t *testing.T) {
	_, url := kfpfake.Start(t, kfpfake.Options{Schedule: kfpfake.Schedule{Running: 100 * time.Millisecond, Fail: true}})
	r := runSubmit(t, twoStep(t, "two_step.yaml"), map[string]string{kfp.EnvEndpoint: url}, "-", "--watch", "-o", "json")
	if r.exitCode() != deliver.ExitRunNotSucceeded {
		t.Fatalf("exit %d, want %d", r.exitCode(), deliver.ExitRunNotSucceeded)
	}
	var got deliver.Outcome
	if err := json.Unmarshal([]byte(r.out), &got); err != nil || got.State != kfp.StateFailed {
		t.Errorf("stdout %q: want JSON with state FAILED (%v)", r.out, err)
	}
	if !strings.Contains(r.errOut, "run FAILED") {
		t.Errorf("progress belongs on stderr, got %q", r.errOut)
	}
}

func TestSubmitRejectsBeforeCallingTheAPI(t *testing.T) {
	fake, url := kfpfake.Start(t, kfpfake.Options{})
	env := map[string]string{kfp.EnvEndpoint: url}
	for _, tc := range []struct {
		name  string
		stdin []byte
		args  []string
		want  string
	}{
		{"unknown parameter", twoStep(t, "two_step.yaml"), []string{"-", "--param", "nope=1"}, `no parameter "nope" (parameters: text)`},
		{"malformed parameter", twoStep(t, "two_step.yaml"), []string{"-", "--param", "text"}, "want NAME=VALUE"},
		{"not a pipeline", []byte("hello: world\n"), []string{"-"}, "reading the pipeline from stdin"},
		{"empty stdin", nil, []string{"-"}, "stdin is empty"},
		{"bad output", twoStep(t, "two_step.yaml"), []string{"-", "-o", "yaml"}, "unsupported output format"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runSubmit(t, tc.stdin, env, tc.args...)
			if r.err == nil || !strings.Contains(r.err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", r.err, tc.want)
			}
		})
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests reached the API", n)
	}
	r := runSubmit(t, twoStep(t, "two_step.yaml"), nil, "-")
	if !errors.Is(r.err, kfp.ErrNoEndpoint) {
		t.Errorf("no endpoint: %v", r.err)
	}
}

func TestSubmitMultiUserUsesThePodNamespace(t *testing.T) {
	fake, url := kfpfake.Start(t, kfpfake.Options{MultiUser: true, Token: "tok"})
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte("tok"), 0o600); err != nil {
		t.Fatal(err)
	}
	// What the webhook puts in a notebook pod.
	env := map[string]string{kfp.EnvEndpoint: url, kfp.EnvTokenPath: tok, contract.EnvNamespace: "team-a"}
	r := runSubmit(t, twoStep(t, "two_step.yaml"), env, "-", "--experiment", "e", "--upload")
	if r.err != nil {
		t.Fatalf("%v\n%s", r.err, r.errOut)
	}
	if !strings.Contains(r.out, `experiment "e" created in namespace team-a`) || !strings.Contains(r.out, "pipeline uploaded") {
		t.Errorf("output:\n%s", r.out)
	}
	sub, _ := fake.Submission(fake.RunIDs()[0])
	if sub.Namespace != "team-a" || sub.Run.GetPipelineVersionReference() == nil {
		t.Errorf("run in %q with source %v, want team-a and the uploaded version", sub.Namespace, sub.Run.GetPipelineSource())
	}
	for _, req := range fake.Requests() {
		if req.Path != "/healthz" && req.Auth != "Bearer tok" {
			t.Errorf("%s %s sent %q", req.Method, req.Path, req.Auth)
		}
	}
	if n := fake.Count(http.MethodPost, "/runs"); n != 1 {
		t.Errorf("runs created: %d", n)
	}
}

func TestSubmitNotebookSaysUseRun(t *testing.T) {
	nb := []byte(`{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}`)
	path := filepath.Join(t.TempDir(), "train.ipynb")
	if err := os.WriteFile(path, nb, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{path}, {"-"}} {
		r := runSubmit(t, nb, map[string]string{}, args...)
		if r.err == nil || !strings.Contains(r.err.Error(), "is a notebook") || !strings.Contains(r.err.Error(), "use `run") {
			t.Errorf("submit %v of a notebook: %v", args, r.err)
		}
	}
}
