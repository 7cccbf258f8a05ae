"""kale step runtime: runs one step of a Kale notebook pipeline.

Written into every step container by a short sh launcher and run with
python3. Standard library only, Python 3.8 or newer. It reads the typed
pipeline parameters from the KFP ExecutorInput, loads the step's input
variables from their artifacts (file-compatible with Kale's marshalling),
runs the step's notebook cells (in IPython when importable, otherwise with
exec), saves the variables later steps read, writes metrics into the
executor output file and, when asked, an HTML report.

Arguments (see contract.go):
  --executor-input JSON  --spec-base64 B64  --input VAR=PATH ...  --output VAR=PATH ...
  --param NAME=TEXT ...  [--metrics PATH]  [--report PATH]
Environment: KALE_MARSHAL_DIR (default /tmp/marshal, as Kale),
KALE_STEP_IPYTHON=0 disables IPython.
"""

import base64
import hashlib
import builtins
import html
import importlib
import io
import json
import linecache
import marshal as _marshal
import math
import numbers
import os
import pickle
import re
import shutil
import subprocess
import sys
import traceback
import types

RUNTIME_MODULE = "_kale_runtime"
DEFAULT_MARSHAL_DIR = "/tmp/marshal"


class StepError(Exception):
    """An error that is reported as a plain message, without a traceback."""


def log(msg):
    sys.stderr.write("kale: " + msg + "\n")
    sys.stderr.flush()


# ---------------------------------------------------------------- arguments


def parse_args(argv):
    args = {"executor_input": None, "spec": None, "inputs": [], "outputs": [],
            "params": {}, "metrics": None, "report": None}
    i = 0
    while i < len(argv):
        flag = argv[i]
        if i + 1 >= len(argv):
            raise StepError("argument %s needs a value" % flag)
        value = argv[i + 1]
        i += 2
        if flag == "--executor-input":
            args["executor_input"] = value
        elif flag == "--spec-base64":
            args["spec"] = value
        elif flag in ("--input", "--output", "--param"):
            name, sep, rest = value.partition("=")
            if not sep or not name:
                raise StepError("argument %s %r is not NAME=VALUE" % (flag, value))
            if flag == "--input":
                args["inputs"].append((name, rest))
            elif flag == "--output":
                args["outputs"].append((name, rest))
            else:
                args["params"][name] = rest
        elif flag == "--metrics":
            args["metrics"] = value
        elif flag == "--report":
            args["report"] = value
        else:
            raise StepError("unknown argument %s" % flag)
    if args["spec"] is None:
        raise StepError("missing --spec-base64")
    args["spec"] = decode_spec(args["spec"])
    ei = args["executor_input"]
    if ei is None or ei.strip() in ("", "{" + "{$}" + "}"):
        args["executor_input"] = {}
    else:
        try:
            args["executor_input"] = json.loads(ei)
        except ValueError as e:
            raise StepError("--executor-input is not JSON: %s" % e)
    return args


def decode_spec(text):
    """The step spec: base64 (so that no launcher placeholder can match in
    the notebook's code) of UTF-8 JSON; see EncodeSpec in contract.go."""
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError) as e:
        raise StepError("--spec-base64 is not base64: %s" % e)
    try:
        return json.loads(raw.decode("utf-8"))
    except ValueError as e:
        raise StepError("--spec-base64 does not hold JSON: %s" % e)


# --------------------------------------------------------------- parameters


def convert_param(name, typ, value, from_text):
    """Returns value as the declared Python type (int, float, str, bool)."""
    try:
        if typ == "str":
            if isinstance(value, str):
                return value
            if from_text:
                return str(value)
            return json.dumps(value) if isinstance(value, (dict, list)) else str(value)
        if typ == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str):
                low = value.strip().lower()
                if low in ("true", "1"):
                    return True
                if low in ("false", "0"):
                    return False
            if isinstance(value, (int, float)) and value in (0, 1):
                return bool(value)
            raise ValueError("not a bool")
        if typ == "int":
            if isinstance(value, bool):
                raise ValueError("a bool")
            if isinstance(value, int):
                return value
            if isinstance(value, float):
                if value.is_integer():
                    return int(value)
                raise ValueError("not a whole number")
            text = value.strip()
            try:
                return int(text)
            except ValueError:
                f = float(text)
                if f.is_integer():
                    return int(f)
                raise
        if typ == "float":
            if isinstance(value, bool):
                raise ValueError("a bool")
            if isinstance(value, (int, float)):
                return float(value)
            return float(value.strip())
    except (ValueError, AttributeError) as e:
        raise StepError("parameter %s: %r is not a valid %s (%s)" % (name, value, typ, e))
    if from_text:
        return value
    return value


def load_params(spec, executor_input, texts):
    values = executor_input.get("inputs", {}).get("parameterValues", {}) or {}
    out = {}
    for p in spec.get("parameters") or []:
        name = p["name"]
        typ = p.get("type") or "str"
        var = p.get("variable") or name
        if name in values:
            out[var] = convert_param(name, typ, values[name], False)
        elif name in texts:
            out[var] = convert_param(name, typ, texts[name], True)
        else:
            raise StepError("parameter %s has no value: it is in neither the executor input "
                            "nor a --param argument" % name)
    return out


# ------------------------------------------------------------- marshalling
#
# Files are <var>_artifact.<ext> in the marshal dir, as Kale writes them.
# Without dill, functions, lambdas and classes defined in the notebook
# (module __main__) cannot be pickled by reference: the next step does not
# have them. KalePickler stores them by value instead: a function as its
# marshalled code object plus defaults, closure cells and the globals it
# names; a class as its bases and attribute dict. Objects are created first
# and filled afterwards, so recursive functions and classes whose methods
# name the class work.


class _Empty(object):
    """Stands for an empty closure cell."""


def _runtime_function(fn):
    fn.__module__ = RUNTIME_MODULE
    return fn


@_runtime_function
def make_function(code_bytes, name, ncells):
    code = _marshal.loads(code_bytes)
    closure = tuple(types.CellType() for _ in range(ncells)) or None
    return types.FunctionType(code, {"__builtins__": builtins}, name, None, closure)


@_runtime_function
def set_function_state(fn, state):
    fn.__globals__.update(state["globals"])
    fn.__globals__.setdefault("__name__", state["module"])
    fn.__defaults__ = state["defaults"]
    fn.__kwdefaults__ = state["kwdefaults"]
    fn.__qualname__ = state["qualname"]
    fn.__module__ = state["module"]
    fn.__doc__ = state["doc"]
    fn.__annotations__ = state["annotations"]
    fn.__dict__.update(state["dict"])
    for cell, value in zip(fn.__closure__ or (), state["closure"]):
        if value is not _Empty:
            cell.cell_contents = value
    return fn


# Classes loaded in this process by definition digest: the instances in two
# artifacts of one producer then share their class, as they did there.
_CLASSES = {}


@_runtime_function
def make_class(metaclass, name, bases, skeleton, digest=None):
    if digest is not None and digest in _CLASSES:
        return _CLASSES[digest]
    cls = metaclass(name, bases, skeleton)
    if digest is not None:
        _CLASSES[digest] = cls
    return cls


@_runtime_function
def set_class_state(cls, state):
    for key, value in state.items():
        setattr(cls, key, value)
    return cls


@_runtime_function
def import_module(name):
    return importlib.import_module(name)


@_runtime_function
def make_mappingproxy(d):
    return types.MappingProxyType(d)


_Empty.__module__ = RUNTIME_MODULE


def _code_names(code, out):
    out.update(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _code_names(const, out)
    return out


def _by_value(obj):
    """True for functions and classes that cannot be found again by import."""
    module = getattr(obj, "__module__", None)
    if module is None or module == "__main__":
        return True
    mod = sys.modules.get(module)
    if mod is None:
        return True
    target = mod
    for part in getattr(obj, "__qualname__", obj.__name__).split("."):
        target = getattr(target, part, None)
        if target is None:
            return True
    return target is not obj


def _code_digest(code, h):
    # Not marshal.dumps: its bytes depend on reference counts.
    h.update(code.co_code)
    h.update(repr((code.co_name, code.co_names, code.co_varnames, code.co_freevars,
                   code.co_cellvars)).encode())
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _code_digest(const, h)
        else:
            h.update(repr(const).encode())


def _class_digest(cls, state):
    """A digest of the class definition: same digest, same class."""
    h = hashlib.sha256()
    h.update(("%s.%s|%s|" % (cls.__module__, cls.__qualname__,
                             ",".join(b.__module__ + "." + b.__qualname__ for b in cls.__bases__))).encode())
    for key in sorted(state):
        value = state[key]
        h.update(key.encode() + b"=")
        funcs = [value]
        if isinstance(value, (staticmethod, classmethod)):
            funcs = [value.__func__]
        elif isinstance(value, property):
            funcs = [value.fget, value.fset, value.fdel]
        for f in funcs:
            if isinstance(f, types.FunctionType):
                _code_digest(f.__code__, h)
            elif isinstance(f, (int, float, str, bytes, bool, type(None))):
                h.update(repr(f).encode())
            else:
                h.update(type(f).__qualname__.encode())
        h.update(b";")
    return h.hexdigest()


class KalePickler(pickle.Pickler):
    def reducer_override(self, obj):
        if isinstance(obj, types.FunctionType) and _by_value(obj):
            return self._reduce_function(obj)
        if isinstance(obj, type) and _by_value(obj):
            return self._reduce_class(obj)
        if isinstance(obj, types.ModuleType):
            return (import_module, (obj.__name__,))
        if isinstance(obj, types.MappingProxyType):
            return (make_mappingproxy, (dict(obj),))
        if isinstance(obj, property):
            return (property, (obj.fget, obj.fset, obj.fdel, obj.__doc__))
        if isinstance(obj, (staticmethod, classmethod)):
            return (type(obj), (obj.__func__,))
        if type(obj).__module__ == "dataclasses":
            # dataclasses compares these sentinels by identity.
            if type(obj).__name__ == "_FIELD_BASE":
                return obj.name
            if type(obj).__name__ == "_MISSING_TYPE":
                return "MISSING"
        return NotImplemented

    @staticmethod
    def _reduce_function(fn):
        code = fn.__code__
        names = _code_names(code, set())
        globs = {n: fn.__globals__[n] for n in sorted(names) if n in fn.__globals__}
        closure = []
        for cell in fn.__closure__ or ():
            try:
                closure.append(cell.cell_contents)
            except ValueError:
                closure.append(_Empty)
        state = {
            "globals": globs, "defaults": fn.__defaults__, "kwdefaults": fn.__kwdefaults__,
            "qualname": fn.__qualname__, "module": fn.__module__, "doc": fn.__doc__,
            "annotations": fn.__annotations__, "dict": fn.__dict__, "closure": closure,
        }
        return (make_function, (_marshal.dumps(code), fn.__name__, len(closure)),
                state, None, None, set_function_state)

    @staticmethod
    def _reduce_class(cls):
        skeleton = {"__module__": cls.__module__, "__qualname__": cls.__qualname__}
        slots = cls.__dict__.get("__slots__")
        if slots is not None:
            skeleton["__slots__"] = slots
        slot_names = {slots} if isinstance(slots, str) else set(slots or ())
        state = {}
        for key, value in cls.__dict__.items():
            if key in ("__dict__", "__weakref__", "__module__", "__qualname__", "__slots__",
                       "_abc_impl", "__slotnames__"):
                continue
            if key in slot_names:
                continue
            state[key] = value
        return (make_class, (type(cls), cls.__name__, cls.__bases__, skeleton, _class_digest(cls, state)),
                state, None, None, set_class_state)


def install_runtime_module():
    """Registers the helpers that KalePickler files name, so loading works."""
    mod = types.ModuleType(RUNTIME_MODULE)
    for fn in (make_function, set_function_state, make_class, set_class_state, import_module,
               make_mappingproxy):
        setattr(mod, fn.__name__, fn)
    mod._Empty = _Empty
    sys.modules[RUNTIME_MODULE] = mod


def _importable(name):
    try:
        import importlib.util
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _try_import(name):
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _type_name(obj):
    t = type(obj)
    return "%s.%s" % (t.__module__, t.__name__)


def _type_names(obj):
    t = type(obj)
    names = [_type_name(obj)]
    if t.__bases__:
        b = t.__bases__[0]
        names.append("%s.%s" % (b.__module__, b.__name__))
    return names


def _matches(obj, pattern):
    return any(re.match(pattern, n) for n in _type_names(obj))


def save(obj, name, directory):
    """Serializes obj to <directory>/<name>.<ext>, choosing the backend by
    type name like Kale, and returns the path."""
    os.makedirs(directory, exist_ok=True)
    base = os.path.join(directory, name)
    dill = _try_import("dill")
    if _matches(obj, r"numpy\..*"):
        np = importlib.import_module("numpy")
        path = base + ".npy"
        with open(path, "wb") as f:
            np.save(f, obj, allow_pickle=True)
        return path
    if _matches(obj, r"pandas\..*(DataFrame|Series)"):
        path = base + ".pdpkl"
        obj.to_pickle(path)
        return path
    if _matches(obj, r"sklearn\..*"):
        joblib = importlib.import_module("joblib")
        path = base + ".joblib"
        joblib.dump(obj, path)
        return path
    if dill is not None:
        ext = ".pyfn" if isinstance(obj, (types.FunctionType, types.LambdaType)) else ".dillpkl"
        path = base + ext
        with open(path, "wb") as f:
            dill.dump(obj, f)
        return path
    path = base + ".pkl"
    with open(path, "wb") as f:
        KalePickler(f, protocol=4).dump(obj)
    return path


def load(path):
    ext = os.path.splitext(path)[1].lstrip(".")
    if ext == "npy":
        return importlib.import_module("numpy").load(path, allow_pickle=True)
    if ext == "pdpkl":
        return importlib.import_module("pandas").read_pickle(path)
    if ext == "joblib":
        return importlib.import_module("joblib").load(path)
    if ext in ("pyfn", "dillpkl"):
        dill = _try_import("dill")
        if dill is None:
            raise StepError("%s was written with dill (Kale's %s backend) but dill is not "
                            "installed in this image" % (os.path.basename(path), ext))
        with open(path, "rb") as f:
            return dill.load(f)
    if ext == "pkl":
        dill = _try_import("dill")
        with open(path, "rb") as f:
            return (dill or pickle).load(f)
    if ext == "json":
        xgb = importlib.import_module("xgboost")
        booster = xgb.Booster()
        booster.load_model(path)
        return booster
    if ext == "pt":
        return importlib.import_module("torch").jit.load(path)
    if ext == "keras":
        return importlib.import_module("keras").models.load_model(path)
    raise StepError("%s: no marshal backend reads .%s files" % (os.path.basename(path), ext))


def sniff_extension(path):
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith(b"\x93NUMPY"):
        return "npy"
    if head[:1] == b"\x80":
        return "dillpkl" if _try_import("dill") else "pkl"
    raise StepError("%s: cannot tell how it was serialized (no marshal_path in its metadata "
                    "and no known file extension)" % path)


KNOWN_EXTS = ("npy", "pdpkl", "joblib", "pyfn", "dillpkl", "pkl", "json", "pt", "keras")


def restore_input(var, path, metadata, marshal_dir):
    """Copies the input artifact to its Kale file name in marshal_dir."""
    if not os.path.exists(path):
        raise StepError("input %s: artifact file %s does not exist" % (var, path))
    marshal_path = (metadata or {}).get("marshal_path")
    if marshal_path:
        fname = os.path.basename(marshal_path)
    else:
        ext = os.path.splitext(path)[1].lstrip(".")
        if ext not in KNOWN_EXTS:
            ext = sniff_extension(path)
        fname = "%s_artifact.%s" % (var, ext)
    os.makedirs(marshal_dir, exist_ok=True)
    dest = os.path.join(marshal_dir, fname)
    if os.path.abspath(dest) != os.path.abspath(path):
        shutil.copyfile(path, dest)
    return dest


# ------------------------------------------------------------ output capture


class Tee(io.TextIOBase):
    """Writes to the real stream and remembers the text for the report."""

    def __init__(self, stream, sink, kind):
        self.stream = stream
        self.sink = sink
        self.kind = kind

    def write(self, s):
        self.stream.write(s)
        self.sink.append((self.kind, s))
        return len(s)

    def flush(self):
        self.stream.flush()

    def isatty(self):
        return False

    def fileno(self):
        return self.stream.fileno()

    @property
    def encoding(self):
        return getattr(self.stream, "encoding", "utf-8")


def rich_data(obj):
    """The MIME bundle of obj, as Jupyter would display it."""
    data = {"text/plain": repr(obj)}
    for method, mime in (("_repr_html_", "text/html"), ("_repr_svg_", "image/svg+xml"),
                         ("_repr_png_", "image/png"), ("_repr_jpeg_", "image/jpeg")):
        fn = getattr(obj, method, None)
        if fn is None or isinstance(obj, type):
            continue
        try:
            value = fn()
        except Exception:  # a broken repr must not fail the step
            continue
        if value is None:
            continue
        if isinstance(value, tuple):
            value = value[0]
        if isinstance(value, bytes):
            value = base64.b64encode(value).decode("ascii")
        data[mime] = value
    return data


# ------------------------------------------------------------ running code


class SList(list):
    """The result of `x = !cmd`: a list of lines, with IPython's .s/.n/.l."""

    @property
    def s(self):
        return " ".join(self)

    @property
    def n(self):
        return "\n".join(self)

    @property
    def l(self):  # noqa: E743 - IPython's name
        return list(self)


_EXPAND = re.compile(r"\{([^{}]+)\}|\$\$|\$([A-Za-z_][A-Za-z0-9_]*)")


def expand(cmd, ns):
    """IPython-style {expr} and $name expansion in a shell command."""
    def repl(m):
        if m.group(0) == "$$":
            return "$"
        if m.group(2) is not None:
            name = m.group(2)
            return str(ns[name]) if name in ns else m.group(0)
        try:
            return str(eval(m.group(1), ns))
        except Exception:
            return m.group(0)
    return _EXPAND.sub(repl, cmd)


_SHELL_LINE = re.compile(r"^(\s*)(?:([A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*)\s*=\s*)?!(.*)$")
_MAGIC_LINE = re.compile(r"^(\s*)(?:([A-Za-z_][\w.]*)\s*=\s*)?%(?!%)([A-Za-z_]\w*)(.*)$")
_HELP_LINE = re.compile(r"^\s*[\w.]+\?\??\s*$|^\s*\?\??[\w.]+\s*$")


class _IPythonShim(object):
    """What get_ipython() returns without IPython: the calls that IPython's
    own transformed code (and exported notebooks) make."""

    def __init__(self, runner):
        self.runner = runner
        self.user_ns = runner.ns

    def system(self, cmd):
        self.runner.shell(cmd)

    def getoutput(self, cmd, split=True):
        out = self.runner.shell(cmd, capture=True)
        return out if split else out.n

    def run_line_magic(self, name, line, _stack_depth=1):
        return self.runner.magic(name, line, where="get_ipython()")

    def run_cell_magic(self, name, line, cell):
        self.runner.cell_magic("%%" + name + (" " + line if line else "") + "\n" + cell, "get_ipython()")


class Runner(object):
    """Runs blocks with exec; handles !cmd, %magic and %%cell magics."""

    def __init__(self, ns, labels, sink):
        self.ns = ns
        self.labels = labels
        self.sink = sink
        ns["_kale_sh"] = self.shell
        ns["_kale_magic"] = self.magic
        ns.setdefault("display", self.display)
        shim = _IPythonShim(self)
        ns.setdefault("get_ipython", lambda: shim)

    def display(self, *objs, **_kw):
        for obj in objs:
            data = rich_data(obj)
            print(data["text/plain"])
            self.sink.append(("display", data))

    def shell(self, cmd, capture=False, where=""):
        cmd = expand(cmd, self.ns)
        sys.stdout.flush()
        sys.stderr.flush()
        proc = subprocess.run(["/bin/sh", "-c", cmd], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT if capture else subprocess.PIPE)
        out = proc.stdout.decode("utf-8", "replace")
        self.ns["_exit_code"] = proc.returncode
        if capture:
            return SList(out.splitlines())
        sys.stdout.write(out)
        if proc.stderr:
            sys.stderr.write(proc.stderr.decode("utf-8", "replace"))
        return None

    def magic(self, name, rest, where=""):
        rest = expand(rest.strip(), self.ns)
        if name == "cd":
            os.chdir(os.path.expanduser(rest or "~"))
            return None
        if name == "env" and rest:
            key, sep, value = rest.partition("=")
            if not sep:
                key, _, value = rest.partition(" ")
            os.environ[key.strip()] = value.strip()
            return None
        log("%s: skipped %%%s (IPython is not available in this image)" % (where, name))
        return None

    def transform(self, source, label):
        """Rewrites !cmd and %magic lines into calls, keeping line numbers."""
        lines = source.split("\n")
        for i, line in enumerate(lines):
            where = "%s, line %d" % (label, i + 1)
            m = _SHELL_LINE.match(line)
            if m and not line.lstrip().startswith("!="):
                indent, target, cmd = m.groups()
                call = "_kale_sh(%r, capture=%r, where=%r)" % (cmd, bool(target), where)
                lines[i] = indent + (target + " = " if target else "") + call
                continue
            m = _MAGIC_LINE.match(line)
            if m:
                indent, target, name, rest = m.groups()
                call = "_kale_magic(%r, %r, where=%r)" % (name, rest, where)
                lines[i] = indent + (target + " = " if target else "") + call
                continue
            if _HELP_LINE.match(line):
                lines[i] = line[:len(line) - len(line.lstrip())] + "pass"
        return "\n".join(lines)

    def cell_magic(self, source, label):
        first, _, body = source.partition("\n")
        parts = first[2:].split(None, 1)
        name = parts[0] if parts else ""
        arg = parts[1].strip() if len(parts) > 1 else ""
        if name in ("bash", "sh", "script"):
            shell = {"bash": "bash", "sh": "sh"}.get(name, arg or "sh")
            sys.stdout.flush()
            proc = subprocess.run([shell, "-c", expand(body, self.ns)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            sys.stdout.write(proc.stdout.decode("utf-8", "replace"))
            sys.stderr.write(proc.stderr.decode("utf-8", "replace"))
            if proc.returncode != 0:
                raise StepError("%s: %%%%%s cell exited with status %d" % (label, name, proc.returncode))
            return
        if name == "writefile":
            append = arg.startswith("-a ")
            path = arg[3:].strip() if append else arg
            with open(os.path.expanduser(path), "a" if append else "w") as f:
                f.write(body)
            print("Writing %s" % path)
            return
        if name in ("time", "capture", "timeit"):
            # The body is Python; run it (once) after the magic line.
            self.run_python("\n" + body, label)
            return
        log("%s: skipped the %%%%%s cell (IPython is not available in this image)" % (label, name))

    def run(self, source, filename, label):
        if source.lstrip().startswith("%%"):
            stripped = source.lstrip()
            self.cell_magic(stripped, label)
            return
        self.run_python(source, label, filename)

    def run_python(self, source, label, filename=None):
        filename = filename or self.labels_filename(label)
        try:
            compile(source, filename, "exec")
        except SyntaxError:
            source = self.transform(source, label)
        lines = [l if l.endswith("\n") else l + "\n" for l in source.splitlines(True)]
        linecache.cache[filename] = (len(source), None, lines, filename)
        import ast
        tree = ast.parse(source, filename, "exec")
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        exec(compile(tree, filename, "exec"), self.ns)
        if last is not None:
            value = eval(compile(last, filename, "eval"), self.ns)
            if value is not None:
                self.ns["_"] = value
                data = rich_data(value)
                print(data["text/plain"])
                self.sink.append(("display", data))

    def labels_filename(self, label):
        for fname, lab in self.labels.items():
            if lab == label:
                return fname
        return "<kale>"


class IPythonRunner(object):
    """Runs blocks in an IPython InteractiveShell (magics, !cmd, rich output)."""

    def __init__(self, shell_cls, ns, labels, sink):
        kwargs = {"colors": "NoColor"}
        try:
            from traitlets.config import Config
            config = Config()
            config.HistoryManager.enabled = False  # no sqlite file in HOME
            kwargs["config"] = config
        except ImportError:
            pass
        self.shell = shell_cls.instance(**kwargs)
        self.labels = labels
        self.sink = sink
        self.shell.user_ns.update(ns)
        self.ns = self.shell.user_ns
        self.error = None
        self.shell.showtraceback = lambda *a, **k: None
        self.shell.showsyntaxerror = lambda *a, **k: None
        publish = self.shell.display_pub.publish
        runner = self

        def record(data, metadata=None, **kw):
            runner.sink.append(("display", dict(data)))
            return publish(data, metadata=metadata, **kw)
        self.shell.display_pub.publish = record
        self.label = ""
        run_line_magic = self.shell.run_line_magic

        def line_magic(name, line, _stack_depth=1):
            # %matplotlib inline in a notebook must not fail a step whose
            # image has no matplotlib: it only sets up plotting.
            if name == "matplotlib" and not _importable("matplotlib"):
                log("%s: skipped %%matplotlib (matplotlib is not installed in this image)" % runner.label)
                return None
            return run_line_magic(name, line, _stack_depth=_stack_depth + 1)
        self.shell.run_line_magic = line_magic

    def run(self, source, filename, label):
        self.label = label
        number = self.shell.execution_count
        name = self.shell.compile.get_code_name(source, source, number)
        self.labels["<ipython-input-%d-" % number] = label
        result = self.shell.run_cell(source, store_history=True)
        err = result.error_before_exec or result.error_in_exec
        if err is not None:
            raise err
        if result.result is not None:
            data, _ = self.shell.display_formatter.format(result.result)
            self.sink.append(("display", dict(data)))
        return name


def make_runner(ns, labels, sink):
    if os.environ.get("KALE_STEP_IPYTHON", "1") not in ("0", "false", "no"):
        try:
            from IPython.core.interactiveshell import InteractiveShell
        except Exception:
            InteractiveShell = None
        if InteractiveShell is not None:
            return IPythonRunner(InteractiveShell, ns, labels, sink)
    mod = types.ModuleType("__main__")
    mod.__dict__.update(ns)
    mod.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = mod
    return Runner(mod.__dict__, labels, sink)


# --------------------------------------------------------------- tracebacks

_FILE_LINE = re.compile(r'File "(<kale-block-\d+>|<ipython-input-\d+-)[^"]*", line (\d+)')


def format_failure(exc, labels):
    """Formats exc with frames of notebook code named by notebook cell and
    line; returns (text, innermost notebook location or None)."""
    # Keep the frames of notebook code and of the libraries it called; drop
    # the runtime's and IPython's own.
    kept = []
    seen_cell = False
    tb = exc.__traceback__
    while tb is not None:
        fname = tb.tb_frame.f_code.co_filename
        if _label_of(fname, labels) is not None:
            seen_cell = True
            kept.append(tb)
        elif seen_cell and not _is_internal(fname):
            kept.append(tb)
        tb = tb.tb_next
    if kept or isinstance(exc, SyntaxError):
        for a, b in zip(kept, kept[1:] + [None]):
            a.tb_next = b
        exc.__traceback__ = kept[0] if kept else None
    text = "".join(traceback.TracebackException.from_exception(exc).format())
    where = []

    def repl(m):
        label = _label_of(m.group(1), labels)
        if label is None:
            return m.group(0)
        loc = "%s, line %s" % (label, m.group(2))
        where.append(loc)
        nb, _, cell = label.partition(", ")
        return 'File "%s", %s, line %s' % (nb, cell, m.group(2))
    text = _FILE_LINE.sub(repl, text)
    return text, (where[-1] if where else None)


def _is_internal(filename):
    if os.path.abspath(filename) == os.path.abspath(__file__):
        return True
    ipython = sys.modules.get("IPython")
    if ipython is not None and getattr(ipython, "__file__", None):
        return filename.startswith(os.path.dirname(ipython.__file__) + os.sep)
    return False


def _label_of(filename, labels):
    if filename in labels:
        return labels[filename]
    for key, label in labels.items():
        if key.startswith("<ipython-input-") and filename.startswith(key):
            return label
    return None


# ------------------------------------------------------------------ report


def write_report(path, step, blocks_out):
    parts = ["<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%s</title>\n"
             "<style>body{font-family:sans-serif}pre{background:#f6f6f6;padding:.5em;"
             "white-space:pre-wrap}.stderr{background:#fdd}</style></head><body>\n"
             % html.escape("kale step " + step)]
    parts.append("<h1>Step %s</h1>\n" % html.escape(step))
    any_output = False
    for label, items in blocks_out:
        chunks = _merge_streams(items)
        if not chunks:
            continue
        any_output = True
        parts.append("<h2>%s</h2>\n" % html.escape(label))
        for kind, value in chunks:
            if kind in ("stdout", "stderr"):
                parts.append("<pre class=\"%s\">%s</pre>\n" % (kind, html.escape(value)))
            elif "text/html" in value:
                parts.append("<div>%s</div>\n" % value["text/html"])
            elif "image/png" in value:
                parts.append("<img src=\"data:image/png;base64,%s\">\n" % html.escape(value["image/png"]))
            elif "image/jpeg" in value:
                parts.append("<img src=\"data:image/jpeg;base64,%s\">\n" % html.escape(value["image/jpeg"]))
            elif "image/svg+xml" in value:
                parts.append("<div>%s</div>\n" % value["image/svg+xml"])
            elif "text/plain" in value:
                parts.append("<pre>%s</pre>\n" % html.escape(value["text/plain"]))
    if not any_output:
        parts.append("<p>This step did not produce any HTML output.</p>\n")
    parts.append("</body></html>\n")
    _write(path, "".join(parts))


def _merge_streams(items):
    out = []
    for kind, value in items:
        if kind in ("stdout", "stderr") and out and out[-1][0] == kind:
            out[-1] = (kind, out[-1][1] + value)
        elif kind in ("stdout", "stderr") and not value:
            continue
        else:
            out.append((kind, value))
    return out


def _write(path, text):
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


# ----------------------------------------------------------------- metrics


def metric_value(name, var, value):
    if isinstance(value, numbers.Real) or (hasattr(value, "__float__") and not isinstance(value, (str, bytes))):
        try:
            f = float(value)
        except (TypeError, ValueError):
            f = None
        if f is not None:
            if math.isnan(f) or math.isinf(f):
                raise StepError("metric %s (variable %s) is %r: KFP metrics must be finite numbers"
                                % (name, var, f))
            return f
    raise StepError("metric %s (variable %s) is a %s (%r): KFP metrics must be numbers"
                    % (name, var, type(value).__name__, value))


def _artifact(executor_input, side, name):
    arts = (executor_input.get(side, {}).get("artifacts", {}).get(name, {}) or {}).get("artifacts") or []
    return arts[0] if arts else {}


# -------------------------------------------------------------------- main


def run(argv):
    args = parse_args(argv)
    spec = args["spec"]
    ei = args["executor_input"]
    notebook = spec.get("notebook") or "notebook.ipynb"
    step = spec.get("step") or "step"
    install_runtime_module()
    marshal_dir = os.environ.get("KALE_MARSHAL_DIR") or DEFAULT_MARSHAL_DIR

    ns = {"__name__": "__main__"}
    ns.update(load_params(spec, ei, args["params"]))
    for var, path in args["inputs"]:
        meta = _artifact(ei, "inputs", var + "_input_artifact").get("metadata")
        ns[var] = load(restore_input(var, path, meta, marshal_dir))

    labels = {}
    blocks = spec.get("blocks") or []
    for i, b in enumerate(blocks):
        cell = b.get("cell", -1)
        labels["<kale-block-%d>" % i] = ("%s, cell %d" % (notebook, cell) if cell is not None and cell >= 0
                                         else "%s, generated %s code" % (notebook, b.get("kind") or "step"))
    sink = []
    runner = make_runner(ns, labels, sink)
    ns = runner.ns
    blocks_out = []
    real_out, real_err = sys.stdout, sys.stderr
    failure = None
    for i, b in enumerate(blocks):
        filename = "<kale-block-%d>" % i
        label = labels[filename]
        sink = []
        runner.sink = sink
        sys.stdout, sys.stderr = Tee(real_out, sink, "stdout"), Tee(real_err, sink, "stderr")
        try:
            runner.run(b.get("source") or "", filename, label)
        except StepError as e:
            failure = (str(e), None)
        except BaseException as e:  # the user's code failed: report where
            if isinstance(e, SystemExit) and e.code in (None, 0):
                pass
            else:
                failure = format_failure(e, labels)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            sys.stdout, sys.stderr = real_out, real_err
            blocks_out.append((label, sink))
        if failure is not None:
            break

    if args["report"]:
        write_report(args["report"], step, blocks_out)
    if failure is not None:
        text, where = failure
        sys.stderr.write(text if text.endswith("\n") else text + "\n")
        last = text.rstrip().splitlines()[-1] if text.strip() else "error"
        if where:
            log("step %s failed at %s: %s" % (step, where, last))
        else:
            log("step %s failed: %s" % (step, last))
        return 1

    out_meta = {}
    for var, path in args["outputs"]:
        if var not in ns:
            raise StepError("step %s: variable %s is not defined when the step ends, so it cannot "
                            "be passed to later steps" % (step, var))
        try:
            saved = save(ns[var], var + "_artifact", marshal_dir)
        except StepError:
            raise
        except Exception as e:
            raise StepError("step %s: cannot serialize variable %s (%s): %s: %s"
                            % (step, var, _type_name(ns[var]), type(e).__name__, e))
        parent = os.path.dirname(path)
        if parent:
            os.makedirs(parent, exist_ok=True)
        shutil.copyfile(saved, path)
        out_meta[var + "_output_artifact"] = {"marshal_path": saved}

    metrics = {}
    for m in spec.get("metrics") or []:
        var = m.get("variable") or m["name"].replace("-", "_")
        if var not in ns:
            raise StepError("metric %s: variable %s is not defined when step %s ends" % (m["name"], var, step))
        metrics[m["name"]] = metric_value(m["name"], var, ns[var])
    if metrics:
        out_meta["kale_metrics_artifact"] = metrics
        if args["metrics"]:
            _write(args["metrics"], json.dumps(metrics, sort_keys=True) + "\n")

    output_file = ei.get("outputs", {}).get("outputFile")
    if output_file:
        arts = {}
        for name, meta in out_meta.items():
            a = _artifact(ei, "outputs", name)
            entry = {"name": a.get("name") or name, "metadata": meta}
            if a.get("uri"):
                entry["uri"] = a["uri"]
            arts[name] = {"artifacts": [entry]}
        _write(output_file, json.dumps({"artifacts": arts}, sort_keys=True, indent=1) + "\n")
    elif metrics:
        log("no outputs.outputFile in the executor input: metrics were not reported to KFP")
    return 0


def main():
    try:
        code = run(sys.argv[1:])
    except StepError as e:
        log("error: %s" % e)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    sys.exit(code)


if __name__ == "__main__":
    main()
