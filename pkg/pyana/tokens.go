package pyana

import (
	"fmt"
	"strings"
)

// checkTokens finds the errors CPython's tokenizer reports and tree-sitter
// tolerates or reports vaguely: indentation (unexpected indent, a missing
// indented block, a dedent to no outer level), unterminated strings,
// unmatched or unclosed brackets, and a compound statement header without
// its colon. lines is the source after IPython blanking.
func checkTokens(lines []string) *SyntaxError {
	t := tokenChecker{lines: lines, indents: []int{0}}
	for i, line := range lines {
		if err := t.line(i, line); err != nil {
			return err
		}
	}
	return t.eof()
}

// maxBrackets is CPython's tokenizer limit on open brackets (MAXLEVEL).
const maxBrackets = 200

type bracket struct {
	ch        byte
	line, col int
}

type tokenChecker struct {
	lines   []string
	indents []int
	stack   []bracket

	// An open string that continues on the next line.
	triple            string // `"""` or `'''`
	single            byte   // a single-quoted string continued with a backslash
	strLine, strCol   int
	cont              bool // backslash continuation outside strings
	inLogical         bool // inside a logical line that started earlier
	headerKeyword     string
	headerLine        int
	sawColon          bool // a ':' at bracket depth 0 in this logical line
	lastLine, lastEnd int  // end of the last significant token
	lastChar          byte
	expectIndent      bool
	expectAfter       int // 0-based line of the header that wants a block
}

// compoundKeywords start statements whose header ends with ':'.
var compoundKeywords = map[string]bool{
	"if": true, "elif": true, "else": true, "for": true, "while": true, "def": true,
	"class": true, "with": true, "try": true, "except": true, "finally": true,
}

func (t *tokenChecker) errAt(line, col int, msg string) *SyntaxError {
	text := ""
	if line >= 0 && line < len(t.lines) {
		text = t.lines[line]
	}
	return &SyntaxError{Line: line + 1, Column: col + 1, Text: text, Message: msg}
}

func indentWidth(line string) (width, bytes int) {
	for bytes < len(line) {
		switch line[bytes] {
		case ' ':
			width++
		case '\t':
			width = (width/8 + 1) * 8
		case '\f':
			width = 0
		default:
			return width, bytes
		}
		bytes++
	}
	return width, bytes
}

func (t *tokenChecker) line(i int, line string) *SyntaxError {
	line = strings.TrimRight(line, "\r")
	pos := 0
	switch {
	case t.triple != "":
		end := closingTriple(line, 0, t.triple)
		if end < 0 {
			return nil
		}
		t.triple = ""
		pos = end
		t.lastLine, t.lastEnd, t.lastChar = i, end, '"'
	case t.single != 0:
		end := closingQuote(line, 0, t.single)
		if end < 0 {
			if strings.HasSuffix(line, `\`) {
				return nil
			}
			return t.errAt(t.strLine, t.strCol, fmt.Sprintf("unterminated string literal (detected at line %d)", i+1))
		}
		t.single = 0
		pos = end
		t.lastLine, t.lastEnd, t.lastChar = i, end, '"'
	case !t.inLogical && len(t.stack) == 0 && !t.cont:
		width, ib := indentWidth(line)
		rest := line[ib:]
		if rest == "" || rest[0] == '#' {
			return nil // blank and comment lines do not count for indentation
		}
		top := t.indents[len(t.indents)-1]
		switch {
		case t.expectIndent:
			if width <= top {
				return t.errAt(i, ib, fmt.Sprintf("expected an indented block after line %d", t.expectAfter+1))
			}
			t.indents = append(t.indents, width)
			t.expectIndent = false
		case width > top:
			return t.errAt(i, ib, "unexpected indent")
		case width < top:
			for len(t.indents) > 1 && t.indents[len(t.indents)-1] > width {
				t.indents = t.indents[:len(t.indents)-1]
			}
			if t.indents[len(t.indents)-1] != width {
				return t.errAt(i, ib, "unindent does not match any outer indentation level")
			}
		}
		t.inLogical = true
		t.sawColon = false
		t.headerKeyword = ""
		t.headerLine = i
		word := leadingWord(rest)
		if compoundKeywords[word] || word == "async" {
			t.headerKeyword = word
		}
		pos = ib
	}
	t.cont = false
	for pos < len(line) {
		c := line[pos]
		switch c {
		case ' ', '\t', '\f':
			pos++
			continue
		case '#':
			pos = len(line)
			continue
		case '\\':
			if pos == len(line)-1 {
				t.cont = true
				pos++
				continue
			}
		case '(', '[', '{':
			if len(t.stack) >= maxBrackets {
				return t.errAt(i, pos, "too many nested parentheses")
			}
			t.stack = append(t.stack, bracket{c, i, pos})
		case ')', ']', '}':
			if len(t.stack) == 0 {
				return t.errAt(i, pos, fmt.Sprintf("unmatched '%c'", c))
			}
			open := t.stack[len(t.stack)-1]
			if closerOf(open.ch) != c {
				msg := fmt.Sprintf("closing parenthesis '%c' does not match opening parenthesis '%c'", c, open.ch)
				if open.line != i {
					msg += fmt.Sprintf(" on line %d", open.line+1)
				}
				return t.errAt(i, pos, msg)
			}
			t.stack = t.stack[:len(t.stack)-1]
		case ':':
			if len(t.stack) == 0 {
				t.sawColon = true
			}
		case '"', '\'':
			q := line[pos : pos+1]
			if strings.HasPrefix(line[pos:], q+q+q) {
				end := closingTriple(line, pos+3, q+q+q)
				if end < 0 {
					t.triple, t.strLine, t.strCol = q+q+q, i, pos
					return nil
				}
				t.lastLine, t.lastEnd, t.lastChar = i, end, c
				pos = end
				continue
			}
			end := closingQuote(line, pos+1, c)
			if end < 0 {
				if strings.HasSuffix(line, `\`) {
					t.single, t.strLine, t.strCol = c, i, pos
					return nil
				}
				return t.errAt(i, pos, fmt.Sprintf("unterminated string literal (detected at line %d)", i+1))
			}
			t.lastLine, t.lastEnd, t.lastChar = i, end, c
			pos = end
			continue
		}
		t.lastLine, t.lastEnd, t.lastChar = i, pos+1, c
		pos++
	}
	if len(t.stack) > 0 || t.cont {
		return nil
	}
	// The logical line ends here.
	t.inLogical = false
	if t.headerKeyword != "" && !t.sawColon {
		return t.errAt(t.lastLine, t.lastEnd, "expected ':'")
	}
	if t.lastChar == ':' && t.lastLine == i {
		t.expectIndent = true
		t.expectAfter = t.headerLine
	}
	return nil
}

func (t *tokenChecker) eof() *SyntaxError {
	last := len(t.lines) - 1
	for last > 0 && strings.TrimSpace(t.lines[last]) == "" {
		last--
	}
	switch {
	case t.triple != "":
		return t.errAt(t.strLine, t.strCol, fmt.Sprintf("unterminated triple-quoted string literal (detected at line %d)", last+1))
	case t.single != 0:
		return t.errAt(t.strLine, t.strCol, fmt.Sprintf("unterminated string literal (detected at line %d)", last+1))
	case len(t.stack) > 0:
		b := t.stack[0]
		return t.errAt(b.line, b.col, fmt.Sprintf("'%c' was never closed", b.ch))
	case t.expectIndent:
		return t.errAt(last, 0, fmt.Sprintf("expected an indented block after line %d", t.expectAfter+1))
	}
	return nil
}

func closerOf(open byte) byte {
	switch open {
	case '(':
		return ')'
	case '[':
		return ']'
	}
	return '}'
}

func leadingWord(s string) string {
	i := 0
	for i < len(s) && (s[i] == '_' || s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || i > 0 && s[i] >= '0' && s[i] <= '9') {
		i++
	}
	return s[:i]
}
