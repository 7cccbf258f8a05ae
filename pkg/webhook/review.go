package webhook

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"
	"unicode/utf8"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"
)

// maxRequestSize is controller-runtime's limit on an AdmissionReview body.
const maxRequestSize = int64(7 * 1024 * 1024)

var reviewV1 = admissionv1.SchemeGroupVersion.WithKind("AdmissionReview")

// reviewHandler serves AdmissionReviews like controller-runtime's
// admission.Webhook, without its universal deserializer and per-request
// logger: a well-formed JSON review is decoded the way that deserializer
// decodes it (the version and kind with encoding/json, the review
// case-sensitively with k8s.io/apimachinery/pkg/util/json, which is sigs.k8s.io/json) and answered with the same JSON.
// Anything else (an empty or oversized body, a wrong content type, a body
// that is not a JSON object or does not decode) goes to slow, so every
// error response stays controller-runtime's own.
type reviewHandler struct {
	h    *Handler
	slow *admission.Webhook
}

func (rh *reviewHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Body == nil || r.Body == http.NoBody || r.Header.Get("Content-Type") != "application/json" {
		rh.slow.ServeHTTP(w, r)
		return
	}
	lr := &io.LimitedReader{R: r.Body, N: maxRequestSize}
	buf := getBuffer(r.ContentLength)
	_, err := buf.ReadFrom(lr)
	body := buf.Bytes()
	if err != nil || lr.N <= 0 {
		// Let controller-runtime read it again and report the error.
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
		rh.slow.ServeHTTP(w, r)
		return
	}
	_ = r.Body.Close()
	req, pod, gvk, ok := decodeReview(body)
	if !ok {
		r.Body = io.NopCloser(bytes.NewReader(body))
		rh.slow.ServeHTTP(w, r)
		return
	}
	// Nothing decoded refers to body (strings and RawExtensions are copies).
	putBuffer(buf)
	rh.answer(w, r, req, pod, gvk)
}

// answer handles req and writes the AdmissionReview answer. The request
// is a pointer and the rare encoder path a function of its own: the call
// chain under here runs on every connection's goroutine, whose stack
// grows to fit the deepest request.
func (rh *reviewHandler) answer(w http.ResponseWriter, r *http.Request, req *admission.Request, pod *corev1.Pod, gvk schema.GroupVersionKind) {
	patch, out := getScratch(), getScratch()
	defer func() { putScratch(patch); putScratch(out) }()
	resp := rh.h.handle(r.Context(), req, pod, (*patch)[:0])
	if resp.Patch != nil {
		*patch = resp.Patch // it may have grown
	}
	if err := resp.Complete(*req); err != nil {
		resp = admission.Errored(http.StatusInternalServerError, err)
		resp.UID = req.UID
	}
	if gvk == (schema.GroupVersionKind{}) {
		gvk = reviewV1
	}
	if b, ok := appendReview((*out)[:0], gvk, &resp.AdmissionResponse); ok {
		*out = b
		if _, err := w.Write(b); err != nil {
			rh.h.log.ErrorContext(r.Context(), "unable to write the response", "error", err)
		}
		return
	}
	rh.encode(w, r, gvk, &resp)
}

// encode writes the answer with json.Encoder, as controller-runtime does.
func (rh *reviewHandler) encode(w http.ResponseWriter, r *http.Request, gvk schema.GroupVersionKind, resp *admission.Response) {
	ar := admissionv1.AdmissionReview{Response: &resp.AdmissionResponse}
	ar.SetGroupVersionKind(gvk)
	if err := json.NewEncoder(w).Encode(ar); err != nil {
		rh.h.log.ErrorContext(r.Context(), "unable to encode and write the response", "error", err)
		serverError := admission.Errored(http.StatusInternalServerError, err)
		_ = json.NewEncoder(w).Encode(admissionv1.AdmissionReview{Response: &serverError.AdmissionResponse})
	}
}

// appendReview appends the AdmissionReview answering with r, byte for
// byte as json.Encoder writes it, when r has only the fields the handler
// sets (an uid, allowed, a plain status code, a patch, warnings);
// otherwise ok is false.
func appendReview(buf []byte, gvk schema.GroupVersionKind, r *admissionv1.AdmissionResponse) ([]byte, bool) {
	if r.AuditAnnotations != nil || (r.Result != nil && !plainStatus(r.Result)) {
		return buf, false
	}
	apiVersion, kind := gvk.ToAPIVersionAndKind()
	buf = append(buf, '{')
	if kind != "" {
		buf = append(buf, `"kind":`...)
		buf = appendJSONString(buf, kind)
		buf = append(buf, ',')
	}
	if apiVersion != "" {
		buf = append(buf, `"apiVersion":`...)
		buf = appendJSONString(buf, apiVersion)
		buf = append(buf, ',')
	}
	buf = append(buf, `"response":{"uid":`...)
	buf = appendJSONString(buf, string(r.UID))
	buf = append(buf, `,"allowed":`...)
	buf = strconv.AppendBool(buf, r.Allowed)
	if r.Result != nil {
		buf = append(buf, `,"status":{"metadata":{}`...)
		if r.Result.Code != 0 {
			buf = append(buf, `,"code":`...)
			buf = strconv.AppendInt(buf, int64(r.Result.Code), 10)
		}
		buf = append(buf, '}')
	}
	if len(r.Patch) > 0 {
		buf = append(buf, `,"patch":"`...)
		buf = base64.StdEncoding.AppendEncode(buf, r.Patch)
		buf = append(buf, '"')
	}
	if r.PatchType != nil {
		buf = append(buf, `,"patchType":`...)
		buf = appendJSONString(buf, string(*r.PatchType))
	}
	if len(r.Warnings) > 0 {
		buf = append(buf, `,"warnings":[`...)
		for i, w := range r.Warnings {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendJSONString(buf, w)
		}
		buf = append(buf, ']')
	}
	return append(buf, "}}\n"...), true
}

// plainStatus: only the code is set, as Response.Complete leaves it.
func plainStatus(s *metav1.Status) bool {
	return s.TypeMeta == (metav1.TypeMeta{}) && s.SelfLink == "" && s.ResourceVersion == "" && s.Continue == "" &&
		s.RemainingItemCount == nil && s.Status == "" && s.Message == "" && s.Reason == "" && s.Details == nil
}

// Patches and answers are built in pooled scratch buffers.
var scratches = sync.Pool{New: func() any { b := make([]byte, 0, 8192); return &b }}

func getScratch() *[]byte { return scratches.Get().(*[]byte) }

func putScratch(b *[]byte) {
	if cap(*b) <= maxPooled {
		scratches.Put(b)
	}
}

// Bodies are read into pooled buffers sized from the Content-Length;
// buffers beyond maxPooled are left to the garbage collector.
const maxPooled = 64 << 10

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuffer(n int64) *bytes.Buffer {
	b := buffers.Get().(*bytes.Buffer)
	b.Reset()
	if n > 0 && n <= maxRequestSize {
		b.Grow(int(n) + bytes.MinRead) // room for ReadFrom to see EOF without growing
	}
	return b
}

func putBuffer(b *bytes.Buffer) {
	if b.Cap() <= maxPooled {
		buffers.Put(b)
	}
}

// decodeReview decodes body as controller-runtime's deserializer would
// (k8s.io/apimachinery's JSON serializer, non-strict, into an unregistered
// type): ok is false where that deserializer would not take the JSON path
// or would fail. Reviews shaped as API servers send them are decoded in one
// pass with their pod (fastDecodeReview); otherwise pod is nil and the
// request carries the object's JSON, for decodePod.
func decodeReview(body []byte) (*admission.Request, *corev1.Pod, schema.GroupVersionKind, bool) {
	if !bytes.HasPrefix(bytes.TrimLeft(body, " \t\r\n"), []byte("{")) {
		return nil, nil, schema.GroupVersionKind{}, false
	}
	if ar, pod, tm, ok := fastDecodeReview(body); ok {
		gv, err := schema.ParseGroupVersion(tm.APIVersion)
		if err != nil {
			return nil, nil, schema.GroupVersionKind{}, false
		}
		return &admission.Request{AdmissionRequest: ar}, pod, gv.WithKind(tm.Kind), true
	}
	req, gvk, ok := generalDecodeReview(body)
	return &req, nil, gvk, ok
}

// generalDecodeReview is decodeReview for any body starting with "{".
func generalDecodeReview(body []byte) (req admission.Request, gvk schema.GroupVersionKind, ok bool) {
	ar := admissionv1.AdmissionReview{Request: &req.AdmissionRequest}
	if err := utiljson.Unmarshal(body, &ar); err != nil {
		return req, gvk, false
	}
	// The review is decoded case-sensitively; its apiVersion and kind
	// (which only name the response's version) are what encoding/json
	// finds, case-insensitively, as the deserializer's SimpleMetaFactory
	// does. Both are the same unless the body spells a key "apiversion"
	// or "kind" some other way, which needs a second decoding.
	tm := ar.TypeMeta
	if !exactTypeMetaKeys(body) {
		var meta struct {
			APIVersion string `json:"apiVersion,omitempty"`
			Kind       string `json:"kind,omitempty"`
		}
		if err := json.Unmarshal(body, &meta); err != nil {
			return req, gvk, false
		}
		tm.APIVersion, tm.Kind = meta.APIVersion, meta.Kind
	}
	gv, err := schema.ParseGroupVersion(tm.APIVersion)
	if err != nil {
		return req, gvk, false
	}
	return req, gv.WithKind(tm.Kind), true
}

// exactTypeMetaKeys reports whether body, valid JSON, is ASCII without \u
// escapes and every string that equals "apiVersion" or "kind" ignoring
// case is spelled exactly so: then encoding/json's case-insensitive field
// matching and sigs.k8s.io/json's case-sensitive one see the same
// top-level apiVersion and kind. (Non-ASCII could fold into ASCII, as the
// Kelvin sign into k; an escape could spell a letter.)
func exactTypeMetaKeys(body []byte) bool {
	if !isASCII(body) || bytes.Contains(body, []byte(`\u`)) {
		return false
	}
	for i := 0; ; {
		j := bytes.IndexByte(body[i:], '"')
		if j < 0 {
			return true
		}
		i += j + 1
		rest := body[i:]
		if hasPrefixFold(rest, `apiversion"`) && !bytes.HasPrefix(rest, []byte(`apiVersion"`)) ||
			hasPrefixFold(rest, `kind"`) && !bytes.HasPrefix(rest, []byte(`kind"`)) {
			return false
		}
	}
}

// hasPrefixFold: b starts with lower, ignoring ASCII case.
func hasPrefixFold(b []byte, lower string) bool {
	return len(b) >= len(lower) && (b[0]|0x20) == lower[0] && bytes.EqualFold(b[:len(lower)], []byte(lower))
}

func isASCII(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
