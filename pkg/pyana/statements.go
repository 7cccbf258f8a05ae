package pyana

// Statements: the binder walks each block in source order.

func (b *binder) block(n *node, s *scope) {
	for _, c := range n.children {
		if c.named {
			b.stmt(c, s)
		}
	}
}

func (b *binder) stmt(n *node, s *scope) {
	switch n.kind {
	case "comment", "pass_statement", "break_statement", "continue_statement":
	case "expression_statement":
		for _, c := range n.children {
			if !c.named {
				continue
			}
			switch c.kind {
			case "assignment":
				b.assignment(c, s)
			case "augmented_assignment":
				b.augmented(c, s)
			default:
				b.expr(c, s)
			}
		}
	case "import_statement":
		b.importNames(n, s)
	case "future_import_statement":
		for _, c := range n.childrenByField("name") {
			if b.p.text(c) == "annotations" {
				b.futureAnnotations = true
			}
		}
		b.importNames(n, s)
	case "import_from_statement":
		b.importFrom(n, s)
	case "delete_statement":
		for _, c := range n.children {
			if c.named {
				b.deleteTarget(c, s)
			}
		}
	case "global_statement":
		for _, c := range n.children {
			if c.kind != "identifier" {
				continue
			}
			name := b.name(c)
			if s == b.module {
				continue
			}
			if s.globals == nil {
				s.globals = map[string]struct{}{}
			}
			s.globals[name] = struct{}{}
			b.module.names[name] = struct{}{}
			b.defined[name] = struct{}{}
		}
	case "nonlocal_statement":
		for _, c := range n.children {
			if c.kind == "identifier" {
				s.names[b.name(c)] = struct{}{}
			}
		}
	case "if_statement":
		b.cond++
		b.children(n, s)
		b.cond--
	case "elif_clause":
		b.expr(n.child("condition"), s)
		b.blockOf(n.child("consequence"), s)
	case "else_clause", "finally_clause":
		for _, c := range n.children {
			if c.kind == "block" {
				b.block(c, s)
			}
		}
	case "while_statement":
		b.cond++
		b.children(n, s)
		b.cond--
	case "for_statement":
		for _, r := range n.childrenByField("right") {
			b.expr(r, s)
		}
		b.target(n.child("left"), s)
		b.blockOf(n.child("body"), s)
		if alt := n.child("alternative"); alt != nil {
			b.stmt(alt, s)
		}
	case "try_statement":
		for _, c := range n.children {
			switch c.kind {
			case "block":
				b.handlers = append(b.handlers, handlerNames(b.p, n))
				b.block(c, s)
				b.handlers = b.handlers[:len(b.handlers)-1]
			case "except_clause", "except_group_clause":
				b.except(c, s)
			case "else_clause", "finally_clause":
				b.stmt(c, s)
			}
		}
	case "with_statement":
		for _, c := range n.children {
			switch c.kind {
			case "with_clause":
				for _, item := range c.children {
					if item.kind == "with_item" {
						b.withItem(item, s)
					}
				}
			case "block":
				b.block(c, s)
			}
		}
	case "function_definition":
		b.functionDef(n, n, nil, s)
	case "class_definition":
		b.classDef(n, nil, s)
	case "decorated_definition":
		var decorators []*node
		for _, c := range n.children {
			if c.kind == "decorator" {
				decorators = append(decorators, c)
			}
		}
		def := n.child("definition")
		if def == nil {
			return
		}
		if def.kind == "class_definition" {
			b.classDef(def, decorators, s)
		} else {
			b.functionDef(def, n, decorators, s)
		}
	case "match_statement":
		for _, c := range n.childrenByField("subject") {
			b.expr(c, s)
		}
		b.cond++
		if body := n.child("body"); body != nil {
			for _, cc := range body.children {
				if cc.kind == "case_clause" {
					b.caseClause(cc, s)
				}
			}
		}
		b.cond--
	case "type_alias_statement":
		b.typeAlias(n, s)
	case "block":
		b.block(n, s)
	default:
		// return, raise, assert, print/exec (rejected earlier) and anything
		// else: every name in it is read.
		b.children(n, s)
	}
}

// children walks the named children of a compound node: statements and
// blocks as statements, the rest as expressions.
func (b *binder) children(n *node, s *scope) {
	for _, c := range n.children {
		if !c.named {
			continue
		}
		switch c.kind {
		case "block", "elif_clause", "else_clause":
			b.stmt(c, s)
		default:
			b.expr(c, s)
		}
	}
}

func (b *binder) blockOf(n *node, s *scope) {
	if n != nil {
		b.block(n, s)
	}
}

func (b *binder) assignment(n *node, s *scope) {
	if t := n.child("type"); t != nil {
		b.annotation(t, s)
	}
	right := n.child("right")
	if right == nil {
		// `x: T` binds nothing; `obj.attr: T` still reads obj.
		if left := n.child("left"); left != nil && left.kind != "identifier" {
			b.target(left, s)
		}
		return
	}
	switch right.kind {
	case "assignment":
		b.assignment(right, s)
	case "augmented_assignment":
		b.augmented(right, s)
	default:
		b.expr(right, s)
	}
	b.target(n.child("left"), s)
}

func (b *binder) augmented(n *node, s *scope) {
	b.expr(n.child("right"), s)
	left := n.child("left")
	if left == nil {
		return
	}
	if left.kind == "identifier" {
		name := b.name(left)
		b.load(name, left, s)
		b.bind(name, s)
		return
	}
	b.expr(left, s)
}

// target binds the names of an assignment target; attribute and subscript
// targets read their object.
func (b *binder) target(n *node, s *scope) {
	if n == nil {
		return
	}
	switch n.kind {
	case "identifier":
		b.bind(b.name(n), s)
	case "pattern_list", "tuple_pattern", "list_pattern", "tuple", "list",
		"expression_list", "parenthesized_expression", "list_splat_pattern",
		"list_splat", "as_pattern_target":
		for _, c := range n.children {
			if c.named {
				b.target(c, s)
			}
		}
	default:
		b.expr(n, s)
	}
}

func (b *binder) deleteTarget(n *node, s *scope) {
	switch n.kind {
	case "identifier":
		b.unbind(b.name(n), n, s)
	case "expression_list", "tuple", "list", "parenthesized_expression", "pattern_list":
		for _, c := range n.children {
			if c.named {
				b.deleteTarget(c, s)
			}
		}
	default:
		b.expr(n, s)
	}
}

func (b *binder) importNames(n *node, s *scope) {
	for _, c := range n.childrenByField("name") {
		switch c.kind {
		case "dotted_name":
			// `import a.b` binds a.
			if len(c.children) > 0 {
				b.bindImport(b.name(c.children[0]), s)
			}
		case "aliased_import":
			if a := c.child("alias"); a != nil {
				b.bindImport(b.name(a), s)
			}
		}
	}
}

func (b *binder) importFrom(n *node, s *scope) {
	for _, c := range n.children {
		if c.kind == "wildcard_import" {
			s.starred = true
			if m := n.child("module_name"); m != nil {
				b.stars = append(b.stars, b.p.text(m))
			}
			return
		}
	}
	b.importNames(n, s)
}

func (b *binder) bindImport(name string, s *scope) {
	b.bind(name, s)
	if s == b.module {
		b.imported[name] = struct{}{}
	}
}

// handlerNames lists the exception names a try statement's handlers catch
// (the last part of dotted names).
func handlerNames(p *parsed, try *node) []string {
	var names []string
	var add func(n *node)
	add = func(n *node) {
		switch n.kind {
		case "identifier":
			names = append(names, p.text(n))
		case "attribute":
			if a := n.child("attribute"); a != nil {
				names = append(names, p.text(a))
			}
		case "tuple", "parenthesized_expression":
			for _, c := range n.children {
				if c.named {
					add(c)
				}
			}
		case "as_pattern":
			if len(n.children) > 0 {
				add(n.children[0])
			}
		}
	}
	for _, c := range try.children {
		if c.kind != "except_clause" && c.kind != "except_group_clause" {
			continue
		}
		for _, cc := range c.children {
			if cc.named && cc.kind != "block" && cc.kind != "comment" {
				add(cc)
				break
			}
		}
	}
	return names
}

func (b *binder) except(n *node, s *scope) {
	var alias string
	had := false
	for _, c := range n.children {
		switch {
		case c.kind == "block":
			b.block(c, s)
		case c.kind == "as_pattern":
			// except E as e
			for _, cc := range c.children {
				if !cc.named {
					continue
				}
				if cc.field == "alias" {
					for _, t := range cc.children {
						if t.kind == "identifier" {
							alias = b.name(t)
							had = s.has(alias)
							b.bind(alias, s)
						}
					}
				} else {
					b.expr(cc, s)
				}
			}
		case c.named && c.kind != "comment":
			b.expr(c, s)
		}
	}
	if alias != "" && !had {
		delete(s.names, alias)
	}
}

func (b *binder) withItem(n *node, s *scope) {
	v := n.child("value")
	if v == nil {
		return
	}
	if v.kind != "as_pattern" {
		b.expr(v, s)
		return
	}
	for _, c := range v.children {
		if !c.named {
			continue
		}
		if c.field == "alias" {
			b.target(c, s)
		} else {
			b.expr(c, s)
		}
	}
}
