package compiler

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	yamlv3 "gopkg.in/yaml.v3"
)

// Limits that keep a hostile document (alias bombs, deep nesting) from
// exhausting memory or the stack.
const (
	maxYAMLNodes = 1 << 22
	maxYAMLDepth = 1000
)

// nodeConverter turns a yaml.v3 node tree into JSON values (map[string]any,
// []any, string, bool, json.Number, nil) in one pass; marshalling nodes back
// to text and through another YAML parser took seconds on big pipelines.
type nodeConverter struct {
	nodes int
}

func (c *nodeConverter) key(n *yamlv3.Node) (string, error) {
	if n.Kind == yamlv3.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yamlv3.ScalarNode {
		return "", fmt.Errorf("line %d: a mapping key must be a scalar", n.Line)
	}
	return n.Value, nil
}

func (c *nodeConverter) value(n *yamlv3.Node, depth int) (any, error) {
	c.nodes++
	if c.nodes > maxYAMLNodes {
		return nil, errors.New("document too large (aliases expand to too many values)")
	}
	if depth > maxYAMLDepth {
		return nil, fmt.Errorf("line %d: nested too deeply", n.Line)
	}
	switch n.Kind {
	case yamlv3.AliasNode:
		if n.Alias == nil {
			return nil, fmt.Errorf("line %d: unknown alias", n.Line)
		}
		return c.value(n.Alias, depth+1)
	case yamlv3.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, err := c.key(n.Content[i])
			if err != nil {
				return nil, err
			}
			if k == "<<" && n.Content[i].ShortTag() == "!!merge" {
				return nil, fmt.Errorf("line %d: merge keys (<<) are not supported", n.Content[i].Line)
			}
			v, err := c.value(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			if _, dup := out[k]; dup {
				return nil, fmt.Errorf("line %d: key %q appears twice", n.Content[i].Line, k)
			}
			out[k] = v
		}
		return out, nil
	case yamlv3.SequenceNode:
		out := make([]any, len(n.Content))
		for i, e := range n.Content {
			v, err := c.value(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case yamlv3.ScalarNode:
		return scalarValue(n)
	case yamlv3.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return c.value(n.Content[0], depth+1)
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}

// scalarValue resolves a scalar as YAML 1.2 (yaml.v3) does, keeping the
// text of timestamps and binary values as strings.
func scalarValue(n *yamlv3.Node) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, err
		}
		return b, nil
	case "!!int":
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, err
		}
		switch x := v.(type) {
		case int:
			return json.Number(strconv.Itoa(x)), nil
		case int64:
			return json.Number(strconv.FormatInt(x, 10)), nil
		case uint64:
			return json.Number(strconv.FormatUint(x, 10)), nil
		case float64:
			return floatValue(x, n)
		}
		return nil, fmt.Errorf("line %d: cannot read integer %q", n.Line, n.Value)
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, err
		}
		return floatValue(f, n)
	}
	return n.Value, nil
}

func floatValue(f float64, n *yamlv3.Node) (any, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("line %d: %s is not a JSON number", n.Line, strings.TrimSpace(n.Value))
	}
	return json.Number(formatFloat(f, 64)), nil
}
