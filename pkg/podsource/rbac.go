package podsource

import rbacv1 "k8s.io/api/rbac/v1"

// RequiredRBAC is every permission podsource uses in the notebook's
// namespace. PodDefaults and claims are optional: without them Resolve
// warns and carries on. pods/exec needs both verbs: kube-apiserver 1.34
// authorizes the WebSocket exec upgrade as "get", SPDY as "create", and
// 1.35 asks for both.
func RequiredRBAC() []rbacv1.PolicyRule {
	return []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}},
		{APIGroups: []string{""}, Resources: []string{"pods/exec"}, Verbs: []string{"get", "create"}},
		{APIGroups: []string{""}, Resources: []string{"persistentvolumeclaims"}, Verbs: []string{"get"}},
		{APIGroups: []string{"kubeflow.org"}, Resources: []string{"notebooks"}, Verbs: []string{"get"}},
		{APIGroups: []string{"kubeflow.org"}, Resources: []string{"poddefaults"}, Verbs: []string{"list"}},
	}
}
