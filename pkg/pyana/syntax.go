package pyana

import (
	"fmt"
	"strings"
)

// SyntaxError is Python code that does not parse. Line and Column are
// 1-based and refer to the source given to Analyze; Text is that line.
type SyntaxError struct {
	Line, Column int
	Text         string
	Message      string
}

func (e *SyntaxError) Error() string {
	text := strings.TrimSpace(e.Text)
	if len(text) > 80 {
		text = strings.ToValidUTF8(text[:77], "") + "..."
	}
	if text == "" {
		return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Message)
	}
	return fmt.Sprintf("line %d, column %d: %s: %s", e.Line, e.Column, e.Message, text)
}

// hardKeywords can never be names; tree-sitter's error recovery sometimes
// reads them as identifiers (`else:` alone becomes an annotation).
var hardKeywords = map[string]bool{
	"False": true, "None": true, "True": true, "and": true, "as": true, "assert": true,
	"async": true, "await": true, "break": true, "class": true, "continue": true, "def": true,
	"del": true, "elif": true, "else": true, "except": true, "finally": true, "for": true,
	"from": true, "global": true, "if": true, "import": true, "in": true, "is": true,
	"lambda": true, "nonlocal": true, "not": true, "or": true, "pass": true, "raise": true,
	"return": true, "try": true, "while": true, "with": true, "yield": true,
}

// findSyntaxError returns the first syntax error in the tree, or nil.
// Besides tree-sitter's ERROR and MISSING nodes it rejects keywords used as
// names and the Python 2 forms the grammar still accepts (print and exec
// statements, `<>`).
func findSyntaxError(p *parsed, lines []string) *SyntaxError {
	n, col, msg := firstError(p, p.root)
	if n == nil {
		return nil
	}
	return &SyntaxError{Line: n.line + 1, Column: col + 1, Message: msg, Text: lineAt(lines, n.line)}
}

// firstError returns the node where the first error is reported, the
// 0-based column to report, and the message.
func firstError(p *parsed, n *node) (*node, int, string) {
	switch {
	case n.missing:
		what := "'" + n.kind + "'"
		if n.named {
			what = strings.ReplaceAll(n.kind, "_", " ")
		}
		return n, n.col, "invalid syntax: expected " + what
	case n.isError:
		return errorAt(p, n)
	case n.kind == "identifier" && hardKeywords[p.text(n)]:
		return n, n.col, "invalid syntax"
	case n.kind == "print_statement":
		return n, n.col, "Missing parentheses in call to 'print'. Did you mean print(...)?"
	case n.kind == "exec_statement":
		return n, n.col, "Missing parentheses in call to 'exec'. Did you mean exec(...)?"
	case n.kind == "<>" && !n.named:
		return n, n.col, "invalid syntax: '<>' is Python 2; use '!='"
	}
	for _, c := range n.children {
		if e, col, msg := firstError(p, c); e != nil {
			return e, col, msg
		}
	}
	return nil, 0, ""
}

// errorAt places an ERROR node the way CPython's parser would: at the first
// token after the node when it is on the same line (the token that did not
// fit), else just after the node's last token on its first line (where the
// statement stopped short).
func errorAt(p *parsed, e *node) (*node, int, string) {
	for _, c := range e.children {
		if c.missing {
			return firstError(p, c)
		}
	}
	var leaves []*node
	collectLeaves(p.root, &leaves)
	first, last := -1, -1
	for i, l := range leaves {
		if l.start >= e.start && l.end <= e.end && l.end > l.start {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return e, e.col, "invalid syntax"
	}
	// The node's last token on its first line.
	lastOnLine := first
	for i := first; i <= last && leaves[i].line == leaves[first].line; i++ {
		lastOnLine = i
	}
	// Skipped punctuation or keywords followed by more code are themselves
	// the culprit.
	allTokens := true
	for i := first; i <= last; i++ {
		if leaves[i].named {
			allTokens = false
			break
		}
	}
	if allTokens && last+1 < len(leaves) && leaves[last+1].line == leaves[last].line {
		l := leaves[first]
		return l, l.col, fmt.Sprintf("invalid syntax near %s", quoteToken(p.text(l)))
	}
	if lastOnLine == last && last+1 < len(leaves) && leaves[last+1].line == leaves[last].line {
		next := leaves[last+1]
		return next, next.col, fmt.Sprintf("invalid syntax near %s", quoteToken(p.text(next)))
	}
	l := leaves[lastOnLine]
	endCol := l.endCol
	if l.endLine != l.line {
		endCol = l.col + (l.end - l.start)
	}
	return l, endCol, fmt.Sprintf("invalid syntax after %s", quoteToken(p.text(l)))
}

func collectLeaves(n *node, out *[]*node) {
	if len(n.children) == 0 {
		if n.end > n.start && n.kind != "comment" {
			*out = append(*out, n)
		}
		return
	}
	for _, c := range n.children {
		collectLeaves(c, out)
	}
}

func quoteToken(tok string) string {
	tok = strings.TrimSpace(tok)
	if i := strings.IndexByte(tok, '\n'); i >= 0 {
		tok = tok[:i] + "..."
	}
	if len(tok) > 20 {
		tok = tok[:20] + "..."
	}
	return "'" + tok + "'"
}
