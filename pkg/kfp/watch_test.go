package kfp_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kubeflow-kale/kale/internal/kfpfake"
	"github.com/kubeflow-kale/kale/pkg/kfp"
)

// submit creates a run of the two-step pipeline on a fake with schedule sc.
func submit(t *testing.T, sc kfpfake.Schedule) (*kfpfake.Server, *kfp.Client, string) {
	t.Helper()
	fake, url := kfpfake.Start(t, kfpfake.Options{Schedule: sc})
	c := newClient(t, url)
	_, spec, _ := pkg(t, "two_step.yaml")
	r, err := c.CreateRun(context.Background(), kfp.RunSpec{DisplayName: "watched", PipelineSpec: spec})
	if err != nil {
		t.Fatal(err)
	}
	return fake, c, r.ID
}

// watchStates watches a run and returns the run states and "task=state"
// pairs it was shown, in order, without repeats.
func watchStates(t *testing.T, c *kfp.Client, id string, o kfp.WatchOptions) (*kfp.Run, []string, []string, error) {
	t.Helper()
	var states, tasks []string
	o.OnUpdate = func(r *kfp.Run) {
		if len(states) == 0 || states[len(states)-1] != string(r.State) {
			states = append(states, string(r.State))
		}
		for _, td := range r.Tasks() {
			s := td.DisplayName + "=" + string(td.State)
			if !slices.Contains(tasks, s) {
				tasks = append(tasks, s)
			}
		}
	}
	r, err := c.Watch(context.Background(), id, o)
	return r, states, tasks, err
}

func TestWatchFollowsARunToSuccess(t *testing.T) {
	_, c, id := submit(t, kfpfake.Schedule{Pending: 500 * time.Millisecond, Running: 800 * time.Millisecond})
	r, states, tasks, err := watchStates(t, c, id, kfp.WatchOptions{MinInterval: 20 * time.Millisecond, MaxInterval: 60 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if r.State != kfp.StateSucceeded {
		t.Errorf("final state %s, want SUCCEEDED", r.State)
	}
	if want := []string{"PENDING", "RUNNING", "SUCCEEDED"}; !slices.Equal(states, want) {
		t.Errorf("states shown %v, want %v", states, want)
	}
	want := []string{"component1=RUNNING", "component1=SUCCEEDED", "component2=RUNNING", "component2=SUCCEEDED"}
	if !slices.Equal(tasks, want) {
		t.Errorf("task states shown %v, want %v", tasks, want)
	}
}

func TestWatchReportsFailure(t *testing.T) {
	_, c, id := submit(t, kfpfake.Schedule{Running: 200 * time.Millisecond, FailTask: "component1"})
	r, _, tasks, err := watchStates(t, c, id, kfp.WatchOptions{MinInterval: 20 * time.Millisecond, MaxInterval: 40 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if r.State != kfp.StateFailed || r.Error == nil || !strings.Contains(r.Error.Message, "component1") {
		t.Errorf("run = %s %+v, want FAILED naming component1", r.State, r.Error)
	}
	if slices.Contains(tasks, "component2=RUNNING") {
		t.Errorf("tasks %v: component2 must not start after component1 failed", tasks)
	}
}

func TestWatchBacksOffWhileNothingChanges(t *testing.T) {
	// The run sits in RUNNING for 2 s. Polling every 50 ms would take about
	// 40 requests; growing to 400 ms it takes about a dozen.
	fake, c, id := submit(t, kfpfake.Schedule{Running: 2 * time.Second})
	if _, err := c.Watch(context.Background(), id, kfp.WatchOptions{MinInterval: 50 * time.Millisecond, MaxInterval: 400 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	var at []time.Time
	for _, r := range fake.Requests() {
		if r.Method == http.MethodGet {
			at = append(at, r.At)
		}
	}
	if len(at) > 20 {
		t.Errorf("%d polls over 2 s, want at most 20 with backoff", len(at))
	}
	// Gaps grow while the state stays RUNNING: the last gap before the end
	// is longer than the first.
	if len(at) < 4 {
		t.Fatalf("%d polls, want several", len(at))
	}
	first, last := at[2].Sub(at[1]), at[len(at)-1].Sub(at[len(at)-2])
	if last <= first {
		t.Errorf("poll gaps did not grow: first %v, last %v over %d polls", first, last, len(at))
	}
}

func TestWatchStopsWhenCancelled(t *testing.T) {
	_, c, id := submit(t, kfpfake.Schedule{Pending: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Watch(ctx, id, kfp.WatchOptions{MinInterval: time.Second})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want the context's error", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("watch returned after %v, want right after the cancellation", time.Since(start))
	}
}

func TestWatchRidesOutTransientErrors(t *testing.T) {
	fake, c, id := submit(t, kfpfake.Schedule{Running: 300 * time.Millisecond})
	// More failures than the client's own retries absorb in one poll.
	fake.InjectFault(kfpfake.Fault{Method: http.MethodGet, Status: 502, Times: fastRetry.Attempts + 2})
	r, err := c.Watch(context.Background(), id, kfp.WatchOptions{MinInterval: 10 * time.Millisecond, MaxInterval: 20 * time.Millisecond})
	if err != nil || r.State != kfp.StateSucceeded {
		t.Fatalf("got %v, %v; want SUCCEEDED despite the 502s", r, err)
	}

	fake.InjectFault(kfpfake.Fault{Method: http.MethodGet, Status: 404})
	if _, err := c.Watch(context.Background(), id, kfp.WatchOptions{MinInterval: 10 * time.Millisecond}); !kfp.IsNotFound(err) {
		t.Errorf("got %v, want the 404 at once", err)
	}
}
