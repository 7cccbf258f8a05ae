package webhook

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/kubeflow-kale/kale/internal/testenv"
	"github.com/kubeflow-kale/kale/pkg/inject"
	"github.com/kubeflow-kale/kale/pkg/webhook"
)

var env *testenv.Env

// sharedDir holds the shared instance's certificate; it outlives any one
// test, so it is not a t.TempDir.
var sharedDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kale-e2e-webhook-")
	if err != nil {
		panic(err)
	}
	sharedDir = dir
	code := testenv.Main(m, testenv.Options{}, &env)
	if mainInst != nil {
		mainInst.shutdown()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

const (
	version = "v0.0.0-e2e"
	image   = "ghcr.io/kubeflow-kale/kale:e2e"
	// instanceLabel scopes each test webhook to the namespaces carrying it,
	// so that several webhook instances can share one API server.
	instanceLabel = "e2e.kale.kubeflow.org/instance"
	profileLabel  = "app.kubernetes.io/part-of"
)

// instance is a kale-webhook serving on loopback and registered with the
// API server from manifests/base.
type instance struct {
	name   string
	srv    *webhook.Server
	caPEM  []byte
	url    string
	stop   context.CancelFunc
	done   chan error
	once   sync.Once
	client kubernetes.Interface
}

// fastClient is the admin client without client-side rate limiting.
func fastClient(t testing.TB) kubernetes.Interface {
	cfg := *env.Config
	cfg.QPS, cfg.Burst = 2000, 2000
	c, err := kubernetes.NewForConfig(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// startWebhook serves kale-webhook in-process and registers the base
// MutatingWebhookConfiguration for namespaces labelled instanceLabel=name.
func startWebhook(t *testing.T, name string) *instance {
	t.Helper()
	in := startWebhookNoCleanup(t, name, t.TempDir())
	t.Cleanup(func() {
		in.shutdown()
		_ = env.Client.AdmissionregistrationV1().MutatingWebhookConfigurations().Delete(context.Background(), "kale-webhook-"+in.name, metav1.DeleteOptions{})
	})
	return in
}

// startWebhookNoCleanup is startWebhook for an instance that outlives the
// test starting it (the shared one); the API server stops with the package.
func startWebhookNoCleanup(t *testing.T, name, dir string) *instance {
	t.Helper()
	testenv.Require(t, env)
	caPEM := writeCerts(t, dir)
	port := freePort(t)
	cfg := inject.DefaultConfig()
	cfg.Version, cfg.Image = version, image
	srv, err := webhook.New(webhook.Options{
		Host: "127.0.0.1", Port: port, CertDir: dir, Config: cfg,
		MetricsBindAddress: "127.0.0.1:0", HealthProbeBindAddress: "127.0.0.1:0",
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{name: name, srv: srv, caPEM: caPEM, stop: cancel, done: make(chan error, 1), client: fastClient(t),
		url: fmt.Sprintf("https://127.0.0.1:%d%s", port, webhook.Path)}
	go func() { in.done <- srv.Start(ctx) }()
	testenv.Eventually(t, 20*time.Second, "the webhook to be ready", func() error { return srv.Ready() })

	mwc := baseWebhookConfiguration(t)
	mwc.Name = "kale-webhook-" + name
	for i := range mwc.Webhooks {
		w := &mwc.Webhooks[i]
		w.ClientConfig = admissionregistrationv1.WebhookClientConfig{URL: &in.url, CABundle: caPEM}
		if w.NamespaceSelector.MatchLabels == nil {
			w.NamespaceSelector.MatchLabels = map[string]string{}
		}
		w.NamespaceSelector.MatchLabels[instanceLabel] = name
	}
	mwcs := env.Client.AdmissionregistrationV1().MutatingWebhookConfigurations()
	if _, err := mwcs.Create(context.Background(), mwc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// The API server picks up webhook configurations asynchronously: wait
	// until a dry-run pod comes back injected.
	ns := in.namespace(t, map[string]string{profileLabel: "kubeflow-profile"})
	testenv.Eventually(t, 30*time.Second, "the API server to call the webhook", func() error {
		p, err := in.client.CoreV1().Pods(ns).Create(context.Background(), notebookPod("probe"), metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err != nil {
			return err
		}
		if p.Annotations[inject.AnnotationInjected] == "" {
			return fmt.Errorf("pod not injected yet")
		}
		return nil
	})
	return in
}

// shutdown stops the server (gracefully) and leaves its registration in
// place; cleanup removes the registration.
func (in *instance) shutdown() {
	in.once.Do(func() {
		in.stop()
		select {
		case <-in.done:
		case <-time.After(90 * time.Second):
		}
	})
}

// namespace creates a namespace served by this instance.
func (in *instance) namespace(t *testing.T, labels map[string]string) string {
	l := map[string]string{instanceLabel: in.name}
	for k, v := range labels {
		l[k] = v
	}
	return testenv.Namespace(t, env, l)
}

// baseWebhookConfiguration renders manifests/base with kustomize and
// returns its MutatingWebhookConfiguration.
func baseWebhookConfiguration(t *testing.T) *admissionregistrationv1.MutatingWebhookConfiguration {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	resMap, err := k.Run(filesys.MakeFsOnDisk(), filepath.Join("..", "..", "manifests", "base"))
	if err != nil {
		t.Fatalf("kustomize manifests/base: %v", err)
	}
	for _, r := range resMap.Resources() {
		if r.GetKind() != "MutatingWebhookConfiguration" {
			continue
		}
		b, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		var mwc admissionregistrationv1.MutatingWebhookConfiguration
		if err := yaml.UnmarshalStrict(b, &mwc); err != nil {
			t.Fatal(err)
		}
		return &mwc
	}
	t.Fatal("manifests/base has no MutatingWebhookConfiguration")
	return nil
}

// notebookPod is shaped like the pod of a StatefulSet the Notebook
// controller creates for Notebook name: labels notebook-name and
// statefulset, the container named like the notebook, NB_PREFIX, port 8888,
// fsGroup 100, and a security context that passes Pod Security
// "restricted".
func notebookPod(name string) *corev1.Pod {
	no, yes := false, true
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:   name + "-0",
			Labels: map[string]string{"notebook-name": name, "statefulset": name, "app": name},
			Annotations: map[string]string{
				"notebooks.kubeflow.org/server-type": "jupyter",
			},
		},
		Spec: corev1.PodSpec{
			ServiceAccountName: "default-editor",
			SecurityContext: &corev1.PodSecurityContext{
				FSGroup: ptr(int64(100)), RunAsNonRoot: &yes, RunAsUser: ptr(int64(1000)),
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
			},
			Containers: []corev1.Container{{
				Name: name, Image: "kubeflownotebookswg/jupyter-scipy:v1.9.0", WorkingDir: "/home/jovyan",
				Ports: []corev1.ContainerPort{{Name: "notebook-port", ContainerPort: 8888}},
				Env:   []corev1.EnvVar{{Name: "NB_PREFIX", Value: "/notebook/ns/" + name}},
				SecurityContext: &corev1.SecurityContext{
					AllowPrivilegeEscalation: &no,
					Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
				},
				VolumeMounts: []corev1.VolumeMount{{Name: "workspace", MountPath: "/home/jovyan"}},
			}},
			Volumes: []corev1.Volume{{Name: "workspace", VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: name + "-workspace"},
			}}},
		},
	}
}

func ptr[T any](v T) *T { return &v }

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// writeCerts makes a CA and a serving certificate for 127.0.0.1 in dir
// (tls.crt, tls.key) and returns the CA in PEM.
func writeCerts(t *testing.T, dir string) []byte {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kale-e2e-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "kale-webhook"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	write := func(name, typ string, der []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("tls.crt", "CERTIFICATE", leafDER)
	write("tls.key", "EC PRIVATE KEY", keyDER)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
}

// requests reads one sample of the webhook's requests counter.
func (in *instance) requests(t *testing.T, outcome, reason string) float64 {
	t.Helper()
	mfs, err := in.srv.Metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "kale_webhook_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			var o, r string
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "outcome":
					o = l.GetValue()
				case "reason":
					r = l.GetValue()
				}
			}
			if o == outcome && r == reason {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}
