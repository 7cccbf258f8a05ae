package kfp_test

import (
	"context"
	"net/http"
	"strconv"
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
		// The server's text reaches a terminal: one line, no controls.
		for _, r := range err.Error() {
			if r < 0x20 || r >= 0x7f && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
				t.Fatalf("error %q holds %U", err, r)
			}
		}
	})
}

// FuzzRedactHidesThePassword: whatever surrounds it, a password in an
// endpoint appears neither in Redact's answer nor in the errors of
// NormalizeEndpoint and New.
func FuzzRedactHidesThePassword(f *testing.F) {
	for _, s := range [][3]string{
		{"http", "alice", "s3cret"}, {"https", "", "tok3n"}, {"ftp", "u", "pa55"},
		{"http", "a b", "p%zzw"}, {"http", "u", "p/w"},
	} {
		f.Add(s[0], s[1], s[2], "host:8888/x?y=1")
	}
	f.Fuzz(func(t *testing.T, scheme, user, pass, rest string) {
		// A password must be long enough to be told from other text, and
		// must be all of the userinfo's password: no '@' or '/' inside, and
		// not repeated in what follows, even as messages quote it.
		if len(pass) < 4 || strings.ContainsAny(pass, "@/?#\\") || strings.ContainsAny(user, "@/?#:\\") || strings.Contains(strconv.Quote(scheme+user+rest), pass) {
			return
		}
		raw := scheme + "://" + user + ":" + pass + "@" + rest
		if got := kfp.Redact(raw); strings.Contains(got, pass) {
			t.Fatalf("Redact(%q) = %q", raw, got)
		}
		if _, err := kfp.NormalizeEndpoint(raw); err != nil && strings.Contains(err.Error(), pass) {
			t.Fatalf("NormalizeEndpoint(%q): %v", raw, err)
		}
		if _, err := kfp.New(kfp.Config{Endpoint: raw}); err != nil && strings.Contains(err.Error(), pass) {
			t.Fatalf("New(%q): %v", raw, err)
		}
	})
}
