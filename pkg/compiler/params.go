package compiler

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/kubeflow-kale/kale/pkg/diag"
	"github.com/kubeflow-kale/kale/pkg/pipeline"
)

// maxExactInt is the largest integer a KFP parameter value (a JSON number,
// i.e. a float64) carries exactly.
const maxExactInt = 1 << 53

// ParseParamValue converts the text of a --param override into a value of
// the parameter's type: int and float as Go/Python number literals, bool as
// true/false/True/False/1/0, str as the raw text.
func ParseParamValue(t pipeline.ParamType, text string) (any, error) {
	switch t {
	case pipeline.Int:
		v, err := strconv.ParseInt(strings.ReplaceAll(strings.TrimSpace(text), "_", ""), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not an integer", text)
		}
		return v, nil
	case pipeline.Float:
		v, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(text), "_", ""), 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", text)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%q is not a finite number", text)
		}
		return v, nil
	case pipeline.Bool:
		switch strings.TrimSpace(text) {
		case "true", "True", "1":
			return true, nil
		case "false", "False", "0":
			return false, nil
		}
		return nil, fmt.Errorf("%q is not a boolean: use true or false", text)
	case pipeline.Str:
		return text, nil
	}
	return nil, fmt.Errorf("unknown parameter type %q", t)
}

// applyOverrides returns the pipeline's parameters with the overridden
// defaults. Every problem is added to diags, not only the first.
func applyOverrides(params []pipeline.Parameter, overrides map[string]string, notebook string, diags *diag.List) []pipeline.Parameter {
	if len(overrides) == 0 {
		return params
	}
	out := append([]pipeline.Parameter(nil), params...)
	index := map[string]int{}
	names := make([]string, len(params))
	for i, p := range params {
		index[p.Name] = i
		names[i] = p.Name
	}
	keys := make([]string, 0, len(overrides))
	for k := range overrides {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, name := range keys {
		i, ok := index[name]
		if !ok {
			// Kale's pipeline function takes upper-case parameters in lower
			// case (LR as lr): accept a unique case-insensitive match.
			match := -1
			for j, n := range names {
				if strings.EqualFold(n, name) {
					if match >= 0 {
						match = -1
						break
					}
					match = j
				}
			}
			i, ok = match, match >= 0
		}
		if !ok {
			known := "the notebook has no pipeline-parameters cell"
			if len(names) > 0 {
				known = "parameters: " + strings.Join(names, ", ")
			}
			diags.Add(diag.Diagnostic{Severity: diag.Error, Notebook: notebook, Cell: diag.NoCell, Tag: "--param " + name,
				Message: fmt.Sprintf("--param %s: the notebook has no pipeline parameter %q (%s)", name, name, known)})
			continue
		}
		v, err := ParseParamValue(out[i].Type, overrides[name])
		if err != nil {
			diags.Add(diag.Diagnostic{Severity: diag.Error, Notebook: notebook, Cell: diag.NoCell, Tag: "--param " + name,
				Message: fmt.Sprintf("--param %s: %v (the parameter is %s)", name, err, withArticle(string(out[i].Type)))})
			continue
		}
		out[i].Default = v
	}
	return out
}

// parameterType maps a Kale parameter type to the KFP parameter type.
func parameterType(t pipeline.ParamType) (pipelinespec.ParameterType_ParameterTypeEnum, error) {
	switch t {
	case pipeline.Int:
		return pipelinespec.ParameterType_NUMBER_INTEGER, nil
	case pipeline.Float:
		return pipelinespec.ParameterType_NUMBER_DOUBLE, nil
	case pipeline.Str:
		return pipelinespec.ParameterType_STRING, nil
	case pipeline.Bool:
		return pipelinespec.ParameterType_BOOLEAN, nil
	}
	return 0, fmt.Errorf("unknown type %q", t)
}

// defaultValue converts a parameter default into a protobuf value, checking
// it against the parameter's type.
func defaultValue(p pipeline.Parameter) (*structpb.Value, error) {
	switch v := p.Default.(type) {
	case int64:
		if p.Type == pipeline.Int {
			if v > maxExactInt || v < -maxExactInt {
				return nil, fmt.Errorf("default %d is too large: KFP carries numbers as float64, exact only up to 2^53", v)
			}
			return structpb.NewNumberValue(float64(v)), nil
		}
		if p.Type == pipeline.Float {
			return structpb.NewNumberValue(float64(v)), nil
		}
	case int:
		return defaultValue(pipeline.Parameter{Name: p.Name, Type: p.Type, Default: int64(v)})
	case float64:
		if p.Type == pipeline.Float {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("default %v is not a finite number", v)
			}
			return structpb.NewNumberValue(v), nil
		}
	case string:
		if p.Type == pipeline.Str {
			return structpb.NewStringValue(v), nil
		}
	case bool:
		if p.Type == pipeline.Bool {
			return structpb.NewBoolValue(v), nil
		}
	}
	return nil, fmt.Errorf("default %#v does not match its type %s", p.Default, p.Type)
}

// withArticle names a parameter type as the run commands' messages do
// ("an int", "a float"), so --param errors read the same in compile and run.
func withArticle(t string) string {
	if t != "" && strings.ContainsRune("aeiou", rune(t[0])) {
		return "an " + t
	}
	return "a " + t
}
