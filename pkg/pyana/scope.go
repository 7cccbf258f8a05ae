package pyana

// The binder finds undefined names the way pyflakes does, with Python 3.12
// scoping rules:
//
//   - Module and class bodies are walked in source order: a name read before
//     any binding of it in the scope (and in no enclosing scope) is
//     undefined, even if a later statement binds it. A binding inside an if,
//     try or loop counts from where it appears.
//   - Function and lambda bodies are walked after the whole module (in the
//     order they were defined), so a function may read a module name bound
//     later in the module. Decorators, defaults and annotations are read
//     where the def is.
//   - Class bodies are not visible from methods or from comprehensions in
//     the class body (except the first iterable, read in the class scope).
//   - Comprehension variables stay in the comprehension; a walrus binds in
//     the nearest enclosing non-comprehension scope.
//   - `global x` binds x at module level; `nonlocal x` binds it locally.
//   - `del x` unbinds x, except under an if, while, conditional expression
//     or match (pyflakes: the branch may not run). Deleting an unbound name
//     is an undefined name.
//   - `except E as e` binds e for the handler only; afterwards the previous
//     binding of e, if any, is back (pyflakes).
//   - `x: T` without a value binds nothing (pyflakes); T is read.
//   - After `from m import *`, unresolved names in that scope chain are not
//     reported (pyflakes reports them as "may be undefined"; Kale ignores
//     those), but they still count as free variables of functions.

type scopeKind uint8

const (
	moduleScope scopeKind = iota
	functionScope
	classScope
	compScope
	typeParamScope
)

type scope struct {
	kind    scopeKind
	parent  *scope
	names   map[string]struct{}
	globals map[string]struct{}
	starred bool // a `from m import *` ran in this scope
	owner   int  // index of the top-level Function this scope belongs to, or -1
}

func newScope(kind scopeKind, parent *scope, owner int) *scope {
	return &scope{kind: kind, parent: parent, names: map[string]struct{}{}, owner: owner}
}

func (s *scope) has(name string) bool {
	_, ok := s.names[name]
	return ok
}

func (s *scope) isGlobal(name string) bool {
	_, ok := s.globals[name]
	return ok
}

type deferred struct {
	def    *node // function_definition, lambda, type alias or annotation
	parent *scope
	cond   int
	owner  int
	// inPlace: read def as an expression in parent (a postponed
	// annotation) instead of running a new function scope.
	inPlace bool
}

type binder struct {
	p      *parsed
	module *scope
	queue  []deferred
	cond   int // nesting depth of if/while/conditional expression/match
	// handlers: for each enclosing try body, the exception names its
	// handlers catch; a NameError handler silences undefined names.
	handlers          [][]string
	futureAnnotations bool
	undefined         map[string]int
	defined           map[string]struct{}
	imported          map[string]struct{}
	stars             []string
	functions         []Function
	funcNodes         []*node // the function_definition node of each Function
	funcOuter         []*node // the decorated_definition around it, or the def
	freeVars          []map[string]struct{}
}

func newBinder(p *parsed) *binder {
	return &binder{
		p:         p,
		module:    newScope(moduleScope, nil, -1),
		undefined: map[string]int{},
		defined:   map[string]struct{}{},
		imported:  map[string]struct{}{},
	}
}

// run analyses the module, then every deferred function body.
func (b *binder) run() {
	b.block(b.p.root, b.module)
	for len(b.queue) > 0 {
		d := b.queue[0]
		b.queue = b.queue[1:]
		b.runFunction(d)
	}
}

func (b *binder) name(n *node) string { return b.p.text(n) }

// load records a read of name at n in scope s.
func (b *binder) load(name string, n *node, s *scope) {
	found, at, starred := b.resolve(name, s)
	if s.owner >= 0 && (found && at == b.module || !found && !isBuiltin(name)) {
		b.freeVars[s.owner][name] = struct{}{}
	}
	if found || isBuiltin(name) || starred || b.nameErrorHandled() {
		return
	}
	b.markUndefined(name, n)
}

// nameErrorHandled reports whether the innermost try body being walked has
// an `except NameError` handler (pyflakes: the code expects the name to be
// missing).
func (b *binder) nameErrorHandled() bool {
	if len(b.handlers) == 0 {
		return false
	}
	for _, h := range b.handlers[len(b.handlers)-1] {
		if h == "NameError" {
			return true
		}
	}
	return false
}

func (b *binder) markUndefined(name string, n *node) {
	line := n.line + 1
	if old, ok := b.undefined[name]; !ok || line < old {
		b.undefined[name] = line
	}
}

// resolve looks name up from s outwards. Class scopes are visible only from
// their own body, and from type-parameter scopes directly inside them.
func (b *binder) resolve(name string, s *scope) (found bool, at *scope, starred bool) {
	if name == "__class__" && s.kind == functionScope {
		return true, s, false
	}
	for sc := s; sc != nil; sc = sc.parent {
		if sc.kind == classScope && sc != s && !(s.kind == typeParamScope && s.parent == sc) {
			continue
		}
		if sc.isGlobal(name) {
			return true, b.module, false
		}
		if sc.has(name) {
			return true, sc, false
		}
		starred = starred || sc.starred
	}
	return false, nil, starred
}

// bind records a binding of name in s.
func (b *binder) bind(name string, s *scope) {
	if s.isGlobal(name) {
		s = b.module
	}
	s.names[name] = struct{}{}
	if s == b.module {
		b.defined[name] = struct{}{}
	}
}

// unbind handles `del name`.
func (b *binder) unbind(name string, n *node, s *scope) {
	if b.cond > 0 {
		return
	}
	if s.isGlobal(name) {
		delete(s.globals, name)
		return
	}
	if s.has(name) {
		delete(s.names, name)
		return
	}
	if !isBuiltin(name) {
		b.markUndefined(name, n)
		if s.owner >= 0 {
			b.freeVars[s.owner][name] = struct{}{}
		}
	}
}

// nonComp is the scope a walrus binds in.
func nonComp(s *scope) *scope {
	for s.kind == compScope && s.parent != nil {
		s = s.parent
	}
	return s
}

// ---- statements ----

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
				b.handlers = append(b.handlers, b.handlerNames(n))
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
func (b *binder) handlerNames(try *node) []string {
	var names []string
	var add func(n *node)
	add = func(n *node) {
		switch n.kind {
		case "identifier":
			names = append(names, b.name(n))
		case "attribute":
			if a := n.child("attribute"); a != nil {
				names = append(names, b.name(a))
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

// ---- match patterns ----

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
				b.pattern(c, s)
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
