package pipeline

import (
	"fmt"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/kubeflow-kale/kale/pkg/diag"
	"github.com/kubeflow-kale/kale/pkg/notebook"
)

// DefaultExperiment is the experiment a notebook without experiment_name
// is compiled for (the default of Kale's own CLI).
const DefaultExperiment = "Kale-Pipeline-Experiment"

// Options are the settings that come from outside the notebook.
type Options struct {
	// Overrides, applied only when non-empty (flags that override the
	// notebook only when given).
	PipelineName, Experiment, Description, BaseImage string
	// Extra volumes to mount in every step (e.g. the notebook pod's PVCs),
	// added after the notebook's.
	Volumes []Volume
	// Extra labels for every step (PodDefault selector labels copied from
	// the notebook pod), as Kale does
	// (docs/kale-compatibility.md#pod-settings). A step's own label wins.
	Labels map[string]string
	// DefaultImage is the image of steps that neither their own tags nor
	// the notebook (base_image, BaseImage) give one: what the compiler will
	// use, ResolveDefaultImage(the notebook pod's image). Empty means
	// ResolveDefaultImage(""). Steps that would run in the built-in
	// DefaultBaseImage while importing modules outside the standard
	// library get a warning.
	DefaultImage string
}

// FromNotebook parses a notebook and builds its pipeline; the warnings of
// both stages end up in Pipeline.Diagnostics.
func FromNotebook(name string, data []byte, opts Options) (*Pipeline, error) {
	nb, err := notebook.Parse(name, data)
	if err != nil {
		return nil, err
	}
	return Build(nb, opts)
}

var pipelineNameRx = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// Build runs Kale's build algorithm on a parsed notebook. On failure it
// returns a diag.List with every error found; warnings (the notebook's
// too) go to Pipeline.Diagnostics.
func Build(nb *notebook.Notebook, opts Options) (*Pipeline, error) {
	diags := slices.Clone(nb.Diagnostics)
	p := &Pipeline{Caching: true}
	buildSettings(nb, opts, p, &diags)

	m := mergeCells(nb, &diags)
	p.Parameters = parseParameters(nb.Name, m.parameters, &diags)
	metrics := parseMetrics(nb.Name, m.metrics, &diags)
	paramNames := map[string]bool{}
	for _, prm := range p.Parameters {
		paramNames[prm.Name] = true
	}

	if len(m.steps) == 0 && !diags.HasErrors() {
		diags.Add(diag.Diagnostic{Severity: diag.Error, Notebook: nb.Name, Cell: diag.NoCell,
			Message: "the notebook has no steps: tag at least one code cell step:NAME"})
	}

	defaults := nb.Metadata.StepDefaults
	defaults.Labels = mergeLabels(defaults.Labels, opts.Labels)

	prelude := make([]CodeBlock, 0, len(m.imports)+len(m.functions))
	for _, c := range m.imports {
		prelude = append(prelude, CodeBlock{Kind: CodeImports, Cell: c.Cell, Source: c.Source})
	}
	for _, c := range m.functions {
		prelude = append(prelude, CodeBlock{Kind: CodeFunctions, Cell: c.Cell, Source: c.Source})
	}

	states := make([]*stepState, 0, len(m.steps))
	byName := map[string]*stepState{}
	for _, d := range topoOrder(m.steps) {
		cfg := d.config.WithDefaults(defaults)
		st := &Step{
			Name:        d.name,
			Cell:        d.cell,
			After:       slices.Sorted(slices.Values(d.prev)),
			Code:        slices.Clone(prelude),
			Image:       cfg.Image,
			Limits:      cfg.Limits,
			Labels:      cfg.Labels,
			Annotations: cfg.Annotations,
			Caching:     cfg.Cache,
			Report:      cfg.Report,
		}
		for _, sec := range cfg.Secrets {
			st.Secrets = append(st.Secrets, SecretEnv{Env: sec.Env, Secret: sec.Name, Key: sec.Key})
		}
		for _, c := range d.cells {
			st.Code = append(st.Code, CodeBlock{Kind: CodeStep, Cell: c.Cell, Source: c.Source})
		}
		s := &stepState{step: st, preds: st.After, outs: map[string]bool{}, params: map[string]bool{},
			ins: map[string]bool{}, producer: map[string]string{}}
		states = append(states, s)
		byName[st.Name] = s
	}
	if diags.HasErrors() {
		diags.Sort()
		return nil, diags.Errors()
	}

	// Analyse the imports and functions cells once and every step's own
	// cells once, then combine them into the analysis of the code as it
	// runs in the step (imports, functions, own cells).
	units := make([][]CodeBlock, 0, len(states)+1)
	units = append(units, prelude)
	for _, s := range states {
		units = append(units, s.step.Code[len(prelude):])
	}
	results := analyzeAll(nb.Name, units)
	ok := true
	for _, r := range results {
		diags = append(diags, r.diags...)
		ok = ok && r.a != nil
	}
	if ok {
		preludeLines := lineCount(prelude)
		for i, s := range states {
			s.a = withPrelude(results[0].a, results[i+1].a, preludeLines)
		}
	}
	if !ok || diags.HasErrors() {
		diags = dedupeDiags(diags)
		diags.Sort()
		return nil, diags.Errors()
	}
	detectDependencies(nb.Name, states, byName, results[0].a, paramNames, &diags)
	p.Metrics = assignMetrics(nb.Name, metrics, states, byName, &diags)

	for _, s := range states {
		st := s.step
		st.Ins = sortedKeys(s.ins)
		st.Outs = sortedKeys(s.outs)
		st.Parameters = sortedKeys(s.params)
		st.Imports = s.a.imports
		if len(s.producer) > 0 {
			st.Producers = s.producer
		}
		p.Steps = append(p.Steps, st)
	}
	defaultImage := opts.DefaultImage
	if defaultImage == "" {
		defaultImage = ResolveDefaultImage("")
	}
	warnDefaultImage(nb.Name, p, defaultImage, &diags)
	diags.Sort()
	p.Diagnostics = diags
	return p, nil
}

// buildSettings fills the pipeline-wide settings from the metadata and the
// overrides, with Kale UI-like defaults and a warning where one is missing.
func buildSettings(nb *notebook.Notebook, opts Options, p *Pipeline, diags *diag.List) {
	md := nb.Metadata
	warn := func(format string, args ...any) { diags.Warnf(nb.Name, diag.NoCell, 0, format, args...) }
	if !md.Present && opts.PipelineName == "" {
		warn("the notebook has no kubeflow_notebook metadata (it was not saved by the Kale JupyterLab extension); using defaults")
	}
	p.Name = firstNonEmpty(opts.PipelineName, md.PipelineName)
	if p.Name == "" {
		p.Name = DefaultPipelineName(nb.Name)
		warn("metadata has no pipeline_name; using %q, from the file name", p.Name)
	}
	if !pipelineNameRx.MatchString(p.Name) || len(p.Name) > 124 {
		msg := fmt.Sprintf("pipeline name %q is invalid: use lowercase letters, digits and -, starting and ending with a letter or digit, at most 124 characters", p.Name)
		if sug := DefaultPipelineName(p.Name); sug != p.Name {
			msg += fmt.Sprintf(" (e.g. %s)", sug)
		}
		diags.Errorf(nb.Name, diag.NoCell, 0, "%s", msg)
	}
	p.Experiment = firstNonEmpty(opts.Experiment, md.ExperimentName)
	if p.Experiment == "" {
		if md.ExperimentUIName != "" {
			p.Experiment = md.ExperimentUIName
			warn("metadata has no experiment_name; using %q from the experiment the Kale UI recorded", p.Experiment)
		} else {
			p.Experiment = DefaultExperiment
			warn("metadata has no experiment_name; using %q (set it in the Kale panel or pass --experiment)", p.Experiment)
		}
	}
	p.Description = firstNonEmpty(opts.Description, md.PipelineDescription)
	p.BaseImage = firstNonEmpty(opts.BaseImage, md.BaseImage)
	if md.EnableCaching != nil {
		p.Caching = *md.EnableCaching
	}
	if sc := md.SecurityContext; sc != nil {
		p.SecurityContext = &SecurityContext{Enabled: sc.Enabled == nil || *sc.Enabled,
			RunAsUser: sc.RunAsUser, RunAsGroup: sc.RunAsGroup, RunAsNonRoot: sc.RunAsNonRoot}
	}
	envNames := map[string]string{}
	addVol := func(v Volume) {
		if v.ExposeAsEnv {
			env := VolumeEnvName(v.Name)
			if other, dup := envNames[env]; dup && other != v.Name {
				diags.Errorf(nb.Name, diag.NoCell, 0, "volumes %s and %s both map to the environment variable %s: rename one or set expose_as_env_var to false", other, v.Name, env)
				return
			}
			envNames[env] = v.Name
		}
		for _, have := range p.Volumes {
			if have.MountPath == v.MountPath {
				warn("volume %s is not mounted: %s is already the mount path of volume %s", v.Name, v.MountPath, have.Name)
				return
			}
		}
		p.Volumes = append(p.Volumes, v)
	}
	for _, v := range md.Volumes {
		if v.Type != "pvc" {
			warn("metadata volume %q of type %s is not mounted: kale mounts existing PVCs (type pvc) only", v.Name, v.Type)
			continue
		}
		addVol(Volume{Name: v.Name, MountPath: v.MountPoint, Type: v.Type, ExposeAsEnv: v.ExposeAsEnvVar, ReadOnly: v.ReadOnly})
	}
	for _, v := range opts.Volumes {
		addVol(v)
	}
}

// VolumeEnvName is the KALE_VOLUME_<NAME> variable for a volume: the name
// upper-cased with every character outside [A-Z0-9] replaced by _.
func VolumeEnvName(name string) string {
	var b strings.Builder
	b.WriteString("KALE_VOLUME_")
	for _, r := range strings.ToUpper(name) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// DefaultPipelineName derives a pipeline name from a notebook path the way
// the Kale UI does: the file name without extension, lower-cased, every run
// of characters outside [a-z0-9-] replaced by -, trimmed of -.
func DefaultPipelineName(path string) string {
	base := filepath.Base(path)
	base = strings.TrimSuffix(base, filepath.Ext(base))
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(base) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '-' {
			b.WriteRune(r)
			dash = false
			continue
		}
		if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.Trim(b.String(), "-")
	if len(s) > 124 {
		s = strings.Trim(s[:124], "-")
	}
	if s == "" {
		s = "pipeline"
	}
	return s
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func mergeLabels(base, over map[string]string) map[string]string {
	if len(over) == 0 {
		return base
	}
	out := maps.Clone(base)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, over)
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func dedupeDiags(l diag.List) diag.List {
	seen := map[diag.Diagnostic]bool{}
	var out diag.List
	for _, d := range l {
		if seen[d] {
			continue
		}
		seen[d] = true
		out = append(out, d)
	}
	return out
}
