package pyana

import (
	"testing"
)

// scopingCase is one undefined-name expectation. symtable marks cases whose
// answer does not depend on statement order, del or pyflakes conventions, so
// CPython's symtable must agree with them too.
type scopingCase struct {
	name      string
	src       string
	undefined []string
	symtable  bool
}

var scopingCases = []scopingCase{
	{name: "read before assignment at module level is undefined", src: "print(x)\nx = 1\n", undefined: []string{"x"}},
	{name: "assignment then read is defined", src: "x = 1\nprint(x)\n", symtable: true},
	{name: "builtins and notebook globals are never undefined", src: "print(len(range(3)), ValueError, ExceptionGroup, aiter, __import__, __build_class__, __debug__, exit, quit, copyright, credits, license)\ndisplay(get_ipython())\n", symtable: true},
	{name: "module dunders are defined", src: "print(__name__, __file__, __doc__, __builtins__, __spec__, __loader__, __package__, __annotations__)\n", symtable: true},
	{name: "function reads a module name bound later", src: "def f():\n    return y\ny = 1\n", symtable: true},
	{name: "function parameters are local", src: "def f(a, /, b, *c, d=1, e: int = 2, **g):\n    return a, b, c, d, e, g\n", symtable: true},
	{name: "default values are read in the enclosing scope", src: "def f(a=b):\n    pass\n", undefined: []string{"b"}, symtable: true},
	{name: "defaults cannot see the parameters", src: "def f(a, b=a):\n    pass\n", undefined: []string{"a"}, symtable: true},
	{name: "decorators are read in the enclosing scope", src: "@deco(arg)\ndef f():\n    pass\n", undefined: []string{"arg", "deco"}, symtable: true},
	{name: "annotations are read in the enclosing scope", src: "def f(a: T, *b: U) -> R:\n    pass\n", undefined: []string{"R", "T", "U"}, symtable: true},
	{name: "class body names are not visible in methods", src: "class C:\n    k = 1\n    def m(self):\n        return k\n", undefined: []string{"k"}, symtable: true},
	{name: "class body names are visible in the class body", src: "class C:\n    k = 1\n    j = k + 1\n", symtable: true},
	{name: "class-level comprehension cannot see class variables", src: "class C:\n    k = [1]\n    m = [x + len(k) for x in range(3)]\n", undefined: []string{"k"}, symtable: true},
	{name: "class-level comprehension first iterable sees class variables", src: "class C:\n    k = [1]\n    m = [x for x in k]\n", symtable: true},
	{name: "class name is not visible inside its own body", src: "class C:\n    x = C\n", undefined: []string{"C"}},
	{name: "method can read its class by name", src: "class C:\n    def m(self):\n        return C\n", symtable: true},
	{name: "super and __class__ work in methods", src: "class C(B):\n    def m(self):\n        return super().m(), __class__\n", undefined: []string{"B"}, symtable: true},
	{name: "class bases and keywords are read", src: "class C(Base, metaclass=Meta):\n    pass\n", undefined: []string{"Base", "Meta"}, symtable: true},
	{name: "decorated class reads its decorator", src: "@dataclass\nclass P:\n    x: int = 0\n", undefined: []string{"dataclass"}, symtable: true},
	{name: "comprehension variables do not leak", src: "[i for i in range(3)]\nprint(i)\n", undefined: []string{"i"}, symtable: true},
	{name: "nested comprehension sees the outer loop variable", src: "[j for i in [[1]] for j in i if j]\n", symtable: true},
	{name: "generator expression argument", src: "sum(x for x in xs)\n", undefined: []string{"xs"}, symtable: true},
	{name: "dict and set comprehensions", src: "a = {k: v for k, v in d.items()}\nb = {w for w in a}\n", undefined: []string{"d"}, symtable: true},
	{name: "walrus in a comprehension binds in the enclosing scope", src: "[y := i for i in range(3)]\nprint(y)\n", symtable: true},
	{name: "walrus in a condition binds at module level", src: "if (n := 10) > 5:\n    print(n)\n", symtable: true},
	{name: "global declaration binds at module level", src: "def f():\n    global g\n    g = 1\ndef h():\n    return g\n", symtable: true},
	{name: "nonlocal refers to the enclosing function", src: "def f():\n    x = 1\n    def g():\n        nonlocal x\n        x += 1\n    return g\n", symtable: true},
	{name: "closure reads an enclosing function local", src: "def f():\n    x = 1\n    def g():\n        return x\n    return g\n", symtable: true},
	{name: "nested function reads an enclosing local bound later", src: "def f():\n    def g():\n        return y\n    y = 1\n    return g\n", symtable: true},
	{name: "function local read before its assignment falls back to the module", src: "x = 1\ndef f():\n    print(x)\n    x = 2\n"},
	{name: "recursive function sees itself", src: "def f(n):\n    return f(n - 1)\n", symtable: true},
	{name: "del then read at module level is undefined", src: "x = 1\ndel x\nprint(x)\n", undefined: []string{"x"}},
	{name: "del under an if keeps the binding", src: "x = 1\nif c:\n    del x\nprint(x)\n", undefined: []string{"c"}, symtable: true},
	{name: "del of an unbound name is undefined", src: "del x\n", undefined: []string{"x"}},
	{name: "del of subscripts and attributes reads them", src: "del d[k], o.a\n", undefined: []string{"d", "k", "o"}, symtable: true},
	{name: "module del is seen by functions analysed afterwards", src: "x = 1\ndef f():\n    return x\ndel x\n", undefined: []string{"x"}},
	{name: "except-as name is bound in the handler", src: "try:\n    pass\nexcept Exception as e:\n    print(e)\n", symtable: true},
	{name: "except-as name is unbound after the handler", src: "try:\n    pass\nexcept Exception as e:\n    pass\nprint(e)\n", undefined: []string{"e"}},
	{name: "except-as restores an earlier binding", src: "e = 1\ntry:\n    pass\nexcept Exception as e:\n    pass\nprint(e)\n", symtable: true},
	{name: "exception group handler binds its name", src: "try:\n    pass\nexcept* ValueError as eg:\n    print(eg)\n", symtable: true},
	{name: "exception types are read", src: "try:\n    pass\nexcept (MyError, OSError):\n    pass\n", undefined: []string{"MyError"}, symtable: true},
	{name: "match capture patterns bind", src: "match p:\n    case [a, *rest]:\n        print(a, rest)\n    case {\"k\": v, **kw}:\n        print(v, kw)\n    case Point(x=px) as pt:\n        print(px, pt)\n", undefined: []string{"Point", "p"}, symtable: true},
	{name: "match value patterns read dotted names", src: "match p:\n    case Color.RED | Color.GREEN:\n        pass\n    case _:\n        pass\n", undefined: []string{"Color", "p"}, symtable: true},
	{name: "match mapping keys are values, not captures", src: "match m:\n    case {Keys.A: v}:\n        print(v)\n", undefined: []string{"Keys", "m"}, symtable: true},
	{name: "match guard reads", src: "match 1:\n    case x if x > lim:\n        pass\n", undefined: []string{"lim"}, symtable: true},
	{name: "lambda parameters are local and defaults are read outside", src: "f = lambda a, *r, b=c, **k: a + b + d\n", undefined: []string{"c", "d"}, symtable: true},
	{name: "lambda body sees module names bound later", src: "f = lambda: z\nz = 1\n", symtable: true},
	{name: "f-string replacement fields are read, nested format specs too", src: "print(f\"{a!r:{w}.{p}} {b=} {{literal}}\")\n", undefined: []string{"a", "b", "p", "w"}, symtable: true},
	{name: "annotated assignment binds the target and reads the annotation", src: "x: Foo = 1\nprint(x)\n", undefined: []string{"Foo"}, symtable: true},
	{name: "bare annotation binds nothing at module level", src: "x: int\nprint(x)\n", undefined: []string{"x"}},
	{name: "conditional definition counts as defined", src: "if c:\n    y = 1\nprint(y)\n", undefined: []string{"c"}, symtable: true},
	{name: "try-except ImportError alternatives are defined", src: "try:\n    import ujson as json\nexcept ImportError:\n    import json\njson.dumps(1)\n", symtable: true},
	{name: "star import hides undefined names", src: "from os.path import *\nprint(join)\n"},
	{name: "names read before a star import are still undefined", src: "print(join)\nfrom os.path import *\n", undefined: []string{"join"}},
	{name: "for loop targets bind", src: "for i, (j, k) in x:\n    print(i, j, k)\nelse:\n    print(i)\n", undefined: []string{"x"}, symtable: true},
	{name: "while loop reads before a later binding in source order", src: "while cond:\n    print(z)\n    z = 1\n", undefined: []string{"cond", "z"}},
	{name: "with-as targets bind", src: "with open(p) as f, g() as (a, b):\n    print(f, a, b)\n", undefined: []string{"g", "p"}, symtable: true},
	{name: "augmented assignment of an unbound name is undefined", src: "x += 1\n", undefined: []string{"x"}},
	{name: "attribute and subscript targets read their object", src: "obj.attr = 1\nd[k] = 2\n", undefined: []string{"d", "k", "obj"}, symtable: true},
	{name: "keyword argument names are not reads", src: "f(a=1, *args, **kwargs)\n", undefined: []string{"args", "f", "kwargs"}, symtable: true},
	{name: "import binds the top-level package", src: "import os.path\nos.getcwd()\n", symtable: true},
	{name: "import alias binds only the alias", src: "import numpy as np\nnumpy.array\n", undefined: []string{"numpy"}, symtable: true},
	{name: "from-import binds names and aliases", src: "from a import b, c as d\nprint(b, d, c)\n", undefined: []string{"c"}, symtable: true},
	{name: "relative and future imports bind", src: "from __future__ import annotations\nfrom . import sib\nfrom .pkg import (x as y,)\nprint(sib, y)\n", symtable: true},
	{name: "unpacking star target binds", src: "a, *b = c\n[d, e] = b\nprint(a, b, d, e)\n", undefined: []string{"c"}, symtable: true},
	{name: "chained assignment binds every target", src: "a = b = 1\nprint(a, b)\n", symtable: true},
	{name: "comprehension inside a function sees its locals", src: "def f(n):\n    return [i * n for i in range(n)]\n", symtable: true},
	{name: "async function, async with, async for and await", src: "async def f():\n    async with a() as b:\n        async for c in b:\n            await c\n", undefined: []string{"a"}, symtable: true},
	{name: "conditional expression reads every branch", src: "y = a if b else c\n", undefined: []string{"a", "b", "c"}, symtable: true},
	{name: "slices and subscripts are read", src: "x = arr[i:j, ::k]\n", undefined: []string{"arr", "i", "j", "k"}, symtable: true},
	{name: "generic function type parameters are local", src: "def f[T: Bound, *Ts, **P](x: T) -> T:\n    return x\n", undefined: []string{"Bound"}},
	{name: "generic class type parameters are visible in bases", src: "class Box[T](Base[T]):\n    pass\n", undefined: []string{"Base"}},
	{name: "type alias statement binds, its value is read lazily", src: "type Pair[T] = tuple[T, Other]\nx: Pair[int] = (1, 1)\nOther = int\n"},
	{name: "keyword identifiers are ordinary names", src: "match = 1\ntype = 2\nprint(match, type)\n", symtable: true},
	{name: "class defined inside a function is local", src: "def f():\n    class K:\n        pass\n    return K()\n", symtable: true},
	{name: "function in a class body reads module names, not class names", src: "z = 1\nclass C:\n    z = 2\n    def m(self):\n        return z\n", symtable: true},
	{name: "yield and return values are read", src: "def g():\n    yield a\n    yield from b\n    return c\n", undefined: []string{"a", "b", "c"}, symtable: true},
	{name: "postponed annotations may name classes defined later", src: "from __future__ import annotations\ndef f(x: Later) -> Later:\n    pass\ny: Later = 1\nclass Later:\n    pass\n"},
	{name: "without postponed annotations a later class is undefined", src: "def f(x: Later):\n    pass\nclass Later:\n    pass\n", undefined: []string{"Later"}},
	{name: "a NameError handler silences undefined names in its try body", src: "try:\n    unicode\nexcept NameError:\n    unicode = str\n"},
	{name: "other handlers do not silence undefined names", src: "try:\n    unicode\nexcept (ImportError, ValueError):\n    pass\n", undefined: []string{"unicode"}},
	{name: "top-level await works as in IPython", src: "x = await fetch()\nasync def g():\n    return [await z async for z in q]\n", undefined: []string{"fetch", "q"}},
	{name: "raise and assert read their operands", src: "assert ok, msg\nraise Err from cause\n", undefined: []string{"Err", "cause", "msg", "ok"}, symtable: true},
}

func TestScoping(t *testing.T) {
	var refSrcs []string
	var refCases []scopingCase
	for _, tc := range scopingCases {
		t.Run(tc.name, func(t *testing.T) {
			r := mustAnalyze(t, tc.src)
			if !equalNames(r.Undefined, tc.undefined) {
				t.Errorf("Undefined = %q, want %q\nsource:\n%s", r.Undefined, tc.undefined, tc.src)
			}
			for _, name := range r.Undefined {
				if r.UndefinedAt[name] < 1 {
					t.Errorf("UndefinedAt[%q] = %d, want a line", name, r.UndefinedAt[name])
				}
			}
		})
		if tc.symtable {
			refSrcs = append(refSrcs, tc.src)
			refCases = append(refCases, tc)
		}
	}
	ref := symtableUndefined(t, refSrcs)
	if ref == nil {
		return
	}
	for i, tc := range refCases {
		if ref[i] == nil {
			continue
		}
		if !equalNames(ref[i], tc.undefined) {
			t.Errorf("%s: CPython symtable says undefined %q, the table says %q", tc.name, ref[i], tc.undefined)
		}
	}
}

func TestUndefinedAtIsTheFirstUse(t *testing.T) {
	src := "def f():\n    return late_name\nprint(x)\n\nprint(x, late_name)\n"
	r := mustAnalyze(t, src)
	want := map[string]int{"x": 3, "late_name": 2}
	for name, line := range want {
		if r.UndefinedAt[name] != line {
			t.Errorf("UndefinedAt[%q] = %d, want %d", name, r.UndefinedAt[name], line)
		}
	}
}
