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
