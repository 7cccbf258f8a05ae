// Package manifests gives Go code the install manifests' own files, so
// that what the installed webhook is configured with and what
// `kubectl kale inject` previews by default are one file:
// base/configmap.yaml.
package manifests

import (
	_ "embed"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

//go:embed base/configmap.yaml
var configMap []byte

// WebhookConfig returns the config.yaml of the kale-webhook-config
// ConfigMap in base/configmap.yaml.
func WebhookConfig() (string, error) {
	var cm corev1.ConfigMap
	if err := yaml.UnmarshalStrict(configMap, &cm); err != nil {
		return "", fmt.Errorf("manifests/base/configmap.yaml: %w", err)
	}
	data, ok := cm.Data["config.yaml"]
	if !ok {
		return "", fmt.Errorf("manifests/base/configmap.yaml: no config.yaml key in %s", cm.Name)
	}
	return data, nil
}
