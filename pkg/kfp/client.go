package kfp

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kubeflow-kale/kale/pkg/version"
)

// DefaultTimeout bounds one HTTP request when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// APIPrefix is the path of the v2beta1 API under the endpoint.
const APIPrefix = "/apis/v2beta1"

// Config is a resolved client configuration (see Settings.Resolve).
type Config struct {
	// Endpoint is the API base URL, e.g. http://ml-pipeline.kubeflow:8888.
	Endpoint string
	// EndpointSource says where Endpoint came from (flag, env, in-cluster).
	EndpointSource string
	// UIEndpoint is the base URL for links; empty means Endpoint.
	UIEndpoint string
	// Token is a static bearer token.
	Token string
	// TokenFile is read on every request (the kubelet rotates projected
	// tokens); used when Token is empty.
	TokenFile string
	// CAFile is a PEM bundle trusted in addition to the system roots.
	CAFile string
	// Timeout bounds each request attempt; zero means DefaultTimeout.
	Timeout time.Duration
	// Retry governs retries of idempotent calls; zero means DefaultRetry.
	Retry Retry
	// Transport replaces the HTTP transport (tests); CAFile is then ignored.
	Transport http.RoundTripper
	Logger    *slog.Logger
	// Warn receives, at most once per Client, a warning for the user: the
	// bearer token is about to travel over plain http:// to a host that is
	// neither this machine nor a cluster service. Nil drops it. The CLI
	// prints it as "warning: MESSAGE" on stderr.
	Warn func(message string)
}

// Retry is a bounded, jittered exponential backoff.
type Retry struct {
	// Attempts is the total number of tries (1 means no retry).
	Attempts int
	// Base is the first delay, doubled after each attempt up to Max; each
	// delay is drawn uniformly from [delay/2, delay].
	Base, Max time.Duration
}

// DefaultRetry tries a call four times over about two seconds.
var DefaultRetry = Retry{Attempts: 4, Base: 250 * time.Millisecond, Max: 2 * time.Second}

// Client talks to one KFP API server. It is safe for concurrent use.
type Client struct {
	base      *url.URL
	ui        string
	token     string
	tokenFile string
	timeout   time.Duration
	retry     Retry
	http      *http.Client
	log       *slog.Logger
	userAgent string
	// exposed is set when a token sent to base travels in clear text
	// over a network (see clusterLocal).
	exposed  bool
	warn     func(string)
	warnOnce sync.Once
}

// New returns a client for cfg.
func New(cfg Config) (*Client, error) {
	ep, err := NormalizeEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("KFP endpoint: %w", err)
	}
	base, _ := url.Parse(ep)
	c := &Client{
		base:      base,
		ui:        Redact(ep),
		token:     cfg.Token,
		tokenFile: cfg.TokenFile,
		timeout:   cfg.Timeout,
		retry:     cfg.Retry,
		log:       cfg.Logger,
		userAgent: "kale/" + version.Get().Version,
		exposed:   base.Scheme == "http" && !clusterLocal(base.Hostname()),
		warn:      cfg.Warn,
	}
	if cfg.UIEndpoint != "" {
		if c.ui, err = NormalizeEndpoint(cfg.UIEndpoint); err != nil {
			return nil, fmt.Errorf("KFP UI endpoint: %w", err)
		}
		c.ui = Redact(c.ui)
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.retry.Attempts <= 0 {
		c.retry = DefaultRetry
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	rt := cfg.Transport
	if rt == nil {
		if rt, err = newTransport(cfg.CAFile); err != nil {
			return nil, err
		}
	}
	c.http = &http.Client{
		Transport: rt,
		// The KFP API answers in place; a redirect comes from something in
		// front of it (a login page, a wrong endpoint) and must not get the
		// token: once returns it as a *RedirectError.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c, nil
}

func newTransport(caFile string) (http.RoundTripper, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 10 * time.Second
	t.ResponseHeaderTimeout = DefaultTimeout
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("reading KFP CA bundle: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("KFP CA bundle %s: no PEM certificates found", caFile)
		}
		t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return t, nil
}

// Endpoint returns the API base URL for messages, credentials redacted.
func (c *Client) Endpoint() string { return redactURL(c.base) }

// RunURL returns the KFP UI link of a run (credentials redacted; the ID,
// which the server supplied, escaped).
func (c *Client) RunURL(runID string) string {
	return c.ui + "/#/runs/details/" + url.PathEscape(runID)
}

// PipelineURL returns the KFP UI link of a pipeline version.
func (c *Client) PipelineURL(pipelineID, versionID string) string {
	return c.ui + "/#/pipelines/details/" + url.PathEscape(pipelineID) + "/version/" + url.PathEscape(versionID)
}

// request describes one API call.
type request struct {
	method string
	// path is below APIPrefix, e.g. "/runs", with segments escaped.
	path  string
	query url.Values
	// body is sent as is with contentType (JSON when contentType is empty).
	body        []byte
	contentType string
	// idempotent calls are retried on transient failures.
	idempotent bool
}

// do performs req and decodes a 2xx JSON answer into out (when non-nil).
func (c *Client) do(ctx context.Context, req request, out any) error {
	u := *c.base
	// req.path is already escaped (segments go through url.PathEscape).
	u.RawPath = strings.TrimRight(c.base.EscapedPath(), "/") + APIPrefix + req.path
	var err error
	if u.Path, err = url.PathUnescape(u.RawPath); err != nil {
		return fmt.Errorf("KFP API %s %s: %w", req.method, req.path, err)
	}
	u.RawQuery = req.query.Encode()
	attempts := 1
	if req.idempotent {
		attempts = c.retry.Attempts
	}
	delay := c.retry.Base
	for attempt := 1; ; attempt++ {
		var data []byte
		data, err = c.once(ctx, req, u.String())
		if err == nil {
			if out == nil || len(bytes.TrimSpace(data)) == 0 {
				return nil
			}
			if jerr := json.Unmarshal(data, out); jerr != nil {
				return fmt.Errorf("KFP API %s %s: decoding answer: %w", req.method, u.Path, jerr)
			}
			return nil
		}
		if attempt >= attempts || !retryable(ctx, err) {
			return err
		}
		wait := delay/2 + rand.N(delay/2+1)
		if ra := retryAfter(err); ra > wait && ra <= c.retry.Max {
			wait = ra
		}
		c.log.Debug("retrying KFP request", "method", req.method, "path", u.Path, "attempt", attempt, "wait", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (gave up retrying: %w)", err, ctx.Err())
		case <-t.C:
		}
		delay = min(delay*2, c.retry.Max)
	}
}

// once performs one attempt and returns the body of a 2xx answer.
func (c *Client) once(ctx context.Context, req request, target string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, target, body)
	if err != nil {
		return nil, fmt.Errorf("KFP API %s %s: %w", req.method, Redact(target), unwrapURLError(err))
	}
	if req.body != nil {
		ct := req.contentType
		if ct == "" {
			ct = "application/json"
		}
		hr.Header.Set("Content-Type", ct)
	}
	hr.Header.Set("Accept", "application/json")
	hr.Header.Set("User-Agent", c.userAgent)
	tok, err := c.bearer()
	if err != nil {
		return nil, err
	}
	if tok != "" {
		hr.Header.Set("Authorization", "Bearer "+tok)
		if c.exposed && c.warn != nil {
			c.warnOnce.Do(func() {
				c.warn(fmt.Sprintf("the KFP token goes to %s over plain http://, which anyone on the network path can read: use https:// for a host that is not this machine or a cluster service", c.base.Host))
			})
		}
	}
	resp, err := c.http.Do(hr)
	if err != nil {
		return nil, &TransportError{Method: req.method, URL: Redact(target), Err: unwrapURLError(err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 3 {
		return nil, newRedirectError(req.method, hr.URL, resp)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, &TransportError{Method: req.method, URL: Redact(target), Err: fmt.Errorf("reading answer: %w", unwrapURLError(err))}
	}
	if resp.StatusCode/100 != 2 {
		return nil, newAPIError(req.method, hr.URL.Path, resp, data)
	}
	return data, nil
}

// maxAnswer bounds how much of an answer is read (runs with large specs are
// a few MB at most).
const maxAnswer = 64 << 20

// bearer returns the token for the next request, re-reading the token file.
func (c *Client) bearer() (string, error) {
	if c.token != "" {
		return c.token, nil
	}
	if c.tokenFile == "" {
		return "", nil
	}
	b, err := os.ReadFile(c.tokenFile)
	if err != nil {
		return "", fmt.Errorf("reading KFP token file (%s): %w", EnvTokenPath, err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", fmt.Errorf("KFP token file %s is empty", c.tokenFile)
	}
	return tok, nil
}

// retryable reports whether a failed idempotent call may be tried again.
func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var api *APIError
	if errors.As(err, &api) {
		switch api.Status {
		case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
			http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
		return false
	}
	var te *TransportError
	return errors.As(err, &te)
}

func retryAfter(err error) time.Duration {
	var api *APIError
	if errors.As(err, &api) && api.RetryAfter > 0 {
		return api.RetryAfter
	}
	return 0
}

func parseRetryAfter(v string) time.Duration {
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}

// unwrapURLError drops net/http's *url.Error wrapper, whose message holds
// the request URL with its user name (net/http masks only the password);
// callers name the redacted URL themselves.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
