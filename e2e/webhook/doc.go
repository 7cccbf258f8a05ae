// Package webhook holds the end-to-end tests of kale-webhook on a real
// kube-apiserver and etcd (internal/testenv): the MutatingWebhookConfiguration
// from manifests/base, pointed at a kale-webhook served in-process on
// loopback with a CA generated per run, and pods shaped like the ones
// Kubeflow's Notebook controller creates.
package webhook
