// Package inject makes a Kubeflow Notebook pod Kale-ready. Mutate takes a
// pod and a Config and returns a mutated copy: the kale tool, KFP
// credentials the access-ml-pipeline way, context environment variables and
// a status annotation. It is a pure function shared by the admission webhook
// and `kubectl kale inject`, so what an admin previews is what the cluster
// does.
//
// How kale gets onto the PATH: an init container from the kale image
// (restricted security context, small resources) copies the static binary
// into an emptyDir volume (kale-bin). The notebook container mounts that
// volume read-only at /opt/kale, so the binary is /opt/kale/bin/kale, and
// mounts the single file (subPath bin/kale) at /usr/local/bin/kale, which is
// on the default PATH of every Kubeflow notebook image. This adds one file
// without hiding the image's /usr/local/bin and without a PATH variable in
// the pod spec: Kubernetes can only replace an image's PATH, never extend
// it. The kubelet resolves subPath mounts when it creates the container,
// after the init containers ran, so the file exists by then. KALE_BIN names
// the binary for scripts. When the pod already mounts something at
// /usr/local/bin/kale, the pod's mount stays and the conflict is recorded.
//
// Mutate is idempotent (a second call changes nothing, so the webhook can
// use reinvocationPolicy IfNeeded) and never rejects a pod: where the pod
// already has its own value for something kale would set, the pod's value
// stays and the conflict is listed in the kale.kubeflow.org/conflicts
// annotation. The credentials use the same volume name, mount path, token
// audience and environment variable as Kubeflow's access-ml-pipeline
// PodDefault; when that PodDefault already provided them they are left
// alone.
package inject
