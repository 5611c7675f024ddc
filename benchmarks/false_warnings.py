"""False-warning rate of the default rule selection on clean corpora.

Usage: python benchmarks/false_warnings.py [BBC_DIR] [WIKI_FILE ...]

Counts documents with at least one warning or error (duplicate rules
excluded: this measures the quality rules) and the rules responsible.
BBC files are UTF-8 except sport/199.txt, which is decoded as Latin-1 here
so that ENC001 measures nothing but content.
Wikipedia extract files hold many ``<doc>`` elements; each is one document.
"""

from __future__ import annotations

import collections
import glob
import re
import sys
from pathlib import Path

from dedup.models import Document, Severity
from dedup.quality import check_quality
from dedup.rules.registry import RuleSettings
from dedup.segment import segment

SETTINGS = RuleSettings(ignore=("DUP",))
DOC_RE = re.compile(r"<doc [^>]*>\n(.*?)</doc>", re.S)


def measure(name: str, texts: list[tuple[str, str]]) -> None:
    docs = [Document(path, t.encode(), t, newline="\n") for path, t in texts]
    blocks = [segment(d, "auto") for d in docs]
    result = check_quality(docs, blocks, SETTINGS)
    if "-v" in sys.argv:
        for f in result.findings:
            if f.severity >= Severity.WARNING:
                print(f"  {f.path}:{f.line}: {f.rule} {f.message[:150]}")
    bad_docs: set[str] = set()
    by_rule: collections.Counter[str] = collections.Counter()
    for f in result.findings:
        if f.severity >= Severity.WARNING:
            bad_docs.add(f.path)
            by_rule[f.rule] += 1
    rate = 100 * len(bad_docs) / len(docs)
    print(f"{name}: {len(docs)} documents, {len(bad_docs)} with a warning ({rate:.2f}%)")
    for rule, n in by_rule.most_common():
        print(f"  {rule}: {n}")


def _read(path: str) -> str:
    raw = Path(path).read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:  # one BBC file (sport/199.txt) is Latin-1
        return raw.decode("latin-1")


def main(argv: list[str]) -> None:
    argv = [a for a in argv if a != "-v"]
    bbc = argv[0] if argv else "/work/shared/data/bbc_news"
    wiki = argv[1:] or sorted(glob.glob("/work/shared/data/wikipedia_en_extract/wiki_0[0-4]"))
    bbc_texts = [(p, _read(p)) for p in sorted(glob.glob(f"{bbc}/*/*.txt"))]
    measure("bbc_news", bbc_texts)
    wiki_texts = []
    for path in wiki:
        content = Path(path).read_text(encoding="utf-8")
        for i, m in enumerate(DOC_RE.finditer(content)):
            wiki_texts.append((f"{path}#{i}", m.group(1)))
    measure("wikipedia_en_extract", wiki_texts)


if __name__ == "__main__":
    main(sys.argv[1:])
