package run

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/kubeflow-kale/kale/internal/cli/buildflags"
	"github.com/kubeflow-kale/kale/internal/cli/clioptions"
	"github.com/kubeflow-kale/kale/pkg/compiler"
	"github.com/kubeflow-kale/kale/pkg/local"
)

// logTail is how many lines of a failed step's log the summary shows.
const logTail = 20

// LocalFlags are the flags only a --local run reads.
type LocalFlags struct {
	// WorkDir keeps each step's folder (log, artifacts, executor input and
	// output, HOME); empty means a new temporary folder.
	WorkDir string
	// Parallelism bounds the steps running at once; 0 means one per core.
	Parallelism int
	// Python is the interpreter steps get as python3; empty means python3
	// on the PATH.
	Python string
}

// AddFlags registers the local-run flags.
func (l *LocalFlags) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&l.WorkDir, "workdir", "", "(--local) folder for each step's log and artifacts (default: a new temporary folder)")
	fs.IntVar(&l.Parallelism, "parallelism", 0, "(--local) how many steps may run at once (default: the number of cores)")
	fs.StringVar(&l.Python, "python", "", "(--local) Python interpreter the steps run with as python3 (default: python3 on the PATH)")
}

// runLocal runs the compiled pipeline on this machine with pkg/local: the
// --param values become the run's parameter values (checked against the
// parameter types, as new defaults would be), a live line per step shows
// its state, and the summary (or -o json) lists every step and the metrics.
// Images are ignored; HOME is a folder of each step. Interrupting stops the
// running steps. The exit status is 0 only when every step succeeded.
func (o *Options) runLocal(ctx context.Context, res *compiler.Result) error {
	streams := o.g.IOStreams
	if o.LocalFlags.Parallelism < 0 {
		return fmt.Errorf("--parallelism %d: want a positive number (or 0 for one per core)", o.LocalFlags.Parallelism)
	}
	texts, err := buildflags.ParseParamMap(o.Params)
	if err != nil {
		return err
	}
	params, err := local.ParseParameters(res.PipelineSpec, texts)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	// Progress goes to stdout for text output, to stderr when stdout
	// carries JSON.
	progressOut := streams.Out
	if o.Output.JSON() {
		progressOut = streams.ErrOut
	}
	progress := local.NewProgress(progressOut, isTerminal(progressOut))
	start := time.Now()
	result, runErr := local.Run(ctx, res.PipelineSpec, res.PlatformSpec, local.Options{
		WorkDir:     o.LocalFlags.WorkDir,
		Parallelism: o.LocalFlags.Parallelism,
		Python:      o.LocalFlags.Python,
		Parameters:  params,
		OnEvent:     progress.Event,
		OnNote: func(msg string) {
			fmt.Fprintf(streams.ErrOut, "note: %s\n", msg)
		},
	})
	if result == nil {
		return runErr
	}
	if o.Output.JSON() {
		if err := clioptions.WriteJSON(streams.Out, result); err != nil {
			return err
		}
	} else {
		printSummary(streams.Out, result, time.Since(start))
	}
	for _, s := range result.Steps {
		if s.Status == local.Failed {
			printTail(streams.ErrOut, s)
		}
	}
	// Exit codes as for a followed KFP run: 2 when the pipeline ran and did
	// not succeed, 1 when kale could not run it, 130 (128+SIGINT, as shells
	// report) when the user interrupted it.
	switch {
	case ctx.Err() != nil:
		fmt.Fprintln(streams.ErrOut, "interrupted")
		return &clioptions.ExitError{Code: 130}
	case runErr != nil:
		fmt.Fprintf(streams.ErrOut, "%v\n", runErr)
		return &clioptions.ExitError{Code: 1}
	case result.Status != local.Succeeded:
		return &clioptions.ExitError{Code: 2}
	}
	return nil
}

func printSummary(w io.Writer, r *local.Result, d time.Duration) {
	fmt.Fprintf(w, "\nrun %s in %.1fs; work dir %s\n", r.Status, d.Seconds(), r.WorkDir)
	width := 4
	for _, s := range r.Steps {
		width = max(width, len(s.Name))
	}
	for _, s := range r.Steps {
		logPath := s.Log
		if s.Status == local.Skipped {
			logPath = "" // a skipped step never ran: it has no log to read
		}
		fmt.Fprintf(w, "  %-*s  %-9s  %6.1fs  %s\n", width, s.Name, s.Status, s.Seconds, logPath)
	}
	if len(r.Metrics) == 0 {
		return
	}
	fmt.Fprintln(w, "metrics:")
	names := make([]string, 0, len(r.Metrics))
	width = 4
	for k := range r.Metrics {
		names = append(names, k)
		width = max(width, len(k))
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(w, "  %-*s  %g\n", width, k, r.Metrics[k])
	}
}

// printTail shows the end of a failed step's log: the traceback that names
// the notebook cell and line.
func printTail(w io.Writer, s local.StepResult) {
	f, err := os.Open(s.Log)
	if err != nil {
		return
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > logTail {
			lines = lines[1:]
		}
	}
	fmt.Fprintf(w, "\nstep %s failed; end of %s:\n", s.Name, s.Log)
	for _, l := range lines {
		fmt.Fprintf(w, "  %s\n", strings.TrimRight(l, "\r"))
	}
	if f := s.ImportFailure; f != nil {
		fmt.Fprintf(w, "step %s ran with %s: %s\n", s.Name, f.Python, f.Hint)
	}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
