// Package local runs a compiled pipeline (KFP v2 PipelineSpec IR) on this
// machine, to debug it before submitting. It executes the IR itself, not the
// pipeline model: each root DAG task's container command and arguments run
// as local processes with placeholders replaced by files in a work folder,
// dependencies first and independent tasks in parallel. Images are ignored:
// commands find python3 (and everything else) on the local PATH.
package local

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
)

// Step and run states.
const (
	Pending   = "PENDING"
	Running   = "RUNNING"
	Succeeded = "SUCCEEDED"
	Failed    = "FAILED"
	// Skipped steps did not run because a step they depend on failed or the
	// run was cancelled.
	Skipped = "SKIPPED"
	// Cancelled steps were running when the context was cancelled.
	Cancelled = "CANCELLED"
)

// Options configure a local run.
type Options struct {
	// WorkDir holds one folder per step (log, artifacts, executor input and
	// output, HOME). Empty means a new folder under the system temp dir.
	WorkDir string
	// Parallelism is how many steps may run at once; 0 means runtime.NumCPU().
	Parallelism int
	// Parameters override the pipeline's parameter defaults (values are
	// int64, float64, string, bool, or anything structpb.NewValue takes).
	Parameters map[string]any
	// Python is the interpreter that commands calling python3 get; empty
	// means python3 on the PATH.
	Python string
	// Env is added to every step's environment (after the executor's env).
	Env []string
	// OnEvent, when set, is called on every step state change, from one
	// goroutine at a time.
	OnEvent func(Event)
	// OnNote, when set, receives one-off notes about what a local run does
	// differently from a cluster run (ignored images, secrets, volumes).
	OnNote func(string)
}

// Event is a step state change.
type Event struct {
	Step   string
	Status string
	// Seconds is the step's run time so far (set when it ends).
	Seconds float64
	// Log is the path of the step's log file.
	Log string
}

// StepResult is how one step ended.
type StepResult struct {
	Name    string  `json:"name"`
	Status  string  `json:"status"`
	Seconds float64 `json:"seconds"`
	Log     string  `json:"log"`
	// ImportFailure is set when the step failed on a Python import: the
	// local python3 lacks something the step's image would have had.
	ImportFailure *ImportFailure `json:"import_failure,omitempty"`
}

// ImportFailure says which import failed a step, with which interpreter,
// and what to do about it.
type ImportFailure struct {
	// Module is the module that could not be imported, or the module that
	// lacks Name; empty when the error names none.
	Module string `json:"module"`
	// Name is set for "cannot import name NAME from MODULE".
	Name string `json:"name,omitempty"`
	// Python is the interpreter the step ran with as python3.
	Python string `json:"python"`
	// Error is the error line from the step's log.
	Error string `json:"error"`
	// Hint suggests running with --python and an interpreter that has it.
	Hint string `json:"hint"`
}

// Result is how the run ended.
type Result struct {
	// Status is SUCCEEDED when every step succeeded, FAILED otherwise.
	Status  string       `json:"status"`
	WorkDir string       `json:"workdir"`
	Steps   []StepResult `json:"steps"`
	// Metrics are the scalar metrics the steps reported (metadata of their
	// system.Metrics output artifacts).
	Metrics map[string]float64 `json:"metrics"`
}

// Step returns the named step's result.
func (r *Result) Step(name string) (StepResult, bool) {
	for _, s := range r.Steps {
		if s.Name == name {
			return s, true
		}
	}
	return StepResult{}, false
}

// Run executes the pipeline. It returns an error when the IR cannot run
// locally (or the context was cancelled); a step that fails is reported in
// the Result, not as an error.
func Run(ctx context.Context, spec *pipelinespec.PipelineSpec, platform *pipelinespec.PlatformSpec, opts Options) (*Result, error) {
	p, err := newPlan(spec, platform, opts.Parameters)
	if err != nil {
		return nil, err
	}
	r, err := newRunner(p, opts)
	if err != nil {
		return nil, err
	}
	return r.run(ctx)
}

type runner struct {
	plan    *plan
	opts    Options
	workDir string
	pathEnv string
	// python is the interpreter steps get as python3, as a path.
	python   string
	mu       sync.Mutex
	outputs  map[string]*taskOutputs
	status   map[string]string
	results  map[string]StepResult
	metrics  map[string]float64
	notes    map[string]bool
	eventsMu sync.Mutex
}

func newRunner(p *plan, opts Options) (*runner, error) {
	if opts.Parallelism <= 0 {
		opts.Parallelism = runtime.NumCPU()
	}
	// created is the topmost folder this call makes (the work dir or an
	// ancestor): when the run cannot start it goes again, so a refused run
	// leaves nothing behind, and nothing that was there before is touched.
	var created string
	dir := opts.WorkDir
	if dir == "" {
		d, err := os.MkdirTemp("", "kale-run-")
		if err != nil {
			return nil, fmt.Errorf("creating a work dir: %w", err)
		}
		dir, created = d, d
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("work dir %s: %w", opts.WorkDir, err)
	}
	if created == "" {
		created = firstMissing(dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating work dir: %w", err)
	}
	r := &runner{
		plan: p, opts: opts, workDir: dir,
		outputs: map[string]*taskOutputs{},
		status:  map[string]string{},
		results: map[string]StepResult{},
		metrics: map[string]float64{},
		notes:   map[string]bool{},
	}
	if err := r.prepare(); err != nil {
		if created != "" {
			_ = os.RemoveAll(created)
		}
		return nil, err
	}
	return r, nil
}

// prepare checks, before anything is written, that every folder the run
// will replace was made by kale, then sets up python3.
func (r *runner) prepare() error {
	for _, t := range r.plan.tasks {
		if err := checkOwned(r.stepDir(t.name)); err != nil {
			return err
		}
	}
	if r.opts.Python != "" {
		if err := checkOwned(r.binDir()); err != nil {
			return err
		}
	}
	return r.setupPython()
}

// firstMissing returns the topmost folder of dir's path that does not exist
// (dir itself when only it is missing), or "" when dir exists.
func firstMissing(dir string) string {
	missing := ""
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil {
			return missing
		}
		missing = d
		if filepath.Dir(d) == d {
			return missing
		}
	}
}

// ownerMarker is the file kale writes into every folder of a work dir it
// makes and will replace on a later run: only folders holding it are ever
// deleted, so a work dir such as "." keeps the user's own folders.
const ownerMarker = ".kale-local-run"

// checkOwned returns an error when dir exists without kale's marker.
func checkOwned(dir string) error {
	if _, err := os.Lstat(dir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if _, err := os.Lstat(filepath.Join(dir, ownerMarker)); err == nil {
		return nil
	}
	return fmt.Errorf("work dir: %s exists and was not made by a kale local run (it has no %s file); "+
		"kale replaces this folder on every run, so it stops here and deletes nothing: "+
		"choose another work dir (--workdir) or move that folder away", dir, ownerMarker)
}

// freshDir replaces dir, which checkOwned accepted, by an empty folder
// holding kale's marker.
func freshDir(dir string) error {
	if err := checkOwned(dir); err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("clearing %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	return markOwned(dir)
}

// markOwned writes kale's marker into dir.
func markOwned(dir string) error {
	marker := "made by kale run --local: the next run in this work dir replaces this folder\n"
	if err := os.WriteFile(filepath.Join(dir, ownerMarker), []byte(marker), 0o644); err != nil {
		return fmt.Errorf("marking %s as kale's: %w", dir, err)
	}
	return nil
}

// setupPython makes "python3" in step commands mean opts.Python (or checks
// that python3 is on the PATH), through a bin folder first on the PATH.
func (r *runner) setupPython() error {
	r.pathEnv = os.Getenv("PATH")
	py := r.opts.Python
	if py == "" {
		found, err := exec.LookPath("python3")
		if err != nil {
			return fmt.Errorf("local runs need python3 on the PATH: %w", err)
		}
		if abs, err := filepath.Abs(found); err == nil {
			found = abs
		}
		r.python = found
		r.note(fmt.Sprintf("images are ignored in local runs: steps run with %s and the tools on this machine's PATH", found))
		return nil
	}
	abs, err := exec.LookPath(py)
	if err != nil {
		return fmt.Errorf("python interpreter %s: %w", py, err)
	}
	if abs, err = filepath.Abs(abs); err != nil {
		return fmt.Errorf("python interpreter %s: %w", py, err)
	}
	bin := r.binDir()
	if err := freshDir(bin); err != nil {
		return err
	}
	link := filepath.Join(bin, "python3")
	if err := os.Symlink(abs, link); err != nil {
		return fmt.Errorf("linking python3 to %s: %w", abs, err)
	}
	r.pathEnv = bin + string(os.PathListSeparator) + r.pathEnv
	r.python = abs
	r.note(fmt.Sprintf("images are ignored in local runs: steps run with %s and the tools on this machine's PATH", abs))
	return nil
}

func (r *runner) note(msg string) {
	r.mu.Lock()
	seen := r.notes[msg]
	r.notes[msg] = true
	r.mu.Unlock()
	if !seen && r.opts.OnNote != nil {
		r.opts.OnNote(msg)
	}
}

func (r *runner) emit(ev Event) {
	if r.opts.OnEvent == nil {
		return
	}
	r.eventsMu.Lock()
	defer r.eventsMu.Unlock()
	r.opts.OnEvent(ev)
}

type done struct {
	name   string
	result StepResult
	outs   *taskOutputs
}

func (r *runner) run(ctx context.Context) (*Result, error) {
	for _, t := range r.plan.tasks {
		r.status[t.name] = Pending
		r.emit(Event{Step: t.name, Status: Pending, Log: r.logPath(t.name)})
	}
	finished := make(chan done)
	running := 0
	remaining := len(r.plan.tasks)
	for remaining > 0 {
		// Start every ready step while slots are free; skip the ones whose
		// dependencies did not succeed.
		for _, t := range r.plan.tasks {
			if r.status[t.name] != Pending {
				continue
			}
			state := r.depsState(t)
			if state == Failed || (state == Succeeded && ctx.Err() != nil) {
				r.finish(t.name, StepResult{Name: t.name, Status: Skipped, Log: r.logPath(t.name)}, nil)
				remaining--
				continue
			}
			if state != Succeeded || running >= r.opts.Parallelism {
				continue
			}
			r.status[t.name] = Running
			running++
			inputs := r.snapshotOutputs(t)
			r.emit(Event{Step: t.name, Status: Running, Log: r.logPath(t.name)})
			go func(t *task) {
				res, outs := r.runTask(ctx, t, inputs)
				finished <- done{name: t.name, result: res, outs: outs}
			}(t)
		}
		if remaining == 0 {
			break
		}
		if running == 0 {
			// Everything left waits on something that will never finish.
			return nil, errors.New("local run: no step can start; this is a bug in the scheduler")
		}
		d := <-finished
		running--
		remaining--
		r.finish(d.name, d.result, d.outs)
	}
	res := &Result{Status: Succeeded, WorkDir: r.workDir, Metrics: r.metrics}
	for _, t := range r.plan.tasks {
		sr := r.results[t.name]
		if sr.Status != Succeeded {
			res.Status = Failed
		}
		res.Steps = append(res.Steps, sr)
	}
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("local run interrupted: %w", err)
	}
	return res, nil
}

// depsState is Succeeded when every dependency succeeded, Failed when one
// did not (failed, skipped or cancelled), Pending otherwise.
func (r *runner) depsState(t *task) string {
	state := Succeeded
	for _, d := range t.deps {
		switch r.status[d] {
		case Succeeded:
		case Failed, Skipped, Cancelled:
			return Failed
		default:
			state = Pending
		}
	}
	return state
}

func (r *runner) finish(name string, res StepResult, outs *taskOutputs) {
	r.status[name] = res.Status
	r.results[name] = res
	if outs != nil {
		r.mu.Lock()
		r.outputs[name] = outs
		for k, v := range outs.metrics {
			r.metrics[k] = v
		}
		r.mu.Unlock()
	}
	r.emit(Event{Step: name, Status: res.Status, Seconds: res.Seconds, Log: res.Log})
}

func (r *runner) snapshotOutputs(t *task) map[string]*taskOutputs {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]*taskOutputs{}
	for _, d := range t.deps {
		out[d] = r.outputs[d]
	}
	return out
}

func (r *runner) stepDir(name string) string { return filepath.Join(r.workDir, name) }
func (r *runner) logPath(name string) string { return filepath.Join(r.stepDir(name), "step.log") }

// binDir holds the python3 link that --python makes.
func (r *runner) binDir() string { return filepath.Join(r.workDir, ".bin") }

func elapsed(start time.Time) float64 {
	return float64(time.Since(start).Milliseconds()) / 1000
}
