package graph

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/kubeflow-kale/kale/pkg/pipeline"
)

// edge is one dependency: To runs after From; Vars flow along it. Prev
// says whether a prev: tag names it (otherwise only data makes it).
type edge struct {
	From, To string
	Vars     []string
	Prev     bool
}

// edges returns every dependency of every step, in step order, then by
// the name of the upstream step.
func edges(p *pipeline.Pipeline) []edge {
	var out []edge
	for _, s := range p.Steps {
		for _, d := range s.Dependencies() {
			e := edge{From: d, To: s.Name, Prev: slices.Contains(s.After, d)}
			for _, v := range s.Ins {
				if s.Producers[v] == d {
					e.Vars = append(e.Vars, v)
				}
			}
			out = append(out, e)
		}
	}
	return out
}

// WriteText writes a readable tree of the DAG: roots at the left, each
// step under the steps it runs after, with the variables each edge carries.
// A step with several upstream steps is drawn in full under the first one
// reached and referenced (^) under the others.
func WriteText(w io.Writer, p *pipeline.Pipeline) error {
	var b strings.Builder
	fmt.Fprintf(&b, "pipeline %s (experiment %s)\n", p.Name, p.Experiment)
	if p.Description != "" {
		fmt.Fprintf(&b, "  %s\n", p.Description)
	}
	if len(p.Parameters) == 0 {
		b.WriteString("parameters: none\n")
	} else {
		b.WriteString("parameters:\n")
		for _, prm := range p.Parameters {
			fmt.Fprintf(&b, "  %s: %s = %s\n", prm.Name, prm.Type, formatDefault(prm))
		}
	}
	children := map[string][]edge{}
	hasParent := map[string]bool{}
	for _, e := range edges(p) {
		children[e.From] = append(children[e.From], e)
		hasParent[e.To] = true
	}
	fmt.Fprintf(&b, "steps (%d):\n", len(p.Steps))
	drawn := map[string]bool{}
	var draw func(name, indent string, via *edge, last bool)
	draw = func(name, indent string, via *edge, last bool) {
		s := p.Step(name)
		branch, next := "", indent
		if via != nil {
			branch, next = "├─ ", indent+"│  "
			if last {
				branch, next = "└─ ", indent+"   "
			}
		}
		line := indent + branch + name
		if via != nil {
			switch {
			case len(via.Vars) > 0:
				line += " <- " + strings.Join(via.Vars, ", ")
			case via.Prev:
				line += " <- (order only)"
			}
		}
		if drawn[name] {
			b.WriteString(line + " ^\n")
			return
		}
		drawn[name] = true
		if extra := stepNotes(p, s); extra != "" {
			line += "  [" + extra + "]"
		}
		b.WriteString(line + "\n")
		kids := children[name]
		for i := range kids {
			draw(kids[i].To, next, &kids[i], i == len(kids)-1)
		}
	}
	for _, s := range p.Steps {
		if !hasParent[s.Name] {
			draw(s.Name, "  ", nil, true)
		}
	}
	if len(p.Metrics) > 0 {
		b.WriteString("metrics:\n")
		for _, m := range p.Metrics {
			fmt.Fprintf(&b, "  %s = %s (step %s)\n", m.Name, m.Variable, m.Step)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func stepNotes(p *pipeline.Pipeline, s *pipeline.Step) string {
	var notes []string
	if len(s.Outs) > 0 {
		notes = append(notes, "saves "+strings.Join(s.Outs, ", "))
	}
	if len(s.Parameters) > 0 {
		notes = append(notes, "params "+strings.Join(s.Parameters, ", "))
	}
	if s.Image != "" {
		notes = append(notes, "image "+s.Image)
	}
	for _, k := range slices.Sorted(maps.Keys(s.Limits)) {
		notes = append(notes, fmt.Sprintf("%s=%s", k, s.Limits[k]))
	}
	if s.Caching != nil {
		notes = append(notes, "cache "+map[bool]string{true: "on", false: "off"}[*s.Caching])
	}
	for _, m := range p.StepMetrics(s.Name) {
		notes = append(notes, "metric "+m.Name)
	}
	return strings.Join(notes, "; ")
}

func formatDefault(prm pipeline.Parameter) string {
	switch v := prm.Default.(type) {
	case string:
		return strconv.Quote(v)
	case bool:
		if v {
			return "True"
		}
		return "False"
	case float64:
		s := strconv.FormatFloat(v, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEn") {
			s += ".0"
		}
		return s
	default:
		return fmt.Sprint(v)
	}
}

// WriteDOT writes the DAG in Graphviz DOT. Edges carry their variables as
// labels; order-only prev: edges are dashed.
func WriteDOT(w io.Writer, p *pipeline.Pipeline) error {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %s {\n", strconv.Quote(p.Name))
	b.WriteString("  rankdir=TB;\n  node [shape=box, style=rounded];\n")
	for _, s := range p.Steps {
		label := s.Name
		if len(s.Parameters) > 0 {
			label += "\\n(" + strings.Join(s.Parameters, ", ") + ")"
		}
		fmt.Fprintf(&b, "  %s [label=\"%s\"];\n", strconv.Quote(s.Name), label)
	}
	for _, e := range edges(p) {
		attrs := ""
		if len(e.Vars) > 0 {
			attrs = fmt.Sprintf(" [label=%s]", strconv.Quote(strings.Join(e.Vars, "\n")))
		} else {
			attrs = " [style=dashed]"
		}
		fmt.Fprintf(&b, "  %s -> %s%s;\n", strconv.Quote(e.From), strconv.Quote(e.To), attrs)
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMermaid writes the DAG as a Mermaid flowchart. Node ids are
// prefixed so that step names like `end` do not clash with keywords.
func WriteMermaid(w io.Writer, p *pipeline.Pipeline) error {
	var b strings.Builder
	b.WriteString("flowchart TD\n")
	for _, s := range p.Steps {
		fmt.Fprintf(&b, "  s_%s[\"%s\"]\n", s.Name, s.Name)
	}
	for _, e := range edges(p) {
		if len(e.Vars) > 0 {
			fmt.Fprintf(&b, "  s_%s -->|\"%s\"| s_%s\n", e.From, strings.Join(e.Vars, ", "), e.To)
		} else {
			fmt.Fprintf(&b, "  s_%s -.-> s_%s\n", e.From, e.To)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
