package pipeline

import (
	"errors"
	"fmt"

	"github.com/kubeflow-kale/kale/pkg/diag"
	"github.com/kubeflow-kale/kale/pkg/pyana"
)

// analyzeBlocks analyses code blocks joined the way they run in a step. A
// syntax error is reported at its cell and line in diags (when diags is
// not nil) and ok is false.
func analyzeBlocks(nbName string, blocks []CodeBlock, diags *diag.List) (a *analysis, ok bool) {
	cells := make([]string, len(blocks))
	for i, b := range blocks {
		cells[i] = b.Source
	}
	r, err := pyana.AnalyzeCells(cells)
	if err != nil {
		if diags == nil {
			return nil, false
		}
		var se *pyana.SyntaxError
		if errors.As(err, &se) && len(blocks) > 0 {
			i, line := pyana.CellLine(cells, se.Line)
			cell := diag.NoCell
			if i >= 0 {
				cell = blocks[i].Cell
			}
			msg := fmt.Sprintf("syntax error: %s", se.Message)
			if se.Text != "" {
				msg += fmt.Sprintf(" (column %d: %s)", se.Column, truncateStr(se.Text, 80))
			}
			diags.Add(diag.Diagnostic{Severity: diag.Error, Notebook: nbName, Cell: cell, Line: line, Message: msg})
			return nil, false
		}
		diags.Add(diag.Diagnostic{Severity: diag.Error, Notebook: nbName, Cell: firstCell(blocks), Message: err.Error()})
		return nil, false
	}
	return fromPyana(r), true
}

func firstCell(blocks []CodeBlock) int {
	if len(blocks) == 0 {
		return diag.NoCell
	}
	return blocks[0].Cell
}

func fromPyana(r *pyana.Result) *analysis {
	a := &analysis{
		undefined:     r.Undefined,
		undefinedLine: r.UndefinedAt,
		mentioned:     make(map[string]bool, len(r.Mentioned)),
		defined:       make(map[string]bool, len(r.Defined)+len(r.Imported)),
		freeVars:      make(map[string][]string, len(r.Functions)),
		calls:         r.Calls,
		lastExpr:      r.LastExpressionName,
		starImports:   len(r.StarImports) > 0,
	}
	for _, n := range r.Mentioned {
		a.mentioned[n] = true
	}
	for _, n := range r.Defined {
		a.defined[n] = true
	}
	for _, n := range r.Imported {
		a.defined[n] = true
	}
	// Kale keeps the last definition of a function name.
	for _, f := range r.Functions {
		a.freeVars[f.Name] = f.FreeVars
	}
	return a
}
