package kfpfake

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"github.com/kubeflow/pipelines/backend/src/v2/compiler"
	"github.com/kubeflow/pipelines/kubernetes_platform/go/kubernetesplatform"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
	"gopkg.in/yaml.v3"
)

// template is a validated pipeline package: what the API server stores.
type template struct {
	spec     *pipelinespec.PipelineSpec
	platform *pipelinespec.PlatformSpec
	// specStruct and platformStruct are the documents as JSON objects.
	specStruct     *structpb.Struct
	platformStruct *structpb.Struct
}

// pipelineNameRE is the server's (unanchored) check on pipelineInfo.name.
var pipelineNameRE = regexp.MustCompile(`[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*`)

// parseTemplate reads a package as the API server's NewV2SpecTemplate does:
// YAML documents, one of which is the PipelineSpec (parsed strictly) and at
// most one a PlatformSpec with a kubernetes platform. Errors use the server's
// wording.
func parseTemplate(data []byte) (*template, error) {
	t := &template{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("invalid pipeline spec: unable to decode yaml document: %w", err)
		}
		if doc == nil {
			continue
		}
		js, err := json.Marshal(doc)
		if err != nil {
			return nil, fmt.Errorf("invalid pipeline spec: cannot convert to json: %w", err)
		}
		_, hasInfo := doc["pipelineInfo"]
		_, hasRoot := doc["root"]
		_, hasPlatforms := doc["platforms"]
		switch {
		case hasInfo || hasRoot:
			if t.spec != nil {
				return nil, fmt.Errorf("invalid pipeline spec: multiple pipeline specs provided")
			}
			if t.spec, err = parseSpec(js); err != nil {
				return nil, err
			}
			t.specStruct = &structpb.Struct{}
			if err := protojson.Unmarshal(js, t.specStruct); err != nil {
				return nil, err
			}
		case hasPlatforms:
			if t.platform != nil {
				return nil, fmt.Errorf("invalid platform spec: multiple platform specs provided")
			}
			var p pipelinespec.PlatformSpec
			if err := protojson.Unmarshal(js, &p); err != nil {
				return nil, fmt.Errorf("invalid platform spec: cannot unmarshal platform specific configs: %w", err)
			}
			if _, ok := p.Platforms["kubernetes"]; !ok {
				continue
			}
			t.platform = &p
			t.platformStruct = &structpb.Struct{}
			if err := protojson.Unmarshal(js, t.platformStruct); err != nil {
				return nil, err
			}
		}
	}
	if t.spec == nil {
		return nil, fmt.Errorf("invalid pipeline spec: no pipeline spec is provided")
	}
	if err := accept(t); err != nil {
		return nil, err
	}
	return t, nil
}

// parseInline reads a run's inline pipeline_spec: the PipelineSpec itself or
// the {"pipeline_spec", "platform_spec"} wrapper.
func parseInline(s *structpb.Struct) (*template, error) {
	var docs [][]byte
	if spec, ok := s.GetFields()["pipeline_spec"]; ok {
		b, err := protojson.Marshal(spec)
		if err != nil {
			return nil, err
		}
		docs = append(docs, b)
		if platform, ok := s.GetFields()["platform_spec"]; ok {
			if b, err = protojson.Marshal(platform); err != nil {
				return nil, err
			}
			docs = append(docs, b)
		}
	} else {
		b, err := protojson.Marshal(s)
		if err != nil {
			return nil, err
		}
		docs = append(docs, b)
	}
	// JSON documents are YAML documents.
	return parseTemplate(bytes.Join(docs, []byte("\n---\n")))
}

func parseSpec(js []byte) (*pipelinespec.PipelineSpec, error) {
	var spec pipelinespec.PipelineSpec
	if err := protojson.Unmarshal(js, &spec); err != nil {
		return nil, fmt.Errorf("invalid pipeline spec: invalid v2 pipeline spec: %w", err)
	}
	if spec.GetSchemaVersion() != "2.1.0" {
		return nil, fmt.Errorf("invalid pipeline spec: KFP only supports schema version 2.1.0, but the pipeline spec has version %s", spec.GetSchemaVersion())
	}
	if spec.GetPipelineInfo().GetName() == "" {
		return nil, fmt.Errorf("invalid pipeline spec: invalid v2 pipeline spec: name is empty")
	}
	if !pipelineNameRE.MatchString(spec.GetPipelineInfo().GetName()) {
		return nil, fmt.Errorf("invalid pipeline spec: invalid v2 pipeline spec: name should consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character")
	}
	if spec.GetRoot() == nil {
		return nil, fmt.Errorf("invalid pipeline spec: invalid v2 pipeline spec: root component is empty")
	}
	return &spec, nil
}

// accept walks the DAG with KFP's own compiler.Accept (every componentRef
// and executorLabel must resolve) and parses each Kubernetes executor config
// strictly, as the driver does.
func accept(t *template) error {
	specStruct := t.specStruct
	if specStruct == nil {
		return nil
	}
	job := &pipelinespec.PipelineJob{PipelineSpec: specStruct}
	var k8s *pipelinespec.SinglePlatformSpec
	if t.platform != nil {
		k8s = t.platform.Platforms["kubernetes"]
	}
	if err := compiler.Accept(job, k8s, visitor{}); err != nil {
		return fmt.Errorf("invalid pipeline spec: %w", err)
	}
	return nil
}

type visitor struct{}

func (visitor) Container(name string, _ *pipelinespec.ComponentSpec, c *pipelinespec.PipelineDeploymentConfig_PipelineContainerSpec) error {
	if c.GetImage() == "" {
		return fmt.Errorf("component %q: container image is empty", name)
	}
	return nil
}

func (visitor) Importer(string, *pipelinespec.ComponentSpec, *pipelinespec.PipelineDeploymentConfig_ImporterSpec) error {
	return nil
}

func (visitor) Resolver(string, *pipelinespec.ComponentSpec, *pipelinespec.PipelineDeploymentConfig_ResolverSpec) error {
	return nil
}

func (visitor) DAG(string, *pipelinespec.ComponentSpec, *pipelinespec.DagSpec) error { return nil }

func (visitor) AddKubernetesSpec(name string, s *structpb.Struct) error {
	b, err := protojson.Marshal(s)
	if err != nil {
		return err
	}
	var cfg kubernetesplatform.KubernetesExecutorConfig
	if err := protojson.Unmarshal(b, &cfg); err != nil {
		return fmt.Errorf("failed to unmarshal kubernetes config: %w", err)
	}
	return nil
}

// checkParameters is the server's validatePipelineJobInputs: required
// parameters present, values of the declared kind, no undeclared names.
func checkParameters(spec *pipelinespec.PipelineSpec, params map[string]*structpb.Value) error {
	declared := spec.GetRoot().GetInputDefinitions().GetParameters()
	names := make([]string, 0, len(declared))
	for n := range declared {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		p := declared[name]
		v, ok := params[name]
		if !ok {
			if !p.GetIsOptional() && p.GetDefaultValue() == nil {
				return fmt.Errorf("parameter %s is not optional, yet has neither default value nor user provided value", name)
			}
			continue
		}
		var kindOK bool
		var want string
		switch p.GetParameterType() {
		case pipelinespec.ParameterType_NUMBER_DOUBLE, pipelinespec.ParameterType_NUMBER_INTEGER:
			_, kindOK = v.GetKind().(*structpb.Value_NumberValue)
			want = "double or integer"
		case pipelinespec.ParameterType_STRING:
			_, kindOK = v.GetKind().(*structpb.Value_StringValue)
			want = "string"
		case pipelinespec.ParameterType_BOOLEAN:
			_, kindOK = v.GetKind().(*structpb.Value_BoolValue)
			want = "bool"
		case pipelinespec.ParameterType_LIST:
			_, kindOK = v.GetKind().(*structpb.Value_ListValue)
			want = "list"
		case pipelinespec.ParameterType_STRUCT:
			_, kindOK = v.GetKind().(*structpb.Value_StructValue)
			want = "struct"
		default:
			return fmt.Errorf("input parameter %s has unspecified type", name)
		}
		if !kindOK {
			return fmt.Errorf("input parameter %s requires type %s, but the parameter value is not of that type", name, want)
		}
	}
	var extra []string
	for name := range params {
		if _, ok := declared[name]; !ok {
			extra = append(extra, name)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return fmt.Errorf("parameter(s) provided are not required by pipeline: %s", strings.Join(extra, ", "))
	}
	return nil
}

// taskLevels orders the root DAG's tasks by dependency depth: level 0 has
// no dependencies, level n depends on level n-1 at most. Names are sorted
// within a level.
func taskLevels(spec *pipelinespec.PipelineSpec) [][]string {
	tasks := spec.GetRoot().GetDag().GetTasks()
	depth := map[string]int{}
	var visit func(name string, seen map[string]bool) int
	visit = func(name string, seen map[string]bool) int {
		if d, ok := depth[name]; ok {
			return d
		}
		if seen[name] {
			return 0 // a cycle; KFP would reject it at run time
		}
		seen[name] = true
		d := 0
		for _, dep := range tasks[name].GetDependentTasks() {
			if _, ok := tasks[dep]; ok {
				d = max(d, visit(dep, seen)+1)
			}
		}
		depth[name] = d
		return d
	}
	var levels [][]string
	for name := range tasks {
		d := visit(name, map[string]bool{})
		for len(levels) <= d {
			levels = append(levels, nil)
		}
		levels[d] = append(levels[d], name)
	}
	for _, l := range levels {
		sort.Strings(l)
	}
	return levels
}
