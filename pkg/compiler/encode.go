package compiler

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	yamlv3 "gopkg.in/yaml.v3"
)

// YAML writes the pipeline spec document, preceded by the comment header the
// KFP SDK writes, then, when there is a platform spec with at least one
// platform, "---" and the platform spec document. Keys are sorted, so the
// bytes are the same on every run.
func (r *Result) YAML() ([]byte, error) {
	if r == nil || r.PipelineSpec == nil {
		return nil, errors.New("no pipeline spec to write")
	}
	spec, err := protoTree(r.PipelineSpec)
	if err != nil {
		return nil, fmt.Errorf("encoding pipeline spec: %w", err)
	}
	var b bytes.Buffer
	// The YAML is the wire encoding plus indentation (code blocks indent
	// every line): reserve once instead of doubling a buffer of megabytes.
	size := proto.Size(r.PipelineSpec) + proto.Size(r.PlatformSpec)
	b.Grow(size + size/2 + 4096)
	writeHeader(&b, r.PipelineSpec)
	writeYAML(&b, spec)
	if len(r.PlatformSpec.GetPlatforms()) > 0 {
		plat, err := protoTree(r.PlatformSpec)
		if err != nil {
			return nil, fmt.Errorf("encoding platform spec: %w", err)
		}
		b.WriteString("---\n")
		writeYAML(&b, plat)
	}
	return b.Bytes(), nil
}

// JSON writes the pipeline spec, or {"pipeline_spec": …, "platform_spec": …}
// when there is a platform spec (the shape the KFP run API takes inline),
// indented, with sorted keys.
func (r *Result) JSON() ([]byte, error) {
	if r == nil || r.PipelineSpec == nil {
		return nil, errors.New("no pipeline spec to write")
	}
	out, err := protoTree(r.PipelineSpec)
	if err != nil {
		return nil, fmt.Errorf("encoding pipeline spec: %w", err)
	}
	if len(r.PlatformSpec.GetPlatforms()) > 0 {
		plat, err := protoTree(r.PlatformSpec)
		if err != nil {
			return nil, fmt.Errorf("encoding platform spec: %w", err)
		}
		out = map[string]any{"pipeline_spec": out, "platform_spec": plat}
	}
	return encodeJSON(out, "  ")
}

// canonicalJSON is the compact JSON of m with sorted keys.
func canonicalJSON(m proto.Message) ([]byte, error) {
	t, err := protoTree(m)
	if err != nil {
		return nil, err
	}
	b, err := encodeJSON(t, "")
	if err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b, []byte("\n")), nil
}

// encodeJSON writes v with sorted keys, without HTML escaping (code is full
// of < and &), ending in a newline.
func encodeJSON(v any, indent string) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if indent != "" {
		enc.SetIndent("", indent)
	}
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeHeader writes the comment block the KFP SDK puts on top of a
// compiled pipeline: name, description and inputs with their defaults.
func writeHeader(b *bytes.Buffer, spec *pipelinespec.PipelineSpec) {
	oneLine := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	b.WriteString("# PIPELINE DEFINITION\n")
	fmt.Fprintf(b, "# Name: %s\n", oneLine(spec.GetPipelineInfo().GetName()))
	if d := oneLine(spec.GetPipelineInfo().GetDescription()); d != "" {
		fmt.Fprintf(b, "# Description: %s\n", d)
	}
	params := spec.GetRoot().GetInputDefinitions().GetParameters()
	if len(params) == 0 {
		return
	}
	b.WriteString("# Inputs:\n")
	names := make([]string, 0, len(params))
	for n := range params {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := params[n]
		typ := map[pipelinespec.ParameterType_ParameterTypeEnum]string{
			pipelinespec.ParameterType_NUMBER_INTEGER: "int",
			pipelinespec.ParameterType_NUMBER_DOUBLE:  "float",
			pipelinespec.ParameterType_STRING:         "str",
			pipelinespec.ParameterType_BOOLEAN:        "bool",
		}[p.GetParameterType()]
		fmt.Fprintf(b, "#    %s: %s", n, typ)
		if p.GetDefaultValue() != nil {
			if def, err := json.Marshal(p.GetDefaultValue().AsInterface()); err == nil {
				fmt.Fprintf(b, " [Default: %s]", def)
			}
		}
		b.WriteByte('\n')
	}
}

// Load reads a compiled pipeline back: YAML with one document (pipeline
// spec) or two (pipeline spec, platform spec), or JSON, either the pipeline
// spec itself or {"pipeline_spec": …, "platform_spec": …}. Unknown fields
// are errors, as on the KFP API server. A platform spec without platforms
// loads as nil. Load does not run Check.
func Load(data []byte) (*Result, error) {
	docs, err := splitDocuments(data)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	strict := protojson.UnmarshalOptions{}
	for i, top := range docs {
		where := fmt.Sprintf("document %d", i+1)
		var pipelineDoc, platformDoc json.RawMessage
		if wrapped, ok := top["pipeline_spec"]; ok {
			for k := range top {
				if k != "pipeline_spec" && k != "platform_spec" {
					return nil, fmt.Errorf("%s: unknown key %q next to pipeline_spec (expected platform_spec)", where, k)
				}
			}
			pipelineDoc, platformDoc = wrapped, top["platform_spec"]
		} else {
			whole, err := json.Marshal(top)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			if _, ok := top["platforms"]; ok || (i > 0 && len(top) == 0) {
				platformDoc = whole
			} else {
				pipelineDoc = whole
			}
		}
		if pipelineDoc != nil {
			if res.PipelineSpec != nil {
				return nil, fmt.Errorf("%s: a second pipeline spec", where)
			}
			res.PipelineSpec = &pipelinespec.PipelineSpec{}
			if err := strict.Unmarshal(pipelineDoc, res.PipelineSpec); err != nil {
				return nil, fmt.Errorf("%s: pipeline spec: %w", where, err)
			}
		}
		if len(platformDoc) > 0 && string(platformDoc) != "null" {
			if res.PlatformSpec != nil {
				return nil, fmt.Errorf("%s: a second platform spec", where)
			}
			res.PlatformSpec = &pipelinespec.PlatformSpec{}
			if err := strict.Unmarshal(platformDoc, res.PlatformSpec); err != nil {
				return nil, fmt.Errorf("%s: platform spec: %w", where, err)
			}
		}
	}
	if res.PipelineSpec == nil {
		return nil, errors.New("no pipeline spec found (expected a document with pipelineInfo and root)")
	}
	if len(res.PlatformSpec.GetPlatforms()) == 0 {
		res.PlatformSpec = nil
	}
	return res, nil
}

// splitDocuments returns the top-level keys of each document, their values
// as JSON. JSON input is one document; YAML input may hold several
// separated by ---. Empty documents are skipped.
func splitDocuments(data []byte) ([]map[string]json.RawMessage, error) {
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	if len(trimmed) == 0 {
		return nil, errors.New("empty input: expected a compiled pipeline (YAML or JSON)")
	}
	if trimmed[0] == '{' {
		var top map[string]json.RawMessage
		if err := json.Unmarshal(trimmed, &top); err != nil {
			return nil, fmt.Errorf("invalid JSON: %w", err)
		}
		return []map[string]json.RawMessage{top}, nil
	}
	dec := yamlv3.NewDecoder(bytes.NewReader(trimmed))
	var docs []map[string]json.RawMessage
	for i := 1; ; i++ {
		var node yamlv3.Node
		err := dec.Decode(&node)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: invalid YAML: %w", i, err)
		}
		if len(node.Content) == 0 || (node.Content[0].Kind == yamlv3.ScalarNode && node.Content[0].ShortTag() == "!!null") {
			continue
		}
		if node.Content[0].Kind != yamlv3.MappingNode {
			return nil, fmt.Errorf("document %d: expected a mapping, found %s", i, kindName(node.Content[0].Kind))
		}
		conv := &nodeConverter{}
		top := map[string]json.RawMessage{}
		m := node.Content[0]
		for j := 0; j+1 < len(m.Content); j += 2 {
			key, err := conv.key(m.Content[j])
			if err != nil {
				return nil, fmt.Errorf("document %d: %w", i, err)
			}
			v, err := conv.value(m.Content[j+1], 0)
			if err != nil {
				return nil, fmt.Errorf("document %d: %s: %w", i, key, err)
			}
			raw, err := json.Marshal(v)
			if err != nil {
				return nil, fmt.Errorf("document %d: %s: %w", i, key, err)
			}
			if _, dup := top[key]; dup {
				return nil, fmt.Errorf("document %d: key %q appears twice", i, key)
			}
			top[key] = raw
		}
		docs = append(docs, top)
	}
	if len(docs) == 0 {
		return nil, errors.New("no YAML document found")
	}
	return docs, nil
}

func kindName(k yamlv3.Kind) string {
	switch k {
	case yamlv3.SequenceNode:
		return "a list"
	case yamlv3.ScalarNode:
		return "a scalar"
	case yamlv3.AliasNode:
		return "an alias"
	}
	return "something else"
}
