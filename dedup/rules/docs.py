"""``docs/rules.md`` from the registry: one source for codes, names,
severities, explanations and thresholds.

Regenerate with ``python -m dedup.rules.docs > docs/rules.md``;
``tests/test_rule_config.py`` fails when the file is out of date.
"""

from __future__ import annotations

import sys

from dedup.rules.base import ParamValue
from dedup.rules.registry import ALL_RULES, FAMILIES

INTRO = """\
# Rules

Generated from the registry (`dedup rules`, `dedup rule CODE`) by `python -m dedup.rules.docs > docs/rules.md`. Codes are stable.

Selection works like ruff: `--select`, `--ignore`, `--extend-select` take codes, code prefixes or names; the most specific selector wins. `--fail-on error|warning|info` sets the lowest severity that makes `dedup check` exit 1 (default: warning). `dedup clean --drop BP001,C4003` also removes paragraphs flagged by paragraph-scope rules.

The same settings go in the config file (`[tool.dedup]` in pyproject.toml, or `dedup.toml`; see docs/integrations.md): `select`, `ignore`, `extend-select`, `fail-on`, `word-tokenizer`, `heuristic-min-words`, `max-heuristic-bytes`, a `[tool.dedup.severity]` table (selector = "error", "warning" or "info") and one `[tool.dedup.rules.CODE]` table per rule for the thresholds below (snake or kebab case; `"off"` disables a check):

```toml
[tool.dedup]
select = ["DUP", "GQ", "BP"]
ignore = ["GQ006"]
fail-on = "error"

[tool.dedup.severity]
GQ001 = "error"

[tool.dedup.rules.GQ001]
min_words = 20
max_words = "off"
```

Statistics follow datatrove 0.10.1 (tested in `tests/test_rules_datatrove.py`); the built-in word tokenizer approximates spaCy's English tokenizer (datatrove's), `word-tokenizer = "spacy"` uses spaCy itself for identical numbers.

Per-file figures appear in the JSON report under `quality` (`bytes`, `lines`, `paragraphs` and every metric a selected rule measured: `words`, `mean_word_length`, `hash_word_ratio`, `ellipsis_word_ratio`, `bullet_lines_ratio`, `ellipsis_lines_ratio`, `alpha_words_ratio`, `stop_words`, `dup_para_frac`, `dup_para_char_frac`, `dup_line_frac`, `dup_line_char_frac`, `top_N_gram_char_frac`, `dup_N_gram_char_frac`, `line_punct_ratio`, `short_line_ratio`, `dup_line_char_ratio`, `newline_word_ratio`, `longest_line`, `heuristics_skipped`).
"""


def _value(value: ParamValue) -> str:
    if isinstance(value, tuple):
        return "(" + ", ".join(repr(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return repr(value)


def render() -> str:
    """The whole of ``docs/rules.md``."""
    out = [INTRO, "## Families", ""]
    out += [f"- `{prefix}`: {description}" for prefix, description in FAMILIES.items()]
    for rule in ALL_RULES:
        out += [
            "",
            f"## {rule.code} {rule.name}",
            "",
            f"{rule.summary}. Scope: {rule.scope.value}; default severity: {rule.default_severity.label}.",
            "",
            rule.explanation,
        ]
        if rule.params:
            out += ["", "| threshold | default | meaning |", "|---|---|---|"]
            out += [f"| `{key}` | `{_value(p.default)}` | {p.help} |" for key, p in rule.params.items()]
        out += ["", f"Source: {rule.source}"]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
