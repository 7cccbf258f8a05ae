// Package fakekubelet is a stand-in kubelet for end-to-end tests against a
// real kube-apiserver with no nodes: an in-process TLS server, built on the
// kubelet's own streaming code (k8s.io/kubelet/pkg/cri/streaming/remotecommand),
// that serves /exec/{namespace}/{pod}/{container} and
// /containerLogs/{namespace}/{pod}/{container}.
//
// Register a Node whose kubelet endpoint is the agent's port
// (testenv.Env.RegisterNode(ctx, name, agent.Port())), create pods bound to
// it (RunPod), and `kubectl exec`, `kubectl cp`, `kubectl logs` and client-go
// remotecommand (WebSocket or SPDY) reach the agent through the API server,
// which always talks SPDY to the node.
//
// There are no containers. Exec'd commands run as local processes, as the
// test's user, with a folder standing in for the pod's filesystem:
//
//   - Each pod the agent hosts (AddPod) has a host folder, its root, that
//     stands for the pod's "/": PodRoot(ns, pod) = Options.Root/ns/pod.
//   - Pod paths under a mapped prefix (Options.Prefixes, default
//     /home/jovyan) live in the root: /home/jovyan/x.ipynb is
//     PodRoot/home/jovyan/x.ipynb (HostPath computes it).
//   - Processes start in the pod root. An argument that is a mapped pod path
//     is rewritten to the same path relative to the root
//     ("home/jovyan/x.ipynb"), so `tar cf - /home/jovyan/x` writes the
//     member names a real container would and `kubectl cp` accepts them.
//     In the script of `sh -c SCRIPT` (also bash, dash, ash) every mapped
//     prefix is replaced by its absolute host path. A command that is itself
//     a mapped path (/opt/kale/bin/kale with /opt/kale mapped) runs from
//     the pod's folder; a command given by name is looked up in
//     Options.PATH (pod directories, e.g. /usr/local/bin when mapped) and
//     then the host's PATH.
//   - Other absolute paths (/tmp, /etc, /bin) are the host's. Relative paths
//     resolve against the pod root, not the image's WORKDIR. Error messages
//     of commands show rewritten paths ("cat: home/jovyan/missing: ...").
//   - The environment is PATH (Options.PATH, then the host's), HOME (the mapped /home/jovyan
//     when mapped), the container's env from the pod spec for pods hosted
//     with RunPod or HostPod (literal values and downward-API fields, after
//     admission webhooks ran; not Secrets, ConfigMaps, $(VAR) or PATH;
//     values that are mapped pod paths become host paths, so
//     KF_PIPELINES_SA_TOKEN_PATH can point into the folder), and
//     FAKEKUBELET_NAMESPACE, FAKEKUBELET_POD and FAKEKUBELET_CONTAINER
//     naming the target, so tests can tell which container a client chose.
//   - A non-zero exit reaches the client as exec's NonZeroExitCode status
//     (client-go: k8s.io/client-go/util/exec.CodeExitError).
//   - TTY requests run without a terminal; resize events are ignored.
//     attach and port-forward are not served.
//
// Container logs are served from LogPath(ns, pod, container), a file outside
// the pod root that tests write; follow and tail options are ignored.
//
// This runs arbitrary commands on the host on behalf of anyone who can reach
// the port: it is for tests on loopback only.
package fakekubelet
