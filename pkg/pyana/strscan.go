package pyana

// This file is the one scanner of Python string literals that the
// tokenizer checks (tokens.go), the IPython line scanner (ipython.go) and
// the pipeline parameters reader (pipeline/params.go) share. A string
// prefix (r, b, f, u and their mixes) is an identifier to a scanner that
// starts at the quote, and needs nothing: even in a raw string a backslash
// keeps the next character from closing the literal.

// StringEnd scans the Python string literal whose opening quote (double or
// single, triple when three in a row) is src[i]. It returns the index just
// past the closing quote and true; for a literal src does not close, it
// returns where the literal stops and false: the newline that ends an
// unterminated single-quoted literal (a backslash before the newline
// continues it), or the end of src.
func StringEnd(src string, i int) (end int, closed bool) {
	q := src[i]
	if i+2 < len(src) && src[i+1] == q && src[i+2] == q {
		return closeQuote(src, i+3, q, true)
	}
	return closeQuote(src, i+1, q, false)
}

// closeQuote finds the quote q (three of them when triple) that closes a
// literal whose body starts at s[i], skipping backslash escapes.
func closeQuote(s string, i int, q byte, triple bool) (end int, closed bool) {
	for i < len(s) {
		switch c := s[i]; {
		case c == '\\':
			i += 2
			continue
		case c == q && !triple:
			return i + 1, true
		case c == q && i+2 < len(s) && s[i+1] == q && s[i+2] == q:
			return i + 3, true
		case c == '\n' && !triple:
			return i, false
		}
		i++
	}
	return len(s), false
}

// closingTriple returns the index just past the triple quote tq that closes a
// string in line from index i, or -1.
func closingTriple(line string, i int, tq string) int {
	if end, ok := closeQuote(line, i, tq[0], true); ok {
		return end
	}
	return -1
}

// closingQuote returns the index just past the quote q that closes a
// single-quoted string in line from index i, or -1.
func closingQuote(line string, i int, q byte) int {
	if end, ok := closeQuote(line, i, q, false); ok {
		return end
	}
	return -1
}
