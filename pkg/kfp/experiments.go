package kfp

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Health calls GET /healthz; MultiUser tells whether experiments need a
// namespace.
func (c *Client) Health(ctx context.Context) (*Health, error) {
	var h Health
	if err := c.do(ctx, request{method: http.MethodGet, path: "/healthz", idempotent: true}, &h); err != nil {
		return nil, err
	}
	return &h, nil
}

// FindExperiment returns the experiment with this display name in namespace
// (empty in single-user KFP), or nil when there is none.
func (c *Client) FindExperiment(ctx context.Context, name, namespace string) (*Experiment, error) {
	q := url.Values{}
	q.Set("filter", nameFilter("display_name", name))
	q.Set("page_size", "100")
	if namespace != "" {
		q.Set("namespace", namespace)
	}
	for {
		var page struct {
			Experiments   []Experiment `json:"experiments"`
			NextPageToken string       `json:"next_page_token"`
		}
		if err := c.do(ctx, request{method: http.MethodGet, path: "/experiments", query: q, idempotent: true}, &page); err != nil {
			return nil, err
		}
		for i := range page.Experiments {
			if page.Experiments[i].DisplayName == name {
				return &page.Experiments[i], nil
			}
		}
		if page.NextPageToken == "" {
			return nil, nil
		}
		q.Set("page_token", page.NextPageToken)
	}
}

// CreateExperiment creates an experiment. KFP answers 409 when the name is
// taken (see IsConflict).
func (c *Client) CreateExperiment(ctx context.Context, name, description, namespace string) (*Experiment, error) {
	body, err := json.Marshal(createExperimentBody{DisplayName: name, Description: description, Namespace: namespace})
	if err != nil {
		return nil, err
	}
	var e Experiment
	if err := c.do(ctx, request{method: http.MethodPost, path: "/experiments", body: body}, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// EnsureExperiment returns the named experiment, creating it when missing;
// created says which happened.
func (c *Client) EnsureExperiment(ctx context.Context, name, namespace string) (exp *Experiment, created bool, err error) {
	if name == "" {
		return nil, false, fmt.Errorf("experiment name is empty")
	}
	if exp, err = c.FindExperiment(ctx, name, namespace); err != nil || exp != nil {
		return exp, false, err
	}
	exp, err = c.CreateExperiment(ctx, name, "", namespace)
	if IsConflict(err) {
		// Someone created it between our lookup and our create.
		exp, err = c.FindExperiment(ctx, name, namespace)
		if err == nil && exp == nil {
			err = fmt.Errorf("experiment %q: the server says it exists but does not list it", name)
		}
		return exp, false, err
	}
	return exp, err == nil, err
}

// nameFilter is KFP's JSON filter for key == value.
func nameFilter(key, value string) string {
	b, _ := json.Marshal(filter{Predicates: []predicate{{Key: key, Operation: "EQUALS", StringValue: value}}})
	return string(b)
}

func itoa(n int) string { return strconv.Itoa(n) }
