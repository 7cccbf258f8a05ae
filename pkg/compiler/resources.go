package compiler

import (
	"fmt"
	"strconv"

	"github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/kubeflow-kale/kale/pkg/pipeline"
)

// Accelerator resource names Kale maps to resources.accelerator.
var acceleratorKeys = map[string]bool{"nvidia.com/gpu": true, "amd.com/gpu": true}

// containerResources turns a step's limit: tags into the container's
// resources: GPUs into the accelerator (type and count), cpu and memory into
// both the deprecated numeric fields (older KFP backends read only those) and
// the quantity strings newer backends prefer, as the KFP SDK writes them. A
// limit with no field in the pinned spec is reported as a warning.
func (c *compilation) containerResources(s *pipeline.Step) *pipelinespec.PipelineDeploymentConfig_PipelineContainerSpec_ResourceSpec {
	if len(s.Limits) == 0 {
		return nil
	}
	keys := sortedMapKeys(s.Limits)
	res := &pipelinespec.PipelineDeploymentConfig_PipelineContainerSpec_ResourceSpec{}
	set := false
	for _, key := range keys {
		value := s.Limits[key]
		tag := fmt.Sprintf("limit:%s:%s", key, value)
		switch {
		case acceleratorKeys[key]:
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil || n <= 0 {
				c.errorf(s.Cell, tag, "step %s: %s: an accelerator count must be a whole number above 0", s.Name, tag)
				continue
			}
			if res.Accelerator != nil {
				c.errorf(s.Cell, tag, "step %s: %s: a step can use one accelerator type, and it already asks for %s", s.Name, tag, res.Accelerator.ResourceType)
				continue
			}
			res.Accelerator = &pipelinespec.PipelineDeploymentConfig_PipelineContainerSpec_ResourceSpec_AcceleratorConfig{
				Type:          key,
				Count:         n,
				ResourceType:  key,
				ResourceCount: value,
			}
			set = true
		case key == "cpu":
			q, err := resource.ParseQuantity(value)
			if err != nil || q.Sign() <= 0 {
				c.errorf(s.Cell, tag, "step %s: %s: %q is not a CPU quantity (examples: 2, 500m)", s.Name, tag, value)
				continue
			}
			res.CpuLimit = q.AsApproximateFloat64()
			res.ResourceCpuLimit = value
			set = true
		case key == "memory":
			q, err := resource.ParseQuantity(value)
			if err != nil || q.Sign() <= 0 {
				c.errorf(s.Cell, tag, "step %s: %s: %q is not a memory quantity (examples: 2Gi, 512M)", s.Name, tag, value)
				continue
			}
			// memory_limit is in GB (10^9 bytes).
			res.MemoryLimit = q.AsApproximateFloat64() / 1e9
			res.ResourceMemoryLimit = value
			set = true
		default:
			c.warnOnce(s.Cell, tag, "limit:"+key, "step %s: %s: the KFP pipeline spec has no field for a %s limit (only cpu, memory, nvidia.com/gpu and amd.com/gpu); ignored here and on every other step that sets it", s.Name, tag, key)
		}
	}
	if !set {
		return nil
	}
	return res
}
