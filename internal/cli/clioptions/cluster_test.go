package clioptions

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericclioptions"
)

func TestRequireCluster(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	one := filepath.Join(dir, "one")
	if err := os.WriteFile(one, []byte("apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: https://127.0.0.1:6443}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, kubeconfig, server string
		wantErr                  bool
	}{
		{"no kubeconfig anywhere", filepath.Join(dir, "missing"), "", true},
		{"empty kubeconfig", empty, "", true},
		{"a cluster in the kubeconfig", one, "", false},
		{"--server given", filepath.Join(dir, "missing"), "https://127.0.0.1:6443", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("KUBECONFIG", tc.kubeconfig)
			t.Setenv("HOME", dir)
			cf := genericclioptions.NewConfigFlags(true)
			cf.APIServer = &tc.server
			err := (&Global{ConfigFlags: cf}).RequireCluster("reading p:/x.ipynb")
			if tc.wantErr != (err != nil) || (err != nil && !strings.Contains(err.Error(), "no cluster is configured")) {
				t.Errorf("got %v, want error %v", err, tc.wantErr)
			}
		})
	}
}
