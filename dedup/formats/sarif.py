"""SARIF 2.1.0, the format GitHub code scanning and SARIF viewers read.

One run. ``tool.driver.rules`` describes every rule that has a finding (and
the two duplicate rules always). Each result has the duplicate's region
(start and end line), a ``relatedLocations`` entry pointing at the kept copy,
``partialFingerprints["dedup/v1"]`` (content-based, so a finding keeps its
identity when lines move), and for fixable findings a ``fixes`` entry that
deletes the paragraph's bytes. Paths are relative to ``%SRCROOT%``, the
current directory. Inputs that could not be read are
``toolExecutionNotifications``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dedup import __version__
from dedup.api import Result
from dedup.formats.common import BUILTIN_RULES, rule_info, uri
from dedup.models import Finding, Location, Severity

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
DEFAULT_LEVEL = {"DUP001": "error", "DUP002": "warning"}
SRCROOT = "%SRCROOT%"


def _physical(path: str, line: int, end_line: int) -> dict[str, Any]:
    return {
        "artifactLocation": {"uri": uri(path), "uriBaseId": SRCROOT},
        "region": {"startLine": line, "endLine": end_line},
    }


def _related(location: Location) -> dict[str, Any]:
    return {
        "id": 1,
        "physicalLocation": _physical(location.path, location.line, location.end_line),
        "message": {"text": "kept copy"},
    }


def _fix(finding: Finding) -> dict[str, Any]:
    assert finding.start is not None and finding.stop is not None
    what = "exact" if finding.rule == "DUP001" else "near (unsafe fix)"
    return {
        "description": {"text": f"Delete this {what} duplicate paragraph"},
        "artifactChanges": [
            {
                "artifactLocation": {"uri": uri(finding.path), "uriBaseId": SRCROOT},
                "replacements": [
                    {
                        "deletedRegion": {
                            "byteOffset": finding.start,
                            "byteLength": finding.stop - finding.start,
                        }
                    }
                ],
            }
        ],
    }


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": LEVEL[finding.severity],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": _physical(finding.path, finding.line, finding.end_line)}],
    }
    if finding.duplicate_of is not None:
        out["relatedLocations"] = [_related(finding.duplicate_of)]
    if finding.fingerprint:
        out["partialFingerprints"] = {"dedup/v1": finding.fingerprint}
    if finding.fixable:
        out["fixes"] = [_fix(finding)]
    properties: dict[str, Any] = {}
    if finding.similarity is not None:
        properties["similarity"] = finding.similarity
    if finding.cluster is not None:
        properties["cluster"] = finding.cluster
    if finding.metrics:
        properties["metrics"] = finding.metrics
    if properties:
        out["properties"] = properties
    return out


def _rule(code: str, level: str) -> dict[str, Any]:
    info = rule_info(code)
    return {
        "id": code,
        "name": info.name,
        "shortDescription": {"text": info.summary},
        "fullDescription": {"text": info.description},
        "help": {"text": info.description},
        "defaultConfiguration": {"level": level},
    }


def to_sarif_dict(result: Result) -> dict[str, Any]:
    codes = sorted({*BUILTIN_RULES, *(f.rule for f in result.findings)})
    levels = dict(DEFAULT_LEVEL)
    for finding in result.findings:
        levels.setdefault(finding.rule, LEVEL[finding.severity])
    index = {code: i for i, code in enumerate(codes)}
    notifications = [
        {
            "level": "error",
            "message": {"text": error.message},
            **(
                {
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": uri(error.path), "uriBaseId": SRCROOT}
                            }
                        }
                    ]
                }
                if error.path
                else {}
            ),
        }
        for error in result.errors
    ]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "dedup",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_rule(code, levels.get(code, "warning")) for code in codes],
                    }
                },
                "originalUriBaseIds": {SRCROOT: {"uri": Path.cwd().as_uri() + "/"}},
                "invocations": [
                    {"executionSuccessful": not result.errors, "toolExecutionNotifications": notifications}
                ],
                "results": [_result(f, index[f.rule]) for f in result.findings],
            }
        ],
    }


def render_sarif(result: Result) -> str:
    return json.dumps(to_sarif_dict(result), indent=2, ensure_ascii=False) + "\n"
