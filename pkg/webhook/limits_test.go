package webhook

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// blockingHandler answers 200 once release is closed, counting calls.
type blockingHandler struct {
	release chan struct{}
	entered chan struct{}
}

func (h *blockingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	h.entered <- struct{}{}
	<-h.release
	w.WriteHeader(http.StatusOK)
}

func testLimits() Limits {
	l := Limits{MaxBodyBytes: 64 << 10, BodyBudgetBytes: 4 * 64 << 10, MaxConcurrent: 2}
	l.setDefaults()
	return l
}

// TestLimiterRefuses: each limit answers with its HTTP status (never an
// AdmissionReview, which the API server would take as a denial) and counts
// the refusal.
func TestLimiterRefuses(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_, _ = w.Write([]byte(strings.Repeat("x", len(b))))
	})
	tests := []struct {
		name    string
		body    io.Reader
		length  int64 // -1: unknown (chunked)
		code    int
		reason  string
		wantLen int
	}{
		{name: "small", body: strings.NewReader("{}"), length: 2, code: 200, wantLen: 2},
		{name: "at the limit", body: bytes.NewReader(make([]byte, 64<<10)), length: 64 << 10, code: 200, wantLen: 64 << 10},
		{name: "claimed over the limit", body: strings.NewReader("{}"), length: 7 << 20, code: 413, reason: RefusedTooLarge},
		{name: "chunked over the limit", body: bytes.NewReader(make([]byte, 64<<10+1)), length: -1, code: 413, reason: RefusedTooLarge},
		{name: "chunked under the limit", body: bytes.NewReader(make([]byte, 40<<10)), length: -1, code: 200, wantLen: 40 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMetrics()
			l := newLimiter(testLimits(), ok, m)
			req := httptest.NewRequest(http.MethodPost, Path, tt.body)
			req.ContentLength = tt.length
			rec := httptest.NewRecorder()
			l.ServeHTTP(rec, req)
			if rec.Code != tt.code {
				t.Fatalf("status %d (%s), want %d", rec.Code, rec.Body, tt.code)
			}
			if tt.code == 200 && rec.Body.Len() != tt.wantLen {
				t.Errorf("the handler saw %d bytes, want %d", rec.Body.Len(), tt.wantLen)
			}
			if tt.reason != "" {
				if got := counterValue(t, m.refusals.WithLabelValues(tt.reason)); got != 1 {
					t.Errorf("refused{reason=%q} = %v, want 1", tt.reason, got)
				}
				if rec.Header().Get("Connection") != "close" {
					t.Error("a refused request must close the connection")
				}
			}
			if l.budget.TryAcquire(l.lim.BodyBudgetBytes) {
				l.budget.Release(l.lim.BodyBudgetBytes)
			} else {
				t.Error("the request left some of the body budget held")
			}
		})
	}
}

// TestLimiterBusy: beyond MaxConcurrent a request gets 429 at once.
func TestLimiterBusy(t *testing.T) {
	h := &blockingHandler{release: make(chan struct{}), entered: make(chan struct{}, 8)}
	m := NewMetrics()
	l := newLimiter(testLimits(), h, m)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			l.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, Path, strings.NewReader("{}")))
		})
	}
	<-h.entered
	<-h.entered
	rec := httptest.NewRecorder()
	start := time.Now()
	l.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, Path, strings.NewReader("{}")))
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" {
		t.Errorf("third request: %d %q, want 429 with Retry-After", rec.Code, rec.Header())
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("refusing took %v; it must not wait for a slot", d)
	}
	close(h.release)
	wg.Wait()
	if got := counterValue(t, m.refusals.WithLabelValues(RefusedBusy)); got != 1 {
		t.Errorf("refused{busy} = %v", got)
	}
	rec = httptest.NewRecorder()
	l.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, Path, strings.NewReader("{}")))
	if rec.Code != 200 {
		t.Errorf("after the others finished: %d", rec.Code)
	}
}

// TestLimiterBudget: large bodies in flight exhaust the budget and the
// next large one gets 503, while a small review (within its slot's first
// buffer) still goes through.
func TestLimiterBudget(t *testing.T) {
	lim := testLimits()
	lim.MaxConcurrent = 8
	h := &blockingHandler{release: make(chan struct{}), entered: make(chan struct{}, 8)}
	m := NewMetrics()
	l := newLimiter(lim, h, m)
	big := make([]byte, 60<<10) // buffer of 64 KiB+1: (64 KiB+1-16 KiB)*4 charged, about 3/4 of the budget
	var wg sync.WaitGroup
	wg.Go(func() {
		l.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(big)))
	})
	<-h.entered
	rec := httptest.NewRecorder()
	l.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, Path, bytes.NewReader(big)))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("second large body: %d, want 503", rec.Code)
	}
	wg.Go(func() {
		rec := httptest.NewRecorder()
		l.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, Path, strings.NewReader(strings.Repeat(" ", 10<<10))))
		if rec.Code != 200 {
			t.Errorf("small body while the budget is spent: %d", rec.Code)
		}
	})
	<-h.entered
	close(h.release)
	wg.Wait()
	if got := counterValue(t, m.refusals.WithLabelValues(RefusedMemory)); got != 1 {
		t.Errorf("refused{memory} = %v", got)
	}
}

// slowReader yields one byte per Read: the buffer grows as bytes arrive,
// not to the claimed length.
type slowReader struct{ n, read int }

func (r *slowReader) Read(p []byte) (int, error) {
	if r.read >= r.n {
		return 0, io.EOF
	}
	p[0] = ' '
	r.read++
	return 1, nil
}

func TestLimiterAllocatesAsBytesArrive(t *testing.T) {
	l := newLimiter(testLimits(), nil, nil)
	b, held, err := l.read(&slowReader{n: 10})
	if err != nil || len(b) != 10 || cap(b) != first || held != 0 {
		t.Fatalf("read 10 bytes: len %d cap %d held %d err %v; want cap %d and nothing charged", len(b), cap(b), held, err, first)
	}
	b, held, err = l.read(&slowReader{n: 20 << 10})
	if err != nil || len(b) != 20<<10 || cap(b) != 2*first || held != first*bodyCost {
		t.Fatalf("read 20 KiB: len %d cap %d held %d err %v", len(b), cap(b), held, err)
	}
	l.budget.Release(held)
}

func TestLimitsValidate(t *testing.T) {
	l := Limits{MaxBodyBytes: 1 << 20, BodyBudgetBytes: 1 << 20}
	l.setDefaults()
	if err := l.validate(); err == nil || !strings.Contains(err.Error(), "budget") {
		t.Errorf("a budget smaller than one body: %v", err)
	}
}
