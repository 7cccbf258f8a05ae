// Package contract is the agreement between kale's webhook and kale's
// command line: the names both sides spell, in one place. It has no
// dependencies, so pkg/inject, pkg/kfp, pkg/podsource, pkg/compiler and the
// CLI can all import it.
//
// What the webhook guarantees in a Notebook pod it injects (pkg/inject):
//   - the pod carries AnnotationInjected (the kale version), and
//     AnnotationConflicts when the pod's own values were kept;
//   - the notebook container (the one named by LabelNotebookName's value)
//     has the kale CLI at BinPath, on the PATH as Command, and EnvBin names
//     the binary itself;
//   - EnvPodName and EnvNamespace hold the pod's name and namespace
//     (downward API), EnvDefaultBaseImage the notebook container's image;
//   - KFP credentials as Kubeflow's access-ml-pipeline PodDefault mounts
//     them: a projected service-account token for KFPTokenAudience at
//     KFPTokenPath, EnvKFPTokenPath naming it, and EnvKFPEndpoint (by
//     default KFPInClusterEndpoint).
//
// Each is added only where absent: a pod's own value wins and is listed in
// AnnotationConflicts. A pod opts out with AnnotationInject: "false".
//
// What the CLI relies on:
//   - a pod with AnnotationInjected can run `Command submit -`, so
//     `kubectl kale run POD:PATH` may submit through it (pkg/podsource);
//   - pods of a Kubeflow Notebook carry LabelNotebookName=NAME;
//   - inside such a pod, EnvPodName and EnvNamespace let `kale run` read its
//     own pod (volumes, PodDefault labels, image); EnvDefaultBaseImage is
//     the default step image; the KFP client reads EnvKFPEndpoint, EnvKFPToken,
//     EnvKFPTokenPath (default KFPTokenPath, re-read on every request) and
//     EnvKFPUIEndpoint, the names the KFP SDK and Kale use.
package contract

// Environment variables of a notebook container.
const (
	// EnvBin is the path of the injected kale binary.
	EnvBin = "KALE_BIN"
	// EnvPodName is the pod's name (downward API).
	EnvPodName = "KALE_POD_NAME"
	// EnvNamespace is the pod's namespace, the user's profile namespace in
	// multi-user Kubeflow (downward API).
	EnvNamespace = "KALE_NAMESPACE"
	// EnvDefaultBaseImage is the image of steps that name none: the
	// notebook container's image.
	EnvDefaultBaseImage = "KALE_DEFAULT_BASE_IMAGE"

	// EnvKFPEndpoint is the KFP API URL.
	EnvKFPEndpoint = "KF_PIPELINES_ENDPOINT"
	// EnvKFPTokenPath names the file holding the KFP bearer token.
	EnvKFPTokenPath = "KF_PIPELINES_SA_TOKEN_PATH"
	// EnvKFPToken is a KFP bearer token given as is (never injected).
	EnvKFPToken = "KF_PIPELINES_TOKEN"
	// EnvKFPUIEndpoint is the KFP UI's URL for links (never injected).
	EnvKFPUIEndpoint = "KF_PIPELINES_UI_ENDPOINT"
)

// KFP credentials.
const (
	// KFPTokenPath is where the projected KFP token is mounted.
	KFPTokenPath = "/var/run/secrets/kubeflow/pipelines/token"
	// KFPTokenAudience is the audience of the projected token.
	KFPTokenAudience = "pipelines.kubeflow.org"
	// KFPInClusterEndpoint is the KFP API service inside a Kubeflow cluster.
	KFPInClusterEndpoint = "http://ml-pipeline.kubeflow.svc.cluster.local:8888"
)

// The kale CLI in a notebook container.
const (
	// Command is the CLI's name on the PATH of an injected container.
	Command = "kale"
	// BinPath is where the webhook links the CLI.
	BinPath = "/usr/local/bin/" + Command
)

// Labels and annotations.
const (
	// LabelNotebookName is set by the Notebook controller on a Notebook's
	// pod; its value is the notebook's (and its container's) name.
	LabelNotebookName = "notebook-name"
	// AnnotationInjected is set by the webhook on pods it made Kale-ready;
	// its value is the kale version.
	AnnotationInjected = "kale.kubeflow.org/injected"
	// AnnotationConflicts lists the pod's own values the webhook kept.
	AnnotationConflicts = "kale.kubeflow.org/conflicts"
	// AnnotationInject: "false" on a pod opts it out of injection.
	AnnotationInject = "kale.kubeflow.org/inject"
)
