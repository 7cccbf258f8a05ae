package pyana

// Definitions: def, class, lambda bodies and PEP 695 type parameters.

func (b *binder) typeAlias(n *node, s *scope) {
	left := n.child("left")
	right := n.child("right")
	if left == nil {
		return
	}
	// type X[T] = ...: X binds in s; T is visible on the right only.
	inner := s
	nameNode := left
	if len(left.children) == 1 && left.children[0].kind == "generic_type" {
		g := left.children[0]
		for _, c := range g.children {
			switch c.kind {
			case "identifier":
				nameNode = c
			case "type_parameter":
				inner = newScope(typeParamScope, s, s.owner)
				b.typeParams(c, inner)
			}
		}
	} else if len(left.children) == 1 && left.children[0].kind == "identifier" {
		nameNode = left.children[0]
	}
	if nameNode.kind == "identifier" {
		b.bind(b.name(nameNode), s)
	}
	// The value is evaluated lazily, like a function body.
	if right != nil {
		b.queue = append(b.queue, deferred{def: n, parent: inner, cond: b.cond, owner: s.owner})
	}
}

// typeParams binds the parameters of a PEP 695 type-parameter list in tp and
// reads their bounds there.
func (b *binder) typeParams(n *node, tp *scope) {
	for _, t := range n.children {
		if t.kind != "type" || len(t.children) == 0 {
			continue
		}
		c := t.children[0]
		switch c.kind {
		case "identifier":
			b.bind(b.name(c), tp)
		case "splat_type":
			for _, id := range c.children {
				if id.kind == "identifier" {
					b.bind(b.name(id), tp)
				}
			}
		case "constrained_type":
			// T: bound
			parts := c.namedChildren()
			if len(parts) == 2 && len(parts[0].children) == 1 && parts[0].children[0].kind == "identifier" {
				b.bind(b.name(parts[0].children[0]), tp)
				b.expr(parts[1], tp)
			}
		}
	}
}

// functionDef handles a def: decorators, defaults and annotations are read
// now; the body is deferred.
func (b *binder) functionDef(n, outer *node, decorators []*node, s *scope) {
	for _, d := range decorators {
		b.expr(d, s)
	}
	owner := s.owner
	if s == b.module {
		owner = b.addFunction(n, outer)
	}
	inner := s
	if tp := n.child("type_parameters"); tp != nil {
		// Annotations are read for the enclosing scope, not the function.
		inner = newScope(typeParamScope, s, s.owner)
		b.typeParams(tp, inner)
	}
	if params := n.child("parameters"); params != nil {
		b.paramDefaults(params, s, inner)
	}
	if rt := n.child("return_type"); rt != nil {
		b.annotation(rt, inner)
	}
	if name := n.child("name"); name != nil {
		b.bind(b.name(name), s)
	}
	b.queue = append(b.queue, deferred{def: n, parent: inner, cond: b.cond, owner: owner})
}

func (b *binder) addFunction(n, outer *node) int {
	name := ""
	if nm := n.child("name"); nm != nil {
		name = b.name(nm)
	}
	b.functions = append(b.functions, Function{Name: name, Line: n.line + 1})
	b.funcNodes = append(b.funcNodes, n)
	b.funcOuter = append(b.funcOuter, outer)
	b.freeVars = append(b.freeVars, map[string]struct{}{})
	return len(b.functions) - 1
}

// paramDefaults reads default values in s (the scope of the def) and
// annotations in ann (the type-parameter scope, or s).
func (b *binder) paramDefaults(params *node, s, ann *scope) {
	for _, p := range params.children {
		switch p.kind {
		case "default_parameter":
			b.expr(p.child("value"), s)
		case "typed_default_parameter":
			b.annotation(p.child("type"), ann)
			b.expr(p.child("value"), s)
		case "typed_parameter":
			b.annotation(p.child("type"), ann)
		}
	}
}

// bindParams binds every parameter name of a parameters or
// lambda_parameters node in fs.
func (b *binder) bindParams(params *node, fs *scope) {
	if params == nil {
		return
	}
	for _, p := range params.children {
		b.bindParam(p, fs)
	}
}

func (b *binder) bindParam(p *node, fs *scope) {
	switch p.kind {
	case "identifier":
		b.bind(b.name(p), fs)
	case "default_parameter", "typed_default_parameter":
		b.target(p.child("name"), fs)
	case "typed_parameter", "list_splat_pattern", "dictionary_splat_pattern", "tuple_pattern":
		for _, c := range p.children {
			if c.named && c.field != "type" {
				b.bindParam(c, fs)
			}
		}
	}
}

func (b *binder) runFunction(d deferred) {
	saved, savedHandlers := b.cond, b.handlers
	b.cond, b.handlers = d.cond, nil
	defer func() { b.cond, b.handlers = saved, savedHandlers }()
	if d.inPlace {
		b.expr(d.def, d.parent)
		return
	}
	fs := newScope(functionScope, d.parent, d.owner)
	switch d.def.kind {
	case "type_alias_statement":
		b.expr(d.def.child("right"), fs)
	case "lambda":
		b.bindParams(d.def.child("parameters"), fs)
		b.expr(d.def.child("body"), fs)
	default:
		b.bindParams(d.def.child("parameters"), fs)
		b.blockOf(d.def.child("body"), fs)
	}
}

func (b *binder) classDef(n *node, decorators []*node, s *scope) {
	for _, d := range decorators {
		b.expr(d, s)
	}
	inner := s
	if tp := n.child("type_parameters"); tp != nil {
		inner = newScope(typeParamScope, s, s.owner)
		b.typeParams(tp, inner)
	}
	if sup := n.child("superclasses"); sup != nil {
		b.expr(sup, inner)
	}
	cs := newScope(classScope, inner, s.owner)
	cs.names["__module__"] = struct{}{}
	cs.names["__qualname__"] = struct{}{}
	b.blockOf(n.child("body"), cs)
	if name := n.child("name"); name != nil {
		b.bind(b.name(name), s)
	}
}
