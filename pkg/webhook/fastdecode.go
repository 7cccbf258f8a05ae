package webhook

import (
	"bytes"

	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// fastDecodeReview decodes the AdmissionReviews API servers send (one JSON
// object, ASCII, request fields and a pod of the expected types, no
// repeated keys) in a single pass over the body, several times faster than
// the reflection-based decoders: it is most of the webhook's CPU otherwise.
// Whatever it cannot vouch for (any other shape, \u escapes, non-ASCII, a
// value of another type, a repeated key, a "response") makes ok false, and
// decodeReview takes the general path. When ok, req, pod and the type meta
// are what decodeReview's general path returns for the same body: the
// tests compare both on every test body, 3000 mutations of them and a fuzz
// target.
func fastDecodeReview(body []byte) (req admissionv1.AdmissionRequest, pod *corev1.Pod, tm metav1.TypeMeta, ok bool) {
	r := &jsonReader{b: body}
	// The type meta is read case-insensitively (see decodeReview), and a
	// response is not ours to decode.
	f := fields{names: reviewKeys, refuse: func(key []byte) bool {
		return bytes.EqualFold(key, []byte("kind")) || bytes.EqualFold(key, []byte("apiVersion")) || string(key) == "response"
	}}
	for i := r.nextField(&f); i >= 0; i = r.nextField(&f) {
		switch reviewKeys[i] {
		case "kind":
			r.str(&tm.Kind)
		case "apiVersion":
			r.str(&tm.APIVersion)
		case "request":
			if !r.null() {
				pod = r.request(&req)
			}
		}
	}
	r.ws()
	if r.bad || r.i != len(r.b) {
		return req, nil, tm, false
	}
	return req, pod, tm, true
}

var reviewKeys = []string{"kind", "apiVersion", "request"}

var requestKeys = []string{"uid", "kind", "resource", "subResource", "requestKind", "requestResource", "requestSubResource",
	"name", "namespace", "operation", "userInfo", "object", "oldObject", "dryRun", "options"}

func (r *jsonReader) request(req *admissionv1.AdmissionRequest) (pod *corev1.Pod) {
	f := fields{names: requestKeys}
	for i := r.nextField(&f); i >= 0; i = r.nextField(&f) {
		switch requestKeys[i] {
		case "uid":
			var s string
			r.str(&s)
			req.UID = types.UID(s)
		case "kind":
			r.gvk(&req.Kind)
		case "resource":
			r.gvr(&req.Resource)
		case "subResource":
			r.str(&req.SubResource)
		case "requestKind":
			if !r.null() {
				req.RequestKind = &metav1.GroupVersionKind{}
				r.gvk(req.RequestKind)
			}
		case "requestResource":
			if !r.null() {
				req.RequestResource = &metav1.GroupVersionResource{}
				r.gvr(req.RequestResource)
			}
		case "requestSubResource":
			r.str(&req.RequestSubResource)
		case "name":
			r.str(&req.Name)
		case "namespace":
			r.str(&req.Namespace)
		case "operation":
			var s string
			r.str(&s)
			req.Operation = admissionv1.Operation(s)
		case "userInfo":
			r.userInfo(&req.UserInfo)
		case "object":
			if !r.null() {
				pod = r.pod()
			}
		case "oldObject":
			req.OldObject.Raw = r.rawExtension()
		case "dryRun":
			if !r.null() {
				b := r.boolean()
				req.DryRun = &b
			}
		case "options":
			req.Options.Raw = r.rawExtension()
		}
	}
	return pod
}

func (r *jsonReader) gvk(v *metav1.GroupVersionKind) {
	r.stringFields([]string{"group", "version", "kind"}, &v.Group, &v.Version, &v.Kind)
}

func (r *jsonReader) gvr(v *metav1.GroupVersionResource) {
	r.stringFields([]string{"group", "version", "resource"}, &v.Group, &v.Version, &v.Resource)
}

// stringFields reads an object whose keys names[i] are strings for dst[i].
func (r *jsonReader) stringFields(names []string, dst ...*string) {
	f := fields{names: names}
	for i := r.nextField(&f); i >= 0; i = r.nextField(&f) {
		r.str(dst[i])
	}
}

var userInfoKeys = []string{"username", "uid", "groups", "extra"}

func (r *jsonReader) userInfo(u *authenticationv1.UserInfo) {
	f := fields{names: userInfoKeys}
	for i := r.nextField(&f); i >= 0; i = r.nextField(&f) {
		switch userInfoKeys[i] {
		case "username":
			r.str(&u.Username)
		case "uid":
			r.str(&u.UID)
		case "groups":
			u.Groups = r.strings()
		case "extra":
			if r.null() {
				continue
			}
			// encoding/json makes the map, and each list, even when empty.
			u.Extra = map[string]authenticationv1.ExtraValue{}
			var st seq
			for key, ok := r.nextKey(&st); ok; key, ok = r.nextKey(&st) {
				k := string(key)
				if _, dup := u.Extra[k]; dup || r.peek() != '[' {
					r.fail()
					break
				}
				u.Extra[k] = r.strings()
			}
		}
	}
}

var (
	podKeys      = []string{"metadata", "spec"}
	metadataKeys = []string{"name", "generateName", "namespace", "labels", "annotations"}
	specKeys     = []string{"volumes", "initContainers", "containers"}
)

// pod decodes the podView of the object (see decodePod). An env var's
// valueFrom goes through utiljson, the general path's decoder.
func (r *jsonReader) pod() *corev1.Pod {
	var v podView
	f := fields{names: podKeys}
	for i := r.nextField(&f); i >= 0; i = r.nextField(&f) {
		switch podKeys[i] {
		case "metadata":
			r.metadata(&v)
		case "spec":
			r.spec(&v)
		}
	}
	if r.bad {
		return nil
	}
	return v.pod()
}

func (r *jsonReader) metadata(v *podView) {
	m := &v.Metadata
	f := fields{names: metadataKeys}
	for i := r.nextField(&f); i >= 0; i = r.nextField(&f) {
		switch metadataKeys[i] {
		case "name":
			r.str(&m.Name)
		case "generateName":
			r.str(&m.GenerateName)
		case "namespace":
			r.str(&m.Namespace)
		case "labels":
			m.Labels = r.stringMap()
		case "annotations":
			m.Annotations = r.stringMap()
		}
	}
}

func (r *jsonReader) spec(v *podView) {
	s := &v.Spec
	f := fields{names: specKeys}
	for i := r.nextField(&f); i >= 0; i = r.nextField(&f) {
		switch specKeys[i] {
		case "volumes":
			s.Volumes = list(r, []string{"name", "emptyDir", "projected"}, nil, func(vol *volumeView, key string) {
				switch key {
				case "name":
					r.str(&vol.Name)
				case "emptyDir":
					vol.EmptyDir = r.presence()
				case "projected":
					vol.Projected = r.presence()
				}
			})
		case "initContainers":
			s.InitContainers = list(r, []string{"name", "image"}, nil, func(c *initContainerView, key string) {
				switch key {
				case "name":
					r.str(&c.Name)
				case "image":
					r.str(&c.Image)
				}
			})
		case "containers":
			s.Containers = list(r, []string{"name", "image", "env", "volumeMounts"}, nil, r.container)
		}
	}
}

func (r *jsonReader) container(c *containerView, key string) {
	switch key {
	case "name":
		r.str(&c.Name)
	case "image":
		r.str(&c.Image)
	case "env":
		c.Env = list(r, envVarKeys, refuseAll, r.envVar)
	case "volumeMounts":
		c.VolumeMounts = list(r, volumeMountKeys, refuseAll, r.volumeMount)
	}
}

// list reads null (nil) or a list of objects (never nil when empty, as
// encoding/json makes it), field reading the value of each key of an
// element that is one of names (see nextField). A null element is not
// handled.
func list[T any](r *jsonReader, names []string, refuse func([]byte) bool, field func(e *T, key string)) []T {
	if r.null() {
		return nil
	}
	out := []T{}
	for st := (seq{}); r.nextElement(&st); {
		var zero T
		out = append(out, zero)
		e := &out[len(out)-1]
		f := fields{names: names, refuse: refuse}
		for i := r.nextField(&f); i >= 0; i = r.nextField(&f) {
			field(e, names[i])
		}
	}
	return out
}

// envVarKeys and volumeMountKeys are all the JSON keys of corev1.EnvVar
// and corev1.VolumeMount (a test checks): their other keys are refused,
// since any other key might be a field of a newer API.
var (
	envVarKeys      = []string{"name", "value", "valueFrom"}
	volumeMountKeys = []string{"name", "readOnly", "recursiveReadOnly", "mountPath", "subPath", "mountPropagation", "subPathExpr"}
)

func (r *jsonReader) envVar(e *corev1.EnvVar, key string) {
	switch key {
	case "name":
		r.str(&e.Name)
	case "value":
		r.str(&e.Value)
	case "valueFrom":
		r.general(&e.ValueFrom)
	}
}

func (r *jsonReader) volumeMount(m *corev1.VolumeMount, key string) {
	switch key {
	case "name":
		r.str(&m.Name)
	case "readOnly":
		if !r.null() {
			m.ReadOnly = r.boolean()
		}
	case "recursiveReadOnly":
		if !r.null() {
			v := corev1.RecursiveReadOnlyMode(r.element())
			m.RecursiveReadOnly = &v
		}
	case "mountPath":
		r.str(&m.MountPath)
	case "subPath":
		r.str(&m.SubPath)
	case "mountPropagation":
		if !r.null() {
			v := corev1.MountPropagationMode(r.element())
			m.MountPropagation = &v
		}
	case "subPathExpr":
		r.str(&m.SubPathExpr)
	}
}

// presence reads any value: nil for null.
func (r *jsonReader) presence() *present {
	if r.null() {
		return nil
	}
	r.skip()
	return &present{}
}

// general decodes the next value into v with utiljson.
func (r *jsonReader) general(v any) {
	raw := r.value()
	if r.bad {
		return
	}
	if err := utiljson.Unmarshal(raw, v); err != nil {
		r.fail()
	}
}

// rawExtension is a RawExtension's Raw for the next value: a copy of its
// JSON, nil for null.
func (r *jsonReader) rawExtension() []byte {
	raw := r.value()
	if r.bad || string(raw) == "null" {
		return nil
	}
	return bytes.Clone(raw)
}
