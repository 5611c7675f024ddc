"""Read real paragraphs from the shared evaluation corpora (read-only, at run time).

The corpora under ``../shared/data`` may not be copied into the repository, so
the benchmark reads them here each time it runs. Supported layouts (``root``
may be the data folder holding several of them, or one of them):

- ``wikipedia_en_extract/wiki_*``: WikiExtractor output, one paragraph a line;
- ``reuters21578/raw/reut2-*.sgm``: Reuters-21578 SGML, paragraphs are the
  body's indented blocks (hard-wrapped lines are joined);
- ``bbc_news/<topic>/*.txt``: blank-line separated paragraphs, title first;
- ``dolma_paragraph_dedup_fixture``: ``documents.jsonl.gz`` and
  ``cc_en_head-*.jsonl``, one paragraph a line of ``text``.
"""

from __future__ import annotations

import gzip
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Paragraph:
    """One real paragraph: ``source`` corpus, ``doc`` id within it, ``text``."""

    source: str
    doc: str
    index: int
    text: str

    @property
    def key(self) -> str:
        return f"{self.source}:{self.doc}:{self.index}"


_WIKI_DOC = re.compile(
    r'<doc id="(?P<id>[^"]*)" url="[^"]*" title="(?P<title>[^"]*)">\n(?P<body>.*?)</doc>',
    re.DOTALL,
)
_REUTERS_DOC = re.compile(r"<REUTERS(?P<attrs>[^>]*)>(?P<body>.*?)</REUTERS>", re.DOTALL)
_REUTERS_BODY = re.compile(r"<BODY>(.*?)</BODY>", re.DOTALL)
_NEWID = re.compile(r'NEWID="(\d+)"')


def iter_wikipedia(root: Path) -> Iterator[Paragraph]:
    for path in sorted(root.glob("wiki_*")):
        for m in _WIKI_DOC.finditer(path.read_text(encoding="utf-8")):
            lines = m.group("body").split("\n")
            if lines and lines[0].strip() == m.group("title").strip():
                lines = lines[1:]
            index = 0
            for line in lines:
                line = line.strip()
                # Section headings are short lines ending in "."; the length
                # filter of the sampler drops them anyway.
                if line:
                    yield Paragraph("wikipedia", m.group("id"), index, line)
                    index += 1


def iter_reuters(root: Path) -> Iterator[Paragraph]:
    for path in sorted(root.glob("reut2-*.sgm")):
        for m in _REUTERS_DOC.finditer(path.read_text(encoding="latin-1")):
            body_m = _REUTERS_BODY.search(m.group("body"))
            id_m = _NEWID.search(m.group("attrs"))
            if not body_m or not id_m:
                continue
            body = html.unescape(body_m.group(1)).replace("\x03", "")
            # A paragraph starts on a line indented by spaces.
            blocks = re.split(r"\n(?=\s{2,}\S)", body)
            for index, block in enumerate(blocks):
                text = " ".join(block.split())
                text = text.removesuffix(" Reuter")
                if text:
                    yield Paragraph("reuters", id_m.group(1), index, text)


def iter_bbc(root: Path) -> Iterator[Paragraph]:
    for path in sorted(root.glob("*/*.txt")):
        data = path.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        blocks = [" ".join(b.split()) for b in re.split(r"\n\s*\n", text)]
        doc = f"{path.parent.name}/{path.stem}"
        for index, block in enumerate(b for b in blocks[1:] if b):
            yield Paragraph("bbc", doc, index, block)


def iter_dolma(root: Path) -> Iterator[Paragraph]:
    files = [root / "documents.jsonl.gz", *sorted(root.glob("cc_en_head-*.jsonl"))]
    for path in files:
        if not path.exists():
            continue
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as fh:
            for n, line in enumerate(fh):
                record = json.loads(line)
                doc = f"{path.name}:{record.get('id', n)}"
                for index, para in enumerate(record.get("text", "").split("\n")):
                    para = para.strip()
                    if para:
                        yield Paragraph("dolma", doc, index, para)


_LAYOUTS = {
    "wikipedia_en_extract": (iter_wikipedia, ""),
    "reuters21578": (iter_reuters, "raw"),
    "bbc_news": (iter_bbc, ""),
    "dolma_paragraph_dedup_fixture": (iter_dolma, ""),
}


def iter_corpus(root: Path, sources: tuple[str, ...] = ()) -> Iterator[Paragraph]:
    """Every paragraph under ``root`` (see the module doc for the layouts).

    ``sources`` restricts to some of wikipedia, reuters, bbc, dolma.
    """
    found = False
    for folder, (reader, sub) in _LAYOUTS.items():
        name = reader.__name__.removeprefix("iter_")
        if sources and name not in sources:
            continue
        base = root if root.name == folder else root / folder
        path = base / sub if sub else base
        if path.is_dir():
            found = True
            yield from reader(path)
    if not found:
        raise SystemExit(f"no known corpus under {root}")
