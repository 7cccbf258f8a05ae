package local

import (
	"fmt"
	"io"
	"strings"
	"sync"
)

// Progress prints step state changes: on a terminal one live line per step,
// redrawn in place; elsewhere (logs, CI, pipes) one plain line per change.
// Its Event method is an Options.OnEvent callback.
type Progress struct {
	mu     sync.Mutex
	w      io.Writer
	tty    bool
	order  []string
	states map[string]Event
	drawn  int
}

// NewProgress writes to w; tty selects in-place redrawing.
func NewProgress(w io.Writer, tty bool) *Progress {
	return &Progress{w: w, tty: tty, states: map[string]Event{}}
}

// Event records ev and prints it.
func (p *Progress) Event(ev Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.states[ev.Step]; !ok {
		p.order = append(p.order, ev.Step)
	}
	p.states[ev.Step] = ev
	if !p.tty {
		if ev.Status != Pending {
			fmt.Fprintln(p.w, line(ev))
		}
		return
	}
	var b strings.Builder
	if p.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", p.drawn) // back to the first line
	}
	for _, name := range p.order {
		b.WriteString("\r\x1b[2K")
		b.WriteString(line(p.states[name]))
		b.WriteString("\n")
	}
	p.drawn = len(p.order)
	io.WriteString(p.w, b.String())
}

func line(ev Event) string {
	mark := map[string]string{
		Pending: "·", Running: "▶", Succeeded: "✓", Failed: "✗", Skipped: "-", Cancelled: "✗",
	}[ev.Status]
	s := fmt.Sprintf("%s %-24s %s", mark, ev.Step, ev.Status)
	switch ev.Status {
	case Succeeded, Failed, Cancelled:
		s += fmt.Sprintf(" (%.1fs)", ev.Seconds)
	}
	return s
}
