package kfpfake

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	apiv2 "github.com/kubeflow/pipelines/backend/api/v2beta1/go_client"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func (s *Server) createExperiment(w http.ResponseWriter, r *http.Request) {
	var e apiv2.Experiment
	if !decode(w, r, &e) {
		return
	}
	if e.GetDisplayName() == "" {
		invalid(w, "Experiment name is empty. Please specify a valid experiment name")
		return
	}
	if s.opts.MultiUser && e.GetNamespace() == "" {
		invalid(w, "In multi-user mode, experiment namespace cannot be empty")
		return
	}
	if !s.opts.MultiUser {
		e.Namespace = ""
	}
	if !s.authorize(w, e.GetNamespace()) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.experiments {
		if x.GetDisplayName() == e.GetDisplayName() && x.GetNamespace() == e.GetNamespace() {
			writeStatus(w, http.StatusConflict, codeAlreadyExists, fmt.Sprintf(
				"Failed to create a new experiment. The name %s already exists. Please specify a new name", e.GetDisplayName()))
			return
		}
	}
	e.ExperimentId = newUUID()
	e.CreatedAt = timestamppb.New(s.opts.Now())
	e.StorageState = apiv2.Experiment_AVAILABLE
	s.experiments = append(s.experiments, &e)
	answer(w, &e)
}

func (s *Server) getExperiment(w http.ResponseWriter, id string) {
	s.mu.Lock()
	e := s.experiment(id)
	s.mu.Unlock()
	if e == nil {
		notFound(w, "Experiment", id)
		return
	}
	if !s.authorize(w, e.GetNamespace()) {
		return
	}
	answer(w, e)
}

// experiment returns the experiment with this id; s.mu is held.
func (s *Server) experiment(id string) *apiv2.Experiment {
	for _, e := range s.experiments {
		if e.GetExperimentId() == id {
			return e
		}
	}
	return nil
}

func (s *Server) listExperiments(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ns := q.Get("namespace")
	if s.opts.MultiUser && ns == "" {
		invalid(w, "Invalid resource references for experiment. ListExperiment requires filtering by namespace")
		return
	}
	if !s.authorize(w, ns) {
		return
	}
	match, err := parseFilter(q)
	if err != nil {
		invalid(w, "%v", err)
		return
	}
	s.mu.Lock()
	var all []*apiv2.Experiment
	for _, e := range s.experiments {
		if e.GetNamespace() == ns && match(map[string]string{"display_name": e.GetDisplayName(), "experiment_id": e.GetExperimentId()}) {
			all = append(all, e)
		}
	}
	s.mu.Unlock()
	items, next, ok := sortedPage(w, q, all, func(e *apiv2.Experiment) (time.Time, string) {
		return e.GetCreatedAt().AsTime(), e.GetDisplayName()
	})
	if !ok {
		return
	}
	answer(w, &apiv2.ListExperimentsResponse{Experiments: items, TotalSize: int32(len(all)), NextPageToken: next})
}

// parseFilter reads the filter query parameter (URL-encoded JSON of the
// Filter message, parsed strictly) and returns a predicate over a resource's
// string fields. The fake supports EQUALS, NOT_EQUALS and IS_SUBSTRING on
// string values.
func parseFilter(q url.Values) (func(map[string]string) bool, error) {
	raw := q.Get("filter")
	if raw == "" {
		return func(map[string]string) bool { return true }, nil
	}
	var f apiv2.Filter
	if err := protojson.Unmarshal([]byte(raw), &f); err != nil {
		return nil, fmt.Errorf("failed to parse filter %q: %w", raw, err)
	}
	type pred struct {
		key, value string
		op         apiv2.Predicate_Operation
	}
	var preds []pred
	for _, p := range f.GetPredicates() {
		sv, ok := p.GetValue().(*apiv2.Predicate_StringValue)
		if !ok {
			return nil, fmt.Errorf("filter on %q: the fake KFP server supports string values only", p.GetKey())
		}
		switch p.GetOperation() {
		case apiv2.Predicate_EQUALS, apiv2.Predicate_NOT_EQUALS, apiv2.Predicate_IS_SUBSTRING:
		default:
			return nil, fmt.Errorf("filter on %q: operation %s is not supported by the fake KFP server", p.GetKey(), p.GetOperation())
		}
		preds = append(preds, pred{p.GetKey(), sv.StringValue, p.GetOperation()})
	}
	return func(fields map[string]string) bool {
		for _, p := range preds {
			v, ok := fields[p.key]
			if !ok {
				return false
			}
			switch p.op {
			case apiv2.Predicate_EQUALS:
				ok = v == p.value
			case apiv2.Predicate_NOT_EQUALS:
				ok = v != p.value
			case apiv2.Predicate_IS_SUBSTRING:
				ok = strings.Contains(v, p.value)
			}
			if !ok {
				return false
			}
		}
		return true
	}, nil
}

// sortBy sorts items by "created_at", "name" (or display_name), optionally
// followed by " desc"; empty keeps creation order.
func sortBy[T any](spec string, items []T, key func(T) (time.Time, string)) error {
	field, dir, _ := strings.Cut(strings.TrimSpace(spec), " ")
	desc := strings.EqualFold(strings.TrimSpace(dir), "desc")
	if desc {
		// Newest first among equal keys too.
		slices.Reverse(items)
	}
	var less func(a, b T) bool
	switch field {
	case "", "created_at":
		less = func(a, b T) bool { ta, _ := key(a); tb, _ := key(b); return ta.Before(tb) }
	case "name", "display_name":
		less = func(a, b T) bool { _, na := key(a); _, nb := key(b); return na < nb }
	default:
		return fmt.Errorf("invalid sorting field %q", field)
	}
	sort.SliceStable(items, func(i, j int) bool {
		if desc {
			return less(items[j], items[i])
		}
		return less(items[i], items[j])
	})
	return nil
}
