"""Where the compiled kernels come from: modules compiled ahead of time, or numba's JIT.

The kernels (:mod:`dedup.kernels`, :mod:`dedup.verify_kernel`,
:mod:`dedup.lsh_kernel`, :mod:`dedup.repeats_kernel`, the rules'
:mod:`dedup.rules.token_kernel` and :mod:`dedup.rules.ngram_kernel`, and the
report's :mod:`dedup.json_kernel`) are
written once, for numba. Run through numba's JIT, every run pays ~0.45 s
before its workers can start, even with numba's cache: importing numba
(0.2 s), setting up its typing and target registries (0.16 s) and linking
the cached machine code. So the first run that needs them compiles all the
kernels ahead of time, with numba's ``pycc``, into one extension module
kept with the other caches (``__pycache__`` beside the package when it is
writable, else ``$XDG_CACHE_HOME/dedup``; ``DEDUP_CACHE_DIR`` overrides
both). Later runs load them in about a millisecond and never import numba.

- The modules' names carry a hash of the kernels' sources (and of the
  modules whose constants they compile in), of numba's and Python's
  versions and of the CPU (it is compiled for this CPU, as the JIT's code
  is), so a changed kernel, interpreter or machine never loads a stale one.
- It is built by child processes (``python -m dedup.jit``), one per group
  of kernel modules side by side (:data:`GROUPS`; ~17 s on two cores, the
  JIT's first compilation of the duplicate kernels alone took ~14 s), into
  a temporary directory, then renamed into place: a build that is
  interrupted or fails leaves no module behind.
- If the build fails (no C compiler, no setuptools, no room), the reason is
  kept in a ``.failed`` file beside where the modules would be (delete it
  to try again), one line says so on stderr, and the kernels run through
  the JIT as before. ``DEDUP_AOT=0`` asks for the JIT.

The kernel modules mark their entry points, the functions Python calls,
with :func:`kernel` and the argument types they are compiled for; helpers
that only kernels call keep :func:`njit`. The compiled modules' functions
trust their arguments (a wrong dtype or a strided array reads the wrong
memory), so each entry point checks the arguments' types first and raises
TypeError on a mismatch, which the tests would show.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.util import find_spec, module_from_spec, spec_from_file_location
from pathlib import Path
from types import ModuleType
from typing import IO, Any, TypeVar

import numpy as np

import dedup

F = TypeVar("F", bound=Callable[..., Any])

#: ``DEDUP_AOT=0``: run the kernels through numba's JIT.
AOT_ENV = "DEDUP_AOT"
#: A directory for the compiled module instead of the default places.
CACHE_ENV = "DEDUP_CACHE_DIR"

_HERE = Path(__file__).parent
#: The kernel modules with entry points, in groups compiled side by side
#: into a module each: two took 13 s each on two cores (one took 30 s;
#: one per kernel module, 25 s: each build imports numba and links its own copy
#: of the shared helpers).
GROUPS = {
    "core": ("dedup.kernels", "dedup.verify_kernel", "dedup.lsh_kernel"),
    "rules": ("dedup.rules.token_kernel", "dedup.rules.ngram_kernel", "dedup.json_kernel"),
}
#: Every module that defines kernels: the groups', and one of helpers only.
KERNEL_MODULES = (*(module for modules in GROUPS.values() for module in modules), "dedup.repeats_kernel")
#: The files whose code or constants the kernels compile in: the kernel
#: modules and every module of the package they import (tests/test_jit.py
#: checks that the list is complete).
SOURCES = (
    "kernels.py",
    "verify_kernel.py",
    "lsh_kernel.py",
    "repeats_kernel.py",
    "json_kernel.py",
    "rules/token_kernel.py",
    "rules/ngram_kernel.py",
    "candidates.py",
    "fingerprint.py",
    "models.py",
    "normalize.py",
    "segment.py",
    "sources.py",
    "table.py",
    "table_cache.py",
    "threads.py",
    "verify.py",
    "jit.py",
)


@dataclass(frozen=True)
class Entry:
    """A function Python calls, compiled for each of ``signatures`` (numba's notation)."""

    name: str
    function: Callable[..., Any]
    signatures: tuple[str, ...]
    #: Declared ``nogil=True``: threads may run it side by side. Other
    #: kernels keep the GIL: some share scratch arrays between calls.
    releases_gil: bool = False


#: The entry points defined so far (with the JIT: what a build exports).
ENTRIES: dict[str, Entry] = {}

_UNSET: Any = object()
_compiled: dict[str, ModuleType] | None = _UNSET


def compiled() -> dict[str, ModuleType] | None:
    """The compiled modules by kernel module (built on first use), or None for the JIT."""
    global _compiled
    if _compiled is _UNSET:
        _compiled = _load()
        if _compiled is None:
            _prepare_jit()
    return _compiled


def loaded() -> bool:
    """Whether this process has loaded the kernels (the engine does for
    inputs of 1 MB or more): code that could use them for one small text
    uses them only then, as loading them the first time may cost more than
    it saves (a JIT or a build)."""
    return _compiled is not _UNSET


def njit(**options: Any) -> Callable[[F], F]:
    """``numba.njit(**options)`` with the JIT. With the compiled module, the
    function is returned as written: only kernels call it, and they are
    compiled with it."""
    if compiled() is not None:
        return lambda function: function
    from numba import njit as numba_njit

    return numba_njit(**options)  # type: ignore[no-any-return]


def kernel(*signatures: str, **options: Any) -> Callable[[F], F]:
    """An entry point, compiled for these argument types (numba's signature
    strings, e.g. ``"i8(u1[::1], i8)"``; C-contiguous arrays only): the
    compiled module's function behind a check of the arguments, or with the
    JIT ``numba.njit(cache=True, **options)``."""

    def decorate(function: F) -> F:
        name = f"{function.__module__}.{function.__name__}"
        modules = compiled()
        if modules is None:
            from numba import njit as numba_njit

            jitted = numba_njit(cache=True, **options)(function)
            ENTRIES[name] = Entry(name, function, signatures, bool(options.get("nogil")))
            return jitted  # type: ignore[no-any-return]
        module = modules.get(function.__module__)
        found = [(getattr(module, _symbol(name, k), None), _checks(s)) for k, s in enumerate(signatures)]
        if any(symbol is None for symbol, _ in found):  # pragma: no cover - the key covers the sources
            # (Not the JIT for this one: its helpers are plain functions now.)
            raise ImportError(f"the compiled kernels lack {name}: delete {getattr(module, '__file__', '')}")
        return _checked(name, found)  # type: ignore[arg-type,return-value]

    return decorate


def _symbol(name: str, k: int) -> str:
    return f"{name.replace('.', '__')}__{k}"


# numba's names of the scalar and element types the kernels use.
_DTYPES = {
    "u1": "uint8",
    "u4": "uint32",
    "u8": "uint64",
    "i1": "int8",
    "i8": "int64",
    "f8": "float64",
    "b1": "bool",
}
_ARRAY = re.compile(r"^(\w+)\[((?::, )*)::1\]$")
_ARGUMENT = re.compile(r"\w+(?:\[[^\]]*\])?")

# One argument's check: the dtype and number of dimensions of a (C-contiguous)
# array, or None and the Python types of a scalar.
_Check = tuple[np.dtype[Any] | None, int, tuple[type, ...]]


def _arguments(signature: str) -> list[str]:
    """The argument types of ``"ret(a, b, ...)"`` (the last parenthesised
    group: argument types hold brackets, never parentheses)."""
    if not signature.endswith(")"):
        raise ValueError(f"not a signature: {signature!r}")
    return _ARGUMENT.findall(signature[signature.rindex("(") + 1 : -1])


def _checks(signature: str) -> list[_Check]:
    checks: list[_Check] = []
    for argument in _arguments(signature):
        array = _ARRAY.match(argument)
        if array:
            checks.append((np.dtype(_DTYPES[array[1]]), array[2].count(":") + 1, ()))
        elif argument in ("i8", "u1", "u4", "u8", "i1"):
            checks.append((None, 0, (int, np.integer)))
        elif argument == "f8":
            checks.append((None, 0, (float, int, np.floating, np.integer)))
        elif argument == "b1":
            checks.append((None, 0, (bool, np.bool_)))
        else:
            raise ValueError(f"argument type {argument!r} of {signature!r} is not supported")
    return checks


def _matches(args: tuple[Any, ...], checks: list[_Check]) -> bool:
    """Whether ``args`` are of the checked types (a few µs for twenty arguments:
    ``dtype.name`` alone would cost 2 µs each)."""
    if len(args) != len(checks):
        return False
    for value, (dtype, ndim, scalar) in zip(args, checks, strict=True):
        if dtype is None:
            if not isinstance(value, scalar):
                return False
        elif not (
            isinstance(value, np.ndarray)
            and (value.dtype is dtype or value.dtype == dtype)
            and value.ndim == ndim
            and value.flags.c_contiguous
        ):
            return False
    return True


def _checked(name: str, found: list[tuple[Callable[..., Any], list[_Check]]]) -> Callable[..., Any]:
    """The compiled function (of ``found``: one per signature) that the arguments are for."""

    def call(*args: Any) -> Any:
        for function, checks in found:
            if _matches(args, checks):
                return function(*args)
        raise TypeError(f"{name}: arguments of other types than it was compiled for")

    call.__name__ = name.rpartition(".")[2]
    call.__qualname__ = call.__name__
    return call


# ----------------------------------------------------------------- loading


def _key() -> str:
    """What the compiled module depends on, hashed."""
    digest = hashlib.sha256()
    for source in SOURCES:
        digest.update((_HERE / source).read_bytes())
    numba = find_spec("numba")
    if numba is None or numba.origin is None:
        raise ImportError("numba is not installed")
    digest.update((Path(numba.origin).parent / "_version.py").read_bytes())
    digest.update(sys.version.encode())
    digest.update(_cpu().encode())
    return digest.hexdigest()[:20]


def _cpu() -> str:
    """This CPU's model and features, as far as they can be read cheaply."""
    described = [platform.machine(), platform.processor()]
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as info:
            for line in info:
                if line.startswith(("model name", "flags", "Features", "CPU part")):
                    described.append(line)
                if line == "\n":
                    break  # the first processor is enough
    except OSError:
        pass
    return "|".join(described)


def cache_dirs() -> list[Path]:
    """Where the compiled modules are looked for and built, in order: the
    package's caches (:func:`dedup.table_cache.cache_dirs`), or ``DEDUP_CACHE_DIR``."""
    if os.environ.get(CACHE_ENV):
        return [Path(os.environ[CACHE_ENV])]
    from dedup.table_cache import cache_dirs as package_cache_dirs

    return package_cache_dirs()


def _load() -> dict[str, ModuleType] | None:
    if os.environ.get(AOT_ENV) == "0":
        return None
    try:
        name = f"dedup_kernels_{_key()}"
    except (OSError, ImportError):
        return None
    places = cache_dirs()
    for place in places:
        if (place / f"{name}.failed").exists():
            return None
        modules = _import_all(name, place)
        if modules is not None:
            return modules
    if not sys.executable:
        # An embedding application without an interpreter to run the build
        # with: the JIT, and no note (another process may build them).
        return None
    for place in places:
        try:
            place.mkdir(parents=True, exist_ok=True)
            scratch = tempfile.mkdtemp(prefix=".dedup-build-", dir=place)
        except OSError:
            continue  # not writable: the next place
        try:
            modules, problem = _build_in(place, name, Path(scratch))
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        if modules is not None:
            return modules
        failed = place / f"{name}.failed"
        with contextlib.suppress(OSError):
            failed.write_text(problem + "\n", encoding="utf-8")
        print(
            f"dedup: could not compile the kernels ahead of time ({problem.splitlines()[-1][:200]}); "
            f"using numba's JIT (slower start-up). Delete {failed} to try again.",
            file=sys.stderr,
        )
        return None
    return None


def _build_in(place: Path, name: str, scratch: Path) -> tuple[dict[str, ModuleType] | None, str]:
    """Build the modules in ``scratch``, move them to ``place`` and load
    them; or None and why that failed."""
    try:
        problem = _build(name, str(scratch))
        if problem is not None:
            return None, problem
        for group in GROUPS:
            file = _file(name, group)
            try:
                os.replace(scratch / file, place / file)
            except OSError:
                if not (place / file).exists():
                    raise
                # Another process built it meanwhile and has it loaded
                # (Windows cannot replace a loaded library): use that one.
    except OSError as exc:
        return None, str(exc)
    if place == _HERE / "__pycache__":
        _prune(place, name)
    return _import_all(name, place), "the modules were built but cannot be imported"


def _file(name: str, group: str) -> str:
    """The file name of ``group``'s module."""
    return f"{name}_{group}{sysconfig.get_config_var('EXT_SUFFIX') or '.so'}"


def _import_all(name: str, place: Path) -> dict[str, ModuleType] | None:
    """Every group's module from ``place`` by kernel module, or None when
    one is missing or cannot be loaded."""
    modules = {}
    for group in GROUPS:
        file = _file(name, group)
        module = _import(file.partition(".")[0], place / file)
        if module is None:
            return None
        modules.update(dict.fromkeys(GROUPS[group], module))
    return modules


def _prune(place: Path, name: str) -> None:
    """Remove the modules (and failure notes) of other keys from the
    package's own cache: they were built for sources it no longer has. (A
    shared cache directory may serve other installations: left alone.)"""
    for other in place.glob("dedup_kernels_*"):
        if not other.name.startswith(name):  # (the key's modules: f"{name}_{group}...")
            with contextlib.suppress(OSError):
                other.unlink()


def _import(name: str, path: Path) -> ModuleType | None:
    """The extension module at ``path``, or None when there is none there or it cannot be loaded."""
    if not path.exists():
        return None
    spec = spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        return None
    try:
        module = module_from_spec(spec)
        spec.loader.exec_module(module)
    except ImportError:
        return None
    return module


def _build(name: str, directory: str) -> str | None:
    """Compile every group's module into ``directory``, one child process
    per group, side by side (see :data:`GROUPS`); None, or why one failed."""
    env = dict(os.environ)
    env[AOT_ENV] = "0"
    # The children import this very package, wherever it was imported from.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_HERE.parent), env.get("PYTHONPATH")]))
    if dedup.OWN_PROCESS and sys.stderr.isatty():
        print("dedup: compiling the kernels for this machine, once (about 20 s)...", file=sys.stderr)
    children: list[tuple[subprocess.Popen[str], IO[str]]] = []
    problem = None
    with contextlib.ExitStack() as stack:
        try:
            for group in GROUPS:
                errors = stack.enter_context(tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace"))
                module = _file(name, group).partition(".")[0]
                command = [sys.executable, "-m", "dedup.jit", directory, module, group]
                child = subprocess.Popen(
                    command, env=env, stdout=subprocess.DEVNULL, stderr=errors, text=True
                )
                stack.callback(_stop, child)
                children.append((child, errors))
            deadline = time.monotonic() + BUILD_TIMEOUT
            for child, log in children:
                code = child.wait(max(0.0, deadline - time.monotonic()))
                if code != 0 and problem is None:
                    log.seek(0)
                    problem = (log.read().strip() or f"exit code {code}")[-4000:]
        except subprocess.TimeoutExpired:
            problem = f"the build took more than {BUILD_TIMEOUT} s"
        except OSError as exc:
            problem = f"{type(exc).__name__}: {exc}"
    return problem


def _stop(child: subprocess.Popen[str]) -> None:
    """A build child that is still running (after a failure, a timeout or
    Ctrl-C) is stopped."""
    if child.poll() is None:
        child.kill()
        child.wait()


#: Seconds a build may take (it takes ~17 s on two cores).
BUILD_TIMEOUT = 900


def _prepare_jit() -> None:
    """Before numba loads in the ``dedup`` command's own process: skip its BLAS probe."""
    if dedup.OWN_PROCESS:
        _skip_blas_probe()


def _skip_blas_probe() -> None:
    """Tell numba that no BLAS is at hand, without looking.

    numba's array support imports ``scipy.linalg`` (0.13 s of the start-up
    of every large run) only to learn whether ``np.dot`` and friends can be
    compiled, and no kernel of dedup's calls them. In the ``dedup``
    command's own process (:data:`dedup.OWN_PROCESS`) that import is made
    to fail while numba's array support loads, then allowed again; a
    library user's process is left alone, as their own numba code may need
    BLAS.
    """
    if "numba.np.arraymath" in sys.modules or "scipy.linalg.cython_blas" in sys.modules:
        return  # too late, or nothing to save
    sys.modules["scipy.linalg.cython_blas"] = None  # type: ignore[assignment]  # import raises ImportError
    try:
        import numba.np.arraymath  # noqa: F401
    finally:
        del sys.modules["scipy.linalg.cython_blas"]


def build(directory: str, name: str, group: str) -> None:
    """Compile the entry points of the kernel modules of ``group`` into the
    extension module ``name`` in ``directory`` (run with the JIT: ``DEDUP_AOT=0``)."""
    import importlib
    import warnings

    if compiled() is not None:
        raise RuntimeError(f"build with {AOT_ENV}=0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pycc is pending deprecation
        pycc: Any = importlib.import_module("numba.pycc")
        pycc_compiler: Any = importlib.import_module("numba.pycc.compiler")

    for module in GROUPS[group]:
        importlib.import_module(module)

    # pycc compiles every function with the same flags, which keep the GIL.
    # The entry points declared nogil=True release it around the call, as
    # with the JIT, so threads run them side by side (dedup.threads).
    releasing = {entry.function for entry in ENTRIES.values() if entry.releases_gil}
    compile_extra = pycc_compiler.compile_extra

    def compile_releasing(typingctx: Any, targetctx: Any, function: Any, *args: Any, **kwargs: Any) -> Any:
        if function in releasing:
            flags = args[2].copy()
            flags.release_gil = True
            args = (*args[:2], flags, *args[3:])
        return compile_extra(typingctx, targetctx, function, *args, **kwargs)

    pycc_compiler.compile_extra = compile_releasing
    cc = pycc.CC(name)
    cc.output_dir = directory
    cc.target_cpu = "host"  # as the JIT compiles; the module's name carries the CPU
    cc.verbose = False
    for entry in ENTRIES.values():
        if entry.name.rpartition(".")[0] not in GROUPS[group]:
            continue  # (an imported kernel module of another group)
        for k, signature in enumerate(entry.signatures):
            cc.export(_symbol(entry.name, k), signature)(entry.function)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cc.compile()


if __name__ == "__main__":
    # (run as a script this file is ``__main__``; the kernel modules register with ``dedup.jit``)
    from dedup.jit import build as build_module

    build_module(*sys.argv[1:4])
