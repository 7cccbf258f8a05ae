// Package testenv starts a real kube-apiserver and etcd for end-to-end tests,
// through controller-runtime's envtest, and offers the few helpers those
// tests share: a kubeconfig file that kubectl and kubectl-kale accept,
// non-admin users with exactly the RBAC a test grants them, labelled
// namespaces, CRDs, and fake Nodes for an exec agent (internal/fakekubelet).
//
// The control-plane binaries come from KUBEBUILDER_ASSETS when it is set,
// otherwise from hack/control-plane.sh at the repository root, which builds
// them from Go modules once and caches them (the first build takes minutes).
//
// Start the environment once per test package, in TestMain, and let every
// test share it (use a namespace per test to keep them apart):
//
//	var env *testenv.Env
//
//	func TestMain(m *testing.M) {
//		os.Exit(testenv.Main(m, testenv.Options{}, &env))
//	}
//
//	func TestSomething(t *testing.T) {
//		testenv.Require(t, env) // skips under go test -short
//		ns := testenv.Namespace(t, env, map[string]string{"app.kubernetes.io/part-of": "kubeflow-profile"})
//		...
//	}
//
// Under `go test -short`, and while fuzzing (-fuzz), Main starts nothing and
// Require skips; otherwise a control plane that cannot start fails the
// whole package, it never skips. SIGINT and SIGTERM stop the control plane
// before the test binary exits; a binary killed harder (go test's -timeout
// sends SIGQUIT) leaves etcd and kube-apiserver running.
//
// The API server runs with envtest's defaults: RBAC authorization, the
// ServiceAccount admission plugin disabled (no controller creates default
// service accounts here), and the other default admission plugins of the
// release enabled, which includes MutatingAdmissionWebhook,
// ValidatingAdmissionWebhook and PodSecurity. Options.APIServerFlags adds
// or overrides flags.
package testenv
