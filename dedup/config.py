"""Configuration files: find them, read them, and build :class:`Settings`.

Where settings come from, strongest first:

1. the command line (``--threshold 0.9``; ``--config FILE`` names the file);
2. the environment (``DEDUP_OUTPUT_FORMAT``);
3. the closest configuration file, looking in the directory of the paths to
   check and then in each parent: ``.dedup.toml``, ``dedup.toml`` or
   ``pyproject.toml`` with a ``[tool.dedup]`` table (the first one found in
   that order wins, like ruff); ``--isolated`` ignores configuration files;
4. the defaults in :class:`~dedup.settings.Settings`.

Keys are the field names of :class:`~dedup.settings.Settings` and of
:class:`~dedup.rules.registry.RuleSettings` in kebab-case (``min-words``,
``extend-select``). The loader knows no key by name: it reads the field
lists, types and metadata of the two dataclasses, so a new field is a new
key. A table-valued field (a mapping) takes a TOML table,
``[tool.dedup.<field>]`` (``[tool.dedup.severity]``); field metadata may
rename the key (``thresholds`` is read from ``[tool.dedup.rules.CODE]``) and
convert its value (``from_toml``). Unknown keys, wrong types, bad values and
TOML syntax errors are :class:`DedupError` naming the file and the key.

On the command line, a field whose metadata says ``merge="extend"``
(``--extend-exclude``, ``--extend-select``, ``--ignore``) adds to the file's
list; any other option replaces the file's value, and ``resets`` names the
fields an option replaces along with its own (``--select`` replaces the
file's whole rule selection, as in ruff).
"""

from __future__ import annotations

import difflib
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import Field, dataclass, fields
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dedup.errors import DedupError
from dedup.settings import Settings

if TYPE_CHECKING:
    from dedup.rules.registry import RuleSettings

CONFIG_NAMES = (".dedup.toml", "dedup.toml", "pyproject.toml")
DEFAULT = "default"
COMMAND_LINE = "command line"
# Environment variables that set a field, as if given on the command line.
ENVIRONMENT = {"DEDUP_OUTPUT_FORMAT": "output_format"}


@dataclass(frozen=True)
class Resolved:
    """The effective settings of one run and where each value came from.

    ``origins`` maps each field name (of Settings and of RuleSettings) to
    ``"default"``, the config file's path, ``"environment NAME"`` or
    ``"command line"``. ``root`` is the directory the exclude patterns are
    relative to: the config file's directory, or the current directory when
    there is none. ``rules`` is the rule part of the settings.
    """

    settings: Settings
    origins: dict[str, str]
    config_path: Path | None
    root: Path
    rules: RuleSettings


@dataclass(frozen=True)
class _Option:
    """One configurable field: its dataclass, name, TOML key and type."""

    owner: type
    field: Field[Any]
    key: str
    type: Any

    @property
    def name(self) -> str:
        return self.field.name

    @property
    def metadata(self) -> Mapping[str, Any]:
        return self.field.metadata


def _rule_settings_class() -> type[RuleSettings]:
    # Imported on use: the rule registry imports every rule module.
    from dedup.rules.registry import RuleSettings

    return RuleSettings


@cache
def _options() -> dict[str, _Option]:
    """Field name -> option, for Settings then RuleSettings."""
    options: dict[str, _Option] = {}
    for owner in (Settings, _rule_settings_class()):
        hints = typing.get_type_hints(owner)
        for f in fields(owner):
            if f.name in options:
                raise RuntimeError(f"{f.name} is a field of two settings classes")
            key = f.metadata.get("key", key_of(f.name))
            options[f.name] = _Option(owner, f, key, hints[f.name])
    return options


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
    options = _options()
    known = {option.key: option for option in options.values()}
    values: dict[str, Any] = {}
    for key, raw in table.items():
        option = known.get(key)
        if option is None:
            close = difflib.get_close_matches(key.replace("_", "-"), list(known), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise DedupError(
                f"unknown key '{key}'{hint}; run 'dedup config' for the list of settings", str(path)
            )
        convert = option.metadata.get("from_toml")
        try:
            value = convert(raw) if convert is not None else _convert(raw, option.type)
        except TypeError:
            raise DedupError(
                f"'{key}' must be {_describe_type(option.type)}, got {raw!r}", str(path)
            ) from None
        except DedupError as exc:
            raise DedupError(exc.message, str(path)) from None
        args = typing.get_args(option.type)
        if convert is None and isinstance(value, Mapping) and len(args) == 2:
            # A table of one type of value: convert (and blame) entry by entry.
            entries = {}
            for entry, item in value.items():
                try:
                    entries[entry] = _convert(item, args[1])
                except TypeError:
                    raise DedupError(
                        f"'{key}.{entry}' must be {_describe_type(args[1])}, got {item!r}", str(path)
                    ) from None
            value = entries
        values[option.name] = value
    return values


def _explain(values: Mapping[str, Any], error: Exception, path: Path) -> DedupError:
    """The error of building the settings from a file's ``values``, naming the key.

    Settings are validated together (``bands`` must divide ``num-perm``);
    when they fail, each value (each entry of a table) is tried alone to find
    the key to blame.
    """
    options = _options()
    for name, value in values.items():
        option = options[name]
        if isinstance(value, Mapping) and "from_toml" not in option.metadata:
            tries = [(f"{option.key}.{entry}", {entry: item}) for entry, item in value.items()]
        else:
            tries = [(option.key, value)]
        for key, alone in tries:
            try:
                option.owner(**{name: alone})
            except (DedupError, ValueError) as exc:
                message = exc.message if isinstance(exc, DedupError) else str(exc)
                if not message.startswith(option.key):
                    message = f"'{key}': {message}"
                return DedupError(message, str(path))
    message = error.message if isinstance(error, DedupError) else str(error)
    return DedupError(message, str(path))


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

    options = _options()
    origins = dict.fromkeys(options, DEFAULT)
    values: dict[str, Any] = {}
    if config_path is not None:
        file_values = values_from_table(load_table(config_path), config_path)
        try:
            _build(file_values)
        except (DedupError, TypeError, ValueError) as exc:
            raise _explain(file_values, exc, config_path) from None
        values.update(file_values)
        origins.update(dict.fromkeys(file_values, str(config_path)))

    for variable, name in ENVIRONMENT.items():
        raw = environ.get(variable)
        if raw:
            values[name] = _convert(raw, options[name].type)
            origins[name] = f"environment {variable}"

    given = {name: value for name, value in cli.items() if value is not None}
    for name in given:
        if name not in options:
            raise ValueError(f"no settings class has a field {name!r}")
        for reset in options[name].metadata.get("resets", ()):
            if reset in values:
                del values[reset]
                origins[reset] = COMMAND_LINE
    for name, value in given.items():
        if options[name].metadata.get("merge") == "extend" and values.get(name):
            # Extending means extending: add to the config file's list.
            value = (*values[name], *value)
            origins[name] = f"{origins[name]} + {COMMAND_LINE}"
        else:
            origins[name] = COMMAND_LINE
        values[name] = value
    settings, rules = _build(values)
    root = config_path.resolve().parent if config_path is not None else Path.cwd()
    return Resolved(settings, origins, config_path, root, rules)


def _build(values: Mapping[str, Any]) -> tuple[Settings, RuleSettings]:
    """Settings and RuleSettings from field values (missing fields: defaults)."""
    options = _options()
    rule_settings = _rule_settings_class()
    settings = Settings(**{k: v for k, v in values.items() if options[k].owner is Settings})
    rules = rule_settings(**{k: v for k, v in values.items() if options[k].owner is rule_settings})
    return settings, rules


def render_settings(resolved: Resolved) -> str:
    """``dedup config``: every setting, its effective value and its origin."""
    lines = [f"# config file: {resolved.config_path or 'none'}", f"# root: {resolved.root}"]
    for option in _options().values():
        if option.owner is not Settings and option.name == "select":
            lines.append("# rules: which run, their severity and thresholds (`dedup rules`)")
        source = resolved.settings if option.owner is Settings else resolved.rules
        value = getattr(source, option.name)
        lines.append(f"{option.key} = {_toml_value(value)}  # {resolved.origins[option.name]}")
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if value is None:
        return '"off"'  # a disabled rule threshold; TOML has no null
    return str(value)


def _toml_key(key: str) -> str:
    bare = key.replace("-", "").replace("_", "").isalnum() and key.isascii()
    return key if bare else _toml_value(key)
