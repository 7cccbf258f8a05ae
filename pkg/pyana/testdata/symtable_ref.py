"""Reference for pyana's undefined names, from CPython's own symbol tables.

Reads a JSON list of Python sources on stdin and prints a JSON list with, for
each source, the sorted names that some scope reads and that resolve to the
module namespace without any binding there (and are not builtins), or null
when this Python cannot compile the source. symtable knows nothing about
statement order, del, or pyflakes' conventions, so the Go test uses it only
for order-independent cases.
"""
import builtins
import json
import symtable
import sys

ALWAYS = set(dir(builtins)) | {
    "__file__", "__builtins__", "__annotations__", "__cached__",
    "display", "get_ipython", "WindowsError",
}


def module_bindings(top):
    bound = set()
    for sym in top.get_symbols():
        if sym.is_assigned() or sym.is_imported() or sym.is_namespace():
            bound.add(sym.get_name())

    def from_globals(t):
        for sym in t.get_symbols():
            if sym.is_declared_global() and sym.is_assigned():
                bound.add(sym.get_name())
        for c in t.get_children():
            from_globals(c)

    for c in top.get_children():
        from_globals(c)
    return bound


def undefined(src):
    try:
        top = symtable.symtable(src, "<cell>", "exec")
    except SyntaxError:
        return None
    bound = module_bindings(top)
    out = set()

    def visit(t, is_top):
        for sym in t.get_symbols():
            name = sym.get_name()
            if not sym.is_referenced():
                continue
            if is_top:
                resolves_to_module = True
            else:
                resolves_to_module = sym.is_global()
            if resolves_to_module and name not in bound and name not in ALWAYS:
                out.add(name)
        for c in t.get_children():
            visit(c, False)

    visit(top, True)
    return sorted(out)


print(json.dumps([undefined(s) for s in json.load(sys.stdin)]))
