package notebook

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/kubeflow-kale/kale/pkg/diag"
)

// Role is what a cell is for, decided by its tags.
type Role int

// Cell roles. RoleNone is an untagged cell (or one tagged `step:` with an
// empty name): it merges into whatever came before it.
const (
	RoleNone Role = iota
	RoleStep
	RoleSkip
	RoleImports
	RoleFunctions
	RoleParameters
	RoleMetrics
	// RoleNotebook is a Kale 2.3 `notebook:` composition cell.
	RoleNotebook
)

var roleNames = map[Role]string{
	RoleNone: "untagged", RoleStep: "step", RoleSkip: "skip", RoleImports: "imports",
	RoleFunctions: "functions", RoleParameters: "pipeline-parameters", RoleMetrics: "pipeline-metrics",
	RoleNotebook: "notebook",
}

func (r Role) String() string { return roleNames[r] }

// Special reports whether the role is one of the tags that collect code for
// the whole pipeline (imports, functions, pipeline-parameters,
// pipeline-metrics).
func (r Role) Special() bool {
	return r == RoleImports || r == RoleFunctions || r == RoleParameters || r == RoleMetrics
}

// Secret injects one key of a Kubernetes Secret as an environment variable.
type Secret struct {
	Env, Name, Key string
}

// StepConfig is the per-step configuration a step's first cell (or the
// notebook's steps_defaults) can carry.
type StepConfig struct {
	Annotations map[string]string
	Labels      map[string]string
	Limits      map[string]string
	// Image is the step's base image from an image: tag.
	Image string
	// Cache is nil unless a cache: tag says enabled or disabled.
	Cache *bool
	// Secrets sorted by Env.
	Secrets []Secret
	// Report is nil unless a report: tag says enabled or disabled.
	Report *bool
}

// IsZero reports whether the config sets nothing.
func (c StepConfig) IsZero() bool {
	return len(c.Annotations) == 0 && len(c.Labels) == 0 && len(c.Limits) == 0 && c.Image == "" &&
		c.Cache == nil && len(c.Secrets) == 0 && c.Report == nil
}

// WithDefaults returns c with every setting of defaults that c does not set
// itself: a step's own tag wins over a default.
func (c StepConfig) WithDefaults(defaults StepConfig) StepConfig {
	out := c
	out.Annotations = mergeMaps(defaults.Annotations, c.Annotations)
	out.Labels = mergeMaps(defaults.Labels, c.Labels)
	out.Limits = mergeMaps(defaults.Limits, c.Limits)
	if out.Image == "" {
		out.Image = defaults.Image
	}
	if out.Cache == nil {
		out.Cache = defaults.Cache
	}
	if out.Report == nil {
		out.Report = defaults.Report
	}
	secrets := map[string]Secret{}
	for _, s := range defaults.Secrets {
		secrets[s.Env] = s
	}
	for _, s := range c.Secrets {
		secrets[s.Env] = s
	}
	out.Secrets = sortedSecrets(secrets)
	return out
}

func mergeMaps(base, over map[string]string) map[string]string {
	if len(base) == 0 && len(over) == 0 {
		return nil
	}
	out := make(map[string]string, len(base)+len(over))
	maps.Copy(out, base)
	maps.Copy(out, over)
	return out
}

func sortedSecrets(m map[string]Secret) []Secret {
	if len(m) == 0 {
		return nil
	}
	out := make([]Secret, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[k])
	}
	return out
}

// Tags is a cell's tag list, parsed.
type Tags struct {
	Role Role
	// Step is the step name of a RoleStep cell.
	Step string
	// Prev are the prev: step names, in tag order.
	Prev []string
	// Config is the per-step configuration on the cell.
	Config StepConfig
	// Notebook is the name of a `notebook:` reference.
	Notebook string
	// Legacy is set when the step name came from a v0.7 `block:` tag.
	Legacy bool
	// BadStep is the name of a step: (or block:) tag rejected for its
	// name. The cell meant to start that step, so its other tags are not
	// reported as lacking a step, and Parse does not report prev: tags
	// naming it as unknown names again.
	BadStep string
}

// The tag language of Kale (docs/kale-compatibility.md#tag-language).
// Annotation and label keys use the character class Kale meant
// ([a-zA-Z0-9_.-]); Kale's regex accidentally also lets `:;<=>?@[\]^` into keys, which Kubernetes rejects anyway.
const (
	nameRE      = `[_a-z][_a-z0-9]*`
	keySegRE    = `[a-zA-Z0-9]+(?:[a-zA-Z0-9_.-]*[a-zA-Z0-9])?`
	secretRE    = `[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*`
	secretKeyRE = `[-._a-zA-Z0-9]+`
	envRE       = `[a-zA-Z_][a-zA-Z0-9_]*`
)

var (
	stepNameRx = regexp.MustCompile(`^(?:` + nameRE + `)?$`)
	prevNameRx = regexp.MustCompile(`^` + nameRE + `$`)
	metaKeyRx  = regexp.MustCompile(`^` + keySegRE + `(?:/` + keySegRE + `)?$`)
	limitKeyRx = regexp.MustCompile(`^[_a-z\-./]+$`)
	limitValRx = regexp.MustCompile(`^[_a-zA-Z0-9.]+$`)
	secretRx   = regexp.MustCompile(`^(` + secretRE + `):(` + secretKeyRE + `):(` + envRE + `)$`)
)

// ValidStepName reports whether name is a valid Kale step name.
func ValidStepName(name string) bool { return name != "" && prevNameRx.MatchString(name) }

// SuggestStepName turns an invalid step name into the nearest valid one
// (load-data -> load_data, Load -> load), or "" when nothing sensible is left.
func SuggestStepName(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := b.String()
	if s == "" {
		return ""
	}
	if s[0] >= '0' && s[0] <= '9' {
		s = "_" + s
	}
	if strings.Trim(s, "_") == "" {
		return ""
	}
	return s
}

// ParseTags parses one cell's tags
// (docs/kale-compatibility.md#tag-language). Special tags (skip, imports,
// functions, pipeline-parameters, pipeline-metrics) win over everything
// else on the cell. The returned diagnostics have no notebook or
// cell; the caller fills them in. Every bad tag is reported.
func ParseTags(tags []string) (Tags, diag.List) {
	var t Tags
	var diags diag.List
	errf := func(tag, format string, args ...any) {
		diags.Add(diag.Diagnostic{Severity: diag.Error, Cell: diag.NoCell, Tag: tag, Message: fmt.Sprintf(format, args...)})
	}
	var steps []string
	var cfgTags []string
	for _, tag := range tags {
		switch tag {
		case "skip":
			return Tags{Role: RoleSkip}, diags
		case "imports":
			return Tags{Role: RoleImports}, diags
		case "functions":
			return Tags{Role: RoleFunctions}, diags
		case "pipeline-parameters":
			return Tags{Role: RoleParameters}, diags
		case "pipeline-metrics":
			return Tags{Role: RoleMetrics}, diags
		}
		kind, rest, hasColon := strings.Cut(tag, ":")
		if !hasColon {
			errf(tag, "unrecognized tag %q: %s", tag, tagHelp)
			continue
		}
		switch kind {
		case "step", "block":
			if !stepNameRx.MatchString(rest) {
				errf(tag, "unrecognized tag %q: %s", tag, badName(rest))
				t.BadStep = rest
				continue
			}
			if kind == "block" {
				t.Legacy = true
				diags.Add(diag.Diagnostic{Severity: diag.Warning, Cell: diag.NoCell, Tag: tag,
					Message: fmt.Sprintf("tag %q is the Kale v0.7 spelling of \"step:%s\"; accepted; retag it step:%s", tag, rest, rest)})
			}
			if rest != "" {
				steps = append(steps, rest)
			}
		case "prev":
			if !prevNameRx.MatchString(rest) {
				errf(tag, "unrecognized tag %q: %s", tag, badName(rest))
				continue
			}
			t.Prev = append(t.Prev, rest)
		case "notebook":
			if !stepNameRx.MatchString(rest) {
				errf(tag, "unrecognized tag %q: %s", tag, badName(rest))
				continue
			}
			t.Notebook = rest
			errf(tag, "tag %q: notebook composition (Kale 2.3 `notebook:` cells) is not supported yet; inline the referenced notebook's cells as steps", tag)
		default:
			if msg, ok := applyConfigTag(kind, rest, &t.Config); !ok {
				errf(tag, "unrecognized tag %q: %s", tag, tagHelp)
				continue
			} else if msg != "" {
				errf(tag, "tag %q: %s", tag, msg)
				continue
			}
			cfgTags = append(cfgTags, kind)
		}
	}
	switch {
	case len(steps) > 1:
		errf(strings.Join(steps, ","), "a cell can have one step name, this one has %d (%s): split the cell or drop a tag", len(steps), strings.Join(steps, ", "))
	case len(steps) == 1:
		t.Role = RoleStep
		t.Step = steps[0]
		if r, reserved := reservedSteps[t.Step]; reserved {
			// Kale reads step:imports as the imports tag (and so on), and
			// ignores the cell's other tags.
			diags.Add(diag.Diagnostic{Severity: diag.Warning, Cell: diag.NoCell, Tag: "step:" + t.Step,
				Message: fmt.Sprintf("step:%s is read as the %s tag, as Kale does (its other tags are ignored); tag the cell %s, or pick another step name", t.Step, t.Step, t.Step)})
			return Tags{Role: r}, diags
		}
	}
	if t.Role != RoleStep {
		if t.BadStep != "" {
			// The step name was reported; the cell's prev: and
			// configuration tags are fine once it is fixed.
			t.Prev, t.Config = nil, StepConfig{}
			return t, diags
		}
		if len(t.Prev) > 0 {
			errf("prev:"+t.Prev[0], "a cell can not provide `prev` annotations without providing a `step` annotation as well (add step:<name>)")
		}
		for _, kind := range dedupe(cfgTags) {
			errf(kind+":", "a cell can not provide %s in a cell that does not declare a step name (add step:<name>)", configWhat[kind])
		}
		t.Prev = nil
		t.Config = StepConfig{}
	}
	if t.Notebook != "" && t.Role == RoleNone {
		t.Role = RoleNotebook
	}
	return t, diags
}

// reservedSteps are step names Kale reads as the special tag of that name.
var reservedSteps = map[string]Role{"skip": RoleSkip, "imports": RoleImports, "functions": RoleFunctions}

var configWhat = map[string]string{
	"annotation": "Pod annotations", "label": "Pod labels", "limit": "Pod resource limits",
	"image": "a base image", "cache": "caching control", "secret": "Secret env vars", "report": "HTML report control",
}

const tagHelp = "Kale tags are skip, imports, functions, pipeline-parameters, pipeline-metrics, step:NAME, prev:NAME, " +
	"annotation:KEY:VALUE, label:KEY:VALUE, limit:RESOURCE:VALUE, image:REF, cache:enabled|disabled, " +
	"secret:NAME:KEY:ENV and report:enabled|disabled"

func badName(name string) string {
	msg := "step names are lowercase letters, digits and _ and do not start with a digit ([_a-z][_a-z0-9]*)"
	if s := SuggestStepName(name); s != "" && s != name {
		msg += fmt.Sprintf(": did you mean %s?", s)
	}
	return msg
}

func dedupe(s []string) []string {
	var out []string
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// applyConfigTag applies one per-step configuration tag (kind:rest). ok is
// false when kind is not a configuration tag; msg is non-empty when the
// value is malformed.
func applyConfigTag(kind, rest string, cfg *StepConfig) (msg string, ok bool) {
	switch kind {
	case "annotation", "label":
		key, value, found := strings.Cut(rest, ":")
		if !found || !metaKeyRx.MatchString(key) {
			return fmt.Sprintf("expected %s:KEY:VALUE with KEY like example.com/name (letters, digits, -, _, . and one optional /)", kind), true
		}
		// Unlike Kale, the value keeps its colons (http://x:80).
		m := &cfg.Annotations
		if kind == "label" {
			m = &cfg.Labels
		}
		if *m == nil {
			*m = map[string]string{}
		}
		(*m)[key] = value
	case "limit":
		key, value, found := strings.Cut(rest, ":")
		if !found || !limitKeyRx.MatchString(key) || !limitValRx.MatchString(value) {
			return "expected limit:RESOURCE:VALUE, e.g. limit:nvidia.com/gpu:1 or limit:memory:2Gi", true
		}
		if cfg.Limits == nil {
			cfg.Limits = map[string]string{}
		}
		cfg.Limits[key] = value
	case "image":
		if rest == "" {
			return "expected image:REF, e.g. image:python:3.12", true
		}
		cfg.Image = rest
	case "cache", "report":
		var v bool
		switch rest {
		case "enabled":
			v = true
		case "disabled":
		default:
			return fmt.Sprintf("expected %s:enabled or %s:disabled", kind, kind), true
		}
		if kind == "cache" {
			cfg.Cache = &v
		} else {
			cfg.Report = &v
		}
	case "secret":
		m := secretRx.FindStringSubmatch(rest)
		if m == nil {
			return "expected secret:SECRET_NAME:KEY:ENV_VAR, e.g. secret:db-creds:password:DB_PASSWORD", true
		}
		secrets := map[string]Secret{}
		for _, s := range cfg.Secrets {
			secrets[s.Env] = s
		}
		secrets[m[3]] = Secret{Env: m[3], Name: m[1], Key: m[2]}
		cfg.Secrets = sortedSecrets(secrets)
	default:
		return "", false
	}
	return "", true
}

// ParseStepDefaults parses the steps_defaults metadata list: tag-like
// strings (annotation, label, limit, image, cache, secret, report) applied
// to every step.
func ParseStepDefaults(list []string) (StepConfig, diag.List) {
	var cfg StepConfig
	var diags diag.List
	for _, s := range list {
		kind, rest, _ := strings.Cut(s, ":")
		msg, ok := applyConfigTag(kind, rest, &cfg)
		if !ok {
			msg = "unrecognized common step configuration: steps_defaults holds annotation:, label:, limit:, image:, cache:, secret: and report: entries"
		}
		if msg != "" {
			diags.Add(diag.Diagnostic{Severity: diag.Error, Cell: diag.NoCell, Tag: s,
				Message: fmt.Sprintf("metadata steps_defaults entry %q: %s", s, msg)})
		}
	}
	return cfg, diags
}
