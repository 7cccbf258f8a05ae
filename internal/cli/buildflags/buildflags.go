// Package buildflags registers the flags that change what a notebook
// compiles into, each in one place: the overrides of the notebook's
// metadata (--pipeline-name, --experiment, --base-image, --description)
// and --param NAME=VALUE, with its one parser.
package buildflags

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/kubeflow-kale/kale/pkg/pipeline"
)

// AddFlags registers --pipeline-name, --experiment and --base-image into b:
// they override the notebook's metadata, only where given.
func AddFlags(fs *pflag.FlagSet, b *pipeline.Options) {
	fs.StringVar(&b.PipelineName, "pipeline-name", "", "pipeline name (overrides the notebook's pipeline_name)")
	fs.StringVar(&b.Experiment, "experiment", "", "KFP experiment (overrides the notebook's experiment_name)")
	fs.StringVar(&b.BaseImage, "base-image", "", "image of steps without an image: tag (overrides the notebook's base_image)")
}

// AddDescription registers --description into b, for the commands whose
// output carries the pipeline's description.
func AddDescription(fs *pflag.FlagSet, b *pipeline.Options) {
	fs.StringVar(&b.Description, "description", "", "pipeline description (overrides the notebook's pipeline_description)")
}

// ParamUse says what --param sets on a command.
type ParamUse int

const (
	// ParamDefaults: new defaults of the compiled pipeline's parameters.
	ParamDefaults ParamUse = iota
	// ParamValues: the parameters' values of one run.
	ParamValues
)

// ParamFlag is the name of the --param flag.
const ParamFlag = "param"

// AddParams registers the repeatable --param NAME=VALUE into p.
func AddParams(fs *pflag.FlagSet, p *[]string, use ParamUse) {
	help := "pipeline parameter NAME=VALUE for this run, checked against its type (repeatable)"
	if use == ParamDefaults {
		help = "new default for a pipeline parameter, NAME=VALUE, checked against its type (repeatable)"
	}
	fs.StringArrayVar(p, ParamFlag, nil, help)
}

// ParamArgs renders flags back into --param arguments, for a kale that
// runs elsewhere (in a notebook pod).
func ParamArgs(flags []string) []string {
	var out []string
	for _, kv := range flags {
		out = append(out, "--"+ParamFlag, kv)
	}
	return out
}

// Param is one --param NAME=VALUE.
type Param struct {
	Name, Value string
}

// ParseParams reads repeated --param NAME=VALUE flags, in their order. The
// name is trimmed; the value is everything after the first "=", kept as is
// (it may hold "=", quotes or newlines). Every malformed flag and every name
// given twice is reported, one per line, in the order of the flags.
func ParseParams(flags []string) ([]Param, error) {
	if len(flags) == 0 {
		return nil, nil
	}
	out := make([]Param, 0, len(flags))
	seen := map[string]bool{}
	var errs []string
	for _, kv := range flags {
		name, value, ok := strings.Cut(kv, "=")
		name = strings.TrimSpace(name)
		switch {
		case !ok || name == "":
			errs = append(errs, fmt.Sprintf("--%s %q: want NAME=VALUE", ParamFlag, kv))
		case seen[name]:
			errs = append(errs, fmt.Sprintf("--%s %s: given twice", ParamFlag, name))
		default:
			seen[name] = true
			out = append(out, Param{Name: name, Value: value})
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return out, nil
}

// ParseParamMap is ParseParams as a map from name to value.
func ParseParamMap(flags []string) (map[string]string, error) {
	ps, err := ParseParams(flags)
	if err != nil || ps == nil {
		return nil, err
	}
	m := make(map[string]string, len(ps))
	for _, p := range ps {
		m[p.Name] = p.Value
	}
	return m, nil
}
