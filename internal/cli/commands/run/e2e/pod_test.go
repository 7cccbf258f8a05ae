package e2e_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/kubeflow-kale/kale/internal/fakekubelet"
	"github.com/kubeflow-kale/kale/internal/kfpfake"
	"github.com/kubeflow-kale/kale/internal/testenv"
	"github.com/kubeflow-kale/kale/pkg/podsource"
)

const (
	nbName  = "nb"
	podName = "nb-0"
	image   = "kubeflownotebookswg/jupyter-scipy:v1.10.0"
)

// notebookPod sets up a namespace as Kubeflow leaves it: a Notebook, its
// running pod (workspace and data claims, PodDefault label), a PodDefault,
// and the notebook file in the pod's workspace. With kfpURL set the pod is
// Kale-ready as the webhook makes it: kale on its PATH, KFP endpoint, token
// file and namespace in its environment. It returns the namespace and agent.
func notebookPod(t *testing.T, kfpURL, token string) (string, *fakekubelet.Agent) {
	t.Helper()
	testenv.Require(t, env)
	ctx := context.Background()
	ns := testenv.Namespace(t, env, map[string]string{"app.kubernetes.io/part-of": "kubeflow-profile"})
	agent, err := fakekubelet.Start(fakekubelet.Options{
		Root:     t.TempDir(),
		Prefixes: []string{"/home/jovyan", "/usr/local/bin", "/var/run/secrets/kubeflow"},
		PATH:     []string{"/usr/local/bin"},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(agent.Close)
	node := "node-" + ns
	if _, err := env.RegisterNode(ctx, node, agent.Port()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client.CoreV1().Nodes().Delete(context.Background(), node, metav1.DeleteOptions{}) })

	for _, claim := range []string{"nb-workspace", "datasets"} {
		pvc := &corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{Name: claim},
			Spec: corev1.PersistentVolumeClaimSpec{
				AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany},
				Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
			},
		}
		if _, err := env.Client.CoreV1().PersistentVolumeClaims(ns).Create(ctx, pvc, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	dyn := dynamic.NewForConfigOrDie(env.Config)
	for _, obj := range []*unstructured.Unstructured{
		{Object: map[string]any{
			"apiVersion": "kubeflow.org/v1alpha1", "kind": "PodDefault", "metadata": map[string]any{"name": "access-ml-pipeline"},
			"spec": map[string]any{"desc": "KFP", "selector": map[string]any{"matchLabels": map[string]any{"access-ml-pipeline": "true"}}},
		}},
		{Object: map[string]any{
			"apiVersion": "kubeflow.org/v1", "kind": "Notebook", "metadata": map[string]any{"name": nbName},
			"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
				"containers": []any{map[string]any{"name": nbName, "image": image}},
			}}},
		}},
	} {
		res := podsource.PodDefaultResource
		if obj.GetKind() == "Notebook" {
			res = podsource.NotebookResource
		}
		if _, err := dyn.Resource(res).Namespace(ns).Create(ctx, obj, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: podName, Namespace: ns,
			Labels: map[string]string{"notebook-name": nbName, "statefulset": nbName, "access-ml-pipeline": "true"},
		},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{
				Name: nbName, Image: image, WorkingDir: "/home/jovyan",
				VolumeMounts: []corev1.VolumeMount{
					{Name: "workspace", MountPath: "/home/jovyan"},
					{Name: "data", MountPath: "/home/jovyan/data"},
				},
			}},
			Volumes: []corev1.Volume{
				{Name: "workspace", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "nb-workspace"}}},
				{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "datasets"}}},
			},
		},
	}
	if kfpURL != "" {
		pod.Annotations = map[string]string{podsource.AnnotationInjected: "test"}
		pod.Spec.Containers[0].Env = []corev1.EnvVar{
			{Name: "KF_PIPELINES_ENDPOINT", Value: kfpURL},
			{Name: "KF_PIPELINES_SA_TOKEN_PATH", Value: "/var/run/secrets/kubeflow/pipelines/token"},
			{Name: "KALE_NAMESPACE", Value: ns},
		}
	}
	if _, err := agent.RunPod(ctx, env.Client, node, pod); err != nil {
		t.Fatal(err)
	}
	nb, err := os.ReadFile(notebook)
	if err != nil {
		t.Fatal(err)
	}
	put(t, agent, ns, "/home/jovyan/work/train.ipynb", nb, 0o644)
	if kfpURL != "" {
		put(t, agent, ns, "/var/run/secrets/kubeflow/pipelines/token", []byte(token), 0o600)
		kale, err := agent.HostPath(ns, podName, "/usr/local/bin/kale")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(kale), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join(kaleDir, "kale"), kale); err != nil {
			t.Fatal(err)
		}
	}
	return ns, agent
}

func put(t *testing.T, agent *fakekubelet.Agent, ns, podPath string, data []byte, mode os.FileMode) {
	t.Helper()
	if _, err := agent.WriteFile(ns, podName, podPath, data, mode); err != nil {
		t.Fatal(err)
	}
}

// submitted returns the only run's submission.
func submitted(t *testing.T, fake *kfpfake.Server) kfpfake.Submission {
	t.Helper()
	ids := fake.RunIDs()
	if len(ids) != 1 {
		t.Fatalf("runs %v, want one", ids)
	}
	sub, _ := fake.Submission(ids[0])
	return sub
}

func TestRunReadsTheNotebookFromThePod(t *testing.T) {
	fake, url := kfpfake.Start(t, kfpfake.Options{MultiUser: true, Schedule: kfpfake.Schedule{Pending: time.Hour}})
	ns, _ := notebookPod(t, "", "")
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"POD:PATH", []string{"run", podName + ":/home/jovyan/work/train.ipynb"}},
		{"--notebook NAME with a path relative to the working directory", []string{"run", "--notebook", nbName, "work/train.ipynb"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(fake.RunIDs())
			args := append(tc.args, "-n", ns, "--kubeconfig", env.Kubeconfig, "--kfp-endpoint", url, "-o", "json")
			r := kubectlKale(t, testenv.CleanEnviron(), args...)
			if r.code != 0 {
				t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.out, r.errOut)
			}
			var got map[string]string
			if err := json.Unmarshal([]byte(r.out), &got); err != nil {
				t.Fatalf("stdout %q: %v", r.out, err)
			}
			if len(fake.RunIDs()) != before+1 {
				t.Fatal("no run created")
			}
			sub, _ := fake.Submission(got["run_id"])
			if sub.Namespace != ns {
				t.Errorf("run namespace %q, want the pod's %q", sub.Namespace, ns)
			}
			spec, platform := string(sub.PipelineSpec), string(sub.PlatformSpec)
			if !strings.Contains(spec, `"image":"`+image+`"`) {
				t.Errorf("steps do not run on the pod's image %s", image)
			}
			for _, want := range []string{`"constant":"datasets"`, `"mountPath":"/home/jovyan/data"`, `"access-ml-pipeline":"true"`} {
				if !strings.Contains(platform, want) {
					t.Errorf("platform spec lacks %s: %s", want, platform)
				}
			}
		})
	}
	r := kubectlKale(t, testenv.CleanEnviron(), "run", podName+":/home/jovyan/work/missing.ipynb", "-n", ns, "--kubeconfig", env.Kubeconfig, "--kfp-endpoint", url)
	if r.code != 1 || !strings.Contains(r.errOut, "no such file") {
		t.Errorf("missing file: exit %d, stderr %q", r.code, r.errOut)
	}
}

func TestRunSubmitsThroughThePod(t *testing.T) {
	fake, url := kfpfake.Start(t, kfpfake.Options{MultiUser: true, Token: "pod-token",
		Schedule: kfpfake.Schedule{Pending: 100 * time.Millisecond, Running: 200 * time.Millisecond}})
	ns, agent := notebookPod(t, url, "pod-token")

	// No endpoint here: the pod's kale submits with the pod's credentials.
	r := kubectlKale(t, testenv.CleanEnviron(), "run", podName+":/home/jovyan/work/train.ipynb", "-n", ns, "--kubeconfig", env.Kubeconfig,
		"--experiment", "from-laptop", "--param", "epochs=7", "--watch")
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.out, r.errOut)
	}
	if !strings.Contains(r.errOut, "submitting through pod "+ns+"/"+podName) || !strings.Contains(r.out, "submitted through pod") ||
		!strings.Contains(r.out, "state: SUCCEEDED") {
		t.Errorf("the output must say the pod path was used:\nstdout: %s\nstderr: %s", r.out, r.errOut)
	}
	sub := submitted(t, fake)
	if sub.Namespace != ns || sub.Run.GetRuntimeConfig().GetParameters()["epochs"].GetNumberValue() != 7 {
		t.Errorf("run in %q with %v", sub.Namespace, sub.Run.GetRuntimeConfig())
	}
	for _, req := range fake.Requests() {
		if req.Path != "/healthz" && req.Auth != "Bearer pod-token" {
			t.Errorf("%s %s carried %q, want the pod's token", req.Method, req.Path, req.Auth)
		}
	}
	var cmds []string
	for _, e := range agent.Execs() {
		cmds = append(cmds, strings.Join(e.Command[:min(3, len(e.Command))], " "))
	}
	if !slices.Contains(cmds, "kale submit -") {
		t.Errorf("execs %q, want kale submit - among them", cmds)
	}

	// A run that fails makes the local command fail too.
	fake.SetSchedule(kfpfake.Schedule{Running: 100 * time.Millisecond, Fail: true})
	r = kubectlKale(t, testenv.CleanEnviron(), "run", podName+":/home/jovyan/work/train.ipynb", "-n", ns, "--kubeconfig", env.Kubeconfig, "--watch", "-o", "json")
	if r.code != 2 || !strings.Contains(r.out, `"state": "FAILED"`) {
		t.Errorf("failed run: exit %d\nstdout: %s\nstderr: %s", r.code, r.out, r.errOut)
	}
}

// TestRunInsideThePodUsesItsVolumes is `kale run train.ipynb` in the
// notebook's terminal: a local file, and the pod named by the webhook's
// KALE_POD_NAME/KALE_NAMESPACE gives the steps its image, volumes and
// PodDefault labels.
func TestRunInsideThePodUsesItsVolumes(t *testing.T) {
	fake, url := kfpfake.Start(t, kfpfake.Options{MultiUser: true, Schedule: kfpfake.Schedule{Pending: time.Hour}})
	ns, _ := notebookPod(t, "", "")
	r := kubectlKale(t, testenv.CleanEnviron("KALE_POD_NAME="+podName, "KALE_NAMESPACE="+ns, "KF_PIPELINES_ENDPOINT="+url),
		"run", notebook, "--kubeconfig", env.Kubeconfig, "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.out, r.errOut)
	}
	sub := submitted(t, fake)
	if sub.Namespace != ns {
		t.Errorf("run namespace %q, want %q", sub.Namespace, ns)
	}
	platform := string(sub.PlatformSpec)
	for _, want := range []string{`"constant":"datasets"`, `"access-ml-pipeline":"true"`} {
		if !strings.Contains(platform, want) {
			t.Errorf("platform spec lacks %s: %s", want, platform)
		}
	}
	if !strings.Contains(string(sub.PipelineSpec), `"image":"`+image+`"`) {
		t.Errorf("steps do not run on the pod's image")
	}
}
