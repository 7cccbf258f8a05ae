package inject

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// notebookPod is shaped like the pods Kubeflow's Notebook controller creates.
func notebookPod(name string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: name + "-0", Namespace: "kubeflow-user",
			Labels: map[string]string{"notebook-name": name, "statefulset": name},
		},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: name, Image: "kubeflownotebookswg/jupyter-scipy:v1.9.0", WorkingDir: "/home/jovyan",
			Env:          []corev1.EnvVar{{Name: "NB_PREFIX", Value: "/notebook/kubeflow-user/" + name}},
			VolumeMounts: []corev1.VolumeMount{{Name: "workspace", MountPath: "/home/jovyan"}},
		}}},
	}
}

func testConfig() *Config {
	c := DefaultConfig()
	c.Version = "v0.1.0"
	c.Image = "ghcr.io/kubeflow-kale/kale:v0.1.0"
	return c
}

func envOf(c *corev1.Container) map[string]corev1.EnvVar {
	m := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		m[e.Name] = e
	}
	return m
}

func count[T any](xs []T, pred func(T) bool) int {
	n := 0
	for _, x := range xs {
		if pred(x) {
			n++
		}
	}
	return n
}

func TestMutateInjectsNotebookPod(t *testing.T) {
	in := notebookPod("train")
	before := in.DeepCopy()
	res := Mutate(in, testConfig())
	if !reflect.DeepEqual(in, before) {
		t.Fatal("Mutate modified its input")
	}
	if res.SkipReason != "" || len(res.Conflicts) != 0 {
		t.Fatalf("skip=%q conflicts=%v, want an injection without conflicts", res.SkipReason, res.Conflicts)
	}
	pod := res.Pod
	if got := pod.Annotations[AnnotationInjected]; got != "v0.1.0" {
		t.Errorf("annotation %s = %q, want v0.1.0", AnnotationInjected, got)
	}
	if len(pod.Spec.InitContainers) != 1 {
		t.Fatalf("init containers = %d, want 1", len(pod.Spec.InitContainers))
	}
	ic := pod.Spec.InitContainers[0]
	if ic.Name != InitContainerName || ic.Image != "ghcr.io/kubeflow-kale/kale:v0.1.0" {
		t.Errorf("init container %s image %s", ic.Name, ic.Image)
	}
	if want := []string{"/kale/bin/kale-webhook", "install", "--dest", "/opt/kale/bin/kale"}; !reflect.DeepEqual(ic.Command, want) {
		t.Errorf("init command = %q, want %q", ic.Command, want)
	}
	c := &pod.Spec.Containers[0]
	mounts := map[string]corev1.VolumeMount{}
	for _, m := range c.VolumeMounts {
		mounts[m.MountPath] = m
	}
	if m := mounts["/opt/kale"]; m.Name != BinVolumeName || !m.ReadOnly || m.SubPath != "" {
		t.Errorf("/opt/kale mount = %+v", m)
	}
	if m := mounts["/usr/local/bin/kale"]; m.Name != BinVolumeName || !m.ReadOnly || m.SubPath != "bin/kale" {
		t.Errorf("/usr/local/bin/kale mount = %+v", m)
	}
	if m := mounts["/var/run/secrets/kubeflow/pipelines"]; m.Name != TokenVolumeName || !m.ReadOnly {
		t.Errorf("token mount = %+v", m)
	}
	env := envOf(c)
	for name, want := range map[string]string{
		EnvBin:          "/opt/kale/bin/kale",
		EnvKFPTokenPath: "/var/run/secrets/kubeflow/pipelines/token",
		EnvKFPEndpoint:  "http://ml-pipeline.kubeflow.svc.cluster.local:8888",
		EnvDefaultImage: "kubeflownotebookswg/jupyter-scipy:v1.9.0",
		"NB_PREFIX":     "/notebook/kubeflow-user/train",
	} {
		if env[name].Value != want {
			t.Errorf("env %s = %q, want %q", name, env[name].Value, want)
		}
	}
	if f := env[EnvPodName].ValueFrom; f == nil || f.FieldRef.FieldPath != "metadata.name" {
		t.Errorf("env %s = %+v, want the downward API pod name", EnvPodName, env[EnvPodName])
	}
	if f := env[EnvNamespace].ValueFrom; f == nil || f.FieldRef.FieldPath != "metadata.namespace" {
		t.Errorf("env %s = %+v, want the downward API namespace", EnvNamespace, env[EnvNamespace])
	}
	for _, e := range c.Env {
		if e.Name == "PATH" {
			t.Error("Mutate set PATH, which would replace the image's PATH")
		}
	}
	var tok *corev1.Volume
	for i := range pod.Spec.Volumes {
		if pod.Spec.Volumes[i].Name == TokenVolumeName {
			tok = &pod.Spec.Volumes[i]
		}
	}
	if tok == nil || tok.Projected == nil {
		t.Fatalf("no projected token volume in %+v", pod.Spec.Volumes)
	}
	sat := tok.Projected.Sources[0].ServiceAccountToken
	if sat.Audience != "pipelines.kubeflow.org" || *sat.ExpirationSeconds != 7200 || sat.Path != "token" {
		t.Errorf("token projection = %+v", sat)
	}
}

// TestInjectedContainerIsRestricted checks what Pod Security "restricted"
// asks of every container, plus the read-only root filesystem and resources.
func TestInjectedContainerIsRestricted(t *testing.T) {
	ic := Mutate(notebookPod("nb"), testConfig()).Pod.Spec.InitContainers[0]
	sc := ic.SecurityContext
	switch {
	case sc == nil:
		t.Fatal("no security context")
	case sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot:
		t.Error("runAsNonRoot is not true")
	case sc.RunAsUser == nil || *sc.RunAsUser == 0:
		t.Error("runAsUser is root")
	case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
		t.Error("allowPrivilegeEscalation is not false")
	case sc.Capabilities == nil || !reflect.DeepEqual(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) != 0:
		t.Errorf("capabilities = %+v, want drop ALL", sc.Capabilities)
	case sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault:
		t.Error("seccomp is not RuntimeDefault")
	case sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
		t.Error("root filesystem is writable")
	}
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, lim := ic.Resources.Requests[r], ic.Resources.Limits[r]
		if req.IsZero() || lim.IsZero() || req.Cmp(lim) > 0 {
			t.Errorf("%s request %s limit %s", r, req.String(), lim.String())
		}
	}
}

func TestMutateSkips(t *testing.T) {
	cfg := testConfig()
	tests := []struct {
		name string
		pod  func() *corev1.Pod
		want string
	}{
		{"opt-out annotation leaves the pod alone", func() *corev1.Pod {
			p := notebookPod("nb")
			p.Annotations = map[string]string{AnnotationInject: "false"}
			return p
		}, SkipOptOut},
		{"a pod without notebook-name is not a notebook", func() *corev1.Pod {
			p := notebookPod("nb")
			delete(p.Labels, "notebook-name")
			return p
		}, SkipNotNotebook},
		{"the webhook's own namespace is excluded", func() *corev1.Pod {
			p := notebookPod("nb")
			p.Namespace = "kale-system"
			return p
		}, SkipExcludedNamespace},
		{"a pod without containers is left for the API server to reject", func() *corev1.Pod {
			p := notebookPod("nb")
			p.Spec.Containers = nil
			return p
		}, SkipNoContainers},
		{"an injected pod is already injected", func() *corev1.Pod {
			return Mutate(notebookPod("nb"), cfg).Pod
		}, SkipAlreadyInjected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.pod()
			res := Mutate(in, cfg)
			if res.SkipReason != tt.want {
				t.Errorf("skip reason = %q, want %q", res.SkipReason, tt.want)
			}
			if res.Pod != in {
				t.Error("a skipped pod must come back as the input itself")
			}
		})
	}
}

func TestMutateKeepsThePodsOwnValues(t *testing.T) {
	cfg := testConfig()
	tests := []struct {
		name     string
		edit     func(*corev1.Pod)
		conflict string // substring of the conflicts annotation; "" = none
		check    func(t *testing.T, p *corev1.Pod)
	}{
		{
			name: "notebook container is the one named like the notebook",
			edit: func(p *corev1.Pod) {
				p.Spec.Containers = append([]corev1.Container{{Name: "istio-proxy", Image: "istio/proxyv2"}}, p.Spec.Containers...)
			},
			check: func(t *testing.T, p *corev1.Pod) {
				if len(p.Spec.Containers[0].Env) != 0 || len(p.Spec.Containers[0].VolumeMounts) != 0 {
					t.Error("the sidecar was mutated")
				}
				if envOf(&p.Spec.Containers[1])[EnvBin].Value == "" {
					t.Error("the notebook container was not mutated")
				}
			},
		},
		{
			name: "access-ml-pipeline PodDefault already mounted the token: no duplicates",
			edit: func(p *corev1.Pod) {
				exp := int64(7200)
				p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: TokenVolumeName, VolumeSource: corev1.VolumeSource{
					Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{
						Audience: "pipelines.kubeflow.org", ExpirationSeconds: &exp, Path: "token"}}}}}})
				c := &p.Spec.Containers[0]
				c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: TokenVolumeName, MountPath: "/var/run/secrets/kubeflow/pipelines", ReadOnly: true})
				c.Env = append(c.Env, corev1.EnvVar{Name: EnvKFPTokenPath, Value: "/var/run/secrets/kubeflow/pipelines/token"})
			},
			check: func(t *testing.T, p *corev1.Pod) {
				if n := count(p.Spec.Volumes, func(v corev1.Volume) bool { return v.Name == TokenVolumeName }); n != 1 {
					t.Errorf("%d token volumes", n)
				}
				c := p.Spec.Containers[0]
				if n := count(c.VolumeMounts, func(m corev1.VolumeMount) bool { return m.Name == TokenVolumeName }); n != 1 {
					t.Errorf("%d token mounts", n)
				}
				if n := count(c.Env, func(e corev1.EnvVar) bool { return e.Name == EnvKFPTokenPath }); n != 1 {
					t.Errorf("%d %s variables", n, EnvKFPTokenPath)
				}
			},
		},
		{
			name: "the pod's own KFP endpoint stays",
			edit: func(p *corev1.Pod) {
				p.Spec.Containers[0].Env = append(p.Spec.Containers[0].Env, corev1.EnvVar{Name: EnvKFPEndpoint, Value: "http://kfp:8888"})
			},
			conflict: "env KF_PIPELINES_ENDPOINT has the pod's own value",
			check: func(t *testing.T, p *corev1.Pod) {
				if v := envOf(&p.Spec.Containers[0])[EnvKFPEndpoint].Value; v != "http://kfp:8888" {
					t.Errorf("endpoint = %q", v)
				}
			},
		},
		{
			name: "the pod's own /usr/local/bin/kale stays",
			edit: func(p *corev1.Pod) {
				p.Spec.Containers[0].VolumeMounts = append(p.Spec.Containers[0].VolumeMounts, corev1.VolumeMount{Name: "tools", MountPath: "/usr/local/bin/kale", SubPath: "kale"})
			},
			conflict: "/usr/local/bin/kale is already mounted from volume tools",
			check: func(t *testing.T, p *corev1.Pod) {
				if n := count(p.Spec.Containers[0].VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == "/usr/local/bin/kale" }); n != 1 {
					t.Errorf("%d mounts at /usr/local/bin/kale", n)
				}
				if envOf(&p.Spec.Containers[0])[EnvBin].Value != "/opt/kale/bin/kale" {
					t.Error("KALE_BIN missing: the binary is still reachable at /opt/kale")
				}
			},
		},
		{
			name: "a volume named kale-bin that is not ours stops the tooling only",
			edit: func(p *corev1.Pod) {
				p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: BinVolumeName, VolumeSource: corev1.VolumeSource{
					ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: "x"}}}})
			},
			conflict: "volume kale-bin: the pod defines its own",
			check: func(t *testing.T, p *corev1.Pod) {
				if len(p.Spec.InitContainers) != 0 {
					t.Error("init container added without a volume to fill")
				}
				if envOf(&p.Spec.Containers[0])[EnvKFPTokenPath].Value == "" {
					t.Error("credentials were skipped too")
				}
			},
		},
		{
			name: "the pod's own init container named kale-install stays",
			edit: func(p *corev1.Pod) {
				p.Spec.InitContainers = []corev1.Container{{Name: InitContainerName, Image: "example.com/mine"}}
			},
			conflict: "init container kale-install: the pod has its own (image example.com/mine)",
			check: func(t *testing.T, p *corev1.Pod) {
				if len(p.Spec.InitContainers) != 1 || p.Spec.InitContainers[0].Image != "example.com/mine" {
					t.Errorf("init containers = %+v", p.Spec.InitContainers)
				}
			},
		},
		{
			name: "the downward API variables match whatever API version the server defaulted",
			edit: func(p *corev1.Pod) {
				p.Spec.Containers[0].Env = append(p.Spec.Containers[0].Env, corev1.EnvVar{Name: EnvPodName, ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}})
			},
			conflict: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := notebookPod("nb")
			tt.edit(in)
			res := Mutate(in, cfg)
			if res.SkipReason != "" {
				t.Fatalf("skipped: %s", res.SkipReason)
			}
			got := res.Pod.Annotations[AnnotationConflicts]
			if tt.conflict == "" && got != "" || !strings.Contains(got, tt.conflict) {
				t.Errorf("conflicts annotation = %q, want it to contain %q", got, tt.conflict)
			}
			if tt.check != nil {
				tt.check(t, res.Pod)
			}
			again := Mutate(res.Pod, cfg)
			if again.SkipReason != SkipAlreadyInjected {
				t.Errorf("second Mutate: skip reason %q, want %q", again.SkipReason, SkipAlreadyInjected)
			}
		})
	}
}

func TestMutateWithoutCredentials(t *testing.T) {
	cfg := testConfig()
	off := false
	cfg.KFP.Inject = &off
	p := Mutate(notebookPod("nb"), cfg).Pod
	if envOf(&p.Spec.Containers[0])[EnvKFPTokenPath].Value != "" || len(p.Spec.Volumes) != 1 {
		t.Errorf("credentials injected although kfp.inject is false: %+v", p.Spec.Volumes)
	}
}

// FuzzMutate feeds random pods (JSON) to Mutate: it never panics, never
// modifies its input and a second call changes nothing.
func FuzzMutate(f *testing.F) {
	for _, p := range []*corev1.Pod{notebookPod("nb"), Mutate(notebookPod("x"), testConfig()).Pod, {}} {
		b, _ := json.Marshal(p)
		f.Add(b)
	}
	f.Add([]byte(`{"metadata":{"labels":{"notebook-name":"a"}},"spec":{"containers":[{"name":"b","volumeMounts":[{"name":"kale-bin","mountPath":"/opt/kale/"}],"env":[{"name":"KALE_BIN"},{"name":"KALE_BIN","value":"x"}]}],"volumes":[{"name":"kale-bin"}]}}`))
	cfg := testConfig()
	f.Fuzz(func(t *testing.T, data []byte) {
		var pod corev1.Pod
		if json.Unmarshal(data, &pod) != nil {
			return
		}
		before := pod.DeepCopy()
		first := Mutate(&pod, cfg)
		if !reflect.DeepEqual(&pod, before) {
			t.Fatal("Mutate modified its input")
		}
		second := Mutate(first.Pod, cfg)
		if second.Changed() {
			t.Fatalf("not idempotent: the second call changed the pod\nfirst:  %+v\nsecond: %+v", first.Pod.Spec, second.Pod.Spec)
		}
	})
}

func BenchmarkMutate(b *testing.B) {
	cfg := testConfig()
	pod := notebookPod("train")
	pod.Spec.Containers[0].Env = append(pod.Spec.Containers[0].Env, corev1.EnvVar{Name: "JUPYTER_ENABLE_LAB", Value: "yes"})
	pod.Spec.Volumes = []corev1.Volume{{Name: "workspace", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "train-workspace"}}}}
	b.ReportAllocs()
	for b.Loop() {
		if res := Mutate(pod, cfg); res.SkipReason != "" {
			b.Fatal(res.SkipReason)
		}
	}
}
