package kfp

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/kubeflow-kale/kale/pkg/contract"
)

// Environment variables the client honours (the names the KFP SDK and Kale
// use).
const (
	EnvEndpoint   = contract.EnvKFPEndpoint
	EnvUIEndpoint = contract.EnvKFPUIEndpoint
	EnvTokenPath  = contract.EnvKFPTokenPath
	EnvToken      = contract.EnvKFPToken
)

// DefaultTokenPath is where Kubeflow's access-ml-pipeline PodDefault (and
// the kale webhook) mount the projected service-account token for KFP.
const DefaultTokenPath = contract.KFPTokenPath

// InClusterEndpoint is the KFP API service inside a Kubeflow cluster.
const InClusterEndpoint = contract.KFPInClusterEndpoint

// ErrNoEndpoint is returned by Settings.Resolve when no endpoint is known.
var ErrNoEndpoint = errors.New("no Kubeflow Pipelines endpoint: pass --kfp-endpoint URL or set " +
	EnvEndpoint + " (inside a Kubeflow notebook, a KFP token at " + EnvTokenPath +
	" or " + DefaultTokenPath + " selects " + InClusterEndpoint + ")")

// Settings is what the user asked for on the command line; empty fields were
// not given. Resolve fills the rest from the environment.
type Settings struct {
	Endpoint  string
	Token     string
	TokenFile string
	CAFile    string
	// Timeout bounds each HTTP request; zero means DefaultTimeout.
	Timeout time.Duration
}

// Env is the process environment as Resolve sees it; tests replace it.
type Env struct {
	Getenv func(string) string
	// Exists reports whether a regular file exists at path.
	Exists func(path string) bool
}

// OSEnv is the real environment.
func OSEnv() Env {
	return Env{
		Getenv: os.Getenv,
		Exists: func(p string) bool {
			fi, err := os.Stat(p)
			return err == nil && fi.Mode().IsRegular()
		},
	}
}

// Endpoint sources, as reported in Config.EndpointSource.
const (
	SourceFlag      = "flag"
	SourceEnv       = EnvEndpoint
	SourceInCluster = "in-cluster"
)

// Resolve decides the endpoint and credentials:
//   - endpoint: the flag, then KF_PIPELINES_ENDPOINT, then the in-cluster
//     service when a KFP token file exists; otherwise ErrNoEndpoint. An
//     endpoint without a scheme gets https://, as the KFP SDK does.
//   - token: the flag's token, then the flag's token file, then
//     KF_PIPELINES_TOKEN, then the file named by KF_PIPELINES_SA_TOKEN_PATH,
//     then the default token path when it exists. Files are re-read on every
//     request.
func (s Settings) Resolve(env Env) (Config, error) {
	cfg := Config{
		Token:     s.Token,
		TokenFile: s.TokenFile,
		CAFile:    s.CAFile,
		Timeout:   s.Timeout,
	}
	tokenPath := env.Getenv(EnvTokenPath)
	if tokenPath == "" && env.Exists(DefaultTokenPath) {
		tokenPath = DefaultTokenPath
	}
	if cfg.Token == "" && cfg.TokenFile == "" {
		if t := strings.TrimSpace(env.Getenv(EnvToken)); t != "" {
			cfg.Token = t
		} else {
			cfg.TokenFile = tokenPath
		}
	}

	switch {
	case s.Endpoint != "":
		cfg.Endpoint, cfg.EndpointSource = s.Endpoint, SourceFlag
	case env.Getenv(EnvEndpoint) != "":
		cfg.Endpoint, cfg.EndpointSource = env.Getenv(EnvEndpoint), SourceEnv
	case tokenPath != "" && env.Exists(tokenPath):
		cfg.Endpoint, cfg.EndpointSource = InClusterEndpoint, SourceInCluster
	default:
		return Config{}, ErrNoEndpoint
	}
	ep, err := NormalizeEndpoint(cfg.Endpoint)
	if err != nil {
		return Config{}, fmt.Errorf("KFP endpoint from %s: %w", cfg.EndpointSource, err)
	}
	cfg.Endpoint = ep
	if ui := env.Getenv(EnvUIEndpoint); ui != "" {
		if cfg.UIEndpoint, err = NormalizeEndpoint(ui); err != nil {
			return Config{}, fmt.Errorf("%s: %w", EnvUIEndpoint, err)
		}
	}
	return cfg, nil
}

// NormalizeEndpoint checks a KFP endpoint and returns it without a trailing
// slash. A bare host[:port] gets https:// (as the KFP SDK does); a path is
// kept, for endpoints behind a prefix such as https://kubeflow.example.com/pipeline.
func NormalizeEndpoint(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("invalid URL %q: %w", Redact(raw), unwrapURLError(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("invalid URL %q: scheme must be http or https", Redact(raw))
	}
	if u.Host == "" {
		return "", fmt.Errorf("invalid URL %q: no host", Redact(raw))
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("invalid URL %q: no query or fragment allowed", Redact(raw))
	}
	return strings.TrimRight(u.String(), "/"), nil
}
