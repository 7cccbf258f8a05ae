package webhook

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// sameAsGeneral: whenever the fast decoder takes a body, the general path
// decodes it to the same request, pod and review version.
func sameAsGeneral(t *testing.T, body []byte) (fast bool) {
	t.Helper()
	if !bytes.HasPrefix(bytes.TrimLeft(body, " \t\r\n"), []byte("{")) {
		return false
	}
	ar, pod, tm, ok := fastDecodeReview(body)
	if !ok {
		return false
	}
	req, gvk, gok := generalDecodeReview(body)
	gv, err := schema.ParseGroupVersion(tm.APIVersion)
	if err != nil {
		if gok {
			t.Fatalf("the general path takes a version the fast one refuses: %q", body)
		}
		return true
	}
	if !gok {
		t.Fatalf("fast decoding took a body the general path refuses: %q", body)
	}
	var gpod *corev1.Pod
	if req.Object.Raw != nil {
		if gpod, err = decodePod(req.Object.Raw); err != nil {
			t.Fatalf("fast decoding read a pod the general path cannot (%v): %q", err, body)
		}
	}
	req.Object = runtime.RawExtension{}
	if !reflect.DeepEqual(ar, req.AdmissionRequest) {
		t.Fatalf("requests differ for %q\n fast: %#v\n general: %#v", body, ar, req.AdmissionRequest)
	}
	if !reflect.DeepEqual(pod, gpod) {
		fj, _ := json.Marshal(pod)
		gj, _ := json.Marshal(gpod)
		t.Fatalf("pods differ for %q\n fast: %s\n general: %s", body, fj, gj)
	}
	if gv.WithKind(tm.Kind) != gvk {
		t.Fatalf("type meta differs for %q: fast %+v, general %v", body, tm, gvk)
	}
	return true
}

func TestFastDecodeMatchesGeneral(t *testing.T) {
	took := 0
	for _, b := range append(reviewBodies(t), mutatedBodies(t, 7)...) {
		if sameAsGeneral(t, b) {
			took++
		}
	}
	// Most mutations break the JSON; still, many bodies must go the fast
	// way: about 1 in 30 of the 3000 mutations (300 with -short) plus the
	// API server shaped test bodies.
	want := 100
	if testing.Short() {
		want = 30
	}
	if took < want {
		t.Errorf("the fast decoder took only %d bodies, want %d", took, want)
	}
}

// The reviews an API server sends, indented or compact, take the fast way.
func TestFastDecodeTakesAPIServerReviews(t *testing.T) {
	for _, name := range []string{"notebook-pod", "notebook-pod-dry-run", "notebook-pod-v1beta1", "conflicts-keep-the-pods-values",
		"poddefault-already-mounted-token", "sidecar-before-notebook-container", "pod-without-namespace", "update-is-ignored"} {
		body, err := os.ReadFile("testdata/admission/" + name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, body); err != nil {
			t.Fatal(err)
		}
		for _, b := range [][]byte{body, compact.Bytes()} {
			if !sameAsGeneral(t, b) {
				t.Errorf("%s: the fast decoder refused it", name)
			}
		}
	}
}

func TestFastDecodeRefuses(t *testing.T) {
	for _, s := range []string{
		`{"kind":"A","kind":"B"}`,
		`{"Kind":"AdmissionReview"}`,
		`{"request":{"uid":"1","uid":"2"}}`,
		`{"request":{"object":{"metadata":{"labels":{"a":"1","a":"2"}}}}}`,
		`{"request":{"object":{"metadata":{"labels":{"a":null}}}}}`,
		`{"request":{"userInfo":{"groups":["a",null]}}}`,
		`{"request":{"object":{"spec":{"containers":[null]}}}}`,
		`{"request":{"object":{"spec":{"containers":[{"env":[{"name":"A","futureField":1}]}]}}}}`,
		`{"request":{"uid":"\u0031"}}`,
		`{"request":{"uid":"é"}}`,
		`{"response":{}}`,
		`{"request":{"dryRun":"yes"}}`,
		`{"request":{}} x`,
		`{"request":{"object":{"spec":{"volumes":[{"name":5}]}}}}`,
		`{"a":01}`, `{"a":1.}`, `{"a":-}`, `{"a":1e}`, `{"a":tru}`, `{"a":[1,]}`, `{"a":1,}`,
		strings.Repeat(`{"a":`, 2000) + "1" + strings.Repeat("}", 2000),
	} {
		if _, _, _, ok := fastDecodeReview([]byte(s)); ok {
			t.Errorf("fastDecodeReview took %s", s)
		}
	}
}

// FuzzFastDecode: the fast decoder agrees with the general path on any
// body it takes.
func FuzzFastDecode(f *testing.F) {
	for _, b := range reviewBodies(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		sameAsGeneral(t, body)
	})
}

// The fast decoder refuses keys of EnvVar and VolumeMount it does not know;
// its lists must be all of them, or pods using the others go the slow way.
func TestViewKeysAreAllTheTypesKeys(t *testing.T) {
	for _, c := range []struct {
		typ  reflect.Type
		keys []string
	}{{reflect.TypeFor[corev1.EnvVar](), envVarKeys}, {reflect.TypeFor[corev1.VolumeMount](), volumeMountKeys}} {
		var want []string
		for f := range c.typ.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			want = append(want, name)
		}
		if !slices.Equal(c.keys, want) {
			t.Errorf("%s keys: have %q, the type has %q", c.typ, c.keys, want)
		}
	}
}

func TestPlainWord(t *testing.T) {
	for c := range 256 {
		for pos := range 8 {
			w := []byte("abcdefgh")
			w[pos] = byte(c)
			want := c >= 0x20 && c < 0x80 && c != '"' && c != '\\'
			if got := plainWord(binary.LittleEndian.Uint64(w)); got != want {
				t.Errorf("plainWord(%q) = %v, want %v", w, got, want)
			}
		}
	}
}
