package webhook

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/kubeflow-kale/kale/pkg/inject"
)

// Path is where the API server sends pods.
const Path = "/mutate-v1-pod"

// Handler is the admission.Handler for pods.
type Handler struct {
	cfg     *inject.Config
	cache   *valueCache
	metrics *Metrics
	log     *slog.Logger
}

// NewHandler returns a handler mutating pods with cfg. metrics may be nil.
func NewHandler(cfg *inject.Config, metrics *Metrics, log *slog.Logger) *Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Handler{cfg: cfg, cache: newValueCache(cfg), metrics: metrics, log: log}
}

// Webhook wraps h for an HTTP server: it decodes the AdmissionReview (a
// body it cannot decode gets HTTP 400 with the reason) and encodes the
// answer, as controller-runtime's admission.Webhook does (see review.go).
func (h *Handler) Webhook() http.Handler {
	return &reviewHandler{h: h, slow: &admission.Webhook{Handler: h}}
}

// Handle answers one admission request. It never denies: pods that are not
// ours, or that it cannot read or mutate, are allowed unchanged.
func (h *Handler) Handle(ctx context.Context, req admission.Request) admission.Response {
	return h.handle(ctx, &req, nil, nil)
}

// handle is Handle with the request's pod already decoded (by decodePod's
// rules) when pod is not nil; a patch is appended to scratch.
func (h *Handler) handle(ctx context.Context, req *admission.Request, pod *corev1.Pod, scratch []byte) (resp admission.Response) {
	start := time.Now()
	outcome, reason := OutcomeError, "panic"
	defer func() {
		if r := recover(); r != nil {
			h.log.ErrorContext(ctx, "mutating the pod panicked; allowing it unchanged", "panic", fmt.Sprint(r),
				"namespace", req.Namespace, "name", req.Name, "uid", req.UID)
			resp = admission.Allowed("").WithWarnings(fmt.Sprintf("kale: internal error (%v); the pod was created without kale", r))
		}
		h.metrics.observe(outcome, reason, time.Since(start))
	}()
	resp, outcome, reason = h.decide(ctx, req, pod, scratch)
	return resp
}

func (h *Handler) decide(ctx context.Context, req *admission.Request, pod *corev1.Pod, scratch []byte) (admission.Response, string, string) {
	if req.Kind.Kind != "Pod" || req.Kind.Group != "" || req.SubResource != "" {
		return admission.Allowed(""), OutcomeSkipped, "not-a-pod"
	}
	if req.Operation != admissionv1.Create {
		return admission.Allowed(""), OutcomeSkipped, "not-create"
	}
	if pod == nil {
		var err error
		if pod, err = decodePod(req.Object.Raw); err != nil {
			h.log.WarnContext(ctx, "cannot decode the pod; allowing it unchanged", "error", err,
				"namespace", req.Namespace, "name", req.Name, "uid", req.UID)
			return admission.Allowed("").WithWarnings("kale: cannot read the pod (" + err.Error() + "); created without kale"), OutcomeError, "decode"
		}
	}
	// Pods created by controllers may arrive without a namespace.
	if pod.Namespace == "" {
		pod.Namespace = req.Namespace
	}
	res := inject.Mutate(pod, h.cfg)
	if res.SkipReason != "" {
		h.log.DebugContext(ctx, "skipped", "reason", res.SkipReason, "namespace", pod.Namespace, "name", podName(pod, req))
		return admission.Allowed(""), OutcomeSkipped, res.SkipReason
	}
	patch, err := appendPatch(scratch, patchFor(pod, res.Pod, containerIndex(res.Pod, res.Container), h.cache))
	if err != nil {
		return h.failed(ctx, req, "encode", err)
	}
	pt := admissionv1.PatchTypeJSONPatch
	resp := admission.Response{
		AdmissionResponse: admissionv1.AdmissionResponse{Allowed: true, PatchType: &pt, Patch: patch},
	}
	warnings := make([]string, 0, len(res.Conflicts))
	for _, c := range res.Conflicts {
		warnings = append(warnings, "kale: "+c)
	}
	h.log.InfoContext(ctx, "injected", "namespace", pod.Namespace, "name", podName(pod, req),
		"container", res.Container, "conflicts", len(res.Conflicts), "dryRun", req.DryRun != nil && *req.DryRun)
	return resp.WithWarnings(warnings...), OutcomeInjected, ""
}

func (h *Handler) failed(ctx context.Context, req *admission.Request, reason string, err error) (admission.Response, string, string) {
	h.log.ErrorContext(ctx, "cannot build the patch; allowing the pod unchanged", "error", err,
		"namespace", req.Namespace, "name", req.Name, "uid", req.UID)
	return admission.Allowed("").WithWarnings("kale: internal error (" + err.Error() + "); the pod was created without kale"),
		OutcomeError, reason
}

func containerIndex(p *corev1.Pod, name string) int {
	for i := range p.Spec.Containers {
		if p.Spec.Containers[i].Name == name {
			return i
		}
	}
	return 0
}

func podName(p *corev1.Pod, req *admission.Request) string {
	switch {
	case p.Name != "":
		return p.Name
	case req.Name != "":
		return req.Name
	default:
		return p.GenerateName
	}
}

var _ admission.Handler = (*Handler)(nil)
var _ http.Handler = (*admission.Webhook)(nil)
