package fakekubelet

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// RunPod does what the scheduler and a kubelet would: it binds pod to node
// (spec.nodeName), creates it, hosts it on the agent (AddPod) and reports
// it running: phase Running, Ready, every container ready and running with
// its image. pod.Namespace must be set. It returns the pod as stored.
func (a *Agent) RunPod(ctx context.Context, cs kubernetes.Interface, node string, pod *corev1.Pod) (*corev1.Pod, error) {
	pod = pod.DeepCopy()
	pod.Spec.NodeName = node
	created, err := cs.CoreV1().Pods(pod.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("fakekubelet: creating pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	if _, err := a.HostPod(created); err != nil {
		return nil, err
	}
	now := metav1.Now()
	created.Status = corev1.PodStatus{
		Phase:     corev1.PodRunning,
		HostIP:    "127.0.0.1",
		PodIP:     "127.0.0.1",
		StartTime: &now,
		Conditions: []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: now},
			{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: now},
			{Type: corev1.ContainersReady, Status: corev1.ConditionTrue, LastTransitionTime: now},
			{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now},
		},
	}
	for _, c := range created.Spec.Containers {
		created.Status.ContainerStatuses = append(created.Status.ContainerStatuses, corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, ImageID: c.Image, Ready: true, Started: ptr(true),
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}},
		})
	}
	for _, c := range created.Spec.InitContainers {
		created.Status.InitContainerStatuses = append(created.Status.InitContainerStatuses, corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, ImageID: c.Image, Ready: true,
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Completed", StartedAt: now, FinishedAt: now}},
		})
	}
	running, err := cs.CoreV1().Pods(created.Namespace).UpdateStatus(ctx, created, metav1.UpdateOptions{})
	if err != nil {
		return nil, fmt.Errorf("fakekubelet: reporting pod %s/%s running: %w", created.Namespace, created.Name, err)
	}
	return running, nil
}

func ptr[T any](v T) *T { return &v }

// hostedPod is what the agent keeps of a pod it hosts.
type hostedPod struct {
	// env holds each container's environment, NAME=value.
	env map[string][]string
}

// HostPod hosts a pod as stored by the API server (after admission
// webhooks): AddPod, plus each container's environment for exec'd
// commands. Literal values and downward-API field references are set;
// values from Secrets, ConfigMaps and resources, $(VAR) expansion and PATH
// are not. It returns the pod's root.
func (a *Agent) HostPod(pod *corev1.Pod) (string, error) {
	root, err := a.AddPod(pod.Namespace, pod.Name)
	if err != nil {
		return "", err
	}
	hp := &hostedPod{env: map[string][]string{}}
	for _, c := range pod.Spec.Containers {
		for _, e := range c.Env {
			if v, ok := envValue(pod, e); ok {
				hp.env[c.Name] = append(hp.env[c.Name], e.Name+"="+v)
			}
		}
	}
	a.mu.Lock()
	a.pods[pod.Namespace+"/"+pod.Name] = hp
	a.mu.Unlock()
	return root, nil
}

func envValue(pod *corev1.Pod, e corev1.EnvVar) (string, bool) {
	if e.ValueFrom == nil {
		return e.Value, true
	}
	if e.ValueFrom.FieldRef == nil {
		return "", false
	}
	switch f := e.ValueFrom.FieldRef.FieldPath; {
	case f == "metadata.name":
		return pod.Name, true
	case f == "metadata.namespace":
		return pod.Namespace, true
	case f == "metadata.uid":
		return string(pod.UID), true
	case f == "spec.nodeName":
		return pod.Spec.NodeName, true
	case f == "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, true
	case f == "status.podIP", f == "status.hostIP":
		return "127.0.0.1", true
	case strings.HasPrefix(f, "metadata.labels['") && strings.HasSuffix(f, "']"):
		return pod.Labels[f[len("metadata.labels['"):len(f)-2]], true
	case strings.HasPrefix(f, "metadata.annotations['") && strings.HasSuffix(f, "']"):
		return pod.Annotations[f[len("metadata.annotations['"):len(f)-2]], true
	}
	return "", false
}
