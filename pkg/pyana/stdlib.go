package pyana

//go:generate sh -c "python3.11 gen_stdlib.py | gofmt > stdlib_modules.go"

// IsStdlibModule reports whether name, a top-level module name, is part of
// the standard library of some Python from 3.8 to 3.13: a step can import
// it in any image that has python3.
func IsStdlibModule(name string) bool {
	_, ok := stdlibModules[name]
	return ok
}
