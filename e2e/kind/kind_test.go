//go:build kind

// Package kind runs the webhook scenario on a kind cluster with
// cert-manager: the kale image from `make image` loaded into the nodes,
// manifests/overlays/cert-manager applied, and a Notebook-shaped pod whose
// init container really copies kale, so `kale version` runs in the
// notebook container through /usr/local/bin/kale. It needs Docker, kind's
// node image and network access (cert-manager and busybox are pulled); run
// it with `make e2e-kind`. It has not been run on the development machines,
// which have no Docker engine.
package kind

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/kind/pkg/cluster"
	"sigs.k8s.io/kind/pkg/cluster/nodeutils"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

const certManagerURL = "https://github.com/cert-manager/cert-manager/releases/download/v1.16.2/cert-manager.yaml"

func TestWebhookOnKind(t *testing.T) {
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	archive := filepath.Join(root, "bin", "kale-image.tar")
	image := os.Getenv("IMAGE")
	if image == "" {
		t.Fatal("IMAGE is unset: run through `make e2e-kind`, which builds the image first")
	}
	name := "kale-e2e"
	provider := cluster.NewProvider()
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := provider.Create(name, cluster.CreateWithConfigFile(filepath.Join(root, "kind-config.yaml")),
		cluster.CreateWithKubeconfigPath(kubeconfig), cluster.CreateWithWaitForReady(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if os.Getenv("KEEP_CLUSTER") == "" {
			_ = provider.Delete(name, kubeconfig)
		}
	})
	nodes, err := provider.ListNodes(name)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		f, err := os.Open(archive)
		if err != nil {
			t.Fatal(err)
		}
		err = nodeutils.LoadImageArchive(n, f)
		f.Close()
		if err != nil {
			t.Fatalf("loading %s into %s: %v", archive, n, err)
		}
	}

	kubectl := func(stdin string, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "kubectl", append([]string{"--kubeconfig", kubeconfig}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, errb.String())
		}
		return out.String()
	}
	kubectl("", "apply", "-f", certManagerURL)
	kubectl("", "-n", "cert-manager", "wait", "--for=condition=Available", "deployment", "--all", "--timeout=5m")

	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	res, err := k.Run(filesys.MakeFsOnDisk(), filepath.Join(root, "manifests", "overlays", "cert-manager"))
	if err != nil {
		t.Fatal(err)
	}
	rendered, err := res.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	// The manifests pin the released tag (VERSION); run the image just built.
	release, err := os.ReadFile(filepath.Join(root, "VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	manifestImage := "ghcr.io/kubeflow-kale/kale:" + strings.TrimSpace(string(release))
	manifests := strings.ReplaceAll(string(rendered), manifestImage, image)
	manifests = strings.ReplaceAll(manifests, "imagePullPolicy: IfNotPresent", "imagePullPolicy: Never")
	kubectl(manifests, "apply", "-f", "-")
	kubectl("", "-n", "kale-system", "wait", "--for=condition=Available", "deployment/kale-webhook", "--timeout=5m")

	kubectl(`apiVersion: v1
kind: Namespace
metadata:
  name: user
  labels:
    app.kubernetes.io/part-of: kubeflow-profile
    pod-security.kubernetes.io/enforce: restricted
`, "apply", "-f", "-")
	// cainjector fills the caBundle shortly after the Certificate is
	// issued; until then failurePolicy Ignore admits pods uninjected.
	deadline := time.Now().Add(3 * time.Minute)
	for {
		out := kubectl("", "get", "mutatingwebhookconfiguration", "kale-webhook", "-o", "jsonpath={.webhooks[0].clientConfig.caBundle}")
		if out != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("cainjector did not fill the caBundle")
		}
		time.Sleep(2 * time.Second)
	}
	kubectl(notebookPod, "-n", "user", "apply", "-f", "-")
	kubectl("", "-n", "user", "wait", "--for=condition=Ready", "pod/demo-0", "--timeout=5m")
	if got := kubectl("", "-n", "user", "get", "pod", "demo-0", "-o", `jsonpath={.metadata.annotations.kale\.kubeflow\.org/injected}`); got == "" {
		t.Fatal("demo-0 was not injected")
	}
	out := kubectl("", "-n", "user", "exec", "demo-0", "-c", "demo", "--", "kale", "version")
	if !strings.Contains(out, "kale ") {
		t.Errorf("kale version in the notebook container: %q", out)
	}
	tok := kubectl("", "-n", "user", "exec", "demo-0", "-c", "demo", "--", "sh", "-c", "test -s $KF_PIPELINES_SA_TOKEN_PATH && echo token")
	if strings.TrimSpace(tok) != "token" {
		t.Errorf("no KFP token in the notebook container: %q", tok)
	}
	fmt.Println("kind e2e: injected pod ran kale", strings.TrimSpace(out))
}

const notebookPod = `apiVersion: v1
kind: Pod
metadata:
  name: demo-0
  labels: {notebook-name: demo, statefulset: demo}
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 1000
    fsGroup: 100
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: demo
    image: busybox:1.36
    command: ["sleep", "3600"]
    env: [{name: NB_PREFIX, value: /notebook/user/demo}]
    securityContext:
      allowPrivilegeEscalation: false
      capabilities: {drop: ["ALL"]}
`
