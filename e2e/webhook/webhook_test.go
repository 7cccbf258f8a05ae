package webhook

import (
	"context"
	"encoding/pem"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"gomodules.xyz/jsonpatch/v2"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/kubeflow-kale/kale/internal/testenv"
	"github.com/kubeflow-kale/kale/pkg/inject"
)

var (
	mainOnce sync.Once
	mainInst *instance
)

// shared returns the webhook instance most tests use. It lives until the
// package's tests end (TestMain stops the API server).
func shared(t *testing.T) *instance {
	t.Helper()
	// Skip before the Once: a skip inside it would leave mainInst nil for
	// every later test.
	testenv.Require(t, env)
	mainOnce.Do(func() {
		mainInst = startWebhookNoCleanup(t, "main", sharedDir)
	})
	if mainInst == nil {
		t.Fatal("the shared webhook did not start")
	}
	return mainInst
}

func create(t *testing.T, in *instance, ns string, pod *corev1.Pod) *corev1.Pod {
	t.Helper()
	got, err := in.client.CoreV1().Pods(ns).Create(context.Background(), pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating pod %s/%s: %v", ns, pod.Name, err)
	}
	return got
}

func assertInjected(t *testing.T, p *corev1.Pod) {
	t.Helper()
	if got := p.Annotations[inject.AnnotationInjected]; got != version {
		t.Fatalf("pod %s: annotation %s = %q, want %q", p.Name, inject.AnnotationInjected, got, version)
	}
	if n := countInit(p); n != 1 {
		t.Errorf("pod %s: %d kale-install init containers, want 1", p.Name, n)
	}
	c := notebookContainer(p)
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		if _, dup := env[e.Name]; dup {
			t.Errorf("pod %s: env %s twice", p.Name, e.Name)
		}
		env[e.Name] = e
	}
	for name, want := range map[string]string{
		inject.EnvBin: "/opt/kale/bin/kale", inject.EnvKFPTokenPath: "/var/run/secrets/kubeflow/pipelines/token",
		inject.EnvDefaultImage: c.Image, "NB_PREFIX": "/notebook/ns/" + p.Labels["notebook-name"],
	} {
		if env[name].Value != want {
			t.Errorf("pod %s: env %s = %q, want %q", p.Name, name, env[name].Value, want)
		}
	}
	if f := env[inject.EnvPodName].ValueFrom; f == nil || f.FieldRef == nil || f.FieldRef.FieldPath != "metadata.name" {
		t.Errorf("pod %s: %s is not the downward API pod name", p.Name, inject.EnvPodName)
	}
	mounts := map[string]corev1.VolumeMount{}
	for _, m := range c.VolumeMounts {
		if _, dup := mounts[m.MountPath]; dup {
			t.Errorf("pod %s: two mounts at %s", p.Name, m.MountPath)
		}
		mounts[m.MountPath] = m
	}
	if m := mounts["/usr/local/bin/kale"]; m.SubPath != "bin/kale" || m.Name != inject.BinVolumeName || !m.ReadOnly {
		t.Errorf("pod %s: /usr/local/bin/kale mount = %+v", p.Name, m)
	}
	if m := mounts["/opt/kale"]; m.Name != inject.BinVolumeName || !m.ReadOnly {
		t.Errorf("pod %s: /opt/kale mount = %+v", p.Name, m)
	}
	if m := mounts["/var/run/secrets/kubeflow/pipelines"]; m.Name == "" || !m.ReadOnly {
		t.Errorf("pod %s: no read-only token mount", p.Name)
	}
	vols := map[string]int{}
	for _, v := range p.Spec.Volumes {
		vols[v.Name]++
	}
	if vols[inject.BinVolumeName] != 1 || vols[inject.TokenVolumeName] != 1 {
		t.Errorf("pod %s: volumes %v, want one %s and one %s", p.Name, vols, inject.BinVolumeName, inject.TokenVolumeName)
	}
}

func assertUntouched(t *testing.T, p *corev1.Pod) {
	t.Helper()
	if _, ok := p.Annotations[inject.AnnotationInjected]; ok || countInit(p) != 0 {
		t.Errorf("pod %s was injected", p.Name)
	}
	for _, e := range p.Spec.Containers[0].Env {
		if strings.HasPrefix(e.Name, "KALE_") {
			t.Errorf("pod %s has %s", p.Name, e.Name)
		}
	}
}

func countInit(p *corev1.Pod) int {
	n := 0
	for _, c := range p.Spec.InitContainers {
		if c.Name == inject.InitContainerName {
			n++
		}
	}
	return n
}

func notebookContainer(p *corev1.Pod) *corev1.Container {
	for i := range p.Spec.Containers {
		if p.Spec.Containers[i].Name == p.Labels["notebook-name"] {
			return &p.Spec.Containers[i]
		}
	}
	return &p.Spec.Containers[0]
}

func TestNotebookPodsAreInjected(t *testing.T) {
	in := shared(t)
	for _, tt := range []struct {
		name   string
		labels map[string]string
	}{
		{"profile namespace", map[string]string{profileLabel: "kubeflow-profile"}},
		{"namespace opted in with kale.kubeflow.org/inject=enabled", map[string]string{"kale.kubeflow.org/inject": "enabled"}},
		{"profile namespace that also opted in", map[string]string{profileLabel: "kubeflow-profile", "kale.kubeflow.org/inject": "enabled"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ns := in.namespace(t, tt.labels)
			got := create(t, in, ns, notebookPod("train"))
			assertInjected(t, got)
			stored, err := in.client.CoreV1().Pods(ns).Get(context.Background(), got.Name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			assertInjected(t, stored)
		})
	}
}

func TestPodsThatAreNotOursAreUntouched(t *testing.T) {
	in := shared(t)
	profile := map[string]string{profileLabel: "kubeflow-profile"}
	for _, tt := range []struct {
		name   string
		labels map[string]string
		pod    func() *corev1.Pod
	}{
		{"unlabelled namespace", nil, func() *corev1.Pod { return notebookPod("nb") }},
		{"pod without notebook-name", profile, func() *corev1.Pod {
			p := notebookPod("nb")
			delete(p.Labels, "notebook-name")
			return p
		}},
		{"pod that opts out", profile, func() *corev1.Pod {
			p := notebookPod("nb")
			p.Annotations[inject.AnnotationInject] = "false"
			return p
		}},
		{"profile namespace that opts out", map[string]string{profileLabel: "kubeflow-profile", "kale.kubeflow.org/inject": "disabled"},
			func() *corev1.Pod { return notebookPod("nb") }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ns := in.namespace(t, tt.labels)
			assertUntouched(t, create(t, in, ns, tt.pod()))
		})
	}
}

func TestPodDefaultTokenIsNotDuplicated(t *testing.T) {
	in := shared(t)
	ns := in.namespace(t, map[string]string{profileLabel: "kubeflow-profile"})
	// What the access-ml-pipeline PodDefault puts on a pod.
	p := notebookPod("withtoken")
	p.Labels["access-ml-pipeline"] = "true"
	p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: "volume-kf-pipeline-token", VolumeSource: corev1.VolumeSource{
		Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{
			Path: "token", ExpirationSeconds: ptr(int64(7200)), Audience: "pipelines.kubeflow.org"}}}}}})
	c := &p.Spec.Containers[0]
	c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "volume-kf-pipeline-token", MountPath: "/var/run/secrets/kubeflow/pipelines", ReadOnly: true})
	c.Env = append(c.Env, corev1.EnvVar{Name: "KF_PIPELINES_SA_TOKEN_PATH", Value: "/var/run/secrets/kubeflow/pipelines/token"})
	got := create(t, in, ns, p)
	assertInjected(t, got)
	if a := got.Annotations[inject.AnnotationConflicts]; a != "" {
		t.Errorf("conflicts recorded for the PodDefault's own token: %s", a)
	}
}

// TestReinvocation registers a second webhook that changes notebook pods
// after kale did, so the API server calls kale again (reinvocationPolicy
// IfNeeded); kale's second answer must add nothing.
func TestReinvocationAddsNothing(t *testing.T) {
	in := shared(t)
	touch := httptest.NewTLSServer(&admission.Webhook{Handler: admission.HandlerFunc(func(ctx context.Context, req admission.Request) admission.Response {
		return admission.Patched("touched", jsonpatch.NewOperation("add", "/metadata/labels/e2e-touched", "yes"))
	})})
	defer touch.Close()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: touch.Certificate().Raw})
	url := touch.URL + "/touch"
	none := admissionregistrationv1.SideEffectClassNone
	fail := admissionregistrationv1.Fail
	mwc := &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "zz-e2e-touch"}, // after kale-webhook-* in name order
		Webhooks: []admissionregistrationv1.MutatingWebhook{{
			Name: "touch.e2e.kale.kubeflow.org", AdmissionReviewVersions: []string{"v1"},
			ClientConfig: admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: ca},
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
				Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}},
			}},
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"e2e-touch": "yes"}},
			SideEffects:       &none, FailurePolicy: &fail,
		}},
	}
	mwcs := env.Client.AdmissionregistrationV1().MutatingWebhookConfigurations()
	if _, err := mwcs.Create(context.Background(), mwc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	defer mwcs.Delete(context.Background(), mwc.Name, metav1.DeleteOptions{})
	ns := in.namespace(t, map[string]string{profileLabel: "kubeflow-profile", "e2e-touch": "yes"})
	testenv.Eventually(t, 30*time.Second, "the touch webhook", func() error {
		p, err := in.client.CoreV1().Pods(ns).Create(context.Background(), notebookPod("probe"), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err != nil {
			return err
		}
		if p.Labels["e2e-touched"] != "yes" {
			return fmt.Errorf("not touched yet")
		}
		return nil
	})
	before := in.requests(t, "skipped", inject.SkipAlreadyInjected)
	got := create(t, in, ns, notebookPod("reinvoked"))
	if got.Labels["e2e-touched"] != "yes" {
		t.Fatal("the second webhook did not run")
	}
	assertInjected(t, got)
	if after := in.requests(t, "skipped", inject.SkipAlreadyInjected); after <= before {
		t.Errorf("kale was not reinvoked (already-injected answers %v -> %v)", before, after)
	}
}

func TestPodSecurityRestrictedAdmitsInjectedPod(t *testing.T) {
	in := shared(t)
	ns := in.namespace(t, map[string]string{
		profileLabel:                         "kubeflow-profile",
		"pod-security.kubernetes.io/enforce": "restricted",
	})
	// The namespace really enforces: a pod allowing privilege escalation is refused.
	bad := notebookPod("bad")
	bad.Spec.Containers[0].SecurityContext.AllowPrivilegeEscalation = ptr(true)
	_, err := in.client.CoreV1().Pods(ns).Create(context.Background(), bad, metav1.CreateOptions{})
	if err == nil || !strings.Contains(err.Error(), "restricted") {
		t.Fatalf("a non-compliant pod was not refused by Pod Security: %v", err)
	}
	assertInjected(t, create(t, in, ns, notebookPod("secure")))
}

func TestDryRunIsInjectedAndNotStored(t *testing.T) {
	in := shared(t)
	ns := in.namespace(t, map[string]string{profileLabel: "kubeflow-profile"})
	p, err := in.client.CoreV1().Pods(ns).Create(context.Background(), notebookPod("dry"), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	if err != nil {
		t.Fatal(err)
	}
	assertInjected(t, p)
	if _, err := in.client.CoreV1().Pods(ns).Get(context.Background(), p.Name, metav1.GetOptions{}); err == nil {
		t.Error("a dry-run pod was stored")
	}
}

func TestConcurrentPodsAreAllInjected(t *testing.T) {
	in := shared(t)
	ns := in.namespace(t, map[string]string{profileLabel: "kubeflow-profile"})
	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := in.client.CoreV1().Pods(ns).Create(context.Background(), notebookPod(fmt.Sprintf("nb%03d", i)), metav1.CreateOptions{})
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	list, err := in.client.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != n {
		t.Fatalf("%d pods stored, want %d", len(list.Items), n)
	}
	injected := 0
	for i := range list.Items {
		if list.Items[i].Annotations[inject.AnnotationInjected] == version {
			injected++
		}
	}
	if injected != n {
		t.Errorf("%d of %d pods injected", injected, n)
	}
}

// TestStoppedWebhookDoesNotBlockPods runs its own webhook instance, stops
// it, and creates a notebook pod: failurePolicy Ignore lets it through,
// without kale.
func TestStoppedWebhookDoesNotBlockPods(t *testing.T) {
	in := startWebhook(t, "stopped")
	ns := in.namespace(t, map[string]string{profileLabel: "kubeflow-profile"})
	assertInjected(t, create(t, in, ns, notebookPod("before")))
	t0 := time.Now()
	in.shutdown()
	t.Logf("shutdown took %v", time.Since(t0))
	if err := in.srv.Ready(); err == nil {
		// Ready dials the server: after shutdown nothing answers.
		t.Fatal("the webhook still answers after shutdown")
	}
	t0 = time.Now()
	assertUntouched(t, create(t, in, ns, notebookPod("after")))
	t.Logf("create after shutdown took %v", time.Since(t0))
}
