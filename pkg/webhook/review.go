package webhook

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"unicode/utf8"

	admissionv1 "k8s.io/api/admission/v1"
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
	req, gvk, ok := decodeReview(body)
	if !ok {
		r.Body = io.NopCloser(bytes.NewReader(body))
		rh.slow.ServeHTTP(w, r)
		return
	}
	// Nothing decoded refers to body (strings and RawExtensions are copies).
	putBuffer(buf)
	resp := rh.h.Handle(r.Context(), req)
	if err := resp.Complete(req); err != nil {
		resp = admission.Errored(http.StatusInternalServerError, err)
		resp.UID = req.UID
	}
	ar := admissionv1.AdmissionReview{Response: &resp.AdmissionResponse}
	if gvk == (schema.GroupVersionKind{}) {
		gvk = reviewV1
	}
	ar.SetGroupVersionKind(gvk)
	if err := json.NewEncoder(w).Encode(ar); err != nil {
		rh.h.log.ErrorContext(r.Context(), "unable to encode and write the response", "error", err)
		serverError := admission.Errored(http.StatusInternalServerError, err)
		_ = json.NewEncoder(w).Encode(admissionv1.AdmissionReview{Response: &serverError.AdmissionResponse})
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
// or would fail.
func decodeReview(body []byte) (admission.Request, schema.GroupVersionKind, bool) {
	var req admission.Request
	if !bytes.HasPrefix(bytes.TrimLeft(body, " \t\r\n"), []byte("{")) {
		return req, schema.GroupVersionKind{}, false
	}
	// The review is decoded case-sensitively; its apiVersion and kind
	// (which only name the response's version) are what encoding/json
	// finds, case-insensitively, as the deserializer's SimpleMetaFactory
	// does. Both are the same unless the body spells a key "apiversion"
	// or "kind" some other way, which needs a second decoding.
	ar := admissionv1.AdmissionReview{Request: &req.AdmissionRequest}
	if err := utiljson.Unmarshal(body, &ar); err != nil {
		return req, schema.GroupVersionKind{}, false
	}
	tm := ar.TypeMeta
	if !exactTypeMetaKeys(body) {
		var meta struct {
			APIVersion string `json:"apiVersion,omitempty"`
			Kind       string `json:"kind,omitempty"`
		}
		if err := json.Unmarshal(body, &meta); err != nil {
			return req, schema.GroupVersionKind{}, false
		}
		tm.APIVersion, tm.Kind = meta.APIVersion, meta.Kind
	}
	gv, err := schema.ParseGroupVersion(tm.APIVersion)
	if err != nil {
		return req, schema.GroupVersionKind{}, false
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
	for _, c := range body {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	if bytes.Contains(body, []byte(`\u`)) {
		return false
	}
	return onlyExact(body, `"apiversion"`, `"apiVersion"`) && onlyExact(body, `"kind"`, `"kind"`)
}

// onlyExact reports whether every ASCII case-insensitive occurrence of
// folded (lower case) in body is exact.
func onlyExact(body []byte, folded, exact string) bool {
	n := len(folded)
	for i := 0; i+n <= len(body); i++ {
		if body[i] != '"' || !bytes.EqualFold(body[i:i+n], []byte(folded)) {
			continue
		}
		if string(body[i:i+n]) != exact {
			return false
		}
	}
	return true
}
