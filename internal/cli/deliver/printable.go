package deliver

import (
	"github.com/kubeflow-kale/kale/internal/termtext"
	"github.com/kubeflow-kale/kale/pkg/kfp"
)

// Printable returns a copy of r whose server-supplied text (ids, names,
// states, error messages, pod names) has no terminal control characters or
// line breaks: a run named with escape sequences must not re-title or clear
// the user's terminal, or break a table's lines. JSON output keeps the
// original, which the encoder escapes.
func Printable(r *kfp.Run) *kfp.Run {
	if r == nil {
		return nil
	}
	c := *r
	c.ID = termtext.Line(c.ID)
	c.ExperimentID = termtext.Line(c.ExperimentID)
	c.DisplayName = termtext.Line(c.DisplayName)
	c.Description = termtext.Line(c.Description)
	c.State = kfp.State(termtext.Line(string(c.State)))
	c.Error = printableStatus(c.Error)
	if r.RunDetails != nil {
		tasks := make([]kfp.TaskDetail, len(r.RunDetails.TaskDetails))
		for i, t := range r.RunDetails.TaskDetails {
			t.TaskID = termtext.Line(t.TaskID)
			t.DisplayName = termtext.Line(t.DisplayName)
			t.State = kfp.State(termtext.Line(string(t.State)))
			t.PodName = termtext.Line(t.PodName)
			t.Error = printableStatus(t.Error)
			tasks[i] = t
		}
		c.RunDetails = &kfp.RunDetails{TaskDetails: tasks}
	}
	return &c
}

func printableStatus(s *kfp.Status) *kfp.Status {
	if s == nil {
		return nil
	}
	return &kfp.Status{Code: s.Code, Message: termtext.Line(s.Message)}
}
