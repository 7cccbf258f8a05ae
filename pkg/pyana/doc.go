// Package pyana is the static analysis of notebook Python code that Kale's
// dependency detection needs. Analyze takes one block of Python source (a
// cell, or a step's joined cells: AnalyzeCells), blanks IPython syntax
// without moving any line, parses it with tree-sitter, and returns the names
// the block reads without defining (pyflakes' "undefined name" under Python
// 3.12 scoping), the names it mentions at module level (Kale's marshal
// candidates), its top-level functions with their free variables and source,
// and the names it calls. Code that does not parse gives a *SyntaxError with
// the line and column CPython would blame in the common cases. It does no
// I/O and keeps no state: every call builds and closes its own parser, so
// calls may run concurrently.
//
// Choices where Kale, pyflakes and Python disagree, or where the brief left
// room:
//
//   - Undefined follows pyflakes: module and class bodies in source order
//     (`print(x); x = 1` reports x), function bodies after the module, a
//     binding in any branch counts, `del x` unbinds except under
//     if/while/conditional expression/match, an except-as name is unbound
//     after its handler unless it was bound before, `x: T` binds nothing,
//     names after `from m import *` and inside `try` bodies with an
//     `except NameError` handler are not reported, and
//     `from __future__ import annotations` postpones annotation reads. A
//     function local read before its assignment resolves outwards, as in
//     pyflakes (Python would raise UnboundLocalError). String annotations
//     ("Foo") are not parsed.
//   - Scoping is Python's, not pyflakes' where they differ: comprehensions
//     in a class body cannot see class variables (except the first
//     iterable), and PEP 695 type parameters have their own scope.
//   - display and get_ipython count as builtins (IPython defines them in
//     every notebook kernel), as do the module dunders and WindowsError
//     (pyflakes).
//   - Mentioned is Kale's get_marshal_candidates except that `import a.b`
//     gives a (the name it binds, not "a.b"), except-as names and match
//     captures count, and async defs are treated like defs (Kale descends
//     into their bodies).
//   - Functions includes async defs (Kale's parse_functions skips them) and
//     lists a redefined name once per definition; FunctionSource returns
//     the last one, as Kale keeps it.
//   - Defined lists every name ever bound at module level, even if deleted
//     later.
//   - Cell magics whose body is Python (%%time, %%timeit, %%capture,
//     %%prun, %%debug) keep the body in the analysis; %%capture NAME binds
//     NAME. Any other cell magic blanks its whole cell. `%time`/`%timeit`
//     line magics keep their statement; `!cmd {name}` and `%magic {name}`
//     read name, as IPython expands it.
package pyana
