package webhook

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubeflow-kale/kale/pkg/inject"
)

// checkPatch applies patchFor's operations to the JSON of in and expects
// exactly the JSON of Mutate's result. The handler decodes only a podView
// of the pod: that view must give the same decision and the same patch.
func checkPatch(t *testing.T, in *corev1.Pod) {
	t.Helper()
	res := inject.Mutate(in, testConfig())
	raw, err := patchOf(in, res)
	if err != nil {
		t.Fatal(err)
	}
	inJSON, _ := json.Marshal(in)
	view, err := decodePod(inJSON)
	if err != nil {
		t.Fatalf("decodePod(%s): %v", inJSON, err)
	}
	viewRes := inject.Mutate(view, testConfig())
	viewRaw, err := patchOf(view, viewRes)
	if err != nil {
		t.Fatal(err)
	}
	if viewRes.SkipReason != res.SkipReason || viewRes.Container != res.Container ||
		!reflect.DeepEqual(viewRes.Conflicts, res.Conflicts) || string(viewRaw) != string(raw) {
		t.Fatalf("the pod's view is answered differently from the pod %s\n view: %q %q %s\n  pod: %q %q %s",
			inJSON, viewRes.SkipReason, viewRes.Conflicts, viewRaw, res.SkipReason, res.Conflicts, raw)
	}
	if res.SkipReason != "" {
		return
	}
	if !json.Valid(raw) {
		t.Fatalf("patch is not valid JSON: %s", raw)
	}
	p, err := jsonpatch.DecodePatch(raw)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := json.Marshal(in)
	got, err := p.Apply(before)
	if err != nil {
		t.Fatalf("patch %s does not apply: %v", raw, err)
	}
	want, _ := json.Marshal(res.Pod)
	var g, w any
	_ = json.Unmarshal(got, &g)
	_ = json.Unmarshal(want, &w)
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("patched pod differs from Mutate's result\npatch: %s\n  got: %s\n want: %s", raw, got, want)
	}
}

func patchOf(in *corev1.Pod, res inject.Result) ([]byte, error) {
	if res.SkipReason != "" {
		return nil, nil
	}
	return appendPatch(nil, patchFor(in, res.Pod, containerIndex(res.Pod, res.Container), newValueCache(testConfig())))
}

func TestPatchReproducesMutate(t *testing.T) {
	inputs, _ := filepath.Glob("testdata/admission/*.json")
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			b, _ := os.ReadFile(in)
			var review admissionv1.AdmissionReview
			if err := json.Unmarshal(b, &review); err != nil {
				t.Fatal(err)
			}
			var pod corev1.Pod
			if json.Unmarshal(review.Request.Object.Raw, &pod) != nil {
				return
			}
			checkPatch(t, &pod)
		})
	}
}

// FuzzPatch: for any pod, the patch turns the pod's JSON into Mutate's result.
func FuzzPatch(f *testing.F) {
	inputs, _ := filepath.Glob("testdata/admission/*.json")
	for _, in := range inputs {
		b, _ := os.ReadFile(in)
		var review admissionv1.AdmissionReview
		if json.Unmarshal(b, &review) == nil && review.Request != nil {
			f.Add(review.Request.Object.Raw)
		}
	}
	f.Add([]byte(`{"metadata":{"labels":{"notebook-name":"a"},"annotations":{"a/b~c":"1","kale.kubeflow.org/conflicts":"x"}},"spec":{"containers":[{"name":"b"},{"name":"a","env":[]}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var pod corev1.Pod
		if json.Unmarshal(data, &pod) != nil {
			return
		}
		checkPatch(t, &pod)
	})
}
