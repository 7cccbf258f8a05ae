package kfpfake

import (
	"fmt"
	"net/http"
	"time"

	apiv2 "github.com/kubeflow/pipelines/backend/api/v2beta1/go_client"
	"google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

type runRec struct {
	run       *apiv2.Run
	t         *template
	namespace string
	created   time.Time
	sched     Schedule
	levels    [][]string
	taskIDs   map[string]string
	// terminated is when terminate was called; zero if never.
	terminated time.Time
}

// Submission is what a client submitted for a run, for tests to inspect.
type Submission struct {
	Run *apiv2.Run
	// PipelineSpec and PlatformSpec are the JSON documents of the spec the
	// run executes (inline or from the pipeline version).
	PipelineSpec []byte
	PlatformSpec []byte
	Namespace    string
}

// Submission returns what was submitted for run id.
func (s *Server) Submission(id string) (Submission, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.run(id)
	if rec == nil {
		return Submission{}, false
	}
	sub := Submission{Run: proto.Clone(rec.run).(*apiv2.Run), Namespace: rec.namespace}
	sub.PipelineSpec, _ = marshal.Marshal(rec.t.specStruct)
	if rec.t.platformStruct != nil {
		sub.PlatformSpec, _ = marshal.Marshal(rec.t.platformStruct)
	}
	return sub, true
}

// RunIDs returns the ids of all runs, oldest first.
func (s *Server) RunIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, len(s.runs))
	for i, r := range s.runs {
		ids[i] = r.run.GetRunId()
	}
	return ids
}

func (s *Server) run(id string) *runRec {
	for _, r := range s.runs {
		if r.run.GetRunId() == id {
			return r
		}
	}
	return nil
}

func (s *Server) createRun(w http.ResponseWriter, r *http.Request) {
	var run apiv2.Run
	if !decode(w, r, &run) {
		return
	}
	if run.GetDisplayName() == "" {
		invalid(w, "The run name is empty. Please specify a valid name")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()

	var t *template
	switch src := run.GetPipelineSource().(type) {
	case *apiv2.Run_PipelineSpec:
		var err error
		if t, err = parseInline(src.PipelineSpec); err != nil {
			invalid(w, "Failed to create a run: %v", err)
			return
		}
	case *apiv2.Run_PipelineVersionReference:
		p := s.pipeline(src.PipelineVersionReference.GetPipelineId())
		if p == nil {
			invalid(w, "Failed to create a run: pipeline %s not found", src.PipelineVersionReference.GetPipelineId())
			return
		}
		if vid := src.PipelineVersionReference.GetPipelineVersionId(); vid == "" {
			t = p.versions[len(p.versions)-1].t
		} else {
			for _, v := range p.versions {
				if v.v.GetPipelineVersionId() == vid {
					t = v.t
				}
			}
			if t == nil {
				invalid(w, "Failed to create a run: pipeline version %s not found", vid)
				return
			}
		}
	default:
		invalid(w, "Failed to create a run: a run needs a pipeline spec or a pipeline version reference")
		return
	}

	var ns string
	switch {
	case run.GetExperimentId() != "":
		e := s.experiment(run.GetExperimentId())
		if e == nil {
			writeStatus(w, http.StatusNotFound, codeNotFound, "Failed to create a run: NotFoundError: Experiment "+run.GetExperimentId()+" not found")
			return
		}
		ns = e.GetNamespace()
	case s.opts.MultiUser:
		invalid(w, "Failed to create a run: Experiment id can not be empty in multi-user mode")
		return
	default:
		run.ExperimentId = s.defaultExperiment()
	}
	if !s.authorize(w, ns) {
		return
	}
	if err := checkParameters(t.spec, run.GetRuntimeConfig().GetParameters()); err != nil {
		invalid(w, "Failed to create a run: %v", err)
		return
	}

	now := s.opts.Now()
	run.RunId = newUUID()
	run.CreatedAt = timestamppb.New(now)
	run.ScheduledAt = timestamppb.New(now)
	run.StorageState = apiv2.Run_AVAILABLE
	rec := &runRec{run: &run, t: t, namespace: ns, created: now, sched: s.schedule,
		levels: taskLevels(t.spec), taskIDs: map[string]string{}}
	for _, l := range rec.levels {
		for _, name := range l {
			rec.taskIDs[name] = newUUID()
		}
	}
	s.runs = append(s.runs, rec)
	answer(w, rec.view(now))
}

// defaultExperiment returns the id of single-user KFP's "Default"
// experiment, creating it; s.mu is held.
func (s *Server) defaultExperiment() string {
	for _, e := range s.experiments {
		if e.GetDisplayName() == "Default" && e.GetNamespace() == "" {
			return e.GetExperimentId()
		}
	}
	e := &apiv2.Experiment{ExperimentId: newUUID(), DisplayName: "Default", CreatedAt: timestamppb.New(s.opts.Now()), StorageState: apiv2.Experiment_AVAILABLE}
	s.experiments = append(s.experiments, e)
	return e.GetExperimentId()
}

func (s *Server) getRun(w http.ResponseWriter, id string) {
	s.mu.Lock()
	rec := s.run(id)
	var v *apiv2.Run
	if rec != nil {
		v = rec.view(s.opts.Now())
	}
	s.mu.Unlock()
	if rec == nil {
		notFound(w, "Run", id)
		return
	}
	if s.authorize(w, rec.namespace) {
		answer(w, v)
	}
}

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ns, exp := q.Get("namespace"), q.Get("experiment_id")
	if s.opts.MultiUser && ns == "" && exp == "" {
		invalid(w, "Failed to list runs: in multi-user mode, ListRuns requires filtering by namespace or experiment")
		return
	}
	match, err := parseFilter(q)
	if err != nil {
		invalid(w, "%v", err)
		return
	}
	s.mu.Lock()
	if exp != "" {
		e := s.experiment(exp)
		if e == nil {
			s.mu.Unlock()
			notFound(w, "Experiment", exp)
			return
		}
		ns = e.GetNamespace()
	}
	now := s.opts.Now()
	var all []*apiv2.Run
	for _, rec := range s.runs {
		if rec.namespace != ns || (exp != "" && rec.run.GetExperimentId() != exp) {
			continue
		}
		if match(map[string]string{"display_name": rec.run.GetDisplayName(), "run_id": rec.run.GetRunId()}) {
			all = append(all, rec.view(now))
		}
	}
	s.mu.Unlock()
	if !s.authorize(w, ns) {
		return
	}
	items, next, ok := sortedPage(w, q, all, func(r *apiv2.Run) (time.Time, string) { return r.GetCreatedAt().AsTime(), r.GetDisplayName() })
	if !ok {
		return
	}
	answer(w, &apiv2.ListRunsResponse{Runs: items, TotalSize: int32(len(all)), NextPageToken: next})
}

func (s *Server) terminateRun(w http.ResponseWriter, id string) {
	s.mu.Lock()
	rec := s.run(id)
	var st apiv2.RuntimeState
	now := s.opts.Now()
	if rec != nil {
		st = rec.view(now).GetState()
	}
	s.mu.Unlock()
	if rec == nil {
		notFound(w, "Run", id)
		return
	}
	if !s.authorize(w, rec.namespace) {
		return
	}
	switch st {
	case apiv2.RuntimeState_PENDING, apiv2.RuntimeState_RUNNING, apiv2.RuntimeState_PAUSED, apiv2.RuntimeState_RUNTIME_STATE_UNSPECIFIED:
	default:
		// As the real run store: only active runs can be terminated.
		invalid(w, "Failed to terminate run %s: Failed to terminate a run %s. Row not found", id, id)
		return
	}
	s.mu.Lock()
	rec.terminated = now
	s.mu.Unlock()
	answer(w, &emptypb.Empty{})
}

// view computes the run as the API shows it at now: state, history, task
// details, following the run's schedule.
func (r *runRec) view(now time.Time) *apiv2.Run {
	v := proto.Clone(r.run).(*apiv2.Run)
	sc := r.sched
	pendingEnd := r.created.Add(sc.Pending)
	nLevels := max(len(r.levels), 1)
	slot := sc.Running / time.Duration(nLevels)

	// Which task fails, and when the run ends by itself.
	failLevel, failTask := -1, ""
	if sc.Fail || sc.FailTask != "" {
		failLevel, failTask = len(r.levels)-1, ""
		if failLevel >= 0 {
			l := r.levels[failLevel]
			failTask = l[len(l)-1]
		}
		for i, l := range r.levels {
			for _, n := range l {
				if n == sc.FailTask {
					failLevel, failTask = i, n
				}
			}
		}
	}
	end := pendingEnd.Add(sc.Running)
	if failLevel >= 0 {
		end = pendingEnd.Add(slot * time.Duration(failLevel+1))
	}
	final := apiv2.RuntimeState_SUCCEEDED
	if sc.Fail || sc.FailTask != "" {
		final = apiv2.RuntimeState_FAILED
	}
	// Termination before the end cuts the run short.
	stop, canceledAt := end, time.Time{}
	if !r.terminated.IsZero() && r.terminated.Before(end) {
		stop = r.terminated
		canceledAt = r.terminated.Add(sc.Canceling)
		final = apiv2.RuntimeState_CANCELED
		end = canceledAt
	}

	var hist []*apiv2.RuntimeStatus
	add := func(at time.Time, st apiv2.RuntimeState) {
		if !at.After(now) {
			hist = append(hist, &apiv2.RuntimeStatus{UpdateTime: timestamppb.New(at), State: st})
		}
	}
	add(r.created, apiv2.RuntimeState_PENDING)
	if pendingEnd.Before(stop) {
		add(pendingEnd, apiv2.RuntimeState_RUNNING)
	}
	if !canceledAt.IsZero() {
		add(stop, apiv2.RuntimeState_CANCELING)
	}
	add(end, final)
	v.StateHistory = hist
	v.State = hist[len(hist)-1].GetState()
	if v.State == final {
		v.FinishedAt = timestamppb.New(end)
		if final == apiv2.RuntimeState_FAILED {
			v.Error = &status.Status{Code: 2, Message: fmt.Sprintf("task %s failed: the step's main container exited with status 1", failTask)}
		}
	}

	var tasks []*apiv2.PipelineTaskDetail
	for i, l := range r.levels {
		start := pendingEnd.Add(slot * time.Duration(i))
		started := start.Before(stop) || (canceledAt.IsZero() && start.Equal(stop))
		if !started || start.After(now) || (failLevel >= 0 && i > failLevel) {
			break
		}
		taskEnd := start.Add(slot)
		for _, name := range l {
			td := &apiv2.PipelineTaskDetail{
				RunId: v.GetRunId(), TaskId: r.taskIDs[name], DisplayName: r.displayName(name),
				CreateTime: timestamppb.New(start), StartTime: timestamppb.New(start),
				PodName: fmt.Sprintf("%s-%s", name, r.taskIDs[name][:8]),
			}
			st := apiv2.RuntimeState_RUNNING
			switch {
			case !canceledAt.IsZero() && taskEnd.After(stop):
				if !canceledAt.After(now) {
					st, taskEnd = apiv2.RuntimeState_CANCELED, canceledAt
				}
			case !taskEnd.After(now):
				st = apiv2.RuntimeState_SUCCEEDED
				if name == failTask {
					st = apiv2.RuntimeState_FAILED
					td.Error = &status.Status{Code: 2, Message: "the step's main container exited with status 1"}
				}
			}
			td.State = st
			td.StateHistory = []*apiv2.RuntimeStatus{{UpdateTime: timestamppb.New(start), State: apiv2.RuntimeState_RUNNING}}
			if st != apiv2.RuntimeState_RUNNING {
				td.EndTime = timestamppb.New(taskEnd)
				td.StateHistory = append(td.StateHistory, &apiv2.RuntimeStatus{UpdateTime: timestamppb.New(taskEnd), State: st})
			}
			tasks = append(tasks, td)
		}
	}
	if len(tasks) > 0 {
		v.RunDetails = &apiv2.RunDetails{TaskDetails: tasks}
	}
	return v
}

// displayName is the task's taskInfo.name, or its key.
func (r *runRec) displayName(task string) string {
	if n := r.t.spec.GetRoot().GetDag().GetTasks()[task].GetTaskInfo().GetName(); n != "" {
		return n
	}
	return task
}
