package local

import (
	"bytes"
	"strings"
	"testing"
)

func TestProgress(t *testing.T) {
	events := []Event{
		{Step: "a", Status: Pending}, {Step: "b", Status: Pending},
		{Step: "a", Status: Running}, {Step: "a", Status: Succeeded, Seconds: 1.25},
		{Step: "b", Status: Running}, {Step: "b", Status: Failed, Seconds: 0.5},
	}
	t.Run("plain lines off a terminal", func(t *testing.T) {
		var buf bytes.Buffer
		p := NewProgress(&buf, false)
		for _, ev := range events {
			p.Event(ev)
		}
		want := "▶ a                        RUNNING\n✓ a                        SUCCEEDED (1.2s)\n" +
			"▶ b                        RUNNING\n✗ b                        FAILED (0.5s)\n"
		if buf.String() != want {
			t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
		}
	})
	t.Run("redrawn in place on a terminal", func(t *testing.T) {
		var buf bytes.Buffer
		p := NewProgress(&buf, true)
		for _, ev := range events {
			p.Event(ev)
		}
		out := buf.String()
		// Every redraw after the first moves the cursor back up over the
		// lines it drew, so the screen ends with one line per step.
		if up1, up2 := strings.Count(out, "\x1b[1A"), strings.Count(out, "\x1b[2A"); up1 != 1 || up2 != 4 {
			t.Errorf("cursor up 1 line %d times and 2 lines %d times, want 1 and 4:\n%q", up1, up2, out)
		}
		last := out[strings.LastIndex(out, "\x1b[2A")+len("\x1b[2A"):]
		want := "\r\x1b[2K✓ a                        SUCCEEDED (1.2s)\n\r\x1b[2K✗ b                        FAILED (0.5s)\n"
		if last != want {
			t.Errorf("last frame %q, want %q", last, want)
		}
	})
}
