package kfp_test

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubeflow-kale/kale/pkg/kfp"
)

func fakeEnv(vars map[string]string, files ...string) kfp.Env {
	return kfp.Env{
		Getenv: func(k string) string { return vars[k] },
		Exists: func(p string) bool {
			for _, f := range files {
				if f == p {
					return true
				}
			}
			return false
		},
	}
}

func TestResolve(t *testing.T) {
	for _, tc := range []struct {
		name          string
		settings      kfp.Settings
		env           map[string]string
		files         []string
		wantEndpoint  string
		wantSource    string
		wantToken     string
		wantTokenFile string
		wantUI        string
		wantErr       string
	}{
		{
			name:         "flag wins over the environment",
			settings:     kfp.Settings{Endpoint: "http://flag:8888/"},
			env:          map[string]string{kfp.EnvEndpoint: "http://env:8888"},
			wantEndpoint: "http://flag:8888", wantSource: kfp.SourceFlag,
		},
		{
			name:         "environment when no flag",
			env:          map[string]string{kfp.EnvEndpoint: "http://env:8888", kfp.EnvUIEndpoint: "https://kf.example.com/pipeline/"},
			wantEndpoint: "http://env:8888", wantSource: kfp.SourceEnv, wantUI: "https://kf.example.com/pipeline",
		},
		{
			name:         "bare host gets https like the KFP SDK",
			settings:     kfp.Settings{Endpoint: "kfp.example.com:443"},
			wantEndpoint: "https://kfp.example.com:443", wantSource: kfp.SourceFlag,
		},
		{
			name:         "in cluster when the default token file exists",
			files:        []string{kfp.DefaultTokenPath},
			wantEndpoint: kfp.InClusterEndpoint, wantSource: kfp.SourceInCluster, wantTokenFile: kfp.DefaultTokenPath,
		},
		{
			name:         "in cluster with the token path from the environment",
			env:          map[string]string{kfp.EnvTokenPath: "/tok"},
			files:        []string{"/tok"},
			wantEndpoint: kfp.InClusterEndpoint, wantSource: kfp.SourceInCluster, wantTokenFile: "/tok",
		},
		{
			name:    "token path set but no file and no endpoint",
			env:     map[string]string{kfp.EnvTokenPath: "/tok"},
			wantErr: "no Kubeflow Pipelines endpoint",
		},
		{
			name:    "nothing at all says how to set an endpoint",
			wantErr: "--kfp-endpoint",
		},
		{
			name:         "token flag wins over everything",
			settings:     kfp.Settings{Endpoint: "http://x", Token: "flag"},
			env:          map[string]string{kfp.EnvToken: "env", kfp.EnvTokenPath: "/tok"},
			wantEndpoint: "http://x", wantSource: kfp.SourceFlag, wantToken: "flag",
		},
		{
			name:         "token file flag wins over the environment",
			settings:     kfp.Settings{Endpoint: "http://x", TokenFile: "/mine"},
			env:          map[string]string{kfp.EnvToken: "env"},
			wantEndpoint: "http://x", wantSource: kfp.SourceFlag, wantTokenFile: "/mine",
		},
		{
			name:         "KF_PIPELINES_TOKEN before the token file",
			env:          map[string]string{kfp.EnvEndpoint: "http://x", kfp.EnvToken: " env\n", kfp.EnvTokenPath: "/tok"},
			wantEndpoint: "http://x", wantSource: kfp.SourceEnv, wantToken: "env",
		},
		{
			name:         "explicit endpoint still uses the pod's token file",
			env:          map[string]string{kfp.EnvEndpoint: "http://x", kfp.EnvTokenPath: "/tok"},
			wantEndpoint: "http://x", wantSource: kfp.SourceEnv, wantTokenFile: "/tok",
		},
		{
			name:     "bad scheme",
			settings: kfp.Settings{Endpoint: "ftp://x"},
			wantErr:  "scheme must be http or https",
		},
		{
			name:     "query not allowed",
			settings: kfp.Settings{Endpoint: "http://x/?a=b"},
			wantErr:  "no query",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := tc.settings.Resolve(fakeEnv(tc.env, tc.files...))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Endpoint != tc.wantEndpoint || cfg.EndpointSource != tc.wantSource || cfg.Token != tc.wantToken ||
				cfg.TokenFile != tc.wantTokenFile || cfg.UIEndpoint != tc.wantUI {
				t.Errorf("got endpoint %q (%s) token %q file %q ui %q", cfg.Endpoint, cfg.EndpointSource, cfg.Token, cfg.TokenFile, cfg.UIEndpoint)
			}
		})
	}
	if _, err := (kfp.Settings{}).Resolve(fakeEnv(nil)); !errors.Is(err, kfp.ErrNoEndpoint) {
		t.Errorf("want ErrNoEndpoint, got %v", err)
	}
}

func TestLinksUseTheUIEndpoint(t *testing.T) {
	c, err := kfp.New(kfp.Config{Endpoint: "http://api:8888", UIEndpoint: "https://kf.example.com/pipeline/"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.RunURL("r1"), "https://kf.example.com/pipeline/#/runs/details/r1"; got != want {
		t.Errorf("RunURL = %q, want %q", got, want)
	}
	c, _ = kfp.New(kfp.Config{Endpoint: "http://api:8888"})
	if got, want := c.RunURL("r1"), "http://api:8888/#/runs/details/r1"; got != want {
		t.Errorf("RunURL = %q, want %q", got, want)
	}
}

func TestEndpointPathPrefixIsKept(t *testing.T) {
	var got string
	url := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.Path
		_, _ = w.Write([]byte(`{"multi_user":false}`))
	}))
	c, err := kfp.New(kfp.Config{Endpoint: url + "/pipeline/"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Health(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got != "/pipeline/apis/v2beta1/healthz" {
		t.Errorf("path = %q, want the prefix kept", got)
	}
}

func TestErrorShapes(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		status     int
		want       string
	}{
		{"gateway status", `{"code":3,"message":"Invalid input error: bad thing","details":[]}`, 400, "Invalid input error: bad thing"},
		{"upload handler", `{"error_message":"Failed to create a pipeline","error_details":"long"}`, 500, "Failed to create a pipeline"},
		{"plain text from a proxy", "upstream connect error", 503, "upstream connect error"},
		{"empty body", "", 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			c, _ := kfp.New(kfp.Config{Endpoint: url, Retry: kfp.Retry{Attempts: 1}})
			_, err := c.GetRun(context.Background(), "abc")
			api := apiStatus(t, err)
			if api.Status != tc.status || api.Message != tc.want || !strings.Contains(err.Error(), "GET /apis/v2beta1/runs/abc") {
				t.Errorf("got %q (status %d, message %q)", err, api.Status, api.Message)
			}
		})
	}
}

func TestCABundle(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"multi_user":true}`))
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	defer srv.Close()
	ctx := context.Background()

	plain, _ := kfp.New(kfp.Config{Endpoint: srv.URL, Retry: kfp.Retry{Attempts: 1}})
	if _, err := plain.Health(ctx); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("without the CA: %v, want a certificate error", err)
	}

	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pemCert(srv), 0o600); err != nil {
		t.Fatal(err)
	}
	trusted, err := kfp.New(kfp.Config{Endpoint: srv.URL, CAFile: ca})
	if err != nil {
		t.Fatal(err)
	}
	if h, err := trusted.Health(ctx); err != nil || !h.MultiUser {
		t.Fatalf("with the CA: %+v %v", h, err)
	}

	bad := filepath.Join(t.TempDir(), "bad.pem")
	_ = os.WriteFile(bad, []byte("not pem"), 0o600)
	if _, err := kfp.New(kfp.Config{Endpoint: srv.URL, CAFile: bad}); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("bad bundle: %v, want an error naming the file", err)
	}
}
