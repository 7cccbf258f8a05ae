package testenv_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeflow-kale/kale/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, testenv.Options{}, &env))
}

func TestKubectlUsesTheKubeconfig(t *testing.T) {
	testenv.Require(t, env)
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not installed")
	}
	out, err := exec.Command(kubectl, "--kubeconfig", env.Kubeconfig, "get", "namespace", "default", "-o", "name").CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "namespace/default" {
		t.Errorf("kubectl printed %q, want namespace/default", got)
	}
}

func TestNamespaceCarriesItsLabels(t *testing.T) {
	labels := map[string]string{"app.kubernetes.io/part-of": "kubeflow-profile"}
	name := testenv.Namespace(t, env, labels)
	ns, err := env.Client.CoreV1().Namespaces().Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(name, "testnamespacecarriesitslabels-") {
		t.Errorf("namespace %q is not named after the test", name)
	}
	if got := ns.Labels["app.kubernetes.io/part-of"]; got != "kubeflow-profile" {
		t.Errorf("label part-of = %q, want kubeflow-profile", got)
	}
}

func TestRegisteredNodePointsAtTheAgentPort(t *testing.T) {
	testenv.Require(t, env)
	ctx := context.Background()
	if _, err := env.RegisterNode(ctx, "node-port-test", 41234); err != nil {
		t.Fatal(err)
	}
	node, err := env.Client.CoreV1().Nodes().Get(ctx, "node-port-test", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := node.Status.DaemonEndpoints.KubeletEndpoint.Port; got != 41234 {
		t.Errorf("kubelet port = %d, want 41234", got)
	}
	if len(node.Status.Addresses) != 1 || node.Status.Addresses[0].Type != corev1.NodeInternalIP ||
		node.Status.Addresses[0].Address != "127.0.0.1" {
		t.Errorf("addresses = %v, want only InternalIP 127.0.0.1", node.Status.Addresses)
	}
	ready := false
	for _, c := range node.Status.Conditions {
		ready = ready || c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue
	}
	if !ready {
		t.Errorf("node is not Ready: %v", node.Status.Conditions)
	}
}

func TestUserCanDoOnlyWhatIsGranted(t *testing.T) {
	ctx := context.Background()
	granted := testenv.Namespace(t, env, nil)
	other := testenv.Namespace(t, env, nil)
	u, err := env.AddUser("alice")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.Client.CoreV1().Pods(granted).List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Fatalf("listing pods before any grant: err = %v, want Forbidden", err)
	}
	if err := env.Grant(ctx, granted, "alice", "pod-reader", rbacv1.PolicyRule{
		APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list"},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := u.Client.CoreV1().Pods(granted).List(ctx, metav1.ListOptions{}); err != nil {
		t.Errorf("listing pods in the granted namespace: %v", err)
	}
	if _, err := u.Client.CoreV1().Pods(other).List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Errorf("listing pods in another namespace: err = %v, want Forbidden", err)
	}
	if kubectl, err := exec.LookPath("kubectl"); err == nil {
		out, err := exec.Command(kubectl, "--kubeconfig", u.Kubeconfig, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}").CombinedOutput()
		if err != nil || string(out) != "alice" {
			t.Errorf("kubectl auth whoami with the user's kubeconfig: %q, %v; want alice", out, err)
		}
	}
}

// The default admission chain calls mutating webhooks: the webhook e2e
// tests rely on it.
func TestMutatingWebhooksAreCalled(t *testing.T) {
	ctx := context.Background()
	ns := testenv.Namespace(t, env, map[string]string{"webhook-test": "on"})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var review admissionv1.AdmissionReview
		if err := json.NewDecoder(r.Body).Decode(&review); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		pt := admissionv1.PatchTypeJSONPatch
		review.Response = &admissionv1.AdmissionResponse{
			UID: review.Request.UID, Allowed: true, PatchType: &pt,
			Patch: []byte(`[{"op":"add","path":"/data","value":{"mutated":"yes"}}]`),
		}
		review.Request = nil
		_ = json.NewEncoder(w).Encode(&review)
	}))
	srv.TLS = &tls.Config{}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})

	url := srv.URL + "/mutate"
	none := admissionregv1.SideEffectClassNone
	fail := admissionregv1.Fail
	cfg := &admissionregv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "testenv-" + ns},
		Webhooks: []admissionregv1.MutatingWebhook{{
			Name:                    "mutate.testenv.kale.kubeflow.org",
			ClientConfig:            admissionregv1.WebhookClientConfig{URL: &url, CABundle: caPEM},
			Rules:                   []admissionregv1.RuleWithOperations{{Operations: []admissionregv1.OperationType{admissionregv1.Create}, Rule: admissionregv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"}}}},
			NamespaceSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"kubernetes.io/metadata.name": ns}},
			SideEffects:             &none,
			FailurePolicy:           &fail,
			AdmissionReviewVersions: []string{"v1"},
		}},
	}
	if _, err := env.Client.AdmissionregistrationV1().MutatingWebhookConfigurations().Create(ctx, cfg, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = env.Client.AdmissionregistrationV1().MutatingWebhookConfigurations().Delete(context.Background(), cfg.Name, metav1.DeleteOptions{})
	})
	// The API server learns of webhook configurations through an
	// informer: dry-run creates show when it calls this one.
	testenv.Eventually(t, 30*time.Second, "the API server to call the webhook", func() error {
		cm, err := env.Client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "probe"}},
			metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err != nil {
			t.Fatal(err)
		}
		if cm.Data["mutated"] != "yes" {
			return fmt.Errorf("not called yet: data = %v", cm.Data)
		}
		return nil
	})
	cm, err := env.Client.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if cm.Data["mutated"] != "yes" {
		t.Errorf("the webhook's patch was not applied: data = %v", cm.Data)
	}
}

func TestPodSecurityIsEnforced(t *testing.T) {
	ns := testenv.Namespace(t, env, map[string]string{"pod-security.kubernetes.io/enforce": "restricted"})
	privileged := true
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "c", Image: "busybox", SecurityContext: &corev1.SecurityContext{Privileged: &privileged},
		}}},
	}
	_, err := env.Client.CoreV1().Pods(ns).Create(context.Background(), pod, metav1.CreateOptions{})
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "PodSecurity") {
		t.Errorf("privileged pod in a restricted namespace: err = %v, want a PodSecurity rejection", err)
	}
}

func TestAssetsDirPrefersKubebuilderAssets(t *testing.T) {
	t.Setenv("KUBEBUILDER_ASSETS", "/some/where")
	got, err := testenv.AssetsDir(context.Background())
	if err != nil || got != "/some/where" {
		t.Errorf("AssetsDir = %q, %v; want /some/where", got, err)
	}
}

func TestAssetsDirOutsideTheModuleSaysWhatToDo(t *testing.T) {
	t.Setenv("KUBEBUILDER_ASSETS", "")
	t.Chdir(t.TempDir())
	_, err := testenv.AssetsDir(context.Background())
	if err == nil || !strings.Contains(err.Error(), "KUBEBUILDER_ASSETS") || !strings.Contains(err.Error(), "go.mod") {
		t.Errorf("err = %v, want it to mention KUBEBUILDER_ASSETS and go.mod", err)
	}
}
