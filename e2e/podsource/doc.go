// Package podsource holds end-to-end tests of reading notebooks from pods
// on a cluster that has no Kubeflow CRDs (plain Kubernetes with a notebook
// server pod); pkg/podsource tests the Kubeflow case. The tests start a
// real kube-apiserver (internal/testenv) and a stand-in kubelet
// (internal/fakekubelet).
package podsource
