package podsource

import (
	"context"
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// podDefaultLabels lists the namespace's PodDefaults and returns the union
// of the matchLabels of those that apply to the pod, by Kale's rule: a
// PodDefault applies when any of its matchLabels pairs equals a pod label.
// No PodDefault CRD means no labels. Failures to list are warnings, as in
// Kale.
func (s *Source) podDefaultLabels(ctx context.Context, pod *corev1.Pod) (map[string]string, []string) {
	list, err := s.dynamic.Resource(PodDefaultResource).Namespace(pod.Namespace).List(ctx, metav1.ListOptions{})
	switch {
	case meta.IsNoMatchError(err) || apierrors.IsNotFound(err):
		return nil, nil
	case apierrors.IsForbidden(err):
		return nil, []string{fmt.Sprintf("cannot list PodDefaults in namespace %s (RBAC verb \"list\" on \"poddefaults.kubeflow.org\"); steps will not carry the notebook's PodDefault labels", pod.Namespace)}
	case err != nil:
		return nil, []string{fmt.Sprintf("cannot list PodDefaults in namespace %s: %v; steps will not carry the notebook's PodDefault labels", pod.Namespace, err)}
	}
	return applyPodDefaults(pod.Labels, list.Items)
}

// applyPodDefaults is Kale's rule over PodDefault objects. A key that two
// applied PodDefaults set to different values is a warning; the pod's own
// value wins, else the first PodDefault's by name.
func applyPodDefaults(podLabels map[string]string, pds []unstructured.Unstructured) (map[string]string, []string) {
	sort.Slice(pds, func(i, j int) bool { return pds[i].GetName() < pds[j].GetName() })
	labels := map[string]string{}
	from := map[string]string{}
	var warnings []string
	for _, pd := range pds {
		ml, found, err := unstructured.NestedStringMap(pd.Object, "spec", "selector", "matchLabels")
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("PodDefault %s has an unreadable spec.selector.matchLabels: %v", pd.GetName(), err))
			continue
		}
		if !found || !appliesTo(ml, podLabels) {
			continue
		}
		keys := make([]string, 0, len(ml))
		for k := range ml {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := ml[k]
			old, seen := labels[k]
			switch {
			case !seen:
				labels[k], from[k] = v, pd.GetName()
			case old != v:
				first, keep := from[k], old
				if pv, ok := podLabels[k]; ok && pv == v {
					keep = v
					labels[k], from[k] = v, pd.GetName()
				}
				warnings = append(warnings, fmt.Sprintf("PodDefaults %s and %s select label %s with different values (%q, %q); steps get %s=%s",
					first, pd.GetName(), k, old, v, k, keep))
			}
		}
	}
	if len(labels) == 0 {
		return nil, warnings
	}
	return labels, warnings
}

func appliesTo(matchLabels, podLabels map[string]string) bool {
	for k, v := range matchLabels {
		if pv, ok := podLabels[k]; ok && pv == v {
			return true
		}
	}
	return false
}
