package pyana

// builtinNames are the names of Python 3.12's builtins module (dir(builtins)
// of CPython 3.12, which adds nothing over 3.11: exceptions, functions,
// constants, and the site-added exit, quit, copyright, credits, license and
// help). A read of one of them is never an undefined name. Like pyflakes, the
// analysis treats them as defined everywhere unless the code rebinds them.
var builtinNames = map[string]struct{}{
	"ArithmeticError": {}, "AssertionError": {}, "AttributeError": {}, "BaseException": {},
	"BaseExceptionGroup": {}, "BlockingIOError": {}, "BrokenPipeError": {}, "BufferError": {},
	"BytesWarning": {}, "ChildProcessError": {}, "ConnectionAbortedError": {}, "ConnectionError": {},
	"ConnectionRefusedError": {}, "ConnectionResetError": {}, "DeprecationWarning": {},
	"EOFError": {}, "Ellipsis": {}, "EncodingWarning": {}, "EnvironmentError": {}, "Exception": {},
	"ExceptionGroup": {}, "False": {}, "FileExistsError": {}, "FileNotFoundError": {},
	"FloatingPointError": {}, "FutureWarning": {}, "GeneratorExit": {}, "IOError": {},
	"ImportError": {}, "ImportWarning": {}, "IndentationError": {}, "IndexError": {},
	"InterruptedError": {}, "IsADirectoryError": {}, "KeyError": {}, "KeyboardInterrupt": {},
	"LookupError": {}, "MemoryError": {}, "ModuleNotFoundError": {}, "NameError": {}, "None": {},
	"NotADirectoryError": {}, "NotImplemented": {}, "NotImplementedError": {}, "OSError": {},
	"OverflowError": {}, "PendingDeprecationWarning": {}, "PermissionError": {},
	"ProcessLookupError": {}, "RecursionError": {}, "ReferenceError": {}, "ResourceWarning": {},
	"RuntimeError": {}, "RuntimeWarning": {}, "StopAsyncIteration": {}, "StopIteration": {},
	"SyntaxError": {}, "SyntaxWarning": {}, "SystemError": {}, "SystemExit": {}, "TabError": {},
	"TimeoutError": {}, "True": {}, "TypeError": {}, "UnboundLocalError": {},
	"UnicodeDecodeError": {}, "UnicodeEncodeError": {}, "UnicodeError": {},
	"UnicodeTranslateError": {}, "UnicodeWarning": {}, "UserWarning": {}, "ValueError": {},
	"Warning": {}, "ZeroDivisionError": {}, "__build_class__": {}, "__debug__": {}, "__doc__": {},
	"__import__": {}, "__loader__": {}, "__name__": {}, "__package__": {}, "__spec__": {}, "abs": {},
	"aiter": {}, "all": {}, "anext": {}, "any": {}, "ascii": {}, "bin": {}, "bool": {},
	"breakpoint": {}, "bytearray": {}, "bytes": {}, "callable": {}, "chr": {}, "classmethod": {},
	"compile": {}, "complex": {}, "copyright": {}, "credits": {}, "delattr": {}, "dict": {},
	"dir": {}, "divmod": {}, "enumerate": {}, "eval": {}, "exec": {}, "exit": {}, "filter": {},
	"float": {}, "format": {}, "frozenset": {}, "getattr": {}, "globals": {}, "hasattr": {},
	"hash": {}, "help": {}, "hex": {}, "id": {}, "input": {}, "int": {}, "isinstance": {},
	"issubclass": {}, "iter": {}, "len": {}, "license": {}, "list": {}, "locals": {}, "map": {},
	"max": {}, "memoryview": {}, "min": {}, "next": {}, "object": {}, "oct": {}, "open": {},
	"ord": {}, "pow": {}, "print": {}, "property": {}, "quit": {}, "range": {}, "repr": {},
	"reversed": {}, "round": {}, "set": {}, "setattr": {}, "slice": {}, "sorted": {},
	"staticmethod": {}, "str": {}, "sum": {}, "super": {}, "tuple": {}, "type": {}, "vars": {},
	"zip": {},
}

// notebookNames are globals that IPython puts in every notebook namespace
// (and that Kale's step runtime, which runs code in an IPython kernel,
// provides too): display and get_ipython are used without an import in
// ordinary notebook code, so reporting them as undefined would make the
// pipeline look for them in earlier steps.
var notebookNames = map[string]struct{}{
	"display": {}, "get_ipython": {},
}

// moduleNames are the dunders every module namespace has (and WindowsError). pyflakes adds
// __file__, __builtins__ and __annotations__ to the builtins for the same
// reason; __name__, __doc__, __spec__, __loader__ and __package__ are in
// dir(builtins) already but belong here too.
var moduleNames = map[string]struct{}{
	"__name__": {}, "__file__": {}, "__doc__": {}, "__builtins__": {}, "__spec__": {},
	"__loader__": {}, "__package__": {}, "__annotations__": {}, "__cached__": {},
	// pyflakes counts WindowsError as a builtin on every platform.
	"WindowsError": {},
}

// isBuiltin reports whether name is always defined in notebook code.
func isBuiltin(name string) bool {
	if _, ok := builtinNames[name]; ok {
		return true
	}
	if _, ok := notebookNames[name]; ok {
		return true
	}
	_, ok := moduleNames[name]
	return ok
}
