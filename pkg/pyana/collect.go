package pyana

// mentioned collects Kale's marshal candidates: every name at module level,
// not descending into function or class definitions (whose names count).
func mentioned(p *parsed) []string {
	set := map[string]struct{}{}
	add := func(n *node) { set[p.text(n)] = struct{}{} }
	var walk func(n *node)
	walk = func(n *node) {
		switch n.kind {
		case "identifier":
			add(n)
		case "function_definition", "class_definition":
			if nm := n.child("name"); nm != nil {
				add(nm)
			}
		case "decorated_definition":
			if d := n.child("definition"); d != nil {
				walk(d)
			}
		case "import_statement", "future_import_statement", "import_from_statement":
			for _, c := range n.childrenByField("name") {
				switch c.kind {
				case "dotted_name":
					if len(c.children) > 0 {
						add(c.children[0])
					}
				case "aliased_import":
					if a := c.child("alias"); a != nil {
						add(a)
					}
				}
			}
		case "global_statement", "nonlocal_statement":
		case "attribute":
			walkField(n, "object", walk)
		case "keyword_argument":
			walkField(n, "value", walk)
		case "lambda":
			// Parameters are not names (ast.arg); defaults and body are.
			if params := n.child("parameters"); params != nil {
				for _, prm := range params.children {
					if v := prm.child("value"); v != nil {
						walk(v)
					}
				}
			}
			walkField(n, "body", walk)
		case "keyword_pattern":
			seenEq := false
			for _, c := range n.children {
				if c.kind == "=" {
					seenEq = true
				} else if seenEq && c.named {
					walk(c)
				}
			}
		case "dotted_name":
			// In patterns: a capture, or a value whose first part is a name.
			if len(n.children) > 0 {
				add(n.children[0])
			}
		case "member_type":
			for _, c := range n.children {
				if c.kind == "type" {
					walk(c)
					break
				}
			}
		default:
			for _, c := range n.children {
				if c.named {
					walk(c)
				}
			}
		}
	}
	walk(p.root)
	return sortedKeys(set)
}

func walkField(n *node, field string, walk func(*node)) {
	if c := n.child(field); c != nil {
		walk(c)
	}
}

// topLevelClasses returns the names of classes defined in the module body,
// including inside if/try/with/for/while/match, but not inside functions or
// other classes.
func topLevelClasses(p *parsed) []string {
	set := map[string]struct{}{}
	var walk func(n *node)
	walk = func(n *node) {
		switch n.kind {
		case "class_definition":
			if nm := n.child("name"); nm != nil {
				set[p.text(nm)] = struct{}{}
			}
			return
		case "function_definition", "lambda":
			return
		}
		for _, c := range n.children {
			if c.named {
				walk(c)
			}
		}
	}
	walk(p.root)
	return sortedKeys(set)
}

// calls returns the names f of every call f(...) anywhere in the code.
func calls(p *parsed) []string {
	set := map[string]struct{}{}
	var walk func(n *node)
	walk = func(n *node) {
		if n.kind == "call" {
			if f := n.child("function"); f != nil && f.kind == "identifier" {
				set[p.text(f)] = struct{}{}
			}
		}
		for _, c := range n.children {
			if c.named {
				walk(c)
			}
		}
	}
	walk(p.root)
	return sortedKeys(set)
}

// lastExpressionName returns x when the last top-level statement is the bare
// expression `x`.
func lastExpressionName(p *parsed) string {
	var last *node
	for _, c := range p.root.children {
		if c.named && c.kind != "comment" {
			last = c
		}
	}
	if last == nil || last.kind != "expression_statement" {
		return ""
	}
	kids := last.namedChildren()
	if len(kids) == 1 && kids[0].kind == "identifier" {
		return p.text(kids[0])
	}
	return ""
}
