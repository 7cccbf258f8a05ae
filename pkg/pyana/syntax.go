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
	if text == "" {
		return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Message)
	}
	return fmt.Sprintf("line %d, column %d: %s: %s", e.Line, e.Column, e.Message, text)
}

// findSyntaxError returns the first (in source order) syntax error in the
// tree, or nil. Besides tree-sitter's ERROR and MISSING nodes it rejects the
// Python 2 forms the grammar still accepts (print and exec statements, `<>`).
func findSyntaxError(p *parsed, lines []string) *SyntaxError {
	n, msg := firstError(p, p.root)
	if n == nil {
		return nil
	}
	e := &SyntaxError{Line: n.line + 1, Column: n.col + 1, Message: msg}
	if n.line < len(lines) {
		e.Text = lines[n.line]
	}
	return e
}

func firstError(p *parsed, n *node) (*node, string) {
	switch {
	case n.missing:
		if n.kind == "identifier" || n.named {
			return n, fmt.Sprintf("invalid syntax: expected %s", strings.ReplaceAll(n.kind, "_", " "))
		}
		return n, fmt.Sprintf("invalid syntax: expected '%s'", n.kind)
	case n.isError:
		return errorAt(p, n)
	case n.kind == "print_statement":
		return n, "Missing parentheses in call to 'print'. Did you mean print(...)?"
	case n.kind == "exec_statement":
		return n, "Missing parentheses in call to 'exec'. Did you mean exec(...)?"
	case n.kind == "<>" && !n.named:
		return n, "invalid syntax: '<>' is Python 2; use '!='"
	}
	for _, c := range n.children {
		if e, msg := firstError(p, c); e != nil {
			return e, msg
		}
	}
	return nil, ""
}

// errorAt describes an ERROR node. tree-sitter wraps the tokens it could not
// fit in the node; the first of them is usually where Python's own parser
// stops too.
func errorAt(p *parsed, n *node) (*node, string) {
	// An ERROR may hold well-formed statements before the bad token; report
	// the first leaf that is itself an error, else the node's first token.
	leaf := n
	for len(leaf.children) > 0 {
		next := leaf.children[0]
		for _, c := range leaf.children {
			if c.isError || c.missing {
				next = c
				break
			}
		}
		leaf = next
	}
	if leaf.missing {
		return firstError(p, leaf)
	}
	tok := strings.TrimSpace(p.text(leaf))
	if len(tok) > 20 {
		tok = tok[:20] + "..."
	}
	switch {
	case tok == "":
		return n, "invalid syntax"
	case strings.HasPrefix(tok, `"`) || strings.HasPrefix(tok, `'`):
		return leaf, fmt.Sprintf("invalid syntax near %s", tok)
	}
	return leaf, fmt.Sprintf("invalid syntax near '%s'", tok)
}
