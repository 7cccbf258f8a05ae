package graph

import (
	"encoding/json"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/kubeflow-kale/kale/pkg/contract"
	"github.com/kubeflow-kale/kale/pkg/pipeline"
)

// Graph is the JSON form of a pipeline. Its keys are a contract scripts
// parse: keep them; add new ones only. Every list is sorted (steps,
// parameters and metrics by name); warnings keep notebook order.
type Graph struct {
	Name        string      `json:"name"`
	Experiment  string      `json:"experiment"`
	Description string      `json:"description"`
	BaseImage   string      `json:"base_image"`
	Caching     bool        `json:"caching"`
	Parameters  []Parameter `json:"parameters"`
	Steps       []Step      `json:"steps"`
	Metrics     []Metric    `json:"metrics"`
	Volumes     []Volume    `json:"volumes"`
	Warnings    []string    `json:"warnings"`
}

// Parameter is a pipeline parameter.
type Parameter struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	Default any    `json:"default"`
}

// Step is one step.
type Step struct {
	Name string `json:"name"`
	// Cell is the index of the step's first cell.
	Cell int `json:"cell"`
	// After are the steps named by prev: tags.
	After []string `json:"after"`
	// DependsOn are After plus the producers of Ins: what the step really
	// waits for.
	DependsOn  []string          `json:"depends_on"`
	Ins        []string          `json:"ins"`
	Producers  map[string]string `json:"producers"`
	Outs       []string          `json:"outs"`
	Parameters []string          `json:"parameters"`
	// Image is the image the step runs: its image: tag, else the
	// notebook's base image, else $KALE_DEFAULT_BASE_IMAGE, else python:3.12.
	Image       string            `json:"image"`
	Limits      map[string]string `json:"limits"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	// Caching is null when the step does not say (the pipeline's caching
	// applies).
	Caching *bool    `json:"caching"`
	Secrets []Secret `json:"secrets"`
	Cells   []int    `json:"cells"`
}

// Secret is a secret: tag.
type Secret struct {
	Env    string `json:"env"`
	Secret string `json:"secret"`
	Key    string `json:"key"`
}

// Metric is a pipeline metric and the step that reports it.
type Metric struct {
	Name     string `json:"name"`
	Variable string `json:"variable"`
	Step     string `json:"step"`
}

// Volume is a PVC every step mounts.
type Volume struct {
	Name      string `json:"name"`
	MountPath string `json:"mount_path"`
}

// DefaultImage is the image of steps when neither the step nor the
// notebook names one and $KALE_DEFAULT_BASE_IMAGE is unset.
const DefaultImage = "python:3.12"

// StepImage resolves the image a step runs.
func StepImage(p *pipeline.Pipeline, s *pipeline.Step) string {
	for _, img := range []string{s.Image, p.BaseImage, strings.TrimSpace(os.Getenv(contract.EnvDefaultBaseImage))} {
		if img != "" {
			return img
		}
	}
	return DefaultImage
}

// FromPipeline builds the JSON form.
func FromPipeline(p *pipeline.Pipeline) Graph {
	g := Graph{
		Name: p.Name, Experiment: p.Experiment, Description: p.Description, BaseImage: p.BaseImage, Caching: p.Caching,
		Parameters: []Parameter{}, Steps: []Step{}, Metrics: []Metric{}, Volumes: []Volume{}, Warnings: []string{},
	}
	for _, prm := range p.Parameters {
		g.Parameters = append(g.Parameters, Parameter{Name: prm.Name, Type: string(prm.Type), Default: prm.Default})
	}
	sort.Slice(g.Parameters, func(i, j int) bool { return g.Parameters[i].Name < g.Parameters[j].Name })
	for _, s := range p.Steps {
		st := Step{
			Name: s.Name, Cell: s.Cell, After: orEmpty(s.After), DependsOn: orEmpty(s.Dependencies()),
			Ins: orEmpty(s.Ins), Producers: orEmptyMap(s.Producers), Outs: orEmpty(s.Outs), Parameters: orEmpty(s.Parameters),
			Image: StepImage(p, s), Limits: orEmptyMap(s.Limits), Labels: orEmptyMap(s.Labels),
			Annotations: orEmptyMap(s.Annotations), Caching: s.Caching, Secrets: []Secret{}, Cells: []int{},
		}
		for _, sec := range s.Secrets {
			st.Secrets = append(st.Secrets, Secret{Env: sec.Env, Secret: sec.Secret, Key: sec.Key})
		}
		for _, b := range s.Code {
			if b.Kind == pipeline.CodeStep {
				st.Cells = append(st.Cells, b.Cell)
			}
		}
		g.Steps = append(g.Steps, st)
	}
	sort.Slice(g.Steps, func(i, j int) bool { return g.Steps[i].Name < g.Steps[j].Name })
	for _, m := range p.Metrics {
		g.Metrics = append(g.Metrics, Metric{Name: m.Name, Variable: m.Variable, Step: m.Step})
	}
	sort.Slice(g.Metrics, func(i, j int) bool { return g.Metrics[i].Name < g.Metrics[j].Name })
	for _, v := range p.Volumes {
		g.Volumes = append(g.Volumes, Volume{Name: v.Name, MountPath: v.MountPath})
	}
	for _, d := range p.Diagnostics.Warnings() {
		g.Warnings = append(g.Warnings, d.Error())
	}
	return g
}

// WriteJSON writes the JSON form, indented.
func WriteJSON(w io.Writer, p *pipeline.Pipeline) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(FromPipeline(p))
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func orEmptyMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
