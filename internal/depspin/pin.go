// Package depspin keeps the chosen dependencies in go.mod while the packages
// that use them are being written. Delete it once every dependency is imported
// by real code.
package depspin

import (
	_ "github.com/google/go-containerregistry/pkg/v1/layout"
	_ "github.com/google/go-containerregistry/pkg/v1/mutate"
	_ "github.com/google/go-containerregistry/pkg/v1/tarball"
	_ "github.com/kubeflow/pipelines/api/v2alpha1/go/pipelinespec"
	_ "github.com/kubeflow/pipelines/backend/src/v2/compiler"
	_ "github.com/kubeflow/pipelines/kubernetes_platform/go/kubernetesplatform"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/spf13/cobra"
	_ "github.com/tree-sitter/go-tree-sitter"
	_ "github.com/tree-sitter/tree-sitter-python/bindings/go"
	_ "gopkg.in/yaml.v3"
	_ "k8s.io/cli-runtime/pkg/genericclioptions"
	_ "k8s.io/cli-runtime/pkg/genericiooptions"
	_ "k8s.io/client-go/kubernetes"
	_ "k8s.io/client-go/tools/remotecommand"
	_ "k8s.io/kubelet/pkg/cri/streaming/remotecommand"
	_ "sigs.k8s.io/controller-runtime/pkg/certwatcher"
	_ "sigs.k8s.io/controller-runtime/pkg/envtest"
	_ "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	_ "sigs.k8s.io/controller-runtime/pkg/webhook"
	_ "sigs.k8s.io/controller-runtime/pkg/webhook/admission"
	_ "sigs.k8s.io/yaml"
)
