package termtext

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitize(t *testing.T) {
	tests := []struct {
		name, in, want, wantLine string
	}{
		{"printable text passes", "train-2024 ✓ 数据", "train-2024 ✓ 数据", "train-2024 ✓ 数据"},
		{"a real U+FFFD passes", "a\ufffdb", "a\ufffdb", "a\ufffdb"},
		{"newlines and tabs stay in text, fold in a line", "a\nb\tc", "a\nb\tc", "a b c"},
		{"carriage return cannot overwrite a line", "safe\rEVIL", "safeEVIL", "safe EVIL"},
		{"window title (OSC ended by BEL) is removed whole", "run\x1b]0;pwned\x07name", "runname", "runname"},
		{"OSC ended by ST is removed whole", "run\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "runlink", "runlink"},
		{"clear screen (CSI) is removed whole", "\x1b[2J\x1b[Hhello", "hello", "hello"},
		{"colour with parameters is removed", "\x1b[1;31mred\x1b[0m", "red", "red"},
		{"private CSI is removed", "\x1b[?1049hx", "x", "x"},
		{"two-character escapes are removed", "a\x1bcb\x1b7c\x1b(Bd", "abcd", "abcd"},
		{"C1 CSI is removed whole", "a\u009b2Jb", "ab", "ab"},
		{"C1 OSC is removed up to ST", "a\u009d0;t\u009cb", "ab", "ab"},
		{"DCS, SOS, PM and APC strings are removed", "a\x1bPq\x1b\\b\x1bXs\x07c\x1b^p\x07d\x1b_a\x07e", "abcde", "abcde"},
		{"other C0 controls, DEL and C1 are dropped", "a\x00b\x07c\x08d\x7fe\u0085f", "abcdef", "abcdef"},
		{"bidi overrides and isolates are dropped", "a\u202eb\u2066c\u2069d\u202ae", "abcde", "abcde"},
		{"invalid UTF-8 becomes U+FFFD", "a\xffb\xc3", "a\ufffdb\ufffd", "a\ufffdb\ufffd"},
		{"a raw C1 byte is invalid UTF-8, not a control", "a\x9b2Jb", "a\ufffd2Jb", "a\ufffd2Jb"},
		{"an unterminated OSC ends at the newline", "a\x1b]0;title\nnext", "a\nnext", "a next"},
		{"an unterminated sequence ends with the string", "a\x1b]0;title", "a", "a"},
		{"an escape interrupted by a control resumes text", "a\x1b\x07b", "ab", "ab"},
		{"line separators fold in a line", "a\u2028b", "a\u2028b", "a b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sanitize(tt.in); got != tt.want {
				t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got := Line(tt.in); got != tt.wantLine {
				t.Errorf("Line(%q) = %q, want %q", tt.in, got, tt.wantLine)
			}
			// A stream cut anywhere gives what Sanitize gives.
			for cut := range len(tt.in) + 1 {
				var out bytes.Buffer
				w := NewWriter(&out)
				for _, part := range []string{tt.in[:cut], tt.in[cut:]} {
					if n, err := w.Write([]byte(part)); err != nil || n != len(part) {
						t.Fatalf("Write = %d, %v", n, err)
					}
				}
				if err := w.Flush(); err != nil {
					t.Fatal(err)
				}
				if out.String() != tt.want {
					t.Errorf("Writer cut at %d: %q, want %q", cut, out.String(), tt.want)
				}
			}
		})
	}
}

func TestCleanTextIsNotCopied(t *testing.T) {
	s := strings.Repeat("run-name ", 10)
	if n := testing.AllocsPerRun(100, func() { _ = Line(s); _ = Sanitize(s) }); n != 0 {
		t.Errorf("%v allocations for clean text, want 0", n)
	}
}

// unsafe reports a rune that must never reach a terminal.
func unsafe(r rune, line bool) bool {
	if r == '\n' || r == '\t' {
		return line
	}
	return r < 0x20 || r >= 0x7f && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"plain", "a\x1b[2Jb", "\x1b]0;t\x07", "a\u202eb", "\xff\xfe", "x\u009b1m", "a\nb\tc\r"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range []struct {
			name string
			out  string
			line bool
		}{{"Sanitize", Sanitize(s), false}, {"Line", Line(s), true}} {
			if !utf8.ValidString(c.out) {
				t.Fatalf("%s(%q) = %q: invalid UTF-8", c.name, s, c.out)
			}
			for _, r := range c.out {
				if unsafe(r, c.line) {
					t.Fatalf("%s(%q) = %q: contains %U", c.name, s, c.out, r)
				}
			}
		}
		// A stream cut in two gives what Sanitize gives.
		var out bytes.Buffer
		w := NewWriter(&out)
		cut := len(s) / 2
		_, _ = w.Write([]byte(s[:cut]))
		_, _ = w.Write([]byte(s[cut:]))
		_ = w.Flush()
		if out.String() != Sanitize(s) {
			t.Fatalf("Writer(%q) = %q, Sanitize = %q", s, out.String(), Sanitize(s))
		}
		printable := utf8.ValidString(s)
		for _, r := range s {
			printable = printable && !unsafe(r, false) && r != '\r'
		}
		if printable && Sanitize(s) != s {
			t.Fatalf("Sanitize(%q) = %q: printable input changed", s, Sanitize(s))
		}
		if printable && !strings.ContainsAny(s, "\n\t\u2028\u2029") && Line(s) != s {
			t.Fatalf("Line(%q) = %q: printable input changed", s, Line(s))
		}
	})
}
