package testenv

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// CreateNamespace creates a namespace with labels. A name ending in "-"
// (e.g. "nb-") is a prefix: the server appends a random suffix.
func (e *Env) CreateNamespace(ctx context.Context, name string, labels map[string]string) (*corev1.Namespace, error) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Labels: labels}}
	if name != "" && name[len(name)-1] == '-' {
		ns.GenerateName = name
	} else {
		ns.Name = name
	}
	got, err := e.Client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("creating namespace %s: %w", name, err)
	}
	return got, nil
}

// RegisterNode creates a Ready Node whose kubelet is reached at
// https://127.0.0.1:kubeletPort, so that the API server sends the exec, attach
// and log requests for pods bound to it (spec.nodeName) to a test agent on
// that port. The Node's only address is InternalIP 127.0.0.1: the API server
// tries a Hostname address first, which would break this.
func (e *Env) RegisterNode(ctx context.Context, name string, kubeletPort int) (*corev1.Node, error) {
	node, err := e.Client.CoreV1().Nodes().Create(ctx, &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{corev1.LabelHostname: name}},
	}, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("creating node %s: %w", name, err)
	}
	now := metav1.Now()
	node.Status = corev1.NodeStatus{
		Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}},
		DaemonEndpoints: corev1.NodeDaemonEndpoints{
			KubeletEndpoint: corev1.DaemonEndpoint{Port: int32(kubeletPort)},
		},
		Conditions: []corev1.NodeCondition{{
			Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
			Message: "test agent is ready", LastHeartbeatTime: now, LastTransitionTime: now,
		}},
	}
	node, err = e.Client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{})
	if err != nil {
		return nil, fmt.Errorf("setting the status of node %s: %w", name, err)
	}
	return node, nil
}
