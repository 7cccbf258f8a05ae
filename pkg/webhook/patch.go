package webhook

import (
	"strconv"
	"strings"

	"gomodules.xyz/jsonpatch/v2"
	corev1 "k8s.io/api/core/v1"
)

// patchFor builds the JSON Patch from in to out, where out is what
// inject.Mutate made of in: Mutate only sets annotations and appends to the
// pod's volumes and init containers and to the notebook container's env and
// volume mounts. Building the operations from that knowledge, instead of
// diffing two JSON documents, keeps the handler fast and never touches
// fields the typed Pod does not know (a newer API server's). The tests
// check the result against a generic JSON diff.
func patchFor(in, out *corev1.Pod, container int) []jsonpatch.JsonPatchOperation {
	ops := make([]jsonpatch.JsonPatchOperation, 0, 16)
	ops = annotationOps(ops, in.Annotations, out.Annotations)
	ops = appendOps(ops, "/spec/volumes", in.Spec.Volumes, out.Spec.Volumes)
	ops = appendOps(ops, "/spec/initContainers", in.Spec.InitContainers, out.Spec.InitContainers)
	c := "/spec/containers/" + strconv.Itoa(container)
	ops = appendOps(ops, c+"/env", in.Spec.Containers[container].Env, out.Spec.Containers[container].Env)
	ops = appendOps(ops, c+"/volumeMounts", in.Spec.Containers[container].VolumeMounts, out.Spec.Containers[container].VolumeMounts)
	return ops
}

func annotationOps(ops []jsonpatch.JsonPatchOperation, in, out map[string]string) []jsonpatch.JsonPatchOperation {
	if len(in) == 0 {
		if len(out) > 0 {
			ops = append(ops, jsonpatch.NewOperation("add", "/metadata/annotations", out))
		}
		return ops
	}
	for _, k := range sortedKeys(in, out) {
		v, ok := out[k]
		old, had := in[k]
		switch {
		case !ok && had:
			ops = append(ops, jsonpatch.NewOperation("remove", "/metadata/annotations/"+escape(k), nil))
		case ok && !had:
			ops = append(ops, jsonpatch.NewOperation("add", "/metadata/annotations/"+escape(k), v))
		case ok && v != old:
			ops = append(ops, jsonpatch.NewOperation("replace", "/metadata/annotations/"+escape(k), v))
		}
	}
	return ops
}

// appendOps adds out's elements beyond len(in); a list that was empty is
// added whole (the field may be absent from the JSON).
func appendOps[T any](ops []jsonpatch.JsonPatchOperation, path string, in, out []T) []jsonpatch.JsonPatchOperation {
	if len(out) <= len(in) {
		return ops
	}
	if len(in) == 0 {
		return append(ops, jsonpatch.NewOperation("add", path, out))
	}
	for i := len(in); i < len(out); i++ {
		ops = append(ops, jsonpatch.NewOperation("add", path+"/"+strconv.Itoa(i), out[i]))
	}
	return ops
}

// escape makes a map key a JSON Pointer token (RFC 6901).
func escape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func sortedKeys(a, b map[string]string) []string {
	keys := make([]string, 0, len(b)+1)
	for k := range b {
		keys = append(keys, k)
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			keys = append(keys, k)
		}
	}
	// Few keys: insertion sort avoids the sort package's overhead.
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}
