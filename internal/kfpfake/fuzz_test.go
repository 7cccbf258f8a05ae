package kfpfake

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzRequests: any body sent to the JSON endpoints gets a JSON answer,
// 200 or an error status with a message, and never a panic.
func FuzzRequests(f *testing.F) {
	spec := `{"pipelineInfo":{"name":"p"},"root":{"dag":{"tasks":{}}},"schemaVersion":"2.1.0"}`
	for _, s := range []string{`{"display_name":"e"}`, `{"display_name":"r","pipeline_spec":` + spec + `}`,
		`{"display_name":"r","pipeline_spec":{"pipeline_spec":` + spec + `,"platform_spec":{"platforms":{}}}}`,
		`{"bogus":1}`, `[]`, `null`, `{"display_name":"r","pipeline_spec":{"root":5}}`} {
		f.Add("/runs", s)
		f.Add("/experiments", s)
	}
	f.Fuzz(func(t *testing.T, path, body string) {
		if path != "/runs" && path != "/experiments" {
			path = "/runs"
		}
		s := New(Options{})
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodPost, apiPrefix+path, strings.NewReader(body)))
		var out map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
			t.Fatalf("%d answer is not JSON: %q", w.Code, w.Body.String())
		}
		if w.Code != 200 && out["message"] == nil {
			t.Fatalf("%d answer without a message: %v", w.Code, out)
		}
	})
}
