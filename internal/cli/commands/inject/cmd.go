// Package inject is `kubectl kale inject`: an offline preview of what the
// kale webhook does to a Notebook pod (the `istioctl kube-inject` pattern),
// using the same pkg/inject.
package inject

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/kubeflow-kale/kale/internal/cli/clioptions"
	kinject "github.com/kubeflow-kale/kale/pkg/inject"
)

// Options are the flags and streams of `kubectl kale inject`.
type Options struct {
	g          *clioptions.Global
	Filename   string
	ConfigPath string
	Output     clioptions.Output

	cfg *kinject.Config
}

// NewCmd returns the inject command.
func NewCmd(g *clioptions.Global) *cobra.Command {
	o := &Options{g: g}
	cmd := &cobra.Command{
		Use:   "inject [-f] POD.yaml",
		Short: "Show a pod as the kale webhook would admit it (offline)",
		Long: `Reads a Pod (YAML or JSON, "-" for stdin) and prints it with what the kale
webhook injects: the kale tool, KFP credentials, context variables and the
kale.kubeflow.org/injected annotation. Nothing is sent to a cluster.`,
		Example: `  kubectl get pod mynotebook-0 -o yaml | kubectl kale inject -f -
  kubectl kale inject -f pod.yaml --config webhook-config.yaml -o json`,
		GroupID: "cluster",
		Args:    cobra.MaximumNArgs(1),
		RunE:    clioptions.RunE(o),
	}
	cmd.Flags().StringVarP(&o.Filename, "filename", "f", "", `the pod manifest ("-" reads stdin)`)
	cmd.Flags().StringVar(&o.ConfigPath, "config", "", "webhook configuration YAML (default: the built-in defaults)")
	o.Output.AddFlags(cmd.Flags(), "yaml", "json")
	return cmd
}

// Complete takes the pod manifest from -f or the one argument (as
// `kubectl kale inject pod.yaml`) and loads the configuration.
func (o *Options) Complete(_ *cobra.Command, args []string) error {
	if len(args) == 1 {
		if o.Filename != "" && o.Filename != args[0] {
			return fmt.Errorf("two pod manifests: -f %s and %s; give one", o.Filename, args[0])
		}
		o.Filename = args[0]
	}
	o.cfg = kinject.DefaultConfig()
	if o.ConfigPath == "" {
		return nil
	}
	f, err := os.Open(o.ConfigPath)
	if err != nil {
		return err
	}
	defer f.Close()
	cfg, err := kinject.LoadConfig(f)
	if err != nil {
		return fmt.Errorf("%s: %w", o.ConfigPath, err)
	}
	o.cfg = cfg
	return nil
}

// Validate checks the flags before any reading.
func (o *Options) Validate() error {
	if o.Filename == "" {
		return errors.New("a pod manifest is required: -f POD.yaml (or -f - for stdin)")
	}
	return o.Output.Validate()
}

// Run reads, mutates and prints the pod; what was kept or skipped goes to
// stderr.
func (o *Options) Run(context.Context) error {
	var r io.Reader = o.g.IOStreams.In
	name := "stdin"
	if o.Filename != "-" {
		f, err := os.Open(o.Filename)
		if err != nil {
			return err
		}
		defer f.Close()
		r, name = f, o.Filename
	}
	pod, err := readPod(r)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	res := kinject.Mutate(pod, o.cfg)
	errOut := o.g.IOStreams.ErrOut
	if res.SkipReason != "" {
		fmt.Fprintf(errOut, "%s: not injected: %s\n", name, skipText(res.SkipReason, o.cfg))
	}
	for _, c := range res.Conflicts {
		fmt.Fprintf(errOut, "%s: kept the pod's value: %s\n", name, c)
	}
	out, err := encode(res.Pod, o.Output.Format)
	if err != nil {
		return err
	}
	_, err = o.g.IOStreams.Out.Write(out)
	return err
}

func readPod(r io.Reader) (*corev1.Pod, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("empty input: expected a Pod manifest")
	}
	// One document: a Pod. Strict, so a typo in a field name is reported.
	doc, err := k8syaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data))).Read()
	if err != nil {
		return nil, err
	}
	var meta struct{ APIVersion, Kind string }
	if err := yaml.Unmarshal(doc, &meta); err != nil {
		return nil, fmt.Errorf("not a Kubernetes manifest: %w", err)
	}
	if meta.Kind != "Pod" || meta.APIVersion != "v1" {
		return nil, fmt.Errorf("got apiVersion %q kind %q: expected a v1 Pod (for a Notebook, inject its pod: kubectl get pod NAME-0 -o yaml)", meta.APIVersion, meta.Kind)
	}
	var pod corev1.Pod
	if err := yaml.UnmarshalStrict(doc, &pod); err != nil {
		return nil, fmt.Errorf("reading the Pod: %w", err)
	}
	return &pod, nil
}

func encode(pod *corev1.Pod, format string) ([]byte, error) {
	if format == "json" {
		b, err := json.MarshalIndent(pod, "", "  ")
		return append(b, '\n'), err
	}
	return yaml.Marshal(pod)
}

func skipText(reason string, cfg *kinject.Config) string {
	switch reason {
	case kinject.SkipOptOut:
		return "the pod opts out (annotation " + kinject.AnnotationInject + `: "false")`
	case kinject.SkipNotNotebook:
		return "the pod has no " + cfg.Selection.PodLabel + " label, so it is not a Notebook pod"
	case kinject.SkipExcludedNamespace:
		return "its namespace is excluded (" + strings.Join(cfg.Selection.ExcludedNamespaces, ", ") + ")"
	case kinject.SkipNoContainers:
		return "the pod has no containers"
	case kinject.SkipAlreadyInjected:
		return "it is already injected"
	}
	return reason
}
