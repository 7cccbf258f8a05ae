package pyana

import "slices"

// imports lists the top-level modules the code imports anywhere (function
// bodies included): `import a.b` and `from a.b import c` give a. Relative
// imports (`from . import x`) name the notebook's own files, and
// `__future__` is a compiler directive, so neither counts. Neither do
// imports in the body of a try statement that catches ImportError: that
// code runs without the module.
func imports(p *parsed) []string {
	set := map[string]struct{}{}
	addDotted := func(n *node) {
		if n != nil && n.kind == "dotted_name" && len(n.children) > 0 {
			set[p.text(n.children[0])] = struct{}{}
		}
	}
	var walk func(n *node)
	walk = func(n *node) {
		switch n.kind {
		case "future_import_statement":
			return
		case "import_statement":
			for _, c := range n.childrenByField("name") {
				if c.kind == "aliased_import" {
					c = c.child("name")
				}
				addDotted(c)
			}
			return
		case "import_from_statement":
			// A relative_import module_name is left out.
			addDotted(n.child("module_name"))
			return
		case "try_statement":
			if catchesImportError(p, n) {
				for _, c := range n.children {
					if c.kind != "block" || c.field != "body" {
						walk(c)
					}
				}
				return
			}
		}
		for _, c := range n.children {
			walk(c)
		}
	}
	walk(p.root)
	out := sortedKeys(set)
	return slices.DeleteFunc(out, func(m string) bool { return m == "__future__" })
}

// catchesImportError reports whether a handler of the try statement catches
// ImportError: by name, through its subclass ModuleNotFoundError or a base
// class, or with a bare except.
func catchesImportError(p *parsed, try *node) bool {
	for _, c := range try.children {
		if c.kind != "except_clause" {
			continue
		}
		bare := true
		for _, cc := range c.children {
			if cc.named && cc.kind != "block" && cc.kind != "comment" {
				bare = false
			}
		}
		if bare {
			return true
		}
	}
	for _, name := range handlerNames(p, try) {
		switch name {
		case "ImportError", "ModuleNotFoundError", "Exception", "BaseException":
			return true
		}
	}
	return false
}
