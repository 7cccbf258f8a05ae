package deliver

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"

	"github.com/kubeflow-kale/kale/pkg/kfp"
)

func TestTableViewRedrawsInPlace(t *testing.T) {
	var b bytes.Buffer
	v := &tableView{w: &b}
	start := time.Now().Add(-time.Minute)
	v.draw(&kfp.Run{DisplayName: "r", State: kfp.StatePending, CreatedAt: start})
	first := b.String()
	if strings.Contains(first, "\x1b[") || !strings.Contains(first, "RUN r") || !strings.Contains(first, "PENDING") {
		t.Fatalf("first draw %q", first)
	}
	b.Reset()
	v.draw(&kfp.Run{DisplayName: "r", State: kfp.StateRunning, CreatedAt: start, RunDetails: &kfp.RunDetails{TaskDetails: []kfp.TaskDetail{
		{DisplayName: "load-step", State: kfp.StateSucceeded, StartTime: start, EndTime: start.Add(2 * time.Second)},
		{DisplayName: "train-step", State: kfp.StateRunning, StartTime: start.Add(2 * time.Second)},
	}}})
	second := b.String()
	// Up over the two lines drawn before, clear, redraw.
	if !strings.HasPrefix(second, "\x1b[2A\x1b[J") {
		t.Errorf("second draw does not move up over the first: %q", second)
	}
	for _, want := range []string{"RUNNING", "load-step", "SUCCEEDED", "2s", "train-step"} {
		if !strings.Contains(second, want) {
			t.Errorf("second draw lacks %q: %q", want, second)
		}
	}
	b.Reset()
	v.draw(&kfp.Run{DisplayName: "r", State: kfp.StateSucceeded, CreatedAt: start})
	if !strings.HasPrefix(b.String(), "\x1b[4A\x1b[J") {
		t.Errorf("third draw must clear the four lines of the second: %q", b.String())
	}
}

// FuzzRuntimeParameters: any flags give typed values of the declared
// parameters or an error, never a panic.
func FuzzRuntimeParameters(f *testing.F) {
	spec := &pipelinespec.PipelineSpec{Root: &pipelinespec.ComponentSpec{InputDefinitions: &pipelinespec.ComponentInputsSpec{
		Parameters: map[string]*pipelinespec.ComponentInputsSpec_ParameterSpec{
			"lr":      {ParameterType: pipelinespec.ParameterType_NUMBER_DOUBLE},
			"epochs":  {ParameterType: pipelinespec.ParameterType_NUMBER_INTEGER},
			"name":    {ParameterType: pipelinespec.ParameterType_STRING},
			"verbose": {ParameterType: pipelinespec.ParameterType_BOOLEAN},
		},
	}}}
	for _, s := range []string{"lr=0.1", "LR=1e3", "epochs=1_000", "name=a=b", "verbose=True", "x", "=1", "epochs=9007199254740993", "lr=NaN"} {
		f.Add(s, "name=x")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		got, err := RuntimeParameters(spec, []string{a, b})
		if err != nil {
			return
		}
		for k, v := range got {
			switch spec.Root.InputDefinitions.Parameters[k].GetParameterType() {
			case pipelinespec.ParameterType_NUMBER_DOUBLE:
				_, ok := v.(float64)
				if !ok {
					t.Fatalf("%s = %#v", k, v)
				}
			case pipelinespec.ParameterType_NUMBER_INTEGER:
				if _, ok := v.(int64); !ok {
					t.Fatalf("%s = %#v", k, v)
				}
			case pipelinespec.ParameterType_BOOLEAN:
				if _, ok := v.(bool); !ok {
					t.Fatalf("%s = %#v", k, v)
				}
			case pipelinespec.ParameterType_STRING:
				if _, ok := v.(string); !ok {
					t.Fatalf("%s = %#v", k, v)
				}
			default:
				t.Fatalf("undeclared parameter %q accepted", k)
			}
		}
	})
}
