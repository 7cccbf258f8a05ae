// Package kfpfake is an in-process stand-in for the Kubeflow Pipelines API
// server (REST v2beta1), for tests. The real API server cannot be built and
// run here (it needs MySQL, object storage, Argo and a cluster), so this fake
// reproduces the behaviour a client depends on:
//
//   - requests are decoded into the real KFP API protobuf messages with
//     strict protojson (unknown fields are rejected with 400 and the gRPC
//     gateway's {"code","message"} error shape), answers use proto field
//     names (snake_case), uploads answer errors as {"error_message", ...};
//   - pipeline specs are validated as the server does: strict PipelineSpec
//     parsing, schemaVersion 2.1.0, pipeline name, root component, every
//     componentRef and executorLabel resolving (KFP's own compiler.Accept),
//     Kubernetes executor configs parsing strictly, and run parameters
//     checked against the root inputDefinitions;
//   - experiments, pipelines, versions (409 on a duplicate name) and runs,
//     with multi-user namespaces and optional bearer-token authentication;
//   - runs move PENDING -> RUNNING -> SUCCEEDED or FAILED on a configurable
//     schedule, with per-task details, and can be terminated;
//   - faults can be injected (error statuses, slow answers) and every
//     request is logged, so tests can count polls and retries.
//
// It is not a pipeline engine: nothing is executed.
package kfpfake

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	apiv2 "github.com/kubeflow/pipelines/backend/api/v2beta1/go_client"
)

// Options configure a Server.
type Options struct {
	// MultiUser makes the server behave like multi-user KFP: experiments
	// need a namespace, runs need an experiment, lists need a namespace.
	MultiUser bool
	// Token, when set, is the only bearer token accepted (SetToken changes
	// it). Health checks need no token, as on the real server.
	Token string
	// Namespaces, when set, are the only namespaces the token may use;
	// others get 403.
	Namespaces []string
	// Schedule is how new runs progress; see Schedule.
	Schedule Schedule
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Schedule says how a run progresses after creation: Pending in PENDING,
// then Running in RUNNING, with the root DAG's tasks run level by level (a
// task starts when the tasks it depends on have finished; each level gets an
// equal share of Running). Then the run SUCCEEDED, unless Fail is set or
// FailTask names one of its tasks: that task (by default the last one)
// FAILED at the end of its share, and so does the run; later tasks never
// start.
type Schedule struct {
	Pending  time.Duration
	Running  time.Duration
	Fail     bool
	FailTask string
	// Canceling is how long a terminated run stays CANCELING.
	Canceling time.Duration
}

// Fault is an injected misbehaviour for matching requests.
type Fault struct {
	// Method and Path select requests ("" matches all); Path is a prefix
	// of the URL path below /apis/v2beta1, e.g. "/runs".
	Method, Path string
	// Status, when non-zero, is answered instead of serving the request,
	// with a gRPC-gateway error body.
	Status int
	// Delay is waited before answering (or serving).
	Delay time.Duration
	// Times is how many requests the fault affects; 0 means all.
	Times int
}

// Request is one logged request.
type Request struct {
	Method string
	// Path is below /apis/v2beta1, e.g. "/runs/abc".
	Path string
	// Auth is the Authorization header.
	Auth string
	At   time.Time
	// Status is the HTTP status answered.
	Status int
}

// Server is the fake KFP API. Use it as an http.Handler.
type Server struct {
	opts Options

	mu          sync.Mutex
	token       string
	schedule    Schedule
	experiments []*apiv2.Experiment
	pipelines   []*pipelineRec
	runs        []*runRec
	faults      []*Fault
	log         []Request
}

// New returns a fake KFP API server.
func New(opts Options) *Server {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Server{opts: opts, token: opts.Token, schedule: opts.Schedule}
}

// Start serves a new fake on a loopback httptest server, closed when the
// test ends, and returns it with its URL.
func Start(tb testing.TB, opts Options) (*Server, string) {
	tb.Helper()
	s := New(opts)
	ts := httptest.NewServer(s)
	tb.Cleanup(ts.Close)
	return s, ts.URL
}

// SetToken changes the accepted bearer token (a rotated token).
func (s *Server) SetToken(tok string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.token = tok
}

// SetSchedule changes the schedule of runs created from now on.
func (s *Server) SetSchedule(sc Schedule) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.schedule = sc
}

// InjectFault adds a fault; faults are matched in the order added.
func (s *Server) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &f)
}

// Requests returns the request log.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// Count returns how many logged requests had this method and a path with
// this prefix.
func (s *Server) Count(method, pathPrefix string) int {
	n := 0
	for _, r := range s.Requests() {
		if (method == "" || r.Method == method) && strings.HasPrefix(r.Path, pathPrefix) {
			n++
		}
	}
	return n
}

const apiPrefix = "/apis/v2beta1"

// ServeHTTP routes a request the way the KFP API server's mux does.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	path := strings.TrimPrefix(r.URL.Path, apiPrefix)
	defer func() {
		s.mu.Lock()
		s.log = append(s.log, Request{Method: r.Method, Path: path, Auth: r.Header.Get("Authorization"), At: s.opts.Now(), Status: rec.status})
		s.mu.Unlock()
	}()
	if !strings.HasPrefix(r.URL.Path, apiPrefix+"/") {
		writeStatus(rec, http.StatusNotFound, codeNotFound, "Not Found")
		return
	}
	if f := s.fault(r.Method, path); f != nil {
		if f.Delay > 0 {
			t := time.NewTimer(f.Delay)
			select {
			case <-r.Context().Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		if f.Status != 0 {
			writeStatus(rec, f.Status, grpcCode(f.Status), "injected fault: "+http.StatusText(f.Status))
			return
		}
	}
	if path == "/healthz" && r.Method == http.MethodGet {
		s.healthz(rec)
		return
	}
	if !s.authenticate(rec, r) {
		return
	}
	s.route(rec, r, path)
}

// fault returns the first matching fault and uses one of its times.
func (s *Server) fault(method, path string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if (f.Method == "" || f.Method == method) && strings.HasPrefix(path, f.Path) {
			if f.Times > 0 {
				f.Times--
				if f.Times == 0 {
					s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
				}
			}
			return f
		}
	}
	return nil
}

func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	want := s.token
	s.mu.Unlock()
	if want == "" {
		return true
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	switch {
	case !ok || got == "":
		writeStatus(w, http.StatusUnauthorized, codeUnauthenticated,
			"Unauthenticated: Request header error: there is no user identity header.")
		return false
	case got != want:
		writeStatus(w, http.StatusUnauthorized, codeUnauthenticated,
			"Unauthenticated: Failed to authenticate token review: the token is not valid")
		return false
	}
	return true
}

// authorize checks that the caller may act in namespace ns.
func (s *Server) authorize(w http.ResponseWriter, ns string) bool {
	if len(s.opts.Namespaces) == 0 || ns == "" {
		return true
	}
	for _, allowed := range s.opts.Namespaces {
		if allowed == ns {
			return true
		}
	}
	writeStatus(w, http.StatusForbidden, codePermissionDenied,
		"PermissionDenied: User is not authorized to access namespace "+ns)
	return false
}

func (s *Server) route(w http.ResponseWriter, r *http.Request, path string) {
	seg := strings.Split(strings.Trim(path, "/"), "/")
	m := r.Method
	switch {
	case path == "/experiments" && m == http.MethodPost:
		s.createExperiment(w, r)
	case path == "/experiments" && m == http.MethodGet:
		s.listExperiments(w, r)
	case len(seg) == 2 && seg[0] == "experiments" && m == http.MethodGet:
		s.getExperiment(w, seg[1])
	case path == "/pipelines/upload" && m == http.MethodPost:
		s.uploadPipeline(w, r)
	case path == "/pipelines/upload_version" && m == http.MethodPost:
		s.uploadPipelineVersion(w, r)
	case path == "/pipelines" && m == http.MethodGet:
		s.listPipelines(w, r)
	case len(seg) == 3 && seg[0] == "pipelines" && seg[1] == "names" && m == http.MethodGet:
		s.getPipelineByName(w, r, seg[2])
	case len(seg) == 2 && seg[0] == "pipelines" && m == http.MethodGet:
		s.getPipeline(w, seg[1])
	case len(seg) == 3 && seg[0] == "pipelines" && seg[2] == "versions" && m == http.MethodGet:
		s.listPipelineVersions(w, r, seg[1])
	case path == "/runs" && m == http.MethodPost:
		s.createRun(w, r)
	case path == "/runs" && m == http.MethodGet:
		s.listRuns(w, r)
	case len(seg) == 2 && seg[0] == "runs" && strings.HasSuffix(seg[1], ":terminate") && m == http.MethodPost:
		s.terminateRun(w, strings.TrimSuffix(seg[1], ":terminate"))
	case len(seg) == 2 && seg[0] == "runs" && m == http.MethodGet:
		s.getRun(w, seg[1])
	default:
		writeStatus(w, http.StatusNotFound, codeNotFound, "Not Found")
	}
}

func (s *Server) healthz(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	multi := "false"
	if s.opts.MultiUser {
		multi = "true"
	}
	// Written as text like the real handler (not through the gateway).
	_, _ = w.Write([]byte(`{"commit_sha":"kfpfake", "tag_name":"2.14.3", "multi_user":` + multi + `, "pipeline_store": "database"}`))
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}
