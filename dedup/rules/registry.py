"""The one rule registry, and ruff-style rule selection.

Every rule has a stable code. A selector is a code prefix (``GQ``, ``GQ00``,
``GQ001``), a rule name (``gopher-word-count``) or ``ALL``. Like ruff, the
most specific selector wins: ``--select GQ --ignore GQ004`` runs every
Gopher quality rule but GQ004, and ``--ignore GQ --extend-select GQ001``
runs only GQ001 of them. On a tie, ignore wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dedup.errors import DedupError
from dedup.models import Severity
from dedup.rules.base import ParamValue, Rule
from dedup.rules.boilerplate import BOILERPLATE_RULES
from dedup.rules.c4 import C4_RULES
from dedup.rules.duplicates import DUPLICATE_RULES
from dedup.rules.fineweb import FINEWEB_RULES
from dedup.rules.gopher import GOPHER_RULES
from dedup.rules.hygiene import HYGIENE_RULES
from dedup.rules.text import WORD_TOKENIZERS

#: Rule families: code prefix -> what the family is.
FAMILIES: dict[str, str] = {
    "DUP": "duplicate paragraphs (the dedup core)",
    "ENC": "encoding hygiene",
    "TXT": "whitespace and character hygiene",
    "GQ": "Gopher quality heuristics (Rae et al. 2021)",
    "GR": "Gopher repetition heuristics (Rae et al. 2021)",
    "C4": "C4 heuristics (Raffel et al. 2020)",
    "FW": "FineWeb heuristics (Penedo et al. 2024)",
    "BP": "boilerplate paragraphs",
}

ALL_RULES: tuple[type[Rule], ...] = (
    *DUPLICATE_RULES,
    *HYGIENE_RULES,
    *GOPHER_RULES,
    *C4_RULES,
    *FINEWEB_RULES,
    *BOILERPLATE_RULES,
)
RULES_BY_CODE: dict[str, type[Rule]] = {rule.code: rule for rule in ALL_RULES}
RULES_BY_NAME: dict[str, type[Rule]] = {rule.name: rule for rule in ALL_RULES}

# Every rule but C4005 (no terminal punctuation): it is a per-paragraph info
# note that fires on every heading and caption, so on a corpus it buries the
# findings that matter (145,141 of 163,408 findings on the 66 MB benchmark
# corpus). `--select ALL` or `--extend-select C4005` turns it on.
DEFAULT_SELECT: tuple[str, ...] = (
    "DUP",
    "ENC",
    "TXT",
    "GQ",
    "GR",
    "C4001",
    "C4002",
    "C4003",
    "C4004",
    "C4006",
    "FW",
    "BP",
)


def _check_registry() -> None:
    if len(RULES_BY_CODE) != len(ALL_RULES) or len(RULES_BY_NAME) != len(ALL_RULES):
        raise RuntimeError("rule codes and names must be unique")
    for rule in ALL_RULES:
        if not any(rule.code.startswith(prefix) for prefix in FAMILIES):
            raise RuntimeError(f"{rule.code} belongs to no family")


_check_registry()


def get_rule(selector: str) -> type[Rule]:
    """The rule with this code or name (case-insensitive for codes)."""
    key = selector.strip()
    rule = RULES_BY_CODE.get(key.upper()) or RULES_BY_NAME.get(key.lower())
    if rule is None:
        raise DedupError(f"unknown rule {selector!r}; `dedup rules` lists them all")
    return rule


def _match_length(selector: str, rule: type[Rule]) -> int:
    """How specifically ``selector`` matches ``rule`` (-1: it does not)."""
    if selector == "ALL":
        return 0
    if selector.lower() == rule.name:
        return len(rule.code)
    if rule.code.startswith(selector):
        return len(selector)
    return -1


def _normalise_selectors(selectors: Iterable[str], option: str) -> tuple[str, ...]:
    out: list[str] = []
    for raw in selectors:
        for part in raw.split(","):
            sel = part.strip()
            if not sel:
                continue
            upper = sel.upper()
            if upper == "ALL" or any(code.startswith(upper) for code in RULES_BY_CODE):
                out.append(upper)
            elif sel.lower() in RULES_BY_NAME:
                out.append(sel.lower())
            else:
                raise DedupError(f"{option}: {sel!r} matches no rule code or name; `dedup rules` lists them")
    return tuple(out)


@dataclass(frozen=True)
class RuleSettings:
    """Which rules run and how: the quality part of the settings.

    ``severity`` maps a selector to a severity label; ``thresholds`` maps a
    rule code to ``{threshold: value}`` (``None`` disables that check).
    """

    select: tuple[str, ...] = field(
        default=DEFAULT_SELECT,
        metadata={
            "help": "Rules to run: codes, code prefixes or names (ALL = every rule). "
            "On the command line, --select replaces the file's whole selection "
            "(select, extend-select and ignore), like ruff.",
            "resets": ("extend_select", "ignore"),
        },
    )
    ignore: tuple[str, ...] = field(
        default=(),
        metadata={"help": "Rules not to run; --ignore adds to this list.", "merge": "extend"},
    )
    extend_select: tuple[str, ...] = field(
        default=(),
        metadata={
            "help": "Rules to run in addition to `select`; --extend-select adds to it.",
            "merge": "extend",
        },
    )
    severity: Mapping[str, str] = field(
        default_factory=dict,
        hash=False,
        metadata={
            "help": 'Severity per selector, a [severity] table: GQ = "error" '
            "(error, warning or info; the most specific selector wins)."
        },
    )
    thresholds: Mapping[str, Mapping[str, ParamValue]] = field(
        default_factory=dict,
        hash=False,
        metadata={
            "help": "Rule thresholds, one [rules.CODE] table per rule: min_words = 20 "
            '(names as `dedup rule CODE` lists them; "off" disables a check).',
            "key": "rules",
            "from_toml": lambda table: thresholds_from_toml(table),
        },
    )
    fail_on: str = field(
        default="warning",
        metadata={"help": "Lowest severity that makes `dedup check` exit 1: error, warning or info."},
    )
    word_tokenizer: str = field(
        default="simple",
        metadata={"help": "Word tokenizer of the heuristics: " + ", ".join(WORD_TOKENIZERS) + "."},
    )
    heuristic_min_words: int = field(
        default=50,
        metadata={"help": "Ratio heuristics skip documents with fewer words (Gopher's minimum)."},
    )
    max_heuristic_bytes: int = field(
        default=10_000_000,
        metadata={"help": "Content heuristics skip larger files (TXT007 says so)."},
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "select", _normalise_selectors(self.select, "select"))
        object.__setattr__(self, "ignore", _normalise_selectors(self.ignore, "ignore"))
        object.__setattr__(
            self,
            "extend_select",
            _normalise_selectors(self.extend_select, "extend-select"),
        )
        try:
            Severity.parse(self.fail_on)
            for label in self.severity.values():
                Severity.parse(label)
        except ValueError as err:
            raise DedupError(str(err)) from None
        _normalise_selectors(self.severity, "severity")
        if self.word_tokenizer not in WORD_TOKENIZERS:
            raise DedupError(
                f"unknown word-tokenizer {self.word_tokenizer!r}: use one of {', '.join(WORD_TOKENIZERS)}"
            )
        if self.heuristic_min_words < 0 or self.max_heuristic_bytes < 0:
            raise DedupError("heuristic-min-words and max-heuristic-bytes must be >= 0")
        for code, values in self.thresholds.items():
            rule = get_rule(code)
            for key, value in values.items():
                if key not in rule.params:
                    known = ", ".join(rule.params) or "none"
                    raise DedupError(f"{rule.code} has no threshold {key!r} (thresholds: {known})")
                _check_value(rule, key, value)

    @property
    def fail_severity(self) -> Severity:
        return Severity.parse(self.fail_on)

    def is_selected(self, rule: type[Rule]) -> bool:
        best_on = max(
            (_match_length(s, rule) for s in (*self.select, *self.extend_select)),
            default=-1,
        )
        best_off = max((_match_length(s, rule) for s in self.ignore), default=-1)
        return best_on >= 0 and best_on > best_off

    def severity_of(self, rule: type[Rule]) -> Severity:
        best, chosen = -1, rule.default_severity
        for selector, label in self.severity.items():
            length = _match_length(_normalise_selectors([selector], "severity")[0], rule)
            if length > best:
                best, chosen = length, Severity.parse(label)
        return chosen


def _check_value(rule: type[Rule], key: str, value: ParamValue) -> None:
    default = rule.params[key].default
    if value is None:
        return
    if isinstance(default, (int, float)) and not isinstance(default, bool):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise DedupError(f'{rule.code}.{key} must be a number or "off", got {value!r}')
    elif isinstance(default, tuple) and (
        not isinstance(value, (tuple, list)) or not all(isinstance(v, str) for v in value)
    ):
        raise DedupError(f"{rule.code}.{key} must be a list of strings, got {value!r}")


def thresholds_from_toml(table: Mapping[str, Any]) -> dict[str, dict[str, ParamValue]]:
    """The ``thresholds`` of a config file's ``[rules.CODE]`` tables.

    A table is named by a rule code or name; its keys are the rule's
    threshold names, snake or kebab case; ``"off"`` disables a check (TOML
    has no null) and lists become tuples. Errors name the key
    (``rules.GQ001.min_words``).
    """
    if not isinstance(table, Mapping):
        raise TypeError("rule thresholds must be a table")
    out: dict[str, dict[str, ParamValue]] = {}
    for selector, params in table.items():
        where = f"rules.{selector}"
        try:
            rule = get_rule(selector)
        except DedupError as err:
            raise DedupError(f"'{where}': {err.message}") from None
        known = ", ".join(rule.params) or "none"
        if not isinstance(params, dict):
            raise DedupError(f"'{where}' must be a table of thresholds ({known}), got {params!r}")
        names = {**{key.replace("_", "-"): key for key in rule.params}, **{key: key for key in rule.params}}
        values = out.setdefault(rule.code, {})
        for raw_key, raw in params.items():
            key = names.get(raw_key)
            if key is None:
                raise DedupError(
                    f"'{where}.{raw_key}': {rule.code} has no threshold {raw_key!r} (thresholds: {known})"
                )
            value: ParamValue
            if raw == "off":
                value = None
            elif isinstance(raw, list):
                value = tuple(raw)
            else:
                value = raw
            try:
                _check_value(rule, key, value)
            except DedupError as err:
                raise DedupError(f"'{where}.{raw_key}': {err.message}") from None
            values[key] = value
    return out


def selected_rules(settings: RuleSettings, runnable_only: bool = True) -> list[Rule]:
    """The selected rules, built with their resolved severity and thresholds."""
    rules: list[Rule] = []
    for cls in ALL_RULES:
        if runnable_only and not cls.runnable:
            continue
        if not settings.is_selected(cls):
            continue
        params = dict(settings.thresholds.get(cls.code, {}))
        for code, values in settings.thresholds.items():
            if get_rule(code) is cls and code != cls.code:
                params.update(values)
        rules.append(cls(settings.severity_of(cls), params))
    return rules
