package webhook

import (
	"bytes"
	"encoding/binary"

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
	var seen fieldSet
	r.object(func(key []byte) {
		switch string(key) {
		case "kind":
			seen.first(r, 0)
			r.str(&tm.Kind)
		case "apiVersion":
			seen.first(r, 1)
			r.str(&tm.APIVersion)
		case "request":
			seen.first(r, 2)
			if !r.null() {
				pod = r.request(&req)
			}
		default:
			// The type meta is read case-insensitively (see
			// decodeReview), and a response is not ours to decode.
			if bytes.EqualFold(key, []byte("kind")) || bytes.EqualFold(key, []byte("apiVersion")) || string(key) == "response" {
				r.fail()
				return
			}
			r.skip()
		}
	})
	r.ws()
	if r.bad || r.i != len(r.b) {
		return req, nil, tm, false
	}
	return req, pod, tm, true
}

func (r *jsonReader) request(req *admissionv1.AdmissionRequest) (pod *corev1.Pod) {
	var seen fieldSet
	r.object(func(key []byte) {
		switch string(key) {
		case "uid":
			var s string
			seen.first(r, 0)
			r.str(&s)
			req.UID = types.UID(s)
		case "kind":
			seen.first(r, 1)
			r.gvk(&req.Kind)
		case "resource":
			seen.first(r, 2)
			r.gvr(&req.Resource)
		case "subResource":
			seen.first(r, 3)
			r.str(&req.SubResource)
		case "requestKind":
			seen.first(r, 4)
			if !r.null() {
				req.RequestKind = &metav1.GroupVersionKind{}
				r.gvk(req.RequestKind)
			}
		case "requestResource":
			seen.first(r, 5)
			if !r.null() {
				req.RequestResource = &metav1.GroupVersionResource{}
				r.gvr(req.RequestResource)
			}
		case "requestSubResource":
			seen.first(r, 6)
			r.str(&req.RequestSubResource)
		case "name":
			seen.first(r, 7)
			r.str(&req.Name)
		case "namespace":
			seen.first(r, 8)
			r.str(&req.Namespace)
		case "operation":
			var s string
			seen.first(r, 9)
			r.str(&s)
			req.Operation = admissionv1.Operation(s)
		case "userInfo":
			seen.first(r, 10)
			r.userInfo(req)
		case "object":
			seen.first(r, 11)
			if !r.null() {
				pod = r.pod()
			}
		case "oldObject":
			seen.first(r, 12)
			req.OldObject.Raw = r.rawExtension()
		case "dryRun":
			seen.first(r, 13)
			if !r.null() {
				b := r.boolean()
				req.DryRun = &b
			}
		case "options":
			seen.first(r, 14)
			req.Options.Raw = r.rawExtension()
		default:
			r.skip()
		}
	})
	return pod
}

func (r *jsonReader) gvk(v *metav1.GroupVersionKind) {
	var seen fieldSet
	r.object(func(key []byte) {
		switch string(key) {
		case "group":
			seen.first(r, 0)
			r.str(&v.Group)
		case "version":
			seen.first(r, 1)
			r.str(&v.Version)
		case "kind":
			seen.first(r, 2)
			r.str(&v.Kind)
		default:
			r.skip()
		}
	})
}

func (r *jsonReader) gvr(v *metav1.GroupVersionResource) {
	var seen fieldSet
	r.object(func(key []byte) {
		switch string(key) {
		case "group":
			seen.first(r, 0)
			r.str(&v.Group)
		case "version":
			seen.first(r, 1)
			r.str(&v.Version)
		case "resource":
			seen.first(r, 2)
			r.str(&v.Resource)
		default:
			r.skip()
		}
	})
}

func (r *jsonReader) userInfo(req *admissionv1.AdmissionRequest) {
	u := &req.UserInfo
	var seen fieldSet
	r.object(func(key []byte) {
		switch string(key) {
		case "username":
			seen.first(r, 0)
			r.str(&u.Username)
		case "uid":
			seen.first(r, 1)
			r.str(&u.UID)
		case "groups":
			seen.first(r, 2)
			u.Groups = r.strings()
		case "extra":
			seen.first(r, 3)
			if r.null() {
				return
			}
			// encoding/json makes the map, and each list, even when empty.
			u.Extra = map[string]authenticationv1.ExtraValue{}
			r.object(func(key []byte) {
				k := string(key)
				if _, dup := u.Extra[k]; dup || r.peek() != '[' {
					r.fail()
					return
				}
				u.Extra[k] = r.strings()
			})
		default:
			r.skip()
		}
	})
}

// pod decodes the podView of the object (see decodePod). An env var's
// valueFrom goes through utiljson, the general path's decoder.
func (r *jsonReader) pod() *corev1.Pod {
	var v podView
	var seen fieldSet
	r.object(func(key []byte) {
		switch string(key) {
		case "metadata":
			seen.first(r, 0)
			m := &v.Metadata
			var mseen fieldSet
			r.object(func(key []byte) {
				switch string(key) {
				case "name":
					mseen.first(r, 0)
					r.str(&m.Name)
				case "generateName":
					mseen.first(r, 1)
					r.str(&m.GenerateName)
				case "namespace":
					mseen.first(r, 2)
					r.str(&m.Namespace)
				case "labels":
					mseen.first(r, 3)
					m.Labels = r.stringMap()
				case "annotations":
					mseen.first(r, 4)
					m.Annotations = r.stringMap()
				default:
					r.skip()
				}
			})
		case "spec":
			seen.first(r, 1)
			r.spec(&v)
		default:
			r.skip()
		}
	})
	if r.bad {
		return nil
	}
	return v.pod()
}

func (r *jsonReader) spec(v *podView) {
	s := &v.Spec
	var seen fieldSet
	r.object(func(key []byte) {
		switch string(key) {
		case "volumes":
			seen.first(r, 0)
			if r.null() {
				return
			}
			s.Volumes = []volumeView{}
			r.array(func() {
				s.Volumes = append(s.Volumes, volumeView{})
				vol := &s.Volumes[len(s.Volumes)-1]
				var vseen fieldSet
				r.object(func(key []byte) {
					switch string(key) {
					case "name":
						vseen.first(r, 0)
						r.str(&vol.Name)
					case "emptyDir":
						vseen.first(r, 1)
						vol.EmptyDir = r.presence()
					case "projected":
						vseen.first(r, 2)
						vol.Projected = r.presence()
					default:
						r.skip()
					}
				})
			})
		case "initContainers":
			seen.first(r, 1)
			if r.null() {
				return
			}
			s.InitContainers = []initContainerView{}
			r.array(func() {
				s.InitContainers = append(s.InitContainers, initContainerView{})
				c := &s.InitContainers[len(s.InitContainers)-1]
				var cseen fieldSet
				r.object(func(key []byte) {
					switch string(key) {
					case "name":
						cseen.first(r, 0)
						r.str(&c.Name)
					case "image":
						cseen.first(r, 1)
						r.str(&c.Image)
					default:
						r.skip()
					}
				})
			})
		case "containers":
			seen.first(r, 2)
			if r.null() {
				return
			}
			s.Containers = []containerView{}
			r.array(func() {
				s.Containers = append(s.Containers, containerView{})
				c := &s.Containers[len(s.Containers)-1]
				var cseen fieldSet
				r.object(func(key []byte) {
					switch string(key) {
					case "name":
						cseen.first(r, 0)
						r.str(&c.Name)
					case "image":
						cseen.first(r, 1)
						r.str(&c.Image)
					case "env":
						cseen.first(r, 2)
						c.Env = r.env()
					case "volumeMounts":
						cseen.first(r, 3)
						c.VolumeMounts = r.volumeMounts()
					default:
						r.skip()
					}
				})
			})
		default:
			r.skip()
		}
	})
}

// envVarKeys and volumeMountKeys are all the JSON keys of corev1.EnvVar
// and corev1.VolumeMount (a test checks): any other key might be a field
// of a newer API, so it is not handled rather than skipped.
var (
	envVarKeys      = []string{"name", "value", "valueFrom"}
	volumeMountKeys = []string{"name", "readOnly", "recursiveReadOnly", "mountPath", "subPath", "mountPropagation", "subPathExpr"}
)

// env reads null (nil) or a list of env vars.
func (r *jsonReader) env() []corev1.EnvVar {
	if r.null() {
		return nil
	}
	out := []corev1.EnvVar{}
	r.array(func() {
		out = append(out, corev1.EnvVar{})
		e := &out[len(out)-1]
		var seen fieldSet
		r.object(func(key []byte) {
			switch string(key) {
			case "name":
				seen.first(r, 0)
				r.str(&e.Name)
			case "value":
				seen.first(r, 1)
				r.str(&e.Value)
			case "valueFrom":
				seen.first(r, 2)
				r.general(&e.ValueFrom)
			default:
				r.fail()
			}
		})
	})
	return out
}

// volumeMounts reads null (nil) or a list of volume mounts.
func (r *jsonReader) volumeMounts() []corev1.VolumeMount {
	if r.null() {
		return nil
	}
	out := []corev1.VolumeMount{}
	r.array(func() {
		out = append(out, corev1.VolumeMount{})
		m := &out[len(out)-1]
		var seen fieldSet
		r.object(func(key []byte) {
			switch string(key) {
			case "name":
				seen.first(r, 0)
				r.str(&m.Name)
			case "readOnly":
				seen.first(r, 1)
				if !r.null() {
					m.ReadOnly = r.boolean()
				}
			case "recursiveReadOnly":
				seen.first(r, 2)
				if !r.null() {
					v := corev1.RecursiveReadOnlyMode(r.element())
					m.RecursiveReadOnly = &v
				}
			case "mountPath":
				seen.first(r, 3)
				r.str(&m.MountPath)
			case "subPath":
				seen.first(r, 4)
				r.str(&m.SubPath)
			case "mountPropagation":
				seen.first(r, 5)
				if !r.null() {
					v := corev1.MountPropagationMode(r.element())
					m.MountPropagation = &v
				}
			case "subPathExpr":
				seen.first(r, 6)
				r.str(&m.SubPathExpr)
			default:
				r.fail()
			}
		})
	})
	return out
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

// fieldSet records the known keys seen in one object: a repeated one
// would merge or override where the general path does something else.
type fieldSet uint32

// first marks field n seen, failing r when it was.
func (s *fieldSet) first(r *jsonReader, n uint) {
	if *s&(1<<n) != 0 {
		r.fail()
	}
	*s |= 1 << n
}

// jsonReader reads JSON from b; any error, and anything the fast path
// does not handle, sets bad and moves to the end, so later reads fail too.
type jsonReader struct {
	b     []byte
	i     int
	depth int
	bad   bool
}

// maxDepth bounds nesting well below encoding/json's own limit.
const maxDepth = 1000

func (r *jsonReader) fail() {
	r.bad = true
	r.i = len(r.b)
}

func (r *jsonReader) ws() {
	// Indented JSON has runs of spaces: skip them a word at a time.
	for r.i+8 <= len(r.b) && binary.LittleEndian.Uint64(r.b[r.i:]) == 0x2020202020202020 {
		r.i += 8
	}
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, 0 at the end.
func (r *jsonReader) peek() byte {
	r.ws()
	if r.i >= len(r.b) {
		return 0
	}
	return r.b[r.i]
}

// null consumes a null literal if one is next.
func (r *jsonReader) null() bool {
	if r.peek() == 'n' {
		r.literal("null")
		return true
	}
	return false
}

func (r *jsonReader) literal(lit string) {
	if !bytes.HasPrefix(r.b[r.i:], []byte(lit)) {
		r.fail()
		return
	}
	r.i += len(lit)
}

func (r *jsonReader) boolean() bool {
	switch r.peek() {
	case 't':
		r.literal("true")
		return true
	case 'f':
		r.literal("false")
	default:
		r.fail()
	}
	return false
}

// object reads an object, calling field with each key (the reader then at
// its value, which field must consume). Keys with escapes are not handled.
func (r *jsonReader) object(field func(key []byte)) {
	if r.peek() != '{' {
		r.fail()
		return
	}
	r.i++
	if r.depth++; r.depth > maxDepth {
		r.fail()
		return
	}
	if r.peek() == '}' {
		r.i++
		r.depth--
		return
	}
	for !r.bad {
		key, escaped := r.rawString()
		if escaped {
			r.fail()
			return
		}
		if r.peek() != ':' {
			r.fail()
			return
		}
		r.i++
		field(key)
		switch r.peek() {
		case ',':
			r.i++
		case '}':
			r.i++
			r.depth--
			return
		default:
			r.fail()
		}
	}
}

// array reads an array, calling elem at each element, which elem must
// consume.
func (r *jsonReader) array(elem func()) {
	if r.peek() != '[' {
		r.fail()
		return
	}
	r.i++
	if r.depth++; r.depth > maxDepth {
		r.fail()
		return
	}
	if r.peek() == ']' {
		r.i++
		r.depth--
		return
	}
	for !r.bad {
		elem()
		switch r.peek() {
		case ',':
			r.i++
		case ']':
			r.i++
			r.depth--
			return
		default:
			r.fail()
		}
	}
}

// rawString reads a string and returns its bytes between the quotes and
// whether they hold escapes. Only ASCII and the short escapes are
// handled.
func (r *jsonReader) rawString() (s []byte, escaped bool) {
	if r.peek() != '"' {
		r.fail()
		return nil, false
	}
	start := r.i + 1
	for i := start; i < len(r.b); {
		// Skip words of plain characters (no quote, backslash, control
		// character or non-ASCII) at once.
		for i+8 <= len(r.b) && plainWord(binary.LittleEndian.Uint64(r.b[i:])) {
			i += 8
		}
		if i >= len(r.b) {
			break
		}
		switch c := r.b[i]; {
		case c == '"':
			r.i = i + 1
			return r.b[start:i], escaped
		case c == '\\':
			if i+1 >= len(r.b) || bytes.IndexByte([]byte(`"\/bfnrt`), r.b[i+1]) < 0 {
				r.fail()
				return nil, false
			}
			escaped = true
			i += 2
		case c < 0x20 || c >= 0x80:
			r.fail()
			return nil, false
		default:
			i++
		}
	}
	r.fail()
	return nil, false
}

// plainWord reports whether none of the 8 bytes in w is a quote, a
// backslash, below 0x20 or above 0x7f (the classic "has zero byte" bit
// tricks).
func plainWord(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	hasZero := func(x uint64) uint64 { return (x - ones) &^ x & highs }
	special := hasZero(w^(ones*'"')) | hasZero(w^(ones*'\\')) | (w-ones*0x20)&^w&highs | w&highs
	return special == 0
}

// str reads a string into dst; null leaves dst alone, as encoding/json
// does.
func (r *jsonReader) str(dst *string) {
	if !r.null() {
		*dst = r.element()
	}
}

// element reads a string; null is not handled.
func (r *jsonReader) element() string {
	s, escaped := r.rawString()
	switch {
	case r.bad:
		return ""
	case escaped:
		return unescape(s)
	default:
		return string(s)
	}
}

func unescape(s []byte) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			out = append(out, s[i])
			continue
		}
		i++
		switch c := s[i]; c {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		default: // " \ /
			out = append(out, c)
		}
	}
	return string(out)
}

// strings reads null (nil) or a list of strings (never nil, as
// encoding/json makes empty lists non-nil). A null element is not handled.
func (r *jsonReader) strings() []string {
	if r.null() {
		return nil
	}
	out := []string{}
	r.array(func() {
		out = append(out, r.element())
	})
	return out
}

// stringMap reads null (nil) or an object of strings. A null value or a
// repeated key is not handled.
func (r *jsonReader) stringMap() map[string]string {
	if r.null() {
		return nil
	}
	m := map[string]string{}
	r.object(func(key []byte) {
		k := string(key)
		if _, dup := m[k]; dup {
			r.fail()
			return
		}
		m[k] = r.element()
	})
	return m
}

// value reads any value and returns its bytes.
func (r *jsonReader) value() []byte {
	r.ws()
	start := r.i
	r.skip()
	if r.bad {
		return nil
	}
	return r.b[start:r.i]
}

// skip reads any value.
func (r *jsonReader) skip() {
	switch c := r.peek(); {
	case c == '"':
		r.rawString()
	case c == '{':
		r.object(func([]byte) { r.skip() })
	case c == '[':
		r.array(r.skip)
	case c == 't':
		r.literal("true")
	case c == 'f':
		r.literal("false")
	case c == 'n':
		r.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		r.number()
	default:
		r.fail()
	}
}

// number reads a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (r *jsonReader) number() {
	b, i := r.b, r.i
	digits := func() bool {
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > start
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case !digits():
		r.fail()
		return
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			r.fail()
			return
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			r.fail()
			return
		}
	}
	r.i = i
}
