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

DEFAULT_SELECT: tuple[str, ...] = ("ALL",)


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

    select: tuple[str, ...] = DEFAULT_SELECT
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    severity: Mapping[str, str] = field(default_factory=dict, hash=False)
    thresholds: Mapping[str, Mapping[str, ParamValue]] = field(default_factory=dict, hash=False)
    fail_on: str = "warning"
    word_tokenizer: str = "simple"
    heuristic_min_words: int = 50
    max_heuristic_bytes: int = 10_000_000

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
            raise DedupError(f"{rule.code}.{key} must be a number or null, got {value!r}")
    elif isinstance(default, tuple) and (
        not isinstance(value, (tuple, list)) or not all(isinstance(v, str) for v in value)
    ):
        raise DedupError(f"{rule.code}.{key} must be a list of strings, got {value!r}")


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
