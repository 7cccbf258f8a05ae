package podsource

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func podDefault(name string, matchLabels map[string]any) unstructured.Unstructured {
	u := unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kubeflow.org/v1alpha1", "kind": "PodDefault",
		"metadata": map[string]any{"name": name},
		"spec":     map[string]any{"selector": map[string]any{}},
	}}
	if matchLabels != nil {
		u.Object["spec"].(map[string]any)["selector"].(map[string]any)["matchLabels"] = matchLabels
	}
	return u
}

func TestApplyPodDefaults(t *testing.T) {
	pod := map[string]string{"notebook-name": "nb", "access-ml-pipeline": "true", "team": "a"}
	tests := []struct {
		name         string
		pds          []unstructured.Unstructured
		want         map[string]string
		wantWarnings []string
	}{
		{"no PodDefaults, no labels", nil, nil, nil},
		{"a matching PodDefault contributes its matchLabels",
			[]unstructured.Unstructured{podDefault("access-ml-pipeline", map[string]any{"access-ml-pipeline": "true"})},
			map[string]string{"access-ml-pipeline": "true"}, nil},
		{"one matching pair is enough and every pair is copied (Kale's rule)",
			[]unstructured.Unstructured{podDefault("multi", map[string]any{"team": "a", "gpu": "yes"})},
			map[string]string{"team": "a", "gpu": "yes"}, nil},
		{"a value that differs from the pod's label does not match",
			[]unstructured.Unstructured{podDefault("other-team", map[string]any{"team": "b"})},
			nil, nil},
		{"a PodDefault with only matchExpressions never applies",
			[]unstructured.Unstructured{podDefault("exprs", nil)},
			nil, nil},
		{"conflicting values warn and the pod's own value wins",
			[]unstructured.Unstructured{
				podDefault("a-first", map[string]any{"access-ml-pipeline": "true", "team": "z"}),
				podDefault("b-second", map[string]any{"team": "a"}),
			},
			map[string]string{"access-ml-pipeline": "true", "team": "a"},
			[]string{`PodDefaults a-first and b-second select label team with different values ("z", "a"); steps get team=a`}},
		{"conflicting values the pod does not carry keep the first PodDefault's by name",
			[]unstructured.Unstructured{
				podDefault("zz", map[string]any{"team": "a", "region": "us"}),
				podDefault("aa", map[string]any{"team": "a", "region": "eu"}),
			},
			map[string]string{"team": "a", "region": "eu"},
			[]string{`PodDefaults aa and zz select label region with different values ("eu", "us"); steps get region=eu`}},
		{"a malformed matchLabels is a warning",
			[]unstructured.Unstructured{podDefault("bad", map[string]any{"team": int64(1)})},
			nil, []string{"PodDefault bad has an unreadable spec.selector.matchLabels"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, warnings := applyPodDefaults(pod, tt.pds)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("labels = %v, want %v", got, tt.want)
			}
			if len(warnings) != len(tt.wantWarnings) {
				t.Fatalf("warnings = %q, want %q", warnings, tt.wantWarnings)
			}
			for i, w := range tt.wantWarnings {
				if !strings.HasPrefix(warnings[i], w) {
					t.Errorf("warning %d = %q, want it to start with %q", i, warnings[i], w)
				}
			}
		})
	}
}

func TestChooseContainer(t *testing.T) {
	pod := func(labels, annotations map[string]string, names ...string) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "nb-0", Namespace: "ns", Labels: labels, Annotations: annotations}}
		for _, n := range names {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: n})
		}
		p.Spec.InitContainers = []corev1.Container{{Name: "kale-tooling"}}
		return p
	}
	tests := []struct {
		name    string
		pod     *corev1.Pod
		flag    string // -c
		want    string
		wantErr string
	}{
		{"-c wins", pod(map[string]string{"notebook-name": "nb"}, nil, "istio-proxy", "nb"), "istio-proxy", "istio-proxy", ""},
		{"the container named like notebook-name", pod(map[string]string{"notebook-name": "nb"}, nil, "istio-proxy", "nb"), "", "nb", ""},
		{"kubectl's default container", pod(nil, map[string]string{AnnotationDefaultContainer: "main"}, "istio-proxy", "main"), "", "main", ""},
		{"else the first", pod(nil, nil, "first", "second"), "", "first", ""},
		{"unknown -c lists the containers", pod(nil, nil, "a", "b"), "nope", "", "container nope not found in pod ns/nb-0; its containers are: a, b"},
		{"an init container is refused", pod(nil, nil, "a"), "kale-tooling", "", "container kale-tooling of pod ns/nb-0 is an init container; choose one of: a"},
		{"no containers", pod(nil, nil), "", "", "pod ns/nb-0 has no containers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := chooseContainer(tt.pod, tt.flag)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Errorf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || c.Name != tt.want {
				t.Errorf("chose %v, %v; want %s", c, err, tt.want)
			}
		})
	}
}

func TestCheckRunning(t *testing.T) {
	now := metav1.Now()
	running := corev1.ContainerStatus{Name: "nb", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
	tests := []struct {
		name    string
		status  corev1.PodStatus
		deleted bool
		wantErr string
	}{
		{"running pod and container", corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{running}}, false, ""},
		{"unscheduled", corev1.PodStatus{}, false, "pod nb-0 in namespace ns is not scheduled yet, not Running"},
		{"pending with a reason", corev1.PodStatus{Phase: corev1.PodPending, Reason: "Unschedulable", Message: "0/3 nodes"}, false,
			"pod nb-0 in namespace ns is Pending, not Running: Unschedulable 0/3 nodes"},
		{"pending, not scheduled", corev1.PodStatus{Phase: corev1.PodPending}, false,
			"pod nb-0 in namespace ns is Pending, not Running: not scheduled to a node yet"},
		{"succeeded", corev1.PodStatus{Phase: corev1.PodSucceeded}, false, "pod nb-0 in namespace ns is Succeeded, not Running"},
		{"terminating", corev1.PodStatus{Phase: corev1.PodRunning}, true, "pod nb-0 in namespace ns is terminating"},
		{"container waiting", corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{
			{Name: "nb", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}}}}, false,
			"container nb of pod nb-0 in namespace ns is waiting: CrashLoopBackOff"},
		{"another container's state does not matter", corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{
			running, {Name: "sidecar", State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Error"}}}}}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "nb-0", Namespace: "ns"}, Status: tt.status}
			if tt.deleted {
				p.DeletionTimestamp = &now
			}
			err := checkRunning(p, "nb")
			if got := errString(err); got != tt.wantErr {
				t.Errorf("err = %q, want %q", got, tt.wantErr)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestLocationResolvesAgainstTheWorkingDir(t *testing.T) {
	p := &Pod{Namespace: "ns", Name: "nb-0", WorkingDir: "/home/jovyan"}
	for in, want := range map[string]string{
		"train.ipynb":          "ns/nb-0:/home/jovyan/train.ipynb",
		"work/../x.ipynb":      "ns/nb-0:/home/jovyan/x.ipynb",
		"/data/y.ipynb":        "ns/nb-0:/data/y.ipynb",
		"/home/jovyan/z.ipynb": "ns/nb-0:/home/jovyan/z.ipynb",
	} {
		if got := p.Location(in); got != want {
			t.Errorf("Location(%q) = %q, want %q", in, got, want)
		}
	}
	bare := &Pod{Namespace: "ns", Name: "nb-0"}
	if got := bare.Location("x.ipynb"); got != "ns/nb-0:x.ipynb" {
		t.Errorf("without a working dir, Location(x.ipynb) = %q", got)
	}
}
