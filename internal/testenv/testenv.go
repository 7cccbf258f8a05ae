package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Options configure Start. The zero value starts a plain control plane.
type Options struct {
	// APIServerFlags are set on kube-apiserver, replacing envtest's value
	// for the same flag: name without dashes -> values, e.g.
	// {"enable-admission-plugins": {"MutatingAdmissionWebhook"}}.
	APIServerFlags map[string][]string
	// CRDPaths are CRD manifests (files, or directories of .yaml/.json
	// files) installed before Start returns.
	CRDPaths []string
	// StartTimeout bounds the start of each of etcd and kube-apiserver;
	// default 2 minutes (the machines running these tests are shared).
	StartTimeout time.Duration
	// Verbose attaches the control plane's output to this process's
	// stdout/stderr (as does KUBEBUILDER_ATTACH_CONTROL_PLANE_OUTPUT=true).
	Verbose bool
}

// Env is a running control plane. Config, Client and Kubeconfig act as an
// administrator (group system:masters); AddUser makes ordinary users.
type Env struct {
	Config *rest.Config
	Client kubernetes.Interface
	// Kubeconfig is the path of a kubeconfig file for Config, usable with
	// kubectl --kubeconfig and kubectl-kale --kubeconfig. Its context,
	// cluster and user are all named "envtest".
	Kubeconfig string
	// Dir is a scratch directory that Stop removes.
	Dir string

	env *envtest.Environment
}

// Start starts etcd and kube-apiserver and installs opts.CRDPaths. ctx
// bounds finding (and, the first time, building) the binaries; the servers
// run until Stop.
func Start(ctx context.Context, opts Options) (*Env, error) {
	assets, err := AssetsDir(ctx)
	if err != nil {
		return nil, err
	}
	timeout := opts.StartTimeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	dir, err := os.MkdirTemp("", "kale-testenv-")
	if err != nil {
		return nil, fmt.Errorf("starting the control plane: %w", err)
	}
	existing := false
	te := &envtest.Environment{
		BinaryAssetsDirectory:    assets,
		UseExistingCluster:       &existing,
		ControlPlaneStartTimeout: timeout,
		ControlPlaneStopTimeout:  time.Minute,
		AttachControlPlaneOutput: opts.Verbose,
		CRDDirectoryPaths:        opts.CRDPaths,
		ErrorIfCRDPathMissing:    true,
	}
	args := te.ControlPlane.GetAPIServer().Configure()
	for name, values := range opts.APIServerFlags {
		args.Set(name, values...)
	}
	cfg, err := te.Start()
	if err != nil {
		// envtest leaves whatever did start running.
		_ = te.Stop()
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("starting the control plane from %s: %w", assets, err)
	}
	e := &Env{Config: cfg, Dir: dir, env: te}
	if e.Client, err = kubernetes.NewForConfig(cfg); err != nil {
		_ = e.Stop()
		return nil, fmt.Errorf("admin client: %w", err)
	}
	if e.Kubeconfig, err = e.writeKubeconfig("admin", te.KubeConfig); err != nil {
		_ = e.Stop()
		return nil, err
	}
	return e, nil
}

// Stop stops the servers and removes Dir.
func (e *Env) Stop() error {
	if e == nil || e.env == nil {
		return nil
	}
	err := e.env.Stop()
	if rmErr := os.RemoveAll(e.Dir); rmErr != nil {
		err = errors.Join(err, rmErr)
	}
	e.env = nil
	if err != nil {
		return fmt.Errorf("stopping the control plane: %w", err)
	}
	return nil
}

// APIServerURL is the https URL of the API server.
func (e *Env) APIServerURL() string { return e.Config.Host }

func (e *Env) writeKubeconfig(name string, data []byte) (string, error) {
	path := filepath.Join(e.Dir, name+".kubeconfig")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return "", fmt.Errorf("writing kubeconfig: %w", err)
	}
	return path, nil
}

// InstallCRDs installs CRD manifests (files or directories) and waits until
// the API server serves them.
func (e *Env) InstallCRDs(paths ...string) error {
	_, err := envtest.InstallCRDs(e.Config, envtest.CRDInstallOptions{
		Paths:              paths,
		ErrorIfPathMissing: true,
	})
	if err != nil {
		return fmt.Errorf("installing CRDs from %v: %w", paths, err)
	}
	return nil
}
