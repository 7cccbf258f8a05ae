package podsource_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"syscall"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	utilexec "k8s.io/client-go/util/exec"

	"github.com/kubeflow-kale/kale/internal/fakekubelet"
	"github.com/kubeflow-kale/kale/internal/testenv"
	"github.com/kubeflow-kale/kale/pkg/notebook"
	"github.com/kubeflow-kale/kale/pkg/pipeline"
	"github.com/kubeflow-kale/kale/pkg/podsource"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, testenv.Options{CRDPaths: []string{"testdata/crds"}}, &env))
}

const (
	// testBin is searched for commands before the host's PATH.
	testBin      = "/home/jovyan/.test-bin"
	notebookName = "nb"
	podName      = "nb-0"
	image        = "kubeflownotebookswg/jupyter-scipy:v1.10.0"
)

// cluster is one namespace as the Notebook controller, the PodDefault
// webhook and a user's profile leave it: a running notebook pod with a
// workspace (RWO) and a data (RWX) claim, PodDefaults, and a user whose
// RBAC is exactly podsource.RequiredRBAC.
type cluster struct {
	ns    string
	agent *fakekubelet.Agent
	node  string
	user  *testenv.User
	src   *podsource.Source
}

func newCluster(t testing.TB) *cluster {
	t.Helper()
	ctx := context.Background()
	c := &cluster{ns: testenv.Namespace(t, env, map[string]string{"app.kubernetes.io/part-of": "kubeflow-profile"})}
	var err error
	// Tools a test puts in the pod's testBin replace the host's.
	if c.agent, err = fakekubelet.Start(fakekubelet.Options{Root: t.TempDir(), PATH: []string{testBin}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.agent.Close)
	c.node = "node-" + c.ns
	if _, err := env.RegisterNode(ctx, c.node, c.agent.Port()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client.CoreV1().Nodes().Delete(context.Background(), c.node, metav1.DeleteOptions{}) })

	for name, mode := range map[string]corev1.PersistentVolumeAccessMode{
		"nb-workspace": corev1.ReadWriteOnce, "datasets": corev1.ReadWriteMany,
	} {
		pvc := &corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: corev1.PersistentVolumeClaimSpec{
				AccessModes: []corev1.PersistentVolumeAccessMode{mode},
				Resources:   corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
			},
		}
		if _, err := env.Client.CoreV1().PersistentVolumeClaims(c.ns).Create(ctx, pvc, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	dyn := dynamic.NewForConfigOrDie(env.Config)
	for name, ml := range map[string]map[string]any{
		"access-ml-pipeline": {"access-ml-pipeline": "true"},
		"add-gcp-secret":     {"add-gcp-secret": "true"},
	} {
		pd := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "kubeflow.org/v1alpha1", "kind": "PodDefault",
			"metadata": map[string]any{"name": name},
			"spec":     map[string]any{"desc": name, "selector": map[string]any{"matchLabels": ml}},
		}}
		if _, err := dyn.Resource(podsource.PodDefaultResource).Namespace(c.ns).Create(ctx, pd, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	c.createNotebook(t, notebookName, nil)
	c.runNotebookPod(t, podName, notebookName)

	c.user = c.addUser(t, "editor", podsource.RequiredRBAC()...)
	if c.src, err = podsource.New(c.user.Config); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *cluster) createNotebook(t testing.TB, name string, annotations map[string]string) {
	t.Helper()
	nb := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kubeflow.org/v1", "kind": "Notebook",
		"metadata": map[string]any{"name": name, "labels": map[string]any{"access-ml-pipeline": "true"}},
		"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
			"containers": []any{map[string]any{"name": name, "image": image}},
		}}},
	}}
	nb.SetAnnotations(annotations)
	dyn := dynamic.NewForConfigOrDie(env.Config)
	if _, err := dyn.Resource(podsource.NotebookResource).Namespace(c.ns).Create(context.Background(), nb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// runNotebookPod creates the pod as the Notebook controller and the
// webhooks shape it (the sidecar first, so choosing by name matters).
func (c *cluster) runNotebookPod(t testing.TB, pod, notebook string) {
	t.Helper()
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: pod, Namespace: c.ns,
			Labels: map[string]string{
				"notebook-name": notebook, "statefulset": notebook, "access-ml-pipeline": "true",
			},
			Annotations: map[string]string{"kale.kubeflow.org/injected": "v0.1.0"},
		},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{
				{Name: "istio-proxy", Image: "istio/proxyv2:1.26"},
				{
					Name: notebook, Image: image, WorkingDir: "/home/jovyan",
					VolumeMounts: []corev1.VolumeMount{
						{Name: "workspace", MountPath: "/home/jovyan"},
						{Name: "data", MountPath: "/home/jovyan/data", ReadOnly: true},
						{Name: "dshm", MountPath: "/dev/shm"},
					},
				},
			},
			Volumes: []corev1.Volume{
				{Name: "workspace", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "nb-workspace"}}},
				{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "datasets"}}},
				{Name: "dshm", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}}},
			},
		},
	}
	if _, err := c.agent.RunPod(context.Background(), env.Client, c.node, p); err != nil {
		t.Fatal(err)
	}
}

// addUser makes a user that may do exactly rules in the namespace.
func (c *cluster) addUser(t testing.TB, role string, rules ...rbacv1.PolicyRule) *testenv.User {
	t.Helper()
	name := role + "-" + c.ns
	u, err := env.AddUser(name)
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) > 0 {
		if err := env.Grant(context.Background(), c.ns, name, role, rules...); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

func (c *cluster) sourceFor(t testing.TB, u *testenv.User) *podsource.Source {
	t.Helper()
	s, err := podsource.New(u.Config)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// write puts a file in the pod's folder (its /home/jovyan).
func (c *cluster) write(t testing.TB, pod, podPath string, data []byte) string {
	t.Helper()
	p, err := c.agent.WriteFile(c.ns, pod, podPath, data, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (c *cluster) wantPod() *podsource.Pod {
	return &podsource.Pod{
		Namespace: c.ns, Name: podName, Container: notebookName, Image: image, WorkingDir: "/home/jovyan",
		Volumes: []pipeline.Volume{
			{Name: "nb-workspace", MountPath: "/home/jovyan", Type: "pvc"},
			{Name: "datasets", MountPath: "/home/jovyan/data", Type: "pvc", ReadOnly: true},
		},
		PodDefaultLabels: map[string]string{"access-ml-pipeline": "true"},
		HasKaleTooling:   true,
		Warnings:         []string{"PVC nb-workspace (mounted at /home/jovyan) is ReadWriteOnce: step pods can mount it only on the notebook's node"},
	}
}

const sampleNotebook = `{"cells": [{"cell_type": "code", "metadata": {"tags": ["step:load"]}, "source": ["x = 1\n"], "outputs": [], "execution_count": null}],
 "metadata": {"kubeflow_notebook": {"experiment_name": "e", "pipeline_name": "p"}}, "nbformat": 4, "nbformat_minor": 5}`

func TestResolveTakesImageVolumesAndPodDefaultsFromThePod(t *testing.T) {
	testenv.Require(t, env)
	c := newCluster(t)
	tests := []struct {
		name string
		ref  podsource.Ref
	}{
		{"POD:PATH", podsource.Ref{Namespace: c.ns, Pod: podName}},
		{"--notebook NAME", podsource.Ref{Namespace: c.ns, Notebook: notebookName}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.src.Resolve(context.Background(), tt.ref)
			if err != nil {
				t.Fatal(err)
			}
			if want := c.wantPod(); !reflect.DeepEqual(got, want) {
				t.Errorf("Resolve(%v)\n got %+v\nwant %+v", tt.ref, got, want)
			}
		})
	}
}

func TestReadFileReadsTheNotebookThroughTheAPIServer(t *testing.T) {
	testenv.Require(t, env)
	c := newCluster(t)
	c.write(t, podName, "/home/jovyan/work/train.ipynb", []byte(sampleNotebook))
	ctx := context.Background()
	for _, arg := range []string{podName + ":/home/jovyan/work/train.ipynb", podName + ":work/train.ipynb"} {
		t.Run(arg, func(t *testing.T) {
			ref, ok := podsource.ParseRef(arg)
			if !ok {
				t.Fatalf("ParseRef(%q) says local", arg)
			}
			ref.Namespace = c.ns
			p, err := c.src.Resolve(ctx, ref)
			if err != nil {
				t.Fatal(err)
			}
			data, err := c.src.ReadFile(ctx, p, ref.Path, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if string(data) != sampleNotebook {
				t.Errorf("read %q", data)
			}
			nb, err := notebook.Parse(p.Location(ref.Path), data)
			if err != nil {
				t.Fatalf("the notebook read from the pod does not parse: %v", err)
			}
			if nb.Name != c.ns+"/nb-0:/home/jovyan/work/train.ipynb" {
				t.Errorf("notebook name %q", nb.Name)
			}
		})
	}
	for _, e := range c.agent.Execs() {
		if e.Container != notebookName {
			t.Errorf("exec ran in container %s, want %s", e.Container, notebookName)
		}
	}
}

func TestReadFileErrorsNameWhatIsWrong(t *testing.T) {
	testenv.Require(t, env)
	c := newCluster(t)
	ctx := context.Background()
	c.write(t, podName, "/home/jovyan/work/a.ipynb", []byte(sampleNotebook))
	c.write(t, podName, "/home/jovyan/work/b.ipynb", []byte(sampleNotebook))
	c.write(t, podName, "/home/jovyan/big.ipynb", bytes.Repeat([]byte(" "), 2048))
	secret := c.write(t, podName, "/home/jovyan/secret.ipynb", []byte(sampleNotebook))
	if err := os.Chmod(secret, 0); err != nil {
		t.Fatal(err)
	}
	fifo, _ := c.agent.HostPath(c.ns, podName, "/home/jovyan/pipe")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := c.src.Resolve(ctx, podsource.Ref{Namespace: c.ns, Pod: podName})
	if err != nil {
		t.Fatal(err)
	}
	loc := c.ns + "/nb-0:"
	tests := []struct {
		name, path string
		limit      int64
		want       string
	}{
		{"no such file", "/home/jovyan/missing.ipynb", 1 << 20,
			"no such file: /home/jovyan/missing.ipynb in pod " + c.ns + "/nb-0 (container nb)"},
		{"a directory lists its notebooks", "/home/jovyan/work", 1 << 20,
			loc + "/home/jovyan/work is a directory, not a notebook; notebooks in it: a.ipynb, b.ipynb"},
		{"over the size limit", "/home/jovyan/big.ipynb", 1024,
			loc + "/home/jovyan/big.ipynb is 2048 bytes, over the size limit of 1024 bytes"},
		{"not a regular file", "/home/jovyan/pipe", 1 << 20,
			loc + "/home/jovyan/pipe is not a regular file (a device, socket or pipe), not a notebook"},
		{"no path after the pod", "", 1 << 20,
			"no file named in pod " + c.ns + "/nb-0: give the notebook's path after the pod name, e.g. nb-0:/home/jovyan/train.ipynb"},
		{"unreadable", "/home/jovyan/secret.ipynb", 1 << 20,
			loc + "/home/jovyan/secret.ipynb: permission denied: the container's user cannot read the file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "unreadable" && os.Geteuid() == 0 {
				t.Skip("root reads every file")
			}
			_, err := c.src.ReadFile(ctx, p, tt.path, tt.limit)
			if err == nil || err.Error() != tt.want {
				t.Errorf("err = %v\nwant %s", err, tt.want)
			}
		})
	}

	t.Run("exactly at the limit is read", func(t *testing.T) {
		data, err := c.src.ReadFile(ctx, p, "/home/jovyan/big.ipynb", 2048)
		if err != nil || len(data) != 2048 {
			t.Errorf("read %d bytes, %v", len(data), err)
		}
	})
	t.Run("a file named like an option is read", func(t *testing.T) {
		c.write(t, podName, "/home/jovyan/-n", []byte(sampleNotebook))
		data, err := c.src.ReadFile(ctx, p, "-n", 1<<20)
		if err != nil || string(data) != sampleNotebook {
			t.Errorf("ReadFile(-n) = %q, %v", data, err)
		}
	})
	t.Run("a head that ignores -c is cut off at the limit", func(t *testing.T) {
		head := c.write(t, podName, testBin+"/head", []byte("#!/bin/sh\nexec cat /dev/zero\n"))
		defer os.Remove(head)
		if err := os.Chmod(head, 0o755); err != nil {
			t.Fatal(err)
		}
		_, err := c.src.ReadFile(ctx, p, "/home/jovyan/big.ipynb", 1<<20)
		var tl *podsource.TooLargeError
		if !errors.As(err, &tl) || !strings.Contains(err.Error(), "does its head ignore -c?") {
			t.Errorf("err = %v, want a *TooLargeError that suspects head", err)
		}
	})
	t.Run("a file that is not a notebook reads, and the parser names it", func(t *testing.T) {
		c.write(t, podName, "/home/jovyan/notes.txt", []byte("shopping list\n"))
		data, err := c.src.ReadFile(ctx, p, "notes.txt", 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		_, err = notebook.Parse(p.Location("notes.txt"), data)
		want := loc + `/home/jovyan/notes.txt: not a Jupyter notebook: a .ipynb file is a JSON object, this file starts with "shopping list"`
		if err == nil || err.Error() != want {
			t.Errorf("parse error = %v\nwant %s", err, want)
		}
	})
}

func TestResolveErrorsNameWhatIsWrong(t *testing.T) {
	testenv.Require(t, env)
	c := newCluster(t)
	ctx := context.Background()
	// A pod that was never scheduled, and a notebook whose pod is pending.
	pending := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "pending-0", Labels: map[string]string{"notebook-name": "pending"}},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "pending", Image: image}}},
	}
	if _, err := env.Client.CoreV1().Pods(c.ns).Create(ctx, pending, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	c.createNotebook(t, "pending", nil)
	c.createNotebook(t, "stopped", map[string]string{"kubeflow-resource-stopped": "2026-11-27T05:00:00Z"})
	c.createNotebook(t, "podless", nil)

	tests := []struct {
		name string
		ref  podsource.Ref
		want string
	}{
		{"pod not found", podsource.Ref{Namespace: c.ns, Pod: "nb-9"}, "pod nb-9 not found in namespace " + c.ns},
		{"container not found", podsource.Ref{Namespace: c.ns, Pod: podName, Container: "jupyter"},
			"container jupyter not found in pod " + c.ns + "/nb-0; its containers are: istio-proxy, nb"},
		{"pod not running", podsource.Ref{Namespace: c.ns, Pod: "pending-0"},
			"pod pending-0 in namespace " + c.ns + " is Pending, not Running: not scheduled to a node yet"},
		{"notebook not found", podsource.Ref{Namespace: c.ns, Notebook: "nope"}, "notebook nope not found in namespace " + c.ns},
		{"notebook stopped", podsource.Ref{Namespace: c.ns, Notebook: "stopped"},
			"notebook stopped in namespace " + c.ns + " is stopped (annotation kubeflow-resource-stopped=2026-11-27T05:00:00Z), so it has no pod: " +
				"start it from the Kubeflow dashboard, or `kubectl annotate notebook stopped -n " + c.ns + " kubeflow-resource-stopped-`"},
		{"notebook without a pod", podsource.Ref{Namespace: c.ns, Notebook: "podless"},
			"notebook podless in namespace " + c.ns + " has no pod (no pod is labelled notebook-name=podless): it may be starting or stopped"},
		{"notebook whose pod is pending", podsource.Ref{Namespace: c.ns, Notebook: "pending"},
			"pod pending-0 in namespace " + c.ns + " is Pending, not Running: not scheduled to a node yet"},
		{"no namespace", podsource.Ref{Pod: podName}, "no namespace for nb-0:: give one with -n"},
		{"both pod and notebook", podsource.Ref{Namespace: c.ns, Pod: podName, Notebook: notebookName},
			"give either POD:PATH or a notebook name, not both (pod nb-0, notebook nb)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.src.Resolve(ctx, tt.ref)
			if err == nil || err.Error() != tt.want {
				t.Errorf("err = %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestMissingPermissionsAreNamed(t *testing.T) {
	testenv.Require(t, env)
	c := newCluster(t)
	ctx := context.Background()
	c.write(t, podName, "/home/jovyan/train.ipynb", []byte(sampleNotebook))
	podsOnly := rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"}}

	t.Run("no pods/exec", func(t *testing.T) {
		src := c.sourceFor(t, c.addUser(t, "noexec", podsOnly))
		p, err := src.Resolve(ctx, podsource.Ref{Namespace: c.ns, Pod: podName})
		if err != nil {
			t.Fatal(err)
		}
		_, err = src.ReadFile(ctx, p, "/home/jovyan/train.ipynb", 1<<20)
		for _, want := range []string{`"create"`, `"pods/exec"`, "namespace " + c.ns, "permission denied"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("err = %v, want it to name %s", err, want)
			}
		}
	})
	t.Run("no pods", func(t *testing.T) {
		src := c.sourceFor(t, c.addUser(t, "nothing"))
		_, err := src.Resolve(ctx, podsource.Ref{Namespace: c.ns, Pod: podName})
		want := `permission denied: you may not get pods in namespace ` + c.ns + `; ask for RBAC verb "get" on resource "pods" there`
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("err = %v\nwant it to start with %s", err, want)
		}
	})
	t.Run("no notebooks", func(t *testing.T) {
		src := c.sourceFor(t, c.addUser(t, "nonotebooks", podsOnly))
		_, err := src.Resolve(ctx, podsource.Ref{Namespace: c.ns, Notebook: notebookName})
		want := `permission denied: you may not get notebooks.kubeflow.org in namespace ` + c.ns
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("err = %v\nwant it to start with %s", err, want)
		}
	})
	t.Run("no PodDefaults or claims: warnings, not errors", func(t *testing.T) {
		src := c.sourceFor(t, c.addUser(t, "podsonly", podsOnly))
		p, err := src.Resolve(ctx, podsource.Ref{Namespace: c.ns, Pod: podName})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			"cannot check the access modes of PVC nb-workspace (mounted at /home/jovyan): you may not get persistentvolumeclaims in namespace " + c.ns,
			"cannot check the access modes of PVC datasets (mounted at /home/jovyan/data): you may not get persistentvolumeclaims in namespace " + c.ns,
			`cannot list PodDefaults in namespace ` + c.ns + ` (RBAC verb "list" on "poddefaults.kubeflow.org"); steps will not carry the notebook's PodDefault labels`,
		}
		if !reflect.DeepEqual(p.Warnings, want) {
			t.Errorf("warnings\n got %q\nwant %q", p.Warnings, want)
		}
		if p.PodDefaultLabels != nil || len(p.Volumes) != 2 {
			t.Errorf("labels %v volumes %v", p.PodDefaultLabels, p.Volumes)
		}
	})
}

// kube-apiserver 1.34 authorizes the WebSocket exec as "get" and SPDY as
// "create": a user with only one of them shows which transport ran.
func TestExecTriesWebSocketThenSPDY(t *testing.T) {
	testenv.Require(t, env)
	c := newCluster(t)
	ctx := context.Background()
	c.write(t, podName, "/home/jovyan/train.ipynb", []byte(sampleNotebook))
	for _, verb := range []string{"get", "create"} {
		t.Run("pods/exec "+verb+" only", func(t *testing.T) {
			u := c.addUser(t, "exec"+verb,
				rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get"}},
				rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"pods/exec"}, Verbs: []string{verb}})
			src := c.sourceFor(t, u)
			p, err := src.Resolve(ctx, podsource.Ref{Namespace: c.ns, Pod: podName})
			if err != nil {
				t.Fatal(err)
			}
			if data, err := src.ReadFile(ctx, p, "/home/jovyan/train.ipynb", 1<<20); err != nil || string(data) != sampleNotebook {
				t.Errorf("ReadFile: %q, %v", data, err)
			}
		})
	}
}

func TestExecPassesStdinAndTheExitCode(t *testing.T) {
	testenv.Require(t, env)
	c := newCluster(t)
	ctx := context.Background()
	p, err := c.src.Resolve(ctx, podsource.Ref{Namespace: c.ns, Notebook: notebookName})
	if err != nil {
		t.Fatal(err)
	}
	ir := strings.Repeat(`{"pipelineInfo": {"name": "p"}}`+"\n", 1000)
	var out, errb bytes.Buffer
	err = c.src.Exec(ctx, p, []string{"sh", "-c", `wc -c; echo "submitted from $FAKEKUBELET_CONTAINER" >&2; exit 3`}, strings.NewReader(ir), &out, &errb)
	var exit utilexec.CodeExitError
	if !errors.As(err, &exit) || exit.Code != 3 {
		t.Fatalf("err = %v, want exit code 3", err)
	}
	if want := fmt.Sprintf("sh in pod %s/nb-0 (container nb) exited with code 3", c.ns); !strings.HasPrefix(err.Error(), want) {
		t.Errorf("err = %q, want it to start with %q", err, want)
	}
	if got := strings.TrimSpace(out.String()); got != fmt.Sprint(len(ir)) {
		t.Errorf("the command read %s bytes of stdin, want %d", got, len(ir))
	}
	if got := errb.String(); got != "submitted from nb\n" {
		t.Errorf("stderr %q", got)
	}
}

// BenchmarkReadFile reads a 1 MB notebook through the API server's exec
// (client -> kube-apiserver -> agent and back), as `kubectl kale run
// POD:PATH` does.
func BenchmarkReadFile(b *testing.B) {
	testenv.Require(b, env)
	c := newCluster(b)
	ctx := context.Background()
	data := bytes.Repeat([]byte(`{"cell_type": "code", "source": ["x = 1\n"]},`), 1<<20/44)
	data = data[:1<<20]
	c.write(b, podName, "/home/jovyan/big.ipynb", data)
	p, err := c.src.Resolve(ctx, podsource.Ref{Namespace: c.ns, Pod: podName})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		got, err := c.src.ReadFile(ctx, p, "/home/jovyan/big.ipynb", 10<<20)
		if err != nil || len(got) != len(data) {
			b.Fatalf("read %d bytes, %v", len(got), err)
		}
	}
}

// BenchmarkReadFileSmall is the fixed cost of one read: a 1 KB notebook.
func BenchmarkReadFileSmall(b *testing.B) {
	testenv.Require(b, env)
	c := newCluster(b)
	ctx := context.Background()
	data := bytes.Repeat([]byte("x"), 1024)
	c.write(b, podName, "/home/jovyan/small.ipynb", data)
	p, err := c.src.Resolve(ctx, podsource.Ref{Namespace: c.ns, Pod: podName})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if got, err := c.src.ReadFile(ctx, p, "/home/jovyan/small.ipynb", 10<<20); err != nil || len(got) != len(data) {
			b.Fatalf("read %d bytes, %v", len(got), err)
		}
	}
}
