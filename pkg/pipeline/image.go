package pipeline

import (
	"fmt"
	"os"
	"strings"

	"github.com/kubeflow-kale/kale/pkg/contract"
	"github.com/kubeflow-kale/kale/pkg/diag"
	"github.com/kubeflow-kale/kale/pkg/pyana"
)

// DefaultBaseImage is the step image when nothing else names one, as in Kale.
const DefaultBaseImage = "python:3.12"

// EnvDefaultBaseImage names the environment variable that overrides
// DefaultBaseImage; the webhook sets it to the notebook container's image.
const EnvDefaultBaseImage = contract.EnvDefaultBaseImage

// ResolveDefaultImage returns the image for steps that have no image: tag
// when the notebook names no base_image: the image of the notebook pod the
// notebook was read from (podImage, may be empty), else
// $KALE_DEFAULT_BASE_IMAGE, else DefaultBaseImage.
func ResolveDefaultImage(podImage string) string {
	if img := strings.TrimSpace(podImage); img != "" {
		return img
	}
	if img := strings.TrimSpace(os.Getenv(EnvDefaultBaseImage)); img != "" {
		return img
	}
	return DefaultBaseImage
}

// warnDefaultImage warns, once per step, about a step that runs in the
// built-in python:3.12 image (nothing named another: no image: tag or
// steps_defaults image, no base_image or --base-image, no notebook pod
// image, no $KALE_DEFAULT_BASE_IMAGE) and imports modules outside the
// standard library: on KFP it would fail at the import.
func warnDefaultImage(nbName string, p *Pipeline, defaultImage string, diags *diag.List) {
	if p.BaseImage != "" || defaultImage != DefaultBaseImage {
		return
	}
	for _, s := range p.Steps {
		if s.Image != "" {
			continue
		}
		var third []string
		for _, m := range s.Imports {
			if !pyana.IsStdlibModule(m) {
				third = append(third, m)
			}
		}
		if len(third) == 0 {
			continue
		}
		which := "which are"
		if len(third) == 1 {
			which = "which is"
		}
		diags.Add(diag.Diagnostic{Severity: diag.Warning, Notebook: nbName, Cell: s.Cell, Tag: "step:" + s.Name,
			Message: fmt.Sprintf("step %s imports %s, %s not in the Python standard library, and runs in the default image %s; "+
				"set an image with base_image in the notebook metadata, an image: tag on the step, or --base-image",
				s.Name, strings.Join(third, ", "), which, DefaultBaseImage)})
	}
}
