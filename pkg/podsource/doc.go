// Package podsource reads notebooks from Kubeflow notebook pods and takes
// from those pods what a pipeline compiled from them needs.
//
// In: a Ref, either POD:PATH (ParseRef, as `kubectl cp` spells it) or a
// Kubeflow Notebook by name, and a *rest.Config. Resolve finds the pod and
// its notebook container and returns a Pod: the container's image (the
// default step image), its PersistentVolumeClaim mounts (mounted by every
// step at the same paths; ReadWriteOnce claims produce a warning), the labels
// that select the namespace's PodDefaults (copied onto every step, as Kale
// does), and whether the kale webhook injected its tooling. ReadFile reads a
// file by exec in the container, as `kubectl cp` does (WebSocket, falling
// back to SPDY), with a size limit; Exec runs any command there (used to
// submit through the pod with `kale submit -`).
//
// Errors name the pod, namespace, container and path at fault, and for
// missing permissions the verb and resource to grant; RequiredRBAC lists
// them all.
package podsource
