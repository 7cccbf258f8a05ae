package submit

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/kubeflow-kale/kale/pkg/cli/clioptions"
	"github.com/kubeflow-kale/kale/pkg/kfp"
)

// EnvNamespace is set by the kale webhook in notebook pods to the pod's
// namespace (the user's profile namespace in multi-user Kubeflow).
const EnvNamespace = "KALE_NAMESPACE"

// saNamespaceFile holds the pod's namespace inside a cluster.
const saNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

// KFPFlags are the flags that say which KFP API to talk to and how.
type KFPFlags struct {
	Settings kfp.Settings
	// Namespace is the KFP namespace for multi-user KFP (--kfp-namespace).
	Namespace string
}

// AddFlags registers the KFP connection flags.
func (f *KFPFlags) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&f.Settings.Endpoint, "kfp-endpoint", "", "KFP API URL (default $"+kfp.EnvEndpoint+", or the in-cluster service when a KFP token is mounted)")
	fs.StringVar(&f.Settings.Token, "kfp-token", "", "bearer token for the KFP API (default $"+kfp.EnvToken+")")
	fs.StringVar(&f.Settings.TokenFile, "kfp-token-file", "", "file holding the KFP bearer token, re-read on every request (default $"+kfp.EnvTokenPath+" or "+kfp.DefaultTokenPath+")")
	fs.StringVar(&f.Settings.CAFile, "kfp-ca-file", "", "PEM bundle of CAs trusted for the KFP endpoint, in addition to the system's")
	fs.DurationVar(&f.Settings.Timeout, "kfp-timeout", 30*time.Second, "timeout of each KFP API request")
	fs.StringVar(&f.Namespace, "kfp-namespace", "", "namespace of experiments and runs in multi-user KFP (default -n, $"+EnvNamespace+", the pod's namespace, or the kubeconfig's)")
}

// Client resolves the settings against the environment and returns a client.
func (f *KFPFlags) Client(env kfp.Env) (*kfp.Client, kfp.Config, error) {
	cfg, err := f.Settings.Resolve(env)
	if err != nil {
		return nil, kfp.Config{}, err
	}
	c, err := kfp.New(cfg)
	if err != nil {
		return nil, kfp.Config{}, err
	}
	return c, cfg, nil
}

// ResolveNamespace picks the namespace for multi-user KFP: --kfp-namespace,
// then kubectl's -n, then $KALE_NAMESPACE, then the pod's own namespace,
// then the kubeconfig context's namespace.
func (f *KFPFlags) ResolveNamespace(g *clioptions.Global, getenv func(string) string) (string, error) {
	if f.Namespace != "" {
		return f.Namespace, nil
	}
	if g != nil && g.ConfigFlags != nil && g.ConfigFlags.Namespace != nil && *g.ConfigFlags.Namespace != "" {
		return *g.ConfigFlags.Namespace, nil
	}
	if ns := getenv(EnvNamespace); ns != "" {
		return ns, nil
	}
	if b, err := os.ReadFile(saNamespaceFile); err == nil && strings.TrimSpace(string(b)) != "" {
		return strings.TrimSpace(string(b)), nil
	}
	if g != nil && g.ConfigFlags != nil {
		if ns, explicit, err := g.ConfigFlags.ToRawKubeConfigLoader().Namespace(); err == nil && (explicit || ns != "default") {
			return ns, nil
		}
	}
	return "", fmt.Errorf("this Kubeflow Pipelines is multi-user and needs a namespace: pass --kfp-namespace or -n")
}

// RunFlags are the flags of a submission.
type RunFlags struct {
	Experiment string
	RunName    string
	Params     []string
	Upload     bool
	Watch      bool
	Output     string
}

// AddFlags registers the submission flags (not -o, which commands add).
func (r *RunFlags) AddFlags(fs *pflag.FlagSet, experimentHelp string) {
	fs.StringVar(&r.Experiment, "experiment", "", experimentHelp)
	fs.StringVar(&r.RunName, "run-name", "", "name of the run (default PIPELINE-YYYYMMDD-HHMMSS)")
	fs.StringArrayVar(&r.Params, "param", nil, "pipeline parameter NAME=VALUE for this run (repeatable)")
	fs.BoolVar(&r.Upload, "upload", false, "also upload the pipeline to KFP (a new version when the name exists) and run that version")
	fs.BoolVar(&r.Watch, "watch", false, "follow the run until it ends; the exit code is 0 only when it succeeds")
}

// ValidateOutput checks -o.
func (r *RunFlags) ValidateOutput() error {
	return clioptions.ValidateOutput(r.Output, "text", "json")
}
