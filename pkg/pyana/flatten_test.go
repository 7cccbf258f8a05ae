package pyana

import (
	"strings"
	"testing"

	ts "github.com/tree-sitter/go-tree-sitter"
)

// flatten mirrors tree-sitter's C structs; walking the same trees through
// go-tree-sitter's own API must give the same nodes, or the mirror is stale.
func TestFlattenMatchesGoTreeSitter(t *testing.T) {
	g := loadGrammar()
	srcs := []string{"", "x = (1,\n", "def f(:\n    pass\n"}
	for _, nb := range loadCorpus(t) {
		srcs = append(srcs, strings.Join(nb.Cells, "\n"))
	}
	for _, src := range srcs {
		parser := ts.NewParser()
		if err := parser.SetLanguage(g.lang); err != nil {
			t.Fatal(err)
		}
		tree := parser.Parse([]byte(src), nil)
		flat := flatten(tree.RootNode())

		type want struct {
			start, end, depth uint32
			symbol, field     uint16
			missing           bool
		}
		var ref []want
		cur := tree.Walk()
		depth := uint32(0)
		for {
			n := cur.Node()
			ref = append(ref, want{uint32(n.StartByte()), uint32(n.EndByte()), depth, n.KindId(), cur.FieldId(), n.IsMissing()})
			if cur.GotoFirstChild() {
				depth++
				continue
			}
			for !cur.GotoNextSibling() {
				if depth == 0 || !cur.GotoParent() {
					goto done
				}
				depth--
			}
		}
	done:
		cur.Close()
		tree.Close()
		parser.Close()

		if len(flat) != len(ref) {
			t.Fatalf("flatten gave %d nodes, go-tree-sitter %d (source %.40q)", len(flat), len(ref), src)
		}
		for i, f := range flat {
			got := want{uint32(f.start), uint32(f.end), uint32(f.depth), uint16(f.symbol), uint16(f.field), f.missing != 0}
			if got != ref[i] {
				t.Fatalf("node %d: flatten %+v, go-tree-sitter %+v (source %.40q)", i, got, ref[i], src)
			}
		}
	}
}
