// Package kfpflags registers the flags of the commands that talk to
// Kubeflow Pipelines, each in one place: the connection (--kfp-endpoint,
// --kfp-token, ..., --kfp-namespace) and a submission (--experiment,
// --run-name, --upload, --watch). It also resolves them: a KFP client, and
// the namespace of multi-user KFP.
package kfpflags

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/kubeflow-kale/kale/pkg/contract"
	"github.com/kubeflow-kale/kale/pkg/kfp"
)

// saNamespaceFile holds the pod's namespace inside a cluster.
const saNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

// KFP are the flags that say which KFP API to talk to and how.
type KFP struct {
	Settings kfp.Settings
	// Namespace is the KFP namespace for multi-user KFP (--kfp-namespace).
	Namespace string
}

// AddFlags registers the KFP connection flags.
func (f *KFP) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&f.Settings.Endpoint, "kfp-endpoint", "", "KFP API URL (default $"+kfp.EnvEndpoint+", or the in-cluster service when a KFP token is mounted)")
	fs.StringVar(&f.Settings.Token, "kfp-token", "", "bearer token for the KFP API (default $"+kfp.EnvToken+")")
	fs.StringVar(&f.Settings.TokenFile, "kfp-token-file", "", "file holding the KFP bearer token, re-read on every request (default $"+kfp.EnvTokenPath+" or "+kfp.DefaultTokenPath+")")
	fs.StringVar(&f.Settings.CAFile, "kfp-ca-file", "", "PEM bundle of CAs trusted for the KFP endpoint, in addition to the system's")
	fs.DurationVar(&f.Settings.Timeout, "kfp-timeout", 30*time.Second, "timeout of each KFP API request")
	fs.StringVar(&f.Namespace, "kfp-namespace", "", "namespace of experiments and runs in multi-user KFP (default -n, $"+contract.EnvNamespace+", the pod's namespace, or the kubeconfig's)")
}

// NamespaceArgs renders --kfp-namespace back into arguments, for a kale
// that runs elsewhere (in a notebook pod); none when it was not given.
func (f *KFP) NamespaceArgs() []string {
	if f.Namespace == "" {
		return nil
	}
	return []string{"--kfp-namespace", f.Namespace}
}

// Client resolves the settings against the environment and returns a client.
// Warnings for the user (a token about to cross plain http) go to errOut.
func (f *KFP) Client(env kfp.Env, errOut io.Writer) (*kfp.Client, kfp.Config, error) {
	cfg, err := f.Settings.Resolve(env)
	if err != nil {
		return nil, kfp.Config{}, err
	}
	cfg.Warn = func(m string) { fmt.Fprintf(errOut, "warning: %s\n", m) }
	c, err := kfp.New(cfg)
	if err != nil {
		return nil, kfp.Config{}, err
	}
	return c, cfg, nil
}

// ResolveNamespace picks the namespace for multi-user KFP: --kfp-namespace,
// then kubectl's -n, then $KALE_NAMESPACE, then the pod's own namespace,
// then the kubeconfig context's namespace. cf may be nil.
func (f *KFP) ResolveNamespace(cf *genericclioptions.ConfigFlags, getenv func(string) string) (string, error) {
	if f.Namespace != "" {
		return f.Namespace, nil
	}
	if cf != nil && cf.Namespace != nil && *cf.Namespace != "" {
		return *cf.Namespace, nil
	}
	if ns := getenv(contract.EnvNamespace); ns != "" {
		return ns, nil
	}
	if b, err := os.ReadFile(saNamespaceFile); err == nil && strings.TrimSpace(string(b)) != "" {
		return strings.TrimSpace(string(b)), nil
	}
	if cf != nil {
		if ns, explicit, err := cf.ToRawKubeConfigLoader().Namespace(); err == nil && (explicit || ns != "default") {
			return ns, nil
		}
	}
	return "", fmt.Errorf("this Kubeflow Pipelines is multi-user and needs a namespace: pass --kfp-namespace or -n")
}

// Submission are the flags of a run to create.
type Submission struct {
	// Experiment is the experiment's display name (created when missing).
	Experiment string
	// RunName is the run's display name; empty means a default.
	RunName string
	Upload  bool
	Watch   bool
}

// AddFlags registers --run-name, --upload and --watch. --experiment is a
// build flag on commands that compile a notebook (buildflags), and
// AddExperimentFlag on those that submit compiled pipelines.
func (s *Submission) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&s.RunName, "run-name", "", "name of the run (default PIPELINE-YYYYMMDD-HHMMSS)")
	fs.BoolVar(&s.Upload, "upload", false, "also upload the pipeline to KFP (a new version when the name exists) and run that version")
	fs.BoolVar(&s.Watch, "watch", false, "follow the run until it ends; the exit code is 0 only when it succeeds (2 otherwise)")
}

// AddExperimentFlag registers --experiment for a compiled pipeline, which
// has no notebook metadata to override.
func (s *Submission) AddExperimentFlag(fs *pflag.FlagSet, defaultExperiment string) {
	fs.StringVar(&s.Experiment, "experiment", "", "KFP experiment, created when missing (default "+defaultExperiment+")")
}

// Args renders the submission back into the flags AddFlags and
// AddExperimentFlag read, for a kale that runs elsewhere (in a notebook
// pod).
func (s *Submission) Args() []string {
	args := []string{"--experiment", s.Experiment, "--run-name", s.RunName}
	if s.Upload {
		args = append(args, "--upload")
	}
	if s.Watch {
		args = append(args, "--watch")
	}
	return args
}
