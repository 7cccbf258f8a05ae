package deliver

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/term"

	"github.com/kubeflow-kale/kale/internal/cli/clioptions"
	"github.com/kubeflow-kale/kale/pkg/kfp"
)

// ExitRunNotSucceeded is the exit code when a followed run ends in any
// state but SUCCEEDED (1 is for errors of kale itself).
const ExitRunNotSucceeded = 2

// IsTerminal reports whether w is a terminal (then --watch redraws a table).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Follow watches a run until it ends, showing each change on w: a table
// redrawn in place when table is true (a terminal), otherwise one line per
// change. It ends with a line giving the final state.
func Follow(ctx context.Context, c *kfp.Client, id string, w io.Writer, table bool, o kfp.WatchOptions) (*kfp.Run, error) {
	var show func(*kfp.Run)
	if table {
		t := &tableView{w: w}
		show = t.draw
	} else {
		l := &lineView{w: w, tasks: map[string]kfp.State{}}
		show = l.update
	}
	o.OnUpdate = show
	r, err := c.Watch(ctx, id, o)
	if err != nil {
		return nil, err
	}
	fmt.Fprintln(w, FinalLine(r))
	return r, nil
}

// FinalLine is "run ID STATE after DURATION" plus the error, if any.
func FinalLine(r *kfp.Run) string {
	r = Printable(r)
	s := fmt.Sprintf("run %s %s", r.ID, r.State)
	if !r.CreatedAt.IsZero() && !r.FinishedAt.IsZero() {
		s += " after " + r.FinishedAt.Sub(r.CreatedAt).Round(100*time.Millisecond).String()
	}
	if r.Error != nil && r.Error.Message != "" {
		s += ": " + r.Error.Message
	}
	for _, t := range r.Tasks() {
		if t.State == kfp.StateFailed && t.Error != nil && t.Error.Message != "" {
			s += fmt.Sprintf("\n  task %s: %s", t.DisplayName, t.Error.Message)
		}
	}
	return s
}

// RunResult turns a finished run into the command's result: nil when it
// succeeded, otherwise an exit status (already reported on the output).
func RunResult(r *kfp.Run) error {
	if r.State == kfp.StateSucceeded {
		return nil
	}
	return &clioptions.ExitError{Code: ExitRunNotSucceeded}
}

// lineView prints one line per change, for logs and pipes.
type lineView struct {
	w     io.Writer
	run   kfp.State
	tasks map[string]kfp.State
}

func (l *lineView) update(r *kfp.Run) {
	r = Printable(r)
	now := time.Now().Format("15:04:05")
	runLine := func() {
		if r.State != l.run {
			l.run = r.State
			fmt.Fprintf(l.w, "%s run %s\n", now, r.State)
		}
	}
	// The run starts before its tasks and ends after them.
	if !r.State.Terminal() {
		runLine()
	}
	defer runLine()
	for _, t := range r.Tasks() {
		key := t.TaskID + "/" + t.DisplayName
		if l.tasks[key] == t.State {
			continue
		}
		l.tasks[key] = t.State
		line := fmt.Sprintf("%s task %s %s", now, t.DisplayName, t.State)
		if d := taskDuration(t); d != "" && t.State.Terminal() {
			line += " (" + d + ")"
		}
		fmt.Fprintln(l.w, line)
	}
}

// tableView redraws a table of the run and its tasks in place.
type tableView struct {
	w     io.Writer
	lines int
}

func (t *tableView) draw(r *kfp.Run) {
	r = Printable(r)
	var b bytes.Buffer
	if t.lines > 0 {
		fmt.Fprintf(&b, "\x1b[%dA\x1b[J", t.lines) // up and clear to the end
	}
	var tb bytes.Buffer
	tw := tabwriter.NewWriter(&tb, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "RUN %s\t%s\t%s\n", r.DisplayName, r.State, since(r.CreatedAt, r.FinishedAt))
	fmt.Fprintln(tw, "TASK\tSTATE\tDURATION")
	for _, task := range r.Tasks() {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", task.DisplayName, task.State, taskDuration(task))
	}
	_ = tw.Flush()
	t.lines = strings.Count(tb.String(), "\n")
	b.Write(tb.Bytes())
	_, _ = t.w.Write(b.Bytes())
}

func taskDuration(t kfp.TaskDetail) string {
	if t.StartTime.IsZero() {
		return ""
	}
	return since(t.StartTime, t.EndTime)
}

// since is the time from start to end, or to now while end is unset.
func since(start, end time.Time) string {
	if start.IsZero() {
		return ""
	}
	if end.IsZero() {
		end = time.Now()
	}
	return end.Sub(start).Round(100 * time.Millisecond).String()
}
