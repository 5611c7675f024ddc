"""Matching: exact and near duplicates, keep policies, clusters, determinism."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import run_dedup, verified_both_ways

from dedup.api import check_texts, clean
from dedup.normalize import normalize, words
from dedup.settings import Settings

BASE = (
    "The museum reopened on Monday after a two-year renovation that added a glass roof over the central "
    "courtyard, new galleries for the textile collection and a cafe overlooking the river."
)
EDITED = BASE.replace("reopened", "opened").replace("central", "main")  # 2 words of 30 edited
OTHER = (
    "Heavy snow closed the mountain pass for the third time this winter, and the road authority said "
    "it would not reopen before the weekend because of the avalanche risk on the upper slopes."
)


def test_normalised_key_folds_case_quotes_dashes_and_space() -> None:
    assert normalize("  “Smart”  quotes — and\u00a0SPACES\n") == normalize('"smart" quotes - and spaces')
    assert normalize("Ｆｕｌｌ width") == "full width"
    assert words(normalize("It's a co-op, isn't it?")) == ["it", "s", "a", "co", "op", "isn", "t", "it"]


def test_exact_duplicate_ignores_case_and_typography() -> None:
    result = check_texts({"a.txt": f"{BASE}\n\n{BASE.upper().replace(',', ',')}\n"})
    assert [(f.rule, f.similarity) for f in result.findings] == [("DUP001", 1.0)]


def test_near_duplicate_reports_verified_similarity() -> None:
    result = check_texts({"a.txt": BASE + "\n", "b.txt": EDITED + "\n"})
    assert len(result.findings) == 1
    finding = result.findings[0]
    assert finding.rule == "DUP002"
    assert finding.path == "b.txt"
    assert finding.duplicate_of is not None and finding.duplicate_of.path == "a.txt"
    n = len(words(normalize(BASE)))
    # Two ordinary words replaced: each side keeps n - 2 of n words of weight 1
    # (the names "Monday" weigh 3 on both sides).
    weight = n + 2 * 1  # "The" is a function word, "Monday" a name (3 = 1 + 2)
    assert finding.similarity == round((weight - 2) / weight, 4)


def test_unrelated_paragraphs_are_not_reported() -> None:
    assert check_texts({"a.txt": BASE + "\n", "b.txt": OTHER + "\n"}).findings == []


def test_exact_only_mode() -> None:
    result = check_texts({"a.txt": BASE + "\n", "b.txt": EDITED + "\n"}, Settings(near=False))
    assert result.findings == []


def test_short_structural_lines_are_kept() -> None:
    text = "History.\n\nFirst para about the history of the town.\n\nHistory.\n\nSecond para about something else.\n\n* * *\n\n* * *\n"
    assert check_texts({"a.txt": text}).findings == []


def test_n_way_cluster_and_keep_policies() -> None:
    longer = BASE.replace("a cafe", "a small cafe")
    texts = {"a.txt": BASE + "\n", "b.txt": longer + "\n", "c.txt": BASE + "\n", "d.txt": EDITED + "\n"}
    first = check_texts(texts)
    assert len(first.clusters) == 1
    cluster = first.clusters[0]
    assert len(cluster.members) == 4
    assert sorted(f.path for f in first.findings) == ["b.txt", "c.txt", "d.txt"]
    assert {f.duplicate_of.path for f in first.findings if f.duplicate_of} == {"a.txt"}

    longest = check_texts(texts, Settings(keep="longest"))
    assert sorted(f.path for f in longest.findings) == ["a.txt", "c.txt", "d.txt"]
    assert {f.duplicate_of.path for f in longest.findings if f.duplicate_of} == {"b.txt"}

    none = check_texts(texts, Settings(keep="none"))
    assert sorted(f.path for f in none.findings) == ["a.txt", "b.txt", "c.txt", "d.txt"]
    assert all(change.cleaned == b"" for change in clean(none).changes)
    assert first.clusters[0].id == none.clusters[0].id  # ids come from content


@pytest.mark.parametrize("keep", ["first", "longest", "none"])
def test_clusters_of_one_exact_group_or_of_one_verified_pair(keep: str) -> None:
    """Components of one exact group, of two groups joined by a verified
    edge, and of two fillings of one template (two clusters), with their
    members in keep-policy order: the longer text leads under keep=longest
    although the shorter comes first."""
    texts = {
        "a.txt": OTHER,
        "c.txt": OTHER,
        "d.txt": EDITED,  # shorter than BASE
        "e.txt": BASE,
        "f.txt": EDITED,
        "g.txt": BASE,
        "h.txt": WARD.format(name="Kasimba"),
        "i.txt": WARD.format(name="Lutoro"),
        "j.txt": WARD.format(name="Kasimba"),
        "k.txt": WARD.format(name="Lutoro"),
    }
    result = check_texts({path: text + "\n" for path, text in texts.items()}, Settings(keep=keep))
    sim = next(f.similarity for f in result.findings if f.rule == "DUP002")  # (rounded to 4 places)
    assert sim is not None and Settings().threshold <= sim < 1.0
    pair = [("d", 1.0), ("f", 1.0), ("e", sim), ("g", sim)]
    if keep == "longest":
        pair = [("e", 1.0), ("g", 1.0), ("d", sim), ("f", sim)]
    expected = [[("a", 1.0), ("c", 1.0)], pair, [("h", 1.0), ("j", 1.0)], [("i", 1.0), ("k", 1.0)]]
    got = []
    for cluster in result.clusters:
        places = result.locations([m.block for m in cluster.members])
        got.append(
            [
                (path.removesuffix(".txt"), round(m.similarity, 4))
                for (path, _, _), m in zip(places, cluster.members, strict=True)
            ]
        )
        assert cluster.kept == (None if keep == "none" else cluster.members[0].block)
        # The id comes from the leader's text: that of two copies of it alone.
        leader = texts[places[0][0]]
        assert cluster.id == check_texts({"x.txt": f"{leader}\n\n{leader}\n"}).clusters[0].id
    assert got == expected


def test_cluster_ids_are_stable_when_files_are_added() -> None:
    one = check_texts({"a.txt": BASE + "\n", "c.txt": BASE + "\n"})
    two = check_texts(
        {"0.txt": OTHER + "\n", "a.txt": BASE + "\n", "c.txt": BASE + "\n", "z.txt": OTHER + "\n"}
    )
    ids_one = {c.id for c in one.clusters}
    assert ids_one <= {c.id for c in two.clusters}


def test_output_does_not_depend_on_argument_order(tmp_path: Path) -> None:
    names = []
    for i, text in enumerate([BASE, EDITED, OTHER, BASE, OTHER]):
        path = tmp_path / f"f{i}.txt"
        path.write_text(text + "\n")
        names.append(path.name)
    outputs = set()
    for order in itertools.islice(itertools.permutations(names), 0, 120, 17):
        run = run_dedup(["check", *order, "--format", "json"], cwd=tmp_path)
        assert run.code == 1
        outputs.add(run.stdout)
    assert len(outputs) == 1
    report = json.loads(outputs.pop())
    assert report["summary"]["duplicate_paragraphs"] == 3


def test_cross_file_duplicates_in_directory(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text(f"# Title\n\n{BASE}\n")
    (tmp_path / "docs" / "b.txt").write_text(f"{OTHER}\n\n{BASE}\n")
    (tmp_path / "docs" / "ignored.csv").write_text(f"{BASE}\n")
    run = run_dedup(["check", "docs", "--format", "concise"], cwd=tmp_path)
    assert run.code == 1
    assert "docs/b.txt:3:3: DUP001 exact duplicate of docs/a.md:3" in run.stdout
    assert "ignored.csv" not in run.stdout
    assert "2 files checked" in run.stdout


TAIL = (
    "The village lies on a low hill above the river, surrounded by orchards and small fields of wheat and "
    "maize, and it is connected to the county road by a narrow paved lane that was built after the war."
)
VILLAGES = [
    "Dravenik is a village in the municipality of Oskar Polje, in the Varnica County. According to the 2011 "
    "census, the village had a population of 412 inhabitants, most of them farmers. " + TAIL,
    "Lutomir is a village in the municipality of Oskar Polje, in the Varnica County. According to the 2011 "
    "census, the village had a population of 87 inhabitants, most of them farmers. " + TAIL,
    "Sestrinec is a village in the municipality of Oskar Polje, in the Varnica County. According to the 2011 "
    "census, the village had a population of 1,046 inhabitants, most of them farmers. " + TAIL,
    "Kamenjak is a village in the municipality of Oskar Polje, in the Varnica County. According to the 2011 "
    "census, the village had a population of 230 inhabitants, most of them farmers. " + TAIL,
]


def test_template_family_is_not_reported_but_a_light_edit_in_it_is() -> None:
    from dedup.verify import fact_substitution, prepare, similarity

    assert fact_substitution(prepare(VILLAGES[0]), prepare(VILLAGES[1]))
    # Alike enough that, taken one pair at a time, they would be near duplicates.
    assert similarity(prepare(VILLAGES[0]), prepare(VILLAGES[1])) >= Settings().threshold
    edited = VILLAGES[2].replace("most of them", "nearly all of them")
    assert not fact_substitution(prepare(VILLAGES[2]), prepare(edited))
    texts = {f"v{i}.txt": text + "\n" for i, text in enumerate([*VILLAGES, edited])}
    result = check_texts(texts)
    # The four villages are one template filled in four times: no duplicates
    # between them; the edited copy of one village is still found.
    assert [(f.rule, f.path, f.duplicate_of.path if f.duplicate_of else None) for f in result.findings] == [
        ("DUP002", "v4.txt", "v2.txt")
    ]


# Paragraphs of one template, written for these tests.
WARD = "{name} is an administrative ward in the Kelemba District of the Orovia Region of Tarsland."
RACE = (
    "The {who}'s {event} final at the 2031 Northern Games in Velmora was held on {day} March at the "
    "Velmora Harbour Arena before a crowd of several thousand people."
)


def test_a_filled_in_template_is_not_a_near_duplicate_but_a_light_edit_is() -> None:
    from dedup.verify import TEMPLATE, filled_template, prepare, similarity, verified

    a, b = prepare(WARD.format(name="Kasimba")), prepare(WARD.format(name="Lutoro"))
    threshold = Settings().threshold
    # Alike by the measure alone...
    assert similarity(a, b) >= threshold
    # ...but the subject was swapped for another name: another ward.
    assert filled_template(a, b) and filled_template(b, a)
    assert verified(a, b, threshold) == TEMPLATE
    # Two numbers swapped for numbers are a filling, in a paragraph of any length...
    dated = (
        "The bridge over the Sela river was opened in {year} and rebuilt in {rebuilt} after four years "
        "of building work by the county, which paid for it with a special tax on the farms around it."
    )
    assert filled_template(
        prepare(dated.format(year=1931, rebuilt=1950)), prepare(dated.format(year=1958, rebuilt=1972))
    )
    # ...one swapped fact only where it is more than a light edit touches (2 words in 30).
    assert not filled_template(
        prepare(dated.format(year=1931, rebuilt=1950)), prepare(dated.format(year=1931, rebuilt=1972))
    )
    # One ordinary word changed is a light edit.
    edited = prepare(WARD.format(name="Kasimba").replace("administrative", "local"))
    assert not filled_template(a, edited)
    # In the 15 words of a ward stub, one name replaced by another is a filling wherever it stands.
    moved = prepare(WARD.format(name="Kasimba").replace("Orovia", "Denmor"))
    assert filled_template(a, moved)
    texts = {
        "a.txt": WARD.format(name="Kasimba") + "\n",
        "b.txt": WARD.format(name="Lutoro") + "\n",
        "c.txt": WARD.format(name="Kasimba").replace("administrative", "local") + "\n",
    }
    result = check_texts(texts)
    assert [(f.path, f.duplicate_of.path if f.duplicate_of else None) for f in result.findings] == [
        ("c.txt", "a.txt")
    ]


def test_two_fillings_of_a_template_do_not_share_a_cluster_through_their_leader() -> None:
    from dedup.verify import prepare, verified

    leader = RACE.format(who="Women", event="hurdles", day=23)
    men = RACE.format(who="Men", event="relay", day=23)
    later = RACE.format(who="Women", event="sprint", day=29)
    threshold = Settings().threshold
    # Each is near the leader; the two are not near each other.
    assert verified(prepare(leader), prepare(men), threshold) >= threshold
    assert verified(prepare(leader), prepare(later), threshold) >= threshold
    assert verified(prepare(men), prepare(later), threshold) < threshold
    result = check_texts({"a.txt": leader + "\n", "b.txt": men + "\n", "c.txt": later + "\n"})
    clusters: dict[str | None, set[str]] = {}
    for f in result.findings:
        clusters.setdefault(f.cluster, set()).update(
            {f.path, f.duplicate_of.path if f.duplicate_of else f.path}
        )
    assert not any({"b.txt", "c.txt"} <= members for members in clusters.values())


def test_a_capitalised_function_word_is_a_name_unless_it_opens_a_sentence() -> None:
    from dedup.verify import NAME_WEIGHT, prepare

    def weights(text: str) -> dict[str, float]:
        p = prepare(text)
        return {f"{i}:{w}": weight for i, (w, weight) in enumerate(zip(p.words, p.weights, strict=True))}

    # Bond ratings, months and place names are names in mid-sentence.
    rated = weights("The issue is rated A by Standard and Poor's. Pay date is May 7.")
    assert rated["0:the"] == 1.0  # opens the text
    assert rated["4:a"] == NAME_WEIGHT
    assert rated["10:pay"] == NAME_WEIGHT  # not a function word: a name wherever it stands
    assert rated["13:may"] == NAME_WEIGHT
    # After a sentence end, a quote, a bracket or a list mark the word opens a sentence.
    opened = weights('End. The one (The two) "A three" - It four; May five')
    assert [opened[k] for k in ("1:the", "3:the", "5:a", "7:it", "9:may")] == [1.0] * 5
    # After a comma it does not, even at the start of the text.
    assert weights("in Paris, The Hague")["2:the"] == NAME_WEIGHT
    assert weights(", The Hague")["0:the"] == NAME_WEIGHT


def test_the_compiled_tokeniser_weighs_names_as_the_reference_does() -> None:
    from dedup.verify import prepare, similarity
    from dedup.verify_kernel import similarities

    texts = [
        ", The Hague and A rated bonds. The end",
        "The Hague and A rated bonds. The end",
        '(The Hague and "A rated" bonds - The end',
        "  The Hague and A rated bonds; The end",
        "the Hague and a rated bonds, The end",
    ]
    pairs = np.array([(i, j) for i in range(len(texts)) for j in range(i + 1, len(texts))], dtype=np.int64)
    fast = similarities(texts, pairs, 0.0)
    for (i, j), value in zip(pairs.tolist(), fast.tolist(), strict=True):
        assert value == pytest.approx(similarity(prepare(texts[i]), prepare(texts[j])), abs=1e-12)


def test_a_fact_changed_wherever_it_is_stated_is_a_filling() -> None:
    from dedup.verify import filled_template, prepare, slot_differences

    # The same word replaced by the same word twice: one star, then another.
    star = "The Bayer designations {0} Carinae and {1} Carinae are distinct. Due to technical limitations, both designations link here."
    s, u = prepare(star.format("S", "s")), prepare(star.format("U", "u"))
    assert slot_differences(s, u)[0] == ["N", "="]
    assert filled_template(s, u)
    # Two words that trade places far apart: the roles changed.
    roles = "In the centre of the arena the {0} shared the stage with the {1}'s high jump final that evening."
    men, women = prepare(roles.format("men", "women")), prepare(roles.format("women", "men"))
    assert slot_differences(men, women) == (["=", "="], 0)
    # Neighbours that trade places are an ordinary light edit (a word swap).
    swapped = prepare(roles.format("men", "women").replace("shared the stage", "the shared stage"))
    assert slot_differences(men, swapped)[0] == []


def test_two_fillings_of_a_template_do_not_share_a_cluster_through_a_third_member() -> None:
    from dedup.verify import filled_template, prepare, verified

    event = (
        "The {who}'s {event} classical at the 2031 Northern Games was held on {day} February 2031 "
        "at the Velmora Open Stadium in the town of Kestrel, close to the lake, before a large crowd."
    )
    leader = event.format(who="women", event="sprint", day=20)
    men = event.format(who="men", event="10 kilometre", day=20)
    women = event.format(who="women", event="5 kilometre", day=23)
    threshold = Settings().threshold
    p_leader, p_men, p_women = prepare(leader), prepare(men), prepare(women)
    # Both are near the leader, neither is a filling of it by itself...
    assert verified(p_leader, p_men, threshold) >= threshold
    assert verified(p_leader, p_women, threshold) >= threshold
    # ...but they are two fillings of one template (two numbers swapped).
    assert verified(p_men, p_women, threshold) < threshold
    assert filled_template(p_men, p_women)
    result = check_texts({"a.txt": leader + "\n", "b.txt": men + "\n", "c.txt": women + "\n"})
    clusters: dict[str | None, set[str]] = {}
    for f in result.findings:
        clusters.setdefault(f.cluster, set()).update(
            {f.path, f.duplicate_of.path if f.duplicate_of else f.path}
        )
    assert clusters and not any({"b.txt", "c.txt"} <= members for members in clusters.values())


def test_a_large_cluster_of_light_edits_stays_together() -> None:
    """Hundreds of copies of one paragraph, each with a word or two changed
    (the boilerplate of web corpora): one cluster keeps them all, found
    without comparing every member with every other one."""
    import random

    rng = random.Random(3)
    text = (
        "The committee met on Tuesday to discuss the proposed changes to the regional transport "
        "plan, which would add new bus routes and extend the opening hours of the central station"
    )
    base = text.split()
    vocabulary = ["river", "market", "school", "garden", "bridge", "office", "letter", "window"]
    copies = []
    for _ in range(300):
        words = list(base)
        k = rng.randrange(len(words))
        if rng.random() < 0.5:
            words[k] = rng.choice(vocabulary)
        else:
            words.insert(k, rng.choice(vocabulary))
        copies.append(" ".join(words))
    result = check_texts({"copies.txt": "\n\n".join(copies) + "\n"})
    distinct = len(set(copies))
    assert len(result.findings) == len(copies) - 1
    assert len({f.cluster for f in result.findings}) == 1
    assert {f.rule for f in result.findings} == (
        {"DUP001", "DUP002"} if distinct < len(copies) else {"DUP002"}
    )


# A news sentence, and the same with its amount dropped: an omission, not
# another fact. Fact-weighted alone it falls under the threshold ("$3.7m" is
# two number words, 4 each); its slot reading counts them as one slip, like
# two ordinary words dropped.
LOANS = "The bank provided loans worth $3.7m to the club until 2006, when the deal was renegotiated."
LOANS_DROPPED = LOANS.replace("$3.7m ", "")


def test_a_name_or_number_only_dropped_is_a_light_edit() -> None:
    from dedup.verify import pair_similarity, prepare, similarity, slot_similarity, verified

    a, b = prepare(LOANS), prepare(LOANS_DROPPED)
    assert similarity(a, b) < 0.87 <= slot_similarity(a, b)
    assert verified(a, b, 0.87) == pair_similarity(a, b) == slot_similarity(a, b)
    result = check_texts({"a.txt": LOANS + "\n", "b.txt": LOANS_DROPPED + "\n"})
    assert [(f.rule, f.path) for f in result.findings] == [("DUP002", "b.txt")]
    # The compiled batch verification decides the same (and computes the same number).
    compiled, reference = verified_both_ways(LOANS, LOANS_DROPPED, 0.87)
    assert compiled == pytest.approx(reference)
    assert compiled >= 0.87


def test_a_fact_put_in_place_of_another_keeps_its_weight() -> None:
    from dedup.verify import prepare, similarity, slot_similarity

    # The amount changed, not dropped: two facts differ, as in a filled-in template.
    changed = LOANS.replace("$3.7m", "$9.1bn")
    a, b = prepare(LOANS), prepare(changed)
    assert slot_similarity(a, b) < 0.87 and similarity(a, b) < 0.87
    # Dropped in one place and another added elsewhere is a changed fact too.
    moved = LOANS_DROPPED.replace("the deal", "the Glasgow deal")
    assert slot_similarity(a, prepare(moved)) < 0.87
    assert check_texts({"a.txt": LOANS + "\n", "b.txt": changed + "\n", "c.txt": moved + "\n"}).findings == []


def test_titles_have_no_slot_reading() -> None:
    from dedup.verify import prepare, similarity, slot_similarity

    # Under 15 words a name or number added is what the title is about: the
    # 1895 strike is not the article about the strikes at the mill.
    a, b = "Yaroslavl Great Manufacture strike", "1895 Yaroslavl Great Manufacture strike"
    assert slot_similarity(prepare(a), prepare(b)) == 0.0
    assert similarity(prepare(a), prepare(b)) < 0.87
    assert check_texts({"a.txt": a + "\n", "b.txt": b + "\n"}).findings == []


def test_neighbours_transposed_are_not_facts_swapped() -> None:
    from dedup.verify import prepare, slot_differences, slot_similarity

    a = prepare(
        "Spokesmen for Armco Inc and Bethlehem Steel Corp said the proposed price hike was still under study."
    )
    b = prepare(
        "Spokesmen for Inc Armco and Bethlehem Steel Corp said the proposed price hike was still under study."
    )
    assert slot_differences(a, b) == ([], 2)
    # One word moved, as the unweighted similarity counts it: 2 of 34.
    assert slot_similarity(a, b) == pytest.approx(32 / 34, abs=1e-12)
