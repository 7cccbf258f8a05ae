// Package webhook serves pkg/inject as a Kubernetes mutating admission
// webhook. An AdmissionReview comes in; the Pod is decoded, skipped when it
// is not a Notebook pod of ours, mutated by inject.Mutate, and answered with
// a JSON Patch. Server serves the handler over HTTPS (/mutate-v1-pod, TLS
// 1.2+, hot-reloaded certificate) behind Limits (body size, memory, concurrency,
// timeouts) with health probes and Prometheus metrics.
//
// Our failures never block a notebook: a pod the handler cannot read or
// mutate is allowed unchanged with a warning, and the handler makes no API
// calls and writes nothing, so a dry-run request gets the same answer as a
// real one and has no side effects (sideEffects: None).
package webhook
