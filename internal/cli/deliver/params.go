package deliver

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"

	"github.com/kubeflow-kale/kale/internal/cli/buildflags"
	"github.com/kubeflow-kale/kale/pkg/local"
)

// RuntimeParameters turns --param NAME=VALUE flags into typed run
// parameters, checked against the pipeline's declared (root) parameters;
// problems are reported in the order of the flags. A name that is
// not declared is also looked up in lower case, because Kale turns upper-case
// notebook parameters (LR) into lower-case pipeline parameters (lr).
func RuntimeParameters(spec *pipelinespec.PipelineSpec, flags []string) (map[string]any, error) {
	if len(flags) == 0 {
		return nil, nil
	}
	declared := spec.GetRoot().GetInputDefinitions().GetParameters()
	names := make([]string, 0, len(declared))
	for n := range declared {
		names = append(names, n)
	}
	sort.Strings(names)
	texts, err := buildflags.ParseParams(flags)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	var errs []string
	for _, t := range texts {
		name, text := t.Name, t.Value
		p, found := declared[name]
		if !found {
			if p, found = declared[strings.ToLower(name)]; found {
				name = strings.ToLower(name)
			}
		}
		if !found {
			known := "the pipeline has no parameters"
			if len(names) > 0 {
				known = "parameters: " + strings.Join(names, ", ")
			}
			errs = append(errs, fmt.Sprintf("--param %s: the pipeline has no parameter %q (%s)", name, name, known))
			continue
		}
		v, err := typed(p.GetParameterType(), text)
		if err != nil {
			errs = append(errs, fmt.Sprintf("--param %s: %v (the parameter is %s)", name, err, local.ParamTypeName(p.GetParameterType())))
			continue
		}
		out[name] = v
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return out, nil
}

// typed parses text as a value of a KFP parameter type, the way Kale's
// parameter types read (Python literals for numbers and booleans).
func typed(t pipelinespec.ParameterType_ParameterTypeEnum, text string) (any, error) {
	s := strings.TrimSpace(text)
	switch t {
	case pipelinespec.ParameterType_STRING:
		return text, nil
	case pipelinespec.ParameterType_NUMBER_INTEGER:
		v, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", text)
		}
		if v > 1<<53 || v < -(1<<53) {
			return nil, fmt.Errorf("%q is too large for a KFP parameter (a JSON number)", text)
		}
		return v, nil
	case pipelinespec.ParameterType_NUMBER_DOUBLE:
		v, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%q is not a finite number", text)
		}
		return v, nil
	case pipelinespec.ParameterType_BOOLEAN:
		switch s {
		case "true", "True", "1":
			return true, nil
		case "false", "False", "0":
			return false, nil
		}
		return nil, fmt.Errorf("%q is not a boolean: use true or false", text)
	}
	return nil, fmt.Errorf("parameters of type %s cannot be set from the command line", t)
}
