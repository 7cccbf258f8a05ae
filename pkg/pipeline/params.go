package pipeline

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kubeflow-kale/kale/pkg/diag"
	"github.com/kubeflow-kale/kale/pkg/pyana"
)

// parseParameters reads the pipeline-parameters cells, as
// docs/kale-compatibility.md#parameters describes: every
// statement must assign one literal int, float, str or bool to one name.
// Unlike Kale, negative numbers are accepted. A re-assigned name keeps its
// first position and takes the last value.
func parseParameters(nbName string, cells []sourceCell, diags *diag.List) []Parameter {
	var params []Parameter
	index := map[string]int{}
	for _, c := range cells {
		for _, st := range splitStatements(c.Source) {
			p, err := parseAssignment(st.text)
			if err != nil {
				diags.Add(diag.Diagnostic{Severity: diag.Error, Notebook: nbName, Cell: c.Cell, Line: st.line,
					Tag: "pipeline-parameters", Message: fmt.Sprintf("pipeline-parameters: %v", err)})
				continue
			}
			if i, ok := index[p.Name]; ok {
				params[i] = p
				continue
			}
			index[p.Name] = len(params)
			params = append(params, p)
		}
	}
	return params
}

type statement struct {
	text string
	line int
}

// splitStatements splits Python source into top-level statements on
// newlines and semicolons outside strings and brackets, dropping comments
// and blank lines.
func splitStatements(src string) []statement {
	var out []statement
	var cur strings.Builder
	line, start := 1, 1
	depth := 0
	flush := func() {
		if t := strings.TrimSpace(cur.String()); t != "" {
			out = append(out, statement{text: t, line: start})
		}
		cur.Reset()
	}
	for i := 0; i < len(src); {
		ch := src[i]
		if strings.TrimSpace(cur.String()) == "" {
			start = line
		}
		switch {
		case ch == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			continue
		case ch == '\'' || ch == '"':
			end, _ := pyana.StringEnd(src, i)
			line += strings.Count(src[i:end], "\n")
			cur.WriteString(src[i:end])
			i = end
			continue
		case ch == '\\' && i+1 < len(src) && src[i+1] == '\n':
			line++
			cur.WriteByte(' ')
			i += 2
			continue
		case ch == '(' || ch == '[' || ch == '{':
			depth++
		case ch == ')' || ch == ']' || ch == '}':
			if depth > 0 {
				depth--
			}
		case ch == '\n':
			line++
			if depth == 0 {
				flush()
				i++
				continue
			}
		case ch == ';' && depth == 0:
			flush()
			i++
			continue
		}
		cur.WriteByte(ch)
		i++
	}
	flush()
	return out
}

// parseAssignment parses `NAME = LITERAL`.
func parseAssignment(st string) (Parameter, error) {
	name, rest := leadingIdent(st)
	rest = strings.TrimSpace(rest)
	if name == "" || !strings.HasPrefix(rest, "=") || strings.HasPrefix(rest, "==") {
		if name != "" && (strings.HasPrefix(rest, ",") || strings.HasPrefix(rest, ":")) {
			if strings.HasPrefix(rest, ",") {
				return Parameter{}, fmt.Errorf("%q: must provide single variable assignments (one name per line)", st)
			}
		}
		return Parameter{}, fmt.Errorf("%q: must provide just primitive types assignments (NAME = value)", truncateStr(st, 60))
	}
	if isKeyword(name) {
		return Parameter{}, fmt.Errorf("%q: %s is a Python keyword", truncateStr(st, 60), name)
	}
	value := strings.TrimSpace(rest[1:])
	if n2, rest2 := leadingIdent(value); n2 != "" && strings.HasPrefix(strings.TrimSpace(rest2), "=") && !strings.HasPrefix(strings.TrimSpace(rest2), "==") {
		return Parameter{}, fmt.Errorf("%q: must provide single variable assignments (one name per line)", truncateStr(st, 60))
	}
	typ, v, err := parseLiteral(value)
	if err != nil {
		return Parameter{}, fmt.Errorf("%s = %s: %v", name, truncateStr(value, 40), err)
	}
	return Parameter{Name: name, Type: typ, Default: v}, nil
}

func leadingIdent(s string) (string, string) {
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == '_' || unicode.IsLetter(r) || (i > 0 && unicode.IsDigit(r)) {
			i += size
			continue
		}
		break
	}
	return s[:i], s[i:]
}

const literalHelp = "parameters must be int, float, str or bool literals (e.g. 10, -0.1, 'adam', True)"

// parseLiteral parses a Python int, float, str or bool literal, with an
// optional sign for numbers.
func parseLiteral(s string) (ParamType, any, error) {
	switch s {
	case "True":
		return Bool, true, nil
	case "False":
		return Bool, false, nil
	case "None":
		return "", nil, fmt.Errorf("None is not supported in pipeline parameters; %s", literalHelp)
	case "":
		return "", nil, fmt.Errorf("missing value; %s", literalHelp)
	}
	if c := s[0]; c == '\'' || c == '"' || (strings.ContainsRune("rRuUbBfF", rune(c)) && len(s) > 1) {
		if str, ok, err := parseStringLiteral(s); ok {
			return Str, str, err
		}
	}
	num := s
	neg := false
	for len(num) > 0 && (num[0] == '-' || num[0] == '+') {
		if num[0] == '-' {
			neg = !neg
		}
		num = strings.TrimSpace(num[1:])
	}
	if num == "" || !(num[0] >= '0' && num[0] <= '9' || num[0] == '.') {
		return "", nil, fmt.Errorf("not a literal: %s", literalHelp)
	}
	clean := strings.ReplaceAll(num, "_", "")
	switch {
	case isPrefixedInt(clean):
		i, err := strconv.ParseInt(clean, 0, 64)
		if err != nil {
			return "", nil, fmt.Errorf("%s is not a valid 64-bit integer", num)
		}
		if neg {
			i = -i
		}
		return Int, i, nil
	case strings.Trim(clean, "0123456789") == "":
		if len(clean) > 1 && clean[0] == '0' && strings.Trim(clean, "0") != "" {
			return "", nil, fmt.Errorf("leading zeros in decimal integer literals are not permitted in Python")
		}
		i, err := strconv.ParseInt(clean, 10, 64)
		if err != nil {
			return "", nil, fmt.Errorf("integer %s is out of range", num)
		}
		if neg {
			i = -i
		}
		return Int, i, nil
	case floatRx.MatchString(clean):
		f, err := strconv.ParseFloat(clean, 64)
		if err != nil || math.IsInf(f, 0) {
			return "", nil, fmt.Errorf("float %s is out of range", num)
		}
		if neg {
			f = -f
		}
		return Float, f, nil
	}
	return "", nil, fmt.Errorf("not a literal: %s", literalHelp)
}

var floatRx = regexp.MustCompile(`^(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)(?:[eE][-+]?[0-9]+)?$`)

func isPrefixedInt(s string) bool {
	if len(s) < 2 || s[0] != '0' {
		return false
	}
	switch s[1] {
	case 'x', 'X', 'o', 'O', 'b', 'B':
		return true
	}
	return false
}

// parseStringLiteral parses one Python string literal (or implicitly
// concatenated literals). ok is false when s does not start a string.
func parseStringLiteral(s string) (string, bool, error) {
	var out strings.Builder
	rest := s
	first := true
	for {
		rest = strings.TrimSpace(rest)
		if rest == "" {
			break
		}
		prefix := 0
		for prefix < len(rest) && prefix < 2 && strings.ContainsRune("rRuUbBfF", rune(rest[prefix])) {
			prefix++
		}
		if prefix >= len(rest) || (rest[prefix] != '\'' && rest[prefix] != '"') {
			if first {
				return "", false, nil
			}
			return "", true, fmt.Errorf("not a literal: %s", literalHelp)
		}
		first = false
		pfx := strings.ToLower(rest[:prefix])
		if strings.Contains(pfx, "b") {
			return "", true, fmt.Errorf("bytes literals are not supported; %s", literalHelp)
		}
		if strings.Contains(pfx, "f") {
			return "", true, fmt.Errorf("f-strings are not literals; %s", literalHelp)
		}
		end, closed := pyana.StringEnd(rest, prefix)
		if !closed {
			return "", true, fmt.Errorf("unterminated string literal")
		}
		body := rest[prefix:end]
		if q := body[:1]; len(body) >= 6 && strings.HasPrefix(body, q+q+q) {
			body = body[3 : len(body)-3]
		} else {
			body = body[1 : len(body)-1]
		}
		if strings.Contains(pfx, "r") {
			out.WriteString(body)
		} else {
			u, err := unescapePython(body)
			if err != nil {
				return "", true, err
			}
			out.WriteString(u)
		}
		rest = rest[end:]
	}
	return out.String(), true, nil
}

// unescapePython resolves the escape sequences of a Python str literal.
func unescapePython(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch e := s[i]; e {
		case '\n':
		case '\\', '\'', '"':
			b.WriteByte(e)
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'v':
			b.WriteByte('\v')
		case 'x', 'u', 'U':
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
			if i+1+n > len(s) {
				return "", fmt.Errorf(`truncated \%c escape`, e)
			}
			v, err := strconv.ParseUint(s[i+1:i+1+n], 16, 32)
			if err != nil || v > unicode.MaxRune {
				return "", fmt.Errorf(`invalid \%c escape`, e)
			}
			b.WriteRune(rune(v))
			i += n
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
				j++
			}
			v, _ := strconv.ParseUint(s[i:j], 8, 32)
			b.WriteRune(rune(v))
			i = j - 1
		default:
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return b.String(), nil
}

var pyKeywords = map[string]bool{
	"False": true, "None": true, "True": true, "and": true, "as": true, "assert": true, "async": true,
	"await": true, "break": true, "class": true, "continue": true, "def": true, "del": true, "elif": true,
	"else": true, "except": true, "finally": true, "for": true, "from": true, "global": true, "if": true,
	"import": true, "in": true, "is": true, "lambda": true, "nonlocal": true, "not": true, "or": true,
	"pass": true, "raise": true, "return": true, "try": true, "while": true, "with": true, "yield": true,
}

func isKeyword(s string) bool { return pyKeywords[s] }

func truncateStr(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
