"""From paragraphs to duplicate clusters, decisions and findings (pure).

Stages, in order:

1. **keys**: each block gets its normalised key and words; blocks with fewer
   than ``min_words`` words or ``min_chars`` key characters are not eligible
   (headings, separators, bullets stay).
2. **exact groups**: eligible blocks with the same key (DUP001); the first one
   represents the group in the near-duplicate search, so thousands of
   identical lines cost one signature.
3. **near candidates**: MinHash + LSH over the representatives
   (:mod:`dedup.fingerprint`, :mod:`dedup.candidates`).
4. **verification**: each candidate pair's true similarity
   (:mod:`dedup.verify`); pairs at or above ``threshold`` are edges.
5. **clusters**: connected components of the edges; inside a component,
   members are taken in keep-policy order and each joins the first cluster
   leader it is verified-similar to, or becomes a leader itself. So every
   reported near duplicate is itself similar to the kept copy (no chains).
6. **decisions**: the leader is the kept copy (``keep=first|longest``); with
   ``keep=none`` every member is dropped.

Cluster ids are derived from the kept copy's key (``C`` + 10 hex digits), so
they do not change when other files are added or the file order changes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dedup.models import Block, Finding, Location, Severity
from dedup.normalize import normalize, words
from dedup.settings import Settings
from dedup.verify import length_compatible, similarity

EXACT = "DUP001"
NEAR = "DUP002"
SEVERITY = {EXACT: Severity.ERROR, NEAR: Severity.WARNING}


@dataclass(frozen=True)
class Member:
    """One copy in a cluster: a block id and its similarity to the kept copy."""

    block: int
    similarity: float
    exact: bool


@dataclass(frozen=True)
class Cluster:
    id: str
    kept: int | None
    members: tuple[Member, ...]  # in keep-policy order, kept copy first

    @property
    def dropped(self) -> list[int]:
        return [m.block for m in self.members if m.block != self.kept]


@dataclass(frozen=True)
class Analysis:
    clusters: list[Cluster]
    findings: list[Finding]
    dropped: frozenset[int]
    candidate_pairs: int
    verified_pairs: int


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def _cluster_id(key: str) -> str:
    return "C" + hashlib.blake2b(key.encode("utf-8"), digest_size=5).hexdigest()


def _near_edges(
    reps: list[int], rep_words: list[list[str]], settings: Settings
) -> tuple[dict[tuple[int, int], float], int]:
    """Verified near-duplicate edges between representatives (indices into reps)."""
    from dedup.candidates import candidate_pairs, optimal_bands
    from dedup.fingerprint import minhash, shingle

    keys = [" ".join(w) for w in rep_words]
    shingles = shingle(keys, settings.shingle_size)
    signatures = minhash(shingles, settings.num_perm, settings.seed)
    if settings.bands:
        bands, rows = settings.bands, settings.num_perm // settings.bands
    else:
        bands, rows = optimal_bands(settings.candidate_threshold, settings.num_perm)
    eligible = np.flatnonzero(shingles.has_shingles).astype(np.int64)
    pairs = candidate_pairs(signatures, eligible, bands, rows)
    edges: dict[tuple[int, int], float] = {}
    for i, j in pairs.tolist():
        a, b = rep_words[i], rep_words[j]
        if not length_compatible(len(a), len(b), settings.threshold):
            continue
        sim = similarity(a, b)
        if sim >= settings.threshold:
            edges[(i, j)] = sim
    return edges, len(pairs)


def analyse(blocks: Sequence[Block], paths: Sequence[str], settings: Settings) -> Analysis:
    """Find duplicate clusters among ``blocks`` (in global order) and decide.

    ``blocks`` must be ordered by document (documents sorted by path) then by
    position; ``paths[block.doc]`` is the path reported for a block.
    """
    keys = [normalize(b.text) for b in blocks]
    word_lists = [words(k) for k in keys]
    exact_groups: dict[str, list[int]] = {}
    for i, (key, ws) in enumerate(zip(keys, word_lists, strict=True)):
        if len(ws) >= settings.min_words and len(key) >= settings.min_chars:
            exact_groups.setdefault(key, []).append(i)
    reps = [group[0] for group in exact_groups.values()]
    reps.sort()
    rep_words = [word_lists[r] for r in reps]

    edges: dict[tuple[int, int], float] = {}
    candidates = 0
    if settings.near and len(reps) > 1:
        edges, candidates = _near_edges(reps, rep_words, settings)

    uf = _UnionFind(len(reps))
    for i, j in edges:
        uf.union(i, j)
    components: dict[int, list[int]] = {}
    for i in range(len(reps)):
        components.setdefault(uf.find(i), []).append(i)

    def policy_order(rep_index: int) -> tuple[int, int]:
        block = reps[rep_index]
        if settings.keep == "longest":
            return (-len(blocks[block].text), block)
        return (0, block)

    clusters: list[Cluster] = []
    for component in components.values():
        group_size = sum(len(exact_groups[keys[reps[r]]]) for r in component)
        if group_size < 2:
            continue
        ordered = sorted(component, key=policy_order)
        leaders: list[tuple[int, list[tuple[int, float]]]] = []
        for r in ordered:
            for leader, followers in leaders:
                pair = (min(leader, r), max(leader, r))
                sim = edges.get(pair)
                if sim is None and len(component) > 2:
                    a, b = rep_words[leader], rep_words[r]
                    if length_compatible(len(a), len(b), settings.threshold):
                        sim = similarity(a, b)
                if sim is not None and sim >= settings.threshold:
                    followers.append((r, sim))
                    break
            else:
                leaders.append((r, []))
        for leader, followers in leaders:
            members: list[Member] = []
            for r, sim in [(leader, 1.0), *followers]:
                group = exact_groups[keys[reps[r]]]
                if settings.keep == "longest":
                    group = sorted(group, key=lambda b: (-len(blocks[b].text), b))
                exact = r == leader
                members.extend(Member(block, 1.0 if exact else sim, exact) for block in group)
            if len(members) < 2:
                continue
            kept = None if settings.keep == "none" else members[0].block
            clusters.append(Cluster(_cluster_id(keys[reps[leader]]), kept, tuple(members)))

    clusters.sort(key=lambda c: c.members[0].block)
    findings: list[Finding] = []
    dropped: set[int] = set()
    for cluster in clusters:
        for position, member in enumerate(cluster.members):
            if member.block == cluster.kept:
                continue
            # The reference is the kept copy; with keep=none the first member
            # is referred to the second one.
            reference = cluster.members[1 if position == 0 else 0]
            exact = keys[member.block] == keys[reference.block]
            sim = 1.0 if exact else reference.similarity if position == 0 else member.similarity
            dropped.add(member.block)
            findings.append(
                _finding(
                    EXACT if exact else NEAR,
                    blocks[member.block],
                    blocks[reference.block],
                    paths,
                    cluster.id,
                    sim,
                    cluster.kept is None,
                    keys[member.block],
                )
            )
    findings.sort(key=Finding.sort_key)
    return Analysis(clusters, findings, frozenset(dropped), candidates, len(edges))


def _finding(
    rule: str,
    block: Block,
    reference: Block,
    paths: Sequence[str],
    cluster_id: str,
    sim: float,
    none_kept: bool,
    key: str,
) -> Finding:
    where = f"{paths[reference.doc]}:{reference.first_line}"
    if rule == EXACT:
        message = f"exact duplicate of {where}"
    else:
        message = f"near duplicate ({sim:.0%} similar) of {where}"
    if none_kept:
        message += " (no copy kept: --keep none)"
    return Finding(
        rule=rule,
        severity=SEVERITY[rule],
        path=paths[block.doc],
        line=block.first_line,
        end_line=block.last_line,
        message=message,
        cluster=cluster_id,
        similarity=round(sim, 4),
        duplicate_of=Location(paths[reference.doc], reference.first_line, reference.last_line),
        start=block.start,
        stop=block.stop,
        fingerprint=hashlib.blake2b(f"{rule}\0{key}".encode(), digest_size=8).hexdigest(),
    )
