package webhook

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/sync/semaphore"
)

// Limits bound what clients of the admission endpoint can make the webhook
// hold, so that no client (only the API server should reach it, see
// manifests/base/networkpolicy.yaml) can push it past its memory limit.
// Requests over a limit get an HTTP error, never an AdmissionReview: the
// API server counts that as a failed call and, with failurePolicy Ignore,
// admits the pod without kale. A review answering "denied" would stop the
// pod instead.
type Limits struct {
	// MaxBodyBytes is the largest AdmissionReview read [3 MiB]. The API
	// server refuses request bodies over 3 MiB and etcd objects over
	// 1.5 MiB, so no pod it can store comes in a larger review; a notebook
	// pod's review is about 5 KiB. Larger bodies get 413 before anything is
	// read.
	MaxBodyBytes int64
	// BodyBudgetBytes bounds the memory held for bodies beyond their first
	// 16 KiB by all requests at once [32 MiB]: each byte of buffer is
	// charged bodyCost times (the buffer, controller-runtime's copy, the
	// object's raw copy and the decoded pod). Buffers grow as bytes arrive,
	// so a slow client holds only what it has sent. A request that cannot
	// get its next bytes' worth gets 503 at once. The first 16 KiB come
	// with the request's slot (MaxConcurrent bounds them), so reviews of
	// ordinary pods never wait for large ones.
	BodyBudgetBytes int64
	// MaxConcurrent requests are handled at once [64]; more get 429 at
	// once. Failing fast rather than queueing: the API server gives the
	// whole call 5 s (timeoutSeconds) and then admits the pod without kale
	// anyway, so a queued request would only hold a connection and a
	// goroutine longer for the same outcome.
	MaxConcurrent int
	// MaxConnections open at once [256]; more wait in the kernel's accept
	// queue. Each TLS connection holds some 40 KiB of buffers.
	MaxConnections int
	// ReadHeaderTimeout [2s] and ReadTimeout [5s] bound how long a request's
	// header and whole body may take to arrive (the API server gives up
	// after 5 s), IdleTimeout [10s] how long a kept-alive connection waits
	// for its next request, WriteTimeout [10s] reading plus answering.
	ReadHeaderTimeout, ReadTimeout, IdleTimeout, WriteTimeout time.Duration
}

// bodyCost is how many bytes of memory one byte of body buffer stands
// for while a review is decoded and answered (see BodyBudgetBytes).
const bodyCost = 4

func (l *Limits) setDefaults() {
	if l.MaxBodyBytes == 0 {
		l.MaxBodyBytes = 3 << 20
	}
	if l.BodyBudgetBytes == 0 {
		l.BodyBudgetBytes = 32 << 20
	}
	if l.MaxConcurrent == 0 {
		l.MaxConcurrent = 64
	}
	if l.MaxConnections == 0 {
		l.MaxConnections = 256
	}
	if l.ReadHeaderTimeout == 0 {
		l.ReadHeaderTimeout = 2 * time.Second
	}
	if l.ReadTimeout == 0 {
		l.ReadTimeout = 5 * time.Second
	}
	if l.IdleTimeout == 0 {
		l.IdleTimeout = 10 * time.Second
	}
	if l.WriteTimeout == 0 {
		l.WriteTimeout = 10 * time.Second
	}
}

func (l *Limits) validate() error {
	if l.MaxBodyBytes < 0 || l.BodyBudgetBytes < 0 || l.MaxConcurrent < 0 || l.MaxConnections < 0 {
		return fmt.Errorf("limits must not be negative: %+v", *l)
	}
	if l.BodyBudgetBytes < l.MaxBodyBytes*bodyCost {
		return fmt.Errorf("the body budget (%d bytes) must hold one largest body (%d bytes, charged %d times)",
			l.BodyBudgetBytes, l.MaxBodyBytes, bodyCost)
	}
	return nil
}

// Reasons a request is refused, the "reason" label of
// kale_webhook_refused_total.
const (
	RefusedBusy     = "busy"      // MaxConcurrent reached: 429
	RefusedMemory   = "memory"    // BodyBudgetBytes reached: 503
	RefusedTooLarge = "too-large" // MaxBodyBytes exceeded: 413
	RefusedRead     = "read"      // the body did not arrive (timeout, reset): 400
)

// limiter enforces Limits around the admission handler.
type limiter struct {
	lim     Limits
	slots   chan struct{}
	budget  *semaphore.Weighted
	next    http.Handler
	metrics *Metrics
}

func newLimiter(lim Limits, next http.Handler, m *Metrics) *limiter {
	return &limiter{lim: lim, slots: make(chan struct{}, lim.MaxConcurrent),
		budget: semaphore.NewWeighted(lim.BodyBudgetBytes), next: next, metrics: m}
}

func (l *limiter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	select {
	case l.slots <- struct{}{}:
		defer func() { <-l.slots }()
	default:
		l.refuse(w, http.StatusTooManyRequests, RefusedBusy, "too many concurrent requests")
		return
	}
	if r.ContentLength > l.lim.MaxBodyBytes {
		l.refuse(w, http.StatusRequestEntityTooLarge, RefusedTooLarge,
			fmt.Sprintf("body of %d bytes; the limit is %d", r.ContentLength, l.lim.MaxBodyBytes))
		return
	}
	if r.Body != nil && r.Body != http.NoBody {
		body, held, err := l.read(r.Body)
		defer l.budget.Release(held)
		switch {
		case errors.Is(err, errBudget):
			l.refuse(w, http.StatusServiceUnavailable, RefusedMemory, "too many request bytes in flight")
			return
		case errors.Is(err, errTooLarge):
			l.refuse(w, http.StatusRequestEntityTooLarge, RefusedTooLarge,
				fmt.Sprintf("body over the limit of %d bytes", l.lim.MaxBodyBytes))
			return
		case err != nil:
			l.refuse(w, http.StatusBadRequest, RefusedRead, "reading the body: "+err.Error())
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
	}
	l.next.ServeHTTP(w, r)
}

func (l *limiter) refuse(w http.ResponseWriter, code int, reason, msg string) {
	l.metrics.refused(reason)
	if code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.Itoa(1))
	}
	// The connection may hold the rest of a body we will not read.
	w.Header().Set("Connection", "close")
	http.Error(w, "kale-webhook: "+msg, code)
}

var (
	errBudget   = errors.New("body budget exhausted")
	errTooLarge = errors.New("body too large")
)

// first is the size of a body's first buffer: a notebook pod's review
// (about 5 KiB) fits.
const first = 16 << 10

// read reads body into a buffer that grows as bytes arrive, charging each
// growth to the budget. held is what to release once the request is done.
func (l *limiter) read(body io.Reader) (b []byte, held int64, err error) {
	for {
		if len(b) == cap(b) {
			if int64(len(b)) > l.lim.MaxBodyBytes {
				return nil, held, errTooLarge
			}
			n := max(first, 2*cap(b))
			n = int(min(int64(n), l.lim.MaxBodyBytes+1)) // +1 to see a body over the limit
			if charge := int64(n-max(cap(b), first)) * bodyCost; charge > 0 {
				if !l.budget.TryAcquire(charge) {
					return nil, held, errBudget
				}
				held += charge
			}
			nb := make([]byte, len(b), n)
			copy(nb, b)
			b = nb
		}
		m, err := body.Read(b[len(b):cap(b)])
		b = b[:len(b)+m]
		if errors.Is(err, io.EOF) {
			if int64(len(b)) > l.lim.MaxBodyBytes {
				return nil, held, errTooLarge
			}
			return b, held, nil
		}
		if err != nil {
			return nil, held, err
		}
	}
}
