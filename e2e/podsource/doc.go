// Package podsource holds end-to-end tests of kale with notebooks read
// from pods: a Kubeflow notebook pod admitted as kale's webhook does it
// (inject.Mutate), `kale submit -` in the pod with the pod's own KFP
// credentials, and `kubectl kale run POD:PATH` / `--notebook NAME` from a
// user whose RBAC is exactly podsource.RequiredRBAC. They run a real
// kube-apiserver (internal/testenv), a stand-in kubelet
// (internal/fakekubelet), the fake KFP API (internal/kfpfake) and the
// kubectl-kale binary built from this tree. nokubeflow/ covers a cluster
// without Kubeflow's CRDs.
package podsource
