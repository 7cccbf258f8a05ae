"""Reference for pyana's module-level name lists, from CPython's ast and
symtable modules.

Reads a JSON list of Python sources (IPython lines already blanked) on stdin
and prints, for each, a JSON object (or null when this Python cannot parse
it) with:
  mentioned  Kale's marshal candidates (astutils.get_marshal_candidates) with
             pyana's documented adjustments: `import a.b` gives `a`, and
             except-as names, match captures and walrus targets count; async
             defs are not descended into, like defs.
  calls      names f of every call f(...) (astutils.get_function_calls).
  functions  top-level defs found walking the module body without entering
             function or class bodies (astutils.parse_functions), with the
             names their scopes read from the module namespace (symtable),
             minus builtins.
  classes    top-level class names.
  last       the trailing bare name, or "".
"""
import ast
import builtins
import json
import symtable
import sys

ALWAYS = set(dir(builtins)) | {
    "__file__", "__builtins__", "__annotations__", "__cached__",
    "display", "get_ipython", "WindowsError",
}
DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def walk_module(tree, stop, skip=()):
    """Yield nodes of the module body, not descending below stop nodes."""
    todo = list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, skip):
            continue
        yield node
        if not isinstance(node, stop):
            todo.extend(ast.iter_child_nodes(node))


def mentioned(tree):
    names = set()
    for node in walk_module(tree, DEFS):
        if isinstance(node, DEFS):
            names.add(node.name)
        elif isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for a in node.names:
                if a.name == "*":
                    continue
                names.add(a.asname or a.name.split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            names.add(node.rest)
    return sorted(names)


def calls(tree):
    return sorted({n.func.id for n in ast.walk(tree)
                   if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)})


def module_reads(table):
    """Names a function's scopes (and nested ones) resolve globally."""
    out = set()
    for sym in table.get_symbols():
        if sym.is_referenced() and sym.is_global():
            out.add(sym.get_name())
    for child in table.get_children():
        out |= module_reads(child)
    return out


def functions(tree, top):
    tables = {}
    for child in top.get_children():
        if child.get_type() == "function":
            tables.setdefault((child.get_name(), child.get_lineno()), child)
    out = []
    for node in walk_module(tree, (ast.FunctionDef, ast.AsyncFunctionDef), (ast.ClassDef,)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            lineno = node.decorator_list[0].lineno if node.decorator_list else node.lineno
            t = tables.get((node.name, node.lineno)) or tables.get((node.name, lineno))
            free = sorted(module_reads(t) - ALWAYS) if t else None
            out.append({"name": node.name, "line": node.lineno, "free_vars": free})
    out.sort(key=lambda f: f["line"])
    return out


def classes(tree):
    return sorted({n.name for n in walk_module(tree, DEFS) if isinstance(n, ast.ClassDef)})


def last(tree):
    if tree.body and isinstance(tree.body[-1], ast.Expr) and isinstance(tree.body[-1].value, ast.Name):
        return tree.body[-1].value.id
    return ""


def analyse(src):
    try:
        tree = ast.parse(src)
        top = symtable.symtable(src, "<cell>", "exec")
    except SyntaxError:
        return None
    return {"mentioned": mentioned(tree), "calls": calls(tree),
            "functions": functions(tree, top), "classes": classes(tree), "last": last(tree)}


print(json.dumps([analyse(s) for s in json.load(sys.stdin)]))
