"""SARIF 2.1.0 output validates against the official OASIS schema (vendored in fixtures/)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from integration_helpers import FIXTURES, PARA_A, PARA_B, PARA_C, run_dedup, write

from dedup.api import check_texts
from dedup.formats.sarif import to_sarif_dict

SCHEMA = json.loads((FIXTURES / "sarif-2.1.0.json").read_text(encoding="utf-8"))
NEAR = PARA_A.replace("today", "yesterday")


def _validate(document: dict[str, object]) -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    jsonschema.validate(document, SCHEMA, cls=jsonschema.Draft7Validator)


def test_sarif_from_cli_is_valid_and_complete(tmp_path: Path) -> None:
    write(tmp_path / "a.md", f"{PARA_A}\n\n{PARA_B}\n")
    write(tmp_path / "b.md", f"{PARA_C}\n\n{PARA_A}\n\n{NEAR}\n")
    write(tmp_path / "empty.md", "")
    out = run_dedup("check", ".", "--output-format", "sarif", "--threshold", "0.7", cwd=tmp_path)
    assert out.code == 2  # empty.md cannot be read, reported in the SARIF too
    document = json.loads(out.out)
    _validate(document)
    run = document["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["DUP001"]["shortDescription"]["text"] and rules["DUP002"]["fullDescription"]["text"]
    results = run["results"]
    assert [r["ruleId"] for r in results] == ["DUP001", "DUP002"]
    exact = results[0]
    loc = exact["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "b.md"
    assert loc["region"] == {"startLine": 3, "endLine": 3}
    related = exact["relatedLocations"][0]["physicalLocation"]
    assert related["artifactLocation"]["uri"] == "a.md" and related["region"]["startLine"] == 1
    assert exact["partialFingerprints"]["dedup/v1"]
    deleted = exact["fixes"][0]["artifactChanges"][0]["replacements"][0]["deletedRegion"]
    raw = (tmp_path / "b.md").read_bytes()
    assert (
        raw[deleted["byteOffset"] : deleted["byteOffset"] + deleted["byteLength"]] == f"{PARA_A}\n".encode()
    )
    assert results[1]["level"] == "warning"
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert run["invocations"][0]["executionSuccessful"] is False
    assert notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "empty.md"


def test_sarif_without_findings_is_valid() -> None:
    document = to_sarif_dict(check_texts({"a.txt": PARA_A}))
    _validate(document)
    assert document["runs"][0]["results"] == []


def test_schema_rejects_broken_sarif() -> None:
    document = to_sarif_dict(check_texts({"a.txt": f"{PARA_A}\n\n{PARA_A}\n"}))
    del document["runs"][0]["tool"]["driver"]["name"]
    with pytest.raises(jsonschema.ValidationError):
        _validate(document)
