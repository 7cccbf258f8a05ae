package webhook

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// reviewBodies are the testdata reviews and bodies that probe where the
// decoding could differ from controller-runtime's deserializer.
func reviewBodies(t testing.TB) [][]byte {
	inputs, _ := filepath.Glob("testdata/admission/*.json")
	bodies, _ := filepath.Glob("testdata/admission/*.body")
	var out [][]byte
	for _, in := range append(inputs, bodies...) {
		b, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	pod, _ := os.ReadFile("testdata/admission/notebook-pod.json")
	for _, s := range []string{
		``, `{}`, `null`, `[]`, `"x"`, ` {"request":null}`, "\u00a0{}", `{"request":{"uid":"u","kind":{"kind":"Pod"}}}`,
		`apiVersion: admission.k8s.io/v1
kind: AdmissionReview
request: {uid: "1", kind: {kind: Pod}, operation: CREATE}`,
		`{"apiVersion":5}`, `{"kind":null,"apiVersion":null}`, `{"apiVersion":"a/b/c"}`, `{"apiVersion":"/v1"}`,
		`{"APIVERSION":"admission.k8s.io/v1beta1","kind":"AdmissionReview"}`,
		`{"apiVersion":"admission.k8s.io/v1","apiversion":"x/v2","Kind":"Other"}`,
		`{"\u006bind":"Escaped","apiVersion":"v1"}`, `{"\u212aind":"Kelvin","apiVersion":"v1"}`,
		"{\"\u212aind\":\"Kelvin\",\"apiVer\u017fion\":\"x/v9\"}",
		`{"kind":"A","kind":"B","apiVersion":"g/v1","apiVersion":"h/v2"}`,
		`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1","kind":{"kind":"Pod"},"operation":"CREATE","object":{"metadata":{"labels":{"notebook-name":"a"}},"spec":{"containers":[{"name":"a"}]}},"Request":{}}}`,
		`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1"}} trailing`,
		strings.Replace(string(pod), `"kind": "AdmissionReview"`, `"Kind": "AdmissionReview"`, 1),
		strings.Replace(string(pod), `"apiVersion": "admission.k8s.io/v1"`, `"apiVersion": "admission.k8s.io/v1beta1"`, 1),
		strings.Replace(string(pod), `"request"`, `"Request"`, 1),
		strings.Replace(string(pod), `"uid"`, `"UID"`, 1),
		strings.Replace(string(pod), `"operation": "CREATE"`, `"operation": "create"`, 1),
	} {
		out = append(out, []byte(s))
	}
	return out
}

// sameAsControllerRuntime sends body (with contentType) to the handler and
// to controller-runtime's admission.Webhook around the same Handler, and
// expects byte-identical answers.
func sameAsControllerRuntime(t *testing.T, body []byte, contentType string) {
	t.Helper()
	h := NewHandler(testConfig(), nil, nil)
	got, want := post(h.Webhook(), body, contentType), post(&admission.Webhook{Handler: h}, body, contentType)
	if got.Code != want.Code || !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) ||
		got.Header().Get("Content-Type") != want.Header().Get("Content-Type") {
		t.Fatalf("body %.300q:\n got: %d %s\nwant: %d %s", body, got.Code, got.Body, want.Code, want.Body)
	}
}

func TestReviewMatchesControllerRuntime(t *testing.T) {
	for _, b := range reviewBodies(t) {
		sameAsControllerRuntime(t, b, "application/json")
	}
	sameAsControllerRuntime(t, nil, "application/json")
	sameAsControllerRuntime(t, []byte(`{}`), "")
	sameAsControllerRuntime(t, []byte(`{}`), "application/yaml")
	big := append([]byte(`{"apiVersion":"admission.k8s.io/v1","x":"`), bytes.Repeat([]byte("a"), int(maxRequestSize))...)
	sameAsControllerRuntime(t, append(big, `"}`...), "application/json")
}

// TestMutatedReviewsMatchControllerRuntime is a quick deterministic fuzz:
// bytes of the reviews replaced, deleted, duplicated or case-flipped.
func TestMutatedReviewsMatchControllerRuntime(t *testing.T) {
	for _, b := range mutatedBodies(t, 1) {
		sameAsControllerRuntime(t, b, "application/json")
	}
}

// mutatedBodies returns 3000 (300 with -short) reviewBodies with bytes
// replaced, deleted, duplicated or case-flipped.
func mutatedBodies(t *testing.T, seed uint64) [][]byte {
	n := 3000
	if testing.Short() {
		n = 300
	}
	bodies := reviewBodies(t)
	rng := rand.New(rand.NewPCG(seed, 2))
	alphabet := []byte(`{}[]":,\ aAkKiInNdDvV01u` + "\xe2\x84\xaa\xc5\xbf\x00\n")
	out := make([][]byte, 0, n)
	for range n {
		b := bytes.Clone(bodies[rng.IntN(len(bodies))])
		for range 1 + rng.IntN(4) {
			if len(b) == 0 {
				break
			}
			i := rng.IntN(len(b))
			switch rng.IntN(4) {
			case 0:
				b[i] = alphabet[rng.IntN(len(alphabet))]
			case 1:
				b = append(b[:i], b[i+1:]...)
			case 2:
				j := min(len(b), i+1+rng.IntN(16))
				b = append(b[:j], append(bytes.Clone(b[i:j]), b[j:]...)...)
			case 3:
				b[i] ^= 0x20
			}
		}
		out = append(out, b)
	}
	return out
}

// FuzzReviewMatchesControllerRuntime: for any body the answer is
// controller-runtime's, byte for byte.
func FuzzReviewMatchesControllerRuntime(f *testing.F) {
	for _, b := range reviewBodies(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		sameAsControllerRuntime(t, body, "application/json")
	})
}

func TestExactTypeMetaKeys(t *testing.T) {
	for s, want := range map[string]bool{
		`{"apiVersion":"v1","kind":"K","request":{"kind":{"kind":"Pod"}}}`: true,
		`{"ApiVersion":"v1"}`:                  false,
		`{"x":"KIND"}`:                         false, // a value, but conservatively
		`{"x":"a Kind"}`:                       true,
		`{"\u006bind":"K"}`:                    false,
		"{\"\u212aind\":\"K\"}":                false,
		`{"kinds":"K","kin":"d"}`:              true,
		`{"a":"\"Kind\""}`:                     true, // inside a string
		`{"apiVersion":"KIND/v1"}`:             true,
		`{"\"Kind":"K"}`:                       false,
		"{\"kind\":\"K\",\"x\":\"caf\u00e9\"}": false, // non-ASCII
		`{"kind":"K","x":"caf\u00e9"}`:         false, // an escape
	} {
		if got := exactTypeMetaKeys([]byte(s)); got != want {
			t.Errorf("exactTypeMetaKeys(%s) = %v, want %v", s, got, want)
		}
	}
}

// TestAppendReviewMatchesEncoder: the hand-written answer is what
// json.Encoder (controller-runtime's writer) writes for the same review.
func TestAppendReviewMatchesEncoder(t *testing.T) {
	jp := admissionv1.PatchTypeJSONPatch
	gvks := []schema.GroupVersionKind{reviewV1, {Group: "admission.k8s.io", Version: "v1beta1", Kind: "AdmissionReview"}, {Version: "v1"}, {Kind: "K"}, {Group: "<g>", Version: "v\u2028", Kind: "\"K\""}}
	responses := []admissionv1.AdmissionResponse{
		{},
		{UID: "705ab4f5-6393-11e8-b7cc-42010a800002", Allowed: true, Result: &metav1.Status{Code: 200}},
		{UID: "u", Allowed: true, Result: &metav1.Status{}, Patch: []byte(`[{"op":"add","path":"/a","value":"<&>"}]`), PatchType: &jp},
		{UID: "u", Allowed: true, Patch: []byte{}, PatchType: &jp, Warnings: []string{}},
		{UID: "u\x00\xff", Allowed: false, Warnings: []string{"kale: a & b <c> \"d\" \\ \t é \u2029 \xfe", ""}},
		{UID: "u", Result: &metav1.Status{Code: 500, Message: "boom"}},
		{UID: "u", Result: &metav1.Status{Code: 200, ListMeta: metav1.ListMeta{Continue: "x"}}},
		{UID: "u", AuditAnnotations: map[string]string{"a": "b"}},
	}
	for _, gvk := range gvks {
		for i := range responses {
			r := &responses[i]
			ar := admissionv1.AdmissionReview{Response: r}
			ar.SetGroupVersionKind(gvk)
			var want bytes.Buffer
			if err := json.NewEncoder(&want).Encode(ar); err != nil {
				t.Fatal(err)
			}
			got, ok := appendReview(nil, gvk, r)
			if !ok {
				if r.AuditAnnotations == nil && (r.Result == nil || plainStatus(r.Result)) {
					t.Errorf("appendReview refused %+v", r)
				}
				continue
			}
			if !bytes.Equal(got, want.Bytes()) {
				t.Errorf("appendReview(%v, %+v)\n got %s\nwant %s", gvk, r, got, want.Bytes())
			}
		}
	}
}
