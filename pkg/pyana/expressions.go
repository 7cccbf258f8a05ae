package pyana

// Expressions and match patterns.

func (b *binder) caseClause(n *node, s *scope) {
	for _, c := range n.children {
		switch {
		case c.kind == "case_pattern":
			b.pattern(c, s)
		case c.field == "guard":
			b.children(c, s)
		case c.field == "consequence":
			b.block(c, s)
		case c.isError:
			b.children(c, s)
		}
	}
}

// pattern binds the capture names of a match pattern in s and reads its
// value patterns (dotted names) and class names.
func (b *binder) pattern(n *node, s *scope) {
	switch n.kind {
	case "dotted_name":
		ids := identifiers(n)
		if len(ids) == 1 {
			b.bind(b.name(ids[0]), s)
		} else if len(ids) > 1 {
			b.load(b.name(ids[0]), ids[0], s)
		}
	case "class_pattern":
		for _, c := range n.children {
			switch c.kind {
			case "dotted_name":
				if ids := identifiers(c); len(ids) > 0 {
					b.load(b.name(ids[0]), ids[0], s)
				}
			case "case_pattern":
				b.pattern(c, s)
			}
		}
	case "keyword_pattern":
		// name=pattern: the keyword is an attribute name.
		seenEq := false
		for _, c := range n.children {
			if c.kind == "=" {
				seenEq = true
				continue
			}
			if seenEq && c.named {
				b.pattern(c, s)
			}
		}
	case "splat_pattern":
		for _, c := range n.children {
			if c.kind == "identifier" {
				b.bind(b.name(c), s)
			}
		}
	case "as_pattern":
		for _, c := range n.children {
			switch c.kind {
			case "case_pattern":
				b.pattern(c, s)
			case "identifier":
				b.bind(b.name(c), s)
			}
		}
	case "dict_pattern":
		for _, c := range n.children {
			if !c.named {
				continue
			}
			if c.field == "key" {
				// A key is a literal or a dotted value: never a capture.
				if c.kind == "dotted_name" {
					if ids := identifiers(c); len(ids) > 0 {
						b.load(b.name(ids[0]), ids[0], s)
					}
				}
				continue
			}
			b.pattern(c, s)
		}
	case "string", "concatenated_string", "integer", "float", "true", "false", "none", "complex_pattern":
		// literals
	default:
		// case_pattern, list_pattern, tuple_pattern, union_pattern, ...
		for _, c := range n.children {
			if c.named {
				b.pattern(c, s)
			}
		}
	}
}

func identifiers(n *node) []*node {
	var out []*node
	for _, c := range n.children {
		if c.kind == "identifier" {
			out = append(out, c)
		}
	}
	return out
}

// annotation reads an annotation now, or after the module when
// `from __future__ import annotations` postpones evaluation (pyflakes).
func (b *binder) annotation(n *node, s *scope) {
	if n == nil {
		return
	}
	if b.futureAnnotations {
		b.queue = append(b.queue, deferred{def: n, parent: s, cond: b.cond, owner: s.owner, inPlace: true})
		return
	}
	b.expr(n, s)
}

// ---- expressions ----

func (b *binder) expr(n *node, s *scope) {
	if n == nil {
		return
	}
	switch n.kind {
	case "identifier":
		b.load(b.name(n), n, s)
	case "attribute":
		b.expr(n.child("object"), s)
	case "keyword_argument":
		b.expr(n.child("value"), s)
	case "named_expression":
		b.expr(n.child("value"), s)
		if nm := n.child("name"); nm != nil {
			b.bind(b.name(nm), nonComp(s))
		}
	case "lambda":
		if params := n.child("parameters"); params != nil {
			b.paramDefaults(params, s, s)
		}
		b.queue = append(b.queue, deferred{def: n, parent: s, cond: b.cond, owner: s.owner})
	case "list_comprehension", "set_comprehension", "dictionary_comprehension", "generator_expression":
		b.comprehension(n, s)
	case "conditional_expression":
		b.cond++
		b.children(n, s)
		b.cond--
	case "member_type":
		// T.attr inside an annotation: only the first part is a name.
		for _, c := range n.children {
			if c.kind == "type" {
				b.expr(c, s)
				break
			}
		}
	case "string_start", "string_content", "string_end", "escape_sequence", "type_conversion",
		"integer", "float", "true", "false", "none", "ellipsis", "comment", "keyword_separator",
		"positional_separator", "escape_interpolation":
	default:
		for _, c := range n.children {
			if c.named {
				b.expr(c, s)
			}
		}
	}
}

func (b *binder) comprehension(n *node, s *scope) {
	var clauses []*node
	var body *node
	for _, c := range n.children {
		switch {
		case c.kind == "for_in_clause" || c.kind == "if_clause":
			clauses = append(clauses, c)
		case c.field == "body":
			body = c
		}
	}
	cs := newScope(compScope, s, s.owner)
	for i, c := range clauses {
		if c.kind == "if_clause" {
			b.children(c, cs)
			continue
		}
		// The first iterable is evaluated in the enclosing scope.
		rs := cs
		if i == 0 {
			rs = s
		}
		for _, r := range c.childrenByField("right") {
			b.expr(r, rs)
		}
		b.target(c.child("left"), cs)
	}
	b.expr(body, cs)
}
