package kfp

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
)

// Upload is a pipeline package to upload: the compiled IR as YAML (the
// pipeline spec document, then the platform spec document when there is one).
type Upload struct {
	// Name is the pipeline's name and display name (for a version: the
	// version's name).
	Name        string
	Description string
	// Namespace is the pipeline's namespace in multi-user KFP; empty means
	// shared. Ignored for versions.
	Namespace string
	// Spec is the YAML package.
	Spec []byte
}

// FindPipeline returns the pipeline with this name in namespace, or nil.
func (c *Client) FindPipeline(ctx context.Context, name, namespace string) (*Pipeline, error) {
	q := url.Values{}
	if namespace != "" {
		q.Set("namespace", namespace)
	}
	var p Pipeline
	err := c.do(ctx, request{method: http.MethodGet, path: "/pipelines/names/" + url.PathEscape(name), query: q, idempotent: true}, &p)
	if IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// UploadPipeline creates a pipeline and its first version from u. KFP
// answers 409 when the name exists (see IsConflict).
func (c *Client) UploadPipeline(ctx context.Context, u Upload) (*Pipeline, error) {
	q := url.Values{}
	q.Set("name", u.Name)
	q.Set("display_name", u.Name)
	if u.Description != "" {
		q.Set("description", u.Description)
	}
	if u.Namespace != "" {
		q.Set("namespace", u.Namespace)
	}
	body, ct, err := multipartFile(u.Name+".yaml", u.Spec)
	if err != nil {
		return nil, err
	}
	var p Pipeline
	if err := c.do(ctx, request{method: http.MethodPost, path: "/pipelines/upload", query: q, body: body, contentType: ct}, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// UploadPipelineVersion adds a version named u.Name to a pipeline.
func (c *Client) UploadPipelineVersion(ctx context.Context, pipelineID string, u Upload) (*PipelineVersion, error) {
	q := url.Values{}
	q.Set("pipelineid", pipelineID)
	q.Set("name", u.Name)
	q.Set("display_name", u.Name)
	if u.Description != "" {
		q.Set("description", u.Description)
	}
	body, ct, err := multipartFile(u.Name+".yaml", u.Spec)
	if err != nil {
		return nil, err
	}
	var v PipelineVersion
	if err := c.do(ctx, request{method: http.MethodPost, path: "/pipelines/upload_version", query: q, body: body, contentType: ct}, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// LatestPipelineVersion returns the newest version of a pipeline.
func (c *Client) LatestPipelineVersion(ctx context.Context, pipelineID string) (*PipelineVersion, error) {
	q := url.Values{}
	q.Set("page_size", "1")
	q.Set("sort_by", "created_at desc")
	var page struct {
		Versions []PipelineVersion `json:"pipeline_versions"`
	}
	if err := c.do(ctx, request{method: http.MethodGet, path: "/pipelines/" + url.PathEscape(pipelineID) + "/versions", query: q, idempotent: true}, &page); err != nil {
		return nil, err
	}
	if len(page.Versions) == 0 {
		return nil, fmt.Errorf("pipeline %s has no versions", pipelineID)
	}
	return &page.Versions[0], nil
}

// Publish uploads u as a new pipeline, or as a new version of the pipeline
// of that name when it exists (the version gets the name plus a random
// suffix, as Kale does). It returns the pipeline and the version to run.
func (c *Client) Publish(ctx context.Context, u Upload) (*Pipeline, *PipelineVersion, error) {
	p, err := c.FindPipeline(ctx, u.Name, u.Namespace)
	if err != nil {
		return nil, nil, err
	}
	if p == nil {
		p, err = c.UploadPipeline(ctx, u)
		switch {
		case err == nil:
			v, err := c.LatestPipelineVersion(ctx, p.ID)
			return p, v, err
		case !IsConflict(err):
			return nil, nil, err
		}
		// Created meanwhile by someone else: add a version to it.
		if p, err = c.FindPipeline(ctx, u.Name, u.Namespace); err != nil {
			return nil, nil, err
		}
		if p == nil {
			return nil, nil, fmt.Errorf("pipeline %q: upload says it exists but it cannot be found", u.Name)
		}
	}
	vu := u
	vu.Name = u.Name + "-" + randSuffix()
	v, err := c.UploadPipelineVersion(ctx, p.ID, vu)
	if err != nil {
		return nil, nil, err
	}
	return p, v, nil
}

// multipartFile builds the form KFP's upload handler reads: one file part
// named "uploadfile".
func multipartFile(filename string, content []byte) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	part, err := w.CreateFormFile("uploadfile", filename)
	if err != nil {
		return nil, "", err
	}
	if _, err := part.Write(content); err != nil {
		return nil, "", err
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

// randSuffix returns five random characters from [a-z0-9].
func randSuffix() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
