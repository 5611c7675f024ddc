"""The peer pipelines (datasketch, rensa) fed exactly what dedup sees.

Shared front end (used by every peer, and timed as part of each peer):

1. read + segment with dedup's own code (``dedup.sources`` +
   ``dedup.segment``, same split mode, files in path order as ``dedup.api``);
2. keys with ``dedup.normalize.normalize`` / ``words``; the same eligibility
   as dedup (``min_words``, ``min_chars``); exact copies removed first (one
   representative per key, as datasketch's README recommends);
3. shingles: word ``shingle_size``-grams of the normalised words, joined with
   a space (a paragraph with fewer words than that has one shingle of all its
   words, as dedup does). This is Python shingling, as both peers' READMEs do.

Back ends (the way each project's README shows them):

``datasketch``
    ``MinHash.bulk(tokens, num_perm, seed, hashfunc=xxhash.xxh32_intdigest)``
    (affine32 scheme, the 2.0 default), ``MinHashLSH(num_perm,
    params=(bands, rows))`` filled in an ``insertion_session``, then
    ``lsh.query`` for every representative: the candidate pairs.
``rensa``
    ``RMinHash.digest_matrix_from_token_sets`` (a compact digest matrix, no
    Python object per paragraph) and ``RMinHashLSH(threshold, num_perm,
    num_bands).insert_matrix_and_query_duplicate_flags``: one flag per
    paragraph, rensa's fastest bulk path (it yields flags, not pairs: less
    work than the others do, so the comparison favours rensa).
``rensa-query``
    Same digests via ``RMinHash.from_token_sets``, ``insert_many`` and
    ``query_all``: candidate pairs, comparable with datasketch's output; used
    for the recall / false-positive evaluation.

Neither peer verifies candidates: a candidate is a reported duplicate.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from dedup.discovery import discover
from dedup.normalize import normalize, words
from dedup.segment import segment, split_lines
from dedup.settings import Settings
from dedup.sources import read_documents


@dataclass
class Prepared:
    """Representatives of the eligible exact groups and their shingles."""

    locations: list[tuple[str, int]]  # (path, first_line) of every block
    groups: list[list[int]]  # block ids per exact key, first = representative
    shingles: list[list[str]]  # per group representative
    stages: dict[str, float] = field(default_factory=dict)

    @property
    def paragraphs(self) -> int:
        return len(self.locations)


def shingles_of(ws: list[str], n: int) -> list[str]:
    if len(ws) >= n:
        return [" ".join(ws[i : i + n]) for i in range(len(ws) - n + 1)]
    return [" ".join(ws)] if ws else []


def prepare(paths: list[str], settings: Settings) -> Prepared:
    stages: dict[str, float] = {}
    t0 = time.perf_counter()
    items = discover(paths, settings).files  # the files dedup itself would check
    docs = [(item, doc) for item, doc in read_documents(items) if not isinstance(doc, Exception)]
    docs.sort(key=lambda pair: pair[0].path)
    locations: list[tuple[str, int]] = []
    texts: list[str] = []
    for index, (_item, doc) in enumerate(docs):
        for block in segment(doc, settings.split, index, split_lines(doc)):
            locations.append((doc.path, block.first_line))
            texts.append(block.text)
    del docs
    t1 = time.perf_counter()
    stages["read+segment"] = t1 - t0
    by_key: dict[str, list[int]] = {}
    rep_words: list[list[str]] = []
    for i, text in enumerate(texts):
        key = normalize(text)
        ws = words(key)
        if len(ws) < settings.min_words or len(key) < settings.min_chars:
            continue
        group = by_key.get(key)
        if group is None:
            by_key[key] = [i]
            rep_words.append(ws)
        else:
            group.append(i)
    groups = list(by_key.values())
    del texts, by_key  # not needed further; a streaming pipeline would not keep them
    t2 = time.perf_counter()
    stages["normalize+exact"] = t2 - t1
    shingles = [shingles_of(ws, settings.shingle_size) for ws in rep_words]
    del rep_words
    stages["shingle"] = time.perf_counter() - t2
    return Prepared(locations, groups, shingles, stages)


def bands_rows(settings: Settings) -> tuple[int, int]:
    """The (bands, rows) dedup itself uses for ``settings``."""
    from dedup.table import LshParams

    params = LshParams.from_settings(settings)
    return params.bands, params.rows


def _query_result(matches: Iterable[Iterable[int]], t0: float, t1: float) -> dict[str, Any]:
    """The result of a query-based peer: ``matches[key]`` are the keys LSH
    proposes for ``key``; each pair is kept once, as ``(smaller, larger)``."""
    pairs: set[tuple[int, int]] = set()
    for key, found in enumerate(matches):
        for other in found:
            if other != key:
                pairs.add((key, other) if key < other else (other, key))
    t2 = time.perf_counter()
    return {
        "stages": {"minhash": t1 - t0, "lsh": t2 - t1},
        "pairs": pairs,
        "flagged": len({i for p in pairs for i in p}),
    }


def run_datasketch(prep: Prepared, settings: Settings, params: tuple[int, int]) -> dict[str, Any]:
    import xxhash
    from datasketch import MinHash, MinHashLSH

    t0 = time.perf_counter()
    tokens = [[s.encode("utf-8") for s in sh] for sh in prep.shingles]
    minhashes = MinHash.bulk(
        tokens, num_perm=settings.num_perm, seed=settings.seed, hashfunc=xxhash.xxh32_intdigest
    )
    del tokens
    t1 = time.perf_counter()
    lsh = MinHashLSH(num_perm=settings.num_perm, params=params)
    with lsh.insertion_session() as session:
        for key, m in enumerate(minhashes):
            session.insert(key, m)
    return _query_result((lsh.query(m) for m in minhashes), t0, t1)


def run_rensa(prep: Prepared, settings: Settings, params: tuple[int, int]) -> dict[str, Any]:
    from rensa import RMinHash, RMinHashLSH

    t0 = time.perf_counter()
    matrix = RMinHash.digest_matrix_from_token_sets(prep.shingles, settings.num_perm, settings.seed)
    t1 = time.perf_counter()
    lsh = RMinHashLSH(settings.candidate_threshold, settings.num_perm, params[0])
    flags = lsh.insert_matrix_and_query_duplicate_flags(matrix)
    t2 = time.perf_counter()
    return {"stages": {"minhash": t1 - t0, "lsh": t2 - t1}, "pairs": None, "flagged": int(sum(flags))}


def run_rensa_query(prep: Prepared, settings: Settings, params: tuple[int, int]) -> dict[str, Any]:
    from rensa import RMinHash, RMinHashLSH

    t0 = time.perf_counter()
    minhashes = RMinHash.from_token_sets(prep.shingles, settings.num_perm, settings.seed)
    t1 = time.perf_counter()
    lsh = RMinHashLSH(settings.candidate_threshold, settings.num_perm, params[0])
    lsh.insert_many(minhashes)
    return _query_result(lsh.query_all(minhashes), t0, t1)


PEERS: dict[str, Callable[[Prepared, Settings, tuple[int, int]], dict[str, Any]]] = {
    "datasketch": run_datasketch,
    "rensa": run_rensa,
    "rensa-query": run_rensa_query,
}
