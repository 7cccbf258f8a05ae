package webhook

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubeflow-kale/kale/pkg/inject"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func testConfig() *inject.Config {
	c := inject.DefaultConfig()
	c.Version = "v0.1.0"
	c.Image = "ghcr.io/kubeflow-kale/kale:v0.1.0"
	return c
}

// answer is what the golden files hold: the HTTP status and the decoded
// AdmissionReview response with its patch spelled out.
type answer struct {
	HTTPStatus int               `json:"httpStatus"`
	APIVersion string            `json:"apiVersion,omitempty"`
	UID        string            `json:"uid,omitempty"`
	Allowed    bool              `json:"allowed"`
	Code       int32             `json:"code,omitempty"`
	Message    string            `json:"message,omitempty"`
	Warnings   []string          `json:"warnings,omitempty"`
	Patch      []json.RawMessage `json:"patch,omitempty"`
}

// post sends body (nil: no body at all) with contentType ("": none) to h.
func post(h http.Handler, body []byte, contentType string) *httptest.ResponseRecorder {
	var req *http.Request
	if body == nil {
		req = httptest.NewRequest(http.MethodPost, Path, nil)
	} else {
		req = httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(body))
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func serve(t testing.TB, h http.Handler, body []byte) (answer, []byte) {
	t.Helper()
	rec := post(h, body, "application/json")
	var review admissionv1.AdmissionReview
	if err := json.Unmarshal(rec.Body.Bytes(), &review); err != nil || review.Response == nil {
		t.Fatalf("response is not an AdmissionReview (%v): %s", err, rec.Body.String())
	}
	r := review.Response
	a := answer{HTTPStatus: rec.Code, APIVersion: review.APIVersion, UID: string(r.UID), Allowed: r.Allowed, Warnings: r.Warnings}
	if r.Result != nil {
		a.Code, a.Message = r.Result.Code, r.Result.Message
	}
	if len(r.Patch) > 0 {
		if r.PatchType == nil || *r.PatchType != admissionv1.PatchTypeJSONPatch {
			t.Fatalf("patch type %v, want JSONPatch", r.PatchType)
		}
		if err := json.Unmarshal(r.Patch, &a.Patch); err != nil {
			t.Fatalf("patch is not a JSON array: %v", err)
		}
	}
	return a, r.Patch
}

// TestAdmissionGolden runs every AdmissionReview (and raw body) in
// testdata/admission through the HTTP handler and compares the answer with
// its .golden file. Run with -update to rewrite them.
func TestAdmissionGolden(t *testing.T) {
	inputs, _ := filepath.Glob("testdata/admission/*.json")
	bodies, _ := filepath.Glob("testdata/admission/*.body")
	inputs = append(inputs, bodies...)
	if len(inputs) < 10 {
		t.Fatalf("only %d inputs in testdata/admission", len(inputs))
	}
	h := NewHandler(testConfig(), nil, nil).Webhook()
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), filepath.Ext(in))
		t.Run(name, func(t *testing.T) {
			body, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := serve(t, h, body)
			out, _ := json.MarshalIndent(got, "", "  ")
			out = append(out, '\n')
			golden := strings.TrimSuffix(in, filepath.Ext(in)) + ".golden"
			if *update {
				if err := os.WriteFile(golden, out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(out, want) {
				t.Errorf("answer differs from %s (go test -update rewrites it):\n got: %s\nwant: %s", golden, out, want)
			}
		})
	}
}

// TestAdmissionBehaviour states, independently of the golden files, what
// each request must get.
func TestAdmissionBehaviour(t *testing.T) {
	tests := []struct {
		file     string
		code     int32 // the response's status code; 0 means 200
		patched  bool
		warnings string // substring of the joined warnings
		message  string // substring of the error message
	}{
		{file: "notebook-pod.json", patched: true},
		{file: "notebook-pod-dry-run.json", patched: true},
		{file: "notebook-pod-v1beta1.json", patched: true},
		{file: "pod-without-namespace.json", patched: true},
		{file: "sidecar-before-notebook-container.json", patched: true},
		{file: "poddefault-already-mounted-token.json", patched: true},
		{file: "conflicts-keep-the-pods-values.json", patched: true, warnings: "env KF_PIPELINES_ENDPOINT has the pod's own value"},
		{file: "pod-without-notebook-name.json"},
		{file: "opt-out-annotation.json"},
		{file: "update-is-ignored.json"},
		{file: "not-a-pod.json"},
		{file: "excluded-namespace.json"},
		{file: "undecodable-pod.json", warnings: "kale: cannot read the pod"},
		{file: "not-json.body", code: 400, message: "couldn't get version/kind"},
		{file: "no-request.body", code: 400, message: "cannot unmarshal number"},
	}
	h := NewHandler(testConfig(), nil, nil).Webhook()
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata/admission", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			got, patch := serve(t, h, body)
			if tt.code == 0 {
				tt.code = http.StatusOK
			}
			if got.Code != tt.code {
				t.Errorf("response code %d, want %d", got.Code, tt.code)
			}
			if tt.code == http.StatusOK && !got.Allowed {
				t.Error("denied: the webhook must never deny a pod")
			}
			if (len(patch) > 0) != tt.patched {
				t.Errorf("patched = %v, want %v", len(patch) > 0, tt.patched)
			}
			if w := strings.Join(got.Warnings, "\n"); !strings.Contains(w, tt.warnings) || tt.warnings == "" && w != "" {
				t.Errorf("warnings %q, want %q", w, tt.warnings)
			}
			if !strings.Contains(got.Message, tt.message) {
				t.Errorf("message %q, want it to contain %q", got.Message, tt.message)
			}
			if !tt.patched {
				return
			}
			// The patch applies to the raw object the API server holds, and
			// what comes out is fully injected: a reinvocation changes nothing.
			var review admissionv1.AdmissionReview
			if err := json.Unmarshal(body, &review); err != nil {
				t.Fatal(err)
			}
			p, err := jsonpatch.DecodePatch(patch)
			if err != nil {
				t.Fatal(err)
			}
			patched, err := p.Apply(review.Request.Object.Raw)
			if err != nil {
				t.Fatalf("patch does not apply to the request's object: %v", err)
			}
			var pod corev1.Pod
			if err := json.Unmarshal(patched, &pod); err != nil {
				t.Fatal(err)
			}
			if pod.Namespace == "" {
				pod.Namespace = review.Request.Namespace
			}
			if res := inject.Mutate(&pod, testConfig()); res.SkipReason != inject.SkipAlreadyInjected {
				t.Errorf("after the patch Mutate says %q, want %q", res.SkipReason, inject.SkipAlreadyInjected)
			}
			if pod.Annotations[inject.AnnotationInjected] != "v0.1.0" {
				t.Errorf("injected annotation = %q", pod.Annotations[inject.AnnotationInjected])
			}
		})
	}
}

func TestDryRunGetsTheSameAnswer(t *testing.T) {
	h := NewHandler(testConfig(), nil, nil).Webhook()
	real, _ := os.ReadFile("testdata/admission/notebook-pod.json")
	dry, _ := os.ReadFile("testdata/admission/notebook-pod-dry-run.json")
	a, pa := serve(t, h, real)
	b, pb := serve(t, h, dry)
	if !bytes.Equal(pa, pb) || a.Allowed != b.Allowed || len(a.Warnings) != len(b.Warnings) {
		t.Errorf("dry-run answer differs:\n real: %s\n  dry: %s", pa, pb)
	}
}

func TestMetricsCountOutcomes(t *testing.T) {
	m := NewMetrics()
	h := NewHandler(testConfig(), m, nil).Webhook()
	for _, f := range []string{"notebook-pod.json", "notebook-pod.json", "opt-out-annotation.json", "pod-without-notebook-name.json", "undecodable-pod.json"} {
		body, _ := os.ReadFile(filepath.Join("testdata/admission", f))
		serve(t, h, body)
	}
	for _, c := range []struct {
		outcome, reason string
		want            float64
	}{
		{OutcomeInjected, "", 2},
		{OutcomeSkipped, inject.SkipOptOut, 1},
		{OutcomeSkipped, inject.SkipNotNotebook, 1},
		{OutcomeError, "decode", 1},
	} {
		if got := counterValue(t, m.requests.WithLabelValues(c.outcome, c.reason)); got != c.want {
			t.Errorf("requests{outcome=%q,reason=%q} = %v, want %v", c.outcome, c.reason, got, c.want)
		}
	}
	if n := seriesCount(m.duration); n != 3 {
		t.Errorf("latency histogram has %d series, want 3 (one per outcome)", n)
	}
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

func seriesCount(c prometheus.Collector) int {
	ch := make(chan prometheus.Metric, 100)
	c.Collect(ch)
	close(ch)
	return len(ch)
}

// FuzzAdmissionReview sends arbitrary bodies: the handler never panics,
// always answers with an AdmissionReview, and never denies a request it
// could decode.
func FuzzAdmissionReview(f *testing.F) {
	inputs, _ := filepath.Glob("testdata/admission/*.json")
	for _, in := range inputs {
		b, _ := os.ReadFile(in)
		f.Add(b)
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"kind":{"kind":"Pod"},"operation":"CREATE","object":null}}`))
	h := NewHandler(testConfig(), nil, nil).Webhook()
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := post(h, body, "application/json")
		var review admissionv1.AdmissionReview
		if err := json.Unmarshal(rec.Body.Bytes(), &review); err != nil || review.Response == nil {
			t.Fatalf("not an AdmissionReview: %s", rec.Body.String())
		}
		if r := review.Response; !r.Allowed && (r.Result == nil || r.Result.Code != http.StatusBadRequest) {
			t.Fatalf("denied: %+v", review.Response.Result)
		}
	})
}

func BenchmarkHandler(b *testing.B) {
	body, err := os.ReadFile("testdata/admission/notebook-pod.json")
	if err != nil {
		b.Fatal(err)
	}
	h := NewHandler(testConfig(), NewMetrics(), nil).Webhook()
	b.ReportAllocs()
	for b.Loop() {
		post(h, body, "application/json")
	}
}
