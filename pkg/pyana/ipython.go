package pyana

import (
	"regexp"
	"strings"
)

// IPython syntax is not Python: before parsing, every line that holds it is
// replaced so that the line count and the indentation of the surrounding code
// stay as they were. A replaced line becomes `pass` at the line's own
// indentation (so an indented block that held only a magic stays valid), or
// an expression that keeps what the line means for the analysis:
//
//	!pip install {pkg}      ->  (pkg,)        IPython expands {pkg} from Python
//	files = !ls             ->  files = ...   the line binds files
//	%time fit(x)            ->  pass ;fit(x)  %time/%timeit run Python code
//	%%capture out           ->  out = ...     the cell binds out
//	%%bash (cell magic)     ->  every line of the cell blanked
//
// Only lines where a Python statement could start are considered: lines
// inside a triple-quoted string, inside brackets or after a backslash
// continuation are left alone.

var (
	// x = !cmd, a, b = %magic: IPython's assignment forms (lhs may be dotted).
	assignMagicRe = regexp.MustCompile(`^(\s*)([A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*)\s*=\s*([!%])`)
	// obj?, obj??, ?obj, ??obj, np.*load*? (help and wildcard search).
	helpSuffixRe = regexp.MustCompile(`^\s*[\w.*\[\]()'"%]+\?\??\s*$`)
	helpPrefixRe = regexp.MustCompile(`^\s*\?\??[\w.*%]+\s*$`)
	// {name} or {name.attr} in a magic or shell line, not ${...}.
	expandRe = regexp.MustCompile(`(^|[^$\\{]){([A-Za-z_]\w*)(?:\.[A-Za-z_]\w*)*}`)
	// %time expr / %timeit expr without options: the rest is Python code.
	timeMagicRe = regexp.MustCompile(`^(\s*)%(time|timeit|prun)\s+([^-\s].*)$`)
	cellMagicRe = regexp.MustCompile(`^\s*%%\s*([\w.-]*)`)
	identRe     = regexp.MustCompile(`^[A-Za-z_]\w*$`)
)

// pythonBodyCellMagics run their cell body as Python in the user namespace,
// so the body stays in the analysis; every other cell magic (%%bash,
// %%writefile, %%html, ...) has a body in another language and is blanked.
var pythonBodyCellMagics = map[string]bool{
	"time": true, "timeit": true, "capture": true, "prun": true, "debug": true,
}

// blankIPython returns src with IPython syntax replaced, and the 1-based lines
// it replaced. cellStarts holds the 0-based line where each cell begins (the
// body of a non-Python cell magic runs to the next cell start, or to the end
// of src); nil means src is a single cell.
func blankIPython(src string, cellStarts []int) (string, []int) {
	if !strings.ContainsAny(src, "%!?") {
		return src, nil
	}
	lines := strings.Split(src, "\n")
	var sc lineScanner
	var changed []int
	isCellStart := func(i int) bool {
		if cellStarts == nil {
			return i == 0
		}
		for _, s := range cellStarts {
			if s == i {
				return true
			}
		}
		return false
	}
	blankTo := -1 // lines <= blankTo are inside a non-Python cell magic body
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if i <= blankTo {
			if isCellStart(i) {
				blankTo = -1
			} else {
				if strings.TrimSpace(line) != "" {
					lines[i] = ""
					changed = append(changed, i+1)
				}
				continue
			}
		}
		atStmt := sc.atStatementStart()
		if !atStmt {
			sc.scan(line)
			continue
		}
		repl, kind := replaceIPythonLine(line)
		if kind == notIPython {
			sc.scan(line)
			continue
		}
		lines[i] = repl
		changed = append(changed, i+1)
		if kind == cellMagic {
			m := cellMagicRe.FindStringSubmatch(line)
			if !pythonBodyCellMagics[m[1]] {
				blankTo = len(lines) - 1
				for j := i + 1; j < len(lines); j++ {
					if cellStarts != nil && isCellStart(j) {
						blankTo = j - 1
						break
					}
				}
			}
		}
		// A magic line may continue over several lines with a trailing backslash.
		for strings.HasSuffix(strings.TrimRight(line, " \t\r"), `\`) && i+1 < len(lines) {
			i++
			line = lines[i]
			lines[i] = ""
			changed = append(changed, i+1)
		}
	}
	return strings.Join(lines, "\n"), changed
}

type ipythonKind int

const (
	notIPython ipythonKind = iota
	lineMagic
	cellMagic
)

// replaceIPythonLine returns the Python stand-in for one line that starts a
// statement, or notIPython.
func replaceIPythonLine(line string) (string, ipythonKind) {
	trimmed := strings.TrimLeft(line, " \t")
	indent := line[:len(line)-len(trimmed)]
	switch {
	case trimmed == "":
		return "", notIPython
	case strings.HasPrefix(trimmed, "%%"):
		// %%capture [options] name binds name to the captured output.
		if f := strings.Fields(trimmed); f[0] == "%%capture" {
			for _, arg := range f[1:] {
				if !strings.HasPrefix(arg, "-") && identRe.MatchString(arg) {
					return indent + arg + " = ...", cellMagic
				}
			}
		}
		return indent + "pass", cellMagic
	case strings.HasPrefix(trimmed, "%"):
		if m := timeMagicRe.FindStringSubmatch(line); m != nil {
			return m[1] + "pass ;" + m[3], lineMagic
		}
		return indent + expansionStandIn(trimmed), lineMagic
	case strings.HasPrefix(trimmed, "!"):
		return indent + expansionStandIn(trimmed), lineMagic
	}
	if m := assignMagicRe.FindStringSubmatch(line); m != nil {
		rest := line[len(m[0]):]
		if names := expandedNames(rest); len(names) > 0 {
			return m[1] + m[2] + " = (" + strings.Join(names, ", ") + ",)", lineMagic
		}
		return m[1] + m[2] + " = ...", lineMagic
	}
	if strings.HasSuffix(strings.TrimRight(trimmed, " \t\r"), "?") && helpSuffixRe.MatchString(line) ||
		strings.HasPrefix(trimmed, "?") && helpPrefixRe.MatchString(line) {
		return indent + "pass", lineMagic
	}
	return "", notIPython
}

// expansionStandIn is `pass`, or a tuple of the Python names the line expands
// with {name}, so that they count as reads.
func expansionStandIn(s string) string {
	names := expandedNames(s)
	if len(names) == 0 {
		return "pass"
	}
	return "(" + strings.Join(names, ", ") + ",)"
}

func expandedNames(s string) []string {
	var names []string
	for _, m := range expandRe.FindAllStringSubmatch(s, -1) {
		names = append(names, m[2])
	}
	return names
}

// lineScanner follows Python's lexical state across lines: open brackets, an
// open triple-quoted string, or a backslash continuation mean the next line
// does not start a statement.
type lineScanner struct {
	depth    int
	triple   string // the open triple quote, `"""` or `'''`, or ""
	contLine bool
}

func (s *lineScanner) atStatementStart() bool {
	return s.depth == 0 && s.triple == "" && !s.contLine
}

// scan updates the state with one line of Python.
func (s *lineScanner) scan(line string) {
	s.contLine = false
	i := 0
	if s.triple != "" {
		end := closingTriple(line, 0, s.triple)
		if end < 0 {
			return
		}
		s.triple = ""
		i = end
	}
	for i < len(line) {
		c := line[i]
		switch c {
		case '#':
			return
		case '\\':
			if strings.TrimRight(line[i+1:], " \t\r") == "" {
				s.contLine = true
				return
			}
			i += 2
			continue
		case '(', '[', '{':
			s.depth++
		case ')', ']', '}':
			if s.depth > 0 {
				s.depth--
			}
		case '"', '\'':
			q := string(c)
			if strings.HasPrefix(line[i:], q+q+q) {
				tq := q + q + q
				end := closingTriple(line, i+3, tq)
				if end < 0 {
					s.triple = tq
					return
				}
				i = end
				continue
			}
			i = closingQuote(line, i+1, c)
			if i < 0 {
				// Unterminated: continued with a backslash, or an error
				// the parser will report.
				s.contLine = strings.HasSuffix(strings.TrimRight(line, " \t\r"), `\`)
				return
			}
			continue
		}
		i++
	}
}
