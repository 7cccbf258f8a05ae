package podsource

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubeflow-kale/kale/pkg/contract"
	"github.com/kubeflow-kale/kale/pkg/pipeline"
)

// Labels and annotations podsource reads.
const (
	// LabelNotebookName is set by the Notebook controller on a Notebook's pod.
	LabelNotebookName = contract.LabelNotebookName
	// AnnotationStopped on a Notebook scales it to zero pods.
	AnnotationStopped = "kubeflow-resource-stopped"
	// AnnotationInjected is set by kale's webhook on pods it made Kale-ready.
	AnnotationInjected = contract.AnnotationInjected
	// AnnotationDefaultContainer is kubectl's default container for exec.
	AnnotationDefaultContainer = "kubectl.kubernetes.io/default-container"
)

// The Kubeflow resources podsource reads.
var (
	NotebookResource   = schema.GroupVersionResource{Group: "kubeflow.org", Version: "v1", Resource: "notebooks"}
	PodDefaultResource = schema.GroupVersionResource{Group: "kubeflow.org", Version: "v1alpha1", Resource: "poddefaults"}
)

// Source reads pods and notebooks through one cluster's API server.
type Source struct {
	cfg     *rest.Config
	client  kubernetes.Interface
	dynamic dynamic.Interface
	// stream runs exec'd commands; nil means through the API server.
	stream streamFunc
}

// New builds a Source from a REST config (kubectl's ConfigFlags give one).
func New(cfg *rest.Config) (*Source, error) {
	if cfg == nil {
		return nil, errors.New("podsource: no cluster configuration")
	}
	cfg = rest.CopyConfig(cfg)
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("podsource: %w", err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("podsource: %w", err)
	}
	return &Source{cfg: cfg, client: cs, dynamic: dyn}, nil
}

// Pod is a resolved notebook pod and what a pipeline takes from it.
type Pod struct {
	Namespace, Name, Container string
	// Image is the notebook container's image, the default step image.
	Image string
	// WorkingDir is the container's working directory (the Notebook
	// controller sets /home/jovyan); relative paths resolve against it.
	WorkingDir string
	// Volumes are the PVC mounts of the notebook container, at the same
	// paths, for every step to mount.
	Volumes []pipeline.Volume
	// PodDefaultLabels select the namespace's PodDefaults that apply to the
	// pod, as Kale does (docs/kale-compatibility.md#pod-settings); every step carries them.
	PodDefaultLabels map[string]string
	// HasKaleTooling is true when kale's webhook injected the kale binary
	// and KFP credentials (annotation kale.kubeflow.org/injected).
	HasKaleTooling bool
	// Warnings are for the user: ReadWriteOnce claims, PodDefaults or
	// claims that could not be read.
	Warnings []string
}

// String is "NAMESPACE/NAME (container C)".
func (p *Pod) String() string {
	return fmt.Sprintf("%s/%s (container %s)", p.Namespace, p.Name, p.Container)
}

// Location names a file in the pod as diagnostics should show it,
// NAMESPACE/POD:PATH; pass it to notebook.Parse as the notebook's name.
func (p *Pod) Location(path string) string {
	return fmt.Sprintf("%s/%s:%s", p.Namespace, p.Name, p.resolvePath(path))
}

// Resolve finds the pod a ref names and its notebook container, checks
// that both are running, and collects the pod's image, volumes and
// PodDefault labels. For a Notebook the kubeflow.org/v1 Notebook must
// exist and not be stopped, and its pod carries notebook-name=NAME. The
// container is ref.Container, else the one named like the pod's
// notebook-name label, else kubectl's default container annotation, else
// the first.
func (s *Source) Resolve(ctx context.Context, ref Ref) (*Pod, error) {
	if ref.Namespace == "" {
		return nil, fmt.Errorf("no namespace for %s: give one with -n", ref)
	}
	var pod *corev1.Pod
	var err error
	switch {
	case ref.Notebook != "" && ref.Pod != "":
		return nil, fmt.Errorf("give either POD:PATH or a notebook name, not both (pod %s, notebook %s)", ref.Pod, ref.Notebook)
	case ref.Notebook != "":
		pod, err = s.notebookPod(ctx, ref.Namespace, ref.Notebook)
	case ref.Pod != "":
		pod, err = s.getPod(ctx, ref.Namespace, ref.Pod)
	default:
		return nil, errors.New("no pod or notebook given")
	}
	if err != nil {
		return nil, err
	}
	c, err := chooseContainer(pod, ref.Container)
	if err != nil {
		return nil, err
	}
	if err := checkRunning(pod, c.Name); err != nil {
		return nil, err
	}
	p := &Pod{
		Namespace:      pod.Namespace,
		Name:           pod.Name,
		Container:      c.Name,
		Image:          c.Image,
		WorkingDir:     c.WorkingDir,
		HasKaleTooling: pod.Annotations[AnnotationInjected] != "",
	}
	p.Volumes, p.Warnings = s.volumes(ctx, pod, c)
	labels, warnings := s.podDefaultLabels(ctx, pod)
	p.PodDefaultLabels = labels
	p.Warnings = append(p.Warnings, warnings...)
	return p, nil
}

func (s *Source) getPod(ctx context.Context, ns, name string) (*corev1.Pod, error) {
	pod, err := s.client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return nil, fmt.Errorf("pod %s not found in namespace %s", name, ns)
	case apierrors.IsForbidden(err):
		return nil, forbidden(err, "get", "pods", ns)
	case err != nil:
		return nil, fmt.Errorf("getting pod %s in namespace %s: %w", name, ns, err)
	}
	return pod, nil
}

func (s *Source) notebookPod(ctx context.Context, ns, name string) (*corev1.Pod, error) {
	nb, err := s.dynamic.Resource(NotebookResource).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
	switch {
	case meta.IsNoMatchError(err) || apierrors.IsNotFound(err) && notServed(err):
		return nil, fmt.Errorf("this cluster has no Kubeflow Notebooks (resource notebooks.kubeflow.org/v1 is not served); name the pod instead: POD:PATH")
	case apierrors.IsNotFound(err):
		return nil, fmt.Errorf("notebook %s not found in namespace %s", name, ns)
	case apierrors.IsForbidden(err):
		return nil, forbidden(err, "get", "notebooks.kubeflow.org", ns)
	case err != nil:
		return nil, fmt.Errorf("getting notebook %s in namespace %s: %w", name, ns, err)
	}
	if since, ok := nb.GetAnnotations()[AnnotationStopped]; ok {
		return nil, fmt.Errorf("notebook %s in namespace %s is stopped (annotation %s=%s), so it has no pod: start it from the Kubeflow dashboard, or `kubectl annotate notebook %s -n %s %s-`",
			name, ns, AnnotationStopped, since, name, ns, AnnotationStopped)
	}
	list, err := s.client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: LabelNotebookName + "=" + name})
	switch {
	case apierrors.IsForbidden(err):
		return nil, forbidden(err, "list", "pods", ns)
	case err != nil:
		return nil, fmt.Errorf("listing the pods of notebook %s in namespace %s: %w", name, ns, err)
	case len(list.Items) == 0:
		return nil, fmt.Errorf("notebook %s in namespace %s has no pod (no pod is labelled %s=%s): it may be starting or stopped", name, ns, LabelNotebookName, name)
	}
	// A StatefulSet has one pod; during a restart the old one may linger.
	pods := list.Items
	slices.SortFunc(pods, func(a, b corev1.Pod) int {
		if ra, rb := usable(&a), usable(&b); ra != rb {
			if ra {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	return &pods[0], nil
}

func usable(p *corev1.Pod) bool {
	return p.DeletionTimestamp == nil && p.Status.Phase == corev1.PodRunning
}

// notServed tells a 404 for an unknown resource from one for a missing
// object: the former has no details naming the object.
func notServed(err error) bool {
	var se apierrors.APIStatus
	if !errors.As(err, &se) {
		return false
	}
	d := se.Status().Details
	return d == nil || d.Name == ""
}

func chooseContainer(pod *corev1.Pod, want string) (*corev1.Container, error) {
	names := make([]string, len(pod.Spec.Containers))
	for i := range pod.Spec.Containers {
		names[i] = pod.Spec.Containers[i].Name
	}
	find := func(name string) *corev1.Container {
		if i := slices.Index(names, name); i >= 0 {
			return &pod.Spec.Containers[i]
		}
		return nil
	}
	if want != "" {
		if c := find(want); c != nil {
			return c, nil
		}
		for _, ic := range pod.Spec.InitContainers {
			if ic.Name == want {
				return nil, fmt.Errorf("container %s of pod %s/%s is an init container; choose one of: %s", want, pod.Namespace, pod.Name, strings.Join(names, ", "))
			}
		}
		return nil, fmt.Errorf("container %s not found in pod %s/%s; its containers are: %s", want, pod.Namespace, pod.Name, strings.Join(names, ", "))
	}
	if c := find(pod.Labels[LabelNotebookName]); c != nil {
		return c, nil
	}
	if c := find(pod.Annotations[AnnotationDefaultContainer]); c != nil {
		return c, nil
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("pod %s/%s has no containers", pod.Namespace, pod.Name)
	}
	return &pod.Spec.Containers[0], nil
}

func checkRunning(pod *corev1.Pod, container string) error {
	where := fmt.Sprintf("pod %s in namespace %s", pod.Name, pod.Namespace)
	if pod.DeletionTimestamp != nil {
		return fmt.Errorf("%s is terminating", where)
	}
	if pod.Status.Phase != corev1.PodRunning {
		phase := string(pod.Status.Phase)
		if phase == "" {
			phase = "not scheduled yet"
		}
		msg := fmt.Sprintf("%s is %s, not Running", where, phase)
		switch {
		case pod.Status.Reason != "" || pod.Status.Message != "":
			msg += strings.TrimRight(fmt.Sprintf(": %s %s", pod.Status.Reason, pod.Status.Message), " ")
		case pod.Spec.NodeName == "" && pod.Status.Phase == corev1.PodPending:
			msg += ": not scheduled to a node yet"
		}
		return errors.New(msg)
	}
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.Name != container || cs.State.Running != nil {
			continue
		}
		state := "not running"
		switch {
		case cs.State.Waiting != nil:
			state = "waiting: " + cs.State.Waiting.Reason
		case cs.State.Terminated != nil:
			state = "terminated: " + cs.State.Terminated.Reason
		}
		return fmt.Errorf("container %s of %s is %s", container, where, state)
	}
	return nil
}

// forbidden says which permission is missing.
func forbidden(err error, verb, resource, ns string) error {
	return fmt.Errorf("permission denied: you may not %s %s in namespace %s; ask for RBAC verb %q on resource %q there: %w",
		verb, resource, ns, verb, resource, err)
}
