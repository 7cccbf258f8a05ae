package local

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

// placeholderRe matches the KFP v2 runtime placeholders: {{$}} and
// {{$.something}}.
var placeholderRe = regexp.MustCompile(`\{\{\$(\.[^{}]*)?\}\}`)

var (
	paramRe    = regexp.MustCompile(`^\.inputs\.parameters\[['"]([^'"]+)['"]\]$`)
	artifactRe = regexp.MustCompile(`^\.(inputs|outputs)\.artifacts\[['"]([^'"]+)['"]\]\.(path|uri)$`)
	outParamRe = regexp.MustCompile(`^\.outputs\.parameters\[['"]([^'"]+)['"]\]\.output_file$`)
)

// pipelineContext holds the values of the pipeline-level placeholders.
type pipelineContext map[string]string

func (r *runner) placeholderContext(t *task) pipelineContext {
	job := r.plan.name
	if job == "" {
		job = "pipeline"
	}
	return pipelineContext{
		".pipeline_job_name":              job,
		".pipeline_job_resource_name":     job,
		".pipeline_job_uuid":              "local",
		".pipeline_task_name":             t.name,
		".pipeline_task_uuid":             "local-" + t.name,
		".pipeline_job_create_time_utc":   "",
		".pipeline_job_schedule_time_utc": "",
		".workspace_path":                 r.workDir,
	}
}

// substituteAll returns the step's command line with every placeholder in
// the container's command and args replaced, as KFP's launcher does.
func substituteAll(t *task, ei *pipelinespec.ExecutorInput, pc pipelineContext) ([]string, error) {
	eiJSON, err := protojson.MarshalOptions{}.Marshal(ei)
	if err != nil {
		return nil, fmt.Errorf("encoding executor input of %s: %w", t.name, err)
	}
	var out []string
	for _, part := range [][]string{t.container.GetCommand(), t.container.GetArgs()} {
		for _, s := range part {
			v, err := substitute(s, ei, string(eiJSON), pc)
			if err != nil {
				return nil, fmt.Errorf("task %s: %w", t.name, err)
			}
			out = append(out, v)
		}
	}
	return out, nil
}

// substitute replaces the placeholders in one argument.
func substitute(s string, ei *pipelinespec.ExecutorInput, eiJSON string, pc pipelineContext) (string, error) {
	var firstErr error
	out := placeholderRe.ReplaceAllStringFunc(s, func(ph string) string {
		v, err := resolve(ph, ei, eiJSON, pc)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return v
	})
	return out, firstErr
}

func resolve(ph string, ei *pipelinespec.ExecutorInput, eiJSON string, pc pipelineContext) (string, error) {
	expr := strings.TrimSuffix(strings.TrimPrefix(ph, "{{$"), "}}")
	if expr == "" {
		return eiJSON, nil
	}
	if m := paramRe.FindStringSubmatch(expr); m != nil {
		v, ok := ei.GetInputs().GetParameterValues()[m[1]]
		if !ok {
			return "", fmt.Errorf("placeholder %s names parameter %s, which has no value", ph, m[1])
		}
		return formatParam(v)
	}
	if m := artifactRe.FindStringSubmatch(expr); m != nil {
		lists := ei.GetInputs().GetArtifacts()
		if m[1] == "outputs" {
			lists = ei.GetOutputs().GetArtifacts()
		}
		arts := lists[m[2]].GetArtifacts()
		if len(arts) == 0 {
			return "", fmt.Errorf("placeholder %s names %s artifact %s, which the component does not declare", ph, strings.TrimSuffix(m[1], "s"), m[2])
		}
		// Locally the URI is the path.
		return arts[0].GetUri(), nil
	}
	if m := outParamRe.FindStringSubmatch(expr); m != nil {
		op, ok := ei.GetOutputs().GetParameters()[m[1]]
		if !ok {
			return "", fmt.Errorf("placeholder %s names output parameter %s, which the component does not declare", ph, m[1])
		}
		return op.GetOutputFile(), nil
	}
	if v, ok := pc[expr]; ok {
		return v, nil
	}
	return "", fmt.Errorf("placeholder %s is not supported by local runs", ph)
}

// formatParam renders a parameter value as KFP's launcher does for
// {{$.inputs.parameters['p']}}: strings raw, numbers in shortest decimal
// form, bools true/false, lists and structs as JSON.
func formatParam(v *structpb.Value) (string, error) {
	switch k := v.GetKind().(type) {
	case *structpb.Value_StringValue:
		return k.StringValue, nil
	case *structpb.Value_NumberValue:
		return strconv.FormatFloat(k.NumberValue, 'f', -1, 64), nil
	case *structpb.Value_BoolValue:
		return strconv.FormatBool(k.BoolValue), nil
	case *structpb.Value_NullValue:
		return "", nil
	default:
		b, err := json.Marshal(v.AsInterface())
		if err != nil {
			return "", fmt.Errorf("formatting parameter: %w", err)
		}
		return string(b), nil
	}
}

// parseParam converts an output parameter file's text by declared type.
func parseParam(text string, t pipelinespec.ParameterType_ParameterTypeEnum) (*structpb.Value, error) {
	switch t {
	case pipelinespec.ParameterType_STRING, pipelinespec.ParameterType_PARAMETER_TYPE_ENUM_UNSPECIFIED:
		return structpb.NewStringValue(text), nil
	case pipelinespec.ParameterType_NUMBER_INTEGER, pipelinespec.ParameterType_NUMBER_DOUBLE:
		f, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
		if err != nil && t == pipelinespec.ParameterType_NUMBER_INTEGER {
			return nil, fmt.Errorf("%q is not an integer", text)
		}
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", text)
		}
		return structpb.NewNumberValue(f), nil
	case pipelinespec.ParameterType_BOOLEAN:
		b, err := strconv.ParseBool(strings.TrimSpace(text))
		if err != nil {
			return nil, fmt.Errorf("%q is not a bool", text)
		}
		return structpb.NewBoolValue(b), nil
	default:
		var x any
		if err := json.Unmarshal([]byte(text), &x); err != nil {
			return nil, fmt.Errorf("%q is not JSON: %w", text, err)
		}
		return structpb.NewValue(x)
	}
}
