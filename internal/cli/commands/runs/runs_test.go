package runs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/yaml"

	"github.com/kubeflow-kale/kale/internal/cli/clioptions"
	"github.com/kubeflow-kale/kale/internal/cli/deliver"
	"github.com/kubeflow-kale/kale/internal/kfpfake"
	"github.com/kubeflow-kale/kale/pkg/kfp"
)

func runRuns(t *testing.T, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	g := &clioptions.Global{
		ConfigFlags: genericclioptions.NewConfigFlags(true),
		IOStreams:   genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
	}
	o := &Options{g: g, Env: kfp.Env{Getenv: func(k string) string { return env[k] }, Exists: func(string) bool { return false }},
		Watch: kfp.WatchOptions{MinInterval: 20 * time.Millisecond, MaxInterval: 50 * time.Millisecond}}
	cmd := newCmd(o)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// seed creates runs named after names on the fake, in experiment exp.
func seed(t *testing.T, url, ns, exp string, names ...string) []string {
	t.Helper()
	c, err := kfp.New(kfp.Config{Endpoint: url})
	if err != nil {
		t.Fatal(err)
	}
	y, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "pkg", "kfp", "testdata", "two_step.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	spec, err := yaml.YAMLToJSON(y)
	if err != nil {
		t.Fatal(err)
	}
	e, _, err := c.EnsureExperiment(context.Background(), exp, ns)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, n := range names {
		r, err := c.CreateRun(context.Background(), kfp.RunSpec{DisplayName: n, ExperimentID: e.ID, PipelineSpec: spec})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	return ids
}

func exitCode(err error) int {
	var e *clioptions.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &e):
		return e.Code
	}
	return 1
}

func TestList(t *testing.T) {
	_, url := kfpfake.Start(t, kfpfake.Options{MultiUser: true, Schedule: kfpfake.Schedule{Pending: time.Hour}})
	seed(t, url, "team-a", "one", "first", "second")
	seed(t, url, "team-a", "two", "third")
	seed(t, url, "team-b", "one", "elsewhere")
	env := map[string]string{kfp.EnvEndpoint: url}

	out, _, err := runRuns(t, env, "list", "--kfp-namespace", "team-a")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "RUN ID") || !strings.Contains(lines[1], "third") || !strings.Contains(lines[3], "first") || strings.Contains(out, "elsewhere") {
		t.Errorf("list, newest first, team-a only:\n%s", out)
	}
	out, _, err = runRuns(t, env, "list", "-n", "team-a", "--experiment", "one", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var l kfp.RunList
	if err := json.Unmarshal([]byte(out), &l); err != nil || len(l.Runs) != 2 || l.Runs[0].DisplayName != "second" {
		t.Errorf("json list of experiment one: %v %s", err, out)
	}
	out, _, err = runRuns(t, env, "list", "-n", "team-a", "--limit", "1")
	if err != nil || !strings.Contains(out, "(1 of 3 runs") {
		t.Errorf("limited list: %v\n%s", err, out)
	}
	if _, _, err := runRuns(t, env, "list", "-n", "team-a", "--experiment", "nope"); err == nil || !strings.Contains(err.Error(), `no experiment named "nope"`) {
		t.Errorf("unknown experiment: %v", err)
	}
}

func TestGet(t *testing.T) {
	_, url := kfpfake.Start(t, kfpfake.Options{Schedule: kfpfake.Schedule{Running: 100 * time.Millisecond, FailTask: "component1"}})
	id := seed(t, url, "", "exp", "broken")[0]
	time.Sleep(150 * time.Millisecond)
	env := map[string]string{kfp.EnvEndpoint: url}
	out, _, err := runRuns(t, env, "get", id)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"broken (" + id + ")", "state:", "FAILED", "error:", "component1", "url:", "/#/runs/details/" + id} {
		if !strings.Contains(out, want) {
			t.Errorf("get lacks %q:\n%s", want, out)
		}
	}
	out, _, err = runRuns(t, env, "get", id, "-o", "json")
	var r map[string]any
	if err != nil || json.Unmarshal([]byte(out), &r) != nil || r["run_id"] != id || r["state"] != "FAILED" || r["run_details"] == nil {
		t.Errorf("get -o json: %v\n%s", err, out)
	}
	if _, _, err := runRuns(t, env, "get", "missing"); !kfp.IsNotFound(err) {
		t.Errorf("missing run: %v", err)
	}
}

func TestWatch(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sched kfpfake.Schedule
		code  int
		want  []string
	}{
		{"success", kfpfake.Schedule{Pending: 400 * time.Millisecond, Running: 300 * time.Millisecond}, 0, []string{"run PENDING", "run RUNNING", "run SUCCEEDED"}},
		{"failure", kfpfake.Schedule{Running: 100 * time.Millisecond, Fail: true}, deliver.ExitRunNotSucceeded, []string{"task component2 FAILED", "FAILED"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, url := kfpfake.Start(t, kfpfake.Options{Schedule: tc.sched})
			id := seed(t, url, "", "exp", "w")[0]
			out, _, err := runRuns(t, map[string]string{kfp.EnvEndpoint: url}, "watch", id)
			if exitCode(err) != tc.code {
				t.Fatalf("exit %d (%v), want %d", exitCode(err), err, tc.code)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("watch lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestCancel(t *testing.T) {
	fake, url := kfpfake.Start(t, kfpfake.Options{Schedule: kfpfake.Schedule{Pending: time.Hour}})
	id := seed(t, url, "", "exp", "long")[0]
	env := map[string]string{kfp.EnvEndpoint: url}
	out, _, err := runRuns(t, env, "cancel", id)
	if err != nil || !strings.Contains(out, "cancel requested (now CANCELED)") {
		t.Fatalf("cancel: %v\n%s", err, out)
	}
	out, _, err = runRuns(t, env, "cancel", id, "-o", "json")
	if err != nil || !strings.Contains(out, `"canceled": false`) || !strings.Contains(out, `"state": "CANCELED"`) {
		t.Errorf("second cancel: %v\n%s", err, out)
	}
	out, _, err = runRuns(t, env, "cancel", id)
	if err != nil || !strings.Contains(out, "already CANCELED; nothing to cancel") {
		t.Errorf("cancel of a canceled run: %v\n%s", err, out)
	}
	if _, _, err := runRuns(t, env, "cancel", "missing"); !kfp.IsNotFound(err) {
		t.Errorf("missing run: %v", err)
	}
	if n := len(fake.RunIDs()); n != 1 {
		t.Errorf("runs: %d", n)
	}
}

func TestListPrintsNoTerminalControls(t *testing.T) {
	_, url := kfpfake.Start(t, kfpfake.Options{Schedule: kfpfake.Schedule{Pending: time.Hour}})
	// An OSC sequence re-titles the terminal, CSI 2J clears it, U+202E reverses text.
	seed(t, url, "", "one", "evil\x1b]0;pwned\x07\x1b[2J\u202ename\nnext")
	env := map[string]string{kfp.EnvEndpoint: url}
	for _, args := range [][]string{{"list"}} {
		out, _, err := runRuns(t, env, args...)
		if err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(out, "\x1b\x07\u202e") || !strings.Contains(out, "evil") || !strings.Contains(out, "name next") {
			t.Errorf("%v printed server text unsanitised or lost it: %q", args, out)
		}
	}
	out, _, err := runRuns(t, env, "list", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var l kfp.RunList
	if err := json.Unmarshal([]byte(out), &l); err != nil || len(l.Runs) != 1 || !strings.Contains(l.Runs[0].DisplayName, "\x1b[2J") {
		t.Errorf("-o json keeps the name as the server has it (escaped by the encoder): %v %s", err, out)
	}
}

func TestCompleteRunIDs(t *testing.T) {
	_, url := kfpfake.Start(t, kfpfake.Options{Schedule: kfpfake.Schedule{Pending: time.Hour}})
	ids := seed(t, url, "", "one", "first", "second")
	env := map[string]string{kfp.EnvEndpoint: url}
	out, _, err := runRuns(t, env, "__complete", "get", "")
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"first", "second"} {
		if !strings.Contains(out, ids[i]+"\t"+name) {
			t.Errorf("completion lacks %s (%s):\n%s", ids[i], name, out)
		}
	}
	if out, _, _ := runRuns(t, map[string]string{}, "__complete", "cancel", ""); strings.Contains(out, "\t") {
		t.Errorf("no endpoint: completion should offer nothing, got\n%s", out)
	}
}
