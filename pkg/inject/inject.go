package inject

import (
	"fmt"
	"path"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Reasons Mutate leaves a pod alone.
const (
	SkipOptOut            = "opt-out"
	SkipNotNotebook       = "not-a-notebook"
	SkipNoContainers      = "no-containers"
	SkipExcludedNamespace = "excluded-namespace"
	// SkipAlreadyInjected: the pod already has everything (reinvocation,
	// or a second `kubectl kale inject`).
	SkipAlreadyInjected = "already-injected"
)

// Result is what Mutate did.
type Result struct {
	// Pod is the mutated copy, or the input itself when nothing changed.
	Pod *corev1.Pod
	// SkipReason is set when nothing was injected.
	SkipReason string
	// Container is the name of the notebook container.
	Container string
	// Conflicts lists where the pod's own value was kept over kale's.
	Conflicts []string
}

// Changed reports whether Pod differs from the input.
func (r Result) Changed() bool { return r.SkipReason == "" }

// Mutate returns the pod with Kale's additions. It never modifies in, never
// fails and is idempotent: Mutate(Mutate(p).Pod) changes nothing. The result
// shares the parts it does not change with in (copy-on-write, which keeps
// Mutate in the microseconds); DeepCopy it before modifying it in place.
func Mutate(in *corev1.Pod, cfg *Config) Result {
	if reason := skipReason(in, cfg); reason != "" {
		return Result{Pod: in, SkipReason: reason}
	}
	pod := shallowCopy(in, notebookContainer(in, cfg))
	m := &mutator{pod: pod, cfg: cfg, c: notebookContainer(in, cfg)}
	m.tooling()
	if cfg.KFP.Inject == nil || *cfg.KFP.Inject {
		m.credentials()
	}
	m.context()
	m.annotate()
	res := Result{Pod: pod, Container: m.container().Name, Conflicts: m.conflicts}
	if !m.changed {
		res.Pod, res.SkipReason = in, SkipAlreadyInjected
	}
	return res
}

// shallowCopy copies the pod down to every slice and map Mutate appends to
// or writes, with room for the appends; the rest is shared with in.
func shallowCopy(in *corev1.Pod, nb int) *corev1.Pod {
	pod := *in
	pod.Annotations = make(map[string]string, len(in.Annotations)+2)
	for k, v := range in.Annotations {
		pod.Annotations[k] = v
	}
	pod.Spec.Volumes = slices.Grow(slices.Clip(in.Spec.Volumes), 2)
	pod.Spec.InitContainers = slices.Clip(in.Spec.InitContainers)
	pod.Spec.Containers = slices.Clone(in.Spec.Containers)
	c := &pod.Spec.Containers[nb]
	c.Env = slices.Grow(slices.Clip(c.Env), 7)
	c.VolumeMounts = slices.Grow(slices.Clip(c.VolumeMounts), 3)
	return &pod
}

func skipReason(pod *corev1.Pod, cfg *Config) string {
	if strings.EqualFold(pod.Annotations[AnnotationInject], "false") {
		return SkipOptOut
	}
	if _, ok := pod.Labels[cfg.Selection.PodLabel]; !ok {
		return SkipNotNotebook
	}
	for _, ns := range cfg.Selection.ExcludedNamespaces {
		if pod.Namespace == ns {
			return SkipExcludedNamespace
		}
	}
	if len(pod.Spec.Containers) == 0 {
		return SkipNoContainers
	}
	return ""
}

// notebookContainer is the index of the container named like the notebook,
// otherwise 0.
func notebookContainer(pod *corev1.Pod, cfg *Config) int {
	name := pod.Labels[cfg.Selection.PodLabel]
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			return i
		}
	}
	return 0
}

type mutator struct {
	pod       *corev1.Pod
	cfg       *Config
	c         int
	changed   bool
	conflicts []string
}

func (m *mutator) container() *corev1.Container { return &m.pod.Spec.Containers[m.c] }

func (m *mutator) conflict(format string, args ...any) {
	m.conflicts = append(m.conflicts, fmt.Sprintf(format, args...))
}

func (m *mutator) volume(name string) *corev1.Volume {
	for i := range m.pod.Spec.Volumes {
		if m.pod.Spec.Volumes[i].Name == name {
			return &m.pod.Spec.Volumes[i]
		}
	}
	return nil
}

func (m *mutator) mountAt(p string) *corev1.VolumeMount {
	c := m.container()
	for i := range c.VolumeMounts {
		if path.Clean(c.VolumeMounts[i].MountPath) == p {
			return &c.VolumeMounts[i]
		}
	}
	return nil
}

func (m *mutator) addVolume(v corev1.Volume) {
	m.pod.Spec.Volumes = append(m.pod.Spec.Volumes, v)
	m.changed = true
}

func (m *mutator) addMount(vm corev1.VolumeMount) {
	c := m.container()
	c.VolumeMounts = append(c.VolumeMounts, vm)
	m.changed = true
}

// tooling adds the init container, the kale-bin volume and its two mounts.
func (m *mutator) tooling() {
	cfg, c := m.cfg, m.container()
	binDir := path.Clean(cfg.BinaryMountPath)
	if v := m.volume(BinVolumeName); v != nil && v.EmptyDir == nil {
		m.conflict("volume %s: the pod defines its own volume of that name; kale tooling not injected", BinVolumeName)
		return
	}
	if vm := m.mountAt(binDir); vm != nil && vm.Name != BinVolumeName {
		m.conflict("container %s: %s is already mounted from volume %s; kale tooling not injected", c.Name, binDir, vm.Name)
		return
	}
	if m.volume(BinVolumeName) == nil {
		limit := resource.NewQuantity(256<<20, resource.BinarySI)
		m.addVolume(corev1.Volume{Name: BinVolumeName, VolumeSource: corev1.VolumeSource{
			EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: limit},
		}})
	}
	m.initContainer()
	if m.mountAt(binDir) == nil {
		m.addMount(corev1.VolumeMount{Name: BinVolumeName, MountPath: binDir, ReadOnly: true})
	}
	if link := path.Clean(cfg.PathLink); link != "" {
		switch vm := m.mountAt(link); {
		case vm == nil:
			m.addMount(corev1.VolumeMount{Name: BinVolumeName, MountPath: link, SubPath: "bin/kale", ReadOnly: true})
		case vm.Name != BinVolumeName:
			m.conflict("container %s: %s is already mounted from volume %s; kept it, kale is at %s", c.Name, link, vm.Name, path.Join(binDir, "bin/kale"))
		}
	}
	m.env(corev1.EnvVar{Name: EnvBin, Value: path.Join(binDir, "bin", "kale")})
}

func (m *mutator) initContainer() {
	cfg := m.cfg
	for _, ic := range m.pod.Spec.InitContainers {
		if ic.Name == InitContainerName {
			if ic.Image != cfg.Image {
				m.conflict("init container %s: the pod has its own (image %s); kept it", InitContainerName, ic.Image)
			}
			return
		}
	}
	binDir := path.Clean(cfg.BinaryMountPath)
	no, yes := false, true
	uid := cfg.RunAsUser
	m.pod.Spec.InitContainers = append(m.pod.Spec.InitContainers, corev1.Container{
		Name:            InitContainerName,
		Image:           cfg.Image,
		ImagePullPolicy: cfg.ImagePullPolicy,
		Command:         slices.Clip(cfg.InstallCommand),
		VolumeMounts:    []corev1.VolumeMount{{Name: BinVolumeName, MountPath: binDir}},
		Resources: corev1.ResourceRequirements{
			Requests: resourceList(cfg.Resources.Requests),
			Limits:   resourceList(cfg.Resources.Limits),
		},
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
		SecurityContext: &corev1.SecurityContext{
			RunAsNonRoot:             &yes,
			RunAsUser:                &uid,
			RunAsGroup:               &uid,
			AllowPrivilegeEscalation: &no,
			Privileged:               &no,
			ReadOnlyRootFilesystem:   &yes,
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
	})
	m.changed = true
}

// resourceList shares cfg's map, as the result shares the rest of cfg.
func resourceList(l ResourceList) corev1.ResourceList {
	if len(l) == 0 {
		return nil
	}
	return corev1.ResourceList(l)
}

// credentials mounts a projected service-account token for KFP, unless the
// container already mounts something at the token's directory (a
// PodDefault did it).
func (m *mutator) credentials() {
	cfg := m.cfg
	dir, file := path.Split(path.Clean(cfg.KFP.TokenPath))
	dir = path.Clean(dir)
	if m.mountAt(dir) == nil {
		v := m.volume(TokenVolumeName)
		switch {
		case v == nil:
			exp := cfg.KFP.TokenExpirationSeconds
			m.addVolume(corev1.Volume{Name: TokenVolumeName, VolumeSource: corev1.VolumeSource{
				Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{{
					ServiceAccountToken: &corev1.ServiceAccountTokenProjection{
						Audience: cfg.KFP.TokenAudience, ExpirationSeconds: &exp, Path: file,
					},
				}}},
			}})
		case v.Projected == nil:
			m.conflict("volume %s: the pod defines its own volume of that name that is not a projected token; KFP credentials not injected", TokenVolumeName)
			return
		}
		m.addMount(corev1.VolumeMount{Name: TokenVolumeName, MountPath: dir, ReadOnly: true})
	}
	m.env(corev1.EnvVar{Name: EnvKFPTokenPath, Value: cfg.KFP.TokenPath})
	if cfg.KFP.Endpoint != "" {
		m.env(corev1.EnvVar{Name: EnvKFPEndpoint, Value: cfg.KFP.Endpoint})
	}
}

// context tells kale where it runs.
func (m *mutator) context() {
	m.env(corev1.EnvVar{Name: EnvPodName, ValueFrom: &corev1.EnvVarSource{
		FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"},
	}})
	m.env(corev1.EnvVar{Name: EnvNamespace, ValueFrom: &corev1.EnvVarSource{
		FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"},
	}})
	if img := m.container().Image; img != "" {
		m.env(corev1.EnvVar{Name: EnvDefaultImage, Value: img})
	}
}

// env adds e to the notebook container unless it has a variable of that
// name; a different value there is a conflict and stays.
func (m *mutator) env(e corev1.EnvVar) {
	c := m.container()
	for i := range c.Env {
		if c.Env[i].Name != e.Name {
			continue
		}
		if !envEqual(c.Env[i], e) {
			m.conflict("container %s: env %s has the pod's own value; kept it", c.Name, e.Name)
		}
		return
	}
	c.Env = append(c.Env, e)
	m.changed = true
}

func envEqual(a, b corev1.EnvVar) bool {
	if a.Value != b.Value || (a.ValueFrom == nil) != (b.ValueFrom == nil) {
		return false
	}
	if a.ValueFrom == nil {
		return true
	}
	fa, fb := a.ValueFrom.FieldRef, b.ValueFrom.FieldRef
	if fa == nil || fb == nil || a.ValueFrom.ResourceFieldRef != nil || a.ValueFrom.ConfigMapKeyRef != nil ||
		a.ValueFrom.SecretKeyRef != nil || a.ValueFrom.FileKeyRef != nil {
		return false
	}
	va, vb := fa.APIVersion, fb.APIVersion
	if va == "" {
		va = "v1"
	}
	if vb == "" {
		vb = "v1"
	}
	return va == vb && fa.FieldPath == fb.FieldPath
}

// annotate records the version and the conflicts.
func (m *mutator) annotate() {
	a := m.pod.Annotations
	want := strings.Join(m.conflicts, "; ")
	if a[AnnotationInjected] == m.cfg.Version && a[AnnotationConflicts] == want {
		return
	}
	if a == nil {
		a = map[string]string{}
		m.pod.Annotations = a
	}
	a[AnnotationInjected] = m.cfg.Version
	if want == "" {
		delete(a, AnnotationConflicts)
	} else {
		a[AnnotationConflicts] = want
	}
	m.changed = true
}
