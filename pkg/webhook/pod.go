package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	utiljson "k8s.io/apimachinery/pkg/util/json"
)

// podView is the part of a Pod that inject.Mutate and the patch read:
// names, labels and annotations, and per volume, init container and
// container the fields Mutate looks at. Decoding only these skips the rest
// of the pod (resources, probes, security contexts...), which is most of
// the work of decoding a notebook pod. FuzzPatch checks that the patch
// built from a view equals the one built from the whole pod.
type podView struct {
	Metadata struct {
		Name         string            `json:"name"`
		GenerateName string            `json:"generateName"`
		Namespace    string            `json:"namespace"`
		Labels       map[string]string `json:"labels"`
		Annotations  map[string]string `json:"annotations"`
	} `json:"metadata"`
	Spec struct {
		Volumes        []volumeView        `json:"volumes"`
		InitContainers []initContainerView `json:"initContainers"`
		Containers     []containerView     `json:"containers"`
	} `json:"spec"`
}

// volumeView: Mutate only asks whether a volume is an emptyDir or a
// projected volume, not what they hold.
type volumeView struct {
	Name      string   `json:"name"`
	EmptyDir  *present `json:"emptyDir"`
	Projected *present `json:"projected"`
}

// present decodes any JSON value but null, keeping nothing of it.
type present struct{}

func (*present) UnmarshalJSON([]byte) error { return nil }

type initContainerView struct {
	Name  string `json:"name"`
	Image string `json:"image"`
}

type containerView struct {
	Name         string               `json:"name"`
	Image        string               `json:"image"`
	Env          []corev1.EnvVar      `json:"env"`
	VolumeMounts []corev1.VolumeMount `json:"volumeMounts"`
}

// decodePod decodes a pod's JSON case-sensitively, as the API server
// does, into a Pod holding the view's fields.
func decodePod(raw []byte) (*corev1.Pod, error) {
	var v podView
	if err := utiljson.Unmarshal(raw, &v); err != nil {
		return nil, readableJSONError(err)
	}
	return v.pod(), nil
}

func (v *podView) pod() *corev1.Pod {
	p := &corev1.Pod{}
	m := &v.Metadata
	p.Name, p.GenerateName, p.Namespace, p.Labels, p.Annotations = m.Name, m.GenerateName, m.Namespace, m.Labels, m.Annotations
	s := &v.Spec
	if s.Volumes != nil {
		p.Spec.Volumes = make([]corev1.Volume, len(s.Volumes))
		for i, vol := range s.Volumes {
			p.Spec.Volumes[i].Name = vol.Name
			if vol.EmptyDir != nil {
				p.Spec.Volumes[i].EmptyDir = &corev1.EmptyDirVolumeSource{}
			}
			if vol.Projected != nil {
				p.Spec.Volumes[i].Projected = &corev1.ProjectedVolumeSource{}
			}
		}
	}
	if s.InitContainers != nil {
		p.Spec.InitContainers = make([]corev1.Container, len(s.InitContainers))
		for i, c := range s.InitContainers {
			p.Spec.InitContainers[i] = corev1.Container{Name: c.Name, Image: c.Image}
		}
	}
	if s.Containers != nil {
		p.Spec.Containers = make([]corev1.Container, len(s.Containers))
		for i, c := range s.Containers {
			p.Spec.Containers[i] = corev1.Container{Name: c.Name, Image: c.Image, Env: c.Env, VolumeMounts: c.VolumeMounts}
		}
	}
	return p
}

// readableJSONError names the field and the JSON kinds instead of the Go
// types of a type mismatch.
func readableJSONError(err error) error {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) || te.Field == "" || te.Type == nil {
		return err
	}
	return fmt.Errorf("%s is a JSON %s, not %s", te.Field, te.Value, jsonKind(te.Type))
}

func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	default:
		return "a number"
	}
}
