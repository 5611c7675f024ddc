"""Quality rules: one registry of codes, names, severities and thresholds.

See :mod:`dedup.rules.registry` for selection and :func:`dedup.quality.check_quality`
for running the rules over documents.
"""

from dedup.rules.base import FileContext, Param, Rule, Scope
from dedup.rules.registry import (
    ALL_RULES,
    FAMILIES,
    RuleSettings,
    get_rule,
    selected_rules,
)

__all__ = [
    "ALL_RULES",
    "FAMILIES",
    "FileContext",
    "Param",
    "Rule",
    "RuleSettings",
    "Scope",
    "get_rule",
    "selected_rules",
]
