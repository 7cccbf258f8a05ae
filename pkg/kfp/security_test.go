package kfp_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kubeflow-kale/kale/pkg/kfp"
)

// withCreds puts user information into a loopback server's URL.
func withCreds(serverURL, userinfo string) string {
	return strings.Replace(serverURL, "http://", "http://"+userinfo+"@", 1)
}

func TestCredentialsInTheEndpointNeverShow(t *testing.T) {
	ctx := context.Background()
	const secret = "s3cret-Pa55"
	var basic atomic.Value
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, _ := r.BasicAuth()
		basic.Store(u + ":" + p)
		http.Error(w, `{"code": 5, "message": "run not found"}`, http.StatusNotFound)
	}))
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	check := func(t *testing.T, what, s string) {
		t.Helper()
		if strings.Contains(s, secret) || strings.Contains(s, "alice") {
			t.Errorf("%s shows the credentials: %s", what, s)
		}
	}
	t.Run("an API error, the endpoint and the links", func(t *testing.T) {
		c := newClient(t, withCreds(srv, "alice:"+secret))
		_, err := c.GetRun(ctx, "r1")
		if err == nil {
			t.Fatal("GetRun succeeded")
		}
		check(t, "error", err.Error())
		check(t, "Endpoint", c.Endpoint())
		check(t, "RunURL", c.RunURL("r1"))
		check(t, "PipelineURL", c.PipelineURL("p", "v"))
		if !strings.Contains(c.RunURL("r1"), "xxxxx@127.0.0.1") {
			t.Errorf("RunURL = %s, want the credentials replaced by xxxxx", c.RunURL("r1"))
		}
		if got, _ := basic.Load().(string); got != "alice:"+secret {
			t.Errorf("the server got basic auth %q: the credentials must still be used", got)
		}
	})
	t.Run("a UI endpoint with credentials", func(t *testing.T) {
		c := newClient(t, srv, func(c *kfp.Config) { c.UIEndpoint = "https://alice:" + secret + "@ui.example.com" })
		check(t, "RunURL", c.RunURL("r1"))
	})
	t.Run("a transport error and the retry log", func(t *testing.T) {
		c := newClient(t, withCreds(closedURL(t), "alice:"+secret), func(c *kfp.Config) { c.Logger = logger })
		_, err := c.GetRun(ctx, "r1")
		var te *kfp.TransportError
		if !errors.As(err, &te) {
			t.Fatalf("err = %v, want a TransportError", err)
		}
		check(t, "error", err.Error())
		if !strings.Contains(logs.String(), "retrying") {
			t.Fatalf("no retry was logged: %s", logs.String())
		}
		check(t, "log", logs.String())
	})
	t.Run("a token as the user name", func(t *testing.T) {
		c := newClient(t, withCreds(closedURL(t), secret))
		_, err := c.Health(ctx)
		if err == nil {
			t.Fatal("Health succeeded")
		}
		check(t, "error", err.Error())
		check(t, "Endpoint", c.Endpoint())
	})
	for _, raw := range []string{
		"ftp://alice:" + secret + "@host",
		"http://alice:" + secret + "@host?x=1",
		"http://alice:" + secret + "@ho st:88",
		"http://alice:" + secret + "@",
	} {
		t.Run("invalid endpoint "+kfp.Redact(raw), func(t *testing.T) {
			_, err := kfp.New(kfp.Config{Endpoint: raw})
			if err == nil {
				t.Fatal("New accepted it")
			}
			check(t, "error", err.Error())
			_, err = kfp.Settings{Endpoint: raw}.Resolve(fakeEnv(nil))
			if err == nil {
				t.Fatal("Resolve accepted it")
			}
			check(t, "error", err.Error())
		})
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://ml-pipeline:8888", "http://ml-pipeline:8888"},
		{"http://alice:pw@host:8888/pipeline", "http://xxxxx@host:8888/pipeline"},
		{"https://TOKEN@host", "https://xxxxx@host"},
		{"https://host/path?token=abc", "https://host/path"},
		{"http://a:b@ho st/x?q=1", "http://xxxxx@ho st/x"},
		{"a:b@host:88", "xxxxx@host:88"},
	}
	for _, tt := range tests {
		if got := kfp.Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// dialTo sends every connection to addr, whatever host the URL names, so
// that a test reaches a loopback server through a remote-looking name.
func dialTo(addr string) http.RoundTripper {
	return &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
}

func TestTokenOverPlainHTTPWarnsOnce(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	tests := []struct {
		endpoint, token string
		warn            bool
	}{
		{"http://kfp.example.com:8888", "t", true},
		{"http://10.0.0.5:8888", "t", true},
		{"http://[fd00::1]:8888", "t", true},
		{"http://kubeflow.example.com./pipeline", "t", true},
		{"http://kfp.example.com:8888", "", false},
		{"https://kfp.example.com", "t", false},
		{"http://localhost:8888", "t", false},
		{"http://kfp.localhost:8888", "t", false},
		{"http://127.0.0.2:8888", "t", false},
		{"http://[::1]:8888", "t", false},
		{"http://ml-pipeline:8888", "t", false},
		{"http://ml-pipeline.kubeflow:8888", "t", false},
		{"http://ml-pipeline.kubeflow.svc:8888", "t", false},
		{"http://ml-pipeline.kubeflow.svc.cluster.local:8888", "t", false},
		{"http://ML-Pipeline.Kubeflow.SVC.cluster.local.:8888", "t", false},
	}
	for _, tt := range tests {
		t.Run(tt.endpoint+" token "+tt.token, func(t *testing.T) {
			var warnings []string
			c := newClient(t, tt.endpoint, func(c *kfp.Config) {
				c.Token = tt.token
				c.Transport = dialTo(srv.Listener.Addr().String())
				c.Warn = func(m string) { warnings = append(warnings, m) }
			})
			for range 3 {
				_, _ = c.ListRuns(context.Background(), kfp.ListOptions{})
			}
			switch {
			case tt.warn && len(warnings) != 1:
				t.Fatalf("warnings = %q, want exactly one", warnings)
			case !tt.warn && len(warnings) != 0:
				t.Fatalf("warnings = %q, want none", warnings)
			case tt.warn && !strings.Contains(warnings[0], "plain http://"):
				t.Errorf("warning = %q", warnings[0])
			}
		})
	}
}

func TestRedirectsAreNotFollowed(t *testing.T) {
	var reached atomic.Int32
	var auth atomic.Value
	target := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		auth.Store(r.Header.Get("Authorization"))
		w.Write([]byte(`{}`))
	}))
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			var asked atomic.Int32
			loc := withCreds(target, "bob:pw") + "/dex/auth?state=s3cret"
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				asked.Add(1)
				http.Redirect(w, r, loc, status)
			}))
			c := newClient(t, srv, func(c *kfp.Config) { c.Token = "the-token" })
			_, err := c.GetRun(context.Background(), "r1")
			var re *kfp.RedirectError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want a *RedirectError", err)
			}
			msg := err.Error()
			wantLoc := "to " + strings.Replace(target, "http://", "http://xxxxx@", 1) + "/dex/auth,"
			if !strings.Contains(msg, http.StatusText(status)) || !strings.Contains(msg, wantLoc) ||
				strings.Contains(msg, "s3cret") || strings.Contains(msg, "bob") {
				t.Errorf("err = %s\nwant the status and %q, redacted", msg, wantLoc)
			}
			if n := reached.Load(); n != 0 {
				t.Errorf("the redirect target got %d requests (Authorization %q), want none", n, auth.Load())
			}
			if n := asked.Load(); n != 1 {
				t.Errorf("the server was asked %d times, want once (a redirect is not retried)", n)
			}
		})
	}
	t.Run("a relative Location is resolved", func(t *testing.T) {
		srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Location", "/login")
			w.WriteHeader(http.StatusFound)
		}))
		_, err := newClient(t, srv).Health(context.Background())
		if err == nil || !strings.Contains(err.Error(), "to "+srv+"/login,") {
			t.Errorf("err = %v, want the resolved location %s/login", err, srv)
		}
	})
}

func TestServerTextIsSanitized(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"a JSON message", `{"code": 3, "message": "bad \u001b]0;pwned\u0007name\u001b[2J"}`, "bad name"},
		{"a text body", "oops\x1b[31m red\r\nline\u202e", "oops red  line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusBadRequest)
				w.Write([]byte(tt.body))
			}))
			_, err := newClient(t, srv).GetRun(context.Background(), "r1")
			api := apiStatus(t, err)
			if api.Message != tt.want || strings.ContainsAny(err.Error(), "\x1b\x07\r\u202e") {
				t.Errorf("message = %q, want %q; error %q", api.Message, tt.want, err)
			}
		})
	}
	t.Run("a redirect's Location", func(t *testing.T) {
		srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Location", "https://x.example/\x1b]0;t\x07")
			w.WriteHeader(http.StatusFound)
		}))
		_, err := newClient(t, srv).Health(context.Background())
		if err == nil || strings.ContainsAny(err.Error(), "\x1b\x07") {
			t.Errorf("err = %q", err)
		}
	})
}
