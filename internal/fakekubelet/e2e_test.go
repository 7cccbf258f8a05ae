package fakekubelet_test

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/client-go/util/exec"

	"github.com/kubeflow-kale/kale/internal/fakekubelet"
	"github.com/kubeflow-kale/kale/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, testenv.Options{}, &env))
}

// fixture is an agent, its Node, and one running pod with two containers.
type fixture struct {
	agent *fakekubelet.Agent
	ns    string
	pod   string
}

func setup(t *testing.T) *fixture {
	t.Helper()
	ns := testenv.Namespace(t, env, nil)
	agent, err := fakekubelet.Start(fakekubelet.Options{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(agent.Close)
	ctx := context.Background()
	node := "node-" + ns
	if _, err := env.RegisterNode(ctx, node, agent.Port()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Client.CoreV1().Nodes().Delete(context.Background(), node, metav1.DeleteOptions{}) })
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "nb-0", Namespace: ns},
		Spec: corev1.PodSpec{Containers: []corev1.Container{
			{Name: "nb", Image: "jupyter:1"},
			{Name: "sidecar", Image: "proxy:1"},
		}},
	}
	got, err := agent.RunPod(ctx, env.Client, node, pod)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status.Phase != corev1.PodRunning || got.Spec.NodeName != node {
		t.Fatalf("pod after RunPod: phase %s node %q", got.Status.Phase, got.Spec.NodeName)
	}
	return &fixture{agent: agent, ns: ns, pod: "nb-0"}
}

func (f *fixture) write(t *testing.T, podPath string, data []byte) {
	t.Helper()
	if _, err := f.agent.WriteFile(f.ns, f.pod, podPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

type transport string

const (
	fallback  transport = "websocket-with-spdy-fallback"
	websocket transport = "websocket"
	spdy      transport = "spdy"
)

func execute(ctx context.Context, cfg *rest.Config, tr transport, ns, pod, container string, cmd []string, stdin io.Reader) (string, string, error) {
	cs := env.Client
	req := cs.CoreV1().RESTClient().Post().Resource("pods").Namespace(ns).Name(pod).SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{Container: container, Command: cmd, Stdin: stdin != nil, Stdout: true, Stderr: true}, scheme.ParameterCodec)
	var ex remotecommand.Executor
	var err error
	switch tr {
	case spdy:
		ex, err = remotecommand.NewSPDYExecutor(cfg, "POST", req.URL())
	case websocket:
		ex, err = remotecommand.NewWebSocketExecutor(cfg, "GET", req.URL().String())
	default:
		var ws, sp remotecommand.Executor
		if ws, err = remotecommand.NewWebSocketExecutor(cfg, "GET", req.URL().String()); err == nil {
			if sp, err = remotecommand.NewSPDYExecutor(cfg, "POST", req.URL()); err == nil {
				ex, err = remotecommand.NewFallbackExecutor(ws, sp, func(err error) bool {
					return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err)
				})
			}
		}
	}
	if err != nil {
		return "", "", err
	}
	var out, errb bytes.Buffer
	err = ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdin: stdin, Stdout: &out, Stderr: &errb})
	return out.String(), errb.String(), err
}

func TestExecReadsTheFolderThroughTheAPIServer(t *testing.T) {
	f := setup(t)
	big := make([]byte, 4<<20)
	_, _ = rand.Read(big)
	f.write(t, "/home/jovyan/big.bin", big)
	for _, tr := range []transport{fallback, websocket, spdy} {
		t.Run(string(tr), func(t *testing.T) {
			out, stderr, err := execute(context.Background(), env.Config, tr, f.ns, f.pod, "nb", []string{"cat", "/home/jovyan/big.bin"}, nil)
			if err != nil {
				t.Fatalf("exec: %v (stderr %q)", err, stderr)
			}
			if out != string(big) {
				t.Errorf("read %d bytes, not the %d written", len(out), len(big))
			}
		})
	}
}

func TestExecWritesStdinIntoTheFolder(t *testing.T) {
	f := setup(t)
	data := strings.Repeat("notebook line\n", 50000)
	for _, tr := range []transport{websocket, spdy} {
		t.Run(string(tr), func(t *testing.T) {
			target := "/home/jovyan/up-" + string(tr) + ".txt"
			_, stderr, err := execute(context.Background(), env.Config, tr, f.ns, f.pod, "nb",
				[]string{"sh", "-c", `cat > "$1"`, "--", target}, strings.NewReader(data))
			if err != nil {
				t.Fatalf("exec: %v (stderr %q)", err, stderr)
			}
			p, _ := f.agent.HostPath(f.ns, f.pod, target)
			got, err := os.ReadFile(p)
			if err != nil || string(got) != data {
				t.Errorf("file in the pod folder has %d bytes (%v), want %d", len(got), err, len(data))
			}
		})
	}
}

func TestExecReportsExitCodeAndStderr(t *testing.T) {
	f := setup(t)
	tests := []struct {
		name       string
		cmd        []string
		wantCode   int
		wantStderr string
	}{
		{"missing file", []string{"cat", "/home/jovyan/missing.ipynb"}, 1, "home/jovyan/missing.ipynb: No such file"},
		{"explicit exit code", []string{"sh", "-c", "echo oops >&2; exit 7"}, 7, "oops"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, err := execute(context.Background(), env.Config, fallback, f.ns, f.pod, "nb", tt.cmd, nil)
			var ce utilexec.CodeExitError
			if !errors.As(err, &ce) || ce.Code != tt.wantCode {
				t.Fatalf("err = %v (%T), want exit code %d", err, err, tt.wantCode)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", stderr, tt.wantStderr)
			}
		})
	}
}

func TestExecRunsInTheChosenContainerAndIsRecorded(t *testing.T) {
	f := setup(t)
	out, _, err := execute(context.Background(), env.Config, fallback, f.ns, f.pod, "sidecar",
		[]string{"sh", "-c", `echo "$FAKEKUBELET_NAMESPACE/$FAKEKUBELET_POD/$FAKEKUBELET_CONTAINER $HOME"`}, nil)
	if err != nil {
		t.Fatal(err)
	}
	home, _ := f.agent.HostPath(f.ns, f.pod, "/home/jovyan")
	if want := f.ns + "/nb-0/sidecar " + home + "\n"; out != want {
		t.Errorf("output %q, want %q", out, want)
	}
	execs := f.agent.Execs()
	if len(execs) != 1 || execs[0].Container != "sidecar" || execs[0].ExitCode != 0 || execs[0].Command[0] != "sh" {
		t.Errorf("recorded execs = %+v, want one sh in sidecar that exited 0", execs)
	}
}

func TestExecOnAPodTheAgentDoesNotHostFails(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	stray := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "stray", Namespace: f.ns},
		Spec:       corev1.PodSpec{NodeName: "node-" + f.ns, Containers: []corev1.Container{{Name: "c", Image: "x"}}},
	}
	if _, err := env.Client.CoreV1().Pods(f.ns).Create(ctx, stray, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, _, err := execute(ctx, env.Config, spdy, f.ns, "stray", "c", []string{"true"}, nil)
	if err == nil || !strings.Contains(err.Error(), "not running on this node") {
		t.Errorf("err = %v, want the agent's 'not running on this node'", err)
	}
}

func TestKubectlExecCpAndLogs(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not installed")
	}
	f := setup(t)
	nb := []byte(`{"cells": [], "nbformat": 4, "nbformat_minor": 5, "metadata": {}}`)
	f.write(t, "/home/jovyan/work/train.ipynb", nb)
	if err := os.WriteFile(f.agent.LogPath(f.ns, f.pod, "nb"), []byte("jupyter started\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, error) {
		cmd := exec.Command(kubectl, append([]string{"--kubeconfig", env.Kubeconfig, "-n", f.ns}, args...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return string(out), errors.New(err.Error() + ": " + stderr.String())
		}
		return string(out), nil
	}

	if out, err := run("exec", f.pod, "-c", "nb", "--", "cat", "/home/jovyan/work/train.ipynb"); err != nil || out != string(nb) {
		t.Errorf("kubectl exec cat: %q, %v", out, err)
	}
	if _, err := run("exec", f.pod, "-c", "nb", "--", "sh", "-c", "exit 3"); err == nil || !strings.Contains(err.Error(), "exit status 3") {
		t.Errorf("kubectl exec exit 3: err = %v, want kubectl to exit 3", err)
	}

	out, err := run("exec", f.pod, "-c", "nb", "--", "tar", "cf", "-", "/home/jovyan/work/train.ipynb")
	if err != nil {
		t.Fatalf("kubectl exec tar: %v", err)
	}
	hdr, err := tar.NewReader(strings.NewReader(out)).Next()
	if err != nil || hdr.Name != "home/jovyan/work/train.ipynb" {
		t.Errorf("tar member = %v, %v; want home/jovyan/work/train.ipynb as in a container", hdr, err)
	}

	local := filepath.Join(t.TempDir(), "copy.ipynb")
	if _, err := run("cp", "-c", "nb", f.pod+":/home/jovyan/work/train.ipynb", local); err != nil {
		t.Fatalf("kubectl cp: %v", err)
	}
	if got, _ := os.ReadFile(local); !bytes.Equal(got, nb) {
		t.Errorf("kubectl cp copied %q", got)
	}

	if out, err := run("logs", f.pod, "-c", "nb"); err != nil || out != "jupyter started\n" {
		t.Errorf("kubectl logs: %q, %v", out, err)
	}
}

func TestExecSeesTheContainerEnvAndRunsProgramsFromThePodFolder(t *testing.T) {
	ns := testenv.Namespace(t, env, nil)
	ctx := context.Background()
	agent, err := fakekubelet.Start(fakekubelet.Options{
		Root:     t.TempDir(),
		Prefixes: []string{"/home/jovyan", "/opt/kale", "/var/run/secrets/kubeflow/pipelines"},
		PATH:     []string{"/opt/kale/bin"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer agent.Close()
	node := "node-" + ns
	if _, err := env.RegisterNode(ctx, node, agent.Port()); err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "nb-0", Namespace: ns, Labels: map[string]string{"notebook-name": "nb"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "nb", Image: "jupyter:1",
			Env: []corev1.EnvVar{
				{Name: "KF_PIPELINES_SA_TOKEN_PATH", Value: "/var/run/secrets/kubeflow/pipelines/token"},
				{Name: "KF_PIPELINES_ENDPOINT", Value: "http://127.0.0.1:1"},
				{Name: "KALE_POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
				{Name: "KALE_NAMESPACE", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}},
				{Name: "NB", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels['notebook-name']"}}},
				{Name: "FROM_SECRET", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "s"}, Key: "k"}}},
				{Name: "PATH", Value: "/nowhere"},
			},
		}}},
	}
	if _, err := agent.RunPod(ctx, env.Client, node, pod); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\necho \"$KALE_NAMESPACE/$KALE_POD_NAME nb=$NB secret=${FROM_SECRET-unset} $KF_PIPELINES_ENDPOINT $1\"\ncat \"$KF_PIPELINES_SA_TOKEN_PATH\"\n"
	if _, err := agent.WriteFile(ns, "nb-0", "/opt/kale/bin/kale", []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := agent.WriteFile(ns, "nb-0", "/var/run/secrets/kubeflow/pipelines/token", []byte("tok-1"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, err := execute(ctx, env.Config, fallback, ns, "nb-0", "nb", []string{"/opt/kale/bin/kale", "submit"}, nil)
	if err != nil {
		t.Fatalf("exec: %v (stderr %q)", err, stderr)
	}
	if want := ns + "/nb-0 nb=nb secret=unset http://127.0.0.1:1 submit\ntok-1"; out != want {
		t.Errorf("output\n got %q\nwant %q", out, want)
	}

	// By name, through the pod's PATH.
	out, stderr, err = execute(ctx, env.Config, fallback, ns, "nb-0", "nb", []string{"kale", "by-name"}, nil)
	if err != nil || !strings.Contains(out, " by-name\n") {
		t.Errorf("kale by name: %q, %v (stderr %q)", out, err, stderr)
	}
	_, _, err = execute(ctx, env.Config, fallback, ns, "nb-0", "nb", []string{"no-such-tool"}, nil)
	if err == nil || !strings.Contains(err.Error(), `"no-such-tool": executable file not found`) {
		t.Errorf("missing command: err = %v", err)
	}
}
