package kfp

import (
	"encoding/json"
	"time"
)

// The JSON shapes below follow backend/api/v2beta1/*.proto with proto field
// names (snake_case), which is what the API server answers with. Request
// structs carry only fields of those messages: the server parses requests
// with strict protojson and rejects anything else.

// Health is the answer of GET /apis/v2beta1/healthz.
type Health struct {
	CommitSHA     string `json:"commit_sha"`
	TagName       string `json:"tag_name"`
	MultiUser     bool   `json:"multi_user"`
	PipelineStore string `json:"pipeline_store,omitempty"`
}

// Experiment is a KFP experiment. Runs belong to one; in multi-user KFP the
// experiment's namespace is the run's namespace.
type Experiment struct {
	ID           string    `json:"experiment_id,omitempty"`
	DisplayName  string    `json:"display_name"`
	Description  string    `json:"description,omitempty"`
	Namespace    string    `json:"namespace,omitempty"`
	CreatedAt    time.Time `json:"created_at,omitzero"`
	StorageState string    `json:"storage_state,omitempty"`
}

// Pipeline is a pipeline registered in KFP (its versions hold the specs).
type Pipeline struct {
	ID          string    `json:"pipeline_id"`
	Name        string    `json:"name"`
	DisplayName string    `json:"display_name"`
	Description string    `json:"description"`
	Namespace   string    `json:"namespace"`
	CreatedAt   time.Time `json:"created_at,omitzero"`
}

// PipelineVersion is one uploaded spec of a pipeline.
type PipelineVersion struct {
	PipelineID  string    `json:"pipeline_id"`
	ID          string    `json:"pipeline_version_id"`
	Name        string    `json:"name"`
	DisplayName string    `json:"display_name"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at,omitzero"`
}

// State is a run or task state (RuntimeState in run.proto).
type State string

// Run and task states.
const (
	StateUnspecified State = "RUNTIME_STATE_UNSPECIFIED"
	StatePending     State = "PENDING"
	StateRunning     State = "RUNNING"
	StateSucceeded   State = "SUCCEEDED"
	StateSkipped     State = "SKIPPED"
	StateFailed      State = "FAILED"
	StateCanceling   State = "CANCELING"
	StateCanceled    State = "CANCELED"
	StatePaused      State = "PAUSED"
)

// Terminal reports whether a run in this state will not change any more.
func (s State) Terminal() bool {
	switch s {
	case StateSucceeded, StateSkipped, StateFailed, StateCanceled:
		return true
	}
	return false
}

// Status is a google.rpc.Status as KFP embeds it in runs and tasks.
type Status struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// Run is a KFP run as the API returns it.
type Run struct {
	ID                       string                    `json:"run_id"`
	ExperimentID             string                    `json:"experiment_id"`
	DisplayName              string                    `json:"display_name"`
	Description              string                    `json:"description"`
	StorageState             string                    `json:"storage_state"`
	PipelineVersionReference *PipelineVersionReference `json:"pipeline_version_reference,omitempty"`
	RuntimeConfig            *RuntimeConfig            `json:"runtime_config,omitempty"`
	ServiceAccount           string                    `json:"service_account"`
	CreatedAt                time.Time                 `json:"created_at,omitzero"`
	ScheduledAt              time.Time                 `json:"scheduled_at,omitzero"`
	FinishedAt               time.Time                 `json:"finished_at,omitzero"`
	State                    State                     `json:"state"`
	Error                    *Status                   `json:"error,omitempty"`
	RunDetails               *RunDetails               `json:"run_details,omitempty"`
	StateHistory             []RuntimeStatus           `json:"state_history,omitempty"`
}

// Tasks returns the run's task details, or nil before the run has any.
func (r *Run) Tasks() []TaskDetail {
	if r == nil || r.RunDetails == nil {
		return nil
	}
	return r.RunDetails.TaskDetails
}

// RuntimeStatus is one entry of a state history.
type RuntimeStatus struct {
	UpdateTime time.Time `json:"update_time,omitzero"`
	State      State     `json:"state"`
	Error      *Status   `json:"error,omitempty"`
}

// RunDetails holds the tasks of a run.
type RunDetails struct {
	TaskDetails []TaskDetail `json:"task_details"`
}

// TaskDetail is the state of one task (a step, a driver or a DAG) of a run.
type TaskDetail struct {
	TaskID       string          `json:"task_id"`
	DisplayName  string          `json:"display_name"`
	CreateTime   time.Time       `json:"create_time,omitzero"`
	StartTime    time.Time       `json:"start_time,omitzero"`
	EndTime      time.Time       `json:"end_time,omitzero"`
	State        State           `json:"state"`
	Error        *Status         `json:"error,omitempty"`
	ParentTaskID string          `json:"parent_task_id"`
	PodName      string          `json:"pod_name"`
	StateHistory []RuntimeStatus `json:"state_history,omitempty"`
}

// PipelineVersionReference points a run at an uploaded pipeline version.
type PipelineVersionReference struct {
	PipelineID        string `json:"pipeline_id"`
	PipelineVersionID string `json:"pipeline_version_id,omitempty"`
}

// RuntimeConfig holds the run's parameter values and pipeline root.
type RuntimeConfig struct {
	Parameters   map[string]any `json:"parameters,omitempty"`
	PipelineRoot string         `json:"pipeline_root,omitempty"`
}

// RunList is one page of runs.
type RunList struct {
	Runs          []Run  `json:"runs"`
	TotalSize     int    `json:"total_size"`
	NextPageToken string `json:"next_page_token"`
}

// createRunBody is the Run message as sent by CreateRun: exactly one of
// PipelineSpec and PipelineVersionReference is set.
type createRunBody struct {
	DisplayName              string                    `json:"display_name"`
	Description              string                    `json:"description,omitempty"`
	ExperimentID             string                    `json:"experiment_id,omitempty"`
	PipelineSpec             json.RawMessage           `json:"pipeline_spec,omitempty"`
	PipelineVersionReference *PipelineVersionReference `json:"pipeline_version_reference,omitempty"`
	RuntimeConfig            *RuntimeConfig            `json:"runtime_config,omitempty"`
	ServiceAccount           string                    `json:"service_account,omitempty"`
}

// createExperimentBody is the Experiment message as sent on creation.
type createExperimentBody struct {
	DisplayName string `json:"display_name"`
	Description string `json:"description,omitempty"`
	Namespace   string `json:"namespace,omitempty"`
}

// filter is KFP's list filter (filter.proto), sent URL-encoded as JSON.
type filter struct {
	Predicates []predicate `json:"predicates"`
}

type predicate struct {
	Key         string `json:"key"`
	Operation   string `json:"operation"`
	StringValue string `json:"string_value"`
}
