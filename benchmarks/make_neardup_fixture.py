"""Build the small near-duplicate fixture in tests/fixtures/neardup/.

Only text we may ship goes in: paragraphs of the dolma test fixture
(Apache-2.0, Common Crawl text) and templated sentences written for this
project (TEMPLATES below). Positives are PAN-style edited copies made with
editset.edit_copy, drawing random words from the fixture's own originals, so
tests can re-create every copy from the file alone (see
tests/test_neardup_fixture.py).

    python benchmarks/make_neardup_fixture.py --dolma ../shared/data/dolma_paragraph_dedup_fixture
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import Paragraph, iter_dolma
from editset import RATES, Pair, Vocabulary, edit_copy, eligible, make_unrelated

SEED = 20260501
SOURCES = 40
UNRELATED = 60
OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "neardup"

# Written for this project: template text with slots, and slot fillers.
TEMPLATES: dict[str, tuple[str, list[dict[str, str]]]] = {
    "village": (
        (
            "{name} is a small village in the {district} district of {province}, about {km} "
            "kilometres north of {town}. At the {year} census it had {pop} inhabitants, most of "
            "whom work on the surrounding farms."
        ),
        [
            {
                "name": "Vellora",
                "district": "Karsk",
                "province": "Almeria Province",
                "km": "12",
                "town": "Dovrin",
                "year": "2011",
                "pop": "412",
            },
            {
                "name": "Ostrany",
                "district": "Karsk",
                "province": "Almeria Province",
                "km": "27",
                "town": "Dovrin",
                "year": "2011",
                "pop": "1,093",
            },
            {
                "name": "Pellicot",
                "district": "Marren",
                "province": "Almeria Province",
                "km": "8",
                "town": "Sulet",
                "year": "2011",
                "pop": "230",
            },
            {
                "name": "Brzana",
                "district": "Tolm",
                "province": "Upper Varsh",
                "km": "15",
                "town": "Kelnow",
                "year": "2002",
                "pop": "587",
            },
            {
                "name": "Hollin Cross",
                "district": "Tolm",
                "province": "Upper Varsh",
                "km": "4",
                "town": "Kelnow",
                "year": "2002",
                "pop": "96",
            },
            {
                "name": "Sarnegg",
                "district": "Aubel",
                "province": "Lower Varsh",
                "km": "31",
                "town": "Ritz",
                "year": "2002",
                "pop": "2,310",
            },
            {
                "name": "Quillon",
                "district": "Aubel",
                "province": "Lower Varsh",
                "km": "19",
                "town": "Ritz",
                "year": "2011",
                "pop": "744",
            },
            {
                "name": "Temenza",
                "district": "Marren",
                "province": "Almeria Province",
                "km": "22",
                "town": "Sulet",
                "year": "2011",
                "pop": "318",
            },
        ],
    ),
    "species": (
        (
            "{genus} {epithet} is a species of {kind} in the family {family}. It was first "
            "described by {author} in {year} and is known only from {place}, where it lives "
            "{habitat}."
        ),
        [
            {
                "genus": "Pellona",
                "epithet": "marisca",
                "kind": "sea snail",
                "family": "Turridae",
                "author": "Hedley",
                "year": "1922",
                "place": "the coast of Queensland",
                "habitat": "on sandy bottoms",
            },
            {
                "genus": "Pellona",
                "epithet": "vittata",
                "kind": "sea snail",
                "family": "Turridae",
                "author": "Tomlin",
                "year": "1931",
                "place": "the Gulf of Aden",
                "habitat": "on sandy bottoms",
            },
            {
                "genus": "Carabella",
                "epithet": "nitens",
                "kind": "ground beetle",
                "family": "Carabidae",
                "author": "Jeannel",
                "year": "1949",
                "place": "Madagascar",
                "habitat": "under bark in humid forest",
            },
            {
                "genus": "Carabella",
                "epithet": "obscura",
                "kind": "ground beetle",
                "family": "Carabidae",
                "author": "Basilewsky",
                "year": "1958",
                "place": "the Ruwenzori range",
                "habitat": "under bark in humid forest",
            },
            {
                "genus": "Orthelia",
                "epithet": "brevis",
                "kind": "moth",
                "family": "Tortricidae",
                "author": "Meyrick",
                "year": "1912",
                "place": "Sri Lanka",
                "habitat": "in lowland rain forest",
            },
            {
                "genus": "Orthelia",
                "epithet": "fumosa",
                "kind": "moth",
                "family": "Tortricidae",
                "author": "Diakonoff",
                "year": "1967",
                "place": "Luzon",
                "habitat": "in lowland rain forest",
            },
            {
                "genus": "Micrapis",
                "epithet": "alpina",
                "kind": "bee",
                "family": "Halictidae",
                "author": "Warncke",
                "year": "1975",
                "place": "the Taurus Mountains",
                "habitat": "on dry meadows",
            },
        ],
    ),
    "commune": (
        (
            "{name} is a commune in the {dept} department in the {region} region of {country}. "
            "Its mayor since {year} has been {mayor}, and it had a population of {pop} in "
            "{year2}."
        ),
        [
            {
                "name": "Saint-Orvel",
                "dept": "Varenne",
                "region": "Haute-Lise",
                "country": "France",
                "year": "2014",
                "mayor": "Claire Dumas",
                "pop": "1,204",
                "year2": "2019",
            },
            {
                "name": "Montbarre",
                "dept": "Varenne",
                "region": "Haute-Lise",
                "country": "France",
                "year": "2020",
                "mayor": "Paul Ferrand",
                "pop": "388",
                "year2": "2019",
            },
            {
                "name": "Lachaux-sur-Orne",
                "dept": "Calvère",
                "region": "Basse-Lise",
                "country": "France",
                "year": "2008",
                "mayor": "Henri Blot",
                "pop": "2,871",
                "year2": "2017",
            },
            {
                "name": "Pradelle",
                "dept": "Calvère",
                "region": "Basse-Lise",
                "country": "France",
                "year": "2014",
                "mayor": "Anne Roux",
                "pop": "152",
                "year2": "2017",
            },
            {
                "name": "Vieux-Moulin",
                "dept": "Aubrac-Nord",
                "region": "Causses",
                "country": "France",
                "year": "2001",
                "mayor": "Jean Marty",
                "pop": "640",
                "year2": "2019",
            },
            {
                "name": "Esterre",
                "dept": "Aubrac-Nord",
                "region": "Causses",
                "country": "France",
                "year": "2020",
                "mayor": "Sophie Vidal",
                "pop": "97",
                "year2": "2019",
            },
        ],
    ),
    "money-market": (
        (
            "The central bank said it provided the money market with {n1} million {cur} of "
            "assistance in the {session} session, compared with its forecast shortage of {n2} "
            "million {cur}. Dealers said overnight rates eased to {rate} percent."
        ),
        [
            {
                "n1": "215",
                "cur": "crowns",
                "session": "morning",
                "n2": "400",
                "rate": "9.25",
            },
            {
                "n1": "88",
                "cur": "crowns",
                "session": "afternoon",
                "n2": "150",
                "rate": "9.50",
            },
            {
                "n1": "1,020",
                "cur": "crowns",
                "session": "morning",
                "n2": "1,300",
                "rate": "8.75",
            },
            {
                "n1": "310",
                "cur": "marks",
                "session": "morning",
                "n2": "700",
                "rate": "3.60",
            },
            {
                "n1": "45",
                "cur": "marks",
                "session": "afternoon",
                "n2": "90",
                "rate": "3.55",
            },
            {
                "n1": "600",
                "cur": "marks",
                "session": "morning",
                "n2": "650",
                "rate": "3.80",
            },
        ],
    ),
    "footballer": (
        (
            "{player} (born {day} {month} {year}) is a {nat} professional footballer who plays as "
            "a {pos} for {club} in the {league}. He made his senior debut in {debut}."
        ),
        [
            {
                "player": "Tomas Reklin",
                "day": "3",
                "month": "March",
                "year": "1996",
                "nat": "Slovak",
                "pos": "midfielder",
                "club": "FK Dunajec",
                "league": "Second League",
                "debut": "2015",
            },
            {
                "player": "Marek Vasko",
                "day": "19",
                "month": "July",
                "year": "1994",
                "nat": "Slovak",
                "pos": "midfielder",
                "club": "FK Dunajec",
                "league": "Second League",
                "debut": "2013",
            },
            {
                "player": "Jonas Lind",
                "day": "7",
                "month": "May",
                "year": "1998",
                "nat": "Swedish",
                "pos": "defender",
                "club": "Vallby IF",
                "league": "Superettan",
                "debut": "2017",
            },
            {
                "player": "Erik Sandell",
                "day": "28",
                "month": "January",
                "year": "1999",
                "nat": "Swedish",
                "pos": "defender",
                "club": "Vallby IF",
                "league": "Superettan",
                "debut": "2018",
            },
            {
                "player": "Kofi Mensah",
                "day": "11",
                "month": "October",
                "year": "1997",
                "nat": "Ghanaian",
                "pos": "forward",
                "club": "Accra Lions",
                "league": "Premier League",
                "debut": "2016",
            },
            {
                "player": "Yaw Boateng",
                "day": "2",
                "month": "December",
                "year": "1995",
                "nat": "Ghanaian",
                "pos": "forward",
                "club": "Accra Lions",
                "league": "Premier League",
                "debut": "2014",
            },
        ],
    ),
}


def templated_pairs() -> list[Pair]:
    pairs = []
    for name, (template, fillers) in TEMPLATES.items():
        texts = [template.format(**f) for f in fillers]
        for (i, a), (j, b) in itertools.combinations(enumerate(texts), 2):
            pairs.append(
                Pair(
                    f"tpl-{name}-{i}-{j}",
                    "templated",
                    a,
                    b,
                    f"own:{name}:{i}",
                    f"own:{name}:{j}",
                    group=name,
                )
            )
    return pairs


def positives(originals: Sequence[Paragraph], seed: int) -> list[Pair]:
    """Edited copies of ``originals``; random words come from the originals.

    Re-running with the same originals and seed gives the same copies.
    """
    rng = random.Random(seed)
    vocab = Vocabulary(originals)
    pairs = []
    for n, p in enumerate(originals):
        for name, rate in RATES.items():
            copy, ops = edit_copy(p.text, rate, rng, vocab)
            pairs.append(
                Pair(
                    f"pos-{n:03d}-{name.replace('/', '_')}",
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


def build(dolma: Path) -> list[Pair]:
    rng = random.Random(SEED)
    pool = [p for p in eligible(iter_dolma(dolma)) if len(p.text.split()) <= 120]
    originals = sorted(rng.sample(pool, SOURCES), key=lambda p: p.key)
    rest = [p for p in pool if p not in originals]
    return positives(originals, SEED) + make_unrelated(rest, UNRELATED, rng) + templated_pairs()


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--dolma",
        type=Path,
        required=True,
        help="the dolma_paragraph_dedup_fixture folder",
    )
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    pairs = build(args.dolma)
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "pairs.jsonl").open("w", encoding="utf-8") as fh:
        for pair in pairs:
            fh.write(pair.to_json() + "\n")
    print(f"wrote {len(pairs)} pairs to {args.out / 'pairs.jsonl'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
