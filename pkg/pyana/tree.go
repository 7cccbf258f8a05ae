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

// parse runs tree-sitter on src and copies the tree. The parser, tree and
// cursor are closed before it returns.
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
	root := tree.RootNode()
	cur := root.Walk()
	defer cur.Close()
	b := builder{g: g, arena: make([]node, 0, root.DescendantCount()), checkMissing: root.HasError()}
	b.lineStarts = append(b.lineStarts, 0)
	for i, c := range src {
		if c == '\n' {
			b.lineStarts = append(b.lineStarts, i+1)
		}
	}
	p := &parsed{src: src}
	p.root = b.build(cur, 0)
	p.tooDeep, p.deepLine = b.tooDeep, b.deepLine
	return p
}

type builder struct {
	g            *grammar
	arena        []node
	lineStarts   []int // byte offset of each line
	checkMissing bool  // the tree has errors, so MISSING nodes may exist
	tooDeep      bool
	deepLine     int
}

// position converts a byte offset to a 0-based row and byte column, as
// tree-sitter counts them (only '\n' ends a line).
func (b *builder) position(off int) (row, col int) {
	row = sort.SearchInts(b.lineStarts, off+1) - 1
	if row < 0 {
		row = 0
	}
	return row, off - b.lineStarts[row]
}

func (b *builder) alloc() *node {
	if len(b.arena) == cap(b.arena) {
		b.arena = make([]node, 0, 256)
	}
	b.arena = b.arena[:len(b.arena)+1]
	return &b.arena[len(b.arena)-1]
}

// build copies the node under the cursor and, recursively, its children.
func (b *builder) build(cur *ts.TreeCursor, depth int) *node {
	tn := cur.Node()
	n := b.alloc()
	id := tn.KindId()
	switch {
	case id == errorSymbol:
		n.kind, n.named, n.isError = "ERROR", true, true
	case int(id) < len(b.g.kinds):
		n.kind, n.named = b.g.kinds[id], b.g.named[id]
	}
	if f := cur.FieldId(); f != 0 && int(f) < len(b.g.fields) {
		n.field = b.g.fields[f]
	}
	if b.checkMissing {
		n.missing = tn.IsMissing()
	}
	n.start, n.end = int(tn.StartByte()), int(tn.EndByte())
	n.line, n.col = b.position(n.start)
	n.endLine, n.endCol = b.position(n.end)
	if depth >= maxDepth {
		if !b.tooDeep {
			b.tooDeep, b.deepLine = true, n.line
		}
		return n
	}
	if cur.GotoFirstChild() {
		for {
			n.children = append(n.children, b.build(cur, depth+1))
			if !cur.GotoNextSibling() {
				break
			}
		}
		cur.GotoParent()
	}
	return n
}
