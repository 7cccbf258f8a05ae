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

// object reads an object, calling field with each key (the reader then at
// its value, which field must consume). Keys with escapes are not handled.
func (r *jsonReader) object(field func(key []byte)) {
	r.sequence('{', '}', func() {
		key, escaped := r.rawString()
		if escaped || r.peek() != ':' {
			r.fail()
			return
		}
		r.i++
		field(key)
	})
}

// array reads an array, calling elem at each element, which elem must
// consume.
func (r *jsonReader) array(elem func()) {
	r.sequence('[', ']', elem)
}

// sequence reads opening, items separated by commas, and closing.
func (r *jsonReader) sequence(opening, closing byte, item func()) {
	if r.peek() != opening {
		r.fail()
		return
	}
	r.i++
	if r.depth++; r.depth > maxDepth {
		r.fail()
		return
	}
	if r.peek() == closing {
		r.i++
		r.depth--
		return
	}
	for !r.bad {
		item()
		switch r.peek() {
		case ',':
			r.i++
		case closing:
			r.i++
			r.depth--
			return
		default:
			r.fail()
		}
	}
}

// fields reads an object, calling field(i) at the value of each key
// names[i]; a repeated one fails r (it would merge or override where the
// general path does something else). Other keys are skipped, or fail r
// when strict.
func (r *jsonReader) fields(names []string, strict bool, field func(i int)) {
	var seen uint64
	r.object(func(key []byte) {
		i := keyIndex(names, key)
		switch {
		case i < 0 && strict, i >= 0 && seen&(1<<i) != 0:
			r.fail()
		case i < 0:
			r.skip()
		default:
			seen |= 1 << i
			field(i)
		}
	})
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
	r.array(func() {
		out = append(out, r.element())
	})
	return out
}

// stringMap reads null (nil) or an object of strings. A null value or a
// repeated key is not handled.
func (r *jsonReader) stringMap() map[string]string {
	if r.null() {
		return nil
	}
	m := map[string]string{}
	r.object(func(key []byte) {
		k := string(key)
		if _, dup := m[k]; dup {
			r.fail()
			return
		}
		m[k] = r.element()
	})
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
		r.object(func([]byte) { r.skip() })
	case c == '[':
		r.array(r.skip)
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
