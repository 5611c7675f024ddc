"""Generate the labelled near-duplicate benchmark (PAN-style controlled edits).

Positives follow the artificial-obfuscation recipe of the PAN plagiarism
corpus (Potthast, Stein, Barrón-Cedeño, Rosso, "An Evaluation Framework for
Plagiarism Detection", COLING 2010): a real paragraph is copied and a known
fraction of its words is edited with random word operations -- replace a
word by a random corpus word, insert a random corpus word, delete a word,
swap two adjacent words -- chosen uniformly, at least one edit per copy.

Negatives, which a matcher must never report:

- ``unrelated``: two random paragraphs from different documents;
- ``templated``: two paragraphs from different documents that share a long
  template (their word sequences with names and numbers masked are >= 0.7
  Indel-similar, e.g. "X is a village in Y district ...", "The Bank of England
  said it provided the market with N mln stg ...") but state different facts:
  in a word alignment, template slots hold different names or numbers
  (``substituted_facts``; fact tokens are defined in textkeys.py), and the
  substituted fact words are at least 2/30 of the longer paragraph's words,
  i.e. more than a light edit (1-2 words per 30) would touch.

Template-sharing pairs below that share are written as ``natural`` pairs, not
labelled either way and only reported for information: re-issued stories, a
sentence added, case changed, and boilerplate re-used with one name swapped
("The aforesaid O'Reilly lands in Tawnagh were confiscated ...", 60 words,
one townland name differs), which no text measure can tell from a 1-in-30
random edit.

Deterministic: the same corpus, options and ``--seed`` give the same file.

    python benchmarks/editset.py --corpus ../shared/data --out benchmarks/out/editset.jsonl --seed 1
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import Paragraph, iter_corpus
from textkeys import TokenCodec, fact_flags, template_mask, words

# Edit rates: name -> fraction of the paragraph's words that get one edit.
RATES: dict[str, float] = {
    "1/30": 1 / 30,
    "2/30": 2 / 30,
    "10%": 0.10,
    "15%": 0.15,
    "20%": 0.20,
    "30%": 0.30,
}
OPERATIONS = ("replace", "insert", "delete", "swap")
MIN_WORDS = 15
MAX_WORDS = 200
TEMPLATE_SIMILARITY = 0.7
# A templated pair substitutes more fact words than a light edit touches words.
MIN_SUBSTITUTED_SHARE = 2 / 30

_AFFIXED = re.compile(r"^(\W*)(.*?)(\W*)$", re.DOTALL)


@dataclass
class Pair:
    """One labelled pair. ``kind``: positive, unrelated, templated, natural."""

    id: str
    kind: str
    a: str
    b: str
    a_key: str
    b_key: str
    rate: str = ""
    ops: list[str] = field(default_factory=list)
    group: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)


def load_pairs(path: Path) -> list[Pair]:
    with path.open(encoding="utf-8") as fh:
        return [Pair(**json.loads(line)) for line in fh if line.strip()]


def eligible(paragraphs: Iterable[Paragraph]) -> list[Paragraph]:
    """Paragraphs of MIN_WORDS..MAX_WORDS whitespace words, first copy only."""
    seen: set[tuple[str, ...]] = set()
    out = []
    for p in paragraphs:
        n = len(p.text.split())
        key = tuple(words(p.text))
        if MIN_WORDS <= n <= MAX_WORDS and key not in seen:
            seen.add(key)
            out.append(p)
    return out


class Vocabulary:
    """Corpus words, drawn with their corpus frequency (a random running word)."""

    def __init__(self, paragraphs: Sequence[Paragraph]) -> None:
        counts: Counter[str] = Counter()
        for p in paragraphs:
            counts.update(re.findall(r"\w+", p.text))
        self.words = sorted(counts)
        cumulative = []
        total = 0
        for w in self.words:
            total += counts[w]
            cumulative.append(total)
        self.cumulative = cumulative

    def draw(self, rng: random.Random) -> str:
        return rng.choices(self.words, cum_weights=self.cumulative)[0]


def edit_copy(text: str, rate: float, rng: random.Random, vocab: Vocabulary) -> tuple[str, list[str]]:
    """An edited copy of ``text`` with round(rate * words) >= 1 random edits.

    Operations act on whitespace tokens; a replaced word keeps the punctuation
    around it. Returns the copy and the list of operations applied.
    """
    tokens = text.split()
    n_edits = max(1, round(rate * len(tokens)))
    ops: list[str] = []
    while len(ops) < n_edits:
        op = rng.choice(OPERATIONS)
        if op == "replace":
            i = rng.randrange(len(tokens))
            m = _AFFIXED.match(tokens[i])
            assert m is not None
            new = rng.choice([vocab.draw(rng) for _ in range(1)])
            if new.casefold() == m.group(2).casefold():
                continue
            tokens[i] = m.group(1) + new + m.group(3)
        elif op == "insert":
            tokens.insert(rng.randrange(len(tokens) + 1), vocab.draw(rng))
        elif op == "delete":
            if len(tokens) <= 2:
                continue
            del tokens[rng.randrange(len(tokens))]
        else:
            i = rng.randrange(len(tokens) - 1)
            if tokens[i].casefold() == tokens[i + 1].casefold():
                continue
            tokens[i], tokens[i + 1] = tokens[i + 1], tokens[i]
        ops.append(op)
    return " ".join(tokens), ops


def make_positives(sources: Sequence[Paragraph], rng: random.Random, vocab: Vocabulary) -> list[Pair]:
    pairs = []
    for n, p in enumerate(sources):
        for name, rate in RATES.items():
            copy, ops = edit_copy(p.text, rate, rng, vocab)
            pairs.append(
                Pair(
                    f"pos-{n:05d}-{name.replace('/', '_')}",
                    "positive",
                    p.text,
                    copy,
                    p.key,
                    p.key + "+edit",
                    rate=name,
                    ops=ops,
                )
            )
    return pairs


def make_unrelated(pool: Sequence[Paragraph], count: int, rng: random.Random) -> list[Pair]:
    pairs = []
    while len(pairs) < count:
        a, b = rng.sample(pool, 2)
        if (a.source, a.doc) == (b.source, b.doc):
            continue
        pairs.append(Pair(f"unr-{len(pairs):05d}", "unrelated", a.text, b.text, a.key, b.key))
    return pairs


def substituted_facts(a: list[str], b: list[str], facts_a: list[bool], facts_b: list[bool]) -> int:
    """Fact tokens that a word alignment of ``a`` and ``b`` substitutes.

    Counts, over the Levenshtein alignment's ``replace`` regions, the fact
    words (``facts_a``/``facts_b``: per word, whether it is a fact token where
    it stands, textkeys.fact_flags) when both sides of the region hold facts
    and they differ: a template slot filled with another name or number.
    Inserted or deleted facts (a re-issue adding a dateline) and case changes
    do not count: a word is a fact on the side where it is one, so "Firm oil
    prices" / "Oil price firmness" substitutes one word, not two.
    """
    from rapidfuzz.distance import Levenshtein

    count = 0
    for op in Levenshtein.opcodes(a, b):
        if op.tag != "replace":
            continue
        fa = [
            w
            for w, f in zip(a[op.src_start : op.src_end], facts_a[op.src_start : op.src_end], strict=True)
            if f
        ]
        fb = [
            w
            for w, f in zip(b[op.dest_start : op.dest_end], facts_b[op.dest_start : op.dest_end], strict=True)
            if f
        ]
        if fa and fb and set(fa) != set(fb):
            count += max(len(fa), len(fb))
    return count


def mine_templated(
    pool: Sequence[Paragraph],
    rng: random.Random,
    max_group: int = 400,
    per_group: int = 40,
) -> tuple[list[Pair], list[Pair]]:
    """Templated negatives and ``natural`` (fact-sharing) pairs from ``pool``.

    Paragraphs are grouped by the first 6 and by the last 6 tokens of their
    template mask; within a group (at most ``max_group`` sampled members)
    every pair with template similarity >= TEMPLATE_SIMILARITY is a candidate.
    Per group we keep the ``per_group`` candidates with the highest plain word
    similarity (the hardest ones) plus as many random others.
    """
    import numpy as np
    from rapidfuzz.distance import Indel
    from rapidfuzz.process import cdist

    codec = TokenCodec()
    masks = [codec.encode(template_mask(p.text)) for p in pool]
    plain = [codec.encode(words(p.text)) for p in pool]
    facts = [fact_flags(p.text) for p in pool]
    plain_words = [words(p.text) for p in pool]
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, m in enumerate(masks):
        groups[("head", m[:6])].append(i)
        groups[("tail", m[-6:])].append(i)
    seen: set[tuple[int, int]] = set()
    templated: list[Pair] = []
    natural: list[Pair] = []
    for g, (key, members) in enumerate(sorted(groups.items())):
        if len(members) < 2:
            continue
        if len(members) > max_group:
            members = sorted(rng.sample(members, max_group))
        group_masks = [masks[i] for i in members]
        sim = cdist(
            group_masks,
            group_masks,
            scorer=Indel.normalized_similarity,
            score_cutoff=TEMPLATE_SIMILARITY,
            dtype=np.float32,
            workers=-1,
        )
        rows, cols = np.nonzero(np.triu(sim, 1))
        found: list[tuple[float, int, int]] = []
        for x, y in zip(rows.tolist(), cols.tolist(), strict=True):
            i, j = members[x], members[y]
            a, b = pool[i], pool[j]
            if (a.source, a.doc) == (b.source, b.doc) or plain[i] == plain[j]:
                continue
            if (i, j) in seen:
                continue
            seen.add((i, j))
            found.append((Indel.normalized_similarity(plain[i], plain[j]), i, j))
        found.sort(reverse=True)
        keep = found[:per_group]
        rest = found[per_group:]
        keep += rng.sample(rest, min(per_group, len(rest)))
        label = f"{key[0]}:{g}"
        for _, i, j in keep:
            a, b = pool[i], pool[j]
            substituted = substituted_facts(plain_words[i], plain_words[j], facts[i], facts[j])
            longest = max(len(plain_words[i]), len(plain_words[j]))
            if substituted >= MIN_SUBSTITUTED_SHARE * longest:
                templated.append(
                    Pair(
                        f"tpl-{len(templated):06d}",
                        "templated",
                        a.text,
                        b.text,
                        a.key,
                        b.key,
                        group=label,
                    )
                )
            else:
                natural.append(
                    Pair(
                        f"nat-{len(natural):06d}",
                        "natural",
                        a.text,
                        b.text,
                        a.key,
                        b.key,
                        group=label,
                    )
                )
    return templated, natural


def generate(
    paragraphs: Iterable[Paragraph],
    seed: int,
    positives: int,
    unrelated: int,
    templated: bool = True,
) -> list[Pair]:
    rng = random.Random(seed)
    pool = eligible(paragraphs)
    vocab = Vocabulary(pool)
    by_source: dict[str, list[Paragraph]] = defaultdict(list)
    for p in pool:
        by_source[p.source].append(p)
    # Equal shares per corpus (as far as each corpus allows).
    sources: list[Paragraph] = []
    share = positives // max(1, len(by_source))
    for name in sorted(by_source):
        members = by_source[name]
        sources += rng.sample(members, min(share, len(members)))
    pairs = make_positives(sources, rng, vocab)
    pairs += make_unrelated(pool, unrelated, rng)
    if templated:
        tpl, nat = mine_templated(pool, rng)
        pairs += tpl + nat
    return pairs


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--corpus",
        type=Path,
        required=True,
        help="data folder (e.g. ../shared/data) or one corpus folder",
    )
    ap.add_argument("--out", type=Path, required=True, help="output JSONL")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--sources",
        default="wikipedia,reuters,bbc",
        help="comma-separated corpora to read (wikipedia, reuters, bbc, dolma)",
    )
    ap.add_argument(
        "--positives",
        type=int,
        default=3000,
        help="source paragraphs; each gets one copy per edit rate",
    )
    ap.add_argument("--unrelated", type=int, default=10000)
    ap.add_argument("--no-templated", action="store_true")
    args = ap.parse_args(argv)
    paragraphs = iter_corpus(args.corpus, tuple(args.sources.split(",")))
    pairs = generate(
        paragraphs,
        args.seed,
        args.positives,
        args.unrelated,
        templated=not args.no_templated,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as fh:
        for pair in pairs:
            fh.write(pair.to_json() + "\n")
    counts = Counter(p.kind for p in pairs)
    print(
        f"wrote {len(pairs)} pairs to {args.out}: {dict(sorted(counts.items()))}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
