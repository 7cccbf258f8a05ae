// Package pipeline turns a parsed Kale notebook into the pipeline model: the
// steps, the prev: edges between them, the variables that flow along those
// edges, the typed pipeline parameters each step reads and the metrics the
// pipeline reports. It implements Kale's build algorithm (cell merging,
// parameters, metrics, dependency analysis) with the deliberate differences
// listed in docs/kale-compatibility.md. The model is what every back end consumes: the KFP
// IR compiler, graph printers and the local runner.
package pipeline

import (
	"slices"

	"github.com/kubeflow-kale/kale/pkg/diag"
)

// ParamType is the Python type of a pipeline parameter.
type ParamType string

// The parameter types Kale supports.
const (
	Int   ParamType = "int"
	Float ParamType = "float"
	Str   ParamType = "str"
	Bool  ParamType = "bool"
)

// Parameter is a typed pipeline parameter with its default.
type Parameter struct {
	Name string
	Type ParamType
	// Default holds int64, float64, string or bool, matching Type.
	Default any
}

// CodeKind says where a block of step code came from.
type CodeKind string

// Code kinds, in the order blocks appear in a step.
const (
	CodeImports   CodeKind = "imports"
	CodeFunctions CodeKind = "functions"
	CodeStep      CodeKind = "step"
	// CodeMetrics marks code the compiler generates; it has no cell.
	CodeMetrics CodeKind = "metrics"
)

// CodeBlock is the source of one notebook cell as it runs inside a step.
// Blocks keep their cell of origin so that a runtime traceback can name the
// notebook cell and line instead of a line of a generated file.
type CodeBlock struct {
	Kind CodeKind
	// Cell is the 1-based number of the notebook cell (markdown cells
	// counted, as Jupyter shows it), or diag.NoCell for generated code.
	Cell   int
	Source string
}

// SecretEnv injects one key of a Kubernetes Secret as an environment variable.
type SecretEnv struct {
	Env    string
	Secret string
	Key    string
}

// Volume is a volume from the notebook's `volumes` metadata (or the pod the
// notebook was read from) that every step mounts.
type Volume struct {
	// Name is the PersistentVolumeClaim name.
	Name      string
	MountPath string
	// Type is Kale's volume type: pvc, pv, new_pvc or clone. Only pvc is
	// mounted by the compiler; others produce a warning.
	Type string
	// ExposeAsEnv adds KALE_VOLUME_<NAME>=<MountPath> to every step.
	ExposeAsEnv bool
	ReadOnly    bool
}

// SecurityContext is the pod security context Kale sets on every step (by
// default user 65534, group 0, non-root; see
// docs/kale-compatibility.md#pod-settings). Nil fields keep the compiler's
// defaults.
type SecurityContext struct {
	// Enabled false asks for no security context at all.
	Enabled      bool
	RunAsUser    *int64
	RunAsGroup   *int64
	RunAsNonRoot *bool
}

// Step is one pipeline step (one KFP task).
type Step struct {
	Name string
	// Cell is the 1-based number of the step's first cell (as Jupyter
	// shows it); errors about the step point there.
	Cell int
	// After lists the steps named by prev: tags, sorted.
	After []string
	// Ins are the variables the step loads, sorted. Each is produced by
	// Producers[var].
	Ins []string
	// Producers maps each variable in Ins to the ancestor step that saves it.
	Producers map[string]string
	// Outs are the variables the step saves for later steps, sorted.
	Outs []string
	// Parameters are the pipeline parameters the step reads, sorted.
	Parameters []string
	// Code is imports blocks, functions blocks, then the step's own cells.
	Code []CodeBlock
	// Imports are the top-level modules the step's code imports (imports
	// and functions cells included; relative imports, __future__ and
	// imports guarded by `except ImportError` left out), sorted.
	Imports []string

	// Image is the step's own image: from an image: tag or steps_defaults.
	// Empty means the pipeline's base image.
	Image string
	// Limits holds resource limits, e.g. "nvidia.com/gpu": "1", "cpu": "2".
	Limits      map[string]string
	Labels      map[string]string
	Annotations map[string]string
	// Caching is nil when the step does not say; the pipeline default applies.
	Caching *bool
	Secrets []SecretEnv
	// Report is nil when the step does not say (report:enabled/disabled).
	Report *bool
}

// Metric is one pipeline metric: a variable printed in a pipeline-metrics
// cell, reported by the nearest step (from the leaves) that mentions it.
type Metric struct {
	// Name is the KFP metric name: the variable with _ replaced by -.
	Name     string
	Variable string
	Step     string
}

// Pipeline is the model built from one notebook.
type Pipeline struct {
	Name        string
	Experiment  string
	Description string
	// BaseImage is the notebook's base_image (or legacy docker_image); empty
	// when the notebook names none.
	BaseImage string
	// Caching is the notebook-wide enable_caching (default true).
	Caching bool
	// Parameters in declaration order.
	Parameters []Parameter
	// Steps in a deterministic topological order (ties by cell order).
	Steps   []*Step
	Metrics []Metric
	Volumes []Volume
	// SecurityContext is the notebook's security_context metadata; nil when
	// the notebook sets none (the compiler's default applies).
	SecurityContext *SecurityContext
	// Diagnostics holds the warnings of every stage (errors stop Build).
	Diagnostics diag.List
}

// Step returns the named step or nil.
func (p *Pipeline) Step(name string) *Step {
	for _, s := range p.Steps {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Parameter returns the named parameter and whether it exists.
func (p *Pipeline) Parameter(name string) (Parameter, bool) {
	for _, prm := range p.Parameters {
		if prm.Name == name {
			return prm, true
		}
	}
	return Parameter{}, false
}

// StepMetrics returns the metrics the named step reports.
func (p *Pipeline) StepMetrics(step string) []Metric {
	var out []Metric
	for _, m := range p.Metrics {
		if m.Step == step {
			out = append(out, m)
		}
	}
	return out
}

// Dependencies returns every step the named step must run after: its prev:
// edges and the producers of its inputs, sorted and without duplicates.
func (s *Step) Dependencies() []string {
	seen := map[string]bool{}
	var out []string
	add := func(n string) {
		if n != "" && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, a := range s.After {
		add(a)
	}
	for _, v := range s.Ins {
		add(s.Producers[v])
	}
	slices.Sort(out)
	return out
}
