package compiler

import (
	"os"
	"strings"

	"github.com/kubeflow-kale/kale/pkg/contract"
)

// DefaultBaseImage is the step image when nothing else names one, as in Kale.
const DefaultBaseImage = "python:3.12"

// EnvDefaultBaseImage names the environment variable that overrides
// DefaultBaseImage; the webhook sets it to the notebook container's image.
const EnvDefaultBaseImage = contract.EnvDefaultBaseImage

// ResolveDefaultImage returns the image for steps that have no image: tag
// when the notebook names no base_image: the image of the notebook pod the
// notebook was read from (podImage, may be empty), else $KALE_DEFAULT_BASE_IMAGE,
// else DefaultBaseImage.
func ResolveDefaultImage(podImage string) string {
	if img := strings.TrimSpace(podImage); img != "" {
		return img
	}
	if img := strings.TrimSpace(os.Getenv(EnvDefaultBaseImage)); img != "" {
		return img
	}
	return DefaultBaseImage
}
