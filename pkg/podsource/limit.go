package podsource

import (
	"fmt"
	"sync"
)

// LimitedBuffer collects an exec stream in memory up to a limit. The size
// a pod's command honours (head -c) is only a request: a container whose
// tools ignore it, or a hostile one, can send without end. A LimitedBuffer
// keeps at most Limit bytes; the first byte past it seals the buffer
// (later bytes are dropped) and, when the buffer is a stream of Exec,
// aborts the exec, which then returns a *TooLargeError.
//
// It is safe for concurrent use: client-go's stream copiers may still
// write after Exec returned on an abort.
type LimitedBuffer struct {
	// Limit is the most bytes kept.
	Limit int64
	// What names the stream in the error ("POD:PATH", "kale's answer").
	What string

	mu    sync.Mutex
	buf   []byte
	over  bool // more than Limit bytes came
	taken bool // take handed buf over; later writes are dropped
	abort func(error)
}

// NewLimitedBuffer returns a buffer that keeps at most limit bytes of the
// stream named what.
func NewLimitedBuffer(limit int64, what string) *LimitedBuffer {
	return &LimitedBuffer{Limit: limit, What: what}
}

// TooLargeError is a stream that went past its LimitedBuffer's limit.
type TooLargeError struct {
	What  string
	Limit int64
	// Size is the whole size when known (a file's), else 0.
	Size int64
}

func (e *TooLargeError) Error() string {
	if e.Size > e.Limit {
		return fmt.Sprintf("%s is %d bytes, over the size limit of %d bytes", e.What, e.Size, e.Limit)
	}
	return fmt.Sprintf("%s is larger than %s", e.What, formatSize(e.Limit))
}

// Write keeps what fits under the limit. Past it, Write reports success so
// that the stream copier does not log an error, drops the rest, and aborts
// the exec; Err then reports the overflow.
func (b *LimitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.over || b.taken {
		return len(p), nil
	}
	room := b.Limit - int64(len(b.buf))
	if int64(len(p)) <= room {
		b.grow(len(p))
		b.buf = append(b.buf, p...)
		return len(p), nil
	}
	b.grow(int(max(room, 0)))
	b.buf = append(b.buf, p[:max(room, 0)]...)
	b.over = true
	if b.abort != nil {
		b.abort(b.errLocked())
	}
	return len(p), nil
}

// grow makes room for n more bytes, doubling up to Limit: append's own
// growth (1.25x for large slices) allocates about five times the limit
// on the way to it.
func (b *LimitedBuffer) grow(n int) {
	need := len(b.buf) + n
	if need <= cap(b.buf) {
		return
	}
	size := int(min(int64(max(2*cap(b.buf), need, 4<<10)), max(b.Limit, int64(need))))
	buf := make([]byte, len(b.buf), size)
	copy(buf, b.buf)
	b.buf = buf
}

// Err is a *TooLargeError once more than Limit bytes were written, else nil.
func (b *LimitedBuffer) Err() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.over {
		return nil
	}
	return b.errLocked()
}

func (b *LimitedBuffer) errLocked() error {
	return &TooLargeError{What: b.What, Limit: b.Limit}
}

// Bytes returns a copy of what was kept.
func (b *LimitedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.buf...)
}

// take hands over what was kept without a copy and seals the buffer, for
// a caller done with the stream.
func (b *LimitedBuffer) take() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	buf := b.buf
	b.buf, b.taken = nil, true
	return buf
}

// String returns what was kept.
func (b *LimitedBuffer) String() string { return string(b.Bytes()) }

// Len is the number of bytes kept, never more than Limit.
func (b *LimitedBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.buf)
}

func (b *LimitedBuffer) setAbort(f func(error)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.abort = f
}

// formatSize spells a limit the way people state it: "32 MB" for 32<<20.
func formatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
