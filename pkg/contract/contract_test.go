package contract

import "testing"

// TestValuesArePinned: these strings are read by kale binaries and webhooks
// of other versions running in the same cluster; changing one breaks them.
func TestValuesArePinned(t *testing.T) {
	for got, want := range map[string]string{
		EnvBin:               "KALE_BIN",
		EnvPodName:           "KALE_POD_NAME",
		EnvNamespace:         "KALE_NAMESPACE",
		EnvDefaultBaseImage:  "KALE_DEFAULT_BASE_IMAGE",
		EnvKFPEndpoint:       "KF_PIPELINES_ENDPOINT",
		EnvKFPTokenPath:      "KF_PIPELINES_SA_TOKEN_PATH",
		EnvKFPToken:          "KF_PIPELINES_TOKEN",
		EnvKFPUIEndpoint:     "KF_PIPELINES_UI_ENDPOINT",
		KFPTokenPath:         "/var/run/secrets/kubeflow/pipelines/token",
		KFPTokenAudience:     "pipelines.kubeflow.org",
		KFPInClusterEndpoint: "http://ml-pipeline.kubeflow.svc.cluster.local:8888",
		Command:              "kale",
		BinPath:              "/usr/local/bin/kale",
		LabelNotebookName:    "notebook-name",
		AnnotationInjected:   "kale.kubeflow.org/injected",
		AnnotationConflicts:  "kale.kubeflow.org/conflicts",
		AnnotationInject:     "kale.kubeflow.org/inject",
	} {
		if got != want {
			t.Errorf("%q changed to %q", want, got)
		}
	}
}
