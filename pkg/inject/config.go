package inject

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"gopkg.in/yaml.v3"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/kubeflow-kale/kale/manifests"
	"github.com/kubeflow-kale/kale/pkg/contract"
	"github.com/kubeflow-kale/kale/pkg/version"
)

// Config says what Mutate injects. The zero value is not useful: start from
// DefaultConfig or LoadConfig, which fill every field a file leaves out.
type Config struct {
	// Image is the kale image; its init container copies the kale binary
	// into the pod.
	Image string `yaml:"image"`
	// ImagePullPolicy of the init container.
	ImagePullPolicy corev1.PullPolicy `yaml:"imagePullPolicy"`
	// InstallCommand runs in the init container. The binary must end up at
	// <BinaryMountPath>/bin/kale.
	InstallCommand []string `yaml:"installCommand"`
	// BinaryMountPath is where the emptyDir holding the kale binary is
	// mounted (read-only) in the notebook container; the binary is
	// <BinaryMountPath>/bin/kale.
	BinaryMountPath string `yaml:"binaryMountPath"`
	// PathLink is the single file mounted (subPath) so that `kale` is on
	// the PATH of the notebook image; empty disables it.
	PathLink string `yaml:"pathLink"`
	// KFP describes the Kubeflow Pipelines credentials.
	KFP KFPConfig `yaml:"kfp"`
	// Selection decides which pods are ours beyond what the
	// MutatingWebhookConfiguration's selectors already filter.
	Selection SelectionConfig `yaml:"selection"`
	// Resources of the init container.
	Resources ResourcesConfig `yaml:"resources"`
	// RunAsUser of the init container.
	RunAsUser int64 `yaml:"runAsUser"`
	// Version goes into the injected annotation.
	Version string `yaml:"version"`
}

// KFPConfig is the access-ml-pipeline PodDefault in configuration form.
type KFPConfig struct {
	// Endpoint becomes KF_PIPELINES_ENDPOINT; empty leaves it unset.
	Endpoint string `yaml:"endpoint"`
	// Inject turns credential injection off when false.
	Inject *bool `yaml:"inject"`
	// TokenAudience of the projected service-account token.
	TokenAudience string `yaml:"tokenAudience"`
	// TokenPath is the token file in the notebook container.
	TokenPath string `yaml:"tokenPath"`
	// TokenExpirationSeconds of the projected token (the kubelet rotates it).
	TokenExpirationSeconds int64 `yaml:"tokenExpirationSeconds"`
}

// SelectionConfig names the labels and annotations that mark a pod as ours.
type SelectionConfig struct {
	// PodLabel must be present on the pod (the Notebook controller sets
	// notebook-name); its value names the notebook container.
	PodLabel string `yaml:"podLabel"`
	// ExcludedNamespaces are never injected (the webhook's own, kube-system).
	ExcludedNamespaces []string `yaml:"excludedNamespaces"`
}

// ResourcesConfig holds the init container's requests and limits.
type ResourcesConfig struct {
	Requests ResourceList `yaml:"requests"`
	Limits   ResourceList `yaml:"limits"`
}

// ResourceList is a resource name -> quantity map that reports a bad
// quantity with its line.
type ResourceList map[corev1.ResourceName]resource.Quantity

// UnmarshalYAML parses quantities ("10m", "32Mi").
func (l *ResourceList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: resources must be a map of name: quantity", n.Line)
	}
	out := ResourceList{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		q, err := resource.ParseQuantity(v.Value)
		if err != nil {
			return fmt.Errorf("line %d: resource %s: %q is not a quantity (e.g. 10m, 32Mi)", v.Line, k.Value, v.Value)
		}
		out[corev1.ResourceName(k.Value)] = q
	}
	*l = out
	return nil
}

// Names of the things Mutate adds. They match Kubeflow's access-ml-pipeline
// PodDefault where it has one, so both can apply to the same pod.
const (
	AnnotationInjected  = contract.AnnotationInjected
	AnnotationConflicts = contract.AnnotationConflicts
	AnnotationInject    = contract.AnnotationInject

	InitContainerName = "kale-install"
	BinVolumeName     = "kale-bin"
	TokenVolumeName   = "volume-kf-pipeline-token"

	EnvBin             = contract.EnvBin
	EnvPodName         = contract.EnvPodName
	EnvNamespace       = contract.EnvNamespace
	EnvDefaultImage    = contract.EnvDefaultBaseImage
	EnvKFPTokenPath    = contract.EnvKFPTokenPath
	EnvKFPEndpoint     = contract.EnvKFPEndpoint
	defaultImageRepo   = "ghcr.io/kubeflow-kale/kale"
	defaultMountPath   = "/opt/kale"
	defaultPathLink    = contract.BinPath
	defaultTokenPath   = contract.KFPTokenPath
	defaultAudience    = contract.KFPTokenAudience
	defaultKFPEndpoint = contract.KFPInClusterEndpoint
)

// DefaultConfig returns the configuration used when no file says
// otherwise: the one manifests/base installs (its ConfigMap's config.yaml,
// embedded), so that `kubectl kale inject` previews what the installed
// webhook does, with the released image. The embedded file is part of the
// build and checked by the tests; it failing to load is a bug, hence the
// panic.
func DefaultConfig() *Config {
	data, err := manifests.WebhookConfig()
	if err == nil {
		var c *Config
		if c, err = LoadConfig(strings.NewReader(data)); err == nil {
			return c
		}
	}
	panic(fmt.Sprintf("inject: the embedded default configuration: %v", err))
}

func (c *Config) setDefaults() {
	if c.Version == "" {
		c.Version = version.String()
	}
	if c.Image == "" {
		tag := c.Version
		if tag == "" || tag == "dev" {
			tag = "latest"
		}
		c.Image = defaultImageRepo + ":" + tag
	}
	if c.ImagePullPolicy == "" {
		c.ImagePullPolicy = corev1.PullIfNotPresent
	}
	if c.BinaryMountPath == "" {
		c.BinaryMountPath = defaultMountPath
	}
	if len(c.InstallCommand) == 0 {
		c.InstallCommand = []string{"/kale/bin/kale-webhook", "install", "--dest", path.Join(c.BinaryMountPath, "bin", "kale")}
	}
	if c.PathLink == "" {
		c.PathLink = defaultPathLink
	}
	if c.KFP.Inject == nil {
		t := true
		c.KFP.Inject = &t
	}
	if c.KFP.Endpoint == "" {
		c.KFP.Endpoint = defaultKFPEndpoint
	}
	if c.KFP.TokenAudience == "" {
		c.KFP.TokenAudience = defaultAudience
	}
	if c.KFP.TokenPath == "" {
		c.KFP.TokenPath = defaultTokenPath
	}
	if c.KFP.TokenExpirationSeconds == 0 {
		c.KFP.TokenExpirationSeconds = 7200
	}
	if c.Selection.PodLabel == "" {
		c.Selection.PodLabel = contract.LabelNotebookName
	}
	if c.Selection.ExcludedNamespaces == nil {
		c.Selection.ExcludedNamespaces = []string{"kale-system", "kube-system"}
	}
	if c.Resources.Requests == nil {
		c.Resources.Requests = ResourceList{
			corev1.ResourceCPU:    resource.MustParse("10m"),
			corev1.ResourceMemory: resource.MustParse("16Mi"),
		}
	}
	if c.Resources.Limits == nil {
		c.Resources.Limits = ResourceList{
			corev1.ResourceCPU:    resource.MustParse("200m"),
			corev1.ResourceMemory: resource.MustParse("128Mi"),
		}
	}
	if c.RunAsUser == 0 {
		c.RunAsUser = 65532
	}
}

// LoadConfig reads a YAML configuration. Unknown keys are errors naming the
// key and its line; everything left out takes its default. An empty file is
// the default configuration.
func LoadConfig(r io.Reader) (*Config, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	c := &Config{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("config: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	c.setDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// Validate reports every value Mutate cannot use.
func (c *Config) Validate() error {
	var errs []error
	if !path.IsAbs(c.BinaryMountPath) {
		errs = append(errs, fmt.Errorf("config: binaryMountPath %q must be an absolute path", c.BinaryMountPath))
	}
	if !path.IsAbs(c.PathLink) {
		errs = append(errs, fmt.Errorf("config: pathLink %q must be an absolute path", c.PathLink))
	}
	if !path.IsAbs(c.KFP.TokenPath) || path.Dir(c.KFP.TokenPath) == "/" {
		errs = append(errs, fmt.Errorf("config: kfp.tokenPath %q must be an absolute file path below a directory (e.g. %s)", c.KFP.TokenPath, defaultTokenPath))
	}
	if c.KFP.TokenExpirationSeconds < 600 {
		errs = append(errs, fmt.Errorf("config: kfp.tokenExpirationSeconds %d is below the 600 the API server accepts", c.KFP.TokenExpirationSeconds))
	}
	if c.RunAsUser <= 0 {
		errs = append(errs, fmt.Errorf("config: runAsUser %d must be a non-root user id", c.RunAsUser))
	}
	switch c.ImagePullPolicy {
	case corev1.PullAlways, corev1.PullIfNotPresent, corev1.PullNever:
	default:
		errs = append(errs, fmt.Errorf("config: imagePullPolicy %q must be Always, IfNotPresent or Never", c.ImagePullPolicy))
	}
	for name, q := range c.Resources.Requests {
		if l, ok := c.Resources.Limits[name]; ok && q.Cmp(l) > 0 {
			errs = append(errs, fmt.Errorf("config: resources.requests.%s %s exceeds the limit %s", name, q.String(), l.String()))
		}
	}
	return errors.Join(errs...)
}
