// Package termtext makes text that a server or a pod supplied safe to print
// on a terminal. Such text (a run name, an error body, a pod's output) may
// carry escape sequences that re-title, clear or rewrite a user's
// terminal, or bidi overrides that make it read differently than it is.
//
// Sanitize keeps newlines and tabs (multi-line output such as logs); Line
// also folds them into spaces (a table cell, one line of a message);
// NewWriter sanitizes a stream. All three remove, whole, every escape
// sequence (ESC and C1 introduced: CSI, OSC, DCS, SOS, PM, APC and the
// two-character ones), drop every other C0 and C1 control, DEL, and the
// bidi embedding, override and isolate characters (U+202A-U+202E,
// U+2066-U+2069), and turn invalid UTF-8 into U+FFFD. Printable text
// passes unchanged.
package termtext

import (
	"io"
	"strings"
	"unicode/utf8"
)

// Sanitize returns s without terminal controls, keeping \n and \t.
func Sanitize(s string) string {
	if isClean(s, false) {
		return s
	}
	var b strings.Builder
	f := filter{}
	f.run(&b, []byte(s), true)
	return b.String()
}

// Line returns s without terminal controls, for one line of output: \n,
// \r, \t and the Unicode line and paragraph separators become spaces.
func Line(s string) string {
	if isClean(s, true) {
		return s
	}
	var b strings.Builder
	f := filter{line: true}
	f.run(&b, []byte(s), true)
	return b.String()
}

// isClean reports whether s passes unchanged, the common case, so that it
// costs no allocation.
func isClean(s string, line bool) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			if c == '\n' || c == '\t' {
				if line {
					return false
				}
				continue
			}
			if c < 0x80 {
				return false
			}
			// Non-ASCII: check the rest rune by rune.
			for _, r := range s[i:] {
				switch {
				case r == '\n' || r == '\t' || r == 0x2028 || r == 0x2029:
					if line {
						return false
					}
				case r == utf8.RuneError || drop(r):
					// RuneError may be a real U+FFFD; the slow path keeps it.
					return false
				}
			}
			return true
		}
	}
	return true
}

// drop reports the runes removed outside escape sequences (\n and \t
// aside).
func drop(r rune) bool {
	return r < 0x20 || r >= 0x7f && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

// Parser states.
const (
	normal   = iota
	esc      // after ESC
	escInter // ESC, intermediate bytes, waiting for the final byte
	csi      // control sequence: parameters, intermediates, final byte
	str      // OSC, DCS, SOS, PM, APC: until BEL or ST
	strEsc   // ESC inside a string: ST if \ follows
)

// filter is the sanitizer's state, kept across the writes of a stream.
type filter struct {
	line  bool
	state int
	// partial holds the start of a UTF-8 sequence split across writes.
	partial []byte
}

// run filters p into b. With final, a rune cut short at the end is
// invalid; otherwise it waits for the next call.
func (f *filter) run(b *strings.Builder, p []byte, final bool) {
	if len(f.partial) > 0 {
		p = append(f.partial, p...)
		f.partial = nil
	}
	for len(p) > 0 {
		if f.state == normal {
			// Copy a run of plain ASCII at once: most text is.
			i := 0
			for i < len(p) && (p[i] >= 0x20 && p[i] < 0x7f || !f.line && (p[i] == '\n' || p[i] == '\t')) {
				i++
			}
			b.Write(p[:i])
			if p = p[i:]; len(p) == 0 {
				break
			}
		}
		r, n := utf8.DecodeRune(p)
		if r == utf8.RuneError && n <= 1 && !final && !utf8.FullRune(p) {
			f.partial = append([]byte(nil), p...)
			return
		}
		f.rune(b, r, n == 1 && r == utf8.RuneError)
		p = p[n:]
	}
	if final {
		f.state = normal
	}
}

// rune handles one rune; invalid marks a byte that was not UTF-8.
func (f *filter) rune(b *strings.Builder, r rune, invalid bool) {
	// A newline ends any sequence, so that a sequence left open cannot
	// swallow the lines that follow it.
	if r == '\n' && f.state != normal {
		f.state = normal
	}
	switch f.state {
	case esc:
		switch {
		case r == '[':
			f.state = csi
		case r == ']' || r == 'P' || r == 'X' || r == '^' || r == '_':
			f.state = str
		case r == 0x1b:
		case r >= 0x20 && r <= 0x2f:
			f.state = escInter
		case r >= 0x30 && r <= 0x7e:
			f.state = normal
		default:
			f.state = normal
			f.rune(b, r, invalid)
		}
		return
	case escInter:
		switch {
		case r >= 0x20 && r <= 0x2f:
		case r >= 0x30 && r <= 0x7e:
			f.state = normal
		default:
			f.state = normal
			f.rune(b, r, invalid)
		}
		return
	case csi:
		switch {
		case r >= 0x20 && r <= 0x3f:
		case r >= 0x40 && r <= 0x7e:
			f.state = normal
		default:
			f.state = normal
			f.rune(b, r, invalid)
		}
		return
	case str:
		switch r {
		case 0x07, 0x9c:
			f.state = normal
		case 0x1b:
			f.state = strEsc
		}
		return
	case strEsc:
		switch r {
		case '\\':
			f.state = normal
		case 0x1b:
		default:
			f.state = str
		}
		return
	}
	switch {
	case invalid:
		b.WriteRune(utf8.RuneError)
	case r == 0x1b:
		f.state = esc
	case r == 0x9b:
		f.state = csi
	case r == 0x90 || r == 0x98 || r == 0x9d || r == 0x9e || r == 0x9f:
		f.state = str
	case r == '\n' || r == '\t':
		if f.line {
			b.WriteByte(' ')
		} else {
			b.WriteRune(r)
		}
	case r == '\r':
		if f.line {
			b.WriteByte(' ')
		}
	case r == 0x2028 || r == 0x2029:
		if f.line {
			b.WriteByte(' ')
		} else {
			b.WriteRune(r)
		}
	case drop(r):
	default:
		b.WriteRune(r)
	}
}

// Writer sanitizes a stream (Sanitize's rules) on its way to an
// underlying writer; sequences and runes split across writes are handled.
type Writer struct {
	w io.Writer
	f filter
}

// NewWriter returns a Writer to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write sanitizes p and writes the result. It reports len(p) on success,
// although fewer bytes may reach the underlying writer.
func (w *Writer) Write(p []byte) (int, error) {
	if w.f.state == normal && len(w.f.partial) == 0 && plainASCII(p) {
		// Nothing to change: no copy.
		if _, err := w.w.Write(p); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	var b strings.Builder
	w.f.run(&b, p, false)
	if b.Len() == 0 {
		return len(p), nil
	}
	if _, err := io.WriteString(w.w, b.String()); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes a rune cut short by the end of the stream as U+FFFD and
// ends any open sequence. Call it when the stream ends.
func (w *Writer) Flush() error {
	var b strings.Builder
	w.f.run(&b, nil, true)
	if b.Len() == 0 {
		return nil
	}
	_, err := io.WriteString(w.w, b.String())
	return err
}

// plainASCII reports whether p is printable ASCII, newlines and tabs.
func plainASCII(p []byte) bool {
	for _, c := range p {
		if (c < 0x20 || c >= 0x7f) && c != '\n' && c != '\t' {
			return false
		}
	}
	return true
}
