package kfpfake

import (
	"io"
	"net/http"
	"path"
	"strings"
	"time"

	apiv2 "github.com/kubeflow/pipelines/backend/api/v2beta1/go_client"
	"google.golang.org/protobuf/types/known/timestamppb"
)

type pipelineRec struct {
	p        *apiv2.Pipeline
	versions []*versionRec
}

type versionRec struct {
	v *apiv2.PipelineVersion
	t *template
}

// readUpload reads the "uploadfile" part as the upload handler does.
func readUpload(w http.ResponseWriter, r *http.Request) (data []byte, filename string, ok bool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	f, hdr, err := r.FormFile("uploadfile")
	if err != nil {
		writeUploadError(w, http.StatusBadRequest, "Failed to read pipeline from file: "+err.Error())
		return nil, "", false
	}
	defer f.Close()
	ext := strings.ToLower(path.Ext(hdr.Filename))
	if ext != ".yaml" && ext != ".yml" && ext != ".json" {
		writeUploadError(w, http.StatusBadRequest, "Failed to read a pipeline spec file: unexpected pipeline file format. Support .zip, .tar.gz, .json or YAML (the fake KFP server reads YAML and JSON only)")
		return nil, "", false
	}
	if data, err = io.ReadAll(f); err != nil {
		writeUploadError(w, http.StatusBadRequest, "Failed to read a pipeline spec file: "+err.Error())
		return nil, "", false
	}
	return data, hdr.Filename, true
}

func (s *Server) uploadPipeline(w http.ResponseWriter, r *http.Request) {
	data, filename, ok := readUpload(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	ns := q.Get("namespace")
	if !s.opts.MultiUser {
		ns = ""
	}
	if !s.authorize(w, ns) {
		return
	}
	name := firstNonEmpty(q.Get("name"), q.Get("display_name"), strings.TrimSuffix(filename, path.Ext(filename)))
	display := firstNonEmpty(q.Get("display_name"), name)
	t, err := parseTemplate(data)
	if err != nil {
		// The real server answers invalid specs on upload with 500.
		writeUploadError(w, http.StatusInternalServerError, "Failed to create a pipeline and a pipeline version: "+err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pipelineByName(name, ns) != nil {
		writeUploadError(w, http.StatusConflict, "Failed to create a pipeline and a pipeline version. The pipeline already exists.: AlreadyExistsError: Failed to create a new pipeline. The name "+name+" already exists. Please specify a new name")
		return
	}
	now := timestamppb.New(s.opts.Now())
	p := &apiv2.Pipeline{PipelineId: newUUID(), Name: name, DisplayName: display, Description: q.Get("description"), Namespace: ns, CreatedAt: now}
	v := &apiv2.PipelineVersion{PipelineId: p.PipelineId, PipelineVersionId: newUUID(), Name: name, DisplayName: display,
		Description: q.Get("description"), CreatedAt: now, PipelineSpec: t.specStruct}
	s.pipelines = append(s.pipelines, &pipelineRec{p: p, versions: []*versionRec{{v: v, t: t}}})
	answer(w, p)
}

func (s *Server) uploadPipelineVersion(w http.ResponseWriter, r *http.Request) {
	data, filename, ok := readUpload(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	id := q.Get("pipelineid")
	if id == "" {
		writeUploadError(w, http.StatusBadRequest, "Failed to create a pipeline version due to error reading pipeline id")
		return
	}
	s.mu.Lock()
	rec := s.pipeline(id)
	s.mu.Unlock()
	if rec == nil {
		writeUploadError(w, http.StatusInternalServerError, "Failed to create a pipeline version: NotFoundError: Pipeline "+id+" not found")
		return
	}
	if !s.authorize(w, rec.p.GetNamespace()) {
		return
	}
	name := firstNonEmpty(q.Get("name"), q.Get("display_name"), strings.TrimSuffix(filename, path.Ext(filename)))
	display := firstNonEmpty(q.Get("display_name"), name)
	t, err := parseTemplate(data)
	if err != nil {
		writeUploadError(w, http.StatusInternalServerError, "Failed to create a pipeline version: "+err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range rec.versions {
		if v.v.GetName() == name {
			writeUploadError(w, http.StatusConflict, "Failed to create a pipeline version. The pipeline already exists.: AlreadyExistsError: Failed to create a new pipeline version. The name "+name+" already exists. Please specify a new name")
			return
		}
	}
	v := &apiv2.PipelineVersion{PipelineId: id, PipelineVersionId: newUUID(), Name: name, DisplayName: display,
		Description: q.Get("description"), CreatedAt: timestamppb.New(s.opts.Now()), PipelineSpec: t.specStruct}
	rec.versions = append(rec.versions, &versionRec{v: v, t: t})
	answer(w, v)
}

// pipeline and pipelineByName look pipelines up; s.mu is held.
func (s *Server) pipeline(id string) *pipelineRec {
	for _, p := range s.pipelines {
		if p.p.GetPipelineId() == id {
			return p
		}
	}
	return nil
}

func (s *Server) pipelineByName(name, ns string) *pipelineRec {
	for _, p := range s.pipelines {
		if p.p.GetName() == name && p.p.GetNamespace() == ns {
			return p
		}
	}
	return nil
}

func (s *Server) getPipeline(w http.ResponseWriter, id string) {
	s.mu.Lock()
	rec := s.pipeline(id)
	s.mu.Unlock()
	if rec == nil {
		notFound(w, "Pipeline", id)
		return
	}
	if s.authorize(w, rec.p.GetNamespace()) {
		answer(w, rec.p)
	}
}

func (s *Server) getPipelineByName(w http.ResponseWriter, r *http.Request, name string) {
	ns := r.URL.Query().Get("namespace")
	if !s.opts.MultiUser {
		ns = ""
	}
	if !s.authorize(w, ns) {
		return
	}
	s.mu.Lock()
	rec := s.pipelineByName(name, ns)
	s.mu.Unlock()
	if rec == nil {
		notFound(w, "Pipeline", name)
		return
	}
	answer(w, rec.p)
}

func (s *Server) listPipelines(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ns := q.Get("namespace")
	if !s.authorize(w, ns) {
		return
	}
	match, err := parseFilter(q)
	if err != nil {
		invalid(w, "%v", err)
		return
	}
	s.mu.Lock()
	var all []*apiv2.Pipeline
	for _, p := range s.pipelines {
		if p.p.GetNamespace() == ns && match(map[string]string{"name": p.p.GetName(), "display_name": p.p.GetDisplayName(), "pipeline_id": p.p.GetPipelineId()}) {
			all = append(all, p.p)
		}
	}
	s.mu.Unlock()
	items, next, ok := sortedPage(w, q, all, func(p *apiv2.Pipeline) (time.Time, string) { return p.GetCreatedAt().AsTime(), p.GetName() })
	if !ok {
		return
	}
	answer(w, &apiv2.ListPipelinesResponse{Pipelines: items, TotalSize: int32(len(all)), NextPageToken: next})
}

func (s *Server) listPipelineVersions(w http.ResponseWriter, r *http.Request, id string) {
	q := r.URL.Query()
	s.mu.Lock()
	rec := s.pipeline(id)
	var all []*apiv2.PipelineVersion
	if rec != nil {
		for _, v := range rec.versions {
			all = append(all, v.v)
		}
	}
	s.mu.Unlock()
	if rec == nil {
		notFound(w, "Pipeline", id)
		return
	}
	if !s.authorize(w, rec.p.GetNamespace()) {
		return
	}
	items, next, ok := sortedPage(w, q, all, func(v *apiv2.PipelineVersion) (time.Time, string) { return v.GetCreatedAt().AsTime(), v.GetName() })
	if !ok {
		return
	}
	answer(w, &apiv2.ListPipelineVersionsResponse{PipelineVersions: items, TotalSize: int32(len(all)), NextPageToken: next})
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
