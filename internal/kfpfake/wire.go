package kfpfake

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// gRPC status codes used in error answers.
const (
	codeInvalidArgument  = 3
	codeNotFound         = 5
	codeAlreadyExists    = 6
	codePermissionDenied = 7
	codeInternal         = 13
	codeUnavailable      = 14
	codeUnauthenticated  = 16
)

// maxBody bounds request bodies (the real server's limit is 32 MB).
const maxBody = 32 << 20

// The KFP API server's gateway marshaller: proto names, strict input.
var (
	marshal   = protojson.MarshalOptions{UseProtoNames: true}
	unmarshal = protojson.UnmarshalOptions{DiscardUnknown: false}
)

// decode reads a JSON body into m strictly; on failure it answers 400 as
// the gRPC gateway does and returns false.
func decode(w http.ResponseWriter, r *http.Request, m proto.Message) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeStatus(w, http.StatusBadRequest, codeInvalidArgument, err.Error())
		return false
	}
	if err := unmarshal.Unmarshal(body, m); err != nil {
		writeStatus(w, http.StatusBadRequest, codeInvalidArgument, err.Error())
		return false
	}
	return true
}

// answer writes m as the gateway would.
func answer(w http.ResponseWriter, m proto.Message) {
	b, err := marshal.Marshal(m)
	if err != nil {
		writeStatus(w, http.StatusInternalServerError, codeInternal, err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(b)
}

// writeStatus writes the gRPC gateway's error body, a google.rpc.Status.
func writeStatus(w http.ResponseWriter, httpStatus, code int, msg string) {
	b, _ := json.Marshal(struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}{code, msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(httpStatus)
	_, _ = w.Write(b)
}

// writeUploadError writes the upload handler's error body.
func writeUploadError(w http.ResponseWriter, httpStatus int, msg string) {
	b, _ := json.Marshal(struct {
		ErrorMessage string `json:"error_message"`
		ErrorDetails string `json:"error_details"`
	}{msg, msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(httpStatus)
	_, _ = w.Write(b)
}

// invalid answers 400 with KFP's "Invalid input error" wording.
func invalid(w http.ResponseWriter, format string, args ...any) {
	writeStatus(w, http.StatusBadRequest, codeInvalidArgument, "Invalid input error: "+fmt.Sprintf(format, args...))
}

func notFound(w http.ResponseWriter, what, id string) {
	writeStatus(w, http.StatusNotFound, codeNotFound, fmt.Sprintf("NotFoundError: %s %s not found", what, id))
}

// grpcCode maps an HTTP status to the gRPC code the gateway pairs with it.
func grpcCode(httpStatus int) int {
	switch httpStatus {
	case http.StatusBadRequest:
		return codeInvalidArgument
	case http.StatusNotFound:
		return codeNotFound
	case http.StatusConflict:
		return codeAlreadyExists
	case http.StatusUnauthorized:
		return codeUnauthenticated
	case http.StatusForbidden:
		return codePermissionDenied
	case http.StatusServiceUnavailable:
		return codeUnavailable
	}
	return codeInternal
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// page slices items for page_size/page_token (an offset, as text).
// sortedPage sorts all as the sort_by query parameter asks and cuts the page
// that page_size and page_token ask for. On a bad query it answers 400 and
// returns ok false.
func sortedPage[T any](w http.ResponseWriter, q url.Values, all []T, key func(T) (time.Time, string)) (items []T, next string, ok bool) {
	if err := sortBy(q.Get("sort_by"), all, key); err != nil {
		invalid(w, "%v", err)
		return nil, "", false
	}
	items, next, err := page(all, q.Get("page_size"), q.Get("page_token"))
	if err != nil {
		invalid(w, "%v", err)
		return nil, "", false
	}
	return items, next, true
}

func page[T any](items []T, pageSize, pageToken string) (out []T, next string, err error) {
	size := 20
	if pageSize != "" {
		if size, err = strconv.Atoi(pageSize); err != nil || size < 0 {
			return nil, "", fmt.Errorf("page_size %q is not a non-negative number", pageSize)
		}
		if size == 0 {
			size = 20
		}
	}
	start := 0
	if pageToken != "" {
		if start, err = strconv.Atoi(pageToken); err != nil || start < 0 || start > len(items) {
			return nil, "", fmt.Errorf("invalid page token %q", pageToken)
		}
	}
	end := min(start+size, len(items))
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	return items[start:end], next, nil
}
