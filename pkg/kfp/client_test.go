package kfp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/kubeflow-kale/kale/internal/kfpfake"
	"github.com/kubeflow-kale/kale/pkg/kfp"
)

// fastRetry keeps retry tests quick while still exercising backoff.
var fastRetry = kfp.Retry{Attempts: 4, Base: 5 * time.Millisecond, Max: 20 * time.Millisecond}

func newClient(t *testing.T, url string, edit ...func(*kfp.Config)) *kfp.Client {
	t.Helper()
	cfg := kfp.Config{Endpoint: url, Retry: fastRetry, Timeout: 5 * time.Second}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := kfp.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// pkg reads a testdata package and returns its YAML and its documents as
// JSON (pipeline spec, then platform spec or nil).
func pkg(t testing.TB, name string) (yml []byte, spec, platform json.RawMessage) {
	t.Helper()
	yml, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	docs := bytes.Split(yml, []byte("\n---\n"))
	if spec, err = yaml.YAMLToJSON(docs[0]); err != nil {
		t.Fatal(err)
	}
	if len(docs) > 1 {
		if platform, err = yaml.YAMLToJSON(docs[1]); err != nil {
			t.Fatal(err)
		}
	}
	return yml, spec, platform
}

func apiStatus(t *testing.T, err error) *kfp.APIError {
	t.Helper()
	var api *kfp.APIError
	if !errors.As(err, &api) {
		t.Fatalf("want an API error, got %v", err)
	}
	return api
}

func TestHealth(t *testing.T) {
	for _, multi := range []bool{false, true} {
		_, url := kfpfake.Start(t, kfpfake.Options{MultiUser: multi})
		h, err := newClient(t, url).Health(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if h.MultiUser != multi || h.TagName == "" {
			t.Errorf("health = %+v, want multi_user %v and a tag", h, multi)
		}
	}
}

func TestEnsureExperimentGetsOrCreatesPerNamespace(t *testing.T) {
	fake, url := kfpfake.Start(t, kfpfake.Options{MultiUser: true})
	c := newClient(t, url)
	ctx := context.Background()

	a, created, err := c.EnsureExperiment(ctx, "demo", "team-a")
	if err != nil || !created {
		t.Fatalf("first ensure: created=%v err=%v", created, err)
	}
	again, created, err := c.EnsureExperiment(ctx, "demo", "team-a")
	if err != nil || created || again.ID != a.ID {
		t.Fatalf("second ensure: got %+v created=%v err=%v, want the same experiment", again, created, err)
	}
	b, created, err := c.EnsureExperiment(ctx, "demo", "team-b")
	if err != nil || !created || b.ID == a.ID || b.Namespace != "team-b" {
		t.Fatalf("other namespace: got %+v created=%v err=%v, want a new experiment in team-b", b, created, err)
	}
	if n := fake.Count(http.MethodPost, "/experiments"); n != 2 {
		t.Errorf("experiments created = %d, want 2", n)
	}

	// Multi-user KFP needs the namespace; the server's message comes through.
	_, _, err = c.EnsureExperiment(ctx, "demo", "")
	if api := apiStatus(t, err); api.Status != 400 || !strings.Contains(api.Message, "namespace") {
		t.Errorf("no namespace: got %v, want 400 naming the namespace", err)
	}
}

func TestPublishUploadsThenAddsVersions(t *testing.T) {
	fake, url := kfpfake.Start(t, kfpfake.Options{})
	c := newClient(t, url)
	ctx := context.Background()
	yml, _, _ := pkg(t, "two_step_platform.yaml")

	p, v, err := c.Publish(ctx, kfp.Upload{Name: "two-step", Description: "demo", Spec: yml})
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "two-step" || v.PipelineID != p.ID || v.ID == "" {
		t.Fatalf("first publish: pipeline %+v version %+v", p, v)
	}
	p2, v2, err := c.Publish(ctx, kfp.Upload{Name: "two-step", Spec: yml})
	if err != nil {
		t.Fatal(err)
	}
	if p2.ID != p.ID || v2.ID == v.ID || !strings.HasPrefix(v2.Name, "two-step-") || len(v2.Name) != len("two-step-")+5 {
		t.Fatalf("second publish: pipeline %s version %+v, want a new version named two-step-xxxxx of %s", p2.ID, v2, p.ID)
	}
	if n := fake.Count(http.MethodPost, "/pipelines/upload_version"); n != 1 {
		t.Errorf("version uploads = %d, want 1", n)
	}
	// The version runs.
	r, err := c.CreateRun(ctx, kfp.RunSpec{DisplayName: "from-version", Version: &kfp.PipelineVersionReference{PipelineID: p.ID, PipelineVersionID: v2.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if r.PipelineVersionReference == nil || r.PipelineVersionReference.PipelineVersionID != v2.ID {
		t.Errorf("run references %+v, want version %s", r.PipelineVersionReference, v2.ID)
	}
}

// raceHandler uploads the pipeline behind the client's back right after the
// client found no pipeline of that name, so the client's upload gets 409.
type raceHandler struct {
	fake *kfpfake.Server
	once sync.Once
	spec []byte
	t    *testing.T
}

func (h *raceHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.fake.ServeHTTP(w, r)
	if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/pipelines/names/") {
		h.once.Do(func() {
			other, err := kfp.New(kfp.Config{Endpoint: "http://" + r.Host})
			if err == nil {
				_, err = other.UploadPipeline(r.Context(), kfp.Upload{Name: "two-step", Spec: h.spec})
			}
			if err != nil {
				h.t.Errorf("racing upload: %v", err)
			}
		})
	}
}

func TestPublishConflictBecomesNewVersion(t *testing.T) {
	fake := kfpfake.New(kfpfake.Options{})
	yml, _, _ := pkg(t, "two_step.yaml")
	srv := newServer(t, &raceHandler{fake: fake, spec: yml, t: t})
	c := newClient(t, srv)

	p, v, err := c.Publish(context.Background(), kfp.Upload{Name: "two-step", Spec: yml})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(v.Name, "two-step-") || v.PipelineID != p.ID {
		t.Errorf("got version %+v, want a new version of the pipeline created meanwhile", v)
	}
	var conflicts int
	for _, r := range fake.Requests() {
		if r.Path == "/pipelines/upload" && r.Status == http.StatusConflict {
			conflicts++
		}
	}
	if conflicts != 1 {
		t.Errorf("409 answers = %d, want 1", conflicts)
	}
}

func TestUploadRejectsNewerPlatformFields(t *testing.T) {
	_, url := kfpfake.Start(t, kfpfake.Options{})
	yml, _, _ := pkg(t, "pvc_mount_new_fields.yaml")
	_, err := newClient(t, url).UploadPipeline(context.Background(), kfp.Upload{Name: "pvc", Spec: yml})
	api := apiStatus(t, err)
	if !strings.Contains(api.Message, `unknown field "pvcNameParameter"`) {
		t.Errorf("got %v, want the server's unknown-field message", err)
	}
}

func TestCreateRunInline(t *testing.T) {
	fake, url := kfpfake.Start(t, kfpfake.Options{Schedule: kfpfake.Schedule{Pending: time.Hour}})
	c := newClient(t, url)
	ctx := context.Background()
	exp, _, err := c.EnsureExperiment(ctx, "exp", "")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("platform spec is sent in the wrapper", func(t *testing.T) {
		_, spec, platform := pkg(t, "two_step_platform.yaml")
		r, err := c.CreateRun(ctx, kfp.RunSpec{DisplayName: "r1", ExperimentID: exp.ID, PipelineSpec: spec, PlatformSpec: platform,
			Parameters: map[string]any{"text": "hi"}})
		if err != nil {
			t.Fatal(err)
		}
		if r.ID == "" || r.ExperimentID != exp.ID || r.State != kfp.StatePending {
			t.Errorf("run = %+v, want an id, the experiment and PENDING", r)
		}
		sub, ok := fake.Submission(r.ID)
		if !ok || !bytes.Contains(sub.PlatformSpec, []byte("workspace-pvc")) {
			t.Errorf("submitted platform spec = %s, want the PVC mount", sub.PlatformSpec)
		}
		if got := sub.Run.GetRuntimeConfig().GetParameters()["text"].GetStringValue(); got != "hi" {
			t.Errorf("parameter text = %q, want hi", got)
		}
	})

	for _, tc := range []struct {
		name   string
		params map[string]any
		want   string
	}{
		{"undeclared parameter", map[string]any{"nope": 1}, "not required by pipeline: nope"},
		{"wrongly typed parameter", map[string]any{"text": 3}, "input parameter text requires type string"},
	} {
		t.Run(tc.name+" is rejected with the server's message", func(t *testing.T) {
			_, spec, _ := pkg(t, "two_step.yaml")
			_, err := c.CreateRun(ctx, kfp.RunSpec{DisplayName: "bad", ExperimentID: exp.ID, PipelineSpec: spec, Parameters: tc.params})
			if api := apiStatus(t, err); api.Status != 400 || !strings.Contains(api.Message, tc.want) {
				t.Errorf("got %v, want 400 with %q", err, tc.want)
			}
		})
	}

	t.Run("schema version other than 2.1.0 is rejected", func(t *testing.T) {
		_, spec, _ := pkg(t, "two_step.yaml")
		spec = bytes.Replace(spec, []byte(`"2.1.0"`), []byte(`"2.0.0"`), 1)
		_, err := c.CreateRun(ctx, kfp.RunSpec{DisplayName: "old", ExperimentID: exp.ID, PipelineSpec: spec})
		if api := apiStatus(t, err); !strings.Contains(api.Message, "KFP only supports schema version 2.1.0") {
			t.Errorf("got %v", err)
		}
	})

	t.Run("dangling componentRef is rejected", func(t *testing.T) {
		_, spec, _ := pkg(t, "two_step.yaml")
		spec = bytes.Replace(spec, []byte(`"name":"comp-component2"`), []byte(`"name":"comp-missing"`), 1)
		_, err := c.CreateRun(ctx, kfp.RunSpec{DisplayName: "dangling", ExperimentID: exp.ID, PipelineSpec: spec})
		if api := apiStatus(t, err); !strings.Contains(api.Message, `cannot find component ref name="comp-missing"`) {
			t.Errorf("got %v", err)
		}
	})

	t.Run("a spec that is not an object never leaves the client", func(t *testing.T) {
		before := len(fake.Requests())
		_, err := c.CreateRun(ctx, kfp.RunSpec{DisplayName: "x", PipelineSpec: json.RawMessage(`[1]`)})
		if err == nil || len(fake.Requests()) != before {
			t.Errorf("got err=%v after %d requests, want a local error", err, len(fake.Requests())-before)
		}
	})
}

func TestGetListTerminateRuns(t *testing.T) {
	fake, url := kfpfake.Start(t, kfpfake.Options{MultiUser: true, Schedule: kfpfake.Schedule{Pending: time.Hour}})
	c := newClient(t, url)
	ctx := context.Background()
	exp, _, err := c.EnsureExperiment(ctx, "exp", "team-a")
	if err != nil {
		t.Fatal(err)
	}
	_, spec, _ := pkg(t, "two_step.yaml")
	var ids []string
	for _, name := range []string{"a", "b", "c"} {
		r, err := c.CreateRun(ctx, kfp.RunSpec{DisplayName: name, ExperimentID: exp.ID, PipelineSpec: spec})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}

	l, err := c.ListRuns(ctx, kfp.ListOptions{Namespace: "team-a", PageSize: 2, SortBy: "created_at desc"})
	if err != nil {
		t.Fatal(err)
	}
	if l.TotalSize != 3 || len(l.Runs) != 2 || l.Runs[0].DisplayName != "c" || l.NextPageToken == "" {
		t.Fatalf("first page = %+v, want c and b of 3", l)
	}
	l2, err := c.ListRuns(ctx, kfp.ListOptions{Namespace: "team-a", PageSize: 2, SortBy: "created_at desc", PageToken: l.NextPageToken})
	if err != nil || len(l2.Runs) != 1 || l2.Runs[0].DisplayName != "a" {
		t.Fatalf("second page = %+v, %v; want a", l2, err)
	}
	if _, err := c.ListRuns(ctx, kfp.ListOptions{}); apiStatus(t, err).Status != 400 {
		t.Errorf("listing without a namespace in multi-user KFP: %v, want 400", err)
	}

	if err := c.TerminateRun(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	r, err := c.GetRun(ctx, ids[1])
	if err != nil || r.State != kfp.StateCanceled {
		t.Fatalf("after terminate: %+v %v, want CANCELED", r, err)
	}
	// The real run store refuses to terminate a run that is not active.
	if err := c.TerminateRun(ctx, ids[1]); apiStatus(t, err).Status != 400 {
		t.Errorf("terminating twice: %v, want 400", err)
	}
	if n := fake.Count(http.MethodPost, "/runs/"+ids[1]+":terminate"); n != 2 {
		t.Errorf("terminate requests = %d, want 2 (a 400 is not retried)", n)
	}
	if _, err := c.GetRun(ctx, "no-such-run"); !kfp.IsNotFound(err) {
		t.Errorf("unknown run: %v, want not found", err)
	}
}

func TestAuth(t *testing.T) {
	fake, url := kfpfake.Start(t, kfpfake.Options{Token: "first"})
	ctx := context.Background()

	t.Run("no token is refused with the server's message", func(t *testing.T) {
		_, err := newClient(t, url).FindExperiment(ctx, "x", "")
		api := apiStatus(t, err)
		if api.Status != 401 || !strings.Contains(api.Message, "no user identity") || !strings.Contains(err.Error(), kfp.EnvTokenPath) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("health needs no token", func(t *testing.T) {
		if _, err := newClient(t, url).Health(ctx); err != nil {
			t.Error(err)
		}
	})
	t.Run("static token", func(t *testing.T) {
		c := newClient(t, url, func(c *kfp.Config) { c.Token = "first" })
		if _, err := c.FindExperiment(ctx, "x", ""); err != nil {
			t.Error(err)
		}
	})
	t.Run("token file is re-read on every request", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "token")
		if err := os.WriteFile(file, []byte("first\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		c := newClient(t, url, func(c *kfp.Config) { c.TokenFile = file })
		if _, err := c.FindExperiment(ctx, "x", ""); err != nil {
			t.Fatal(err)
		}
		// The kubelet rotates the projected token; the server accepts the new one only.
		fake.SetToken("second")
		if _, err := c.FindExperiment(ctx, "x", ""); apiStatus(t, err).Status != 401 {
			t.Fatalf("stale token: %v, want 401", err)
		}
		if err := os.WriteFile(file, []byte("second"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := c.FindExperiment(ctx, "x", ""); err != nil {
			t.Fatalf("after rotation: %v", err)
		}
		reqs := fake.Requests()
		if got := reqs[len(reqs)-1].Auth; got != "Bearer second" {
			t.Errorf("last Authorization = %q, want the rotated token", got)
		}
		if err := os.Remove(file); err != nil {
			t.Fatal(err)
		}
		if _, err := c.FindExperiment(ctx, "x", ""); err == nil || !strings.Contains(err.Error(), file) {
			t.Errorf("missing token file: %v, want an error naming %s", err, file)
		}
	})
}

func TestRetries(t *testing.T) {
	ctx := context.Background()
	_, spec, _ := pkg(t, "two_step.yaml")

	t.Run("GET is retried on 500 until it succeeds", func(t *testing.T) {
		fake, url := kfpfake.Start(t, kfpfake.Options{})
		c := newClient(t, url)
		r, err := c.CreateRun(ctx, kfp.RunSpec{DisplayName: "r", PipelineSpec: spec})
		if err != nil {
			t.Fatal(err)
		}
		fake.InjectFault(kfpfake.Fault{Method: http.MethodGet, Path: "/runs/", Status: 500, Times: 2})
		if _, err := c.GetRun(ctx, r.ID); err != nil {
			t.Fatal(err)
		}
		if n := fake.Count(http.MethodGet, "/runs/"); n != 3 {
			t.Errorf("GETs = %d, want 3 (two 500s, one success)", n)
		}
	})
	t.Run("GET gives up after the bounded attempts with the server's message", func(t *testing.T) {
		fake, url := kfpfake.Start(t, kfpfake.Options{})
		fake.InjectFault(kfpfake.Fault{Method: http.MethodGet, Status: 503})
		_, err := newClient(t, url).GetRun(ctx, "x")
		if api := apiStatus(t, err); api.Status != 503 || !strings.Contains(api.Message, "injected fault") {
			t.Errorf("got %v", err)
		}
		if n := fake.Count(http.MethodGet, ""); n != fastRetry.Attempts {
			t.Errorf("GETs = %d, want %d", n, fastRetry.Attempts)
		}
	})
	t.Run("POST that creates is never retried", func(t *testing.T) {
		fake, url := kfpfake.Start(t, kfpfake.Options{})
		fake.InjectFault(kfpfake.Fault{Method: http.MethodPost, Path: "/runs", Status: 500, Times: 1})
		_, err := newClient(t, url).CreateRun(ctx, kfp.RunSpec{DisplayName: "r", PipelineSpec: spec})
		if apiStatus(t, err).Status != 500 {
			t.Errorf("got %v", err)
		}
		if n := fake.Count(http.MethodPost, "/runs"); n != 1 || len(fake.RunIDs()) != 0 {
			t.Errorf("POSTs = %d, runs = %d; want 1 and 0", n, len(fake.RunIDs()))
		}
	})
	t.Run("a slow answer times out and the GET is retried", func(t *testing.T) {
		fake, url := kfpfake.Start(t, kfpfake.Options{})
		fake.InjectFault(kfpfake.Fault{Method: http.MethodGet, Path: "/healthz", Delay: 2 * time.Second, Times: 1})
		c := newClient(t, url, func(c *kfp.Config) { c.Timeout = 500 * time.Millisecond })
		if _, err := c.Health(ctx); err != nil {
			t.Fatal(err)
		}
		if n := fake.Count(http.MethodGet, "/healthz"); n != 2 {
			t.Errorf("health requests = %d, want 2", n)
		}
	})
	t.Run("a 400 is not retried", func(t *testing.T) {
		fake, url := kfpfake.Start(t, kfpfake.Options{MultiUser: true})
		if _, err := newClient(t, url).ListRuns(ctx, kfp.ListOptions{}); err == nil {
			t.Fatal("want an error")
		}
		if n := fake.Count(http.MethodGet, "/runs"); n != 1 {
			t.Errorf("GETs = %d, want 1", n)
		}
	})
	t.Run("refused connections are retried, then reported", func(t *testing.T) {
		url := closedURL(t)
		_, err := newClient(t, url).Health(ctx)
		var te *kfp.TransportError
		if !errors.As(err, &te) {
			t.Errorf("got %v, want a transport error", err)
		}
	})
}
