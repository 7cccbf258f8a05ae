package kfpfake

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

// call sends a request to the fake and returns the status and decoded body.
func call(t *testing.T, s *Server, method, path, contentType string, body []byte, header ...string) (int, map[string]any) {
	t.Helper()
	r := httptest.NewRequest(method, apiPrefix+path, bytes.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	var out map[string]any
	if w.Body.Len() > 0 {
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: answer is not JSON: %q", method, path, w.Body.String())
		}
	}
	return w.Code, out
}

func postJSON(t *testing.T, s *Server, path, body string, header ...string) (int, map[string]any) {
	t.Helper()
	return call(t, s, http.MethodPost, path, "application/json", []byte(body), header...)
}

func specJSON(t *testing.T, name string) string {
	t.Helper()
	y, err := os.ReadFile(filepath.Join("..", "..", "pkg", "kfp", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	j, err := yaml.YAMLToJSON(bytes.Split(y, []byte("\n---\n"))[0])
	if err != nil {
		t.Fatal(err)
	}
	return string(j)
}

func upload(t *testing.T, s *Server, path, filename string, content []byte) (int, map[string]any) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("uploadfile", filename)
	_, _ = fw.Write(content)
	_ = mw.Close()
	return call(t, s, http.MethodPost, path, mw.FormDataContentType(), buf.Bytes())
}

func TestStrictJSON(t *testing.T) {
	s := New(Options{})
	for _, tc := range []struct {
		name, body string
		status     int
		want       string
	}{
		{"unknown top-level field", `{"display_name":"e","colour":"red"}`, 400, `unknown field "colour"`},
		{"wrong type", `{"display_name":5}`, 400, "invalid value for string field"},
		{"not JSON", `display_name=e`, 400, "syntax error"},
		{"snake_case accepted", `{"display_name":"snake"}`, 200, ""},
		{"lowerCamelCase accepted, as by protojson", `{"displayName":"camel"}`, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out := postJSON(t, s, "/experiments", tc.body)
			if code != tc.status {
				t.Fatalf("status %d, want %d (%v)", code, tc.status, out)
			}
			if tc.want != "" {
				msg, _ := out["message"].(string)
				if out["code"] != float64(codeInvalidArgument) || !strings.Contains(msg, tc.want) {
					t.Errorf("answer %v, want code 3 and a message with %q", out, tc.want)
				}
			}
		})
	}
	// Unknown fields are rejected inside nested messages too.
	code, out := postJSON(t, s, "/runs", `{"display_name":"r","runtime_config":{"parameters":{},"extra":1},"pipeline_spec":`+specJSON(t, "two_step.yaml")+`}`)
	if code != 400 || !strings.Contains(out["message"].(string), `unknown field "extra"`) {
		t.Errorf("nested unknown field: %d %v", code, out)
	}
}

func TestAnswersUseSnakeCase(t *testing.T) {
	s := New(Options{})
	_, out := postJSON(t, s, "/experiments", `{"displayName":"e"}`)
	for _, k := range []string{"experiment_id", "display_name", "created_at", "storage_state"} {
		if _, ok := out[k]; !ok {
			t.Errorf("experiment answer %v lacks %s", out, k)
		}
	}
	if out["storage_state"] != "AVAILABLE" {
		t.Errorf("storage_state = %v, want the enum name", out["storage_state"])
	}
	code, run := postJSON(t, s, "/runs", `{"display_name":"r","pipeline_spec":`+specJSON(t, "two_step.yaml")+`}`)
	if code != 200 || run["run_id"] == nil || run["state_history"] == nil || run["experiment_id"] == nil {
		t.Errorf("run answer %d %v, want run_id, state_history and the default experiment", code, run)
	}
	code, h := call(t, s, http.MethodGet, "/healthz", "", nil)
	if code != 200 || h["multi_user"] != false || h["pipeline_store"] != "database" {
		t.Errorf("healthz %d %v", code, h)
	}
}

func TestUploads(t *testing.T) {
	s := New(Options{})
	spec, err := os.ReadFile(filepath.Join("..", "..", "pkg", "kfp", "testdata", "two_step_platform.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	code, p := upload(t, s, "/pipelines/upload?name=demo", "demo.yaml", spec)
	if code != 200 || p["pipeline_id"] == nil || p["name"] != "demo" {
		t.Fatalf("upload: %d %v", code, p)
	}
	code, dup := upload(t, s, "/pipelines/upload?name=demo", "demo.yaml", spec)
	if code != 409 || !strings.Contains(dup["error_message"].(string), "already exists") {
		t.Errorf("duplicate upload: %d %v, want 409 in the upload error shape", code, dup)
	}
	id := p["pipeline_id"].(string)
	code, v := upload(t, s, "/pipelines/upload_version?pipelineid="+id+"&name=v2", "v2.yaml", spec)
	if code != 200 || v["pipeline_version_id"] == nil || v["pipeline_spec"] == nil {
		t.Errorf("version upload: %d %v", code, v)
	}
	if code, _ := upload(t, s, "/pipelines/upload_version?pipelineid="+id+"&name=v2", "v2.yaml", spec); code != 409 {
		t.Errorf("duplicate version name: %d, want 409", code)
	}
	if code, out := upload(t, s, "/pipelines/upload_version?name=v3", "v3.yaml", spec); code != 400 || out["error_message"] == nil {
		t.Errorf("version without pipelineid: %d %v", code, out)
	}
	bad := bytes.Replace(spec, []byte("schemaVersion: 2.1.0"), []byte("schemaVersion: 2.0.0"), 1)
	code, out := upload(t, s, "/pipelines/upload?name=old", "old.yaml", bad)
	if code != 500 || !strings.Contains(out["error_message"].(string), "KFP only supports schema version 2.1.0") {
		t.Errorf("old schema: %d %v, want 500 as the real server answers", code, out)
	}
	code, out = call(t, s, http.MethodGet, "/pipelines/names/demo", "", nil)
	if code != 200 || out["pipeline_id"] != id {
		t.Errorf("by name: %d %v", code, out)
	}
	code, out = call(t, s, http.MethodGet, "/pipelines/names/nope", "", nil)
	if code != 404 || out["code"] != float64(codeNotFound) {
		t.Errorf("unknown name: %d %v", code, out)
	}
	code, out = call(t, s, http.MethodGet, "/pipelines/"+id+"/versions?sort_by=created_at%20desc&page_size=1", "", nil)
	if code != 200 || out["total_size"] != float64(2) || out["pipeline_versions"].([]any)[0].(map[string]any)["name"] != "v2" {
		t.Errorf("versions, newest first: %d %v", code, out)
	}
}

func TestRunValidation(t *testing.T) {
	spec := specJSON(t, "two_step.yaml")
	for _, tc := range []struct {
		name, body string
		multi      bool
		want       string
	}{
		{"no name", `{"pipeline_spec":` + spec + `}`, false, "run name is empty"},
		{"no pipeline", `{"display_name":"r"}`, false, "pipeline spec or a pipeline version"},
		{"undeclared parameter", `{"display_name":"r","pipeline_spec":` + spec + `,"runtime_config":{"parameters":{"zzz":1}}}`, false, "not required by pipeline: zzz"},
		{"schema version", `{"display_name":"r","pipeline_spec":` + strings.Replace(spec, `"2.1.0"`, `"2.0.0"`, 1) + `}`, false, "schema version 2.1.0"},
		{"unknown spec field", `{"display_name":"r","pipeline_spec":` + strings.Replace(spec, `"schemaVersion"`, `"bogus":1,"schemaVersion"`, 1) + `}`, false, `unknown field "bogus"`},
		{"unknown executor label", `{"display_name":"r","pipeline_spec":` + strings.Replace(spec, `"executorLabel":"exec-component2"`, `"executorLabel":"exec-nope"`, 1) + `}`, false, `executor(label="exec-nope") not found`},
		{"multi-user needs an experiment", `{"display_name":"r","pipeline_spec":` + spec + `}`, true, "Experiment id can not be empty in multi-user mode"},
		{"wrapper with a newer platform field", `{"display_name":"r","pipeline_spec":{"pipeline_spec":` + spec +
			`,"platform_spec":{"platforms":{"kubernetes":{"deploymentSpec":{"executors":{"exec-component1":{"securityContext":{"runAsUser":1}}}}}}}}}`,
			false, "failed to unmarshal kubernetes config"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Options{MultiUser: tc.multi})
			code, out := postJSON(t, s, "/runs", tc.body)
			msg, _ := out["message"].(string)
			if code != 400 || !strings.Contains(msg, tc.want) {
				t.Errorf("got %d %v, want 400 with %q", code, out, tc.want)
			}
			if len(s.RunIDs()) != 0 {
				t.Error("a rejected run was stored")
			}
		})
	}
}

func TestAuthAndNamespaces(t *testing.T) {
	s := New(Options{MultiUser: true, Token: "t1", Namespaces: []string{"team-a"}})
	if code, _ := postJSON(t, s, "/experiments", `{"display_name":"e","namespace":"team-a"}`); code != 401 {
		t.Errorf("no token: %d", code)
	}
	if code, out := postJSON(t, s, "/experiments", `{"display_name":"e","namespace":"team-a"}`, "Authorization", "Bearer nope"); code != 401 || out["code"] != float64(codeUnauthenticated) {
		t.Errorf("wrong token: %d %v", code, out)
	}
	if code, _ := postJSON(t, s, "/experiments", `{"display_name":"e","namespace":"team-a"}`, "Authorization", "Bearer t1"); code != 200 {
		t.Errorf("right token: %d", code)
	}
	if code, _ := postJSON(t, s, "/experiments", `{"display_name":"e","namespace":"team-b"}`, "Authorization", "Bearer t1"); code != 403 {
		t.Errorf("other namespace: %d, want 403", code)
	}
	if code, _ := postJSON(t, s, "/experiments", `{"display_name":"e"}`, "Authorization", "Bearer t1"); code != 400 {
		t.Errorf("no namespace in multi-user mode: %d, want 400", code)
	}
	s.SetToken("t2")
	if code, _ := postJSON(t, s, "/experiments", `{"display_name":"f","namespace":"team-a"}`, "Authorization", "Bearer t1"); code != 401 {
		t.Errorf("rotated away token: %d, want 401", code)
	}
}

func TestFaults(t *testing.T) {
	s := New(Options{})
	s.InjectFault(Fault{Method: http.MethodGet, Path: "/runs", Status: 500, Times: 2})
	for i, want := range []int{500, 500, 200} {
		if code, _ := call(t, s, http.MethodGet, "/runs", "", nil); code != want {
			t.Errorf("request %d: %d, want %d", i, code, want)
		}
	}
	if code, _ := call(t, s, http.MethodGet, "/experiments", "", nil); code != 200 {
		t.Errorf("other path affected: %d", code)
	}
	s.InjectFault(Fault{Path: "/experiments", Delay: 100 * time.Millisecond, Times: 1})
	start := time.Now()
	call(t, s, http.MethodGet, "/experiments", "", nil)
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("slow answer took %v, want at least 100ms", d)
	}
	if n := s.Count(http.MethodGet, "/runs"); n != 3 {
		t.Errorf("logged %d GET /runs, want 3", n)
	}
}

// clock is a manual clock for schedule tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// runState returns the run's state and its tasks as "name=STATE".
func runState(t *testing.T, s *Server, id string) (string, []string) {
	t.Helper()
	code, out := call(t, s, http.MethodGet, "/runs/"+id, "", nil)
	if code != 200 {
		t.Fatalf("get run: %d %v", code, out)
	}
	var tasks []string
	if d, ok := out["run_details"].(map[string]any); ok {
		for _, td := range d["task_details"].([]any) {
			m := td.(map[string]any)
			tasks = append(tasks, m["display_name"].(string)+"="+m["state"].(string))
		}
	}
	return out["state"].(string), tasks
}

func TestSchedule(t *testing.T) {
	spec := specJSON(t, "two_step.yaml")
	type step struct {
		after time.Duration
		state string
		tasks string
	}
	for _, tc := range []struct {
		name  string
		sched Schedule
		steps []step
	}{
		{"success, tasks in dependency order", Schedule{Pending: time.Second, Running: 4 * time.Second}, []step{
			{0, "PENDING", ""},
			{time.Second, "RUNNING", "component1=RUNNING"},
			{2 * time.Second, "RUNNING", "component1=SUCCEEDED component2=RUNNING"},
			{2 * time.Second, "SUCCEEDED", "component1=SUCCEEDED component2=SUCCEEDED"},
		}},
		{"the named task fails and the next never starts", Schedule{Running: 4 * time.Second, FailTask: "component1"}, []step{
			{0, "RUNNING", "component1=RUNNING"},
			{2 * time.Second, "FAILED", "component1=FAILED"},
			{time.Hour, "FAILED", "component1=FAILED"},
		}},
		{"Fail alone fails the last task", Schedule{Running: 2 * time.Second, Fail: true}, []step{
			{2 * time.Second, "FAILED", "component1=SUCCEEDED component2=FAILED"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			s := New(Options{Now: c.now, Schedule: tc.sched})
			_, out := postJSON(t, s, "/runs", `{"display_name":"r","pipeline_spec":`+spec+`}`)
			id := out["run_id"].(string)
			for i, st := range tc.steps {
				c.advance(st.after)
				state, tasks := runState(t, s, id)
				if state != st.state || strings.Join(tasks, " ") != st.tasks {
					t.Errorf("step %d: %s [%s], want %s [%s]", i, state, strings.Join(tasks, " "), st.state, st.tasks)
				}
			}
		})
	}

	t.Run("terminate cancels running tasks", func(t *testing.T) {
		c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		s := New(Options{Now: c.now, Schedule: Schedule{Running: 4 * time.Second, Canceling: time.Second}})
		_, out := postJSON(t, s, "/runs", `{"display_name":"r","pipeline_spec":`+spec+`}`)
		id := out["run_id"].(string)
		c.advance(time.Second)
		if code, _ := postJSON(t, s, "/runs/"+id+":terminate", ""); code != 200 {
			t.Fatalf("terminate: %d", code)
		}
		if state, tasks := runState(t, s, id); state != "CANCELING" || strings.Join(tasks, " ") != "component1=RUNNING" {
			t.Errorf("right after terminate: %s %v", state, tasks)
		}
		if code, _ := postJSON(t, s, "/runs/"+id+":terminate", ""); code != 400 {
			t.Errorf("terminating a canceling run: %d, want 400 as the real run store answers", code)
		}
		c.advance(time.Hour)
		if state, tasks := runState(t, s, id); state != "CANCELED" || strings.Join(tasks, " ") != "component1=CANCELED" {
			t.Errorf("later: %s %v", state, tasks)
		}
	})
}

func TestHTTPServerEndToEnd(t *testing.T) {
	s, url := Start(t, Options{})
	resp, err := http.Get(url + apiPrefix + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !bytes.Contains(b, []byte(`"multi_user":false`)) {
		t.Errorf("healthz over HTTP: %d %s", resp.StatusCode, b)
	}
	if n := s.Count(http.MethodGet, "/healthz"); n != 1 {
		t.Errorf("logged %d", n)
	}
}
