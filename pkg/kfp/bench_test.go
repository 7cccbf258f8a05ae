package kfp_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/kubeflow-kale/kale/internal/kfpfake"
	"github.com/kubeflow-kale/kale/pkg/kfp"
)

// BenchmarkWatchPolling follows a run that stays RUNNING for 3 s (one task
// change in the middle) and reports how many GETs the watch made: with the
// interval growing from 100 ms to 1 s it polls about a dozen times where a
// fixed 100 ms poll would make 30 requests.
func BenchmarkWatchPolling(b *testing.B) {
	const runFor = 3 * time.Second
	_, spec, _ := pkg(b, "two_step.yaml")
	polls := 0
	for b.Loop() {
		fake := kfpfake.New(kfpfake.Options{Schedule: kfpfake.Schedule{Running: runFor}})
		url := newServer(b, fake)
		c, err := kfp.New(kfp.Config{Endpoint: url})
		if err != nil {
			b.Fatal(err)
		}
		r, err := c.CreateRun(context.Background(), kfp.RunSpec{DisplayName: "bench", PipelineSpec: spec})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Watch(context.Background(), r.ID, kfp.WatchOptions{MinInterval: 100 * time.Millisecond, MaxInterval: time.Second}); err != nil {
			b.Fatal(err)
		}
		polls += fake.Count(http.MethodGet, "/runs/")
	}
	b.ReportMetric(float64(polls)/float64(b.N), "polls/run")
	b.ReportMetric(float64(runFor/(100*time.Millisecond)), "fixed-100ms-polls/run")
}
