package pipeline

import (
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/kubeflow-kale/kale/pkg/diag"
	"github.com/kubeflow-kale/kale/pkg/pyana"
)

type unitResult struct {
	a     *analysis
	diags diag.List
}

// analyzeAll analyses each unit (a list of blocks joined into one module)
// on up to GOMAXPROCS goroutines; tree-sitter parsing dominates the front
// end's time and the units are independent. Results keep the units' order.
func analyzeAll(nbName string, units [][]CodeBlock) []unitResult {
	out := make([]unitResult, len(units))
	workers := min(runtime.GOMAXPROCS(0), len(units))
	if workers <= 1 {
		for i, u := range units {
			out[i].a, _ = analyzeBlocks(nbName, u, &out[i].diags)
		}
		return out
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				out[i].a, _ = analyzeBlocks(nbName, units[i], &out[i].diags)
			}
		})
	}
	for i := range units {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

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
		imports:       r.Imports,
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

// withPrelude combines the analysis of a step's own cells with that of the
// imports and functions cells that run before them, as if the joined code
// had been analysed (which is what Kale does), without parsing the prelude
// again for every step. preludeLines is the number of lines the prelude
// takes in the joined source.
//
// A name is undefined in the joined code when the step's cells read it and
// the prelude does not define it, or when the prelude reads it (in practice:
// in a function body, resolved at the end of the module) and the step's
// cells do not define it.
func withPrelude(prelude, own *analysis, preludeLines int) *analysis {
	if prelude == nil {
		return own
	}
	a := &analysis{
		undefinedLine: make(map[string]int, len(own.undefined)+len(prelude.undefined)),
		mentioned:     make(map[string]bool, len(prelude.mentioned)+len(own.mentioned)),
		defined:       make(map[string]bool, len(prelude.defined)+len(own.defined)),
		freeVars:      make(map[string][]string, len(prelude.freeVars)+len(own.freeVars)),
		lastExpr:      own.lastExpr,
		starImports:   prelude.starImports || own.starImports,
	}
	for _, v := range prelude.undefined {
		if !own.defined[v] {
			a.undefined = append(a.undefined, v)
			a.undefinedLine[v] = prelude.undefinedLine[v]
		}
	}
	for _, v := range own.undefined {
		if !prelude.defined[v] {
			if _, dup := a.undefinedLine[v]; !dup {
				a.undefined = append(a.undefined, v)
			}
			a.undefinedLine[v] = own.undefinedLine[v] + preludeLines
		}
	}
	slices.Sort(a.undefined)
	for _, m := range []map[string]bool{prelude.mentioned, own.mentioned} {
		maps.Copy(a.mentioned, m)
	}
	for _, m := range []map[string]bool{prelude.defined, own.defined} {
		maps.Copy(a.defined, m)
	}
	maps.Copy(a.freeVars, prelude.freeVars)
	maps.Copy(a.freeVars, own.freeVars)
	a.calls = slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(prelude.calls), own.calls...))))
	a.imports = slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(prelude.imports), own.imports...))))
	return a
}

// lineCount is the number of lines blocks take when joined with "\n".
func lineCount(blocks []CodeBlock) int {
	n := 0
	for _, b := range blocks {
		n += strings.Count(b.Source, "\n") + 1
	}
	return n
}
