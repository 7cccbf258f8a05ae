package podsource_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/kubeflow-kale/kale/internal/fakekubelet"
	"github.com/kubeflow-kale/kale/internal/kfpfake"
	"github.com/kubeflow-kale/kale/internal/testenv"
	"github.com/kubeflow-kale/kale/pkg/inject"
	"github.com/kubeflow-kale/kale/pkg/podsource"
)

const token = "notebook-sa-token"

// notebookPod is a Kubeflow notebook pod as kale's webhook admits it
// (inject.Mutate, what the webhook runs), hosted by a fake kubelet whose
// folder holds what the pod would see: the notebook, the kale binary the
// init container installs (at /opt/kale/bin/kale and, as the subPath mount
// does, /usr/local/bin/kale), and the projected KFP token.
type notebookPod struct {
	ns    string
	agent *fakekubelet.Agent
	kfp   *kfpfake.Server
	user  *testenv.User
}

func newNotebookPod(t *testing.T) *notebookPod {
	t.Helper()
	ctx := context.Background()
	nb := &notebookPod{ns: testenv.Namespace(t, env, map[string]string{"app.kubernetes.io/part-of": "kubeflow-profile"})}
	var kfpURL string
	nb.kfp, kfpURL = kfpfake.Start(t, kfpfake.Options{MultiUser: true, Token: token, Namespaces: []string{nb.ns}})

	var err error
	nb.agent, err = fakekubelet.Start(fakekubelet.Options{
		Root:     t.TempDir(),
		Prefixes: []string{"/home/jovyan", "/opt/kale", "/usr/local/bin", "/var/run/secrets/kubeflow/pipelines"},
		PATH:     []string{"/usr/local/bin"},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nb.agent.Close)
	node := "node-" + nb.ns
	if _, err := env.RegisterNode(ctx, node, nb.agent.Port()); err != nil {
		t.Fatal(err)
	}

	notebook := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kubeflow.org/v1", "kind": "Notebook",
		"metadata": map[string]any{"name": "train"},
		"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
			"containers": []any{map[string]any{"name": "train", "image": "kubeflownotebookswg/jupyter-scipy:v1.10.0"}},
		}}},
	}}
	dyn := dynamic.NewForConfigOrDie(env.Config)
	if _, err := dyn.Resource(podsource.NotebookResource).Namespace(nb.ns).Create(ctx, notebook, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "train-0", Namespace: nb.ns, Labels: map[string]string{"notebook-name": "train", "statefulset": "train"}},
		Spec: corev1.PodSpec{ServiceAccountName: "default-editor", Containers: []corev1.Container{{
			Name: "train", Image: "kubeflownotebookswg/jupyter-scipy:v1.10.0", WorkingDir: "/home/jovyan",
		}}},
	}
	cfg := inject.DefaultConfig()
	cfg.KFP.Endpoint = kfpURL
	res := inject.Mutate(pod, cfg)
	if !res.Changed() {
		t.Fatalf("the webhook's mutation skipped the pod: %s", res.SkipReason)
	}
	if _, err := nb.agent.RunPod(ctx, env.Client, node, res.Pod); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/opt/kale/bin/kale", "/usr/local/bin/kale"} {
		nb.copyIn(t, kubectlKale, p, 0o755)
	}
	nb.write(t, "/var/run/secrets/kubeflow/pipelines/token", []byte(token), 0o600)
	data, err := os.ReadFile("testdata/train.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	nb.write(t, "/home/jovyan/train.ipynb", data, 0o644)

	nb.user, err = env.AddUser("scientist-" + nb.ns)
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Grant(ctx, nb.ns, nb.user.Name, "kale-user", podsource.RequiredRBAC()...); err != nil {
		t.Fatal(err)
	}
	return nb
}

func (nb *notebookPod) write(t *testing.T, podPath string, data []byte, mode os.FileMode) {
	t.Helper()
	if _, err := nb.agent.WriteFile(nb.ns, "train-0", podPath, data, mode); err != nil {
		t.Fatal(err)
	}
}

func (nb *notebookPod) copyIn(t *testing.T, host, podPath string, mode os.FileMode) {
	t.Helper()
	data, err := os.ReadFile(host)
	if err != nil {
		t.Fatal(err)
	}
	nb.write(t, podPath, data, mode)
}

// runs are the runs the fake KFP created, and whether every API call that
// needs auth carried the pod's token.
func (nb *notebookPod) runs(t *testing.T) int {
	t.Helper()
	for _, r := range nb.kfp.Requests() {
		if r.Path != "/healthz" && r.Auth != "Bearer "+token {
			t.Errorf("%s %s reached KFP with Authorization %q, not the pod's token", r.Method, r.Path, r.Auth)
		}
	}
	return nb.kfp.Count("POST", "/runs")
}

// The library path: read the notebook from the pod, compile it here, and
// submit the IR by exec'ing the injected `kale submit -` in the pod.
func TestSubmitThroughThePodWithItsOwnCredentials(t *testing.T) {
	testenv.Require(t, env)
	nb := newNotebookPod(t)
	ctx := context.Background()
	src, err := podsource.New(nb.user.Config)
	if err != nil {
		t.Fatal(err)
	}
	p, err := src.Resolve(ctx, podsource.Ref{Namespace: nb.ns, Notebook: "train"})
	if err != nil {
		t.Fatal(err)
	}
	if !p.HasKaleTooling {
		t.Fatal("the injected pod does not show kale tooling")
	}
	data, err := src.ReadFile(ctx, p, "train.ipynb", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	local := filepath.Join(t.TempDir(), "train.ipynb")
	if err := os.WriteFile(local, data, 0o644); err != nil {
		t.Fatal(err)
	}
	compile := exec.Command(kubectlKale, "compile", local)
	compile.Env = testenv.CleanEnviron()
	ir, err := compile.Output()
	if err != nil {
		t.Fatalf("compile: %v", err)
	}

	var out, errb bytes.Buffer
	err = src.Exec(ctx, p, []string{"kale", "submit", "-", "--experiment", "e2e", "-o", "json"}, bytes.NewReader(ir), &out, &errb)
	if err != nil {
		t.Fatalf("kale submit - in the pod: %v\nstderr: %s", err, errb.String())
	}
	var outcome struct {
		RunID string `json:"run_id"`
	}
	if err := json.Unmarshal(out.Bytes(), &outcome); err != nil || outcome.RunID == "" {
		t.Fatalf("kale submit printed %q (%v), want JSON with a run_id", out.String(), err)
	}
	if n := nb.runs(t); n != 1 {
		t.Errorf("KFP received %d run creations, want 1", n)
	}
}

// The CLI path: `kubectl kale run POD:PATH` and `--notebook NAME` with no
// KFP endpoint on the laptop submit through the pod.
func TestKubectlKaleRunSubmitsThroughThePod(t *testing.T) {
	testenv.Require(t, env)
	// cobra answers --help of an unknown command with the root's help.
	if help, _ := exec.Command(kubectlKale, "run", "--help").Output(); !bytes.Contains(help, []byte("kale run")) {
		t.Skip("kubectl kale run is not registered in this build")
	}
	nb := newNotebookPod(t)
	tests := []struct {
		name string
		args []string
	}{
		{"POD:PATH", []string{"run", "train-0:/home/jovyan/train.ipynb"}},
		{"--notebook NAME", []string{"run", "--notebook", "train", "train.ipynb"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"--kubeconfig", nb.user.Kubeconfig, "-n", nb.ns}, tt.args...)
			cmd := exec.Command(kubectlKale, append(args, "-o", "json")...)
			cmd.Env = testenv.CleanEnviron()
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("kubectl kale %s: %v\nstderr: %s", strings.Join(tt.args, " "), err, stderr.String())
			}
			var outcome struct {
				RunID string `json:"run_id"`
				URL   string `json:"url"`
			}
			if err := json.Unmarshal(out, &outcome); err != nil || outcome.RunID == "" {
				t.Fatalf("printed %q (%v), want JSON with a run_id", out, err)
			}
			if !strings.Contains(stderr.String(), "through pod "+nb.ns+"/train-0") {
				t.Errorf("stderr does not say the run went through the pod: %q", stderr.String())
			}
			if n := nb.runs(t); n != i+1 {
				t.Errorf("KFP has %d runs, want %d", n, i+1)
			}
		})
	}
}
