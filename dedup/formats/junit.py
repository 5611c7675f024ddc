"""``junit``: JUnit XML for CI test-report views.

One ``testsuite`` named ``dedup``; one failing ``testcase`` per finding
(``classname`` = the file, ``name`` = rule and line) and one passing test
case per checked file without findings, so a clean run still shows what was
checked. Inputs that could not be read are ``error`` test cases.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from dedup.api import Result
from dedup.formats.common import relative_posix


def render_junit(result: Result) -> str:
    suites = ET.Element("testsuites", name="dedup")
    suite = ET.SubElement(suites, "testsuite", name="dedup")
    failures = 0
    with_findings = {f.path for f in result.findings}
    cases = 0
    for f in result.findings:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=relative_posix(f.path),
            name=f"{f.rule} line {f.line}-{f.end_line}",
            file=relative_posix(f.path),
            line=str(f.line),
        )
        failure = ET.SubElement(case, "failure", message=f.message, type=f.rule)
        failure.text = (
            f"{relative_posix(f.path)}:{f.line}:{f.end_line}: {f.rule} [{f.severity.label}] {f.message}"
        )
        failures += 1
        cases += 1
    for file in result.checked_files:
        if file.path in with_findings:
            continue
        ET.SubElement(suite, "testcase", classname=relative_posix(file.path), name="no duplicates")
        cases += 1
    for error in result.errors:
        case = ET.SubElement(suite, "testcase", classname=relative_posix(error.path or "-"), name="read")
        ET.SubElement(case, "error", message=error.message)
        cases += 1
    for element in (suites, suite):
        element.set("tests", str(cases))
        element.set("failures", str(failures))
        element.set("errors", str(len(result.errors)))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
