package e2e_test

import (
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/kubeflow-kale/kale/internal/kfpfake"
	"github.com/kubeflow-kale/kale/internal/testenv"
)

var notebook = filepath.Join("..", "testdata", "train.ipynb")

// TestBinarySubmitsAndWatches runs the built binary end to end on a local
// notebook: compile, submit, watch, exit status.
func TestBinarySubmitsAndWatches(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sched kfpfake.Schedule
		code  int
		state string
	}{
		{"succeeded", kfpfake.Schedule{Pending: 100 * time.Millisecond, Running: 200 * time.Millisecond}, 0, "SUCCEEDED"},
		{"failed", kfpfake.Schedule{Running: 200 * time.Millisecond, Fail: true}, 2, "FAILED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, url := kfpfake.Start(t, kfpfake.Options{Schedule: tc.sched})
			r := kubectlKale(t, testenv.CleanEnviron(), "run", notebook, "--kfp-endpoint", url, "--watch", "-o", "json")
			var got map[string]string
			if err := json.Unmarshal([]byte(r.out), &got); err != nil {
				t.Fatalf("stdout %q: %v\nstderr: %s", r.out, err, r.errOut)
			}
			if r.code != tc.code || got["state"] != tc.state {
				t.Errorf("exit %d state %s, want %d %s\nstderr: %s", r.code, got["state"], tc.code, tc.state, r.errOut)
			}
		})
	}
}

// BenchmarkCompileAndSubmit measures the whole process: start the binary,
// compile the notebook, talk to the (local, in-process) KFP API (health,
// experiment lookup and creation, run creation) and print the answer. The
// target is under 100 ms per run.
func BenchmarkCompileAndSubmit(b *testing.B) {
	fake := kfpfake.New(kfpfake.Options{Schedule: kfpfake.Schedule{Pending: time.Hour}})
	srv := httptest.NewServer(fake)
	defer srv.Close()
	env := testenv.CleanEnviron()
	var cpu time.Duration
	for b.Loop() {
		r := kubectlKale(b, env, "run", notebook, "--kfp-endpoint", srv.URL, "-o", "json")
		if r.code != 0 {
			b.Fatalf("exit %d: %s", r.code, r.errOut)
		}
		cpu += r.cpu
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/run")
	// CPU time tells the cost apart from waiting on a busy machine.
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/run")
	if n := len(fake.RunIDs()); n < b.N {
		b.Fatalf("%d runs created for %d iterations", n, b.N)
	}
}

// BenchmarkStartup is the floor under BenchmarkCompileAndSubmit: the same
// binary starting and printing its version (package initialisation of the
// Kubernetes client libraries dominates it).
func BenchmarkStartup(b *testing.B) {
	env := testenv.CleanEnviron()
	var cpu time.Duration
	for b.Loop() {
		r := kubectlKale(b, env, "version")
		if r.code != 0 {
			b.Fatalf("exit %d: %s", r.code, r.errOut)
		}
		cpu += r.cpu
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/run")
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/run")
}
