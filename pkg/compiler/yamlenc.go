package compiler

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// The YAML writer. sigs.k8s.io/yaml (go-yaml v2 underneath) takes over a
// second for a 500-step pipeline, its emitter growing its buffers
// quadratically; the documents here are JSON values with sorted keys, so a
// small writer for exactly that subset does it in linear time. Output is
// block style like the KFP SDK's: maps with sorted keys, lists at their
// key's indentation, multi-line strings as literal blocks, everything that
// could read as another type double-quoted.

// jsonToYAML converts one JSON document to YAML.
func jsonToYAML(data []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Grow(len(data) + len(data)/4)
	writeYAML(&b, v)
	return b.Bytes(), nil
}

// writeYAML writes one document: a JSON value as decoded with UseNumber
// (or built by protoTree).
func writeYAML(b *bytes.Buffer, v any) {
	w := &yamlWriter{b: b}
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			b.WriteString("{}\n")
		} else {
			w.writeMap(x, 0, false)
		}
	case []any:
		if len(x) == 0 {
			b.WriteString("[]\n")
		} else {
			w.writeList(x, 0)
		}
	default:
		w.writeScalar(v, 0)
		b.WriteByte('\n')
	}
}

// yamlWriter writes one document. It remembers which long strings may be
// literal blocks: the step runtime appears once per executor.
type yamlWriter struct {
	b       *bytes.Buffer
	literal map[string]bool
}

func (w *yamlWriter) literalSafe(s string) bool {
	if len(s) < 1024 {
		return literalSafe(s)
	}
	ok, seen := w.literal[s]
	if !seen {
		if w.literal == nil {
			w.literal = map[string]bool{}
		}
		ok = literalSafe(s)
		w.literal[s] = ok
	}
	return ok
}

// maxSimpleKey is the longest key written as an implicit key; quoting can
// grow a key sixfold, which must stay under YAML's 1024-character limit.
const maxSimpleKey = 160

const spaces = "                                                                "

func pad(b *bytes.Buffer, n int) {
	for n > len(spaces) {
		b.WriteString(spaces)
		n -= len(spaces)
	}
	b.WriteString(spaces[:n])
}

// writeMap writes the entries of m at indent; inline means the first key
// continues a "- " already written.
func (w *yamlWriter) writeMap(m map[string]any, indent int, inline bool) {
	b := w.b
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for i, k := range keys {
		if i > 0 || !inline {
			pad(b, indent)
		}
		if len(k) > maxSimpleKey {
			// YAML limits implicit keys to 1024 characters.
			b.WriteString("? ")
			writeQuoted(b, k)
			b.WriteByte('\n')
			pad(b, indent)
		} else {
			w.writeString(k, -1)
		}
		b.WriteByte(':')
		w.writeValue(m[k], indent)
	}
}

// writeValue writes the value of a map entry whose key is at indent.
func (w *yamlWriter) writeValue(v any, indent int) {
	b := w.b
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			b.WriteString(" {}\n")
			return
		}
		b.WriteByte('\n')
		w.writeMap(x, indent+2, false)
	case []any:
		if len(x) == 0 {
			b.WriteString(" []\n")
			return
		}
		b.WriteByte('\n')
		w.writeList(x, indent)
	default:
		b.WriteByte(' ')
		w.writeScalar(v, indent+2)
		b.WriteByte('\n')
	}
}

func (w *yamlWriter) writeList(l []any, indent int) {
	b := w.b
	for _, item := range l {
		pad(b, indent)
		b.WriteByte('-')
		switch x := item.(type) {
		case map[string]any:
			if len(x) == 0 {
				b.WriteString(" {}\n")
				continue
			}
			b.WriteByte(' ')
			w.writeMap(x, indent+2, true)
		case []any:
			if len(x) == 0 {
				b.WriteString(" []\n")
				continue
			}
			b.WriteByte('\n')
			w.writeList(x, indent+2)
		default:
			b.WriteByte(' ')
			w.writeScalar(item, indent+2)
			b.WriteByte('\n')
		}
	}
}

// writeScalar writes a non-collection value; block is the indentation of a
// literal block's lines.
func (w *yamlWriter) writeScalar(v any, block int) {
	b := w.b
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if x {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case json.Number:
		b.WriteString(x.String())
	case string:
		w.writeString(x, block)
	default:
		fmt.Fprintf(b, "%v", x)
	}
}

// writeString writes s plain when it cannot be read as anything but that
// string, as a literal block when it is multi-line code-like text (block >=
// 0 allows that), else double-quoted.
func (w *yamlWriter) writeString(s string, block int) {
	b := w.b
	switch {
	case plainSafe(s):
		b.WriteString(s)
	case block >= 0 && w.literalSafe(s):
		body := s
		if strings.HasSuffix(s, "\n") {
			b.WriteString("|\n")
			body = s[:len(s)-1]
		} else {
			b.WriteString("|-\n")
		}
		for first := true; ; first = false {
			line, rest, more := strings.Cut(body, "\n")
			if !first {
				b.WriteByte('\n')
			}
			if line != "" {
				pad(b, block)
				b.WriteString(line)
			}
			if !more {
				break
			}
			body = rest
		}
	default:
		writeQuoted(b, s)
	}
}

// reserved are the plain scalars YAML 1.1 or 1.2 read as booleans or null.
var reserved = map[string]bool{
	"y": true, "n": true, "yes": true, "no": true, "on": true, "off": true,
	"true": true, "false": true, "null": true, "~": true,
}

// plainSafe: a conservative subset of plain scalars: starts with a letter,
// _ or /, holds only letters, digits and _ - . / (: not followed by a space
// and not last; single spaces between words), and is no reserved word.
func plainSafe(s string) bool {
	if s == "" || len(s) <= 5 && reserved[strings.ToLower(s)] {
		return false
	}
	if versionLike(s) {
		return true
	}
	c := s[0]
	// Options such as -ec and --spec: a dash followed by a letter or a
	// second dash is neither a list item, a number nor a document marker.
	option := c == '-' && len(s) > 1 && !strings.HasPrefix(s, "---") &&
		(s[1] == '-' && len(s) > 2 && isLetter(s[2]) || isLetter(s[1]))
	if !(isLetter(c) || c == '_' || c == '/' || option) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-', c == '.', c == '/':
		case c == ':':
			if i == len(s)-1 || s[i+1] == ' ' {
				return false
			}
		case c == ' ':
			if i == len(s)-1 || s[i+1] == ' ' || s[i+1] == '#' || s[i-1] == ':' {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// versionLike matches N.N.N (schema versions): two dots make it a string
// in YAML 1.1 and 1.2 alike.
func versionLike(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts {
		if p == "" {
			return false
		}
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return false
			}
		}
	}
	return true
}

// literalSafe: multi-line text that a literal block keeps exactly: printable
// characters and tabs, no carriage returns, no line with trailing
// whitespace, a first line that does not start with a space or tab, and at
// most one trailing newline.
func literalSafe(s string) bool {
	if !strings.Contains(s, "\n") || strings.HasSuffix(s, "\n\n") || s[0] == ' ' || s[0] == '\t' || s[0] == '\n' {
		return false
	}
	prev := rune(0)
	for _, r := range s {
		if r == '\n' && (prev == ' ' || prev == '\t') {
			return false
		}
		if r != '\n' && r != '\t' && !yamlPrintable(r) {
			return false
		}
		prev = r
	}
	return prev != ' ' && prev != '\t'
}

// yamlPrintable reports whether YAML allows r unescaped in a scalar.
func yamlPrintable(r rune) bool {
	switch {
	case r == utf8.RuneError:
		return false
	case r < 0x20 || r == 0x7f:
		return false
	case r >= 0x80 && r <= 0x9f:
		return false
	case r == 0x2028 || r == 0x2029 || r == 0xfeff || r == 0xfffe || r == 0xffff:
		return false
	case r >= 0xd800 && r <= 0xdfff:
		return false
	}
	return true
}

// writeQuoted writes s double-quoted. JSON string escapes are YAML
// double-quoted escapes; characters YAML does not allow raw are escaped too.
func writeQuoted(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for len(s) > 0 {
		// Copy the longest run that needs no escape at once: step code and
		// the embedded runtime are long strings of plain ASCII.
		n := 0
		for n < len(s) && s[n] >= 0x20 && s[n] < 0x7f && s[n] != '"' && s[n] != '\\' {
			n++
		}
		b.WriteString(s[:n])
		s = s[n:]
		if len(s) == 0 {
			break
		}
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case !yamlPrintable(r):
			if r == utf8.RuneError {
				r = 0xfffd
			}
			fmt.Fprintf(b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}
