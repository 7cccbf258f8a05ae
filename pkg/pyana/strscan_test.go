package pyana

import (
	"strings"
	"testing"
)

// stringCases are the literals the three former scanners (pipeline
// parameters, tokenizer checks, IPython line scanner) were tested on, and
// their edges: src starts at the opening quote; end is -1 when the literal
// is not closed and stops at the end of src.
var stringCases = []struct {
	name, src string
	end       int
	closed    bool
}{
	{"single quotes", `'adam' # c`, 6, true},
	{"double quotes", `"adam"`, 6, true},
	{"empty", `''`, 2, true},
	{"empty then more", `'' + 'x'`, 2, true},
	{"other quote inside", `"it's"`, 6, true},
	{"escaped quote", `'a\'b'`, 6, true},
	{"escaped backslash before the quote", `'a\\' + 'b'`, 5, true},
	{"raw string body: a backslash still keeps the quote", `'a\''`, 5, true},
	{"triple double", `"""doc"""x`, 9, true},
	{"triple single", `'''a 'b' c'''`, 13, true},
	{"empty triple", `""""""`, 6, true},
	{"triple over lines", "'''a\nb\n'''\nx", 10, true},
	{"escaped quote inside triple", `"""a\"""b"""`, 12, true},
	{"four quotes close a triple after one quote", `"""a""""`, 7, true},
	{"unterminated single stops at the newline", "'abc\nx = 1", 4, false},
	{"backslash newline continues a single-quoted literal", "'ab\\\ncd'", 8, true},
	{"unterminated single at the end", `'abc`, -1, false},
	{"unterminated triple", "'''abc\n''", -1, false},
	{"lone quote", `"`, -1, false},
	{"trailing backslash", `'a\`, -1, false},
}

func TestStringEnd(t *testing.T) {
	for _, tt := range stringCases {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.end
			if want < 0 {
				want = len(tt.src)
			}
			end, closed := StringEnd(tt.src, 0)
			if end != want || closed != tt.closed {
				t.Errorf("StringEnd(%q) = %d, %v; want %d, %v", tt.src, end, closed, want, tt.closed)
			}
		})
	}
}

// TestLineScannersShareStringEnd: on one line, the tokenizer's and the
// IPython scanner's closing-quote helpers agree with StringEnd.
func TestLineScannersShareStringEnd(t *testing.T) {
	for _, tt := range stringCases {
		if strings.Contains(tt.src, "\n") {
			continue
		}
		end, closed := StringEnd(tt.src, 0)
		q := tt.src[0]
		var got int
		if strings.HasPrefix(tt.src, strings.Repeat(string(q), 3)) {
			got = closingTriple(tt.src, 3, strings.Repeat(string(q), 3))
		} else {
			got = closingQuote(tt.src, 1, q)
		}
		if want := map[bool]int{true: end, false: -1}[closed]; got != want {
			t.Errorf("%s: line helper gives %d, StringEnd %d, %v", tt.name, got, end, closed)
		}
	}
}

// FuzzStringEnd: StringEnd never panics, ends inside the source after the
// opening quote, and a closed literal ends with its closing quote(s), not
// escaped, and contains no earlier unescaped closing quote.
func FuzzStringEnd(f *testing.F) {
	for _, tt := range stringCases {
		f.Add(tt.src)
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, q := range []string{`'`, `"`, `'''`, `"""`} {
			src := q + body
			end, closed := StringEnd(src, 0)
			if end < 1 || end > len(src) {
				t.Fatalf("StringEnd(%q) = %d, outside (0, %d]", src, end, len(src))
			}
			if !closed {
				if end != len(src) && src[end] != '\n' {
					t.Fatalf("StringEnd(%q) stopped at %d on %q, want the end or a newline", src, end, src[end])
				}
				continue
			}
			// The closing quote ends the literal and is not escaped.
			closer := src[:1]
			if len(src) >= 3 && src[:3] == strings.Repeat(closer, 3) {
				closer = src[:3]
			}
			if end < 2*len(closer) || src[end-len(closer):end] != closer {
				t.Fatalf("StringEnd(%q) = %d: the literal does not end with %s", src, end, closer)
			}
			n := 0
			for j := end - len(closer) - 1; j >= len(closer) && src[j] == '\\'; j-- {
				n++
			}
			if n%2 == 1 {
				t.Fatalf("StringEnd(%q) = %d: the closing quote is escaped", src, end)
			}
		}
	})
}
