package kfp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
)

// RunSpec is what CreateRun submits.
type RunSpec struct {
	DisplayName  string
	Description  string
	ExperimentID string
	// PipelineSpec is the PipelineSpec as a JSON object (inline submission).
	PipelineSpec json.RawMessage
	// PlatformSpec is the PlatformSpec as a JSON object, or empty. It is
	// sent wrapped with the pipeline spec as
	// {"pipeline_spec": ..., "platform_spec": ...}, as the API expects.
	PlatformSpec json.RawMessage
	// Version runs an uploaded pipeline version instead of an inline spec.
	Version *PipelineVersionReference
	// Parameters are the root pipeline parameters (string, float64, bool...).
	Parameters     map[string]any
	PipelineRoot   string
	ServiceAccount string
}

// CreateRun submits a run. It is not retried: a retry after a lost answer
// could start the pipeline twice.
func (c *Client) CreateRun(ctx context.Context, s RunSpec) (*Run, error) {
	body := createRunBody{
		DisplayName:              s.DisplayName,
		Description:              s.Description,
		ExperimentID:             s.ExperimentID,
		ServiceAccount:           s.ServiceAccount,
		PipelineVersionReference: s.Version,
	}
	switch {
	case s.Version != nil && len(s.PipelineSpec) > 0:
		return nil, fmt.Errorf("run %q: give an inline pipeline spec or a pipeline version, not both", s.DisplayName)
	case s.Version == nil && len(s.PipelineSpec) == 0:
		return nil, fmt.Errorf("run %q: no pipeline spec", s.DisplayName)
	case len(s.PipelineSpec) > 0:
		spec, err := inlineSpec(s.PipelineSpec, s.PlatformSpec)
		if err != nil {
			return nil, fmt.Errorf("run %q: %w", s.DisplayName, err)
		}
		body.PipelineSpec = spec
	}
	if len(s.Parameters) > 0 || s.PipelineRoot != "" {
		body.RuntimeConfig = &RuntimeConfig{Parameters: s.Parameters, PipelineRoot: s.PipelineRoot}
	}
	data, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("run %q: %w", s.DisplayName, err)
	}
	var r Run
	if err := c.do(ctx, request{method: http.MethodPost, path: "/runs", body: data}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// inlineSpec is the run's pipeline_spec: the PipelineSpec itself, or the
// {"pipeline_spec", "platform_spec"} wrapper when there is a platform spec.
func inlineSpec(spec, platform json.RawMessage) (json.RawMessage, error) {
	if !isObject(spec) {
		return nil, fmt.Errorf("pipeline spec is not a JSON object")
	}
	if len(bytes.TrimSpace(platform)) == 0 || bytes.Equal(bytes.TrimSpace(platform), []byte("null")) {
		return spec, nil
	}
	if !isObject(platform) {
		return nil, fmt.Errorf("platform spec is not a JSON object")
	}
	return json.Marshal(struct {
		PipelineSpec json.RawMessage `json:"pipeline_spec"`
		PlatformSpec json.RawMessage `json:"platform_spec"`
	}{spec, platform})
}

func isObject(b json.RawMessage) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(b, &m) == nil && m != nil
}

// GetRun returns a run with its task details.
func (c *Client) GetRun(ctx context.Context, id string) (*Run, error) {
	var r Run
	if err := c.do(ctx, request{method: http.MethodGet, path: "/runs/" + url.PathEscape(id), idempotent: true}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// ListOptions selects a page of runs.
type ListOptions struct {
	// Namespace is required by multi-user KFP unless ExperimentID is set.
	Namespace    string
	ExperimentID string
	PageSize     int
	PageToken    string
	// SortBy is e.g. "created_at desc".
	SortBy string
}

// ListRuns returns one page of runs.
func (c *Client) ListRuns(ctx context.Context, o ListOptions) (*RunList, error) {
	q := url.Values{}
	if o.Namespace != "" {
		q.Set("namespace", o.Namespace)
	}
	if o.ExperimentID != "" {
		q.Set("experiment_id", o.ExperimentID)
	}
	if o.PageSize > 0 {
		q.Set("page_size", itoa(o.PageSize))
	}
	if o.PageToken != "" {
		q.Set("page_token", o.PageToken)
	}
	if o.SortBy != "" {
		q.Set("sort_by", o.SortBy)
	}
	var l RunList
	if err := c.do(ctx, request{method: http.MethodGet, path: "/runs", query: q, idempotent: true}, &l); err != nil {
		return nil, err
	}
	return &l, nil
}

// TerminateRun asks KFP to stop a run. Terminating twice is harmless, so
// the call is retried like a GET.
func (c *Client) TerminateRun(ctx context.Context, id string) error {
	return c.do(ctx, request{method: http.MethodPost, path: "/runs/" + url.PathEscape(id) + ":terminate", idempotent: true}, nil)
}
