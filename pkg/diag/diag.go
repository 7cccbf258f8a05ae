// Package diag holds the positioned errors and warnings that every stage of
// the compiler reports. A Diagnostic names the notebook, the cell and, where
// known, the line in that cell and the tag or name at fault, so a user can go
// straight to the problem. Stages collect all diagnostics in one pass instead
// of stopping at the first, as go vet does.
package diag

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Severity tells whether a Diagnostic stops compilation.
type Severity int

const (
	// Warning is reported but does not fail compilation.
	Warning Severity = iota
	// Error fails compilation.
	Error
)

func (s Severity) String() string {
	if s == Error {
		return "error"
	}
	return "warning"
}

// NoCell marks a diagnostic about the notebook as a whole.
const NoCell = -1

// Diagnostic is one positioned message.
type Diagnostic struct {
	Severity Severity
	// Notebook is the path or name the user gave for the notebook.
	Notebook string
	// Cell is the 1-based number of the cell among all cells of the
	// notebook, markdown and raw cells included, as Jupyter, ruff and nbQA
	// count them; NoCell (or 0) for the notebook as a whole.
	Cell int
	// Line is the 1-based line inside the cell, or 0 when unknown.
	Line int
	// Tag is the tag or name at fault, when there is one.
	Tag string
	// Message says what is wrong and, where known, what to do.
	Message string
}

// Error formats the diagnostic as `NOTEBOOK: cell N: line L: message`, leaving
// out the parts that are unknown.
func (d Diagnostic) Error() string {
	var b strings.Builder
	if d.Notebook != "" {
		b.WriteString(d.Notebook)
		b.WriteString(": ")
	}
	if d.Cell > 0 {
		fmt.Fprintf(&b, "cell %d: ", d.Cell)
		if d.Line > 0 {
			fmt.Fprintf(&b, "line %d: ", d.Line)
		}
	}
	b.WriteString(d.Message)
	return b.String()
}

// String is Error; warnings print the same way.
func (d Diagnostic) String() string { return d.Error() }

// List is an ordered collection of diagnostics. As an error it reports every
// Error-severity entry, one per line.
type List []Diagnostic

// Add appends d.
func (l *List) Add(d Diagnostic) { *l = append(*l, d) }

// Errorf appends an error at cell.
func (l *List) Errorf(notebook string, cell, line int, format string, args ...any) {
	l.Add(Diagnostic{Severity: Error, Notebook: notebook, Cell: cell, Line: line, Message: fmt.Sprintf(format, args...)})
}

// Warnf appends a warning at cell.
func (l *List) Warnf(notebook string, cell, line int, format string, args ...any) {
	l.Add(Diagnostic{Severity: Warning, Notebook: notebook, Cell: cell, Line: line, Message: fmt.Sprintf(format, args...)})
}

// Errors returns the Error-severity entries.
func (l List) Errors() List { return l.filter(Error) }

// Warnings returns the Warning-severity entries.
func (l List) Warnings() List { return l.filter(Warning) }

func (l List) filter(s Severity) List {
	var out List
	for _, d := range l {
		if d.Severity == s {
			out = append(out, d)
		}
	}
	return out
}

// HasErrors reports whether any entry is an Error.
func (l List) HasErrors() bool {
	for _, d := range l {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Err returns the list's errors as an error, or nil when there are none.
func (l List) Err() error {
	errs := l.Errors()
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// Error joins every entry, one per line.
func (l List) Error() string {
	lines := make([]string, len(l))
	for i, d := range l {
		lines[i] = d.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap exposes the entries to errors.As and errors.Is.
func (l List) Unwrap() []error {
	out := make([]error, len(l))
	for i, d := range l {
		out[i] = d
	}
	return out
}

// Sort orders diagnostics by cell, then line, keeping insertion order for
// ties, so output is deterministic.
func (l List) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		if l[i].Cell != l[j].Cell {
			return l[i].Cell < l[j].Cell
		}
		return l[i].Line < l[j].Line
	})
}

// AsList extracts the diagnostics carried by err: a List, a single
// Diagnostic, or none.
func AsList(err error) (List, bool) {
	var l List
	if errors.As(err, &l) {
		return l, true
	}
	var d Diagnostic
	if errors.As(err, &d) {
		return List{d}, true
	}
	return nil, false
}
