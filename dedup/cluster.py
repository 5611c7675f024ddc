"""From paragraph tables to duplicate clusters, decisions and findings.

Works on plain arrays (a :class:`~dedup.table.BlockTable` of every block of
the run, in global order: files sorted by path, then position). Text is
fetched only for the few blocks that verification needs, through a
:class:`TextSource`. Stages:

1. **eligibility**: blocks with fewer than ``min_words`` words or
   ``min_chars`` key characters are never reported (headings, separators).
2. **exact groups**: eligible blocks with the same 128-bit key hash (DUP001),
   found by sorting. The first block of a group represents it in the
   near-duplicate search, so thousands of identical lines cost one row.
3. **near candidates**: LSH over the representatives' band keys
   (:mod:`dedup.candidates`), without Python loops per block.
4. **verification**: each candidate pair's true similarity
   (:mod:`dedup.verify`); pairs at or above ``threshold`` are edges, pairs
   that are one template filled in twice (``verify.filled_template``) are
   remembered as such.
5. **clusters**: connected components of the edges; inside a component,
   members are taken in keep-policy order and each joins the cluster
   leader it is most verified-similar to, or becomes a leader itself, so
   every reported near duplicate is similar to its kept copy (no chains).
   Template fillings are kept apart: a member does not join a cluster that
   holds another filling of its template it is not similar to, and a leader
   with TEMPLATE_FAMILY or more fillings releases them.
6. **decisions**: the leader is the kept copy (``keep=first|longest``); with
   ``keep=none`` every member is dropped.

Cluster ids come from the leader's key hash (``C`` + 10 hex digits), so they
do not change when other files are added or the file order changes.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import compress, islice, pairwise
from typing import Any, NamedTuple, Protocol

import numpy as np
import numpy.typing as npt

from dedup.duplicate_findings import DuplicateFindings
from dedup.forked import Forked, can_fork, share_out
from dedup.settings import Settings, worker_count
from dedup.table import BlockTable
from dedup.verify import (
    SLOT_SIMILARITY,
    TEMPLATE,
    Prepared,
    Word,
    fact_substitution,
    filled_template,
    plain_needed,
    prepare,
    template_rejects,
    upper_bound,
    verified,
)


class TextSource(Protocol):
    """Gives the text of blocks by global id (re-reading files as needed)."""

    def texts(self, ids: Iterable[int]) -> dict[int, str]: ...


class Member(NamedTuple):
    """One copy in a cluster: a global block id and its similarity to the kept
    copy (a named tuple: a duplicate-heavy corpus makes millions of them)."""

    block: int
    similarity: float


@dataclass(frozen=True, slots=True)
class Cluster:
    id: str
    kept: int | None
    members: tuple[Member, ...]  # in keep-policy order, leader first

    @property
    def dropped(self) -> list[int]:
        return [m.block for m in self.members if m.block != self.kept]


@dataclass(frozen=True)
class Analysis:
    clusters: list[Cluster]
    findings: DuplicateFindings
    dropped: frozenset[int]
    candidate_pairs: int
    verified_pairs: int


def connected_components(pairs: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The connected components of the graph whose edges are ``pairs``
    ((k, 2) node ids): its nodes, sorted, and per node the smallest node of
    its component.

    Array rounds instead of a union-find in Python (a 1 GB corpus has a
    million edges: 3 s): each round hooks the root of every edge's larger
    label under the smaller one, then every node jumps to its root (labels
    only ever fall, so the smallest node of a component ends as its root).
    """
    nodes, index = np.unique(pairs, return_inverse=True)
    a, b = index.reshape(pairs.shape).T
    label = np.arange(len(nodes), dtype=np.int64)
    while len(a):
        la, lb = label[a], label[b]
        if np.array_equal(la, lb):
            break
        low = np.minimum(la, lb)
        np.minimum.at(label, la, low)
        np.minimum.at(label, lb, low)
        while not np.array_equal(jumped := label[label], label):
            label = jumped
    return nodes, nodes[label]


@dataclass(frozen=True)
class ExactGroups:
    """Blocks with one key, per representative: ``members[offsets[r]:offsets[r + 1]]``
    (block ids in order, the representative first)."""

    members: npt.NDArray[np.int64]
    offsets: npt.NDArray[np.int64]

    def __getitem__(self, r: int) -> npt.NDArray[np.int64]:
        return self.members[self.offsets[r] : self.offsets[r + 1]]

    def sizes(self) -> npt.NDArray[np.int64]:
        return np.diff(self.offsets)


def warm_up(bands: int) -> None:
    """Load the compiled code :func:`analyse` uses on large inputs (exact
    groups, LSH, verification): a process that has time to spare meanwhile
    (the command's, while its workers build the tables) calls this first."""
    try:
        from dedup import lsh_kernel, verify_kernel
    except ImportError:  # pragma: no cover - numba is a dependency
        return
    lsh_kernel.warm_up(bands)
    verify_kernel.warm_up()


# From this many rows on, exact groups are found by the compiled kernel.
KERNEL_MIN_ROWS = 20_000


def exact_groups(
    table: BlockTable, eligible: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.int64], ExactGroups]:
    """Representatives (sorted ids) and, per representative, its group's ids."""
    ids = np.flatnonzero(eligible).astype(np.int64)
    if len(ids) == 0:
        return ids, ExactGroups(ids, np.zeros(1, dtype=np.int64))
    h = table.key_hash[ids]
    if len(ids) >= KERNEL_MIN_ROWS:
        try:
            from dedup.lsh_kernel import key_groups
        except ImportError:
            pass
        else:
            reps, members, offsets = key_groups(
                ids, np.ascontiguousarray(h[:, 0]), np.ascontiguousarray(h[:, 1])
            )
            return reps, ExactGroups(members, offsets)
    order = np.lexsort((ids, h[:, 1], h[:, 0]))
    sorted_ids = ids[order]
    sh = h[order]
    new = np.ones(len(ids), dtype=bool)
    new[1:] = (sh[1:, 0] != sh[:-1, 0]) | (sh[1:, 1] != sh[:-1, 1])
    starts = np.flatnonzero(new)
    sizes = np.diff(np.append(starts, len(ids)))
    reps = sorted_ids[starts]
    rep_order = np.argsort(reps, kind="stable")
    # Groups laid out in representative order: each group's run of sorted_ids.
    group_of = np.repeat(np.arange(len(starts), dtype=np.int64), sizes)
    rank = np.empty(len(starts), dtype=np.int64)
    rank[rep_order] = np.arange(len(starts), dtype=np.int64)
    layout = np.lexsort((np.arange(len(ids)), rank[group_of]))
    offsets = np.zeros(len(starts) + 1, dtype=np.int64)
    np.cumsum(sizes[rep_order], out=offsets[1:])
    return reps[rep_order], ExactGroups(sorted_ids[layout], offsets)


class _Texts:
    """Verification texts: fetched in bulk, prepared on demand, both cached.

    When the compiled verification is loaded (large runs), the texts
    fetched together are tokenised together in the kernel (:meth:`tokenise`)
    and every Prepared has its words as hashes (:data:`dedup.verify.Word`);
    otherwise :func:`dedup.verify.prepare` gives them as strings. One run
    never mixes the two, as words are compared for equality.
    """

    def __init__(self, source: TextSource) -> None:
        self.source = source
        self.raw: dict[int, str] = {}
        self.cache: dict[int, Prepared] = {}
        self.kernel: Any = None  # dedup.verify_kernel, when the run has loaded it
        # The last texts tokenised together (a verify_kernel.Tokenised) and
        # each block's place in it.
        self.tokenised: Any = None
        self.place: dict[int, int] = {}
        self.fact_lists: list[tuple[Word, ...]] | None = None  # (facts(), made on first use)
        # Blocks tokenised but not prepared yet: where their words are.
        self.unprepared: dict[int, tuple[Any, int]] = {}

    def fetch(self, ids: Iterable[int]) -> None:
        """Read the texts of these blocks that are not held yet."""
        missing = sorted({i for i in ids if i not in self.raw})
        if missing:
            self.raw.update(self.source.texts(missing))

    def tokenise(self) -> None:
        """Tokenise the fetched texts in one kernel call (with the kernel).
        The kernel's arrays serve the batch's comparisons and facts; a
        text's Prepared (tuples of its words) is made when Python asks for
        it (:meth:`__getitem__`): on a 1 GB corpus one text in nine."""
        if self.kernel is None:
            return
        ids = [i for i in self.raw if i not in self.cache and i not in self.unprepared]
        if ids:
            self.tokenised = self.kernel.tokenise([self.raw[i] for i in ids])
            self.place = {block: k for k, block in enumerate(ids)}
            self.fact_lists = None
            self.unprepared.update((block, (self.tokenised, k)) for k, block in enumerate(ids))

    def verified(self, pairs: list[Pair], threshold: float) -> list[float]:
        """:func:`dedup.verify.verified` of each pair of blocks tokenised
        together last (:meth:`tokenise`), in one kernel call, as
        :func:`verify_pairs` computes them (below ``threshold`` where the
        one-pair path says None: they cannot reach it)."""
        place = self.place
        local = np.array([(place[a], place[b]) for a, b in pairs], dtype=np.int64).reshape(-1, 2)
        values = self.tokenised.similarities(local, threshold)
        low = np.flatnonzero((values >= threshold) & (values < SLOT_SIMILARITY))
        blocks = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        values[low[_filled_in(low, values, blocks, self.__getitem__, threshold)]] = TEMPLATE
        found: list[float] = values.tolist()
        return found

    def fact_substitutions(self, base: int, others: list[int]) -> list[bool]:
        """:func:`dedup.verify.fact_substitution` of block ``base`` and each
        of ``others``: in one kernel call when they were tokenised together
        last, in Python for the rest (and for the rare pairs whose answer
        depends on the alignment)."""
        found = [-1] * len(others)
        if others and self.tokenised is not None and self.together([base, *others]):
            place = self.place
            local = np.array([(place[base], place[o]) for o in others], dtype=np.int64)
            found = self.tokenised.fact_substitutions(local).tolist()
        return [
            fact_substitution(self[base], self[other]) if flag < 0 else bool(flag)
            for flag, other in zip(found, others, strict=True)
        ]

    def together(self, blocks: Iterable[int]) -> bool:
        """Whether these blocks were tokenised together last (:meth:`verified` can compare them)."""
        return all(block in self.place for block in blocks)

    def facts(self, block: int) -> tuple[Word, ...] | None:
        """The names and numbers (words weighing more than 1) of a block
        tokenised together last, sorted; None for other blocks. Made for
        all of them at once from the kernel's arrays (a Python sort per
        member cost a fifth of clustering a 1 GB corpus)."""
        k = self.place.get(block)
        if k is None:
            return None
        if self.fact_lists is None:
            tokenised = self.tokenised
            words = np.diff(tokenised.offsets)
            owner = np.repeat(np.arange(len(words)), words)
            heavy = np.flatnonzero(tokenised.weights > 1.0)
            order = np.lexsort((tokenised.hashes[heavy], owner[heavy]))  # by text, then hash
            values = tokenised.hashes[heavy[order]].tolist()
            bounds = np.zeros(len(words) + 1, dtype=np.int64)
            np.cumsum(np.bincount(owner[heavy], minlength=len(words)), out=bounds[1:])
            ends = bounds.tolist()
            self.fact_lists = [tuple(values[ends[s] : ends[s + 1]]) for s in tokenised.slot.tolist()]
        return self.fact_lists[k]

    def clear(self) -> None:
        self.raw.clear()
        self.cache.clear()
        self.unprepared.clear()
        self.tokenised = None
        self.place = {}
        self.fact_lists = None

    def __getitem__(self, block: int) -> Prepared:
        found = self.cache.get(block)
        if found is None:
            if block not in self.raw:
                self.fetch([block])
            if self.kernel is None:
                found = self.cache[block] = prepare(self.raw[block])
            else:
                if block not in self.unprepared:
                    self.tokenise()
                tokenised, k = self.unprepared.pop(block)
                found = self.cache[block] = tokenised.prepared(k)
        return found


Pair = tuple[int, int]


def _near_edges(
    table: BlockTable, reps: npt.NDArray[np.int64], settings: Settings, source: TextSource, share: bool
) -> tuple[dict[Pair, float], set[Pair], npt.NDArray[np.int64], int]:
    """Verified near-duplicate edges between representatives (indices into
    reps), the pairs found to be one template filled in twice, both as one
    (k, 2) array, and the number of candidates considered (``share``: see
    :func:`analyse`)."""
    from dedup.candidates import candidate_positions

    # Candidates among the representatives that have shingles, found on the
    # global key matrix (no copy of it), as indices into ``reps``.
    with_shingles = np.flatnonzero(table.has_shingles[reps])
    threads = worker_count(settings.workers)
    pairs = with_shingles[candidate_positions(table.band_keys, reps[with_shingles], threads)]
    if len(pairs) == 0:
        return {}, set(), np.zeros((0, 2), dtype=np.int64), 0
    # Word counts bound the similarity (verify.plain_needed: the unweighted
    # similarity of counts m <= n is at most 2m / (m + n)); the
    # table's words are the key's words, which can differ slightly from the
    # verification tokens, hence the margin.
    words = table.words[reps].astype(np.float64)
    a, b = words[pairs[:, 0]], words[pairs[:, 1]]
    total = np.maximum(a + b, 1.0)
    keep = 2 * np.minimum(a, b) / total >= plain_needed(settings.threshold) - 0.05
    considered = len(pairs)
    pairs = pairs[keep]
    block_pairs = reps[pairs]
    if share and len(pairs) >= PARALLEL_VERIFICATION and can_fork():
        # Shared with a forked child (dedup.forked), a part at a time: each
        # pair stands alone, and each part reads and tokenises its texts.
        parts = np.array_split(block_pairs, VERIFICATION_PARTS)
        each = max(1, threads // 2)
        sims = np.concatenate(
            share_out(lambda k: _verified(parts[k], source, settings.threshold, each), len(parts))
        )
    else:
        sims = _verified(block_pairs, source, settings.threshold, threads, share)
    found = np.flatnonzero(sims >= settings.threshold)
    edges = {
        (int(i), int(j)): float(sim)
        for (i, j), sim in zip(pairs[found].tolist(), sims[found].tolist(), strict=True)
    }
    filled = pairs[sims == TEMPLATE]
    templates = {(int(i), int(j)) for i, j in filled.tolist()}
    return edges, templates, np.concatenate((pairs[found], filled)), considered


# From this many pairs on, verification runs in the compiled kernel.
KERNEL_MIN_PAIRS = 2_000

# From this many candidate pairs on, the command's process verifies them
# with a forked child (dedup.forked), in this many parts of consecutive
# pairs: parts even out the two processes' work (texts differ in length and
# in how many pairs read them), but texts shared by two parts are read and
# tokenised twice (on the 66.5 MB benchmark corpus, 2 parts read 14 % more
# texts than one, 4 parts 32 %).
PARALLEL_VERIFICATION = 50_000
VERIFICATION_PARTS = 4


def _verified(
    pairs: npt.NDArray[np.int64], source: TextSource, threshold: float, threads: int, share: bool = False
) -> npt.NDArray[np.float64]:
    """:func:`verify_pairs` of these pairs of block ids, their texts read
    for it (the clustering stage fetches what it needs again)."""
    wanted = np.zeros(int(pairs.max()) + 1 if len(pairs) else 0, dtype=np.bool_)
    wanted[pairs.ravel()] = True  # (a mask: a sort by np.unique took 40 ms)
    texts = source.texts(np.flatnonzero(wanted).tolist())
    return verify_pairs(pairs, texts, threshold, threads=threads, share=share)


def _verify_python(pairs: npt.NDArray[np.int64], texts: dict[int, str], threshold: float) -> list[float]:
    prepared: dict[int, Prepared] = {}

    def get(block: int) -> Prepared:
        found = prepared.get(block)
        if found is None:
            found = prepared[block] = prepare(texts[block])
        return found

    out = []
    for a, b in pairs.tolist():
        first, second = get(a), get(b)
        if upper_bound(first, second) < threshold:
            out.append(0.0)
        else:
            out.append(verified(first, second, threshold))
    return out


def verify_pairs(
    pairs: npt.NDArray[np.int64],
    texts: dict[int, str],
    threshold: float,
    kernel_min: int = KERNEL_MIN_PAIRS,
    threads: int = 1,
    share: bool = True,
) -> npt.NDArray[np.float64]:
    """:func:`dedup.verify.verified` similarity of each pair of block ids;
    below ``threshold`` means "not a duplicate" (``share``: see :func:`analyse`).

    Large batches run in the compiled kernel (:mod:`dedup.verify_kernel`),
    which computes the same numbers as :func:`dedup.verify.similarity`
    (tested); the few pairs it puts between ``threshold`` and
    SLOT_SIMILARITY are then checked for a filled-in template here.
    """
    if len(pairs) >= kernel_min:
        try:
            from dedup.verify_kernel import tokenise
        except ImportError:
            pass
        else:
            ids = np.array(sorted(texts), dtype=np.int64)
            place = np.zeros(int(ids[-1]) + 1 if len(ids) else 0, dtype=np.int64)
            place[ids] = np.arange(len(ids), dtype=np.int64)
            local = place[pairs]
            tokenised = tokenise([texts[i] for i in ids.tolist()], threads)
            values = tokenised.similarities(local, threshold, threads)
            # Only pairs the kernel accepts below SLOT_SIMILARITY can be
            # templates; their words come from the kernel's tokens (hashed).
            low = np.flatnonzero((values >= threshold) & (values < SLOT_SIMILARITY))

            def rejected(checked: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
                prepared: dict[int, Prepared] = {}

                def text(i: int) -> Prepared:
                    found = prepared.get(i)
                    if found is None:
                        found = prepared[i] = tokenised.prepared(i)
                    return found

                return _filled_in(checked, values, local, text, threshold)

            if share and len(low) >= PARALLEL_TEMPLATE_CHECKS and can_fork():
                # Half of the pairs to a forked child (dedup.forked): each pair stands alone.
                half = len(low) // 2
                with Forked(partial(rejected, low[half:])) as second:
                    templates = np.concatenate((rejected(low[:half]), second.result()))
            else:
                templates = rejected(low)
            values[low[templates]] = TEMPLATE
            return values
    return np.array(_verify_python(pairs, texts, threshold), dtype=np.float64)


def _filled_in(
    checked: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    pairs: npt.NDArray[np.int64],
    prepared: Callable[[int], Prepared],
    threshold: float,
) -> npt.NDArray[np.bool_]:
    """Which of the pairs ``pairs[checked]`` (their texts as ``prepared``
    gives them, at similarity ``values[checked]``) are fillings of one
    template (:func:`dedup.verify.template_rejects`)."""
    out = np.zeros(len(checked), dtype=np.bool_)
    for n, (k, a, b) in enumerate(zip(checked.tolist(), *pairs[checked].T.tolist(), strict=True)):
        out[n] = template_rejects(prepared(a), prepared(b), float(values[k]), threshold)
    return out


# From this many pairs to check for filled-in templates on, the command's
# process checks half of them in a forked child meanwhile (dedup.forked).
PARALLEL_TEMPLATE_CHECKS = 20_000


# A leader with at least this many near copies that differ from it in names and
# numbers is a template, not a paragraph that was copied.
TEMPLATE_FAMILY = 3


# At most this many followers of a leader are checked for being another
# filling of a new member's template (bounds the work in huge clusters).
MAX_FILLING_CHECKS = 32


def _leaders(
    ordered: Sequence[int],
    similar: Callable[[int, int], float | None],
    threshold: float,
    filled: Callable[[int, int], bool],
    facts: Callable[[int], tuple[Word, ...]],
    known: Callable[[int, int], float | None] | None = None,
    similar_to: Callable[[list[int], int], list[float | None]] | None = None,
) -> list[tuple[int, list[tuple[int, float]]]]:
    """Leader clustering: each member joins the leader it is most similar to
    (the first one on a tie), or leads a cluster of its own.

    ``similar_to(leaders, r)``: ``[similar(x, r) for x in leaders]``, which
    a caller can compute more cheaply all at once.

    A member does not join a cluster that holds a paragraph it is not similar
    to and that is another filling of the same template (``filled``:
    :func:`dedup.verify.filled_template`): "Men's 10 kilometre ... 20
    February" and "Women's 5 kilometre ... 23 February" are different events,
    even if both are near "Women's sprint ... 20 February". Only followers
    with names and numbers that could be swapped for the member's (``facts``:
    each has one the other lacks) are checked, at most MAX_FILLING_CHECKS of
    them, and a pair already ``known`` to reach the threshold is not apart,
    so a cluster of thousands of light edits of one paragraph costs few
    comparisons (benchmarks/big_cluster.py).
    """
    # leader, its followers, and the followers by their facts
    leaders: list[tuple[int, list[tuple[int, float]], dict[tuple[Word, ...], list[int]]]] = []
    filled_pairs: dict[tuple[int, int], bool] = {}

    def apart(f: int, r: int) -> bool:
        if known is not None and not _below(known(f, r), threshold):
            return False
        found = filled_pairs.get((f, r))
        if found is None:
            found = filled_pairs[f, r] = filled(f, r)
        return found and _below(similar(f, r), threshold)

    as_sets: dict[tuple[Word, ...], frozenset[Word]] = {}
    exchangeable: dict[tuple[tuple[Word, ...], tuple[Word, ...]], bool] = {}

    def swappable(key: tuple[Word, ...], own: tuple[Word, ...]) -> bool:
        """Whether members with these facts can have one swapped for another:
        each has a name or number the other lacks."""
        if key == own:
            return False
        found = exchangeable.get((key, own))
        if found is None:
            a = as_sets.get(key)
            if a is None:
                a = as_sets[key] = frozenset(key)
            b = as_sets.get(own)
            if b is None:
                b = as_sets[own] = frozenset(own)
            found = exchangeable[key, own] = _has_more(key, own, a, b) and _has_more(own, key, b, a)
        return found

    def conflicts(r: int, own: tuple[Word, ...], by_facts: dict[tuple[Word, ...], list[int]]) -> bool:
        candidates = (f for key, group in by_facts.items() if swappable(key, own) for f in group)
        return any(apart(f, r) for f in islice(candidates, MAX_FILLING_CHECKS))

    heads: list[int] = []  # the leaders, in order
    for r in ordered:
        sims = similar_to(heads, r) if similar_to is not None else [similar(x, r) for x in heads]
        near = [(-sim, position) for position, sim in enumerate(sims) if sim is not None and sim >= threshold]
        # The most similar leader (the first on a tie) that holds no other filling.
        own = facts(r)
        for negative, position in sorted(near):
            _, followers, by_facts = leaders[position]
            if not conflicts(r, own, by_facts):
                followers.append((r, -negative))
                by_facts.setdefault(own, []).append(r)
                break
        else:
            leaders.append((r, [], {}))
            heads.append(r)
    return [(leader, followers) for leader, followers, _ in leaders]


def _has_more(
    a: tuple[Word, ...], b: tuple[Word, ...], a_set: frozenset[Word], b_set: frozenset[Word]
) -> bool:
    """Whether ``a`` holds some word more often than ``b`` does (``Counter(a)
    - Counter(b)`` is not empty), with their sets given: a word of ``a``
    missing from ``b`` settles it, and so does ``a`` holding each of its
    words once; Counters only otherwise (Counters for every pair were a
    tenth of clustering a 1 GB corpus)."""
    if not a_set <= b_set:
        return True
    if len(a_set) == len(a):
        return False
    return bool(Counter(a) - Counter(b))


def _below(sim: float | None, threshold: float) -> bool:
    return sim is None or sim < threshold


def _split_template_families(
    leaders: list[tuple[int, list[tuple[int, float]]]],
    substitutions: Callable[[int, list[int]], list[bool]],
    similar: Callable[[int, int], float | None],
    threshold: float,
    filled: Callable[[int, int], bool],
    facts: Callable[[int], tuple[Word, ...]],
    fillings: Callable[[int], int],
) -> list[tuple[int, list[tuple[int, float]]]]:
    """Release the members of template families from their clusters.

    Lists of villages, cricketers or lakes are written from one template:
    "X is a village in Y district, with a population of N". One such
    paragraph and a lightly edited copy look alike, but a paragraph with
    several near copies that each differ from it in names and numbers
    (:func:`dedup.verify.fact_substitution`) is a template whose slots were
    filled in differently, and a reader would not call those copies
    duplicates. Its followers are released and clustered again among
    themselves (so a filled-in paragraph and its own edited copy still pair
    up); followers that differ in other ways stay.
    """
    out: list[tuple[int, list[tuple[int, float]]]] = []
    for leader, followers in leaders:
        # Fillings already kept apart by verification (verify.filled_template) count too.
        known = fillings(leader)
        if not followers or len(followers) + known < TEMPLATE_FAMILY:
            out.append((leader, followers))
            continue
        changed = [r for r, sim in followers if sim < 1.0]
        released_ids = list(compress(changed, substitutions(leader, changed)))
        if not released_ids or len(released_ids) + known < TEMPLATE_FAMILY:
            out.append((leader, followers))
            continue
        released = set(released_ids)
        out.append((leader, [(r, sim) for r, sim in followers if r not in released]))

        # Among the released paragraphs, two fillings of the template are not
        # duplicates of each other either; a filling and its own light edit are.
        def not_filled(x: int, y: int) -> float | None:
            return None if substitutions(x, [y])[0] else similar(x, y)

        regrouped = _leaders(released_ids, not_filled, threshold, filled, facts)
        out.extend(
            _split_template_families(regrouped, substitutions, not_filled, threshold, filled, facts, fillings)
        )
    return out


# Paragraph texts held at once while clustering large components.
TEXT_BATCH = 20_000

# From this many members of components of three or more on, the command's
# process shares their clustering with a forked child (dedup.forked), in
# this many parts.
PARALLEL_CLUSTERING = 2_000
CLUSTERING_PARTS = 16


class ClusterColumns(NamedTuple):
    """Clusters as arrays (their members laid end to end): what the
    findings and the JSON report read, and how a forked child hands its
    clusters back."""

    ids: list[str]
    kept: npt.NDArray[np.int64]  # -1: none kept
    sizes: npt.NDArray[np.int64]
    blocks: npt.NDArray[np.int64]
    similarities: npt.NDArray[np.float64]

    @classmethod
    def of(cls, clusters: Sequence[Cluster]) -> ClusterColumns:
        members = [m for c in clusters for m in c.members]
        return cls(
            [c.id for c in clusters],
            np.fromiter(
                (-1 if c.kept is None else c.kept for c in clusters), dtype=np.int64, count=len(clusters)
            ),
            np.fromiter((len(c.members) for c in clusters), dtype=np.int64, count=len(clusters)),
            np.fromiter((m.block for m in members), dtype=np.int64, count=len(members)),
            np.fromiter((m.similarity for m in members), dtype=np.float64, count=len(members)),
        )

    def clusters(self) -> list[Cluster]:
        members = list(map(Member, self.blocks.tolist(), self.similarities.tolist()))
        ends = np.cumsum(self.sizes).tolist()
        return [
            Cluster(cluster_id, None if kept < 0 else kept, tuple(members[end - size : end]))
            for cluster_id, kept, size, end in zip(
                self.ids, self.kept.tolist(), self.sizes.tolist(), ends, strict=True
            )
        ]


def _simple_clusters(
    leaders: list[int],
    followers: list[int],
    similarities: list[float],
    groups: ExactGroups,
    reps: npt.NDArray[np.int64],
    table: BlockTable,
    keep: str,
) -> list[Cluster]:
    """Clusters of one exact group (follower -1), or of two joined by a
    verified edge (the follower's group at its similarity), all built at
    once (what ``cluster_component`` makes of them one by one; a
    duplicate-heavy corpus has hundreds of thousands of them). Members in
    keep-policy order: the leader's group, then the follower's, each group
    as ``group_members`` orders it."""
    if not leaders:
        return []
    lead = np.array(leaders, dtype=np.int64)
    follow = np.array(followers, dtype=np.int64)
    # Two parts per cluster: the leader's group, then the follower's (empty without one).
    part_rep = np.stack((lead, np.maximum(follow, 0)), axis=1).ravel()
    starts = groups.offsets[part_rep]
    sizes = groups.offsets[part_rep + 1] - starts
    sizes[1::2] *= follow >= 0
    bounds = np.zeros(len(part_rep) + 1, dtype=np.int64)
    np.cumsum(sizes, out=bounds[1:])
    blocks = groups.members[np.repeat(starts - bounds[:-1], sizes) + np.arange(bounds[-1])]
    if keep == "longest":  # longest first, then in block order, within each group
        lengths = table.stop[blocks] - table.start[blocks]
        blocks = blocks[np.lexsort((blocks, -lengths, np.repeat(np.arange(len(part_rep)), sizes)))]
    part_similarity = np.stack((np.ones(len(lead)), np.array(similarities, dtype=np.float64)), axis=1)
    members = list(map(Member, blocks.tolist(), np.repeat(part_similarity.ravel(), sizes).tolist()))
    spans = bounds[::2].tolist()  # cluster k: members[spans[k]:spans[k + 1]]
    firsts = blocks[bounds[:-1:2]].tolist()
    leader_hashes = table.key_hash[reps[lead], 0].tolist()
    return [
        Cluster(_cluster_id(h), None if keep == "none" else first, tuple(members[a:b]))
        for h, first, a, b in zip(leader_hashes, firsts, spans[:-1], spans[1:], strict=True)
    ]


def _cluster_id(leader_hash: int) -> str:
    """A cluster's id, from its leader's key hash: "C" and the first 10 of
    its 16 hex digits (stable across runs: it depends on the text alone)."""
    return f"C{leader_hash >> 24:010x}"


def _cluster_batch(
    batch: list[list[int]],
    texts: _Texts,
    reps: npt.NDArray[np.int64],
    cluster_component: Callable[[list[int]], None],
    verify_batch: Callable[[list[list[int]]], None],
) -> None:
    if not batch:
        return
    texts.fetch(int(reps[r]) for component in batch for r in component)
    texts.tokenise()
    verify_batch(batch)
    for component in batch:
        cluster_component(component)
    texts.clear()


# Components of at most this many members have every pair that is not an
# edge verified at once, in one kernel call per batch of components, before
# they are clustered: leader clustering asks for most of them, and one at a
# time each cost ~15 us of Python around the kernel.
BATCHED_COMPONENT = 16
# A member compared with this many leaders or more has the pairs verified at
# once (analyse's similar_to).
BATCHED_PAIRS = 8


def analyse(
    table: BlockTable,
    doc_of: npt.NDArray[np.int64],
    paths: Sequence[str],
    settings: Settings,
    source: TextSource,
    share: bool = True,
) -> Analysis:
    """Find duplicate clusters among all blocks of a run and decide.

    ``share``: in the dedup command's process, large runs may share the
    verification, the clustering and the template checks with a forked helper
    (:mod:`dedup.forked`). The caller says False while other processes
    keep the cores busy (the quality pass of a split run): the helper would
    only compete with them, and every page this process writes meanwhile
    would be copied.
    """
    eligible = (table.words >= settings.min_words) & (table.key_chars >= settings.min_chars)
    reps, groups = exact_groups(table, eligible)
    texts = _Texts(source)
    edges: dict[Pair, float] = {}
    templates: set[Pair] = set()
    linked_pairs = np.zeros((0, 2), dtype=np.int64)
    candidates = 0
    if settings.near and len(reps) > 1:
        edges, templates, linked_pairs, candidates = _near_edges(table, reps, settings, source, share)

    # Components: representatives joined by verified edges or found to be
    # fillings of one template (the family check needs them together), plus
    # every exact group of two or more copies on its own.
    template_partners: dict[int, set[int]] = {}

    def partners(i: int, j: int) -> None:
        template_partners.setdefault(i, set()).add(j)
        template_partners.setdefault(j, set()).add(i)

    for i, j in templates:
        partners(i, j)
    # Keyed by their smallest member, members in order.
    linked, smallest = connected_components(linked_pairs)
    order = np.argsort(smallest, kind="stable")
    members = linked[order].tolist()
    cuts = (np.flatnonzero(np.diff(smallest[order])) + 1).tolist()
    components = (
        {members[a]: members[a:b] for a, b in zip([0, *cuts], [*cuts, len(members)], strict=True)}
        if members
        else {}
    )
    group_sizes = groups.sizes()
    linked_mask = np.zeros(len(reps), dtype=bool)
    linked_mask[linked] = True
    for r in np.flatnonzero((group_sizes > 1) & ~linked_mask).tolist():
        components[r] = [r]

    lengths = table.stop - table.start

    def policy_order(r: int) -> tuple[int, int]:
        block = int(reps[r])
        if settings.keep == "longest":
            return (-int(lengths[block]), block)
        return (0, block)

    def group_members(r: int) -> list[int]:
        group: list[int] = groups[r].tolist()
        if settings.keep == "longest":
            group.sort(key=lambda b: (-int(lengths[b]), b))
        return group

    def edge(x: int, y: int) -> float | None:
        """The verified similarity of a candidate pair, if it was an edge."""
        return edges.get((min(x, y), max(x, y)))

    clusters: list[Cluster] = []
    # Large runs have loaded the compiled verification: use it one pair at a time too.
    kernel = sys.modules.get("dedup.verify_kernel")
    weigh: Callable[[Prepared, Prepared], float] | None = getattr(kernel, "aligned_weight", None)
    texts.kernel = kernel  # (the verification has cleared the texts)

    # Pairs of the current batch's small components verified at once (verify_batch).
    batched: dict[Pair, float] = {}

    def verify_batch(batch: list[list[int]]) -> None:
        """Verify the pairs of the batch's components of at most
        BATCHED_COMPONENT members that are neither edges nor known
        templates, in one kernel call (with the kernel loaded)."""
        batched.clear()
        if texts.tokenised is None:
            return
        pairs: list[Pair] = []
        for component in batch:
            # (members tokenised earlier, one at a time, are left to similar())
            if len(component) <= BATCHED_COMPONENT and texts.together(int(reps[r]) for r in component):
                ordered = sorted(component)
                pairs.extend(
                    (x, y)
                    for i, x in enumerate(ordered)
                    for y in ordered[i + 1 :]
                    if (x, y) not in edges and (x, y) not in templates
                )
        if pairs:
            blocks = reps[np.array(pairs, dtype=np.int64)].tolist()
            values = texts.verified([(a, b) for a, b in blocks], settings.threshold)
            batched.update(zip(pairs, values, strict=True))

    def cluster_members(ordered: list[int]) -> list[tuple[int, list[tuple[int, float]]]]:
        """Leaders and followers of a component of three or more (in policy order)."""

        def remember(x: int, y: int, sim: float | None) -> float | None:
            """``sim``, a pair's similarity; a filled-in template is noted as one."""
            if sim == TEMPLATE:
                templates.add((min(x, y), max(x, y)))
                partners(x, y)
            return sim

        def known(x: int, y: int) -> float | None:
            """The similarity of a pair already verified (an edge, a
            template, a batch's pair), else None."""
            key = (min(x, y), max(x, y))
            sim = edges.get(key)
            if sim is None:
                sim = TEMPLATE if key in templates else remember(x, y, batched.get(key))
            return sim

        def similar(x: int, y: int) -> float | None:
            sim = known(x, y)
            if sim is None:
                a, b = texts[int(reps[x])], texts[int(reps[y])]
                if upper_bound(a, b) >= settings.threshold:
                    sim = remember(x, y, verified(a, b, settings.threshold, weigh))
            return sim

        def similar_to(xs: list[int], r: int) -> list[float | None]:
            """similar(x, r) of each x; the pairs not known yet verified in
            one kernel call when there are BATCHED_PAIRS or more (members
            of large components meet hundreds of leaders)."""
            found = [known(x, r) for x in xs]
            unknown = [k for k, sim in enumerate(found) if sim is None]
            block = int(reps[r])
            if len(unknown) < BATCHED_PAIRS or not texts.together(
                [block, *(int(reps[xs[k]]) for k in unknown)]
            ):
                for k in unknown:
                    found[k] = similar(xs[k], r)
                return found
            values = texts.verified([(int(reps[xs[k]]), block) for k in unknown], settings.threshold)
            for k, sim in zip(unknown, values, strict=True):
                found[k] = remember(xs[k], r, sim)
            return found

        def fillings(r: int) -> int:
            return len(template_partners.get(r, ()))

        def filled(x: int, y: int) -> bool:
            return filled_template(texts[int(reps[x])], texts[int(reps[y])])

        facts_of: dict[int, tuple[Word, ...]] = {}

        def facts(x: int) -> tuple[Word, ...]:
            """The names and numbers of a member (sorted)."""
            found = facts_of.get(x)
            if found is None:
                found = texts.facts(int(reps[x]))
                if found is None:
                    p = texts[int(reps[x])]
                    found = tuple(
                        sorted(w for w, weight in zip(p.words, p.weights, strict=True) if weight > 1.0)
                    )
                facts_of[x] = found
            return found

        return _split_template_families(
            _leaders(
                ordered,
                similar,
                settings.threshold,
                filled,
                facts,
                known=edge,
                similar_to=similar_to,
            ),
            lambda r, others: texts.fact_substitutions(int(reps[r]), [int(reps[x]) for x in others]),
            similar,
            settings.threshold,
            filled,
            facts,
            fillings,
        )

    def cluster_component(component: list[int]) -> None:
        """The clusters of a component of three or more (see _simple_clusters for the others)."""
        for leader, followers in cluster_members(sorted(component, key=policy_order)):
            members: list[Member] = []
            for r, sim in [(leader, 1.0), *followers]:
                members.extend(Member(block, sim) for block in group_members(r))
            if len(members) < 2:
                continue
            kept = None if settings.keep == "none" else members[0].block
            clusters.append(Cluster(_cluster_id(int(table.key_hash[reps[leader], 0])), kept, tuple(members)))

    # Components of one or two need no text; larger ones are clustered in
    # batches whose texts are fetched together and then forgotten, so memory
    # holds one batch of text, not every duplicate of the corpus.
    heads: list[int] = []
    tails: list[int] = []
    tail_similarities: list[float] = []
    large: list[list[int]] = []
    for component in components.values():
        if len(component) == 1:  # an exact group on its own
            heads.append(component[0])
            tails.append(-1)
            tail_similarities.append(1.0)
        elif len(component) == 2:  # one pair: nothing to compare but its edge
            leader, follower = sorted(component, key=policy_order)
            sim = edge(leader, follower)
            if sim is not None and sim >= settings.threshold:
                heads.append(leader)
                tails.append(follower)
                tail_similarities.append(sim)
            else:  # (fillings of one template): each exact group on its own
                for r in (leader, follower):
                    if group_sizes[r] > 1:
                        heads.append(r)
                        tails.append(-1)
                        tail_similarities.append(1.0)
        else:
            large.append(component)
    clusters.extend(_simple_clusters(heads, tails, tail_similarities, groups, reps, table, settings.keep))

    def cluster_large(part: list[list[int]]) -> list[Cluster]:
        """The clusters of these components, returned (not left in
        ``clusters``). Each component stands alone: what is decided in one,
        templates found on the way included, concerns it only, so the
        components can be shared out between processes."""
        start = len(clusters)
        batch: list[list[int]] = []
        batch_size = 0
        for component in part:
            batch.append(component)
            batch_size += len(component)
            if batch_size >= TEXT_BATCH:
                _cluster_batch(batch, texts, reps, cluster_component, verify_batch)
                batch, batch_size = [], 0
        _cluster_batch(batch, texts, reps, cluster_component, verify_batch)
        found = clusters[start:]
        del clusters[start:]
        return found

    total = sum(map(len, large))
    if share and total >= PARALLEL_CLUSTERING and can_fork():
        # Shared with a forked child (see dedup.forked), a part at a time:
        # parts of about equal members, taken by whichever process is free
        # (the work of a component grows faster than its members).
        ends = np.cumsum([len(component) for component in large])
        targets = [total * k // CLUSTERING_PARTS for k in range(1, CLUSTERING_PARTS)]
        cuts = [0, *np.searchsorted(ends, targets).tolist(), len(large)]
        parts = [large[a:b] for a, b in pairwise(cuts) if b > a]
        here = os.getpid()

        def part(k: int) -> list[Cluster] | ClusterColumns:
            found = cluster_large(parts[k])
            # (the child's clusters go back as arrays: pickling millions of
            # Member tuples and making them again cost seconds at 1 GB)
            return found if os.getpid() == here else ClusterColumns.of(found)

        for found in share_out(part, len(parts)):
            clusters.extend(found.clusters() if isinstance(found, ClusterColumns) else found)
    else:
        clusters.extend(cluster_large(large))

    clusters.sort(key=lambda c: c.members[0].block)
    findings = _findings(clusters, table, doc_of, paths)
    return Analysis(clusters, findings, frozenset(findings.block.tolist()), candidates, len(edges))


def _findings(
    clusters: Sequence[Cluster], table: BlockTable, doc_of: npt.NDArray[np.int64], paths: Sequence[str]
) -> DuplicateFindings:
    """One finding per dropped member; its reference is the kept copy (with
    keep=none the first member is referred to the second one). Worked out
    on the members laid end to end (millions on a duplicate-heavy corpus)."""
    columns = ClusterColumns.of(clusters)
    sizes, blocks, similarities = columns.sizes, columns.blocks, columns.similarities
    none_kept = columns.kept < 0
    firsts = np.zeros(len(clusters) + 1, dtype=np.int64)
    np.cumsum(sizes, out=firsts[1:])
    firsts = firsts[:-1]  # each cluster's first member
    cluster_of = np.repeat(np.arange(len(clusters), dtype=np.int64), sizes)
    references = np.repeat(blocks[firsts], sizes)
    # With no copy kept the first member is dropped too, referred to the second one.
    alone = firsts[none_kept]
    references[alone] = blocks[alone + 1]
    similarities[alone] = similarities[alone + 1]
    dropped = np.ones(len(blocks), dtype=np.bool_)
    dropped[firsts[~none_kept]] = False
    return DuplicateFindings(
        table,
        doc_of,
        paths,
        blocks[dropped],
        references[dropped],
        cluster_of[dropped],
        columns.ids,
        similarities[dropped],
        none_kept[cluster_of[dropped]],
    ).sorted()
