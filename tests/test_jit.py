"""The kernels' two sources (dedup.jit): the compiled module and numba's JIT.

The compiled module is built on first use (the test session's first kernel
import builds it into the package's ``__pycache__``, as any first run
does); one test builds another from scratch in a directory of its own.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import FIXTURES

from dedup import jit

pytest.importorskip("numba")

PACKAGE = Path(jit.__file__).parent


def _python(
    code: str, env: dict[str, str] | None = None, timeout: int = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
        check=False,
    )


def test_the_key_covers_every_module_the_kernels_import() -> None:
    """A kernel compiles in the constants of the modules it imports: each
    of those is hashed into the compiled module's name."""
    imported = set()
    for name in jit.KERNEL_MODULES:
        path = PACKAGE.parent / (name.replace(".", "/") + ".py")
        imported.add(path.relative_to(PACKAGE).as_posix())
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not (isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dedup")):
                continue
            package = PACKAGE.parent / node.module.replace(".", "/")
            if package.is_dir():  # from dedup import module
                found = [package / f"{alias.name}.py" for alias in node.names]
                imported.update(f.relative_to(PACKAGE).as_posix() for f in found if f.exists())
            else:
                imported.add(package.with_suffix(".py").relative_to(PACKAGE).as_posix())
    assert imported <= set(jit.SOURCES)


# A corpus that takes every kernel path: ASCII, the BMP, beyond it, text
# the kernels leave to Python (combining marks), copies and near copies,
# and text the quality rules flag.
_CORPUS = """
import random
from pathlib import Path

root = Path({root!r})
rng = random.Random(3)
words = "river town council bridge market school winter harvest museum station road forest".split()
paragraphs = [" ".join(rng.choice(words) for _ in range(rng.randint(15, 40))).capitalize() + "." for _ in range(80)]
paragraphs += [
    "Caf\\u00e9 owners in the \\u00e9t\\u00e9 quarter met on Tuesday to discuss the parking rules again today.",
    "The \\U0001d49c team published its annual report on the coastal survey results this week for all.",
    "Cafe\\u0301 combining marks stay in Python normalisation, the kernel hashes the key it is given.",
    "buy now buy now buy now buy now buy now buy now buy now buy now buy now buy now buy now buy now",
]
texts = [p.read_text("utf-8") for p in sorted(Path({fixtures!r}).rglob("*.txt"))[:40]]
for i in range(24):
    chosen = [rng.choice(paragraphs) for _ in range(30)]
    for k in range(0, len(chosen), 5):
        w = chosen[k].split()
        w[rng.randrange(len(w))] = rng.choice(words)
        chosen[k] = " ".join(w)
    (root / f"doc{{i:02d}}.txt").write_text("\\n\\n".join(chosen) + "\\n\\n" + texts[i % len(texts)], "utf-8")
"""

# Every kernel path of the engine and the analysis, even on a small corpus.
_CHECK = """
import functools
import sys
from pathlib import Path
from dedup import candidates, cluster, engine, jit
from dedup.api import check_paths
from dedup.report import render_json
from dedup.rules.registry import RuleSettings
from dedup.settings import Settings

engine.KERNEL_MIN_BYTES = 0
engine.POOL_MIN_BYTES = 0
cluster.KERNEL_MIN_ROWS = 0
cluster.verify_pairs = functools.partial(cluster.verify_pairs, kernel_min=0)
candidates.KERNEL_MIN_ROWS = 0
paths = sorted(str(p) for p in Path({root!r}).glob("*.txt"))
out = render_json(check_paths(paths, Settings(workers=2), RuleSettings()))
Path({out!r}).write_text(out, "utf-8")
print(jit.compiled() is not None, "numba" in sys.modules)
"""


def test_compiled_module_and_jit_give_the_same_report(tmp_path: Path) -> None:
    """The whole report, duplicate and quality rules, is byte-identical
    whichever way the kernels were compiled; with the compiled module,
    numba is never imported."""
    root = tmp_path / "corpus"
    root.mkdir()
    made = _python(_CORPUS.format(root=str(root), fixtures=str(FIXTURES)))
    assert made.returncode == 0, made.stderr
    reports = {}
    for mode in ("1", "0"):
        out = tmp_path / f"report-{mode}.json"
        done = _python(_CHECK.format(root=str(root), out=str(out)), env={jit.AOT_ENV: mode})
        assert done.returncode == 0, done.stderr
        compiled, numba_loaded = done.stdout.split()
        assert (compiled, numba_loaded) == (("True", "False") if mode == "1" else ("False", "True"))
        reports[mode] = out.read_text("utf-8")
    assert reports["1"] == reports["0"]
    report = json.loads(reports["1"])
    rules = {f["rule"] for f in report["findings"]}
    assert {"DUP001", "DUP002"} <= rules and any(not r.startswith("DUP") for r in rules)


def test_an_entry_point_refuses_arguments_it_was_not_compiled_for() -> None:
    """The compiled functions trust their arguments; the checks in front of
    them turn a wrong dtype, shape or layout into a TypeError."""
    if jit.compiled() is None:
        pytest.skip("the kernels run through the JIT here")
    from dedup.lsh_kernel import key_groups

    ids = np.arange(4, dtype=np.int64)
    h = np.array([5, 6, 5, 7], dtype=np.uint64)
    reps, members, offsets = key_groups(ids, h, h)
    assert (
        reps.tolist() == [0, 1, 3] and members.tolist() == [0, 2, 1, 3] and offsets.tolist() == [0, 2, 3, 4]
    )
    for wrong in (
        (ids.astype(np.int32), h, h),  # dtype
        (ids, h.reshape(2, 2), h),  # dimensions
        (np.arange(8, dtype=np.int64)[::2], h, h),  # strided
        (ids, h),  # too few
        (ids.tolist(), h, h),  # not an array
    ):
        with pytest.raises(TypeError, match="key_groups"):
            key_groups(*wrong)


def test_an_unloadable_module_is_not_used(tmp_path: Path) -> None:
    garbage = tmp_path / "dedup_kernels_x.so"
    garbage.write_bytes(b"not a shared object")
    assert jit._import("dedup_kernels_x", garbage) is None
    assert jit._import("dedup_kernels_x", tmp_path / "missing.so") is None


def test_signatures_are_read_as_numba_writes_them() -> None:
    assert jit._arguments("Tuple((i8[::1], u1[::1]))(u1[::1], i8, u8[:, ::1])") == [
        "u1[::1]",
        "i8",
        "u8[:, ::1]",
    ]
    assert jit._arguments("void()") == []
    checks = jit._checks("void(u4[:, ::1], f8, b1)")
    assert checks[0][:2] == (np.dtype(np.uint32), 2) and checks[1][0] is None
    with pytest.raises(ValueError, match="not supported"):
        jit._checks("void(u1[:])")  # any layout: not checked, so not allowed


_LOADS = """
import sys
from dedup import jit, kernels, lsh_kernel, verify_kernel
from dedup.rules import ngram_kernel, token_kernel
print(jit.compiled() is not None, "numba" in sys.modules)
"""


def test_the_first_use_builds_the_modules_and_later_ones_load_them(tmp_path: Path) -> None:
    """In an empty cache directory the first import of the kernels builds
    the modules (in child processes, without a trace on stderr); two
    processes that start at once both build, and both end up with the
    compiled modules and one copy of each in place. The next process loads
    them without importing numba."""
    env = {**os.environ, jit.CACHE_ENV: str(tmp_path)}
    firsts = [
        subprocess.Popen(
            [sys.executable, "-c", _LOADS], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    for first in firsts:
        out, err = first.communicate(timeout=600)
        assert first.returncode == 0 and err == "", err
        assert out.split() == ["True", "False"]
    built = list(tmp_path.iterdir())
    # One module per group, and no debris.
    assert sorted(p.name.partition(".")[0].rpartition("_")[2] for p in built) == sorted(jit.GROUPS), built
    assert all(p.name.startswith("dedup_kernels_") for p in built)
    later = _python(_LOADS, {jit.CACHE_ENV: str(tmp_path)})
    assert later.stdout.split() == ["True", "False"]


def test_a_failed_build_says_so_once_and_the_jit_takes_over(tmp_path: Path) -> None:
    """Without setuptools (a Python 3.12 venv has none) pycc cannot build:
    one line says so, the kernels run through the JIT, and later runs do
    not try again until the ``.failed`` file is deleted."""
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "setuptools.py").write_text("raise ImportError('no setuptools here')\n")
    cache = tmp_path / "cache"
    env = {jit.CACHE_ENV: str(cache), "PYTHONPATH": str(blocker)}
    first = _python(_LOADS, env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.split() == ["False", "True"]
    lines = first.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("dedup: could not compile the kernels ahead of time (")
    assert "setuptools" in lines[0] and "using numba's JIT" in lines[0]
    (failed,) = cache.glob("*.failed")
    assert str(failed) in lines[0] and "setuptools" in failed.read_text("utf-8")
    second = _python(_LOADS, env)
    assert second.returncode == 0 and second.stderr == ""
    assert second.stdout.split() == ["False", "True"]


def test_dedup_aot_0_asks_for_the_jit() -> None:
    done = _python(_LOADS, {jit.AOT_ENV: "0"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"]


def test_without_an_interpreter_to_build_with_the_jit_takes_over(tmp_path: Path) -> None:
    """An embedding application may leave sys.executable empty: no child can
    build there, so the JIT runs the kernels, silently, and nothing is noted
    that would keep another process from building them."""
    done = _python("import sys\nsys.executable = ''\n" + _LOADS, {jit.CACHE_ENV: str(tmp_path)})
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert done.stdout.split() == ["False", "True"]
    assert list(tmp_path.iterdir()) == []
