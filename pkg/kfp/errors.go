package kfp

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kubeflow-kale/kale/internal/termtext"
)

// APIError is a non-2xx answer of the KFP API, with the server's message.
type APIError struct {
	Method string
	Path   string
	// Status is the HTTP status code.
	Status int
	// Code is the gRPC status code when the server sent one.
	Code int
	// Message is the server's own message.
	Message string
	// RetryAfter is the server's Retry-After, if any.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	s := fmt.Sprintf("KFP API %s %s: %d %s: %s", e.Method, e.Path, e.Status, http.StatusText(e.Status), msg)
	switch e.Status {
	case http.StatusUnauthorized:
		s += " (check the KFP token: --kfp-token, " + EnvToken + " or the file at " + EnvTokenPath + ")"
	case http.StatusForbidden:
		s += " (the token's identity may not act in this namespace)"
	}
	return s
}

// RedirectError is a 3xx answer. The KFP API never redirects: the endpoint
// is wrong or something in front of it (a login page) answered. The
// redirect is not followed, so the token does not reach its target.
type RedirectError struct {
	Method, Path string
	Status       int
	// Location is the redirect's target, resolved and redacted; empty
	// when the server gave none.
	Location string
}

func (e *RedirectError) Error() string {
	to := "with no Location"
	if e.Location != "" {
		to = "to " + e.Location
	}
	return fmt.Sprintf("KFP API %s %s: %d %s: the server redirects %s, and the KFP API never redirects: check the endpoint (is it the API, not a login page or the UI?); the redirect was not followed",
		e.Method, e.Path, e.Status, http.StatusText(e.Status), to)
}

func newRedirectError(method string, reqURL *url.URL, resp *http.Response) *RedirectError {
	e := &RedirectError{Method: method, Path: reqURL.Path, Status: resp.StatusCode}
	if loc := resp.Header.Get("Location"); loc != "" {
		if u, err := reqURL.Parse(loc); err == nil {
			e.Location = termtext.Line(redactURL(u))
		} else {
			e.Location = termtext.Line(Redact(loc))
		}
	}
	return e
}

// TransportError is a request that got no HTTP answer (refused, reset,
// timed out).
type TransportError struct {
	Method, URL string
	Err         error
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("KFP API %s %s: %v", e.Method, e.URL, e.Err)
}

func (e *TransportError) Unwrap() error { return e.Err }

// IsNotFound reports whether err is a 404 from the API.
func IsNotFound(err error) bool { return hasStatus(err, http.StatusNotFound) }

// IsConflict reports whether err is a 409 from the API (the name exists).
func IsConflict(err error) bool { return hasStatus(err, http.StatusConflict) }

func hasStatus(err error, code int) bool {
	var api *APIError
	return errors.As(err, &api) && api.Status == code
}

// newAPIError reads the server's message from either error shape KFP uses:
// the gRPC gateway's {"code","message","details"} and the upload handler's
// {"error_message","error_details"}; anything else is shown as text.
func newAPIError(method, path string, resp *http.Response, body []byte) *APIError {
	e := &APIError{Method: method, Path: path, Status: resp.StatusCode, RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"))}
	var shape struct {
		Code         *int   `json:"code"`
		Message      string `json:"message"`
		Error        string `json:"error"`
		ErrorMessage string `json:"error_message"`
	}
	if json.Unmarshal(body, &shape) == nil {
		if shape.Code != nil {
			e.Code = *shape.Code
		}
		for _, m := range []string{shape.Message, shape.ErrorMessage, shape.Error} {
			if m != "" {
				e.Message = m
				break
			}
		}
		if e.Message != "" {
			e.Message = termtext.Line(e.Message)
			return e
		}
	}
	// The server's text may carry terminal escapes; it is shown as one line.
	e.Message = clip(termtext.Line(strings.TrimSpace(string(body))), 500)
	return e
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
