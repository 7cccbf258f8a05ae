package clioptions

import (
	"fmt"
	"os"
)

// RequireCluster returns a clear error when nothing names a cluster: no
// --server, no cluster in any kubeconfig, and not inside a pod. Without it
// client-go falls back to http://localhost:8080 and the user reads
// "connection refused" instead of what is missing. what says what needs the
// cluster ("reading my-nb-0:/home/jovyan/train.ipynb").
func (g *Global) RequireCluster(what string) error {
	cf := g.ConfigFlags
	if cf == nil || (cf.APIServer != nil && *cf.APIServer != "") || os.Getenv("KUBERNETES_SERVICE_HOST") != "" {
		return nil
	}
	raw, err := cf.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return nil // a broken kubeconfig: the client's own error says how
	}
	if len(raw.Clusters) == 0 {
		return fmt.Errorf("%s needs a Kubernetes cluster, and no cluster is configured: no kubeconfig names one (set KUBECONFIG, create ~/.kube/config, or pass --kubeconfig or --server)", what)
	}
	return nil
}
