package webhook

import (
	"bytes"
	"encoding/binary"
)

// jsonReader reads JSON from b; any error, and anything the fast path
// does not handle, sets bad and moves to the end, so later reads fail too.
type jsonReader struct {
	b     []byte
	i     int
	depth int
	bad   bool
}

// maxDepth bounds nesting well below encoding/json's own limit.
const maxDepth = 1000

func (r *jsonReader) fail() {
	r.bad = true
	r.i = len(r.b)
}

func (r *jsonReader) ws() {
	// Indented JSON has runs of spaces: skip them a word at a time.
	for r.i+8 <= len(r.b) && binary.LittleEndian.Uint64(r.b[r.i:]) == 0x2020202020202020 {
		r.i += 8
	}
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, 0 at the end.
func (r *jsonReader) peek() byte {
	r.ws()
	if r.i >= len(r.b) {
		return 0
	}
	return r.b[r.i]
}

// null consumes a null literal if one is next.
func (r *jsonReader) null() bool {
	if r.peek() == 'n' {
		r.literal("null")
		return true
	}
	return false
}

func (r *jsonReader) literal(lit string) {
	if !bytes.HasPrefix(r.b[r.i:], []byte(lit)) {
		r.fail()
		return
	}
	r.i += len(lit)
}

func (r *jsonReader) boolean() bool {
	switch r.peek() {
	case 't':
		r.literal("true")
		return true
	case 'f':
		r.literal("false")
	default:
		r.fail()
	}
	return false
}

// The reader is pulled, not called back, so that a nested value costs
// one stack frame: deep callbacks grew each connection's goroutine stack
// to 32 KB. Objects and arrays are read as
//
//	var st seq
//	for r.nextElement(&st) { read the element }
//	for key, ok := r.nextKey(&st); ok; key, ok = r.nextKey(&st) { read the value }

// seq is where a reader is in an object or array.
type seq struct{ started bool }

// nextElement moves to the next element of an array: false at its end
// (or on an error).
func (r *jsonReader) nextElement(st *seq) bool {
	return r.next(st, '[', ']')
}

// nextKey reads the next key of an object and its colon: false at the end
// of the object (or on an error). Keys with escapes are not handled.
func (r *jsonReader) nextKey(st *seq) ([]byte, bool) {
	if !r.next(st, '{', '}') {
		return nil, false
	}
	key, escaped := r.rawString()
	if escaped || r.peek() != ':' {
		r.fail()
		return nil, false
	}
	r.i++
	return key, true
}

// next reads the opening byte the first time, then a comma or the closing
// byte, and reports whether an item follows.
func (r *jsonReader) next(st *seq, opening, closing byte) bool {
	if r.bad {
		return false
	}
	if !st.started {
		st.started = true
		if r.peek() != opening {
			r.fail()
			return false
		}
		r.i++
		if r.depth++; r.depth > maxDepth {
			r.fail()
			return false
		}
		if r.peek() != closing {
			return true
		}
	} else if r.peek() == ',' {
		r.i++
		return true
	} else if r.peek() != closing {
		r.fail()
		return false
	}
	r.i++
	r.depth--
	return false
}

// fields walks an object for the keys in names. Other keys are skipped,
// unless refuse says the reader cannot vouch for them.
type fields struct {
	seq
	names  []string
	refuse func(key []byte) bool
	seen   uint64
}

// refuseAll is refuse for objects whose every key must be in names.
func refuseAll([]byte) bool { return true }

// nextField returns the index in f.names of the object's next key, the
// reader at its value; other keys are skipped, or fail r when f refuses
// them, and a repeated one fails r (it would merge or override where the
// general path does something else). -1 at the end.
func (r *jsonReader) nextField(f *fields) int {
	for {
		key, ok := r.nextKey(&f.seq)
		if !ok {
			return -1
		}
		i := keyIndex(f.names, key)
		switch {
		case i < 0 && f.refuse != nil && f.refuse(key), i >= 0 && f.seen&(1<<i) != 0:
			r.fail()
			return -1
		case i < 0:
			r.skip()
		default:
			f.seen |= 1 << i
			return i
		}
	}
}

// keyIndex is the index of key in names, or -1.
func keyIndex(names []string, key []byte) int {
	for i, n := range names {
		if string(key) == n {
			return i
		}
	}
	return -1
}

// rawString reads a string and returns its bytes between the quotes and
// whether they hold escapes. Only ASCII and the short escapes are
// handled.
func (r *jsonReader) rawString() (s []byte, escaped bool) {
	if r.peek() != '"' {
		r.fail()
		return nil, false
	}
	start := r.i + 1
	for i := start; i < len(r.b); {
		// Skip words of plain characters (no quote, backslash, control
		// character or non-ASCII) at once.
		for i+8 <= len(r.b) && plainWord(binary.LittleEndian.Uint64(r.b[i:])) {
			i += 8
		}
		if i >= len(r.b) {
			break
		}
		switch c := r.b[i]; {
		case c == '"':
			r.i = i + 1
			return r.b[start:i], escaped
		case c == '\\':
			if i+1 >= len(r.b) || bytes.IndexByte([]byte(`"\/bfnrt`), r.b[i+1]) < 0 {
				r.fail()
				return nil, false
			}
			escaped = true
			i += 2
		case c < 0x20 || c >= 0x80:
			r.fail()
			return nil, false
		default:
			i++
		}
	}
	r.fail()
	return nil, false
}

// plainWord reports whether none of the 8 bytes in w is a quote, a
// backslash, below 0x20 or above 0x7f (the classic "has zero byte" bit
// tricks).
func plainWord(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	hasZero := func(x uint64) uint64 { return (x - ones) &^ x & highs }
	special := hasZero(w^(ones*'"')) | hasZero(w^(ones*'\\')) | (w-ones*0x20)&^w&highs | w&highs
	return special == 0
}

// str reads a string into dst; null leaves dst alone, as encoding/json
// does.
func (r *jsonReader) str(dst *string) {
	if !r.null() {
		*dst = r.element()
	}
}

// element reads a string; null is not handled.
func (r *jsonReader) element() string {
	s, escaped := r.rawString()
	switch {
	case r.bad:
		return ""
	case escaped:
		return unescape(s)
	default:
		return string(s)
	}
}

func unescape(s []byte) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			out = append(out, s[i])
			continue
		}
		i++
		switch c := s[i]; c {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		default: // " \ /
			out = append(out, c)
		}
	}
	return string(out)
}

// strings reads null (nil) or a list of strings (never nil, as
// encoding/json makes empty lists non-nil). A null element is not handled.
func (r *jsonReader) strings() []string {
	if r.null() {
		return nil
	}
	out := []string{}
	for st := (seq{}); r.nextElement(&st); {
		out = append(out, r.element())
	}
	return out
}

// stringMap reads null (nil) or an object of strings. A null value or a
// repeated key is not handled.
func (r *jsonReader) stringMap() map[string]string {
	if r.null() {
		return nil
	}
	m := map[string]string{}
	var st seq
	for key, ok := r.nextKey(&st); ok; key, ok = r.nextKey(&st) {
		k := string(key)
		if _, dup := m[k]; dup {
			r.fail()
			break
		}
		m[k] = r.element()
	}
	return m
}

// value reads any value and returns its bytes.
func (r *jsonReader) value() []byte {
	r.ws()
	start := r.i
	r.skip()
	if r.bad {
		return nil
	}
	return r.b[start:r.i]
}

// skip reads any value.
func (r *jsonReader) skip() {
	switch c := r.peek(); {
	case c == '"':
		r.rawString()
	case c == '{':
		var st seq
		for _, ok := r.nextKey(&st); ok; _, ok = r.nextKey(&st) {
			r.skip()
		}
	case c == '[':
		for st := (seq{}); r.nextElement(&st); {
			r.skip()
		}
	case c == 't':
		r.literal("true")
	case c == 'f':
		r.literal("false")
	case c == 'n':
		r.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		r.number()
	default:
		r.fail()
	}
}

// number reads a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (r *jsonReader) number() {
	b, i := r.b, r.i
	digits := func() bool {
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > start
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case !digits():
		r.fail()
		return
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			r.fail()
			return
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			r.fail()
			return
		}
	}
	r.i = i
}
