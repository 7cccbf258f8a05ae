package webhook

import (
	"encoding/json"
	"strconv"
	"strings"

	"gomodules.xyz/jsonpatch/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeflow-kale/kale/pkg/inject"
)

// patchFor builds the JSON Patch from in to out, where out is what
// inject.Mutate made of in: Mutate only sets annotations and appends to the
// pod's volumes and init containers and to the notebook container's env and
// volume mounts. Building the operations from that knowledge, instead of
// diffing two JSON documents, keeps the handler fast and never touches
// fields the typed Pod does not know (a newer API server's). The tests
// check the result against a generic JSON diff.
func patchFor(in, out *corev1.Pod, container int, cache *valueCache) []jsonpatch.JsonPatchOperation {
	if cache == nil {
		cache = &valueCache{}
	}
	ops := make([]jsonpatch.JsonPatchOperation, 0, 16)
	ops = annotationOps(ops, in.Annotations, out.Annotations)
	ops = appendOps(ops, "/spec/volumes", in.Spec.Volumes, out.Spec.Volumes, cache.volumes, func(v corev1.Volume) string { return v.Name })
	ops = appendOps(ops, "/spec/initContainers", in.Spec.InitContainers, out.Spec.InitContainers, cache.inits, func(c corev1.Container) string { return c.Name })
	c := "/spec/containers/" + strconv.Itoa(container)
	ops = appendOps(ops, c+"/env", in.Spec.Containers[container].Env, out.Spec.Containers[container].Env, cache.env, func(e corev1.EnvVar) string { return e.Name })
	ops = appendOps(ops, c+"/volumeMounts", in.Spec.Containers[container].VolumeMounts, out.Spec.Containers[container].VolumeMounts, cache.mounts, func(m corev1.VolumeMount) string { return m.MountPath })
	return ops
}

// valueCache holds the JSON of the elements Mutate appends whose content
// depends on the configuration alone (the init container, the volumes,
// their mounts, most variables), keyed by name (mounts by path), so each
// request does not encode them again. Built once per configuration by
// running Mutate on a minimal pod; what it lacks is encoded per request.
type valueCache struct {
	volumes, inits, env, mounts map[string]json.RawMessage
}

func newValueCache(cfg *inject.Config) *valueCache {
	tmpl := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{cfg.Selection.PodLabel: "c"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c"}}},
	}
	res := inject.Mutate(tmpl, cfg)
	c := &valueCache{volumes: map[string]json.RawMessage{}, inits: map[string]json.RawMessage{}, env: map[string]json.RawMessage{}, mounts: map[string]json.RawMessage{}}
	if res.SkipReason != "" {
		return c
	}
	put := func(m map[string]json.RawMessage, k string, v any) {
		if b, err := json.Marshal(v); err == nil {
			m[k] = b
		}
	}
	for _, v := range res.Pod.Spec.Volumes {
		put(c.volumes, v.Name, v)
	}
	for _, ic := range res.Pod.Spec.InitContainers {
		put(c.inits, ic.Name, ic)
	}
	for _, e := range res.Pod.Spec.Containers[0].Env {
		put(c.env, e.Name, e)
	}
	for _, m := range res.Pod.Spec.Containers[0].VolumeMounts {
		put(c.mounts, m.MountPath, m)
	}
	return c
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
func appendOps[T any](ops []jsonpatch.JsonPatchOperation, path string, in, out []T, cache map[string]json.RawMessage, key func(T) string) []jsonpatch.JsonPatchOperation {
	if len(out) <= len(in) {
		return ops
	}
	value := func(v T) any {
		if b, ok := cache[key(v)]; ok {
			return b
		}
		return v
	}
	if len(in) == 0 {
		whole := make([]any, len(out))
		for i, v := range out {
			whole[i] = value(v)
		}
		return append(ops, jsonpatch.NewOperation("add", path, whole))
	}
	for i := len(in); i < len(out); i++ {
		ops = append(ops, jsonpatch.NewOperation("add", path+"/"+strconv.Itoa(i), value(out[i])))
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

// appendPatch appends the JSON Patch document to buf. Cached values are
// copied as they are, not re-validated as json.Marshal would.
func appendPatch(buf []byte, ops []jsonpatch.JsonPatchOperation) ([]byte, error) {
	buf = append(buf, '[')
	for i, op := range ops {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, `{"op":`...)
		buf = appendJSONString(buf, op.Operation)
		buf = append(buf, `,"path":`...)
		buf = appendJSONString(buf, op.Path)
		if op.Operation != "remove" {
			buf = append(buf, `,"value":`...)
			var err error
			if buf, err = appendValue(buf, op.Value); err != nil {
				return nil, err
			}
		}
		buf = append(buf, '}')
	}
	return append(buf, ']'), nil
}

func appendValue(buf []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case json.RawMessage:
		return append(buf, v...), nil
	case string:
		return appendJSONString(buf, v), nil
	case []any:
		buf = append(buf, '[')
		for i, e := range v {
			if i > 0 {
				buf = append(buf, ',')
			}
			var err error
			if buf, err = appendValue(buf, e); err != nil {
				return nil, err
			}
		}
		return append(buf, ']'), nil
	default:
		b, err := json.Marshal(v)
		return append(buf, b...), err
	}
}

// appendJSONString appends s as json.Marshal spells it: printable ASCII
// other than the quote, the backslash and the HTML characters it escapes
// is copied; anything else takes json.Marshal itself.
func appendJSONString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // a string always encodes
			return append(buf, b...)
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
}
