package pyana

import (
	"sort"
	"sync"

	ts "github.com/tree-sitter/go-tree-sitter"
	tspython "github.com/tree-sitter/tree-sitter-python/bindings/go"
)

// grammar is the tree-sitter Python language with its node-kind and field
// names resolved once. It is immutable after construction and shared by all
// calls; parsers and trees are created per call.
type grammar struct {
	lang   *ts.Language
	kinds  []string // by kind id
	named  []bool   // by kind id
	fields []string // by field id
}

var loadGrammar = sync.OnceValue(func() *grammar {
	lang := ts.NewLanguage(tspython.Language())
	g := &grammar{lang: lang}
	n := lang.NodeKindCount()
	g.kinds = make([]string, n)
	g.named = make([]bool, n)
	for i := uint32(0); i < n; i++ {
		g.kinds[i] = lang.NodeKindForId(uint16(i))
		g.named[i] = lang.NodeKindIsNamed(uint16(i))
	}
	nf := lang.FieldCount()
	g.fields = make([]string, nf+1)
	for i := uint32(1); i <= nf; i++ {
		g.fields[i] = lang.FieldNameForId(uint16(i))
	}
	return g
})

// errorSymbol is tree-sitter's kind id for ERROR nodes.
const errorSymbol = 0xFFFF

// node is a Go copy of one tree-sitter node. Copying the tree once costs a
// single cgo walk and lets every analysis pass run on plain Go values.
type node struct {
	kind     string
	field    string // field name in the parent, "" if none
	named    bool
	isError  bool // an ERROR node
	missing  bool // a node the parser inserted to recover
	start    int  // byte offsets into the parsed source
	end      int
	line     int // 0-based start row
	col      int // 0-based start column (bytes)
	endLine  int // 0-based end row
	endCol   int // 0-based end column (bytes)
	children []*node
}

// child returns the first child with the given field name, or nil.
func (n *node) child(field string) *node {
	for _, c := range n.children {
		if c.field == field {
			return c
		}
	}
	return nil
}

// childrenByField returns every child with the given field name.
func (n *node) childrenByField(field string) []*node {
	var out []*node
	for _, c := range n.children {
		if c.field == field {
			out = append(out, c)
		}
	}
	return out
}

// namedChildren returns the named children, skipping comments.
func (n *node) namedChildren() []*node {
	out := make([]*node, 0, len(n.children))
	for _, c := range n.children {
		if c.named && c.kind != "comment" {
			out = append(out, c)
		}
	}
	return out
}

// hasToken reports whether n has an anonymous child token of kind tok.
func (n *node) hasToken(tok string) bool {
	for _, c := range n.children {
		if !c.named && c.kind == tok {
			return true
		}
	}
	return false
}

// parsed is a parsed source: the copied tree and the text it came from.
type parsed struct {
	src      []byte
	root     *node
	tooDeep  bool // the tree nests deeper than maxDepth; root is cut there
	deepLine int  // 0-based line of the first node below maxDepth
}

func (p *parsed) text(n *node) string { return string(p.src[n.start:n.end]) }

// parse runs tree-sitter on src and copies the tree. The parser and tree
// are closed before it returns.
func parse(src []byte) *parsed {
	g := loadGrammar()
	parser := ts.NewParser()
	defer parser.Close()
	if err := parser.SetLanguage(g.lang); err != nil {
		// The bundled grammar always matches the bundled runtime.
		panic("pyana: tree-sitter-python grammar rejected: " + err.Error())
	}
	tree := parser.Parse(src, nil)
	defer tree.Close()
	flat := flatten(tree.RootNode())
	p := &parsed{src: src}
	p.root, p.tooDeep, p.deepLine = build(g, src, flat)
	return p
}

// build turns the preorder node list into a tree of nodes.
func build(g *grammar, src []byte, flat []flatNode) (root *node, tooDeep bool, deepLine int) {
	lineStarts := []int{0}
	for i, c := range src {
		if c == '\n' {
			lineStarts = append(lineStarts, i+1)
		}
	}
	position := func(off int) (row, col int) {
		row = sort.SearchInts(lineStarts, off+1) - 1
		if row < 0 {
			row = 0
		}
		return row, off - lineStarts[row]
	}
	arena := make([]node, len(flat))
	var stack []*node // stack[d] is the last node seen at depth d
	for i := range flat {
		f := &flat[i]
		depth := int(f.depth)
		if depth > maxDepth {
			if !tooDeep {
				tooDeep = true
				deepLine, _ = position(int(f.start))
			}
			continue
		}
		n := &arena[i]
		id := uint16(f.symbol)
		switch {
		case id == errorSymbol:
			n.kind, n.named, n.isError = "ERROR", true, true
		case int(id) < len(g.kinds):
			n.kind, n.named = g.kinds[id], g.named[id]
		}
		if fid := int(f.field); fid != 0 && fid < len(g.fields) {
			n.field = g.fields[fid]
		}
		n.missing = f.missing != 0
		n.start, n.end = int(f.start), int(f.end)
		n.line, n.col = position(n.start)
		n.endLine, n.endCol = position(n.end)
		if depth == 0 {
			root = n
			stack = stack[:0]
		} else if depth <= len(stack) {
			parent := stack[depth-1]
			parent.children = append(parent.children, n)
		} else {
			continue // cannot happen in a preorder walk
		}
		stack = append(stack[:depth], n)
	}
	if root == nil {
		root = &node{kind: "module", named: true}
	}
	return root, tooDeep, deepLine
}
