package pipeline

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubeflow-kale/kale/pkg/diag"
	"github.com/kubeflow-kale/kale/pkg/notebook"
)

// sourceCell is a piece of code with the cell it came from.
type sourceCell struct {
	Cell   int
	Source string
}

// merged is the result of Kale's cell merging: untagged cells join the
// last role seen, skip cells are transparent, a step's first cell sets its
// prev: and configuration tags (docs/kale-compatibility.md#merging-cells-into-steps).
type merged struct {
	imports, functions []sourceCell
	parameters         []sourceCell
	metrics            []sourceCell
	steps              []*draftStep
}

type draftStep struct {
	name   string
	cell   int
	prev   []string
	config notebook.StepConfig
	cells  []sourceCell
}

// mergeCells walks the code cells in order and groups them into the special
// blocks and the steps. It reports every tag error it can in one pass.
func mergeCells(nb *notebook.Notebook, diags *diag.List) *merged {
	m := &merged{}
	byName := map[string]*draftStep{}
	// firstCell is where each step name first appears, to tell a prev:
	// that points forward from one that names nothing.
	firstCell := map[string]int{}
	for _, c := range nb.Cells {
		if c.Tags.Role == notebook.RoleStep {
			if _, ok := firstCell[c.Tags.Step]; !ok {
				firstCell[c.Tags.Step] = c.Number
			}
		}
	}
	// last is the role (a special tag or a step) untagged cells merge into.
	var last struct {
		role notebook.Role
		step *draftStep
	}
	special := func(r notebook.Role) *[]sourceCell {
		switch r {
		case notebook.RoleImports:
			return &m.imports
		case notebook.RoleFunctions:
			return &m.functions
		case notebook.RoleParameters:
			return &m.parameters
		case notebook.RoleMetrics:
			return &m.metrics
		}
		return nil
	}
	if !anyTags(nb) && len(nb.Cells) > 0 {
		// A notebook nobody tagged for Kale runs as one step holding every
		// code cell, rather than as an empty pipeline.
		s := &draftStep{name: WholeNotebookStep, cell: nb.Cells[0].Number}
		for _, c := range nb.Cells {
			s.cells = append(s.cells, sourceCell{Cell: c.Number, Source: c.Source})
		}
		m.steps = append(m.steps, s)
		diags.Add(diag.Diagnostic{Severity: diag.Warning, Notebook: nb.Name, Cell: diag.NoCell,
			Message: fmt.Sprintf("no cell has a Kale tag: the whole notebook runs as one step named %s; tag cells step:NAME to split it into steps", WholeNotebookStep)})
		return m
	}
	for _, c := range nb.Cells {
		sc := sourceCell{Cell: c.Number, Source: c.Source}
		t := c.Tags
		switch {
		case t.Role == notebook.RoleSkip:
			// Transparent: the next untagged cell merges into what came
			// before the skipped cell.
			continue
		case t.Role == notebook.RoleNotebook:
			// Reported by notebook.Parse; nothing to merge.
			continue
		case t.Role.Special():
			*special(t.Role) = append(*special(t.Role), sc)
			last.role, last.step = t.Role, nil
		case t.Role == notebook.RoleNone:
			switch {
			case last.role.Special():
				*special(last.role) = append(*special(last.role), sc)
			case last.step != nil:
				last.step.cells = append(last.step.cells, sc)
			case strings.TrimSpace(c.Source) != "":
				diags.Add(diag.Diagnostic{Severity: diag.Warning, Notebook: nb.Name, Cell: c.Number,
					Message: "cell belongs to no step: it comes before the first tagged cell, so it is left out of the pipeline (tag it step:NAME, imports or skip)"})
			}
		case t.Role == notebook.RoleStep:
			if last.role == notebook.RoleMetrics {
				diags.Add(diag.Diagnostic{Severity: diag.Error, Notebook: nb.Name, Cell: c.Number, Tag: "step:" + t.Step,
					Message: fmt.Sprintf("step:%s comes after a pipeline-metrics cell: tag pipeline-metrics must be placed on a cell at the end of the notebook; pipeline metrics are a result of the whole pipeline, not of single steps", t.Step)})
			}
			s, exists := byName[t.Step]
			if exists {
				s.cells = append(s.cells, sc)
				if len(t.Prev) > 0 || !t.Config.IsZero() {
					diags.Add(diag.Diagnostic{Severity: diag.Warning, Notebook: nb.Name, Cell: c.Number, Tag: "step:" + t.Step,
						Message: fmt.Sprintf("step %s already started at cell %d: the prev: and configuration tags of this cell are ignored (only a step's first cell sets them)", t.Step, s.cell)})
				}
			} else {
				s = &draftStep{name: t.Step, cell: c.Number, config: t.Config, cells: []sourceCell{sc}}
				for _, p := range t.Prev {
					if p == t.Step {
						diags.Add(diag.Diagnostic{Severity: diag.Error, Notebook: nb.Name, Cell: c.Number, Tag: "prev:" + p,
							Message: fmt.Sprintf("prev:%s names step %s itself: a step cannot follow itself; prev: names a step from an earlier cell that must run first", p, p)})
						continue
					}
					if _, ok := byName[p]; !ok {
						msg := fmt.Sprintf("prev:%s names no earlier step (step %s does not exist; it was defined as previous step of %s); %s", p, p, t.Step, stepsSoFar(m.steps, p))
						if later, ok := firstCell[p]; ok && later > c.Number {
							msg = fmt.Sprintf("prev:%s names no earlier step (step %s does not exist yet; it was defined as previous step of %s): step %s starts later, at cell %d; prev: must name a step from an earlier cell", p, p, t.Step, p, later)
						}
						diags.Add(diag.Diagnostic{Severity: diag.Error, Notebook: nb.Name, Cell: c.Number, Tag: "prev:" + p, Message: msg})
						continue
					}
					if !contains(s.prev, p) {
						s.prev = append(s.prev, p)
					}
				}
				byName[t.Step] = s
				m.steps = append(m.steps, s)
			}
			last.role, last.step = notebook.RoleStep, s
		}
	}
	return m
}

// WholeNotebookStep names the single step of a notebook without Kale tags.
const WholeNotebookStep = "notebook"

func anyTags(nb *notebook.Notebook) bool {
	for _, c := range nb.Cells {
		if len(c.RawTags) > 0 {
			return true
		}
	}
	return false
}

// topoOrder orders steps generation by generation (roots first, then the
// steps whose prev: steps are all placed, and so on), cell order inside a
// generation, as Kale's networkx topological sort does. prev: edges only
// point to earlier cells, so there is no cycle.
func topoOrder(steps []*draftStep) []*draftStep {
	indeg := map[string]int{}
	children := map[string][]string{}
	byName := map[string]*draftStep{}
	for _, s := range steps {
		byName[s.name] = s
		indeg[s.name] = len(s.prev)
		for _, p := range s.prev {
			children[p] = append(children[p], s.name)
		}
	}
	pos := map[string]int{}
	for i, s := range steps {
		pos[s.name] = i
	}
	var gen []string
	for _, s := range steps {
		if indeg[s.name] == 0 {
			gen = append(gen, s.name)
		}
	}
	out := make([]*draftStep, 0, len(steps))
	for len(gen) > 0 {
		var next []string
		for _, n := range gen {
			out = append(out, byName[n])
			for _, c := range children[n] {
				indeg[c]--
				if indeg[c] == 0 {
					next = append(next, c)
				}
			}
		}
		slices.SortFunc(next, func(a, b string) int { return pos[a] - pos[b] })
		gen = next
	}
	return out
}

func stepsSoFar(steps []*draftStep, wanted string) string {
	if len(steps) == 0 {
		return "there are no steps before this cell; prev: must name a step defined in an earlier cell"
	}
	names := make([]string, len(steps))
	for i, s := range steps {
		names[i] = s.name
	}
	msg := "steps so far: " + strings.Join(names, ", ")
	if sug := notebook.SuggestStepName(wanted); sug != wanted && contains(names, sug) {
		msg += fmt.Sprintf(" (did you mean %s?)", sug)
	}
	return msg
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
