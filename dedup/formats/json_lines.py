"""``json-lines``: one JSON object per finding, one per line.

Each object has the keys of a finding in the ``json`` format (see
:mod:`dedup.report`). Nothing else is written, so ``jq -c``, ``grep`` and
line-oriented loaders can stream it; use ``json`` for the summary.
"""

from __future__ import annotations

import json

from dedup.api import Result
from dedup.report import finding_to_dict


def render_json_lines(result: Result) -> str:
    return "".join(json.dumps(finding_to_dict(f), ensure_ascii=False) + "\n" for f in result.findings)
