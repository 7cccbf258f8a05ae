package podsource

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeflow-kale/kale/pkg/pipeline"
)

// volumes returns the container's PVC mounts and warnings about them.
func (s *Source) volumes(ctx context.Context, pod *corev1.Pod, c *corev1.Container) ([]pipeline.Volume, []string) {
	byName := map[string]*corev1.Volume{}
	for i := range pod.Spec.Volumes {
		byName[pod.Spec.Volumes[i].Name] = &pod.Spec.Volumes[i]
	}
	var vols []pipeline.Volume
	var warnings []string
	for _, m := range c.VolumeMounts {
		v := byName[m.Name]
		switch {
		case v == nil:
			continue
		case v.Ephemeral != nil:
			warnings = append(warnings, fmt.Sprintf("volume %s at %s is an ephemeral volume of the notebook pod; steps do not mount it", m.Name, m.MountPath))
			continue
		case v.PersistentVolumeClaim == nil:
			continue
		}
		claim := v.PersistentVolumeClaim.ClaimName
		if m.SubPath != "" || m.SubPathExpr != "" {
			warnings = append(warnings, fmt.Sprintf("PVC %s is mounted at %s with a subPath; steps would see the whole claim there, so they do not mount it", claim, m.MountPath))
			continue
		}
		vols = append(vols, pipeline.Volume{
			Name:      claim,
			MountPath: m.MountPath,
			Type:      "pvc",
			ReadOnly:  m.ReadOnly || v.PersistentVolumeClaim.ReadOnly,
		})
		if w := s.claimWarning(ctx, pod.Namespace, claim, m.MountPath); w != "" {
			warnings = append(warnings, w)
		}
	}
	return vols, warnings
}

// claimWarning reads the claim and warns when step pods may not be able to
// mount it next to the running notebook.
func (s *Source) claimWarning(ctx context.Context, ns, claim, mountPath string) string {
	pvc, err := s.client.CoreV1().PersistentVolumeClaims(ns).Get(ctx, claim, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return fmt.Sprintf("PVC %s (mounted at %s) does not exist in namespace %s; steps that mount it will not start", claim, mountPath, ns)
	case apierrors.IsForbidden(err):
		return fmt.Sprintf("cannot check the access modes of PVC %s (mounted at %s): you may not get persistentvolumeclaims in namespace %s", claim, mountPath, ns)
	case err != nil:
		return fmt.Sprintf("cannot check the access modes of PVC %s (mounted at %s): %v", claim, mountPath, err)
	}
	modes := pvc.Status.AccessModes
	if len(modes) == 0 {
		modes = pvc.Spec.AccessModes
	}
	switch {
	case slices.Contains(modes, corev1.ReadWriteMany) || slices.Contains(modes, corev1.ReadOnlyMany):
		return ""
	case slices.Contains(modes, corev1.ReadWriteOncePod):
		return fmt.Sprintf("PVC %s (mounted at %s) is ReadWriteOncePod: step pods cannot mount it while the notebook pod uses it", claim, mountPath)
	case slices.Contains(modes, corev1.ReadWriteOnce):
		return fmt.Sprintf("PVC %s (mounted at %s) is ReadWriteOnce: step pods can mount it only on the notebook's node", claim, mountPath)
	}
	return ""
}
