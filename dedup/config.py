"""Configuration files: find them, read them, and build :class:`Settings`.

Where settings come from, strongest first:

1. the command line (``--threshold 0.9``; ``--config FILE`` names the file);
2. the environment (``DEDUP_OUTPUT_FORMAT``);
3. the closest configuration file, looking in the directory of the paths to
   check and then in each parent: ``.dedup.toml``, ``dedup.toml`` or
   ``pyproject.toml`` with a ``[tool.dedup]`` table (the first one found in
   that order wins, like ruff); ``--isolated`` ignores configuration files;
4. the defaults in :class:`~dedup.settings.Settings`.

Keys are the Settings field names in kebab-case (``min-words``). The loader
knows no key by name: it reads the field list and types of Settings, so a new
field is a new key. A table-valued field (a mapping, such as per-rule
options) takes a TOML table, ``[tool.dedup.<field>]``. Unknown keys, wrong
types and TOML syntax errors are :class:`DedupError` naming the file.
"""

from __future__ import annotations

import difflib
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from dedup.errors import DedupError
from dedup.settings import Settings

CONFIG_NAMES = (".dedup.toml", "dedup.toml", "pyproject.toml")
DEFAULT = "default"
COMMAND_LINE = "command line"
# Environment variables that set a field, as if given on the command line.
ENVIRONMENT = {"DEDUP_OUTPUT_FORMAT": "output_format"}


@dataclass(frozen=True)
class Resolved:
    """The effective settings of one run and where each value came from.

    ``origins`` maps each field name to ``"default"``, the config file's path,
    ``"environment NAME"`` or ``"command line"``. ``root`` is the directory
    the exclude patterns are relative to: the config file's directory, or the
    current directory when there is none.
    """

    settings: Settings
    origins: dict[str, str]
    config_path: Path | None
    root: Path


def key_of(name: str) -> str:
    return name.replace("_", "-")


def find_config(start: Path) -> Path | None:
    """The closest config file in ``start`` or one of its parents."""
    directory = start.resolve()
    if not directory.is_dir():
        directory = directory.parent
    for candidate_dir in (directory, *directory.parents):
        for name in CONFIG_NAMES:
            candidate = candidate_dir / name
            if not candidate.is_file():
                continue
            if name != "pyproject.toml" or _has_dedup_table(candidate):
                return candidate
    return None


def _has_dedup_table(path: Path) -> bool:
    try:
        data = _read_toml(path)
    except DedupError:
        return True  # report the syntax error rather than skipping the file
    tool = data.get("tool")
    return isinstance(tool, dict) and "dedup" in tool


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DedupError("config file not found; check the --config path", str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise DedupError(f"cannot read config file: {reason}", str(path)) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DedupError(f"invalid TOML: {exc}", str(path)) from None


def load_table(path: Path) -> dict[str, Any]:
    """The dedup table of a config file (``[tool.dedup]`` in pyproject.toml)."""
    data = _read_toml(path)
    if path.name != "pyproject.toml":
        return data
    tool = data.get("tool", {})
    table = tool.get("dedup", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise DedupError("[tool.dedup] must be a table", str(path))
    return table


def _field_types() -> dict[str, Any]:
    return typing.get_type_hints(Settings)


def _describe_type(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is tuple:
        return "a list of strings"
    if origin in (dict, Mapping) or tp in (dict, Mapping):
        return "a table"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe_type(a) for a in typing.get_args(tp) if a is not type(None))
    names = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}
    return names.get(tp, getattr(tp, "__name__", str(tp)))


def _convert(value: Any, tp: Any) -> Any:
    """``value`` as type ``tp``, or raise TypeError."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            if arg is type(None):
                continue
            try:
                return _convert(value, arg)
            except TypeError:
                pass
        raise TypeError
    if origin is tuple:
        if isinstance(value, str) or not isinstance(value, list):
            raise TypeError
        item_type = typing.get_args(tp)[0] if typing.get_args(tp) else str
        return tuple(_convert(item, item_type) for item in value)
    if origin in (dict, Mapping) or tp in (dict, Mapping):
        if not isinstance(value, dict):
            raise TypeError
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise TypeError
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise TypeError
        return value
    return value


def values_from_table(table: Mapping[str, Any], path: Path) -> dict[str, Any]:
    """Field name -> converted value for every key of a dedup config table."""
    hints = _field_types()
    known = {key_of(name): name for name in hints}
    values: dict[str, Any] = {}
    for key, raw in table.items():
        name = known.get(key)
        if name is None:
            close = difflib.get_close_matches(key.replace("_", "-"), list(known), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise DedupError(
                f"unknown key '{key}'{hint}; run 'dedup config' for the list of settings", str(path)
            )
        try:
            values[name] = _convert(raw, hints[name])
        except TypeError:
            raise DedupError(
                f"'{key}' must be {_describe_type(hints[name])}, got {raw!r}", str(path)
            ) from None
    return values


def resolve(
    cli: Mapping[str, Any],
    *,
    config: str | os.PathLike[str] | None = None,
    isolated: bool = False,
    start: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Resolved:
    """Build the effective Settings from defaults, config file, environment and CLI.

    ``cli`` holds command-line values by field name; ``None`` means "not
    given". ``start`` is where the config search begins (default: the current
    directory).
    """
    environ = os.environ if environ is None else environ
    config_path: Path | None = None
    if config is not None:
        config_path = Path(config)
        if not config_path.is_file():
            raise DedupError("config file not found; check the --config path", str(config_path))
    elif not isolated:
        config_path = find_config(Path(start) if start is not None else Path.cwd())

    origins = {f.name: DEFAULT for f in fields(Settings)}
    values: dict[str, Any] = {}
    if config_path is not None:
        file_values = values_from_table(load_table(config_path), config_path)
        try:
            Settings(**file_values)
        except DedupError as exc:
            raise DedupError(exc.message, str(config_path)) from None
        except TypeError as exc:  # a field Settings itself rejects
            raise DedupError(str(exc), str(config_path)) from None
        values.update(file_values)
        origins.update(dict.fromkeys(file_values, str(config_path)))

    hints = _field_types()
    for variable, name in ENVIRONMENT.items():
        raw = environ.get(variable)
        if raw:
            values[name] = _convert(raw, hints[name])
            origins[name] = f"environment {variable}"

    for name, value in cli.items():
        if value is None:
            continue
        if name not in origins:
            raise ValueError(f"Settings has no field {name!r}")
        if name == "extend_exclude" and values.get(name):
            # Extending means extending: add to the config file's list.
            value = (*values[name], *value)
            origins[name] = f"{origins[name]} + {COMMAND_LINE}"
        else:
            origins[name] = COMMAND_LINE
        values[name] = value
    settings = Settings(**values)
    root = config_path.resolve().parent if config_path is not None else Path.cwd()
    return Resolved(settings, origins, config_path, root)


def render_settings(resolved: Resolved) -> str:
    """``dedup config``: every setting, its effective value and its origin."""
    lines = [f"# config file: {resolved.config_path or 'none'}", f"# root: {resolved.root}"]
    for f in fields(Settings):
        value = getattr(resolved.settings, f.name)
        lines.append(f"{key_of(f.name)} = {_toml_value(value)}  # {resolved.origins[f.name]}")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if value is None:
        return '""'
    return str(value)
