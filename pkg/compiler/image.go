package compiler

import "github.com/kubeflow-kale/kale/pkg/pipeline"

// DefaultBaseImage is the step image when nothing else names one, as in Kale.
// It lives in pipeline, which warns about steps that need more than it has.
const DefaultBaseImage = pipeline.DefaultBaseImage

// EnvDefaultBaseImage names the environment variable that overrides
// DefaultBaseImage; the webhook sets it to the notebook container's image.
const EnvDefaultBaseImage = pipeline.EnvDefaultBaseImage

// ResolveDefaultImage returns the image for steps that have no image: tag
// when the notebook names no base_image: the image of the notebook pod the
// notebook was read from (podImage, may be empty), else $KALE_DEFAULT_BASE_IMAGE,
// else DefaultBaseImage.
func ResolveDefaultImage(podImage string) string { return pipeline.ResolveDefaultImage(podImage) }
