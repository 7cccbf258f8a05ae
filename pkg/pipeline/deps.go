package pipeline

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/kubeflow-kale/kale/pkg/diag"
)

// analysis is what the dependency analysis needs to know about a block of
// Python code. It is filled from pyana (see analyze).
type analysis struct {
	// undefined are the names the code reads without defining them
	// (builtins excluded), sorted.
	undefined []string
	// undefinedLine is the 1-based line of each undefined name's first use.
	undefinedLine map[string]int
	// mentioned are Kale's marshal candidates: every name the code mentions
	// at module level.
	mentioned map[string]bool
	// defined are the names the code binds at module level (imports too).
	defined map[string]bool
	// freeVars maps each top-level function to the global names its body
	// reads (builtins excluded).
	freeVars map[string][]string
	// calls are the names the code calls (f(...), not obj.f(...)).
	calls []string
	// imports are the top-level modules the code imports, sorted.
	imports []string
	// lastExpr is the name of a trailing bare-name expression, if any.
	lastExpr string
	// starImports is set when the code has `from m import *`.
	starImports bool
}

// stepState is the per-step working state of the dependency analysis.
type stepState struct {
	step *Step
	a    *analysis
	// fnFree maps a function defined in the step's code to its free
	// variables (not resolved by the imports and functions cells, nor
	// parameters) and the parameters it reads.
	fnFree   map[string]fnVars
	preds    []string
	outs     map[string]bool
	params   map[string]bool
	ins      map[string]bool
	producer map[string]string
}

type fnVars struct {
	free   []string
	params []string
}

// detectDependencies runs Kale's dependency analysis
// (docs/kale-compatibility.md#data-passing) over the steps, which are in topological order: for every step, the names it
// reads but does not define are looked up in its ancestors, nearest layer
// first and alphabetically inside a layer; the first ancestor that
// mentions a name saves it and the step loads it. Functions that travel
// between steps carry their free variables along. Pipeline parameters are
// never marshalled. Names no ancestor provides become warnings.
func detectDependencies(nbName string, states []*stepState, byName map[string]*stepState, prelude *analysis, params map[string]bool, diags *diag.List) {
	for _, s := range states {
		s.fnFree = map[string]fnVars{}
		for fn, free := range s.a.freeVars {
			var fv fnVars
			for _, v := range free {
				switch {
				case v == fn || prelude.defined[v]:
				case params[v]:
					fv.params = append(fv.params, v)
				default:
					fv.free = append(fv.free, v)
				}
			}
			s.fnFree[fn] = fv
		}
	}
	for _, s := range states {
		var left []string
		for _, v := range s.a.undefined {
			if params[v] {
				s.params[v] = true
				continue
			}
			left = append(left, v)
		}
		ancestors := orderedAncestors(s.step.Name, byName)
		calls := slices.Clone(s.a.calls)
		// resolve loads each name from the nearest ancestor that mentions it
		// and returns the names none does. Names the step defines itself,
		// or already loads, need nothing.
		resolve := func(names []string) []string {
			var unresolved []string
			for _, v := range names {
				if s.ins[v] || s.a.defined[v] {
					continue
				}
				found := false
				for _, an := range ancestors {
					anc := byName[an]
					if anc.a.mentioned[v] {
						s.addIn(v, anc)
						found = true
						break
					}
				}
				if !found {
					unresolved = append(unresolved, v)
				}
			}
			return unresolved
		}
		var extra []string
		for _, an := range ancestors {
			if len(left) == 0 {
				break
			}
			anc := byName[an]
			var rest []string
			for _, v := range left {
				if anc.a.mentioned[v] {
					s.addIn(v, anc)
					if _, isFn := anc.fnFree[v]; isFn {
						extra = append(extra, s.carry(anc, v, byName)...)
					}
					continue
				}
				rest = append(rest, v)
			}
			left = rest
			var callsLeft []string
			for _, fn := range calls {
				if _, ok := anc.fnFree[fn]; ok && !s.a.defined[fn] {
					extra = append(extra, s.carry(anc, fn, byName)...)
					continue
				}
				callsLeft = append(callsLeft, fn)
			}
			calls = callsLeft
		}
		// Free variables of functions that travel into this step must be
		// loaded too; they resolve like any other name, nearest first.
		unresolvedExtra := resolve(dedupeSorted(extra))
		for _, v := range append(left, unresolvedExtra...) {
			if s.ins[v] || s.params[v] {
				continue
			}
			line := s.a.undefinedLine[v]
			cell, inCell := s.cellOfLine(line)
			if s.a.starImports {
				continue
			}
			msg := fmt.Sprintf("step %s reads %s, which no ancestor step defines", s.step.Name, v)
			if len(ancestors) == 0 {
				msg += " (the step has no prev: ancestors)"
			} else {
				msg += fmt.Sprintf(" (ancestors: %s)", strings.Join(ancestors, ", "))
			}
			if def := definedBy(v, s, states); def != nil {
				msg += fmt.Sprintf("; step %s (cell %d) defines it: add prev:%s to cell %d if %s needs it", def.step.Name, def.step.Cell, def.step.Name, s.step.Cell, s.step.Name)
			} else {
				msg += "; it will fail with NameError at run time unless the name comes from elsewhere"
			}
			if inCell == 0 {
				cell = s.step.Cell
			}
			diags.Add(diag.Diagnostic{Severity: diag.Warning, Notebook: nbName, Cell: cell, Line: inCell, Tag: v, Message: msg})
		}
	}
}

// definedBy returns the first step other than s that binds v at module
// level, or nil.
func definedBy(v string, s *stepState, states []*stepState) *stepState {
	for _, o := range states {
		if o != s && o.a.defined[v] {
			return o
		}
	}
	return nil
}

// addIn records that s loads v from anc.
func (s *stepState) addIn(v string, anc *stepState) {
	s.ins[v] = true
	s.producer[v] = anc.step.Name
	anc.outs[v] = true
}

// carry returns the free variables of function fn defined in anc,
// expanded through the other functions of anc and of anc's ancestors, and
// adds the parameters they read to s.
func (s *stepState) carry(anc *stepState, fn string, byName map[string]*stepState) []string {
	seen := map[string]bool{}
	var out []string
	queue := []string{fn}
	scopes := []*stepState{anc}
	for _, an := range orderedAncestors(anc.step.Name, byName) {
		scopes = append(scopes, byName[an])
	}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		for _, sc := range scopes {
			fv, ok := sc.fnFree[cur]
			if !ok {
				continue
			}
			for _, p := range fv.params {
				s.params[p] = true
			}
			for _, v := range fv.free {
				if !seen[v] {
					seen[v] = true
					out = append(out, v)
					queue = append(queue, v)
				}
			}
			break
		}
	}
	return out
}

// cellOfLine maps a 1-based line of the step's analysed source to the cell
// and the line inside it.
func (s *stepState) cellOfLine(line int) (cell, inCell int) {
	if line <= 0 {
		return s.step.Cell, 0
	}
	start := 1
	for _, b := range s.step.Code {
		n := strings.Count(b.Source, "\n") + 1
		if line < start+n {
			return b.Cell, line - start + 1
		}
		start += n
	}
	return s.step.Cell, 0
}

// orderedAncestors returns the ancestors of step nearest first: a
// breadth-first walk over prev: edges, each step's predecessors taken in
// alphabetical order, no duplicates (Kale's get_ordered_ancestors).
func orderedAncestors(step string, byName map[string]*stepState) []string {
	var out []string
	seen := map[string]bool{step: true}
	queue := []string{step}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		st := byName[cur]
		if st == nil {
			continue
		}
		for _, p := range st.preds {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
				queue = append(queue, p)
			}
		}
	}
	return out
}

// assignMetrics gives each metric to the nearest step, walking back from
// the leaves (leaves first, alphabetically), whose code mentions the
// variable (docs/kale-compatibility.md#metrics).
func assignMetrics(nbName string, metrics []Metric, states []*stepState, byName map[string]*stepState, diags *diag.List) []Metric {
	if len(metrics) == 0 {
		return nil
	}
	hasChild := map[string]bool{}
	for _, s := range states {
		for _, p := range s.preds {
			hasChild[p] = true
		}
	}
	var leaves []string
	for _, s := range states {
		if !hasChild[s.step.Name] {
			leaves = append(leaves, s.step.Name)
		}
	}
	sort.Strings(leaves)
	const virtual = "\x00leaves"
	byName[virtual] = &stepState{preds: leaves}
	order := orderedAncestors(virtual, byName)
	delete(byName, virtual)
	var out []Metric
	for _, m := range metrics {
		for _, name := range order {
			if byName[name].a.mentioned[m.Variable] {
				m.Step = name
				break
			}
		}
		if m.Step == "" {
			diags.Add(diag.Diagnostic{Severity: diag.Warning, Notebook: nbName, Cell: diag.NoCell, Tag: m.Variable,
				Message: fmt.Sprintf("pipeline metric %s: no step mentions the variable %s; the metric is left out", m.Name, m.Variable)})
			continue
		}
		out = append(out, m)
	}
	return out
}

func dedupeSorted(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return slices.Compact(out)
}
