package kfp_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kubeflow-kale/kale/pkg/kfp"
)

// FuzzNormalizeEndpoint: never panics; what it accepts is an http(s) URL
// that normalizes to itself.
func FuzzNormalizeEndpoint(f *testing.F) {
	for _, s := range []string{"http://a:8888", "kfp.example.com", "https://x/pipeline/", "ftp://x", "http://", "http://[::1]:80/a?b", " h ", "%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := kfp.NormalizeEndpoint(raw)
		if err != nil {
			return
		}
		if !strings.HasPrefix(got, "http://") && !strings.HasPrefix(got, "https://") {
			t.Fatalf("%q -> %q: not http(s)", raw, got)
		}
		again, err := kfp.NormalizeEndpoint(got)
		if err != nil || again != got {
			t.Fatalf("%q -> %q -> %q, %v: not stable", raw, got, again, err)
		}
	})
}

// FuzzErrorAnswer: whatever a server answers with a failing status, the
// client returns an APIError carrying that status, without panicking.
func FuzzErrorAnswer(f *testing.F) {
	for _, s := range []string{`{"code":3,"message":"m"}`, `{"error_message":"e"}`, `{"code":"x"}`, "plain", "", `{"message":5}`, "\xff\xfe"} {
		f.Add(s, 400)
	}
	f.Fuzz(func(t *testing.T, body string, status int) {
		if status < 400 || status > 599 {
			status = 400 + (status%200+200)%200
		}
		url := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}))
		c, err := kfp.New(kfp.Config{Endpoint: url, Retry: kfp.Retry{Attempts: 1}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.GetRun(context.Background(), "x")
		if api := apiStatus(t, err); api.Status != status {
			t.Fatalf("status %d, want %d", api.Status, status)
		}
	})
}
